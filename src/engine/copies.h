// The engine's copy step (docs/copies.md): lists what a copy target needs and
// carries out a core::CopyPlan with the right credentials at each end.
//
// Calls per (source, target): the destination's listing (one paginated
// DescribeSnapshots, Owner.1=self, tag-key=snapkeep:copy-of), for a
// cross-account target one paginated DescribeSnapshots of the source's
// snapshots shared with the destination account (RestorableBy.1), then one
// ModifySnapshotAttribute add per snapshot shared, one CopySnapshot per
// snapshot copied, one DeleteSnapshot per copy deleted and one
// ModifySnapshotAttribute remove per share removed.
//
// CopySnapshot is not idempotent and EC2 offers no client token for it:
// the run sends it through the caller that never retries an ambiguous
// failure (RegionClients::ec2_create), and a copy made before a lost answer
// carries its tags from creation, so the next run sees it. Two copies of one
// snapshot (two runs raced) are noticed by the next plan, which deletes the
// extra (the first completed one stays).
//
// Thread safety: functions of their arguments; an Ec2 may be shared.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "aws/ec2.h"
#include "core/copies.h"
#include "core/inventory.h"
#include "engine/inventory.h"
#include "engine/summary.h"

namespace snapkeep::engine {

// snapkeep's own snapshots in a region with their user tags kept aside:
// list_own_snapshots() with user tags.
aws::Result<std::vector<core::Snapshot>> list_own_snapshots_with_tags(const aws::Ec2& ec2,
                                                                      SourceUserTags& user_tags);

// Why copies ended in `error` (DescribeSnapshots' statusMessage), by copy id.
using CopyStateMessages = std::unordered_map<std::string, std::string>;

// The copies at a destination: its own snapshots carrying snapkeep:copy-of.
// On failure the inventory is marked incomplete (no copy is deleted there,
// and the copy step starts none: it cannot tell which exist). The state
// messages of copies in error go to `messages` when given.
core::RegionInventory list_copies(const aws::Ec2& destination, std::string account_id,
                                  std::vector<std::string>& problems,
                                  CopyStateMessages* messages = nullptr);

// Ids of the source's snapkeep snapshots that `account_id` may create volumes
// from (shared with it).
aws::Result<std::vector<std::string>> list_shared_with(const aws::Ec2& source,
                                                       const std::string& account_id);

struct CopyOutcome {
  std::int64_t started = 0;
  std::int64_t failed = 0;   // CopySnapshot or its share refused (not the quota)
  std::int64_t waiting = 0;  // left for a later run (max_in_flight, or the quota)
  std::int64_t shares_added = 0;
  std::int64_t shares_removed = 0;
  std::int64_t deleted = 0;
  std::int64_t refused = 0;  // notes of kind refused (aws/ebs key)
  std::int64_t errored = 0;  // copies found in error (deleted, copied again later)
  // Copies not sent because EC2 refused to share their source: it is
  // encrypted with the AWS managed key aws/ebs (also counted in failed).
  std::int64_t refused_shares = 0;
  bool limit_reached = false;  // ResourceLimitExceeded: no more copies to the destination this run
  std::vector<std::string> problems;  // one line per failed call
  std::vector<std::string> created;   // ids of the copies started
  // Instances a CopySnapshot failed for: their copies to delete wait (see
  // execute_copy_cleanup).
  std::set<std::string> failed_instances;
  // One per CopySnapshot and DeleteSnapshot sent (kind copy, delete_copy:
  // started, deleted or failed), at the destination's account and region.
  std::vector<ActionResult> results;

  void add(const CopyOutcome& other);
};

// The action a copy or a copy deletion of `plan` is reported as (outcome
// planned): the destination's account and region, the point's policy,
// instance, set and slot; for a copy, the source snapshot id and why.
ActionResult copy_result(const core::CopyPlan& plan, const core::CopyAction& copy);
ActionResult copy_result(const core::CopyPlan& plan, const core::CopyDeleteAction& del);

// Shares (at the source) and copies (at the destination), in plan order.
// ResourceLimitExceeded stops further copies to the destination for this
// run: they wait, and it is not a failure. A snapshot whose share failed is
// not copied (the other account could not read it): its copy is a failed
// action with the share's error, and when EC2 refused because the snapshot
// is encrypted with aws/ebs, the reason says what to do.
CopyOutcome execute_copies(const core::CopyPlan& plan, const aws::Ec2& source,
                           const aws::Ec2& destination, const SourceUserTags& user_tags);

// Deletes the copies the plan lets go (at the destination) and removes the
// shares no longer needed (at the source). The copies of an instance in
// `waits` (a copy failed this run) are not deleted but skipped, as the source
// waits for a failed creation: the plan counted the failed copy's point in
// their place, and without it the target would keep fewer points than its
// retention says until a later run copies it.
CopyOutcome execute_copy_cleanup(const core::CopyPlan& plan, const aws::Ec2& source,
                                 const aws::Ec2& destination,
                                 const std::set<std::string>& waits = {});

// Whether EC2 refused to share a snapshot because it is encrypted with the
// AWS managed key (aws/ebs), which no other account may use.
bool is_default_key_refusal(const aws::AwsError& error);

// The tags a copy is created with: the plan's snapkeep:* tags, then the
// source's restore metadata (snapkeep:instance-meta, snapkeep:volumes*), then
// its user tags (aws: never; EC2's 50 at most, in that order).
aws::TagList copy_tags(const core::CopyAction& copy, const SourceUserTags& user_tags);

}  // namespace snapkeep::engine
