#include "engine/reconcile.h"

#include <date/date.h>

#include "core/plan.h"
#include "engine/inventory.h"
#include "engine/parallel.h"

namespace snapkeep::engine {

namespace {

RunSummary reconcile_region(const core::Config& config, const ReconcileOptions& options,
                            const std::string& region, const RegionClientFactory& factory,
                            aws::Clock& clock, const std::atomic<bool>& stop) {
  RunSummary summary;
  summary.mode = options.execute ? "run" : "plan";
  RegionReport report;
  report.account = options.account_id;
  report.region = region;
  auto made = factory(region);
  if (!made) {
    report.complete = false;
    report.problems.push_back(made.error());
    summary.regions.push_back(std::move(report));
    return summary;
  }
  auto& clients = *made;
  const aws::Ec2& ec2 = clients->ec2();

  core::RegionInventory inventory = list_region(ec2, config, report);
  if (report.account.empty()) report.account = inventory.account_id;
  core::PlanOptions plan_options{options.run_id};
  core::Plan plan = core::plan(inventory, config, options.now, plan_options);
  if (plan.needs_images || plan.needs_volumes) {
    if (plan.needs_volumes) describe_volumes(ec2, inventory, report, false);
    if (plan.needs_images) list_images(ec2, inventory, report);
    plan = core::plan(inventory, config, options.now, plan_options);
  }
  plan.account_id = report.account;
  plan.region = region;
  if (options.execute) {
    Executor executor(ec2, clients->ec2_create(), clock, stop, options.executor);
    executor.execute(plan, summary, options.progress);
  } else {
    describe_plan(plan, summary);
  }
  summary.regions.push_back(std::move(report));
  summary.api_calls = clients->api_calls();
  return summary;
}

}  // namespace

RunSummary reconcile(const core::Config& config, const ReconcileOptions& options,
                     const RegionClientFactory& clients, aws::Clock& clock,
                     const std::atomic<bool>& stop) {
  RunSummary total;
  total.mode = options.execute ? "run" : "plan";
  total.run_id = options.run_id;
  total.now = date::format("%Y-%m-%dT%H:%M:%SZ", options.now);
  auto started = clock.monotonic();

  std::vector<RunSummary> per_region(options.regions.size());
  run_bounded(options.regions.size(), options.parallel_regions, [&](std::size_t i) {
    if (stop.load()) {
      per_region[i].interrupted = true;
      RegionReport report;
      report.account = options.account_id;
      report.region = options.regions[i];
      report.complete = false;
      report.problems.push_back("not started: interrupted");
      per_region[i].regions.push_back(std::move(report));
      return;
    }
    per_region[i] = reconcile_region(config, options, options.regions[i], clients, clock, stop);
  });
  // Merged in region order, so the output does not depend on thread timing.
  for (auto& s : per_region) total.merge(std::move(s));
  total.interrupted = total.interrupted || stop.load();
  total.seconds = std::chrono::duration<double>(clock.monotonic() - started).count();
  return total;
}

aws::Result<std::vector<std::string>> resolve_regions(const core::Config& config,
                                                      const std::vector<std::string>& overrides,
                                                      const std::string& default_region,
                                                      const RegionClientFactory& clients) {
  if (!overrides.empty()) return overrides;
  if (!config.all_regions) {
    if (config.regions.empty()) return std::vector<std::string>{default_region};
    return config.regions;
  }
  auto region_clients = clients(default_region);
  if (!region_clients) {
    aws::AwsError error;
    error.kind = aws::ErrorKind::invalid;
    error.message = region_clients.error();
    return snapkeep::unexpected(error);
  }
  auto regions = (*region_clients)->ec2().describe_regions();
  if (!regions) return snapkeep::unexpected(regions.error());
  std::vector<std::string> names;
  for (const auto& r : *regions) names.push_back(r.name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace snapkeep::engine
