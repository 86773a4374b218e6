#include "aws/sigv4.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "aws/sigv4_crypto.h"
#include "util/url.h"

namespace snapkeep::aws {

namespace {

using sigv4_crypto::append_hex;
using sigv4_crypto::hmac;
using sigv4_crypto::hmac_with_signing_key;
using sigv4_crypto::kDigestSize;
using sigv4_crypto::sha256;

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kUpperHexDigits = "0123456789ABCDEF";

constexpr std::array<bool, 256> make_unreserved() {
  std::array<bool, 256> table{};
  for (int c = 'A'; c <= 'Z'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (int c = '0'; c <= '9'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (char c : std::string_view("-_.~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}
constexpr std::array<bool, 256> kUnreserved = make_unreserved();

enum class SpaceAs { plus, percent };

// Writes through a pointer into space sized for the worst case (every byte
// escaped): per-character push_back was most of the cost of form encoding.
void append_encoded(std::string& out, std::string_view text, SpaceAs space, bool keep_slash) {
  const std::size_t start = out.size();
  out.resize(start + 3 * text.size());
  char* cursor = out.data() + start;
  for (char ch : text) {
    const auto byte = static_cast<unsigned char>(ch);
    if (kUnreserved[byte] || (keep_slash && ch == '/')) {
      *cursor++ = ch;
    } else if (ch == ' ' && space == SpaceAs::plus) {
      *cursor++ = '+';
    } else {
      cursor[0] = '%';
      cursor[1] = kUpperHexDigits[byte >> 4];
      cursor[2] = kUpperHexDigits[byte & 0x0F];
      cursor += 3;
    }
  }
  out.resize(static_cast<std::size_t>(cursor - out.data()));
}

int hex_value(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

// Decodes %XX escapes (a malformed escape stays literal); with `plus_is_space`
// also '+' as a space, as application/x-www-form-urlencoded (and Python's
// parse_qs) reads it.
std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (ch == '%' && i + 2 < text.size()) {
      const int high = hex_value(text[i + 1]);
      const int low = hex_value(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && ch == '+' ? ' ' : ch);
  }
  return out;
}

char ascii_lower(char ch) {
  return (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
}

// Python's str.split() whitespace, restricted to ASCII.
bool is_space(char ch) {
  return ch == ' ' || (ch >= '\t' && ch <= '\r') || (ch >= '\x1c' && ch <= '\x1f');
}

void append_trimmed(std::string& out, std::string_view value) {
  // Most values (tokens, dates, hosts) hold no byte <= ' ' at all: copy them.
  if (std::none_of(value.begin(), value.end(),
                   [](char ch) { return static_cast<unsigned char>(ch) <= ' '; })) {
    out.append(value);
    return;
  }
  const std::size_t start = out.size();
  out.resize(start + value.size());
  char* const first = out.data() + start;
  char* cursor = first;
  bool pending_space = false;
  for (char ch : value) {
    if (is_space(ch)) {
      pending_space = cursor != first;
      continue;
    }
    if (pending_space) *cursor++ = ' ';
    pending_space = false;
    *cursor++ = ch;
  }
  out.resize(static_cast<std::size_t>(cursor - out.data()));
}

// botocore's SIGNED_HEADERS_BLACKLIST: hop-by-hop headers and the ones that
// clients and proxies add or rewrite.
bool never_signed(std::string_view lower_name) {
  static constexpr std::array<std::string_view, 11> kNames = {"connection",
                                                              "expect",
                                                              "keep-alive",
                                                              "proxy-authenticate",
                                                              "proxy-authorization",
                                                              "te",
                                                              "trailer",
                                                              "transfer-encoding",
                                                              "upgrade",
                                                              "user-agent",
                                                              "x-amzn-trace-id"};
  return std::find(kNames.begin(), kNames.end(), lower_name) != kNames.end();
}

void append_host(std::string& out, std::string_view url) {
  const util::UrlParts parts = util::split_url(url);
  for (char ch : parts.host) out.push_back(ascii_lower(ch));
  if (parts.port.empty()) return;
  const auto number = util::port_number(parts.port);
  if (!number) return;  // not a port: leave it out
  const bool is_default = (*number == 443 && util::iequals_ascii(parts.scheme, "https")) ||
                          (*number == 80 && util::iequals_ascii(parts.scheme, "http"));
  if (!is_default) {
    out.push_back(':');
    out.append(std::to_string(*number));
  }
}

// RFC 3986 section 5.2.4 with repeated slashes collapsed, exactly as
// botocore's remove_dot_segments.
std::string remove_dot_segments(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    const std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string out;
  if (path.front() == '/') out.push_back('/');
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out.push_back('/');
    out.append(segments[i]);
  }
  if (path.back() == '/' && !segments.empty()) out.push_back('/');
  return out;
}

void append_canonical_uri(std::string& out, std::string_view path, bool normalize) {
  if (normalize) {
    append_encoded(out, remove_dot_segments(path), SpaceAs::percent, true);
  } else if (path.empty()) {
    out.push_back('/');
  } else {
    append_encoded(out, path, SpaceAs::percent, true);
  }
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

// Splits a query string into decoded pairs; empty segments are skipped and a
// segment without '=' has an empty value.
Pairs decode_query(std::string_view query, bool plus_is_space) {
  Pairs pairs;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view segment = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    if (segment.empty()) continue;
    const auto eq = segment.find('=');
    pairs.emplace_back(percent_decode(segment.substr(0, eq), plus_is_space),
                       eq == std::string_view::npos
                           ? std::string()
                           : percent_decode(segment.substr(eq + 1), plus_is_space));
  }
  return pairs;
}

void encode_pairs(Pairs& pairs) {
  for (auto& [key, value] : pairs) {
    key = uri_encode(key, false);
    value = uri_encode(value, false);
  }
}

void append_joined(std::string& out, const Pairs& pairs) {
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (i > 0) out.push_back('&');
    out.append(pairs[i].first);
    out.push_back('=');
    out.append(pairs[i].second);
  }
}

void append_sorted_query(std::string& out, Pairs encoded) {
  std::sort(encoded.begin(), encoded.end());
  append_joined(out, encoded);
}

// Canonical headers ("name:value\n" lines, sorted, repeated names joined with
// ',') and the signed-headers list, over `headers` plus a Host derived from
// `url` when the request has none.
struct HeaderEntry {
  std::string name;  // lower case
  std::string_view value;
};

void append_canonical_headers(std::string& out, std::string& signed_headers, const Headers& headers,
                              std::string_view url) {
  thread_local std::vector<HeaderEntry> entries;
  thread_local std::string host;
  std::size_t count = 0;
  bool has_host = false;
  auto add = [&](std::string_view name, std::string_view value) {
    if (count == entries.size()) entries.emplace_back();
    HeaderEntry& entry = entries[count];
    entry.name.resize(name.size());
    std::transform(name.begin(), name.end(), entry.name.begin(), ascii_lower);
    if (never_signed(entry.name)) return;
    has_host = has_host || entry.name == "host";
    entry.value = value;
    ++count;
  };
  for (const auto& [name, value] : headers) add(name, value);
  if (!has_host) {
    host.clear();
    append_host(host, url);
    add("host", host);
  }
  std::stable_sort(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(count),
                   [](const HeaderEntry& a, const HeaderEntry& b) { return a.name < b.name; });
  signed_headers.clear();
  for (std::size_t i = 0; i < count; ++i) {
    const bool continues = i > 0 && entries[i].name == entries[i - 1].name;
    if (continues) {
      out.push_back(',');
    } else {
      if (i > 0) {
        out.push_back('\n');
        signed_headers.push_back(';');
      }
      out.append(entries[i].name);
      out.push_back(':');
      signed_headers.append(entries[i].name);
    }
    append_trimmed(out, entries[i].value);
  }
  if (count > 0) out.push_back('\n');
}

// Writes yyyymmddThhmmssZ and a terminating NUL (17 bytes).
void format_amz_date(SysTime now, char* out) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(now);
  const auto day = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{seconds - day};
  auto put = [&out](long value, int width) {
    for (int i = width - 1; i >= 0; --i) {
      out[i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
    out += width;
  };
  put(static_cast<int>(ymd.year()), 4);
  put(static_cast<unsigned>(ymd.month()), 2);
  put(static_cast<unsigned>(ymd.day()), 2);
  *out++ = 'T';
  put(hms.hours().count(), 2);
  put(hms.minutes().count(), 2);
  put(static_cast<long>(hms.seconds().count()), 2);
  *out++ = 'Z';
  *out = '\0';
}

void append_scope(std::string& out, std::string_view date, const SigningScope& scope) {
  out.append(date.substr(0, 8));
  out.push_back('/');
  out.append(scope.region);
  out.push_back('/');
  out.append(scope.service);
  out.append("/aws4_request");
}

void append_string_to_sign(std::string& out, std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request) {
  unsigned char digest[kDigestSize];
  sha256(canonical_request, digest);
  out.append(kAlgorithm);
  out.push_back('\n');
  out.append(amz_date);
  out.push_back('\n');
  out.append(scope);
  out.push_back('\n');
  append_hex(out, digest, kDigestSize);
}

void derive_key(std::string_view secret, std::string_view date, std::string_view region,
                std::string_view service, unsigned char* out) {
  thread_local std::string seed;
  seed.assign("AWS4");
  seed.append(secret);
  unsigned char k1[kDigestSize];
  unsigned char k2[kDigestSize];
  hmac(reinterpret_cast<const unsigned char*>(seed.data()), seed.size(), date.substr(0, 8), k1);
  OPENSSL_cleanse(seed.data(), seed.size());
  hmac(k1, kDigestSize, region, k2);
  hmac(k2, kDigestSize, service, k1);
  hmac(k1, kDigestSize, "aws4_request", out);
  OPENSSL_cleanse(k1, kDigestSize);
  OPENSSL_cleanse(k2, kDigestSize);
}

void build_cache_id(std::string& id, std::string_view secret, std::string_view date,
                    std::string_view region, std::string_view service) {
  unsigned char digest[kDigestSize];
  sha256(secret, digest);
  id.assign(reinterpret_cast<const char*>(digest), kDigestSize);
  id.append(date.substr(0, 8));
  id.push_back('\n');
  id.append(region);
  id.push_back('\n');
  id.append(service);
}

void payload_hash(std::string& out, const HttpRequest& request) {
  if (const std::string* given = find_header(request.headers, "X-Amz-Content-SHA256")) {
    out.assign(*given);
    return;
  }
  unsigned char digest[kDigestSize];
  sha256(request.body, digest);
  out.clear();
  append_hex(out, digest, kDigestSize);
}

void erase_header(Headers& headers, std::string_view name) {
  std::erase_if(headers,
                [name](const auto& header) { return util::iequals_ascii(header.first, name); });
}

void append_method(std::string& out, std::string_view method) {
  for (char ch : method)
    out.push_back((ch >= 'a' && ch <= 'z') ? static_cast<char>(ch - 'a' + 'A') : ch);
}

}  // namespace

std::string form_encode(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 2);
  append_encoded(out, text, SpaceAs::plus, false);
  return out;
}

std::string uri_encode(std::string_view text, bool keep_slash) {
  std::string out;
  out.reserve(text.size() + text.size() / 2);
  append_encoded(out, text, SpaceAs::percent, keep_slash);
  return out;
}

std::string form_body(const std::vector<std::pair<std::string, std::string>>& params) {
  std::size_t size = 0;
  for (const auto& [key, value] : params) size += key.size() + value.size() + 2;
  std::string out;
  out.reserve(size + size / 4);
  for (const auto& [key, value] : params) {
    if (!out.empty()) out.push_back('&');
    append_encoded(out, key, SpaceAs::plus, false);
    out.push_back('=');
    append_encoded(out, value, SpaceAs::plus, false);
  }
  return out;
}

Signer::~Signer() {
  for (auto& [id, key] : m_key_cache) OPENSSL_cleanse(key.data(), key.size());
}

std::size_t Signer::cached_key_count() const {
  std::lock_guard lock(m_mutex);
  return m_key_cache.size();
}

void Signer::signing_key(const Credentials& credentials, std::string_view date,
                         const SigningScope& scope, unsigned char* key) {
  thread_local std::string id;
  build_cache_id(id, credentials.secret_access_key, date, scope.region, scope.service);
  {
    std::lock_guard lock(m_mutex);
    if (const auto found = m_key_cache.find(id); found != m_key_cache.end()) {
      std::memcpy(key, found->second.data(), kDigestSize);
      return;
    }
  }
  derive_key(credentials.secret_access_key, date, scope.region, scope.service, key);
  std::lock_guard lock(m_mutex);
  // Dates roll over and credentials rotate; a small bound keeps stale keys
  // from piling up in a long-running process.
  if (m_key_cache.size() >= kMaxCachedKeys) {
    for (auto& [old_id, old_key] : m_key_cache) OPENSSL_cleanse(old_key.data(), old_key.size());
    m_key_cache.clear();
  }
  m_key_cache.try_emplace(id, reinterpret_cast<const char*>(key), kDigestSize);
}

void Signer::compute_signature(const Credentials& credentials, std::string_view amz_date,
                               const SigningScope& scope, std::string_view string_to_sign,
                               unsigned char* signature) {
  unsigned char key[kDigestSize];
  signing_key(credentials, amz_date, scope, key);
  hmac_with_signing_key(key, string_to_sign, signature);
  OPENSSL_cleanse(key, kDigestSize);
}

void Signer::sign(HttpRequest& request, const Credentials& credentials, const SigningScope& scope,
                  SysTime now, const SigningOptions& options, SigningTrace* trace) {
  char date[17];
  format_amz_date(now, date);
  const std::string_view amz_date(date, 16);
  const bool has_token = !credentials.session_token.empty();

  request.headers.reserve(request.headers.size() + 4);
  erase_header(request.headers, "Authorization");
  erase_header(request.headers, "X-Amz-Date");
  erase_header(request.headers, "X-Amz-Security-Token");
  if (options.sign_body) erase_header(request.headers, "X-Amz-Content-SHA256");
  request.headers.emplace_back("X-Amz-Date", amz_date);
  if (has_token && !options.omit_session_token) {
    request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }

  thread_local std::string hash;
  payload_hash(hash, request);
  if (options.sign_body) request.headers.emplace_back("X-Amz-Content-SHA256", hash);

  thread_local std::string canonical;
  thread_local std::string signed_headers;
  thread_local std::string credential_scope;
  thread_local std::string to_sign;
  const util::UrlParts url = util::split_url(request.url);
  canonical.clear();
  append_method(canonical, request.method);
  canonical.push_back('\n');
  append_canonical_uri(canonical, url.path, options.normalize_path);
  canonical.push_back('\n');
  if (!url.query.empty()) {
    Pairs pairs = decode_query(url.query, false);
    encode_pairs(pairs);
    append_sorted_query(canonical, std::move(pairs));
  }
  canonical.push_back('\n');
  append_canonical_headers(canonical, signed_headers, request.headers, request.url);
  canonical.push_back('\n');
  canonical.append(signed_headers);
  canonical.push_back('\n');
  canonical.append(hash);

  credential_scope.clear();
  append_scope(credential_scope, amz_date, scope);
  to_sign.clear();
  append_string_to_sign(to_sign, amz_date, credential_scope, canonical);

  unsigned char signature[kDigestSize];
  compute_signature(credentials, amz_date, scope, to_sign, signature);

  std::string authorization;
  authorization.reserve(kAlgorithm.size() + credentials.access_key_id.size() +
                        credential_scope.size() + signed_headers.size() + 110);
  authorization.append(kAlgorithm);
  authorization.append(" Credential=");
  authorization.append(credentials.access_key_id);
  authorization.push_back('/');
  authorization.append(credential_scope);
  authorization.append(", SignedHeaders=");
  authorization.append(signed_headers);
  authorization.append(", Signature=");
  append_hex(authorization, signature, kDigestSize);
  if (trace != nullptr) {
    trace->canonical_request = canonical;
    trace->string_to_sign = to_sign;
    trace->signature = authorization.substr(authorization.size() - 2 * kDigestSize);
  }
  request.headers.emplace_back("Authorization", std::move(authorization));
  if (has_token && options.omit_session_token) {
    request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
}

std::string Signer::presign(std::string_view url, const Credentials& credentials,
                            const SigningScope& scope, SysTime now, std::chrono::seconds expires) {
  HttpRequest request;
  request.method = "GET";
  request.url = url;
  return presign(request, credentials, scope, now, expires, SigningOptions{}, nullptr);
}

std::string Signer::presign(const HttpRequest& request, const Credentials& credentials,
                            const SigningScope& scope, SysTime now, std::chrono::seconds expires,
                            const SigningOptions& options, SigningTrace* trace) {
  char date[17];
  format_amz_date(now, date);
  const std::string_view amz_date(date, 16);
  const bool has_token = !credentials.session_token.empty();
  const util::UrlParts url = util::split_url(request.url);

  std::string canonical_headers;
  std::string signed_headers;
  append_canonical_headers(canonical_headers, signed_headers, request.headers, request.url);

  std::string credential_scope;
  append_scope(credential_scope, amz_date, scope);

  Pairs operation = decode_query(url.query, true);
  encode_pairs(operation);
  Pairs auth = {
      {"X-Amz-Algorithm", std::string(kAlgorithm)},
      {"X-Amz-Credential", uri_encode(credentials.access_key_id + "/" + credential_scope, false)},
      {"X-Amz-Date", std::string(amz_date)},
      {"X-Amz-Expires", std::to_string(expires.count())},
      {"X-Amz-SignedHeaders", uri_encode(signed_headers, false)},
  };
  if (has_token && !options.omit_session_token) {
    auth.emplace_back("X-Amz-Security-Token", uri_encode(credentials.session_token, false));
  }

  std::string canonical;
  append_method(canonical, request.method);
  canonical.push_back('\n');
  append_canonical_uri(canonical, url.path, options.normalize_path);
  canonical.push_back('\n');
  Pairs all = operation;
  all.insert(all.end(), auth.begin(), auth.end());
  append_sorted_query(canonical, std::move(all));
  canonical.push_back('\n');
  canonical.append(canonical_headers);
  canonical.push_back('\n');
  canonical.append(signed_headers);
  canonical.push_back('\n');
  std::string hash;
  payload_hash(hash, request);
  canonical.append(hash);

  std::string to_sign;
  append_string_to_sign(to_sign, amz_date, credential_scope, canonical);
  unsigned char signature[kDigestSize];
  compute_signature(credentials, amz_date, scope, to_sign, signature);
  std::string signature_hex;
  append_hex(signature_hex, signature, kDigestSize);

  if (has_token && options.omit_session_token) {
    auth.emplace_back("X-Amz-Security-Token", uri_encode(credentials.session_token, false));
  }
  std::string out;
  if (!url.scheme.empty() || !url.authority.empty()) {
    out.append(url.scheme);
    out.append("://");
    out.append(url.authority);
  }
  out.append(url.path);
  out.push_back('?');
  append_joined(out, operation);
  if (!operation.empty()) out.push_back('&');
  append_joined(out, auth);
  out.append("&X-Amz-Signature=");
  out.append(signature_hex);
  if (url.has_fragment) {
    out.push_back('#');
    out.append(url.fragment);
  }
  if (trace != nullptr) {
    trace->canonical_request = std::move(canonical);
    trace->string_to_sign = std::move(to_sign);
    trace->signature = std::move(signature_hex);
  }
  return out;
}

namespace sigv4_detail {

std::string amz_date(SysTime now) {
  char date[17];
  format_amz_date(now, date);
  return std::string(date, 16);
}

std::string host_from_url(std::string_view url) {
  std::string out;
  append_host(out, url);
  return out;
}

std::string canonical_uri(std::string_view url, bool normalize) {
  std::string out;
  append_canonical_uri(out, util::split_url(url).path, normalize);
  return out;
}

std::string canonical_query(std::string_view url) {
  Pairs pairs = decode_query(util::split_url(url).query, false);
  encode_pairs(pairs);
  std::string out;
  append_sorted_query(out, std::move(pairs));
  return out;
}

std::string trim_all(std::string_view value) {
  std::string out;
  append_trimmed(out, value);
  return out;
}

std::string string_to_sign(std::string_view amz_date, std::string_view credential_scope,
                           std::string_view canonical_request) {
  std::string out;
  append_string_to_sign(out, amz_date, credential_scope, canonical_request);
  return out;
}

std::string derive_signing_key(std::string_view secret, std::string_view date,
                               std::string_view region, std::string_view service) {
  unsigned char key[kDigestSize];
  derive_key(secret, date, region, service, key);
  std::string out(reinterpret_cast<const char*>(key), kDigestSize);
  OPENSSL_cleanse(key, kDigestSize);
  return out;
}

std::string key_cache_id(std::string_view secret, std::string_view date, std::string_view region,
                         std::string_view service) {
  std::string id;
  build_cache_id(id, secret, date, region, service);
  return id;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[kDigestSize];
  sha256(data, digest);
  std::string out;
  append_hex(out, digest, kDigestSize);
  return out;
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  unsigned char digest[kDigestSize];
  hmac(reinterpret_cast<const unsigned char*>(key.data()), key.size(), data, digest);
  std::string out;
  append_hex(out, digest, kDigestSize);
  return out;
}

}  // namespace sigv4_detail

}  // namespace snapkeep::aws
