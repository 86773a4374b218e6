// The engine's half of sharding (core/shard.h, docs/deploy.md "Sharding"):
// which targets a shard works on and which part of each listing it keeps.
// reconcile() applies both, so that run, plan, daemon and lambda shard alike.
//
// Thread safety: functions of their arguments.
#pragma once

#include <vector>

#include "core/shard.h"
#include "engine/reconcile.h"
#include "engine/summary.h"
#include "engine/target.h"

namespace snapkeep::engine {

// Whether `shard` works on `target` (by target: the stable hash of its
// account id and region). A target whose account id is unknown cannot be
// placed, so no shard by target works on it.
bool owns_target(const core::Shard& shard, const Target& target);

// The targets `shard` works on, in order; when sharded, starts
// summary.shard. A target left out for its unknown account is an error of
// `summary` (no two shards may work on one target, so none does: fail closed).
std::vector<Target> shard_targets(const std::vector<Target>& all, const core::Shard& shard,
                                  RunSummary& summary);

// After the listings, when sharded: by instance, keeps in each listing only
// `shard`'s instances and their snapshots (core::keep_shard), sets each
// listing's report counts to what was kept and drops the other shards'
// per-instance warnings from summary.warnings; either way, records in
// summary.shard the instances and snapshots listed and kept.
void shard_listings(std::vector<TargetListing>& listings, const core::Shard& shard,
                    RunSummary& summary);

}  // namespace snapkeep::engine
