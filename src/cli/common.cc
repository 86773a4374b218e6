#include "cli/common.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "aws/endpoints.h"
#include "cli/app.h"
#include "core/retention.h"

namespace snapkeep::cli {

void add_common_options(CLI::App& sub, CommonOptions& o) {
  sub.add_option("--config", o.config_path, "configuration file")->capture_default_str();
  sub.add_option("--region", o.regions, "region to work on (repeatable; overrides the config)");
  sub.add_option("--account", o.accounts,
                 "only this account: a configured account's name or an account id (repeatable)");
  sub.add_option("--endpoint-url", o.endpoint_url,
                 "send AWS requests here (moto, LocalStack, VPC endpoints)");
  sub.add_option("--profile", o.profile, "AWS profile from the shared config files");
  sub.add_option("--output", o.output, "output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  sub.add_option("--now", o.now, "act as if it were this UTC time, e.g. 2026-12-01T03:30:00Z");
  sub.add_flag("-v,--verbose", o.verbose, "show every action and the API calls made");
  sub.add_flag("-q,--quiet", o.quiet, "print only failures and the totals line");
}

void add_shard_options(CLI::App& sub, ShardOptions& o) {
  sub.add_option("--shard", o.shard,
                 "work on shard I of N (e.g. 0/3): N processes started together split the "
                 "work (also SNAPKEEP_SHARD)");
  sub.add_option("--shards", o.shards,
                 "N shards, this one's index from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job)")
      ->check(CLI::Range(1, core::kMostShards));
  sub.add_option("--shard-by", o.shard_by,
                 "split the (account, region) pairs (target, the default) or each region's "
                 "instances (instance; also SNAPKEEP_SHARD_BY)")
      ->check(CLI::IsMember({"target", "instance"}));
}

snapkeep::expected<core::Shard, std::string> resolve_shard(const ShardOptions& options,
                                                           const aws::Environment& env) {
  return core::resolve_shard({.flag = options.shard,
                              .count = options.shards,
                              .by = options.shard_by,
                              .env = env.get("SNAPKEEP_SHARD"),
                              .completion_index = env.get("JOB_COMPLETION_INDEX"),
                              .env_by = env.get("SNAPKEEP_SHARD_BY")});
}

std::optional<core::Config> load_config_or_report(const std::string& path) {
  auto config = load_config_file(path);
  if (!config) {
    for (const auto& e : config.error()) fmt::print(stderr, "{}\n", e.to_string());
    return std::nullopt;
  }
  return std::move(*config);
}

std::optional<core::Time> resolve_now(const std::string& flag) {
  if (flag.empty()) {
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  }
  auto t = core::parse_slot(flag);
  if (!t) {
    fmt::print(stderr, "--now '{}' is not valid: expected a UTC time like 2026-12-01T03:30:00Z\n",
               flag);
  }
  return t;
}

bool check_common_options(const CommonOptions& options) {
  for (const auto& region : options.regions) {
    if (!aws::valid_region_name(region)) {
      fmt::print(stderr, "--region '{}' is not a region name (like us-east-1)\n", region);
      return false;
    }
  }
  return true;
}

std::optional<CommandInputs> read_inputs(const CommonOptions& options) {
  if (!check_common_options(options)) return std::nullopt;
  auto now = resolve_now(options.now);
  if (!now) return std::nullopt;
  auto config = load_config_or_report(options.config_path);
  if (!config) return std::nullopt;
  return CommandInputs{*now, std::move(*config)};
}

void notify_invalid_config(const CommonOptions& options, core::Time now,
                           const std::vector<core::ConfigError>& errors, aws::HttpTransport& http,
                           aws::Clock& clock, const aws::Environment& env) {
  core::Notify notify = notify_of_invalid_config(options.config_path);
  if ((!notify.webhook_url && !notify.sns_topic_arn) || errors.empty()) return;
  std::string why = fmt::format("invalid configuration: {}", errors.front().to_string());
  if (errors.size() > 1) why += fmt::format(" (and {} more)", errors.size() - 1);
  auto summary = engine::failed_run(engine::RunMode::run, engine::new_run_id(), now, why, true);
  auto session = open_session(options, env, http, clock);
  engine::RunServices services{session ? session->get() : nullptr, &http, &clock};
  engine::notify_run(notify, summary, services);
  for (const auto& e : summary.notification_errors) {
    fmt::print(stderr, "snapkeep: notification failed: {}\n", e);
  }
}

engine::RunSummary notify_no_session(const core::Notify& notify, engine::RunMode mode,
                                     const std::string& run_id, core::Time now,
                                     const std::string& why, aws::HttpTransport& http,
                                     aws::Clock& clock) {
  auto summary = engine::failed_run(mode, run_id, now, why, true);
  if (mode == engine::RunMode::run) {
    engine::notify_run(notify, summary, engine::RunServices{nullptr, &http, &clock});
  }
  return summary;
}

snapkeep::expected<std::unique_ptr<engine::AwsSession>, std::string> open_session(
    const CommonOptions& options, const aws::Environment& env, aws::HttpTransport& http,
    aws::Clock& clock) {
  return engine::AwsSession::create({options.endpoint_url, options.profile}, env, http, clock);
}

int open_aws(const CommonOptions& options, const core::Config& config, const aws::Environment& env,
             aws::HttpTransport& http, aws::Clock& clock, AwsContext& out) {
  auto session = open_session(options, env, http, clock);
  if (!session) {
    fmt::print(stderr, "snapkeep: {}\n", session.error());
    return kExitBadInput;
  }
  out.session = std::move(*session);
  auto targets = engine::resolve_targets(
      config, engine::TargetFilter{options.regions, options.accounts, engine::new_run_id()},
      *out.session);
  if (!targets) {
    fmt::print(stderr, "snapkeep: {}\n", targets.error().message);
    return targets.error().bad_input ? kExitBadInput : kExitFailed;
  }
  for (const auto& p : targets->problems) fmt::print(stderr, "snapkeep: {}\n", p);
  out.targets = std::move(targets->targets);
  engine::AwsSession* raw = out.session.get();
  out.factory = [raw](const engine::Target& target) { return raw->region_clients(target); };
  return kExitOk;
}

bool write_file_atomically(const std::string& path, const std::string& text, std::string& why) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      why = fmt::format("cannot write {}", temporary);
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    why = fmt::format("cannot rename {} to {}: {}", temporary, path, ec.message());
    return false;
  }
  return true;
}

}  // namespace snapkeep::cli
