// `snapkeep list`: the restore points that exist per instance, across the
// configured regions, with their copies at the policies' copy targets
// (docs/copies.md), with the common flags of `run`; filters --instance and
// --policy (repeatable). Text table or JSON (docs/output.md). Exit 0, 1 when
// a region or a copy destination could not be listed (named on stderr), 2
// for bad input.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "aws/clock.h"
#include "aws/curl_transport.h"
#include "aws/environment.h"
#include "cli/app.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "engine/listing.h"
#include "engine/render.h"

namespace snapkeep::cli {

namespace {

struct ListFlags {
  CommonOptions common;
  std::vector<std::string> instances;
  std::vector<std::string> policies;
};

int list_command(const ListFlags& flags) {
  const CommonOptions& opt = flags.common;
  auto inputs = read_inputs(opt);
  if (!inputs) return kExitBadInput;
  const core::Time now = inputs->now;

  aws::ProcessEnvironment env;
  aws::CurlTransport http;
  AwsContext context;
  if (int status = open_aws(opt, inputs->config, env, http, aws::system_clock(), context);
      status != kExitOk) {
    return status;
  }
  engine::ListOptions options;
  options.targets = context.targets;
  options.instances = flags.instances;
  options.policies = flags.policies;
  options.config = &inputs->config;
  auto listing = engine::list_restore_points(options, *context.session);

  for (const auto& r : listing.regions) {
    if (!r.complete) fmt::print(stderr, "snapkeep: {}: {}\n", r.region, r.problem);
  }
  for (const auto& c : listing.copy_regions) {
    if (!c.complete) fmt::print(stderr, "snapkeep: {}\n", c.problem);
  }
  if (opt.output == "json") {
    fmt::print("{}\n", engine::to_json(listing, now).dump(2));
  } else {
    fmt::print("{}", engine::render_text(listing, now));
    if (opt.verbose) {
      fmt::print("API calls:\n");
      for (const auto& [action, c] : listing.api_calls) {
        fmt::print("  {:<24} {:>7} calls {:>5} retries\n", action, c.calls, c.retries);
      }
    }
  }
  std::fflush(stdout);
  return listing.exit_status();
}

}  // namespace

CommandRunner setup_list(CLI::App& sub) {
  auto flags = std::make_shared<ListFlags>();
  add_common_options(sub, flags->common);
  sub.add_option("--instance", flags->instances, "only this instance id (repeatable)");
  sub.add_option("--policy", flags->policies, "only this policy (repeatable)");
  return [flags] { return list_command(*flags); };
}

}  // namespace snapkeep::cli
