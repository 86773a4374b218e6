// Fuzz target: the schedule parser and evaluator (core/schedule.h). Byte 0
// picks the time zone (including ones with 30-minute DST shifts and
// quarter-hour offsets), byte 1 the reference time (some on DST changes);
// the rest is the expression.
//
// Invariants (schedule.h's contract), for a parsed schedule and time t:
//   previous_fire(t) <= t < next_fire(t);
//   a fire time is its own previous fire: previous_fire(f) == f;
//   nothing fires between previous_fire(t) and t, so
//   next_fire(previous_fire(t)) == next_fire(t);
//   fire times fall on whole minutes.
#include "core/schedule.h"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"

namespace {

using snapkeep::core::Schedule;
using snapkeep::core::Time;
using snapkeep::fuzz::check;

constexpr std::array<std::string_view, 6> kZones = {"UTC",
                                                    "Europe/Berlin",
                                                    "America/New_York",
                                                    "Australia/Lord_Howe",
                                                    "Asia/Kathmandu",
                                                    "Pacific/Chatham"};

// Unix times: an ordinary one, Berlin's spring and autumn changes of 2024
// (just before and at), New York's spring change, year 2100, and the epoch.
constexpr std::array<std::int64_t, 8> kTimes = {1718454645, 1711846799, 1711846800, 1729990800,
                                                1729994400, 1710054000, 4102444800, 0};

bool whole_minute(Time t) {
  return t.time_since_epoch().count() % 60 == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::string_view zone = kZones[data[0] % kZones.size()];
  const Time t{std::chrono::seconds{kTimes[data[1] % kTimes.size()]}};
  const auto parsed = Schedule::parse(snapkeep::fuzz::as_text(data + 2, size - 2), zone);
  if (!parsed) {
    check(!parsed.error().empty(), "a refusal says why");
    return 0;
  }
  const Schedule& schedule = *parsed;
  (void)schedule.describe();

  const auto previous = schedule.previous_fire(t);
  const auto next = schedule.next_fire(t);
  if (previous) {
    check(*previous <= t, "previous_fire(t) <= t");
    check(whole_minute(*previous), "previous fire on a whole minute");
    const auto again = schedule.previous_fire(*previous);
    check(again && *again == *previous, "previous_fire(f) == f for a fire time f");
    check(schedule.next_fire(*previous) == next, "next_fire(previous_fire(t)) == next_fire(t)");
  }
  if (next) {
    check(*next > t, "next_fire(t) > t");
    check(whole_minute(*next), "next fire on a whole minute");
    check(schedule.previous_fire(*next) == next, "previous_fire(next_fire(t)) == next_fire(t)");
    check(schedule.previous_fire(*next - std::chrono::seconds{1}) == previous,
          "nothing fires between t and next_fire(t)");
  }
  return 0;
}
