// Schedule: when a policy fires. Parses AWS cron (six fields), standard
// five-field cron and rate(N unit) expressions, evaluated in an IANA time
// zone, and answers previous_fire / next_fire exactly to the minute without
// scanning minute by minute.
//
// The slot of a policy at time t is previous_fire(t) (DESIGN.md section 1).
// rate(N unit) fires at multiples of N since 1970-01-01T00:00:00Z, whatever
// the time zone. The accepted syntax (ranges, steps, names, L, W, #, @daily
// macros, singular/plural rate units) is documented in docs/schedules.md.
//
// Daylight saving time: a local fire time that does not exist (skipped by a
// forward change) fires once at the first valid instant after it; a local
// time that occurs twice (backward change) fires once, at its first
// occurrence.
//
// Thread safety: immutable after parse(); share freely.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "util/expected.h"

namespace date {
class time_zone;
}

namespace snapkeep::core {

using Time = std::chrono::sys_seconds;

class Schedule {
 public:
  // An empty schedule that never fires; only parse() makes a useful one.
  Schedule() = default;

  // On success, the schedule. On failure, a message saying what is wrong and
  // what is allowed, e.g. "cron day-of-week '8' is out of range 1-7 (1 = Sunday)".
  static snapkeep::expected<Schedule, std::string> parse(std::string_view expression,
                                                         std::string_view timezone = "UTC");

  // Latest fire time at or before t; nullopt when the schedule never fired
  // at or before t (e.g. a cron limited to future years).
  std::optional<Time> previous_fire(Time t) const;
  // Earliest fire time strictly after t; nullopt when it never fires again.
  std::optional<Time> next_fire(Time t) const;

  const std::string& expression() const;
  const std::string& timezone() const;
  // In words, e.g. "at 00:00 every day (Europe/Berlin)" or "every 12 hours".
  std::string describe() const;

  struct Impl;

 private:
  explicit Schedule(std::shared_ptr<const Impl> impl) : m_impl(std::move(impl)) {}
  std::shared_ptr<const Impl> m_impl;
};

// The IANA time zone named ("UTC", "Europe/Berlin"), or nullptr when the
// name is unknown: the one lookup for schedules, retention and the CLI.
const date::time_zone* find_time_zone(std::string_view name);

// Checks an IANA time zone name ("UTC", "Europe/Berlin").
bool is_valid_timezone(std::string_view name);

}  // namespace snapkeep::core
