// Inventory listing: what exists in one (account, region), read from EC2 with
// the fewest calls, mapped into the core's RegionInventory.
//
// Calls per region: ceil(instances/page) DescribeInstances (with the core's
// server-side filters), ceil(volumes/page) DescribeVolumes only when a policy
// excludes volumes by tag or the run creates restore points (their restore
// metadata records each volume's type, iops and throughput), ceil(own snapkeep snapshots/page)
// DescribeSnapshots (Owner.1=self, tag-key=snapkeep:policy), and
// DescribeImages (Owner.1=self) only when the plan would delete something.
// A listing that fails after retries marks the inventory incomplete (the
// planner then deletes nothing there) and is reported; it never aborts the
// other listings.
//
// Thread safety: functions of their arguments; an Ec2 may be shared.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "aws/ec2.h"
#include "core/config.h"
#include "core/inventory.h"
#include "engine/summary.h"

namespace snapkeep::engine {

// The tags of snapshots that the core does not keep, by id: the user tags
// (neither snapkeep: nor aws:) and the restore metadata (core/restore_tags.h,
// snapkeep:instance-meta and snapkeep:volumes*). A copy carries its source's.
using SourceUserTags = std::unordered_map<std::string, aws::TagList>;

// Whether a copy carries the source's tag `key`: a user tag or a restore tag.
bool carried_by_copies(std::string_view key);

// Lists instances (and their volumes' tags when needed) and snapkeep's own
// snapshots. Images are left unlisted (nullopt). Problems go to `report`.
// `account_id` is the account the clients act as (STS GetCallerIdentity),
// never guessed from the listing: "" leaves it unknown, and the planner
// then deletes nothing. `user_tags`, when given, receives the snapshots'
// user tags from the same listing (for the copy step: no second listing).
core::RegionInventory list_region(const aws::Ec2& ec2, const core::Config& config,
                                  const std::string& account_id, RegionReport& report,
                                  SourceUserTags* user_tags = nullptr);

// snapkeep's own snapshots in the region: one paginated DescribeSnapshots
// (Owner.1=self, tag-key=snapkeep:policy). `user_tags`, when given,
// receives each snapshot's tags that carried_by_copies() names.
aws::Result<std::vector<core::Snapshot>> list_own_snapshots(const aws::Ec2& ec2,
                                                            SourceUserTags* user_tags = nullptr);

// Describes the region's attached volumes (tags, size, type, iops,
// throughput) into `inventory`'s instances. A failure marks the instance
// listing incomplete when the volumes were `required` (selection by volume
// tag); otherwise it is only reported (restore metadata goes without types).
void describe_volumes(const aws::Ec2& ec2, core::RegionInventory& inventory, RegionReport& report,
                      bool required);

// Lists the account's own AMIs into `inventory.images`, or marks the images
// listing incomplete and reports why.
void list_images(const aws::Ec2& ec2, core::RegionInventory& inventory, RegionReport& report);

// Mapping of the aws layer's answers into core values.
core::InstanceState instance_state(std::string_view name);
core::SnapshotState snapshot_state(std::string_view name);
core::Instance to_core(const aws::Ec2Instance& instance);
core::Snapshot to_core(const aws::Ec2Snapshot& snapshot);
core::Tags to_core(const aws::TagList& tags);
aws::TagList to_aws(const core::Tags& tags);

}  // namespace snapkeep::engine
