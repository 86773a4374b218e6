// Inventory: what exists in one (account, region), as the planner sees it.
// The engine fills it from AWS listings; the core never sees an AWS type.
//
// A listing that failed after retries is recorded as incomplete, and the
// planner then deletes nothing in that region (DESIGN.md section 4 rule 4).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/schedule.h"

namespace snapkeep::core {

// The reserved tag keys snapkeep writes on every snapshot (DESIGN.md section 1).
namespace tag {
inline constexpr std::string_view prefix = "snapkeep:";
inline constexpr std::string_view policy = "snapkeep:policy";
inline constexpr std::string_view slot = "snapkeep:slot";
inline constexpr std::string_view instance = "snapkeep:instance";
inline constexpr std::string_view set = "snapkeep:set";
inline constexpr std::string_view device = "snapkeep:device";
inline constexpr std::string_view copy_of = "snapkeep:copy-of";
}  // namespace tag

enum class InstanceState { pending, running, stopping, stopped, shutting_down, terminated, unknown };

struct Volume {
  std::string id;
  std::string device;  // e.g. /dev/xvda
  int size_gib = 0;
  Tags tags;
  bool tags_known = false;  // false when only the block device mapping was listed
};

struct Instance {
  std::string id;
  InstanceState state = InstanceState::unknown;
  std::string root_device;  // e.g. /dev/xvda
  std::string availability_zone;
  Tags tags;
  std::vector<Volume> volumes;  // attached EBS volumes, in block device mapping order
};

enum class SnapshotState { pending, completed, error, unknown };

struct Snapshot {
  std::string id;
  std::string volume_id;
  SnapshotState state = SnapshotState::unknown;
  Time start_time{};
  std::string owner_id;
  int size_gib = 0;
  std::string description;
  Tags tags;
};

// An AMI of the account and the snapshots its block device mappings use.
struct Image {
  std::string id;
  std::vector<std::string> snapshot_ids;
};

struct RegionInventory {
  std::string account_id;  // the account the region was listed as
  std::string region;
  std::vector<Instance> instances;
  std::vector<Snapshot> snapshots;  // the account's own snapshots carrying snapkeep:policy
  // nullopt: AMIs not listed yet. The planner deletes nothing without them and
  // says so in Plan::needs_images, so the engine lists AMIs only when needed.
  std::optional<std::vector<Image>> images;
  bool instances_complete = true;
  bool snapshots_complete = true;
  bool images_complete = true;
};

}  // namespace snapkeep::core
