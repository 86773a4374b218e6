// `snapkeep drill`: restore drills (docs/restore.md): for each instance with
// restore points of the policy whose drill is due, restore a point as
// volumes, check them, record pass/fail on the point and delete them. Meant
// to run from cron or by hand; it drills each instance once per drill slot
// (--force: now). Exit 0 every drill passed, 1 one failed or could not be
// done, 2 bad input.
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
  std::string schedule = "rate(1 day)";
  std::string pick = "latest";
  int within_days = 7;
  std::string availability_zone;
  int keep_minutes = 0;
  bool force = false;
};

int drill_command(const DrillFlags& flags) {
  const CommonOptions& opt = flags.common;
  auto inputs = read_inputs(opt);
  if (!inputs) return kExitBadInput;
  auto schedule = core::Schedule::parse(flags.schedule);
  if (!schedule) {
    fmt::print(stderr, "--schedule '{}': {}\n", flags.schedule, schedule.error());
    return kExitBadInput;
  }
  if (flags.within_days < 1 || flags.keep_minutes < 0) {
    fmt::print(stderr, "--within-days must be at least 1 and --keep-minutes at least 0\n");
    return kExitBadInput;
  }
  core::DrillSettings settings;
  settings.schedule = *schedule;
  settings.random_pick = flags.pick == "random";
  settings.within_days = flags.within_days;
  settings.availability_zone = flags.availability_zone;
  settings.keep_minutes = flags.keep_minutes;
  std::vector<std::string> policies = flags.policies;
  for (const auto& name : policies) {
    if (std::ranges::none_of(inputs->config.policies,
                             [&](const core::Policy& p) { return p.name == name; })) {
      fmt::print(stderr, "--policy '{}' is not in {}\n", name, opt.config_path);
      return kExitBadInput;
    }
  }
  if (policies.empty()) {
    for (const auto& p : inputs->config.policies) policies.push_back(p.name);
  }

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
    for (const auto& policy : policies) {
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
  return status;
}

}  // namespace

CommandRunner setup_drill(CLI::App& sub) {
  auto flags = std::make_shared<DrillFlags>();
  add_common_options(sub, flags->common);
  sub.add_option("--policy", flags->policies, "drill this policy's points (repeatable)");
  sub.add_option("--instance", flags->instances, "only this instance (repeatable)");
  sub.add_option("--schedule", flags->schedule, "when drills are due")->capture_default_str();
  sub.add_option("--pick", flags->pick, "which point: the latest, or a random one")
      ->check(CLI::IsMember({"latest", "random"}))
      ->capture_default_str();
  sub.add_option("--within-days", flags->within_days, "points no older than this")
      ->capture_default_str();
  sub.add_option("--availability-zone", flags->availability_zone,
                 "restore here (default: where each instance was)");
  sub.add_option("--keep-minutes", flags->keep_minutes,
                 "keep the drill's volumes this long for a look")
      ->capture_default_str();
  sub.add_flag("--force", flags->force, "drill now, even when already drilled in this slot");
  return [flags] { return drill_command(*flags); };
}

}  // namespace snapkeep::cli
