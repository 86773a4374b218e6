#include "core/config_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

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

std::size_t utf8_length(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
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

bool is_region(std::string_view s) {
  if (s.size() > 32) return false;
  auto parts = split(s, '-');
  if (parts.size() < 3) return false;
  if (parts.front().size() != 2 || !all_of(parts.front(), is_lower)) return false;
  const auto last = parts.back();
  if (last.empty() || last.size() > 2 || !all_of(last, is_digit)) return false;
  for (std::size_t i = 1; i + 1 < parts.size(); ++i) {
    if (parts[i].empty() || !all_of(parts[i], is_lower)) return false;
  }
  return true;
}

bool is_partition(std::string_view s) {
  return s == "aws" || s == "aws-cn" || s == "aws-us-gov";
}

std::string_view partition_of(std::string_view region) {
  if (region.starts_with("cn-")) return "aws-cn";
  if (region.starts_with("us-gov-")) return "aws-us-gov";
  return "aws";
}

bool is_account_id(std::string_view s) {
  return s.size() == 12 && all_of(s, is_digit);
}

// Returns an empty string when `arn` is a valid SNS topic ARN, else what is wrong.
std::string check_sns_topic_arn(std::string_view arn) {
  auto parts = split(arn, ':');
  if (parts.size() != 6 || parts[0] != "arn" || parts[2] != "sns") return "is not an SNS topic ARN";
  if (!is_partition(parts[1])) return "has an unknown partition (allowed: aws, aws-cn, aws-us-gov)";
  if (!is_region(parts[3])) return "has a malformed region";
  if (partition_of(parts[3]) != parts[1]) {
    return fmt::format("names region {} outside partition {}", parts[3], parts[1]);
  }
  if (!is_account_id(parts[4])) return "needs a 12-digit account id";
  std::string_view name = parts[5];
  if (name.ends_with(".fifo")) name.remove_suffix(5);
  if (name.empty() || parts[5].size() > 256 ||
      !all_of(name, [](char c) { return is_alnum(c) || c == '_' || c == '-'; })) {
    return "has a malformed topic name (1-256 letters, digits, _ or -, optionally ending .fifo)";
  }
  return {};
}

// Returns an empty string when `arn` is a valid IAM role ARN, else what is wrong.
std::string check_role_arn(std::string_view arn) {
  auto parts = split(arn, ':');
  if (parts.size() != 6 || parts[0] != "arn" || parts[2] != "iam" || !parts[3].empty() ||
      !parts[5].starts_with("role/")) {
    return "is not an IAM role ARN";
  }
  if (!is_partition(parts[1])) return "has an unknown partition (allowed: aws, aws-cn, aws-us-gov)";
  if (!is_account_id(parts[4])) return "needs a 12-digit account id";
  auto path = split(parts[5].substr(5), '/');
  if (parts[5].size() > 512 + 64 || path.back().size() > 64) return "is too long";
  for (auto segment : path) {
    if (segment.empty() || !all_of(segment, is_iam_name_char)) {
      return "has a malformed role path or name (letters, digits and +=,.@_- separated by /)";
    }
  }
  return {};
}

// Returns an empty string when `url` is an acceptable webhook URL, else what is wrong.
std::string check_webhook_url(std::string_view url) {
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20U || c == 0x7F)
      return "contains a space or control character";
  }
  bool https = url.starts_with("https://");
  bool http = url.starts_with("http://");
  if (!https && !http) return "must start with https://";
  std::string_view rest = url.substr(https ? 8 : 7);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    return "must not carry a user name or password (put secrets in the path or query)";
  }
  std::string_view host = authority;
  std::string_view port;
  if (host.starts_with('[')) {
    auto close = host.find(']');
    if (close == std::string_view::npos) return "has a malformed IPv6 host";
    port = host.substr(close + 1);
    host = host.substr(0, close + 1);
    if (!port.empty() && !port.starts_with(':')) return "has a malformed port";
    if (!port.empty()) port.remove_prefix(1);
  } else if (auto colon = host.find(':'); colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
    if (port.empty()) return "has a malformed port";
  }
  if (host.empty()) return "has no host";
  if (!host.starts_with('[') &&
      !all_of(host, [](char c) { return is_alnum(c) || c == '.' || c == '-'; })) {
    return "has a malformed host";
  }
  if (!port.empty()) {
    if (port.size() > 5 || !all_of(port, is_digit)) return "has a malformed port";
    int value = 0;
    for (char c : port) value = value * 10 + (c - '0');
    if (value < 1 || value > 65535) return "has a port outside 1-65535";
  }
  if (http) {
    auto octets = split(host, '.');
    bool loopback = host == "localhost" || host == "[::1]" ||
                    (octets.size() == 4 && octets[0] == "127" &&
                     std::all_of(octets.begin(), octets.end(), [](std::string_view o) {
                       return !o.empty() && o.size() <= 3 && all_of(o, is_digit);
                     }));
    if (!loopback)
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
  if (parts.size() != 6 || !is_partition(parts[1]) || parts[2] != "kms" || !is_region(parts[3]) ||
      !is_account_id(parts[4])) {
    return false;
  }
  if (parts[5].starts_with("key/")) return key_or_alias(parts[5].substr(4));
  return key_or_alias(parts[5]);
}

}  // namespace snapkeep::core::config_checks
