#include "core/config_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "util/aws_names.h"
#include "util/url.h"

namespace snapkeep::core::config_checks {

bool is_iam_name_char(char c) {
  return is_alnum(c) || std::string_view("+=,.@_-").find(c) != std::string_view::npos;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t end = s.find(sep, start);
    if (end == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, end - start));
    start = end + 1;
  }
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i];
    if (is_upper(a)) a = static_cast<char>(a - 'A' + 'a');
    if (a != prefix[i]) return false;
  }
  return true;
}

// Returns an empty string when `url` is an acceptable webhook URL, else what is wrong.
std::string check_webhook_url(std::string_view url) {
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20U || c == 0x7F)
      return "contains a space or control character";
  }
  const util::UrlParts parts = util::split_url(url);
  const bool https = parts.scheme == "https";
  const bool http = parts.scheme == "http";
  if (!https && !http) return "must start with https://";
  if (parts.has_userinfo) {
    return "must not carry a user name or password (put secrets in the path or query)";
  }
  if (parts.malformed_host) {
    return parts.host.ends_with(']') ? "has a malformed port" : "has a malformed IPv6 host";
  }
  const std::string_view host = parts.host;
  const std::string_view port = parts.port;
  if (port.empty() && parts.authority.ends_with(':')) return "has a malformed port";
  if (host.empty()) return "has no host";
  if (!host.starts_with('[') &&
      !all_of(host, [](char c) { return is_alnum(c) || c == '.' || c == '-'; })) {
    return "has a malformed host";
  }
  if (!port.empty()) {
    if (port.size() > 5 || !all_of(port, is_digit)) return "has a malformed port";
    const auto value = util::port_number(port);
    if (!value || *value < 1) return "has a port outside 1-65535";
  }
  if (http && !util::is_loopback_host(host)) {
    return "must use https:// (http:// is allowed only for localhost, 127.x.x.x and [::1])";
  }
  return {};
}

bool is_instance_id(std::string_view s) {
  if (!s.starts_with("i-")) return false;
  auto hex = s.substr(2);
  return (hex.size() == 8 || hex.size() == 17) && all_of(hex, is_hex_lower);
}

bool is_policy_name(std::string_view s, std::size_t max_size) {
  return !s.empty() && s.size() <= max_size && is_alnum(s.front()) &&
         all_of(s, [](char c) { return is_alnum(c) || c == '.' || c == '_' || c == '-'; });
}

bool is_device_name(std::string_view s) {
  std::string_view name = s.starts_with("/dev/") ? s.substr(5) : s;
  return !name.empty() && s.size() <= 32 && is_lower(name.front()) &&
         all_of(name, [](char c) { return is_lower(c) || is_digit(c); });
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !is_hex_lower(s[i])) return false;
  }
  return true;
}

bool is_kms_key_ref(std::string_view s) {
  auto key_or_alias = [](std::string_view r) {
    if (r.starts_with("alias/")) {
      auto name = r.substr(6);
      return !name.empty() && name.size() <= 250 && !name.starts_with("aws/") &&
             all_of(name, [](char c) { return is_alnum(c) || c == '/' || c == '_' || c == '-'; });
    }
    return is_uuid(r) ||
           (r.size() == 36 && r.starts_with("mrk-") && all_of(r.substr(4), is_hex_lower));
  };
  if (!s.starts_with("arn:")) return key_or_alias(s);
  auto parts = split(s, ':');
  if (parts.size() != 6 || !util::known_partition(parts[1]) || parts[2] != "kms" ||
      !util::supported_region(parts[3]) || !util::valid_account_id(parts[4])) {
    return false;
  }
  if (parts[5].starts_with("key/")) return key_or_alias(parts[5].substr(4));
  return key_or_alias(parts[5]);
}

}  // namespace snapkeep::core::config_checks
