// plan(): the pure heart of snapkeep. Given what exists in one (account,
// region), the configuration and a time, it decides every action a run takes
// there, each with a reason a person can read. It does no I/O and reads no
// clock: the same input always gives the same plan, in the same order.
//
// Safety rules of DESIGN.md section 4 enforced here: only snapshots carrying
// snapkeep:policy of the policy being applied, owned by the listed account,
// are ever deleted; the newest completed restore point of an instance is
// never deleted; a snapshot a registered AMI uses is never deleted; nothing is
// deleted in a region whose listing was incomplete; pending or errored
// snapshots never count as good restore points.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "core/config.h"
#include "core/inventory.h"

namespace snapkeep::core {

// Create one restore point: one CreateSnapshots call for the instance.
struct CreateAction {
  std::string policy;
  std::string instance_id;
  Time slot{};
  std::string set_id;
  bool exclude_boot_volume = false;
  std::vector<std::string> exclude_volume_ids;  // data volumes left out
  std::vector<Volume> volumes;                  // the volumes that will be snapshotted
  bool copy_volume_tags = false;                // CopyTagsFromSource=volume
  Tags tags;                                    // every tag of the set, snapkeep:* included
  std::string description;
  std::string reason;
};

// Write snapkeep:device=<device> on snapshots that lack it (after creation,
// or repairing what a crash left).
struct TagDeviceAction {
  std::string device;
  std::vector<std::string> snapshot_ids;
  std::string reason;
};

struct DeleteAction {
  std::string policy;
  std::string instance_id;
  std::string snapshot_id;
  std::string set_id;
  Time slot{};
  std::string reason;  // which rule let it go, e.g. "not kept by count 7, daily 7"
};

struct SkipAction {
  std::string policy;
  std::string instance_id;  // may be empty
  std::string snapshot_id;  // may be empty
  std::string reason;       // e.g. "instance is terminated", "snapshot used by ami-1"
};

using Action = std::variant<CreateAction, TagDeviceAction, DeleteAction, SkipAction>;

// Something a person should know that changes no action, e.g. copied tags
// dropped for EC2's limit of 50 tags per snapshot.
struct PlanWarning {
  std::string policy;
  std::string instance_id;  // may be empty
  std::string message;
  bool operator==(const PlanWarning&) const = default;
};

struct Plan {
  std::string account_id;
  std::string region;
  // Ordered: region notes (e.g. an incomplete listing); then each policy by
  // name: its notes, then each instance by id: its skip, create, AMI skips
  // and deletes (creation before deletion); then notes on snapshots of
  // policies no longer configured; then TagDeviceActions by device name.
  std::vector<Action> actions;
  // True when the plan would delete snapshots but the inventory has no AMI
  // listing yet: the engine lists AMIs and plans again. No DeleteAction is
  // emitted while this is true.
  bool needs_images = false;
  // True when the plan creates restore points but the inventory's volumes
  // were not described (type, iops, throughput: restore metadata, see
  // core/restore_tags.h): the engine describes them and plans again.
  bool needs_volumes = false;
  // In the order they arose; deterministic like the actions.
  std::vector<PlanWarning> warnings;
};

struct PlanOptions {
  // Identifies this run; restore point set ids are derived from it, so that
  // two runs racing on one slot create distinguishable sets.
  std::string run_id;
};

Plan plan(const RegionInventory& inventory, const Config& config, Time now,
          const PlanOptions& options);

}  // namespace snapkeep::core
