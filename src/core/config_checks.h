// Format checks for the values a configuration holds (regions, ARNs, URLs,
// instance ids, device names, KMS keys, tag lengths). Pure functions of text;
// the configuration's rules (src/core/config.cc) call them and word the errors.
//
// Hand-written rather than std::regex: the input is untrusted (a fuzz target
// drives it) and libstdc++'s regex recurses per character, so a long value
// could overflow the stack.
//
// Thread safety: pure functions.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace snapkeep::core::config_checks {

inline bool is_lower(char c) {
  return c >= 'a' && c <= 'z';
}
inline bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
inline bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
inline bool is_alnum(char c) {
  return is_lower(c) || is_upper(c) || is_digit(c);
}
inline bool is_hex_lower(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f');
}
inline bool all_of(std::string_view s, bool (*pred)(char)) {
  return std::all_of(s.begin(), s.end(), pred);
}

bool is_iam_name_char(char c);
std::vector<std::string_view> split(std::string_view s, char sep);
// Whether `s` starts with `prefix` (lower case) ignoring ASCII case.
bool starts_with_ci(std::string_view s, std::string_view prefix);

// Regions, partitions, account ids and role and topic ARNs are checked by
// util/aws_names.h, the validator the endpoint resolver uses too.

// Returns an empty string when the value is valid, else what is wrong (a
// phrase that follows the quoted value in a message). URLs are split by
// util/url.h.
std::string check_webhook_url(std::string_view url);

bool is_instance_id(std::string_view s);
// 1 to max_size letters, digits, '.', '_' or '-', starting with a letter or digit.
bool is_policy_name(std::string_view s, std::size_t max_size);
bool is_device_name(std::string_view s);
bool is_uuid(std::string_view s);
bool is_kms_key_ref(std::string_view s);

}  // namespace snapkeep::core::config_checks
