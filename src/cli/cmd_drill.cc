// `snapkeep drill`: restore drills (docs/restore.md): for each policy with a
// drill: (or named by --policy) and each instance with restore points of it
// whose drill is due, restore a point as
// volumes, check them, record pass/fail on the point and delete them. Meant
// to run from cron or by hand; it drills each instance once per drill slot
// (--force: now). Exit 0 every drill passed, 1 one failed or could not be
// done (notified as notify.on says), 2 bad input.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <memory>
#include <random>

#include "aws/clock.h"
#include "aws/curl_transport.h"
#include "aws/environment.h"
#include "cli/app.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "engine/drill.h"

namespace snapkeep::cli {

namespace {

struct DrillFlags {
  CommonOptions common;
  std::vector<std::string> policies;
  std::vector<std::string> instances;
  // Unset: the policy's drill: setting (or its default when the policy has none).
  std::optional<std::string> schedule;
  std::optional<std::string> pick;
  std::optional<int> within_days;
  std::optional<std::string> availability_zone;
  std::optional<int> keep_minutes;
  bool force = false;
};

// The policies to drill, with their settings: each policy's drill: with the
// flags given on top. Without --policy, the policies that have drill:; a
// --policy without drill: drills with the flags and the defaults. nullopt
// when a flag or name is bad (already reported).
std::optional<std::vector<std::pair<std::string, core::DrillSettings>>> drill_plan(
    const DrillFlags& flags, const core::Config& config, const std::string& config_path) {
  std::vector<const core::Policy*> chosen;
  for (const auto& name : flags.policies) {
    auto it = std::ranges::find(config.policies, name, &core::Policy::name);
    if (it == config.policies.end()) {
      fmt::print(stderr, "--policy '{}' is not in {}\n", name, config_path);
      return std::nullopt;
    }
    if (std::ranges::find(chosen, &*it) == chosen.end()) chosen.push_back(&*it);
  }
  if (chosen.empty()) {
    for (const auto& p : config.policies) {
      if (p.drill) chosen.push_back(&p);
    }
    if (chosen.empty()) {
      fmt::print(stderr,
                 "no policy in {} has drill:; add one (docs/restore.md, \"Restore drills\") or "
                 "name the policy to drill with --policy\n",
                 config_path);
      return std::nullopt;
    }
  }
  if ((flags.within_days && *flags.within_days < 1) ||
      (flags.keep_minutes && *flags.keep_minutes < 0)) {
    fmt::print(stderr, "--within-days must be at least 1 and --keep-minutes at least 0\n");
    return std::nullopt;
  }
  std::vector<std::pair<std::string, core::DrillSettings>> out;
  for (const core::Policy* policy : chosen) {
    core::DrillSettings settings;
    if (policy->drill) {
      settings = *policy->drill;
    } else {
      settings.schedule = *core::Schedule::parse("rate(1 day)");
    }
    if (flags.schedule) {
      auto schedule = core::Schedule::parse(*flags.schedule, policy->timezone);
      if (!schedule) {
        fmt::print(stderr, "--schedule '{}': {}\n", *flags.schedule, schedule.error());
        return std::nullopt;
      }
      settings.schedule = *schedule;
    }
    if (flags.pick) settings.random_pick = *flags.pick == "random";
    if (flags.within_days) settings.within_days = *flags.within_days;
    if (flags.availability_zone) settings.availability_zone = *flags.availability_zone;
    if (flags.keep_minutes) settings.keep_minutes = *flags.keep_minutes;
    out.emplace_back(policy->name, std::move(settings));
  }
  return out;
}

int drill_command(const DrillFlags& flags) {
  const CommonOptions& opt = flags.common;
  auto inputs = read_inputs(opt);
  if (!inputs) return kExitBadInput;
  auto plan = drill_plan(flags, inputs->config, opt.config_path);
  if (!plan) return kExitBadInput;

  aws::ProcessEnvironment env;
  aws::CurlTransport http;
  aws::Clock& clock = aws::system_clock();
  AwsContext context;
  if (int status = open_aws(opt, inputs->config, env, http, clock, context); status != kExitOk) {
    return status;
  }
  engine::DrillOptions options;
  options.force = flags.force;
  options.instances = flags.instances;
  options.seed = std::random_device{}();
  if (auto poll = aws::env_milliseconds(env, "SNAPKEEP_RESTORE_POLL_MS")) {
    options.wait.first_poll = *poll;
  }
  std::vector<engine::DrillReport> reports;
  for (const auto& target : context.targets) {
    auto clients = context.factory(target);
    if (!clients) {
      engine::DrillReport failed;
      failed.region = target.region;
      failed.problems.push_back(clients.error());
      reports.push_back(std::move(failed));
      continue;
    }
    for (const auto& [policy, settings] : *plan) {
      reports.push_back(
          engine::run_drills((*clients)->ec2(), clock, policy, settings, inputs->now, options));
    }
  }
  int status = kExitOk;
  for (const auto& r : reports) status = std::max(status, r.exit_status());
  if (opt.output == "json") {
    fmt::print("{}\n", engine::to_json(reports).dump(2));
  } else {
    fmt::print("{}", engine::render_text(reports));
  }
  std::fflush(stdout);
  // Failed drills reach people the way failed runs do (notify.on).
  if (engine::should_notify(inputs->config.notify, reports)) {
    auto errors =
        engine::send_notification(inputs->config.notify, engine::drill_notification(reports),
                                  context.session.get(), http, clock);
    for (const auto& e : errors) fmt::print(stderr, "notification not sent: {}\n", e);
    if (!errors.empty()) status = std::max(status, kExitFailed);
  }
  return status;
}

}  // namespace

CommandRunner setup_drill(CLI::App& sub) {
  auto flags = std::make_shared<DrillFlags>();
  add_common_options(sub, flags->common);
  sub.add_option("--policy", flags->policies, "drill this policy's points (repeatable)");
  sub.add_option("--instance", flags->instances, "only this instance (repeatable)");
  sub.add_option("--schedule", flags->schedule,
                 "when drills are due (default: the policy's drill.schedule, else rate(1 day))");
  sub.add_option("--pick", flags->pick,
                 "which point: the latest, or a random one (default: drill.pick, else latest)")
      ->check(CLI::IsMember({"latest", "random"}));
  sub.add_option("--within-days", flags->within_days,
                 "points no older than this (default: drill.within_days, else 7)");
  sub.add_option("--availability-zone", flags->availability_zone,
                 "restore here (default: drill.availability_zone, else where each instance was)");
  sub.add_option("--keep-minutes", flags->keep_minutes,
                 "keep the drill's volumes this long for a look (default: drill.keep_minutes, "
                 "else 0)");
  sub.add_flag("--force", flags->force, "drill now, even when already drilled in this slot");
  return [flags] { return drill_command(*flags); };
}

}  // namespace snapkeep::cli
