// `snapkeep list`: the restore points that exist, per region, read with one
// paginated DescribeSnapshots per region (Owner.1=self,
// tag-key=snapkeep:policy) and grouped by core::group_restore_points.
// Regions are listed in parallel, bounded like a run. A region whose listing
// fails is reported (and makes the exit status 1); the others are still shown.
//
// Output (engine/render.h): to_json() is the stable schema of
// docs/output.md; render_text() is an aligned table for people. Regions are
// sorted by (region, account) and points by (policy, instance, slot, set),
// so the output never depends on thread timing or page order.
//
// Thread safety: list_restore_points() starts and joins its own threads; the
// factory must be callable from several threads. The rest are pure.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "core/restore_points.h"
#include "core/schedule.h"
#include "engine/reconcile.h"
#include "engine/summary.h"

namespace snapkeep::engine {

struct ListOptions {
  std::vector<Target> targets;         // resolved (account, region) pairs
  std::vector<std::string> instances;  // --instance: only these (empty: all)
  std::vector<std::string> policies;   // --policy: only these (empty: all)
  int parallel_regions = 4;
};

struct RegionListing {
  std::string account;  // the target's account id ("" when unknown)
  std::string region;
  bool complete = true;
  std::string problem;  // why the listing failed, when !complete
  std::vector<core::RestorePoint> points;
};

struct Listing {
  std::vector<RegionListing> regions;         // sorted by (region, account)
  std::map<std::string, ApiCalls> api_calls;  // by action name
  // 0 when every region was listed; else 1.
  int exit_status() const;
};

Listing list_restore_points(const ListOptions& options, const RegionClientFactory& clients);

}  // namespace snapkeep::engine
