// SigV4: AWS Signature Version 4 for the Query protocol (header signing of
// form POSTs) and for pre-signed URLs (query-string signing, used for
// CopySnapshot of encrypted snapshots).
//
// The signer reproduces botocore's SigV4Auth and SigV4QueryAuth byte for byte
// for the requests snapkeep makes (checked against AWS's published test suite
// and against botocore on random requests). The signing key for (secret, date,
// region, service) is derived once and cached; the cache is keyed by a SHA-256
// of the secret, never by the secret itself. The headers botocore never signs
// (User-Agent, Expect, Transfer-Encoding, X-Amzn-Trace-Id and the hop-by-hop
// headers) are never signed: AWS proxies may rewrite them, and moto recomputes
// signatures without them.
//
// Thread safety: a Signer may be used from several threads at once. The free
// functions are pure and thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "aws/clock.h"
#include "aws/http.h"

namespace snapkeep::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;          // empty for long-term keys
  std::optional<SysTime> expiration;  // nullopt: does not expire
  std::string source;                 // where they came from, e.g. "environment"
};

// Form encoding of the Query protocol: spaces as '+', every byte outside
// A-Za-z0-9_.-~ as upper-case %XX (what AWS and botocore's quote_plus agree
// on, so moto's re-encoding of the body matches).
std::string form_encode(std::string_view text);

// URI encoding for canonical requests: like form_encode, but a space is %20;
// '/' is kept when `keep_slash` (paths).
std::string uri_encode(std::string_view text, bool keep_slash);

// Builds "k1=v1&k2=v2" with form_encode, keeping the given order.
std::string form_body(const std::vector<std::pair<std::string, std::string>>& params);

struct SigningScope {
  std::string region;   // e.g. us-east-1
  std::string service;  // e.g. ec2
};

// How to sign; the defaults are what EC2, SNS and STS expect (and botocore does).
struct SigningOptions {
  // Remove "." and ".." segments and repeated slashes from the path before
  // encoding it, as every service but S3 expects.
  bool normalize_path = true;
  // Header signing only: add and sign X-Amz-Content-SHA256 with the payload
  // hash (S3-style services require it; the Query protocol does not).
  bool sign_body = false;
  // Send the session token but leave it out of the signature (a few services,
  // e.g. IoT, want the token added after signing).
  bool omit_session_token = false;
};

// The intermediate results of one signature, for tests and debugging. Holds
// no secret: the signature is an HMAC under a derived key.
struct SigningTrace {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // lower-case hex
};

class Signer {
 public:
  Signer() = default;
  ~Signer();  // wipes the cached derived keys
  Signer(const Signer&) = delete;
  Signer& operator=(const Signer&) = delete;

  // Signs `request` in place: removes any earlier Authorization, X-Amz-Date
  // and X-Amz-Security-Token (so a retry may re-sign the same request), then
  // adds X-Amz-Date, X-Amz-Security-Token (with session credentials) and
  // Authorization. Host is taken from a Host header if present, else from the
  // URL (lower-cased, with a non-default port). The payload hash is SHA-256 of
  // the body bytes (or the value of an X-Amz-Content-SHA256 header, as
  // botocore does). A query string in the URL is canonicalised by decoding
  // %XX escapes and re-encoding (a '+' there is a literal plus).
  void sign(HttpRequest& request, const Credentials& credentials, const SigningScope& scope,
            SysTime now) {
    sign(request, credentials, scope, now, SigningOptions{}, nullptr);
  }
  void sign(HttpRequest& request, const Credentials& credentials, const SigningScope& scope,
            SysTime now, const SigningOptions& options, SigningTrace* trace = nullptr);

  // Returns `url` (a GET with its parameters in the query string) with the
  // X-Amz-* query-string signature added, valid for `expires`. This is what
  // botocore's inject_presigned_url_ec2 produces: the query string is decoded
  // as a form ('+' or %20 is a space) and re-encoded with %20, followed by
  // X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
  // X-Amz-SignedHeaders=host, X-Amz-Security-Token (session credentials) and
  // finally X-Amz-Signature. The payload hash is that of the empty body.
  std::string presign(std::string_view url, const Credentials& credentials,
                      const SigningScope& scope, SysTime now, std::chrono::seconds expires);

  // Query-string signing of a whole request (its method, its headers other
  // than the never-signed ones, and the SHA-256 of its body), as AWS's test
  // suite defines it. Returns the signed URL; the request itself is unchanged.
  std::string presign(const HttpRequest& request, const Credentials& credentials,
                      const SigningScope& scope, SysTime now, std::chrono::seconds expires,
                      const SigningOptions& options, SigningTrace* trace = nullptr);

  // How many derived signing keys are cached (at most kMaxCachedKeys).
  std::size_t cached_key_count() const;
  static constexpr std::size_t kMaxCachedKeys = 64;

 private:
  // Copies the derived key for (credentials, date, scope) into `key` (32 bytes).
  void signing_key(const Credentials& credentials, std::string_view date, const SigningScope& scope,
                   unsigned char* key);
  // HMAC of `string_to_sign` under the (cached) signing key; 32 bytes.
  void compute_signature(const Credentials& credentials, std::string_view amz_date,
                         const SigningScope& scope, std::string_view string_to_sign,
                         unsigned char* signature);

  mutable std::mutex m_mutex;
  // SHA-256(secret) + date + region + service -> derived signing key
  std::unordered_map<std::string, std::string> m_key_cache;
};

// The steps of a signature, exposed so that tests check each stage against
// AWS's test suite. Sign with Signer; these do not cache.
namespace sigv4_detail {

// 20150830T123600Z
std::string amz_date(SysTime now);

// Host header value for a URL: lower-cased host, no userinfo, port kept unless
// it is the scheme's default (botocore's _host_from_url).
std::string host_from_url(std::string_view url);

// The canonical URI of a URL's path (botocore's remove_dot_segments when
// `normalize`, then uri_encode keeping '/'); "/" for an empty path.
std::string canonical_uri(std::string_view url, bool normalize);

// The canonical query string of a URL's query: pairs split on '&', %XX
// decoded, re-encoded with uri_encode, sorted by key then value.
std::string canonical_query(std::string_view url);

// Trimall: leading and trailing whitespace removed, inner runs folded to one
// space (Python's ' '.join(value.split()) for ASCII whitespace).
std::string trim_all(std::string_view value);

// The string to sign for a canonical request.
std::string string_to_sign(std::string_view amz_date, std::string_view credential_scope,
                           std::string_view canonical_request);

// kSigning = HMAC chain over "AWS4"+secret, date (yyyymmdd), region, service,
// "aws4_request"; 32 raw bytes.
std::string derive_signing_key(std::string_view secret, std::string_view date,
                               std::string_view region, std::string_view service);

// The key under which Signer caches a derived key: SHA-256 of the secret
// followed by date, region and service. Never contains the secret.
std::string key_cache_id(std::string_view secret, std::string_view date, std::string_view region,
                         std::string_view service);

std::string sha256_hex(std::string_view data);
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

}  // namespace sigv4_detail

}  // namespace snapkeep::aws
