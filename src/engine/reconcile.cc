#include "engine/reconcile.h"

#include <fmt/format.h>

#include "core/plan.h"
#include "core/selection.h"
#include "engine/copy_phase.h"
#include "engine/inventory.h"
#include "engine/parallel.h"
#include "engine/shard.h"
#include "util/utc_time.h"

namespace snapkeep::engine {

namespace {

TargetListing list_target(const core::Config& config, const Target& target,
                          const RegionClientFactory& factory) {
  TargetListing out;
  out.target = target;
  out.report.account = target.account.id;
  out.report.region = target.region;
  out.inventory.account_id = target.account.id;
  out.inventory.region = target.region;
  auto made = factory(target);
  if (!made) {
    out.report.complete = false;
    out.report.problems.push_back(made.error());
    out.inventory.instances_complete = false;
    out.inventory.snapshots_complete = false;
    return out;
  }
  out.clients = std::move(*made);
  out.inventory = list_region(out.clients->ec2(), config, out.target.account.id, out.report,
                              has_copy_targets(config) ? &out.user_tags : nullptr);
  return out;
}

RunSummary interrupted_target(const Target& target) {
  RunSummary summary;
  summary.interrupted = true;
  RegionReport report;
  report.account = target.account.id;
  report.region = target.region;
  report.complete = false;
  report.problems.push_back("not started: interrupted");
  summary.regions.push_back(std::move(report));
  return summary;
}

RunSummary reconcile_target(const core::Config& config, const ReconcileOptions& options,
                            TargetListing& listing, aws::Clock& clock,
                            const std::atomic<bool>& stop) {
  RunSummary summary;
  summary.mode = options.mode;
  if (!listing.clients) {
    summary.regions.push_back(std::move(listing.report));
    return summary;
  }
  const aws::Ec2& ec2 = listing.clients->ec2();
  core::RegionInventory& inventory = listing.inventory;
  core::PlanOptions plan_options{options.run_id};
  core::Plan plan = core::plan(inventory, config, options.now, plan_options);
  if (plan.needs_images || plan.needs_volumes) {
    if (plan.needs_volumes) describe_volumes(ec2, inventory, listing.report, false);
    if (plan.needs_images) list_images(ec2, inventory, listing.report);
    plan = core::plan(inventory, config, options.now, plan_options);
  }
  plan.account_id = listing.target.account.id;
  plan.region = listing.target.region;
  for (const auto& w : plan.warnings) {
    summary.warnings.push_back({RunWarning::Level::warning, plan.account_id, plan.region, w.policy,
                                w.instance_id, w.message});
  }
  if (options.mode == RunMode::run) {
    Executor executor(ec2, listing.clients->ec2_create(), clock, stop, options.executor);
    executor.execute(plan, summary, options.progress);
  } else {
    describe_plan(plan, summary);
  }
  summary.regions.push_back(std::move(listing.report));
  summary.api_calls = listing.clients->api_calls();
  return summary;
}

}  // namespace

std::vector<RunWarning> coverage_warnings(const core::Config& config,
                                          const std::vector<TargetListing>& listings,
                                          bool whole_run) {
  std::vector<RunWarning> out;
  std::vector<std::int64_t> named(config.policies.size(), 0);
  bool all_listed = !listings.empty();
  std::vector<std::string> where;
  for (const auto& listing : listings) {
    const auto& inventory = listing.inventory;
    if (!listing.clients || !inventory.instances_complete) {
      all_listed = false;
      continue;
    }
    where.push_back(listing.target.region);
    for (std::size_t p = 0; p < config.policies.size(); ++p) {
      const core::Policy& policy = config.policies[p];
      for (const auto& instance : inventory.instances) {
        // Named regardless of state: a stopped or pending instance is the
        // planner's business (a skip), not a selection that found nothing.
        if (!core::selection_names(policy.select, instance)) continue;
        ++named[p];
        if (core::match_instance(policy.select, instance).kind !=
            core::InstanceMatch::Kind::selected) {
          continue;
        }
        auto choice = core::choose_volumes(policy, instance);
        if (!choice.included.empty()) continue;
        out.push_back({RunWarning::Level::warning, listing.target.account.id, listing.target.region,
                       policy.name, instance.id,
                       instance.volumes.empty()
                           ? std::string("nothing to back up: no attached EBS volume")
                           : fmt::format("nothing to back up: every volume is excluded ({})",
                                         fmt::join(choice.excluded_reasons, "; "))});
      }
    }
  }
  if (!all_listed || !whole_run) return out;
  std::vector<RunWarning> nothing;
  for (std::size_t p = 0; p < config.policies.size(); ++p) {
    if (named[p] > 0) continue;
    nothing.push_back({RunWarning::Level::failure,
                       {},
                       {},
                       config.policies[p].name,
                       {},
                       fmt::format("selects no instance in any region worked on ({}): nothing "
                                   "is backed up by it; check its select (tags are "
                                   "case-sensitive)",
                                   fmt::join(where, ", "))});
  }
  nothing.insert(nothing.end(), out.begin(), out.end());
  return nothing;
}

RunSummary reconcile(const core::Config& config, const ReconcileOptions& options,
                     const RegionClientFactory& clients, aws::Clock& clock,
                     const std::atomic<bool>& stop) {
  RunSummary total;
  total.mode = options.mode;
  total.run_id = options.run_id;
  total.now = util::format_utc_seconds(options.now);
  auto started = clock.monotonic();
  const std::vector<Target> targets = shard_targets(options.targets, options.shard, total);
  const std::size_t n = targets.size();

  // Phase 1: every listing.
  std::vector<TargetListing> listings(n);
  std::vector<char> listed(n, 0);  // not vector<bool>: written by several threads
  run_bounded(n, options.parallel_targets, [&](std::size_t i) {
    if (stop.load()) return;
    listings[i] = list_target(config, targets[i], clients);
    listed[i] = 1;
  });
  const bool whole_run = !options.shard.sharded() || options.shard.by == core::ShardBy::instance;
  total.warnings = coverage_warnings(config, listings, whole_run);
  shard_listings(listings, options.shard, total);

  // Phase 2: plan and execute (or describe) each target.
  std::vector<RunSummary> per_target(n);
  run_bounded(n, options.parallel_targets, [&](std::size_t i) {
    if (!listed[i] || stop.load()) {
      per_target[i] = interrupted_target(targets[i]);
      if (listings[i].clients) per_target[i].api_calls = listings[i].clients->api_calls();
      return;
    }
    per_target[i] = reconcile_target(config, options, listings[i], clock, stop);
  });
  // Merged in target order, so the output does not depend on thread timing.
  for (auto& s : per_target) total.merge(std::move(s));

  // Phase 3: copies, after the targets' creations and deletions.
  if (!stop.load()) copy_phase(config, options, listings, clients, stop, total);
  total.interrupted = total.interrupted || stop.load();
  total.seconds = std::chrono::duration<double>(clock.monotonic() - started).count();
  return total;
}

}  // namespace snapkeep::engine
