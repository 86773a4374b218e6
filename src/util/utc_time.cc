#include "util/utc_time.h"

#include <cstdio>

namespace snapkeep::util {
namespace {

using namespace std::chrono;

// Reads exactly `width` digits at `pos`, moving past them.
bool read_digits(std::string_view text, std::size_t& pos, std::size_t width, int& out) {
  if (pos + width > text.size()) return false;
  int value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += width;
  out = value;
  return true;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

struct Fields {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
};

// YYYY-MM-DDTHH:MM:SS at `pos`.
bool read_fields(std::string_view text, std::size_t& pos, Fields& f) {
  return read_digits(text, pos, 4, f.year) && expect(text, pos, '-') &&
         read_digits(text, pos, 2, f.month) && expect(text, pos, '-') &&
         read_digits(text, pos, 2, f.day) && expect(text, pos, 'T') &&
         read_digits(text, pos, 2, f.hour) && expect(text, pos, ':') &&
         read_digits(text, pos, 2, f.minute) && expect(text, pos, ':') &&
         read_digits(text, pos, 2, f.second);
}

// The time the fields name, when they name one; `max_second` 60 admits a
// leap second as AWS may write it.
std::optional<sys_seconds> to_time(const Fields& f, int max_second) {
  if (f.hour > 23 || f.minute > 59 || f.second > max_second) return std::nullopt;
  const year_month_day ymd{year{f.year}, month{static_cast<unsigned>(f.month)},
                           day{static_cast<unsigned>(f.day)}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd} + hours{f.hour} + minutes{f.minute} + seconds{f.second};
}

void append_fields(std::string& out, sys_seconds time) {
  const auto day_start = floor<days>(time);
  const year_month_day ymd{day_start};
  const hh_mm_ss hms{time - day_start};
  char buffer[32];
  const int n = std::snprintf(
      buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
      static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
      static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
      static_cast<int>(hms.seconds().count()));
  out.append(buffer, static_cast<std::size_t>(n));
}

}  // namespace

std::string format_utc_seconds(sys_seconds time) {
  std::string out;
  append_fields(out, time);
  out.push_back('Z');
  return out;
}

std::string format_utc_millis(UtcMillis time) {
  const auto seconds_part = floor<seconds>(time);
  std::string out;
  append_fields(out, seconds_part);
  char buffer[8];
  const int n = std::snprintf(buffer, sizeof buffer, ".%03dZ",
                              static_cast<int>((time - seconds_part).count()));
  out.append(buffer, static_cast<std::size_t>(n));
  return out;
}

std::optional<sys_seconds> parse_utc_seconds(std::string_view text) {
  std::size_t pos = 0;
  Fields f;
  if (text.size() != 20 || !read_fields(text, pos, f) || text[pos] != 'Z') return std::nullopt;
  return to_time(f, 59);
}

std::optional<UtcMillis> parse_iso8601(std::string_view text) {
  std::size_t pos = 0;
  Fields f;
  if (!read_fields(text, pos, f)) return std::nullopt;
  int millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 3) millis = millis * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (std::size_t i = digits; i < 3; ++i) millis *= 10;
  }
  int offset_minutes = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int oh = 0, om = 0;
    if (!read_digits(text, pos, 2, oh) || !expect(text, pos, ':') ||
        !read_digits(text, pos, 2, om)) {
      return std::nullopt;
    }
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  const auto whole = to_time(f, 60);
  if (!whole) return std::nullopt;
  return UtcMillis{*whole} + milliseconds{millis} - minutes{offset_minutes};
}

}  // namespace snapkeep::util
