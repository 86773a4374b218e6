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

Snapshot copy_of(std::string id, std::string source_id, std::string instance, std::string set,
                 std::string device, SnapshotState state = SnapshotState::completed,
                 std::string from = "111111111111:us-east-1") {
  Snapshot s = snap(std::move(id), "nightly", std::move(instance), "2026-11-01T00:00:00Z",
                    std::move(set), std::move(device), state);
  s.tags.copy_of = from + ":" + source_id;
  return s;
}

// i-1's point of set a: s1 on /dev/sda1, s2 on /dev/sdf.
std::vector<RestorePoint> two_volume_point() {
  std::vector<Snapshot> source = {
      snap("s1", "nightly", "i-1", "2026-11-01T00:00:00Z", "a", "/dev/sda1"),
      snap("s2", "nightly", "i-1", "2026-11-01T00:00:00Z", "a", "/dev/sdf"),
  };
  return group_restore_points(source);
}

TEST(MatchCopies, StatePerDestinationAndCopiesWithoutSource) {
  auto points = two_volume_point();
  // Two copies of s1 (two runs raced): one completed is enough; s2 missing.
  std::vector<Snapshot> west = {
      copy_of("c1", "s1", "i-1", "a", "/dev/sda1", SnapshotState::error),
      copy_of("c2", "s1", "i-1", "a", "/dev/sda1"),
      copy_of("c9", "s9", "i-9", "z", "/dev/sda1"),  // its point is gone
      copy_of("c8", "s8", "i-8", "y", "/dev/sda1", SnapshotState::completed,
              "111111111111:eu-west-1"),  // a region not listed
  };
  west.push_back(snap("x", "nightly", "i-1", "2026-11-01T00:00:00Z", "a", "/dev/sdg"));
  west.back().tags.copy_of = std::string("not-a-copy-of");  // ignored
  std::vector<Snapshot> vault = {copy_of("v1", "s1", "i-1", "a", "/dev/sda1"),
                                 copy_of("v2", "s2", "i-1", "a", "/dev/sdf")};
  std::vector<SourcePoints> sources = {{"111111111111", "us-east-1", true, &points}};
  std::vector<ListedCopies> copies = {{"111111111111", "us-west-2", west, false},
                                      {"222222222222", "eu-west-1", vault, false}};
  auto without = match_copies(sources, copies);
  ASSERT_EQ(points[0].copies.size(), 2u);
  EXPECT_EQ(points[0].copies[0].region, "eu-west-1");
  EXPECT_EQ(points[0].copies[0].state, CopyState::completed);
  EXPECT_EQ(points[0].copies[1].state, CopyState::error);
  EXPECT_EQ(points[0].copies[1].completed, 1);
  EXPECT_EQ(points[0].copies[1].snapshots.size(), 2u);
  ASSERT_EQ(without.size(), 1u);
  EXPECT_EQ(without[0].point.instance_id, "i-9");
  EXPECT_EQ(without[0].source, CopyWithoutSource::Source::gone);
  EXPECT_EQ(without[0].point.snapshots[0].copy_of, "s9");

  // Kept when the copies come from a listed region's own listing.
  copies[0].keep_unlisted = true;
  sources[0].complete = false;
  points[0].copies.clear();
  without = match_copies(sources, copies);
  ASSERT_EQ(without.size(), 2u);
  EXPECT_EQ(without[0].source_region, "eu-west-1");
  EXPECT_EQ(without[0].source, CopyWithoutSource::Source::not_listed);
  EXPECT_EQ(without[1].source, CopyWithoutSource::Source::unknown);
}

TEST(MatchCopies, PendingBeforePartial) {
  auto points = two_volume_point();
  std::vector<Snapshot> west = {
      copy_of("c1", "s1", "i-1", "a", "/dev/sda1", SnapshotState::pending)};
  std::vector<SourcePoints> sources = {{"", "us-east-1", true, &points}};  // account unknown
  std::vector<ListedCopies> copies = {{"111111111111", "us-west-2", west, false}};
  EXPECT_TRUE(match_copies(sources, copies).empty());
  ASSERT_EQ(points[0].copies.size(), 1u);
  EXPECT_EQ(points[0].copies[0].state, CopyState::pending);
  west[0].state = SnapshotState::completed;
  points[0].copies.clear();
  match_copies(sources, copies);
  EXPECT_EQ(points[0].copies[0].state, CopyState::partial);
  EXPECT_EQ(to_string(CopyState::partial), "partial");
}

}  // namespace
}  // namespace snapkeep::core
