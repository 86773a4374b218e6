// SigV4: AWS Signature Version 4 for the Query protocol (header signing of
// form POSTs) and for pre-signed URLs (query-string signing, used for
// CopySnapshot of encrypted snapshots).
//
// The signing key for (date, region, service) is derived once and cached.
// User-Agent, Expect, Transfer-Encoding and X-Amzn-Trace-Id are never signed
// (botocore does not sign them, and AWS proxies may rewrite them).
//
// Thread safety: a Signer may be used from several threads at once.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "aws/clock.h"
#include "aws/http.h"

namespace snapkeep::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;             // empty for long-term keys
  std::optional<SysTime> expiration;     // nullopt: does not expire
  std::string source;                    // where they came from, e.g. "environment"
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

class Signer {
 public:
  // Signs `request` in place: adds X-Amz-Date, X-Amz-Security-Token (with
  // session credentials) and Authorization. Host is taken from the URL. The
  // payload hash is SHA-256 of the body bytes.
  void sign(HttpRequest& request, const Credentials& credentials, const SigningScope& scope,
            SysTime now);

  // Returns `url` (a GET with its parameters in the query string) with the
  // X-Amz-* query-string signature added, valid for `expires`.
  std::string presign(std::string_view url, const Credentials& credentials,
                      const SigningScope& scope, SysTime now, std::chrono::seconds expires);

 private:
  std::mutex m_mutex;
  // (secret hash, date, region, service) -> derived signing key
  std::unordered_map<std::string, std::string> m_key_cache;
};

}  // namespace snapkeep::aws
