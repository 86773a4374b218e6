// The cron side of a Schedule (core/schedule.h), internal to core: AWS
// six-field and standard five-field cron expressions, the @daily macros and
// rate(N unit), parsed into the local date-times they name, and the search
// for the next or previous named local minute. Time zones and daylight
// saving time are Schedule's business (schedule.cc); the description in
// words is schedule_words.h.
//
// Thread safety: pure functions; a Cron is immutable once parsed.
#pragma once

#include <date/date.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/expected.h"

namespace snapkeep::core::schedule_detail {

using LocalTime = date::local_seconds;

// One bit per value of a field, indexed by the value itself (years by
// year - kMinYear), wide enough for the AWS year range.
using Bits = std::bitset<256>;

constexpr int kMinYear = 1970;
constexpr int kMaxYear = 2199;
// Every calendar pattern repeats within 400 Gregorian years, so a standard
// cron (which has no year field) that does not fire within this many years of
// a start never fires on that side of it.
constexpr int kCalendarCycleYears = 401;

unsigned last_day_of(int y, unsigned m);
// Sunday = 0 ... Saturday = 6.
unsigned weekday_of(int y, unsigned m, unsigned d);
// The weekday nearest day `n` of the month, never leaving the month (the W
// rule): a Saturday moves to Friday unless that is in the previous month, a
// Sunday to Monday unless that is in the next month.
unsigned nearest_weekday(int y, unsigned m, unsigned n);
unsigned last_weekday(int y, unsigned m);

enum class Flavor { kAws, kStandard };

// A parsed cron: the set of local date-times it names.
struct Cron {
  Flavor flavor = Flavor::kAws;
  Bits minutes, hours, months;
  Bits years;  // AWS only, index year - kMinYear
  // Day of month: plain days, plus the L / LW / nW forms.
  Bits dom;
  bool dom_last = false;
  bool dom_last_weekday = false;
  Bits dom_nearest;  // days n written as nW
  // Day of week, Sunday = 0: plain days, nL (last n of the month), n#k.
  Bits dow;
  Bits dow_last;
  int nth_weekday = -1;
  unsigned nth = 0;
  // Standard cron: a day matches when either day field matches if both are
  // restricted; otherwise (and always in AWS cron, where one is '?') both
  // must match.
  bool or_rule = false;
  // '?' (AWS) or a field starting with '*' (standard): for describe().
  bool dom_unrestricted = false;
  bool dow_unrestricted = false;

  bool dom_matches(int y, unsigned m, unsigned d) const {
    if (dom[d]) return true;
    unsigned last = last_day_of(y, m);
    if (dom_last && d == last) return true;
    if (dom_last_weekday && d == last_weekday(y, m)) return true;
    if (dom_nearest.any()) {
      unsigned lo = d > 2 ? d - 2 : 1;
      unsigned hi = std::min(d + 2, last);
      for (unsigned n = lo; n <= hi; ++n) {
        if (dom_nearest[n] && nearest_weekday(y, m, n) == d) return true;
      }
    }
    return false;
  }

  bool dow_matches(int y, unsigned m, unsigned d) const {
    unsigned wd = weekday_of(y, m, d);
    if (dow[wd]) return true;
    if (dow_last[wd] && d + 7 > last_day_of(y, m)) return true;
    return nth_weekday == static_cast<int>(wd) && (d - 1) / 7 + 1 == nth;
  }

  bool day_matches(int y, unsigned m, unsigned d) const {
    bool a = dom_matches(y, m, d);
    bool b = dow_matches(y, m, d);
    return or_rule ? (a || b) : (a && b);
  }

  bool year_matches(int y) const {
    if (flavor == Flavor::kStandard) return true;
    return y >= kMinYear && y <= kMaxYear && years[static_cast<std::size_t>(y - kMinYear)];
  }

  int max_year(int from) const {
    return flavor == Flavor::kAws ? kMaxYear : from + kCalendarCycleYears;
  }
  int min_year(int from) const {
    return flavor == Flavor::kAws ? kMinYear : from - kCalendarCycleYears;
  }
};

inline std::size_t ix(int v) {
  return static_cast<std::size_t>(v);
}

struct Macro {
  std::string_view name;
  std::string_view cron;
};
inline constexpr std::array<Macro, 7> kMacros = {{{"@yearly", "0 0 1 1 *"},
                                                  {"@annually", "0 0 1 1 *"},
                                                  {"@monthly", "0 0 1 * *"},
                                                  {"@weekly", "0 0 * * 0"},
                                                  {"@daily", "0 0 * * *"},
                                                  {"@midnight", "0 0 * * *"},
                                                  {"@hourly", "0 * * * *"}}};

struct Rate {
  std::int64_t amount = 0;
  std::string_view unit;  // "minute", "hour" or "day"
  std::int64_t seconds = 0;
};

std::string_view trim(std::string_view s);

snapkeep::expected<Cron, std::string> parse_aws_cron(std::string_view body);
snapkeep::expected<Cron, std::string> parse_standard_cron(std::string_view text);
snapkeep::expected<Rate, std::string> parse_rate(std::string_view body);

// Earliest local minute >= start (minute-aligned) that the cron names,
// searching field by field from years down to minutes.
std::optional<LocalTime> next_local(const Cron& c, LocalTime start);
// Latest local minute <= end (minute-aligned) that the cron names.
std::optional<LocalTime> previous_local(const Cron& c, LocalTime end);

}  // namespace snapkeep::core::schedule_detail
