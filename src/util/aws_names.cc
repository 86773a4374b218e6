#include "util/aws_names.h"

#include <algorithm>
#include <vector>

namespace snapkeep::util {
namespace {

// Hand-written rather than std::regex: values come from untrusted files (a
// fuzz target drives them) and libstdc++'s regex recurses per character.
bool is_lower(char c) {
  return c >= 'a' && c <= 'z';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
  return is_lower(c) || (c >= 'A' && c <= 'Z') || is_digit(c);
}
bool all_of(std::string_view s, bool (*pred)(char)) {
  return std::all_of(s.begin(), s.end(), pred);
}
bool is_iam_name_char(char c) {
  return is_alnum(c) || std::string_view("+=,.@_-").find(c) != std::string_view::npos;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = s.find(sep, start);
    if (end == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, end - start));
    start = end + 1;
  }
}

constexpr std::string_view kUnknownPartition =
    "has an unknown partition (allowed: aws, aws-cn, aws-us-gov)";

}  // namespace

bool valid_region_name(std::string_view region) {
  if (region.size() > 32) return false;
  const auto parts = split(region, '-');
  if (parts.size() < 3) return false;
  if (parts.front().size() != 2 || !all_of(parts.front(), is_lower)) return false;
  const std::string_view number = parts.back();
  if (number.empty() || number.size() > 2 || !all_of(number, is_digit)) return false;
  for (std::size_t i = 1; i + 1 < parts.size(); ++i) {
    if (parts[i].empty() || !all_of(parts[i], is_lower)) return false;
  }
  return true;
}

bool valid_availability_zone_name(std::string_view zone) {
  if (zone.empty() || zone.size() > 64) return false;
  if (!all_of(zone, [](char c) { return is_lower(c) || is_digit(c) || c == '-'; })) return false;
  // us-east-1a: the region and one or more zone letters.
  std::size_t letters = zone.size();
  while (letters > 0 && is_lower(zone[letters - 1])) --letters;
  if (letters < zone.size() && valid_region_name(zone.substr(0, letters))) return true;
  // Local and Wavelength Zones: the region, '-', then the zone's own groups.
  for (std::size_t dash = zone.find('-'); dash != std::string_view::npos;
       dash = zone.find('-', dash + 1)) {
    if (valid_region_name(zone.substr(0, dash)) && dash + 1 < zone.size() && zone.back() != '-') {
      return true;
    }
  }
  return false;
}

bool isolated_region(std::string_view region) {
  if (!valid_region_name(region)) return false;
  const auto parts = split(region, '-');
  return std::any_of(parts.begin() + 1, parts.end() - 1,
                     [](std::string_view group) { return group.starts_with("iso"); });
}

bool supported_region(std::string_view region) {
  return valid_region_name(region) && !isolated_region(region);
}

std::optional<std::string_view> partition_of(std::string_view region) {
  if (!supported_region(region)) return std::nullopt;
  if (region.starts_with("cn-")) return "aws-cn";
  if (region.starts_with("us-gov-")) return "aws-us-gov";
  return "aws";
}

bool known_partition(std::string_view partition) {
  return partition == "aws" || partition == "aws-cn" || partition == "aws-us-gov";
}

bool valid_account_id(std::string_view account) {
  return account.size() == 12 && all_of(account, is_digit);
}

std::string_view arn_account(std::string_view arn) {
  const auto parts = split(arn, ':');
  return parts.size() > 4 && parts[0] == "arn" ? parts[4] : std::string_view();
}

std::string role_arn_problem(std::string_view arn) {
  const auto parts = split(arn, ':');
  if (parts.size() != 6 || parts[0] != "arn" || parts[2] != "iam" || !parts[3].empty() ||
      !parts[5].starts_with("role/")) {
    return "is not an IAM role ARN";
  }
  if (!known_partition(parts[1])) return std::string(kUnknownPartition);
  if (!valid_account_id(parts[4])) return "needs a 12-digit account id";
  const auto path = split(parts[5].substr(5), '/');
  if (parts[5].size() > 512 + 64 || path.back().size() > 64) return "is too long";
  for (const auto segment : path) {
    if (segment.empty() || !all_of(segment, is_iam_name_char)) {
      return "has a malformed role path or name (letters, digits and +=,.@_- separated by /)";
    }
  }
  return {};
}

std::string sns_topic_arn_problem(std::string_view arn) {
  const auto parts = split(arn, ':');
  if (parts.size() != 6 || parts[0] != "arn" || parts[2] != "sns") return "is not an SNS topic ARN";
  if (!known_partition(parts[1])) return std::string(kUnknownPartition);
  if (!valid_region_name(parts[3])) return "has a malformed region";
  if (partition_of(parts[3]) != parts[1]) {
    return "names region " + std::string(parts[3]) + " outside partition " + std::string(parts[1]);
  }
  if (!valid_account_id(parts[4])) return "needs a 12-digit account id";
  std::string_view name = parts[5];
  if (name.ends_with(".fifo")) name.remove_suffix(5);
  if (name.empty() || parts[5].size() > 256 ||
      !all_of(name, [](char c) { return is_alnum(c) || c == '_' || c == '-'; })) {
    return "has a malformed topic name (1-256 letters, digits, _ or -, optionally ending .fifo)";
  }
  return {};
}

}  // namespace snapkeep::util
