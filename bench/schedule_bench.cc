// Prints how long Schedule::next_fire and previous_fire take for a few kinds
// of schedule, from many start times (no Google Benchmark needed: a plain
// timing loop is enough for figures of this size).

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "core/schedule.h"

using snapkeep::core::Schedule;
using snapkeep::core::Time;

int main() {
  struct Case {
    const char* expression;
    const char* zone;
  };
  const std::vector<Case> cases = {
      {"cron(0 0 * * ? *)", "UTC"},
      {"cron(*/5 * * * ? *)", "Europe/Berlin"},
      {"cron(30 2 * * ? *)", "Europe/Berlin"},
      {"cron(30 3 ? * 6#3 *)", "Australia/Lord_Howe"},
      {"cron(0 0 15W * ? *)", "America/New_York"},
      {"cron(0 0 29 2 ? *)", "UTC"},
      {"0 0 13 * 5", "Asia/Kolkata"},
      {"rate(12 hours)", "UTC"},
  };
  constexpr int kCalls = 20000;
  std::printf("%-26s %-20s %12s %12s\n", "expression", "zone", "next ns", "previous ns");
  for (const Case& c : cases) {
    auto s = Schedule::parse(c.expression, c.zone);
    if (!s) return 1;
    // Start times spread over 2020-2030, an odd number of seconds apart.
    Time start{std::chrono::seconds{1'577'836'800}};
    auto step = std::chrono::seconds{15'778'463};
    long checksum = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kCalls; ++i) {
      auto f = s->next_fire(start + (step * i) / 1000);
      checksum += f ? f->time_since_epoch().count() % 7 : 0;
    }
    auto t1 = std::chrono::steady_clock::now();
    for (int i = 0; i < kCalls; ++i) {
      auto f = s->previous_fire(start + (step * i) / 1000);
      checksum += f ? f->time_since_epoch().count() % 7 : 0;
    }
    auto t2 = std::chrono::steady_clock::now();
    auto ns = [](auto d) {
      return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count()) /
             kCalls;
    };
    std::printf("%-26s %-20s %12.0f %12.0f   (checksum %ld)\n", c.expression, c.zone, ns(t1 - t0),
                ns(t2 - t1), checksum);
  }
  return 0;
}
