// plan_copies(): the pure planner of one copy target for one source (account,
// region) and one policy (docs/copies.md). Given the source's listing, the
// destination's listing and a time, it decides which restore points to copy,
// which copies to delete at the destination, which source snapshots to share
// with (or unshare from) a destination account, and what waits or is
// refused, each with a reason. No I/O, no clock.
//
// What a target wants: a copy of every completed source restore point of the
// policy that the target's retention would keep if the copy existed (the
// missing copy takes part in the rules as a planned point, like the source
// planner's point for the current slot).
//
// Safety (DESIGN.md section 4, applied at the destination):
// * only copies carrying snapkeep:policy of the policy, snapkeep:copy of this
//   target and snapkeep:copy-of naming this source (account and region),
//   owned by the destination account, are ever deleted;
// * the newest completed copy of each instance is never deleted (that also
//   keeps the next cross-region copy incremental), for an orphan until
//   orphan_keep_days after its slot;
// * nothing is deleted at the destination when its listing, or the source's,
//   was incomplete, nor before the destination's AMIs are listed, and never a
//   copy an AMI uses;
// * only completed snapshots of a completed source point are copied; a copy
//   pending or in error never counts as a restore point: one in error is
//   deleted, and a later run copies again.
//
// Thread safety: pure function of its arguments.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/config.h"
#include "core/inventory.h"

namespace snapkeep::core {

// "<account>:<region>", the value of snapkeep:copy on a target's copies.
std::string copy_target_key(std::string_view account_id, std::string_view region);

// snapkeep:copy-of: "<source account>:<source region>:<source snapshot id>".
struct CopyOf {
  std::string_view account_id;
  std::string_view region;
  std::string_view snapshot_id;
};
std::string format_copy_of(const CopyOf& source);
std::optional<CopyOf> parse_copy_of(std::string_view text);

struct CopyPlanInput {
  const RegionInventory* source = nullptr;       // required: the source (account, region)
  const RegionInventory* destination = nullptr;  // required: the destination (account, region)
  const Policy* policy = nullptr;                // required
  const CopyTarget* target = nullptr;            // required: one of policy->copies
  Time now{};
  // The configuration's owner (Config::owner, snapkeep:owner): copies with
  // another owner are never touched, and new copies carry it.
  std::string owner;
  // Copies of this target that this run already started from other sources:
  // they count against max_in_flight but are not in the destination listing.
  int started_elsewhere = 0;
  // Cross-account targets: the source snapshots now shared with the
  // destination account (DescribeSnapshots RestorableBy). nullopt when not
  // listed: shares are then added before copies but none is removed.
  std::optional<std::vector<std::string>> shared_with_destination;
  // The source region's AWS managed EBS key (aws/ebs), as key ids or ARNs,
  // when known: snapshots encrypted with it cannot be shared.
  std::vector<std::string> aws_managed_keys;
};

// One CopySnapshot, sent to the destination region with the destination's
// credentials (after a ShareAction add for a cross-account target).
struct CopyAction {
  std::string policy;
  std::string instance_id;
  Time slot{};
  std::string set_id;
  std::string source_account;
  std::string source_region;
  std::string source_snapshot_id;
  bool source_encrypted = false;
  std::string destination_account;
  std::string destination_region;
  bool encrypted = false;  // Encrypted=true
  std::string kms_key_id;  // KmsKeyId, with encrypted
  // The source's snapkeep:* tags plus snapkeep:copy-of and snapkeep:copy;
  // the engine adds the source's user tags (never aws:), which the core does
  // not keep.
  Tags tags;
  std::string description;
  std::string reason;
};

// ModifySnapshotAttribute createVolumePermission add/remove on a source
// snapshot, with the source's credentials.
struct ShareAction {
  std::string policy;
  std::string instance_id;
  std::string snapshot_id;
  std::string account_id;  // the destination account
  bool add = true;
  std::string reason;
};

// DeleteSnapshot of a copy, at the destination with its credentials.
struct CopyDeleteAction {
  std::string policy;
  std::string instance_id;
  std::string snapshot_id;
  std::string set_id;
  Time slot{};
  std::string reason;
};

// Something not done, and why: waiting for max_in_flight, a refusal (a
// snapshot encrypted with aws/ebs for another account), an incomplete
// listing, a copy in error.
struct CopyNote {
  enum class Kind { waiting, refused, failed, info };
  Kind kind = Kind::info;
  std::string policy;
  std::string instance_id;  // may be empty
  std::string snapshot_id;  // may be empty
  std::string reason;
};

using CopyStep = std::variant<ShareAction, CopyAction, CopyDeleteAction, CopyNote>;

struct CopyPlan {
  std::string policy;
  std::string source_account;
  std::string source_region;
  std::string destination_account;
  std::string destination_region;
  std::string target_key;  // copy_target_key(destination)
  bool cross_account = false;
  // Ordered: notes on the target; then each instance by id: its shares to
  // add, copies (newest slot first), notes, deletions, shares to remove.
  std::vector<CopyStep> steps;
  int in_flight = 0;  // pending copies of this target found at the destination
  int started = 0;    // CopyActions in steps
  int waiting = 0;    // copies wanted but left for a later run (max_in_flight)
  // Deletions are withheld until the destination's AMIs are listed (a copy
  // an AMI uses is never deleted); the engine lists them and plans again.
  bool needs_images = false;
};

CopyPlan plan_copies(const CopyPlanInput& input);

}  // namespace snapkeep::core
