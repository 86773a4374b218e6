// CompactString: an immutable string of 24 bytes that holds up to 23
// characters without a heap allocation.
//
// Why: the inventory of a large region holds a million snapshots, each with
// seven short strings (snapshot, volume and instance ids, owner, policy,
// set id, slot). With std::string (32 bytes, 15 characters inline) most of
// them spill to the heap: about 1 KB per snapshot in all. EC2 ids (at most
// 22 characters: "snap-" and 17 hex digits), account ids, slots
// ("2026-11-26T00:00:00Z", 20) and snapkeep's set ids all fit inline here,
// which brings a snapshot to about 200 bytes (docs/performance.md). Longer
// values (a user's edited tag) still work: they go to the heap.
//
// The characters are not NUL-terminated; use view() or str().
//
// Thread safety: a value type; const access from several threads is safe.
#pragma once

#include <fmt/format.h>

#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>

namespace snapkeep::core {

class CompactString {
 public:
  static constexpr std::size_t inline_capacity = 23;

  CompactString() noexcept { set_inline_size(0); }
  CompactString(std::string_view text) { assign(text); }  // NOLINT(google-explicit-constructor)
  // NOLINTNEXTLINE(google-explicit-constructor)
  CompactString(const char* text) : CompactString(std::string_view(text)) {}
  // NOLINTNEXTLINE(google-explicit-constructor)
  CompactString(const std::string& text) : CompactString(std::string_view(text)) {}

  CompactString(const CompactString& other) { assign(other.view()); }
  CompactString(CompactString&& other) noexcept {
    std::memcpy(m_bytes, other.m_bytes, sizeof m_bytes);
    other.set_inline_size(0);
  }
  CompactString& operator=(const CompactString& other) {
    if (this != &other) {
      CompactString copy(other);
      swap(copy);
    }
    return *this;
  }
  CompactString& operator=(CompactString&& other) noexcept {
    if (this != &other) {
      release();
      std::memcpy(m_bytes, other.m_bytes, sizeof m_bytes);
      other.set_inline_size(0);
    }
    return *this;
  }
  ~CompactString() { release(); }

  void swap(CompactString& other) noexcept {
    unsigned char tmp[sizeof m_bytes];
    std::memcpy(tmp, m_bytes, sizeof m_bytes);
    std::memcpy(m_bytes, other.m_bytes, sizeof m_bytes);
    std::memcpy(other.m_bytes, tmp, sizeof m_bytes);
  }

  std::string_view view() const noexcept {
    if (on_heap()) {
      return {heap_pointer(), heap_size()};
    }
    return {reinterpret_cast<const char*>(m_bytes),
            m_bytes[marker]};  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
  }
  // NOLINTNEXTLINE(google-explicit-constructor)
  operator std::string_view() const noexcept { return view(); }
  std::string str() const { return std::string(view()); }

  std::size_t size() const noexcept { return view().size(); }
  bool empty() const noexcept { return size() == 0; }
  bool on_heap() const noexcept { return m_bytes[marker] == heap_marker; }

  friend bool operator==(const CompactString& a, const CompactString& b) noexcept {
    return a.view() == b.view();
  }
  friend std::strong_ordering operator<=>(const CompactString& a, const CompactString& b) noexcept {
    return a.view() <=> b.view();
  }
  // Templates, so that comparing with a std::string or a literal is an exact
  // match rather than ambiguous between two converting constructors.
  template <typename T>
  requires(std::is_convertible_v<const T&, std::string_view> &&
           !std::is_same_v<T, CompactString>) friend bool
  operator==(const CompactString& a, const T& b) noexcept {
    return a.view() == std::string_view(b);
  }
  template <typename T>
  requires(std::is_convertible_v<const T&, std::string_view> &&
           !std::is_same_v<T, CompactString>) friend std::strong_ordering
  operator<=>(const CompactString& a, const T& b) noexcept {
    return a.view() <=> std::string_view(b);
  }

 private:
  // Layout: inline, bytes [0, 23) hold the characters and byte 23 their
  // count (0..23); on the heap, bytes [0, 8) hold the pointer, [8, 16) the
  // size, and byte 23 is heap_marker.
  static constexpr std::size_t marker = 23;
  static constexpr unsigned char heap_marker = 0xff;

  void set_inline_size(std::size_t n) noexcept { m_bytes[marker] = static_cast<unsigned char>(n); }

  const char* heap_pointer() const noexcept {
    const char* p = nullptr;
    std::memcpy(&p, m_bytes, sizeof p);
    return p;
  }
  std::size_t heap_size() const noexcept {
    std::size_t n = 0;
    std::memcpy(&n, m_bytes + sizeof(char*), sizeof n);
    return n;
  }

  void assign(std::string_view text) {
    if (text.size() <= inline_capacity) {
      if (!text.empty()) {
        std::memcpy(m_bytes, text.data(), text.size());
      }
      set_inline_size(text.size());
      return;
    }
    char* p = new char[text.size()];
    std::memcpy(p, text.data(), text.size());
    const std::size_t n = text.size();
    std::memcpy(m_bytes, &p, sizeof p);
    std::memcpy(m_bytes + sizeof p, &n, sizeof n);
    m_bytes[marker] = heap_marker;
  }

  void release() noexcept {
    if (on_heap()) {
      delete[] heap_pointer();
      set_inline_size(0);
    }
  }

  // Zeroed first: GCC cannot see that the pointer bytes are read only when
  // the marker says heap, and warns under the sanitizer builds otherwise.
  alignas(8) unsigned char m_bytes[24]{};
};

static_assert(sizeof(CompactString) == 24);

}  // namespace snapkeep::core

template <>
struct std::hash<snapkeep::core::CompactString> {
  std::size_t operator()(const snapkeep::core::CompactString& s) const noexcept {
    return std::hash<std::string_view>{}(s.view());
  }
};

template <>
struct fmt::formatter<snapkeep::core::CompactString> : fmt::formatter<std::string_view> {
  template <typename Context>
  auto format(const snapkeep::core::CompactString& s, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(s.view(), ctx);
  }
};
