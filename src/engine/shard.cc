#include "engine/shard.h"

#include <fmt/format.h>

#include <algorithm>

namespace snapkeep::engine {

bool owns_target(const core::Shard& shard, const Target& target) {
  if (!shard.sharded() || shard.by != core::ShardBy::target) return true;
  if (target.account.id.empty()) return false;
  return core::owns_target(shard, target.account.id, target.region);
}

std::vector<Target> shard_targets(const std::vector<Target>& all, const core::Shard& shard,
                                  RunSummary& summary) {
  if (!shard.sharded()) return all;
  ShardReport report;
  report.index = shard.index;
  report.count = shard.count;
  report.by = std::string(core::to_string(shard.by));
  report.targets_total = static_cast<std::int64_t>(all.size());
  std::vector<Target> mine;
  for (const auto& target : all) {
    if (owns_target(shard, target)) {
      report.targets.push_back(target.key());
      mine.push_back(target);
    } else if (target.account.id.empty()) {
      summary.errors.push_back(fmt::format(
          "shard {}/{}: the account of {} is unknown, so the shard that owns it cannot be told: "
          "not worked on in this run",
          shard.index, shard.count, target.region));
    }
  }
  summary.shard = std::move(report);
  return mine;
}

void shard_listings(std::vector<TargetListing>& listings, const core::Shard& shard,
                    RunSummary& summary) {
  if (!shard.sharded() || !summary.shard) return;
  ShardReport& report = *summary.shard;
  for (auto& listing : listings) {
    auto& inventory = listing.inventory;
    report.instances_listed += static_cast<std::int64_t>(inventory.instances.size());
    report.snapshots_listed += static_cast<std::int64_t>(inventory.snapshots.size());
    core::keep_shard(inventory, shard);
    report.instances += static_cast<std::int64_t>(inventory.instances.size());
    report.snapshots += static_cast<std::int64_t>(inventory.snapshots.size());
    if (shard.by == core::ShardBy::instance) {
      listing.report.instances = static_cast<std::int64_t>(inventory.instances.size());
      listing.report.snapshots = static_cast<std::int64_t>(inventory.snapshots.size());
    }
  }
  std::erase_if(summary.warnings, [&](const RunWarning& w) {
    return !w.instance_id.empty() && !core::owns_instance(shard, w.instance_id);
  });
}

}  // namespace snapkeep::engine
