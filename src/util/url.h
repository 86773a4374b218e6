// One URL splitter for every layer: the signer (canonical URI, query and
// Host), the HTTP transport (messages without secrets), the endpoint
// resolver, the container credential provider and the webhook checks all read
// URLs the same way.
//
// The split follows Python's urllib.parse.urlsplit, which botocore signs
// with: a scheme and authority only when "://" comes before any '/', '?' or
// '#'; then the path, '?' query and '#' fragment. Every part is a view into
// the text passed in (no copy, no decoding, case as written), so the caller
// keeps that text alive.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace snapkeep::util {

struct UrlParts {
  std::string_view scheme;     // "" when the text has no "scheme://"
  std::string_view authority;  // [userinfo@]host[:port], as written
  std::string_view userinfo;   // before the authority's last '@'
  std::string_view host;       // IPv6 literals keep their brackets: "[::1]"
  std::string_view port;       // the text after the host's ':', "" when none
  std::string_view path;
  std::string_view query;     // without the '?'
  std::string_view fragment;  // without the '#'
  bool has_userinfo = false;
  bool has_query = false;
  bool has_fragment = false;
  // An IPv6 literal without its ']', or text between ']' and ':'.
  bool malformed_host = false;
};

UrlParts split_url(std::string_view url);

// The userinfo, host and port of an authority ("user@[::1]:8080").
UrlParts split_authority(std::string_view authority);

// The port as a number 0-65535; nullopt when `port` is empty, not all
// digits or too large.
std::optional<int> port_number(std::string_view port);

// ASCII lower case (schemes and host names are case-insensitive).
std::string ascii_lower(std::string_view text);
bool iequals_ascii(std::string_view a, std::string_view b);

// Whether `scheme` is http or https, in any case (RFC 3986 3.1).
bool is_http_scheme(std::string_view scheme);

// localhost, [::1] or a dotted 127.x.x.x address (case-insensitive).
bool is_loopback_host(std::string_view host);

}  // namespace snapkeep::util
