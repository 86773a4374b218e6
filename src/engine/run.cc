#include "engine/run.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <set>

#include "aws/credentials.h"
#include "engine/metrics.h"
#include "engine/notify.h"
#include "util/utc_time.h"

namespace snapkeep::engine {

namespace {

const std::atomic<bool> kNeverStop{false};

// The region GetCallerIdentity and DescribeRegions are asked in: the
// profile's, else the first region worked on, else us-east-1 (only reached
// with regions "*", where any region of the partition answers).
std::string home_region(const std::string& default_region,
                        const std::vector<std::string>& regions) {
  if (!default_region.empty()) return default_region;
  if (!regions.empty()) return regions.front();
  return "us-east-1";
}

}  // namespace

std::vector<std::string> without_repeats(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& v : values) {
    if (seen.insert(v).second) out.push_back(v);
  }
  return out;
}

std::string new_run_id() {
  std::random_device random;
  return fmt::format("{:08x}", random());
}

bool is_bad_credentials(const aws::AwsError& error) {
  using aws::ErrorKind;
  switch (error.kind) {
    case ErrorKind::credentials:
      // A source that is configured but could not be reached (IMDS or STS
      // timing out, a 5xx) is not the user's input; anything else is: no
      // credentials, a broken profile, a refused AssumeRole.
      if (error.code == "CredentialRetrievalError") {
        return error.http_status >= 400 && error.http_status < 500;
      }
      return true;
    case ErrorKind::auth:
    case ErrorKind::invalid:
    case ErrorKind::not_found:
      return true;
    default:
      return false;
  }
}

snapkeep::expected<std::vector<std::string>, std::string> configured_regions(
    const core::Config& config, const std::vector<std::string>& overrides,
    const std::string& default_region) {
  if (!overrides.empty()) return without_repeats(overrides);
  if (config.all_regions) return std::vector<std::string>{};
  if (!config.regions.empty()) return without_repeats(config.regions);
  if (!default_region.empty()) return std::vector<std::string>{default_region};
  return snapkeep::unexpected(
      std::string("no region to work on: give --region, set regions: in the configuration, or set "
                  "AWS_REGION or the profile's region"));
}

RunSummary failed_run(RunMode mode, const std::string& run_id, core::Time now, std::string why,
                      bool bad_input) {
  RunSummary summary;
  summary.mode = mode;
  summary.run_id = run_id;
  summary.now = util::format_utc_seconds(now);
  summary.errors.push_back(std::move(why));
  summary.bad_input = bad_input;
  return summary;
}

void notify_run(const core::Notify& notify, RunSummary& summary, const RunServices& services) {
  auto errors =
      send_notifications(notify, summary, services.access, *services.http, *services.clock);
  for (auto& e : errors) summary.notification_errors.push_back(std::move(e));
}

snapkeep::expected<ResolvedTargets, TargetsError> resolve_targets(
    const core::Config& config, const std::vector<std::string>& region_overrides,
    AwsAccess& access) {
  auto regions = configured_regions(config, region_overrides, access.default_region());
  if (!regions) return snapkeep::unexpected(TargetsError{regions.error(), true});

  ResolvedTargets out;
  // One account today: the credentials' own. `accounts:` adds more here.
  Account account;
  const std::string home = home_region(access.default_region(), *regions);
  if (auto id = access.account_id(account, home); id) {
    account.id = *id;
    account.name = *id;
  } else if (id.error().kind == aws::ErrorKind::credentials || is_bad_credentials(id.error())) {
    // Without credentials every call would fail the same way: say it once.
    return snapkeep::unexpected(
        TargetsError{"credentials: " + id.error().describe(), is_bad_credentials(id.error())});
  } else {
    out.problems.push_back(fmt::format(
        "the account could not be learnt (STS GetCallerIdentity: {}): nothing is deleted in "
        "this run",
        id.error().describe()));
  }

  if (regions->empty()) {
    auto clients = access.region_clients(Target{account, home});
    if (!clients) {
      return snapkeep::unexpected(
          TargetsError{"cannot list the enabled regions: " + clients.error(), true});
    }
    auto enabled = (*clients)->ec2().describe_regions();
    if (!enabled) {
      return snapkeep::unexpected(
          TargetsError{"cannot list the enabled regions: " + enabled.error().describe(), false});
    }
    for (const auto& r : *enabled) regions->push_back(r.name);
    std::sort(regions->begin(), regions->end());
  }
  for (const auto& region : *regions) out.targets.push_back(Target{account, region});
  return out;
}

RunSummary run_once(const RunRequest& request, const RunServices& services) {
  const core::Config& config = *request.config;
  const std::atomic<bool>& stop = request.stop ? *request.stop : kNeverStop;
  auto finish = [&](RunSummary summary) {
    // Metrics before the notification, so that it tells of a failed publish.
    if (request.mode == RunMode::run && config.metrics.cloudwatch && services.access != nullptr) {
      publish_cloudwatch(summary, *services.access);
    }
    if (request.mode == RunMode::run) notify_run(config.notify, summary, services);
    return summary;
  };
  if (services.access == nullptr) {
    return finish(failed_run(request.mode, request.run_id, request.now, "no AWS session", true));
  }
  AwsAccess* access = services.access;
  auto targets = resolve_targets(config, request.regions, *access);
  if (!targets) {
    return finish(failed_run(request.mode, request.run_id, request.now, targets.error().message,
                             targets.error().bad_input));
  }

  ReconcileOptions options;
  options.mode = request.mode;
  options.now = request.now;
  options.run_id = request.run_id;
  options.targets = std::move(targets->targets);
  options.parallel_targets = request.parallel_targets;
  options.shard = request.shard;
  options.executor = request.executor;
  options.progress = request.progress;
  RegionClientFactory factory = [access](const Target& target) {
    return access->region_clients(target);
  };
  RunSummary summary = reconcile(config, options, factory, *services.clock, stop);
  for (auto& p : targets->problems) summary.errors.push_back(std::move(p));
  return finish(std::move(summary));
}

}  // namespace snapkeep::engine
