// `snapkeep schedule EXPR`: shows when a schedule fires, so that an operator
// can check an expression and its time zone before putting it in a policy.

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli/app.h"
#include "cli/commands.h"
#include "core/retention.h"
#include "core/schedule.h"

namespace snapkeep::cli {

namespace {

struct ScheduleOptions {
  std::string expression;
  std::string timezone = "UTC";
  std::string from;  // ISO 8601 UTC; empty: now
  int count = 5;     // how many fire times to list
  std::string output = "text";
};

constexpr int kMaxCount = 10000;

int bad_input(const std::string& message) {
  fmt::print(stderr, "snapkeep schedule: {}\n", message);
  return kExitBadInput;
}

int run_schedule(const ScheduleOptions& opt) {
  if (opt.output != "text" && opt.output != "json") {
    return bad_input(fmt::format("--output '{}' is not valid: expected text or json", opt.output));
  }
  if (opt.count < 1 || opt.count > kMaxCount) {
    return bad_input(
        fmt::format("--count {} is not valid: expected a number 1-{}", opt.count, kMaxCount));
  }
  core::Time from{};
  if (opt.from.empty()) {
    from = date::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  } else if (auto t = core::parse_slot(opt.from)) {
    // Exactly YYYY-MM-DDTHH:MM:SSZ, as --now and the slot tags: one
    // unambiguous form, so that a time without a zone is never read as UTC.
    from = *t;
  } else {
    return bad_input(fmt::format(
        "--from '{}' is not valid: expected a UTC time like 2026-12-01T03:30:00Z", opt.from));
  }
  auto schedule = core::Schedule::parse(opt.expression, opt.timezone);
  if (!schedule) return bad_input(schedule.error());
  const date::time_zone* zone = core::find_time_zone(opt.timezone);

  nlohmann::json fires = nlohmann::json::array();
  if (opt.output == "text") fmt::print("{}\n", schedule->describe());
  core::Time t = from;
  int listed = 0;
  for (; listed < opt.count; ++listed) {
    auto fire = schedule->next_fire(t);
    if (!fire) break;
    t = *fire;
    date::zoned_seconds local{zone, *fire};
    std::string utc = core::format_slot(*fire);
    if (opt.output == "json") {
      fires.push_back({{"utc", utc},
                       {"local", date::format("%FT%T%Ez", local)},
                       {"abbreviation", date::format("%Z", local)}});
    } else {
      fmt::print("{}  {}\n", utc, date::format("%F %T %z %Z", local));
    }
  }
  if (opt.output == "json") {
    fmt::print("{}\n", fires.dump(2));
  } else if (listed < opt.count) {
    fmt::print("(no {}fire times after {})\n", listed == 0 ? "" : "further ",
               core::format_slot(listed == 0 ? from : t));
  }
  return kExitOk;
}

}  // namespace

CommandRunner setup_schedule(CLI::App& sub) {
  auto opt = std::make_shared<ScheduleOptions>();
  sub.add_option("expression", opt->expression,
                 "cron(min hour dom month dow year), rate(N unit), 5-field cron or @daily")
      ->required();
  sub.add_option("--timezone", opt->timezone, "IANA time zone the cron is evaluated in")
      ->capture_default_str();
  sub.add_option("--from", opt->from, "list fire times after this UTC time (default: now)");
  sub.add_option("--count", opt->count, "how many fire times to list")->capture_default_str();
  sub.add_option("--output", opt->output, "text or json")->capture_default_str();
  return [opt] { return run_schedule(*opt); };
}

}  // namespace snapkeep::cli
