// copy_phase(): the copy step of a run or plan (docs/copies.md), after every
// target was reconciled (its creations and deletions done or described).
//
// For each copy target of each policy, from each source target that was
// listed with its account known: the destination (the source's account, the
// target's region) is listed once for all its sources and policies
// (DescribeSnapshots Owner.1=self, tag-key=snapkeep:copy-of), each
// (source, policy, target) is planned by core::plan_copies from the source's
// phase-1 listing (less the snapshots this run deleted, or would delete)
// and the destination's listing, and the plan is executed (run) or
// described (plan). Destinations are worked on in parallel, bounded; the
// plans of one destination one after another, so that copies started for
// one count against the max_in_flight of the next (with the copies already
// pending there).
//
// Calls per destination: its listing pages, DescribeImages only when a plan
// would delete a copy, one CopySnapshot per snapshot copied and one
// DeleteSnapshot per copy deleted. The source's user tags come from its
// phase-1 listing (TargetListing::user_tags): no second source listing.
//
// Safety, besides the planner's own: a destination whose listing failed
// gets no copy and no deletion this run (without the listing a copy could
// be made twice); a source whose account is unknown copies nothing.
//
// Reported in the summary: one CopyTargetReport per (policy, source,
// target); each copy and copy deletion as an action (kinds copy and
// delete-copy, at the destination's region); a copy found in `error`, with
// its state message, as a failed copy action when it is deleted to be
// copied again; the planner's notes (waiting for max_in_flight, listings
// incomplete, copies refused) as warnings.
//
// Thread safety: starts and joins its own threads; the factory must be
// callable from several threads.
#pragma once

#include <atomic>
#include <vector>

#include "core/config.h"
#include "engine/reconcile.h"
#include "engine/summary.h"

namespace snapkeep::engine {

// Whether any policy has a copy target: without one the copy step makes no
// call and the listings keep no user tags.
bool has_copy_targets(const core::Config& config);

// Appends the copy step's actions, reports, warnings and API calls to
// `total`, which holds the reconcile's results (its deletions decide what
// is left to copy). `listings` are phase 1's; their snapshots deleted in
// this run are dropped from them.
void copy_phase(const core::Config& config, const ReconcileOptions& options,
                std::vector<TargetListing>& listings, const RegionClientFactory& factory,
                const std::atomic<bool>& stop, RunSummary& total);

}  // namespace snapkeep::engine
