#include "core/restore_points.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace snapkeep::core {
namespace {

Snapshot snap(std::string id, std::string policy, std::string instance, std::string slot,
              std::string set, std::string device, SnapshotState state = SnapshotState::completed,
              int size = 8) {
  Snapshot s;
  s.id = std::move(id);
  s.volume_id = "vol-" + s.id.str();
  s.state = state;
  s.size_gib = size;
  s.tags = SnapshotTags::from({{"snapkeep:policy", policy},
                               {"snapkeep:instance", instance},
                               {"snapkeep:slot", slot},
                               {"snapkeep:set", set}});
  if (!device.empty()) s.tags.device = device;
  return s;
}

TEST(RestorePoints, GroupsByPolicyInstanceSlotAndSetInOrder) {
  std::vector<Snapshot> in = {
      snap("snap-3", "nightly", "i-2", "2026-11-02T00:00:00Z", "b", "/dev/sda1"),
      snap("snap-2", "nightly", "i-1", "2026-11-02T00:00:00Z", "a", "/dev/sdf",
           SnapshotState::completed, 20),
      snap("snap-1", "nightly", "i-1", "2026-11-02T00:00:00Z", "a", "/dev/sda1"),
      snap("snap-0", "nightly", "i-1", "2026-11-01T00:00:00Z", "z", "/dev/sda1"),
      snap("snap-9", "hourly", "i-1", "2026-11-02T00:00:00Z", "h", "/dev/sda1"),
  };
  auto points = group_restore_points(in);
  ASSERT_EQ(points.size(), 4u);
  EXPECT_EQ(points[0].policy, "hourly");
  EXPECT_EQ(points[1].instance_id, "i-1");
  EXPECT_EQ(points[1].slot, "2026-11-01T00:00:00Z");
  EXPECT_EQ(points[2].set_id, "a");
  ASSERT_EQ(points[2].snapshots.size(), 2u);
  EXPECT_EQ(points[2].snapshots[0].snapshot_id, "snap-1");  // /dev/sda1 before /dev/sdf
  EXPECT_EQ(points[2].snapshots[1].device, "/dev/sdf");
  EXPECT_EQ(points[2].size_gib(), 28);
  EXPECT_EQ(points[2].slot_time, parse_slot("2026-11-02T00:00:00Z"));
  EXPECT_EQ(points[3].instance_id, "i-2");
}

TEST(RestorePoints, StateFollowsPointState) {
  std::vector<Snapshot> in = {
      snap("a1", "p", "i-1", "2026-11-01T00:00:00Z", "a", "/dev/sda1"),
      snap("a2", "p", "i-1", "2026-11-01T00:00:00Z", "a", "/dev/sdf", SnapshotState::pending),
      snap("b1", "p", "i-1", "2026-11-02T00:00:00Z", "b", "/dev/sda1", SnapshotState::error),
      snap("c1", "p", "i-1", "2026-11-03T00:00:00Z", "c", "/dev/sda1"),
  };
  auto points = group_restore_points(in);
  ASSERT_EQ(points.size(), 3u);
  EXPECT_EQ(points[0].state, PointState::pending);
  EXPECT_EQ(points[1].state, PointState::errored);
  EXPECT_EQ(points[2].state, PointState::good);
}

TEST(RestorePoints, LeavesOutForeignSnapshotsAndKeepsMalformedSlots) {
  Snapshot foreign;
  foreign.id = "snap-manual";
  foreign.tags = SnapshotTags::from({{"Name", "manual"}});
  std::vector<Snapshot> in = {foreign, snap("s1", "p", "i-1", "yesterday", "a", "")};
  auto points = group_restore_points(in);
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].slot, "yesterday");
  EXPECT_FALSE(points[0].slot_time.has_value());
  EXPECT_EQ(points[0].snapshots[0].device, "");
}

}  // namespace
}  // namespace snapkeep::core
