// Helpers shared by the fuzz targets: a failed invariant aborts, so that
// libFuzzer (and the replay programs in the regular test suite) report it as
// a crash with the input that caused it.
//
// Thread safety: stateless functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace snapkeep::fuzz {

// Aborts with `what` when `condition` is false. Not assert(): the fuzz
// builds are release builds, and an invariant must hold there too.
inline void check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
  std::abort();
}

// Whether `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF). Written independently of
// aws::sanitize_text, which it checks.
inline bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto b0 = static_cast<std::uint8_t>(text[i]);
    std::size_t length = 1;
    std::uint32_t code = b0;
    if (b0 >= 0x80) {
      if ((b0 & 0xE0) == 0xC0) {
        length = 2;
        code = b0 & 0x1Fu;
      } else if ((b0 & 0xF0) == 0xE0) {
        length = 3;
        code = b0 & 0x0Fu;
      } else if ((b0 & 0xF8) == 0xF0) {
        length = 4;
        code = b0 & 0x07u;
      } else {
        return false;
      }
      if (i + length > text.size()) return false;
      for (std::size_t k = 1; k < length; ++k) {
        const auto b = static_cast<std::uint8_t>(text[i + k]);
        if ((b & 0xC0) != 0x80) return false;
        code = (code << 6) | (b & 0x3Fu);
      }
      constexpr std::uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
      if (code < kMinimum[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
        return false;
      }
    }
    i += length;
  }
  return true;
}

// Whether `text` holds no ASCII control character (sanitized text never does).
inline bool no_controls(std::string_view text) {
  for (char c : text) {
    const auto b = static_cast<std::uint8_t>(c);
    if (b < 0x20 || b == 0x7F) return false;
  }
  return true;
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return size == 0 ? std::string_view{}
                   : std::string_view(reinterpret_cast<const char*>(data), size);
}

}  // namespace snapkeep::fuzz
