#include "cli/run_service.h"

#include <date/date.h>
#include <fmt/format.h>

#include <random>

#include "engine/notify.h"
#include "engine/reconcile.h"

namespace snapkeep::cli {

namespace {

std::string new_run_id() {
  std::random_device random;
  return fmt::format("{:08x}", random());
}

}  // namespace

engine::RunSummary RunService::run(const core::Config& config, core::Time now,
                                   const std::atomic<bool>& stop) const {
  engine::AwsSession* raw = &session;
  engine::RegionClientFactory factory = [raw](const std::string& region) {
    return raw->region_clients(region);
  };
  const std::string default_region =
      session.default_region().empty() ? "us-east-1" : session.default_region();
  engine::ReconcileOptions options;
  options.execute = true;
  options.now = now;
  options.run_id = new_run_id();
  auto regions = engine::resolve_regions(config, region_overrides, default_region, factory);
  if (!regions) {
    engine::RunSummary summary;
    summary.run_id = options.run_id;
    summary.now = date::format("%Y-%m-%dT%H:%M:%SZ", now);
    engine::RegionReport report;
    report.region = default_region;
    report.complete = false;
    report.problems.push_back(
        fmt::format("cannot list the enabled regions: {}", regions.error().describe()));
    summary.regions.push_back(std::move(report));
    return summary;
  }
  options.regions = std::move(*regions);
  if (auto wait = aws::env_milliseconds(env, "SNAPKEEP_VOLUME_RATE_WAIT_MS")) {
    options.executor.limit_wait = *wait;
  }
  auto factory_for_run = factory;
  auto summary = engine::reconcile(config, options, factory_for_run, clock, stop);
  summary.notification_errors =
      engine::send_notifications(config.notify, summary, session, http, clock);
  return summary;
}

}  // namespace snapkeep::cli
