#include "util/url.h"

#include <algorithm>

namespace snapkeep::util {
namespace {

// std::string_view::find_first_of calls memchr once per character; the
// signer splits a URL on every request, so scan once by hand.
std::size_t find_any(std::string_view text, std::string_view set) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    for (char ch : set) {
      if (text[i] == ch) return i;
    }
  }
  return std::string_view::npos;
}

// The value of 1 to `max_digits` decimal digits; nullopt otherwise.
std::optional<int> decimal(std::string_view text, std::size_t max_digits) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  int number = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return std::nullopt;
    number = number * 10 + (ch - '0');
  }
  return number;
}

char lower(char ch) {
  return (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
}

}  // namespace

UrlParts split_authority(std::string_view authority) {
  UrlParts parts;
  parts.authority = authority;
  std::string_view host = authority;
  if (const auto at = host.rfind('@'); at != std::string_view::npos) {
    parts.userinfo = host.substr(0, at);
    parts.has_userinfo = true;
    host.remove_prefix(at + 1);
  }
  if (host.starts_with('[')) {
    const auto close = host.find(']');
    if (close == std::string_view::npos) {
      parts.malformed_host = true;
    } else {
      std::string_view rest = host.substr(close + 1);
      host = host.substr(0, close + 1);
      if (rest.starts_with(':')) {
        parts.port = rest.substr(1);
      } else if (!rest.empty()) {
        parts.malformed_host = true;
      }
    }
  } else if (const auto colon = host.find(':'); colon != std::string_view::npos) {
    parts.port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  parts.host = host;
  return parts;
}

UrlParts split_url(std::string_view url) {
  UrlParts parts;
  if (const auto colon = url.find("://");
      colon != std::string_view::npos && find_any(url, "/?#") > colon) {
    const std::string_view scheme = url.substr(0, colon);
    url.remove_prefix(colon + 3);
    const auto end = find_any(url, "/?#");
    parts = split_authority(url.substr(0, end));
    parts.scheme = scheme;
    url.remove_prefix(end == std::string_view::npos ? url.size() : end);
  }
  if (const auto hash = url.find('#'); hash != std::string_view::npos) {
    parts.fragment = url.substr(hash + 1);
    parts.has_fragment = true;
    url = url.substr(0, hash);
  }
  if (const auto question = url.find('?'); question != std::string_view::npos) {
    parts.query = url.substr(question + 1);
    parts.has_query = true;
    url = url.substr(0, question);
  }
  parts.path = url;
  return parts;
}

std::optional<int> port_number(std::string_view port) {
  const auto number = decimal(port, 5);
  if (!number || *number > 65535) return std::nullopt;
  return number;
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

bool iequals_ascii(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

bool is_http_scheme(std::string_view scheme) {
  return iequals_ascii(scheme, "http") || iequals_ascii(scheme, "https");
}

bool is_loopback_host(std::string_view host) {
  if (iequals_ascii(host, "localhost") || host == "[::1]") return true;
  if (!host.starts_with("127.")) return false;
  int octets = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = host.find('.', start);
    const std::string_view octet =
        host.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    const auto value = decimal(octet, 3);
    if (!value || *value > 255) return false;
    ++octets;
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return octets == 4;
}

}  // namespace snapkeep::util
