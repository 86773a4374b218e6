// `snapkeep list`: the restore points that exist, per region, read with one
// paginated DescribeSnapshots per region (Owner.1=self,
// tag-key=snapkeep:policy) and grouped by core::group_restore_points, with
// their copies in other regions and accounts (docs/copies.md).
//
// Copies: every copy target of the policies listed names a destination: the
// target's region in each source's account, or in the account of its
// role_arn (credentials and account id through AwsAccess). Each destination
// that is not itself a listed region is listed once with engine::list_copies
// (DescribeSnapshots Owner.1=self, tag-key=snapkeep:copy-of); a listed
// region's copies come from its own listing. core::match_copies then gives
// each point its copies per destination, and the copies whose source point
// is not listed are restore points of their own (restorable from the copy's
// region with `restore --from-copy`). Copies found at a destination of a
// region that was not listed (--region) are left out.
//
// Regions and destinations are listed in parallel, bounded like a run. A
// region or destination whose listing fails is reported (and makes the exit
// status 1); everything else is still shown.
//
// Output (engine/render.h): to_json() is the stable schema of
// docs/output.md; render_text() is an aligned table for people. Regions are
// sorted by (region, account) and points by (policy, instance, slot, set),
// so the output never depends on thread timing or page order.
//
// Thread safety: list_restore_points() starts and joins its own threads;
// region_clients() of the AwsAccess must be callable from several threads
// (account_id() is called from the caller's thread only). The rest are pure.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/restore_points.h"
#include "core/schedule.h"
#include "engine/reconcile.h"
#include "engine/run.h"
#include "engine/summary.h"

namespace snapkeep::engine {

struct ListOptions {
  std::vector<Target> targets;         // resolved (account, region) pairs
  std::vector<std::string> instances;  // --instance: only these (empty: all)
  std::vector<std::string> policies;   // --policy: only these (empty: all)
  // The configuration: the copy targets of its policies (those --policy
  // keeps) say where copies are listed. Null: no destination is listed.
  const core::Config* config = nullptr;
  int parallel_regions = 4;
};

struct RegionListing {
  std::string account;  // the target's account id ("" when unknown)
  std::string region;
  bool complete = true;
  std::string problem;  // why the listing failed, when !complete
  // Its points (copies excluded), each with its copies elsewhere.
  std::vector<core::RestorePoint> points;
};

// A copy destination listed for its copies.
struct CopyRegionListing {
  std::string account;  // its account id ("" when it could not be learnt)
  std::string region;
  std::string role_arn;  // the copy target's role_arn ("" for the source's account)
  bool complete = true;
  std::string problem;  // why it could not be listed (naming the region), when !complete
};

struct Listing {
  std::vector<RegionListing> regions;           // sorted by (region, account)
  std::vector<CopyRegionListing> copy_regions;  // sorted by (region, account)
  // Copies of points that are not in `regions` (core::match_copies).
  std::vector<core::CopyWithoutSource> copies_without_source;
  std::map<std::string, ApiCalls> api_calls;  // by action name
  // 0 when every region and destination was listed; else 1.
  int exit_status() const;
};

// The destinations where copies of `sources`' points may be, for the copy
// targets of `config`'s policies (only `policies`, when not empty), in
// configuration order without repeats: (the source's account, the target's
// region), or (Account{.role_arn}, the target's region) whose id is still to
// be learnt. A destination that is one of `sources` is left out (its copies
// are in its own listing), as is a target in the source's own region.
std::vector<Target> copy_destinations(const core::Config& config,
                                      const std::vector<Target>& sources,
                                      const std::vector<std::string>& policies);

Listing list_restore_points(const ListOptions& options, AwsAccess& access);

}  // namespace snapkeep::engine
