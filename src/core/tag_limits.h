// EC2's limits on the tags of one resource, which every tag snapkeep writes
// must obey: a request with one tag over them is refused whole, so a single
// long instance name would make that instance fail every run. AWS counts
// lengths in Unicode characters, not bytes.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string_view>

namespace snapkeep::core {

inline constexpr std::size_t max_tag_key_chars = 128;
inline constexpr std::size_t max_tag_value_chars = 256;
inline constexpr std::size_t max_tags_per_snapshot = 50;

// Unicode characters in UTF-8 text (bytes that do not continue a character).
inline std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s) {
    n += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1U : 0U;
  }
  return n;
}

// The first `chars` characters of `s`, never cutting one in half.
inline std::string_view utf8_prefix(std::string_view s, std::size_t chars) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0U) != 0x80U && seen++ == chars) {
      return s.substr(0, i);
    }
  }
  return s;
}

inline bool tag_fits(std::string_view key, std::string_view value) {
  return !key.empty() && utf8_length(key) <= max_tag_key_chars &&
         utf8_length(value) <= max_tag_value_chars;
}

}  // namespace snapkeep::core
