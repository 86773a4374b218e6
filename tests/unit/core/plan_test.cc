#include "core/plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/core/plan_fixtures.h"

namespace snapkeep::core {
namespace {

using namespace snapkeep::core::testing;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(Plan, CreatesOnePointPerSelectedInstanceInIdOrder) {
  const auto inv = make_inventory({
      make_instance("i-b"),
      make_instance("i-a"),
      make_instance("i-c", {{"Backup", "true"}}, InstanceState::stopped),
      make_instance("i-d", {{"Backup", "true"}}, InstanceState::pending),
      make_instance("i-e", {{"Backup", "no"}}),
  });
  const auto p = run(inv, one_policy(make_policy("nightly", nightly)), "2026-11-26T09:00:00Z");
  EXPECT_THAT(describe(p),
              ElementsAre("create nightly i-a 2026-11-26T00:00:00Z set=run-1",
                          "create nightly i-b 2026-11-26T00:00:00Z set=run-2",
                          "create nightly i-c 2026-11-26T00:00:00Z set=run-3",
                          "skip nightly|i-d|: instance is pending: its volumes are not ready yet; "
                          "the next run backs it up"));
  const auto& create = std::get<CreateAction>(p.actions[0]);
  EXPECT_EQ(create.tags, (Tags{{"Name", "i-a 2026-11-26T00:00:00Z"},
                               {"snapkeep:instance", "i-a"},
                               {"snapkeep:instance-meta", "az=us-east-1a root=/dev/xvda"},
                               {"snapkeep:policy", "nightly"},
                               {"snapkeep:set", "run-1"},
                               {"snapkeep:slot", "2026-11-26T00:00:00Z"}}));
  EXPECT_EQ(create.description, "snapkeep nightly i-a 2026-11-26T00:00:00Z");
  EXPECT_EQ(create.reason, "no restore point for slot 2026-11-26T00:00:00Z");
  ASSERT_EQ(create.volumes.size(), 2u);
  EXPECT_FALSE(p.needs_images);
}

TEST(Plan, ExistingGoodOrPendingPointForTheSlotMeansNoCreate) {
  const auto inv = make_inventory(
      {make_instance("i-a"), make_instance("i-b"), make_instance("i-c")},
      {{"snap-1", "nightly", "i-a", "2026-11-26T00:00:00Z", "r1-1"},
       {"snap-2", "nightly", "i-b", "2026-11-26T00:00:00Z", "r1-2", SnapshotState::pending},
       {"snap-3", "nightly", "i-c", "2026-11-26T00:00:00Z", "r1-3", SnapshotState::error},
       {"snap-4", "nightly", "i-c", "2026-11-25T00:00:00Z", "r0-3"}});
  const auto p = run(inv, one_policy(make_policy("nightly", nightly)), "2026-11-26T09:00:00Z");
  EXPECT_THAT(describe(p), ElementsAre("create nightly i-c 2026-11-26T00:00:00Z set=run-1"));
  EXPECT_EQ(std::get<CreateAction>(p.actions[0]).reason,
            "restore point for slot 2026-11-26T00:00:00Z failed; taking it again");
}

TEST(Plan, VolumeExclusionsNeverNameTheRootVolume) {
  auto policy = make_policy("nightly", nightly);
  policy.snapshot.exclude_boot_volume = true;
  policy.snapshot.exclude_devices = {"/dev/sdg"};
  const auto inv =
      make_inventory({make_instance("i-a", {{"Backup", "true"}}, InstanceState::running, 3)});
  const auto p = run(inv, one_policy(policy), "2026-11-26T09:00:00Z");
  EXPECT_THAT(describe(p), ElementsAre("create nightly i-a 2026-11-26T00:00:00Z set=run-1 "
                                       "exclude-boot exclude=vol-a-2"));
  const auto& c = std::get<CreateAction>(p.actions[0]);
  ASSERT_EQ(c.volumes.size(), 2u);
  EXPECT_EQ(c.volumes[0].id, "vol-a-1");
  EXPECT_EQ(c.volumes[1].id, "vol-a-3");
}

TEST(Plan, EveryVolumeExcludedIsASkip) {
  auto policy = make_policy("nightly", nightly);
  policy.snapshot.exclude_boot_volume = true;
  const auto inv =
      make_inventory({make_instance("i-a", {{"Backup", "true"}}, InstanceState::running, 0)});
  EXPECT_THAT(describe(run(inv, one_policy(policy), "2026-11-26T09:00:00Z")),
              ElementsAre("skip nightly|i-a|: every volume is excluded: vol-a-0 (/dev/xvda): "
                          "boot volume excluded"));
}

TEST(Plan, CopiedInstanceTagsNeverOverrideAndRespectTheFiftyTagLimit) {
  auto policy = make_policy("nightly", nightly);
  policy.snapshot.copy_instance_tags = true;
  policy.snapshot.tags = {{"CostCenter", "ops"}};
  Tags tags{{"Backup", "true"},
            {"Name", "web-1"},
            {"CostCenter", "dev"},
            {"aws:cloudformation:stack-name", "web"},
            {"snapkeep:policy", "forged"}};
  for (int i = 0; i < 60; ++i) {
    tags[fmt::format("t{:02}", i)] = "v";
  }
  const auto inv = make_inventory({make_instance("i-a", tags)});
  const auto p = run(inv, one_policy(policy), "2026-11-26T09:00:00Z");
  const auto& c = std::get<CreateAction>(p.actions.at(0));
  EXPECT_EQ(c.tags.size(), 49u);  // one left for snapkeep:device
  EXPECT_EQ(c.tags.at("Name"), "web-1 2026-11-26T00:00:00Z");
  EXPECT_EQ(c.tags.at("CostCenter"), "ops");
  EXPECT_EQ(c.tags.at("snapkeep:policy"), "nightly");
  EXPECT_FALSE(c.tags.contains("aws:cloudformation:stack-name"));
  EXPECT_EQ(c.tags.at("Backup"), "true");
  // Restore metadata comes before copied instance tags.
  EXPECT_EQ(c.tags.at("snapkeep:instance-meta"), "az=us-east-1a root=/dev/xvda");
  EXPECT_EQ(c.tags.at("t40"), "v");  // 6 fixed tags + meta + Backup + t00..t40 = 49
  EXPECT_FALSE(c.tags.contains("t41"));
  ASSERT_EQ(p.warnings.size(), 1u);
  EXPECT_EQ(p.warnings[0].message,
            "EC2 allows 50 tags per snapshot: instance tags not copied: t41, t42, t43, t44, t45, "
            "t46, t47, t48, t49, t50, t51, t52, t53, t54, t55, t56, t57, t58, t59");
}

TEST(Plan, PolicyNameTagWins) {
  auto policy = make_policy("nightly", nightly);
  policy.snapshot.tags = {{"Name", "backup"}};
  const auto p =
      run(make_inventory({make_instance("i-a")}), one_policy(policy), "2026-11-26T09:00:00Z");
  EXPECT_EQ(std::get<CreateAction>(p.actions.at(0)).tags.at("Name"), "backup");
}

// Two snapshots (root and data volume) per point, one point a day.
TEST(Plan, CreationComesBeforeTheDeletionsOfTheSameInstance) {
  Retention keep;
  keep.count = 2;
  const auto inv = make_inventory({make_instance("i-a"), make_instance("i-b")}, [] {
    auto h = daily_history("i-a", 3);
    auto b = daily_history("i-b", 1);
    h.insert(h.end(), b.begin(), b.end());
    return h;
  }());
  const auto p =
      run(inv, one_policy(make_policy("nightly", nightly, keep)), "2026-11-26T09:00:00Z");
  // The new point counts for the rules: count 2 keeps it and the newest
  // existing one (11-25), which is also the newest good point.
  EXPECT_THAT(
      describe(p),
      ElementsAre("create nightly i-a 2026-11-26T00:00:00Z set=run-1",
                  "delete nightly i-a snap-a-02-0 (delete: not kept by count 2 (4th newest))",
                  "delete nightly i-a snap-a-02-1 (delete: not kept by count 2 (4th newest))",
                  "delete nightly i-a snap-a-01-0 (delete: not kept by count 2 (3rd newest))",
                  "delete nightly i-a snap-a-01-1 (delete: not kept by count 2 (3rd newest))",
                  "create nightly i-b 2026-11-26T00:00:00Z set=run-2"));
  const auto& d = std::get<DeleteAction>(p.actions[1]);
  EXPECT_EQ(d.set_id, "r2");
  EXPECT_EQ(d.slot, at("2026-11-23T00:00:00Z"));
}

TEST(Plan, SnapshotsAnAmiUsesAreReportedNotDeleted) {
  Retention keep;
  keep.count = 1;
  auto inv = make_inventory({make_instance("i-a")}, daily_history("i-a", 2));
  inv.images = std::vector<Image>{{"ami-1", {"snap-a-01-0"}}, {"ami-2", {"snap-a-01-0"}}};
  const auto p =
      run(inv, one_policy(make_policy("nightly", nightly, keep)), "2026-11-25T09:00:00Z");
  EXPECT_THAT(
      describe(p),
      ElementsAre("skip nightly|i-a|snap-a-01-0: used by ami-1, ami-2: not deleted "
                  "(delete: not kept by count 1 (2nd newest))",
                  "delete nightly i-a snap-a-01-1 (delete: not kept by count 1 (2nd newest))"));
}

TEST(Plan, WithoutTheAmiListingNothingIsDeletedAndImagesAreAskedFor) {
  Retention keep;
  keep.count = 1;
  auto inv = make_inventory({make_instance("i-a")}, daily_history("i-a", 3));
  inv.images.reset();
  const auto p =
      run(inv, one_policy(make_policy("nightly", nightly, keep)), "2026-11-25T09:00:00Z");
  EXPECT_TRUE(p.needs_images);
  EXPECT_THAT(describe(p),
              ElementsAre("skip ||: 4 snapshot deletions wait for the AMI listing (a snapshot an "
                          "AMI uses is never deleted)"));
  // Nothing to delete: no need for AMIs.
  auto small = make_inventory({make_instance("i-a")}, daily_history("i-a", 1));
  small.images.reset();
  EXPECT_FALSE(run(small, one_policy(make_policy("nightly", nightly, keep)), "2026-11-25T09:00:00Z")
                   .needs_images);
}

TEST(Plan, AnIncompleteListingDeletesNothingInTheRegion) {
  Retention keep;
  keep.count = 1;
  for (int which = 0; which < 3; ++which) {
    auto inv = make_inventory({make_instance("i-a")}, daily_history("i-a", 3));
    inv.instances_complete = which != 0;
    inv.snapshots_complete = which != 1;
    inv.images_complete = which != 2;
    const auto p =
        run(inv, one_policy(make_policy("nightly", nightly, keep)), "2026-11-26T09:00:00Z");
    const char* listing[] = {"instances", "snapshots", "images"};
    EXPECT_THAT(describe(p),
                ElementsAre(fmt::format("skip ||: listing of {} was incomplete: deleting nothing "
                                        "in this region this run",
                                        listing[which]),
                            "create nightly i-a 2026-11-26T00:00:00Z set=run-1"));
    EXPECT_FALSE(p.needs_images);
  }
}

TEST(Plan, OnlyThisPolicysOwnSnapshotsAreEverDeleted) {
  Retention keep;
  keep.count = 1;
  auto history = daily_history("i-a", 2);
  history.push_back({"snap-foreign", "nightly", "i-a", "2026-01-01T00:00:00Z", "x",
                     SnapshotState::completed, "vol-a-0", "/dev/xvda", "999988887777"});
  history.push_back({"snap-old-policy", "retired", "i-a", "2026-01-01T00:00:00Z", "y"});
  history.push_back({"snap-old-policy-2", "retired", "i-a", "2026-01-02T00:00:00Z", "z"});
  auto weekly = daily_history("i-a", 2, "weekly");
  history.insert(history.end(), weekly.begin(), weekly.end());
  Config config = one_policy(make_policy("nightly", nightly, keep));
  config.policies.push_back(make_policy("weekly", nightly));  // no rule: keeps everything
  const auto inv = make_inventory({make_instance("i-a")}, history);
  EXPECT_THAT(
      describe(run(inv, config, "2026-11-25T09:00:00Z")),
      ElementsAre(
          "skip nightly|i-a|snap-foreign: owned by account '999988887777', not 111122223333: "
          "never deleted",
          "delete nightly i-a snap-a-01-0 (delete: not kept by count 1 (2nd newest))",
          "delete nightly i-a snap-a-01-1 (delete: not kept by count 1 (2nd newest))",
          "skip retired||: 2 snapshots of policy 'retired', which is not configured: left "
          "untouched"));
}

TEST(Plan, DuplicatePointsOfOneSlotKeepTheFirstSet) {
  const auto inv = make_inventory(
      {make_instance("i-a")}, {{"snap-1", "nightly", "i-a", "2026-11-26T00:00:00Z", "run-b-1"},
                               {"snap-2", "nightly", "i-a", "2026-11-26T00:00:00Z", "run-a-1"}});
  Retention keep;
  keep.daily = 7;
  EXPECT_THAT(
      describe(run(inv, one_policy(make_policy("nightly", nightly, keep)), "2026-11-26T09:00:00Z")),
      ElementsAre("delete nightly i-a snap-1 (delete: duplicate restore point for slot "
                  "2026-11-26T00:00:00Z (an earlier set is kept))"));
}

TEST(Plan, OrphansKeepTheirNewestPointAndGetNoCreate) {
  Retention keep;
  keep.days = 2;
  auto policy = make_policy("nightly", nightly, keep);
  policy.orphan_keep_days = 30;
  const auto inv = make_inventory(
      {make_instance("i-a", {{"Backup", "no"}})},  // untagged since: no longer selected
      [] {
        auto h = daily_history("i-a", 2);
        auto gone = daily_history("i-z", 2);  // i-z no longer exists
        h.insert(h.end(), gone.begin(), gone.end());
        return h;
      }());
  const auto p = run(inv, one_policy(policy), "2026-12-20T09:00:00Z");
  EXPECT_THAT(
      describe(p),
      ElementsAre(
          "skip nightly|i-a|: not selected by this policy (no tag Backup=true): its 2 restore "
          "points are left untouched (without an owner this configuration cannot tell them from "
          "another configuration's; see owner in docs/configuration.md)",
          "delete nightly i-z snap-z-01-0 (delete: not kept by days 2 (older than 2 days))",
          "delete nightly i-z snap-z-01-1 (delete: not kept by days 2 (older than 2 days))"));
  // After orphan_keep_days the last point of the gone instance goes too; the
  // existing, deselected one keeps its points (no owner).
  const auto later = run(inv, one_policy(policy), "2026-12-25T09:00:00Z");
  EXPECT_EQ(later.actions.size(), 5u);
}

TEST(Plan, DeviceTagsAreRepairedInOneActionPerDevice) {
  auto history = daily_history("i-a", 1);
  auto b = daily_history("i-b", 1);
  history.insert(history.end(), b.begin(), b.end());
  for (auto& s : history) {
    s.device.clear();
  }
  history.push_back({"snap-moved", "nightly", "i-c", "2026-11-25T00:00:00Z", "r",
                     SnapshotState::completed, "vol-a-1",
                     ""});  // volume now attached to another instance
  const auto inv = make_inventory({make_instance("i-a"), make_instance("i-b")}, history);
  const auto p = run(inv, one_policy(make_policy("nightly", nightly)), "2026-11-25T09:00:00Z");
  EXPECT_THAT(describe(p), ElementsAre("tag-device /dev/sdf snap-a-00-1,snap-b-00-1",
                                       "tag-device /dev/xvda snap-a-00-0,snap-b-00-0"));
}

TEST(Plan, MalformedSnapkeepTagsAreLeftUntouched) {
  const auto inv = make_inventory({make_instance("i-a")},
                                  {{"snap-1", "nightly", "i-a", "yesterday", "r1"},
                                   {"snap-2", "nightly", "i-a", "2026-11-25T00:00:00Z", ""}});
  Retention keep;
  keep.count = 1;
  EXPECT_THAT(
      describe(run(inv, one_policy(make_policy("nightly", nightly, keep)), "2026-11-25T09:00:00Z")),
      ElementsAre("skip nightly|i-a|snap-1: snapkeep:instance, snapkeep:slot or "
                  "snapkeep:set missing or malformed: left untouched",
                  "skip nightly|i-a|snap-2: snapkeep:instance, snapkeep:slot or "
                  "snapkeep:set missing or malformed: left untouched",
                  "create nightly i-a 2026-11-25T00:00:00Z set=run-1"));
}

TEST(Plan, PoliciesArePlannedInNameOrder) {
  Config config;
  config.policies.push_back(make_policy("zeta", nightly));
  config.policies.push_back(make_policy("alpha", "rate(12 hours)"));
  const auto p = run(make_inventory({make_instance("i-a")}), config, "2026-11-26T13:00:00Z");
  EXPECT_THAT(describe(p), ElementsAre("create alpha i-a 2026-11-26T12:00:00Z set=run-1",
                                       "create zeta i-a 2026-11-26T00:00:00Z set=run-2"));
}

}  // namespace
}  // namespace snapkeep::core
