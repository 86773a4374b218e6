// `snapkeep restore`: a restore point back into volumes, attached volumes or
// a new instance (docs/restore.md). Exit 0 restored, 1 an AWS failure (what
// was made is said), 2 bad flags, an unknown instance or slot, or a point
// that cannot be restored as asked; nothing is created then.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "aws/clock.h"
#include "aws/curl_transport.h"
#include "aws/endpoints.h"
#include "aws/environment.h"
#include "cli/app.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "engine/restore.h"

namespace snapkeep::cli {

namespace {

struct RestoreFlags {
  CommonOptions common;
  core::RestoreRequest request;
  std::string devices;
  std::string device_map;
  std::string security_groups;
  bool launch = false;
  bool dry_run = false;
};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  for (char c : text + ",") {
    if (c == ',') {
      if (!item.empty()) out.push_back(item);
      item.clear();
    } else if (c != ' ') {
      item += c;
    }
  }
  return out;
}

// Where to restore: --from-copy's region, the only target (--region or the
// configuration), or the one target holding points of the instance. 0, or
// the exit status.
int choose_target(const RestoreFlags& flags, AwsContext& context, engine::Target& chosen) {
  const auto& request = flags.request;
  if (context.targets.empty()) {
    fmt::print(stderr, "snapkeep: no region to restore in\n");
    return kExitBadInput;
  }
  if (!request.from_copy.empty()) {
    chosen = context.targets.front();
    chosen.region = request.from_copy;
    return kExitOk;
  }
  if (context.targets.size() == 1) {
    chosen = context.targets.front();
    return kExitOk;
  }
  std::vector<engine::Target> found;
  for (const auto& t : context.targets) {
    auto clients = context.factory(t);
    if (!clients) {
      fmt::print(stderr, "snapkeep: {}: {}\n", t.key(), clients.error());
      return kExitFailed;
    }
    auto snapshots = engine::list_instance_snapshots((*clients)->ec2(), request.instance_id, false);
    if (!snapshots) {
      fmt::print(stderr, "snapkeep: {}: listing snapshots failed: {}\n", t.key(),
                 snapshots.error().describe());
      return kExitFailed;
    }
    if (!snapshots->empty()) found.push_back(t);
  }
  std::vector<std::string> names;
  for (const auto& t : (found.empty() ? context.targets : found)) names.push_back(t.key());
  if (found.empty()) {
    fmt::print(stderr, "snapkeep: no restore point of {} in {}\n", request.instance_id,
               fmt::join(names, ", "));
    return kExitBadInput;
  }
  if (found.size() > 1) {
    fmt::print(stderr, "snapkeep: {} has restore points in {}: choose one with --region\n",
               request.instance_id, fmt::join(names, ", "));
    return kExitBadInput;
  }
  chosen = found.front();
  return kExitOk;
}

int restore_command(RestoreFlags& flags) {
  auto& request = flags.request;
  request.devices = split_list(flags.devices);
  request.security_group_ids = split_list(flags.security_groups);
  for (const auto& pair : split_list(flags.device_map)) {
    auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size()) {
      fmt::print(stderr, "--device-map: '{}' is not DEVICE=DEVICE\n", pair);
      return kExitBadInput;
    }
    request.device_map[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  if (flags.launch && !request.attach_to.empty()) {
    fmt::print(stderr, "--launch and --attach-to exclude each other\n");
    return kExitBadInput;
  }
  request.kind = flags.launch                ? core::RestoreKind::launch
                 : request.attach_to.empty() ? core::RestoreKind::volumes
                                             : core::RestoreKind::attach;
  if (!request.from_copy.empty() && !aws::valid_region_name(request.from_copy)) {
    fmt::print(stderr, "--from-copy '{}' is not a region name\n", request.from_copy);
    return kExitBadInput;
  }
  if (auto refusal = core::check_request(request)) {
    fmt::print(stderr, "snapkeep: {}\n", refusal->message);
    return kExitBadInput;
  }
  const CommonOptions& opt = flags.common;
  auto inputs = read_inputs(opt);
  if (!inputs) return kExitBadInput;

  aws::ProcessEnvironment env;
  aws::CurlTransport http;
  aws::Clock& clock = aws::system_clock();
  AwsContext context;
  if (int status = open_aws(opt, inputs->config, env, http, clock, context); status != kExitOk) {
    return status;
  }
  engine::Target target;
  if (int status = choose_target(flags, context, target); status != kExitOk) return status;
  auto clients = context.factory(target);
  if (!clients) {
    fmt::print(stderr, "snapkeep: {}: {}\n", target.key(), clients.error());
    return kExitFailed;
  }
  engine::RestoreOptions options;
  options.dry_run = flags.dry_run;
  if (auto poll = aws::env_milliseconds(env, "SNAPKEEP_RESTORE_POLL_MS")) {
    options.first_poll = *poll;
  }
  auto outcome = engine::restore((*clients)->ec2(), clock, request, options);
  outcome.api_calls = (*clients)->api_calls();
  if (!outcome.error.empty()) fmt::print(stderr, "snapkeep: {}\n", outcome.error);
  if (opt.output == "json") {
    fmt::print("{}\n", engine::to_json(outcome).dump(2));
  } else if (outcome.exit_status != 2) {
    fmt::print("{}", engine::render_text(outcome, opt.verbose));
  }
  std::fflush(stdout);
  return outcome.exit_status;
}

}  // namespace

CommandRunner setup_restore(CLI::App& sub) {
  auto flags = std::make_shared<RestoreFlags>();
  add_common_options(sub, flags->common);
  auto& r = flags->request;
  sub.add_option("--instance", r.instance_id, "the instance whose restore point to restore")
      ->required();
  sub.add_option("--policy", r.policy, "only this policy's points");
  sub.add_option("--slot", r.slot, "the point of this slot, e.g. 2026-11-26T00:00:00Z");
  sub.add_flag("--latest", r.latest, "the latest complete point (the default)");
  sub.add_option("--availability-zone", r.availability_zone,
                 "create the volumes here (default: where the instance was)");
  sub.add_option("--volume-type", r.volume_type, "volume type instead of the recorded one");
  sub.add_option("--devices", flags->devices, "only these devices, e.g. /dev/sdf,/dev/sdg");
  sub.add_option("--attach-to", r.attach_to, "attach the new volumes to this instance");
  sub.add_option("--device-map", flags->device_map,
                 "with --attach-to: attach under other names, e.g. /dev/sdf=/dev/sdh");
  sub.add_flag("--launch", flags->launch, "launch a new instance from the point");
  sub.add_option("--instance-type", r.instance_type, "with --launch: instead of the recorded one");
  sub.add_option("--subnet-id", r.subnet_id, "with --launch: default the source's subnet");
  sub.add_option("--security-group-ids", flags->security_groups,
                 "with --launch: comma-separated; default the source's");
  sub.add_option("--key-name", r.key_name, "with --launch: an EC2 key pair");
  sub.add_option("--architecture", r.architecture,
                 "with --launch, for points that do not record it: x86_64, arm64, i386");
  sub.add_option("--virtualization-type", r.virtualization_type,
                 "with --launch, for points that do not record it: hvm, paravirtual");
  sub.add_option("--root-device", r.root_device,
                 "with --launch, for points that do not record it: e.g. /dev/xvda");
  sub.add_option("--from-copy", r.from_copy,
                 "restore from the copy in this region (disaster recovery)");
  sub.add_flag("--dry-run", flags->dry_run, "print the calls it would make; create nothing");
  return [flags] { return restore_command(*flags); };
}

}  // namespace snapkeep::cli
