// Restore points as a person sees them: snapkeep's own snapshots of one
// region grouped by (snapkeep:policy, snapkeep:instance, snapkeep:slot,
// snapkeep:set), each with its state (core::point_state), its volumes and
// its size. This is what `snapkeep list` shows; retention groups the same
// way inside the planner (plan.cc), tuned for a million snapshots.
//
// Thread safety: pure functions of their arguments.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/inventory.h"
#include "core/retention.h"

namespace snapkeep::core {

struct PointSnapshot {
  std::string snapshot_id;
  std::string volume_id;
  std::string device;  // snapkeep:device; empty until the tag is written
  SnapshotState state = SnapshotState::unknown;
  int size_gib = 0;
};

struct RestorePoint {
  std::string policy;
  std::string instance_id;
  std::string slot;               // the snapkeep:slot tag as written
  std::optional<Time> slot_time;  // nullopt when the tag is not a valid slot
  std::string set_id;
  PointState state = PointState::good;
  std::vector<PointSnapshot> snapshots;  // by device, then snapshot id
  // The last restore drill's snapkeep:drill value ("pass <time> <seconds>"),
  // "" when never drilled. Filled by the listing, not by grouping.
  std::string drill;

  int size_gib() const;
};

// Groups `snapshots` into restore points, ordered by (policy, instance,
// slot, set). Snapshots without a snapkeep:policy tag are not snapkeep's and
// are left out; a missing instance, slot or set tag groups under "".
std::vector<RestorePoint> group_restore_points(std::span<const Snapshot> snapshots);

std::string_view to_string(SnapshotState state);

}  // namespace snapkeep::core
