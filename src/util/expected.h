// expected<T, E>: a value or an error, the way every fallible call in snapkeep
// answers (errors are values, never exceptions thrown across layers).
//
// It is the subset of C++23 std::expected that snapkeep uses, with the same
// names and meaning, so that moving to std::expected later is a using-
// declaration. std::expected itself is not used because clang 14 (needed for
// libFuzzer and clang-tidy on this platform) cannot compile libstdc++ 12's
// <expected>.
//
// Thread safety: a value type; distinct objects may be used from distinct
// threads freely.
#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

namespace snapkeep {

template <class E>
class unexpected {
 public:
  explicit unexpected(E error) : m_error(std::move(error)) {}
  const E& error() const& { return m_error; }
  E& error() & { return m_error; }
  E&& error() && { return std::move(m_error); }

 private:
  E m_error;
};

template <class E>
unexpected(E) -> unexpected<E>;

template <class T, class E>
class [[nodiscard]] expected {
 public:
  using value_type = T;
  using error_type = E;

  expected() requires std::is_default_constructible_v<T> : m_state(std::in_place_index<0>) {}
  template <class U = T>
  requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::remove_cvref_t<U>, expected> &&
           !std::is_same_v<std::remove_cvref_t<U>, unexpected<E>>)
      // Implicit as std::expected's; the requires-clause (which clang-tidy 14
      // does not read) already keeps copies and moves of expected away.
      // NOLINTNEXTLINE(google-explicit-constructor,bugprone-forwarding-reference-overload)
      expected(U&& value)
      : m_state(std::in_place_index<0>, std::forward<U>(value)) {}
  template <class G>
  expected(const unexpected<G>& error)  // NOLINT(google-explicit-constructor)
      : m_state(std::in_place_index<1>, error.error()) {}
  template <class G>
  expected(unexpected<G>&& error)  // NOLINT(google-explicit-constructor)
      : m_state(std::in_place_index<1>, std::move(error).error()) {}

  bool has_value() const noexcept { return m_state.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & {
    assert(has_value());
    return *std::get_if<0>(&m_state);
  }
  const T& value() const& {
    assert(has_value());
    return *std::get_if<0>(&m_state);
  }
  T&& value() && {
    assert(has_value());
    return std::move(*std::get_if<0>(&m_state));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  template <class U>
  T value_or(U&& fallback) const& {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

  E& error() & {
    assert(!has_value());
    return *std::get_if<1>(&m_state);
  }
  const E& error() const& {
    assert(!has_value());
    return *std::get_if<1>(&m_state);
  }
  E&& error() && {
    assert(!has_value());
    return std::move(*std::get_if<1>(&m_state));
  }

 private:
  std::variant<T, E> m_state;
};

// expected<void, E>: success carries no value.
template <class E>
class [[nodiscard]] expected<void, E> {
 public:
  using value_type = void;
  using error_type = E;

  expected() = default;
  template <class G>
  expected(const unexpected<G>& error)  // NOLINT(google-explicit-constructor)
      : m_error(error.error()), m_has_error(true) {}
  template <class G>
  expected(unexpected<G>&& error)  // NOLINT(google-explicit-constructor)
      : m_error(std::move(error).error()), m_has_error(true) {}

  bool has_value() const noexcept { return !m_has_error; }
  explicit operator bool() const noexcept { return has_value(); }
  void value() const { assert(has_value()); }

  const E& error() const& {
    assert(m_has_error);
    return m_error;
  }
  E&& error() && {
    assert(m_has_error);
    return std::move(m_error);
  }

 private:
  E m_error{};
  bool m_has_error = false;
};

}  // namespace snapkeep

// Propagates an error: `auto x = SNAPKEEP_TRY(f());` yields f()'s value, or
// returns its error from the enclosing function (GCC and clang statement
// expressions, as ccache's TRY does).
#define SNAPKEEP_TRY(expr)                                                    \
  __extension__({                                                             \
    auto snapkeep_try_result_ = (expr);                                       \
    if (!snapkeep_try_result_) {                                              \
      return ::snapkeep::unexpected(std::move(snapkeep_try_result_).error()); \
    }                                                                         \
    std::move(snapkeep_try_result_).value();                                  \
  })
