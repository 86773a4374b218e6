// plan_copies(): examples of each decision, then properties over random
// histories of sources and copies (rapidcheck): the newest completed copy of
// an instance is never deleted, only completed points are copied, only this
// target's copies of this source are deleted, an incomplete listing deletes
// nothing, max_in_flight holds, and planning again over the result changes
// nothing.
#include "core/copies.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "core/plan.h"
#include "unit/core/plan_fixtures.h"

namespace snapkeep::core {
namespace {

using namespace snapkeep::core::testing;

constexpr std::string_view vault = "222233334444";

Retention keep_count(int n) {
  Retention r;
  r.count = n;
  return r;
}

struct Scene {
  Policy policy = make_policy("nightly", "cron(0 0 * * ? *)", keep_count(7));
  CopyTarget target;
  RegionInventory source = make_inventory({make_instance("i-1")});
  RegionInventory destination;
  std::optional<std::vector<std::string>> shared;
  std::vector<std::string> managed_keys;
  Time now = at("2026-11-26T06:00:00Z");
  int started_elsewhere = 0;

  Scene() {
    target.region = "us-west-2";
    target.retain.count = 2;
    destination.account_id = std::string(account);
    destination.region = "us-west-2";
    destination.images = std::vector<Image>{};
  }

  std::string key() const { return copy_target_key(destination.account_id, destination.region); }

  // A completed source point of i-1 (two volumes) at `slot`.
  void source_point(const std::string& slot, const std::string& set,
                    SnapshotState state = SnapshotState::completed) {
    for (int v = 0; v < 2; ++v) {
      SnapSpec s{fmt::format("snap-{}-{}", set, v), "nightly", "i-1", slot, set, state};
      s.volume = fmt::format("vol-1-{}", v);
      s.device = v == 0 ? "/dev/xvda" : "/dev/sdf";
      source.snapshots.push_back(make_snapshot(s));
    }
  }

  // A copy at the destination of source snapshot `of` (from us-east-1 of `account`).
  Snapshot& copy(const std::string& id, const std::string& of, const std::string& slot,
                 const std::string& set, SnapshotState state = SnapshotState::completed) {
    SnapSpec s{id, "nightly", "i-1", slot, set, state};
    s.owner = destination.account_id;
    Snapshot snap = make_snapshot(s);
    snap.tags.copy_of = format_copy_of({account, "us-east-1", of});
    snap.tags.copy = key();
    destination.snapshots.push_back(snap);
    return destination.snapshots.back();
  }

  CopyPlan plan() const {
    CopyPlanInput in;
    in.source = &source;
    in.destination = &destination;
    in.policy = &policy;
    in.target = &target;
    in.now = now;
    in.started_elsewhere = started_elsewhere;
    in.shared_with_destination = shared;
    in.aws_managed_keys = managed_keys;
    return plan_copies(in);
  }
};

std::string describe(const CopyStep& step) {
  struct Visitor {
    std::string operator()(const ShareAction& a) const {
      return fmt::format("{} {} {}", a.add ? "share" : "unshare", a.snapshot_id, a.account_id);
    }
    std::string operator()(const CopyAction& a) const {
      return fmt::format("copy {} ({})", a.source_snapshot_id, a.reason);
    }
    std::string operator()(const CopyDeleteAction& a) const {
      return fmt::format("delete {} ({})", a.snapshot_id, a.reason);
    }
    std::string operator()(const CopyNote& a) const {
      return fmt::format("note {}: {}", a.snapshot_id, a.reason);
    }
  };
  return std::visit(Visitor{}, step);
}

std::vector<std::string> describe(const CopyPlan& plan) {
  std::vector<std::string> out;
  for (const auto& s : plan.steps) {
    out.push_back(describe(s));
  }
  return out;
}

std::string describe_scene(const Scene& s) {
  std::string out =
      fmt::format("instances {} now {} retain count={} days={} daily={} weekly={} monthly={}\n",
                  s.source.instances.size(), format_slot(s.now), s.target.retain.count.value_or(0),
                  s.target.retain.days.value_or(0), s.target.retain.daily.value_or(0),
                  s.target.retain.weekly.value_or(0), s.target.retain.monthly.value_or(0));
  for (const auto* inv : {&s.source, &s.destination}) {
    for (const auto& snap : inv->snapshots) {
      out += fmt::format("{} {} {} {} {} state={} of={} owner={} policy={} copy={}\n",
                         inv == &s.source ? "src" : "dst", snap.id.view(),
                         snap.tags.instance.view(), snap.tags.slot.view(), snap.tags.set.view(),
                         static_cast<int>(snap.state), snap.tags.copy_of.view(),
                         snap.owner_id.view(), snap.tags.policy.view(), snap.tags.copy.view());
    }
  }
  return out;
}

template <class T>
std::vector<const T*> steps_of(const CopyPlan& plan) {
  std::vector<const T*> out;
  for (const auto& s : plan.steps) {
    if (const auto* a = std::get_if<T>(&s)) {
      out.push_back(a);
    }
  }
  return out;
}

TEST(CopyOfTag, FormatsAndParses) {
  EXPECT_EQ(format_copy_of({"111", "us-east-1", "snap-1"}), "111:us-east-1:snap-1");
  const auto parsed = parse_copy_of("111:us-east-1:snap-1");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->account_id, "111");
  EXPECT_EQ(parsed->region, "us-east-1");
  EXPECT_EQ(parsed->snapshot_id, "snap-1");
  EXPECT_FALSE(parse_copy_of("us-east-1:snap-1"));
  EXPECT_FALSE(parse_copy_of("::snap-1"));
  EXPECT_FALSE(parse_copy_of("1:r:snap:x"));
}

TEST(PlanCopies, CopiesTheCompletedPointsTheTargetKeeps) {
  Scene s;
  s.source_point("2026-11-24T00:00:00Z", "a");
  s.source_point("2026-11-25T00:00:00Z", "b");
  s.source_point("2026-11-26T00:00:00Z", "c", SnapshotState::pending);
  const CopyPlan plan = s.plan();
  EXPECT_EQ(describe(plan),
            (std::vector<std::string>{
                "copy snap-b-0 (no copy at 111122223333:us-west-2 for slot 2026-11-25T00:00:00Z)",
                "copy snap-b-1 (no copy at 111122223333:us-west-2 for slot 2026-11-25T00:00:00Z)",
                "copy snap-a-0 (no copy at 111122223333:us-west-2 for slot 2026-11-24T00:00:00Z)",
                "copy snap-a-1 (no copy at 111122223333:us-west-2 for slot 2026-11-24T00:00:00Z)",
            }));
  const auto copies = steps_of<CopyAction>(plan);
  const CopyAction& c = *copies[0];
  EXPECT_EQ(c.source_region, "us-east-1");
  EXPECT_EQ(c.destination_region, "us-west-2");
  EXPECT_EQ(c.tags, (Tags{{"snapkeep:policy", "nightly"},
                          {"snapkeep:slot", "2026-11-25T00:00:00Z"},
                          {"snapkeep:instance", "i-1"},
                          {"snapkeep:set", "b"},
                          {"snapkeep:device", "/dev/xvda"},
                          {"snapkeep:copy-of", "111122223333:us-east-1:snap-b-0"},
                          {"snapkeep:copy", "111122223333:us-west-2"}}));
  EXPECT_FALSE(plan.cross_account);
  EXPECT_EQ(plan.started, 4);
}

// A copy takes its tags at creation only: a source snapshot whose device tag
// an earlier run failed to write (this run writes it) waits for a later run
// instead of making a copy that would never carry it.
TEST(PlanCopies, ASnapshotWithoutItsDeviceTagYetIsCopiedByALaterRun) {
  Scene s;
  s.source_point("2026-11-25T00:00:00Z", "b");
  s.source.snapshots[1].tags.device = {};
  const CopyPlan plan = s.plan();
  EXPECT_EQ(describe(plan),
            (std::vector<std::string>{
                "copy snap-b-0 (no copy at 111122223333:us-west-2 for slot 2026-11-25T00:00:00Z)",
                "note snap-b-1: not copied to 111122223333:us-west-2 yet: snap-b-1 has no "
                "snapkeep:device tag yet; a later run copies it",
            }));
  const auto notes = steps_of<CopyNote>(plan);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0]->kind, CopyNote::Kind::waiting);
  EXPECT_NE(notes[0]->reason.find("snap-b-1 has no snapkeep:device tag yet"), std::string::npos)
      << notes[0]->reason;
}

TEST(PlanCopies, OnlyWhatRetentionWouldKeepIsCopied) {
  Scene s;
  s.target.retain = keep_count(1);
  for (int d = 20; d <= 25; ++d) {
    s.source_point(fmt::format("2026-11-{}T00:00:00Z", d), fmt::format("s{}", d));
  }
  const CopyPlan plan_copies = s.plan();
  const auto copies = steps_of<CopyAction>(plan_copies);
  ASSERT_EQ(copies.size(), 2u);
  EXPECT_EQ(copies[0]->set_id, "s25");
}

TEST(PlanCopies, EncryptionFollowsTheTarget) {
  Scene s;
  s.target.kms_key_id = "alias/dr";
  s.source_point("2026-11-25T00:00:00Z", "b");
  s.source.snapshots[0].encrypted = true;
  const CopyPlan plan_copies = s.plan();
  const auto copies = steps_of<CopyAction>(plan_copies);
  ASSERT_EQ(copies.size(), 2u);
  EXPECT_TRUE(copies[0]->encrypted);
  EXPECT_EQ(copies[0]->kms_key_id, "alias/dr");
  EXPECT_TRUE(copies[0]->source_encrypted);
  EXPECT_FALSE(copies[1]->source_encrypted);
}

TEST(PlanCopies, MaxInFlightCountsPendingCopiesAndCopiesStartedElsewhere) {
  Scene s;
  s.target.max_in_flight = 4;
  s.source_point("2026-11-24T00:00:00Z", "a");
  s.source_point("2026-11-25T00:00:00Z", "b");
  s.copy("snap-c1", "snap-b-0", "2026-11-25T00:00:00Z", "b", SnapshotState::pending);
  s.started_elsewhere = 1;
  const CopyPlan plan = s.plan();
  EXPECT_EQ(plan.in_flight, 1);
  EXPECT_EQ(plan.started, 2);
  EXPECT_EQ(plan.waiting, 1);
  EXPECT_EQ(describe(plan).back(),
            "note : waiting: 4 copies in flight to 111122223333:us-west-2 (max_in_flight 4); 1 "
            "copies left for a later run");
  // The pending point's missing snapshot comes first (newest slot first).
  EXPECT_EQ(steps_of<CopyAction>(plan)[0]->source_snapshot_id, "snap-b-1");
}

TEST(PlanCopies, CopyRetentionDeletesOldCopiesButNeverTheNewestCompleted) {
  Scene s;
  s.target.retain = keep_count(1);
  for (int d = 22; d <= 25; ++d) {
    const std::string slot = fmt::format("2026-11-{}T00:00:00Z", d);
    const std::string set = fmt::format("s{}", d);
    s.source_point(slot, set);
    s.copy("snap-c" + set + "0", fmt::format("snap-{}-0", set), slot, set,
           d == 25 ? SnapshotState::pending : SnapshotState::completed);
    s.copy("snap-c" + set + "1", fmt::format("snap-{}-1", set), slot, set);
  }
  const CopyPlan plan = s.plan();
  std::set<std::string> deleted;
  for (const auto* d : steps_of<CopyDeleteAction>(plan)) {
    deleted.insert(d->snapshot_id);
  }
  // s25 is pending (kept, never counted as good); s24 is the newest complete copy.
  EXPECT_EQ(deleted,
            (std::set<std::string>{"snap-cs220", "snap-cs221", "snap-cs230", "snap-cs231"}));
  EXPECT_TRUE(steps_of<CopyAction>(plan).empty());
}

TEST(PlanCopies, APartialCopyPointWhoseSourceIsGoneIsNotTheNewestCompleted) {
  // s24 was copied for one of its two devices only, then the source's
  // retention let s24 go. Its copies record two devices (snapkeep:volumes):
  // the point can never be complete, so s23 stays the newest completed.
  Scene s;
  s.target.retain = keep_count(1);
  s.source_point("2026-11-25T00:00:00Z", "s25");
  for (const std::string set : {"s23", "s24"}) {
    const std::string slot = "2026-11-" + set.substr(1) + "T00:00:00Z";
    for (int v = 0; v < (set == "s24" ? 1 : 2); ++v) {
      Snapshot& c =
          s.copy(fmt::format("snap-c{}{}", set, v), fmt::format("snap-{}-{}", set, v), slot, set);
      EXPECT_TRUE(
          c.tags.set_tag("snapkeep:volumes", "/dev/xvda=gp3:3000:125:8 /dev/sdf=gp3:0:0:8"));
    }
  }
  EXPECT_EQ(s.destination.snapshots.back().tags.volumes, 2);
  const CopyPlan plan = s.plan();
  std::set<std::string> deleted;
  for (const auto* d : steps_of<CopyDeleteAction>(plan)) deleted.insert(d->snapshot_id);
  EXPECT_EQ(deleted, std::set<std::string>{}) << describe_scene(s);
  EXPECT_EQ(steps_of<CopyAction>(plan).size(), 2u);  // s25

  // Without the restore metadata (points taken before it was recorded) the
  // copies name the point's snapshots: s24 counts as complete, as before.
  for (auto& c : s.destination.snapshots) c.tags.volumes = 0;
  deleted.clear();
  const CopyPlan without_metadata = s.plan();
  for (const auto* d : steps_of<CopyDeleteAction>(without_metadata)) deleted.insert(d->snapshot_id);
  EXPECT_EQ(deleted, (std::set<std::string>{"snap-cs230", "snap-cs231"}));
}

TEST(PlanCopies, IncompleteListingDeletesNothingAtTheDestination) {
  for (int which = 0; which < 3; ++which) {
    Scene s;
    s.target.retain = keep_count(1);
    s.source_point("2026-11-24T00:00:00Z", "a");
    s.source_point("2026-11-25T00:00:00Z", "b");
    s.copy("snap-ca0", "snap-a-0", "2026-11-24T00:00:00Z", "a");
    s.copy("snap-ca1", "snap-a-1", "2026-11-24T00:00:00Z", "a");
    s.copy("snap-cb0", "snap-b-0", "2026-11-25T00:00:00Z", "b");
    s.copy("snap-cb1", "snap-b-1", "2026-11-25T00:00:00Z", "b");
    (which == 0   ? s.destination.snapshots_complete
     : which == 1 ? s.source.snapshots_complete
                  : s.source.instances_complete) = false;
    const CopyPlan plan = s.plan();
    EXPECT_TRUE(steps_of<CopyDeleteAction>(plan).empty()) << which;
    EXPECT_NE(describe(plan)[0].find("was incomplete: deleting no copy"), std::string::npos);
  }
}

TEST(PlanCopies, ErroredCopyIsDeletedAndCopiedAgainByALaterRun) {
  Scene s;
  s.source_point("2026-11-25T00:00:00Z", "b");
  s.copy("snap-cb0", "snap-b-0", "2026-11-25T00:00:00Z", "b", SnapshotState::error);
  s.copy("snap-cb1", "snap-b-1", "2026-11-25T00:00:00Z", "b");
  const CopyPlan plan = s.plan();
  EXPECT_EQ(describe(plan),
            (std::vector<std::string>{
                "note snap-cb0: copy snap-cb0 of snap-b-0 ended in error at "
                "111122223333:us-west-2: deleted, copied again by a later run",
                "delete snap-cb0 (the copy ended in error; a later run copies again)"}));
  s.destination.snapshots.erase(s.destination.snapshots.begin());
  const CopyPlan plan_again = s.plan();
  const auto again = steps_of<CopyAction>(plan_again);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0]->source_snapshot_id, "snap-b-0");
  EXPECT_EQ(again[0]->reason,
            "copy at 111122223333:us-west-2 for slot 2026-11-25T00:00:00Z is "
            "missing snap-b-0");
}

TEST(PlanCopies, OtherTargetsSourcesPoliciesAndOwnersAreNeverTouched) {
  Scene s;
  s.target.retain = keep_count(1);
  s.source_point("2026-11-25T00:00:00Z", "b");
  s.copy("snap-cb0", "snap-b-0", "2026-11-25T00:00:00Z", "b");
  s.copy("snap-cb1", "snap-b-1", "2026-11-25T00:00:00Z", "b");
  // Old copies that are not this plan's: each must be left alone.
  s.copy("snap-other-target", "snap-x", "2026-11-01T00:00:00Z", "x").tags.copy = "999:us-west-2";
  s.copy("snap-other-region", "snap-y", "2026-11-01T00:00:00Z", "y").tags.copy_of =
      "111122223333:eu-west-1:snap-y";
  s.copy("snap-other-policy", "snap-z", "2026-11-01T00:00:00Z", "z").tags.policy = "weekly";
  s.copy("snap-other-owner", "snap-w", "2026-11-01T00:00:00Z", "w").owner_id = "999";
  EXPECT_TRUE(s.plan().steps.empty()) << fmt::format("{}", fmt::join(describe(s.plan()), "\n"));
}

TEST(PlanCopies, DuplicateCopiesOfOneSnapshotKeepTheFirstCompleted) {
  Scene s;
  s.source_point("2026-11-25T00:00:00Z", "b");
  s.copy("snap-cb0", "snap-b-0", "2026-11-25T00:00:00Z", "b");
  s.copy("snap-cb1", "snap-b-1", "2026-11-25T00:00:00Z", "b");
  s.copy("snap-cb0x", "snap-b-0", "2026-11-25T00:00:00Z", "b").start_time += std::chrono::hours{1};
  const CopyPlan plan_deletes = s.plan();
  const auto deletes = steps_of<CopyDeleteAction>(plan_deletes);
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(deletes[0]->snapshot_id, "snap-cb0x");
}

TEST(PlanCopies, CrossAccountSharesCopiesAndUnsharesOnceComplete) {
  Scene s;
  s.destination.account_id = std::string(vault);
  s.source_point("2026-11-25T00:00:00Z", "b");
  s.shared = std::vector<std::string>{};
  CopyPlan plan = s.plan();
  EXPECT_TRUE(plan.cross_account);
  EXPECT_EQ(describe(plan),
            (std::vector<std::string>{
                "share snap-b-0 222233334444",
                "share snap-b-1 222233334444",
                "copy snap-b-0 (no copy at 222233334444:us-west-2 for slot 2026-11-25T00:00:00Z)",
                "copy snap-b-1 (no copy at 222233334444:us-west-2 for slot 2026-11-25T00:00:00Z)",
            }));
  // Next run: shared, one copy still pending, one complete.
  s.shared = std::vector<std::string>{"snap-b-0", "snap-b-1"};
  s.copy("snap-cb0", "snap-b-0", "2026-11-25T00:00:00Z", "b", SnapshotState::pending).tags.copy_of =
      format_copy_of({account, "us-east-1", "snap-b-0"});
  s.copy("snap-cb1", "snap-b-1", "2026-11-25T00:00:00Z", "b");
  EXPECT_EQ(describe(s.plan()), (std::vector<std::string>{"unshare snap-b-1 222233334444"}));
  s.destination.snapshots[0].state = SnapshotState::completed;
  s.shared = std::vector<std::string>{"snap-b-0"};
  EXPECT_EQ(describe(s.plan()), (std::vector<std::string>{"unshare snap-b-0 222233334444"}));
  s.shared = std::vector<std::string>{};
  EXPECT_TRUE(s.plan().steps.empty());
}

TEST(PlanCopies, DefaultKeySnapshotsAreRefusedForAnotherAccount) {
  Scene s;
  s.destination.account_id = std::string(vault);
  s.source_point("2026-11-25T00:00:00Z", "b");
  s.source.snapshots[0].encrypted = true;
  s.source.snapshots[0].kms_key_id = "arn:aws:kms:us-east-1:111122223333:key/abcd";
  s.managed_keys = {"arn:aws:kms:us-east-1:111122223333:key/abcd"};
  const CopyPlan plan = s.plan();
  const auto notes = steps_of<CopyNote>(plan);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0]->kind, CopyNote::Kind::refused);
  EXPECT_NE(notes[0]->reason.find("AWS managed key aws/ebs, which cannot be shared"),
            std::string::npos);
  const auto copies = steps_of<CopyAction>(plan);
  ASSERT_EQ(copies.size(), 1u);
  EXPECT_EQ(copies[0]->source_snapshot_id, "snap-b-1");
}

TEST(PlanCopies, CopiesUsedByAnAmiAreNotDeletedAndDeletionsWaitForTheAmiListing) {
  Scene s;
  s.target.retain = keep_count(1);
  s.source_point("2026-11-24T00:00:00Z", "a");
  s.source_point("2026-11-25T00:00:00Z", "b");
  s.copy("snap-ca0", "snap-a-0", "2026-11-24T00:00:00Z", "a");
  s.copy("snap-ca1", "snap-a-1", "2026-11-24T00:00:00Z", "a");
  s.copy("snap-cb0", "snap-b-0", "2026-11-25T00:00:00Z", "b");
  s.copy("snap-cb1", "snap-b-1", "2026-11-25T00:00:00Z", "b");
  s.destination.images = std::nullopt;
  CopyPlan plan = s.plan();
  EXPECT_TRUE(plan.needs_images);
  EXPECT_TRUE(steps_of<CopyDeleteAction>(plan).empty());
  s.destination.images = std::vector<Image>{{"ami-1", {"snap-ca0"}}};
  plan = s.plan();
  const auto deletes = steps_of<CopyDeleteAction>(plan);
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(deletes[0]->snapshot_id, "snap-ca1");
}

TEST(PlanCopies, OrphanCopiesFollowOrphanKeepDays) {
  Scene s;
  s.target.retain = Retention{};
  s.target.retain.days = 5;
  s.source.instances.clear();
  s.policy.orphan_keep_days = 10;
  s.copy("snap-ca0", "snap-a-0", "2026-11-01T00:00:00Z", "a");
  s.now = at("2026-11-10T00:00:00Z");  // past days 5, the newest point stays
  EXPECT_TRUE(s.plan().steps.empty());
  s.now = at("2026-11-12T00:00:00Z");
  const CopyPlan plan_deletes = s.plan();
  const auto deletes = steps_of<CopyDeleteAction>(plan_deletes);
  ASSERT_EQ(deletes.size(), 1u);
}

TEST(PlanCopies, TheSourcePlannerLeavesCopiesAlone) {
  Scene s;
  s.copy("snap-ca0", "snap-a-0", "2020-11-01T00:00:00Z", "a");
  Config config;
  config.policies.push_back(s.policy);
  const Plan plan = core::plan(s.destination, config, s.now, {"run"});
  for (const auto& action : plan.actions) {
    EXPECT_FALSE(std::holds_alternative<DeleteAction>(action));
  }
}

// --- properties ---------------------------------------------------------------

struct History {
  Scene scene;
  std::set<std::string> foreign;  // destination snapshots that are not this plan's
};

std::optional<int> maybe(int max) {
  if (*rc::gen::inRange(0, 3) == 0) {
    return *rc::gen::inRange(1, max + 1);
  }
  return std::nullopt;
}

rc::Gen<History> gen_history() {
  return rc::gen::exec([] {
    History h;
    Scene& s = h.scene;
    s.target.retain.count = maybe(5);
    s.target.retain.days = maybe(8);
    s.target.retain.daily = maybe(5);
    s.target.retain.weekly = maybe(3);
    s.target.retain.monthly = maybe(2);
    s.target.max_in_flight = 1000;
    if (*rc::gen::inRange(0, 2) == 0) {
      s.destination.account_id = std::string(vault);
      s.shared = std::vector<std::string>{};
    }
    s.source.instances.clear();
    const int instances = *rc::gen::inRange(1, 4);
    const Time base = at("2026-11-01T00:00:00Z");
    int serial = 0;
    for (int i = 1; i <= instances; ++i) {
      const std::string id = fmt::format("i-{}", i);
      if (*rc::gen::inRange(0, 4) != 0) {
        s.source.instances.push_back(make_instance(id));
      }
      const int days = *rc::gen::inRange(0, 12);
      for (int d = 0; d < days; ++d) {
        const std::string slot = format_slot(base + std::chrono::days{d * 2});
        const std::string set = fmt::format("{}-{}", id, d);
        const bool source_exists = *rc::gen::inRange(0, 5) != 0;
        const auto source_state = *rc::gen::element(
            SnapshotState::completed, SnapshotState::completed, SnapshotState::completed,
            SnapshotState::pending, SnapshotState::error);
        for (int v = 0; v < 2; ++v) {
          const std::string snap_id = fmt::format("snap-{}-{}", set, v);
          if (source_exists) {
            SnapSpec spec{snap_id, "nightly", id,
                          slot,    set,       v == 0 ? source_state : SnapshotState::completed};
            s.source.snapshots.push_back(make_snapshot(spec));
            if (s.shared && *rc::gen::inRange(0, 4) == 0) {
              s.shared->push_back(snap_id);
            }
          }
          const int copies = *rc::gen::element(0, 0, 1, 1, 2);
          for (int c = 0; c < copies; ++c) {
            const auto state = *rc::gen::element(SnapshotState::completed, SnapshotState::completed,
                                                 SnapshotState::pending, SnapshotState::error);
            Snapshot& copy =
                s.copy(fmt::format("snap-copy-{}", ++serial), snap_id, slot, set, state);
            copy.tags.instance = id;
            copy.start_time += std::chrono::minutes{c};
            if (*rc::gen::inRange(0, 8) == 0) {
              // Not this plan's: another target, source region, policy or owner.
              switch (*rc::gen::inRange(0, 4)) {
                case 0:
                  copy.tags.copy = "999:us-west-2";
                  break;
                case 1:
                  copy.tags.copy_of = format_copy_of({account, "eu-west-1", snap_id});
                  break;
                case 2:
                  copy.tags.policy = "weekly";
                  break;
                default:
                  copy.owner_id = "999";
              }
              h.foreign.insert(copy.id.str());
            }
          }
        }
      }
    }
    s.now = base + std::chrono::days{*rc::gen::inRange(0, 30)} +
            std::chrono::hours{*rc::gen::inRange(0, 24)};
    return h;
  });
}

// Applies a plan as AWS would: copies appear (pending or completed), deleted
// copies go, shares are added and removed.
void apply(Scene& s, const CopyPlan& plan, SnapshotState new_copies, int& serial) {
  std::set<std::string> deleted;
  std::vector<Snapshot> created;
  for (const auto& step : plan.steps) {
    if (const auto* c = std::get_if<CopyAction>(&step)) {
      Snapshot snap;
      snap.id = fmt::format("snap-new-{}", ++serial);
      snap.owner_id = s.destination.account_id;
      snap.state = new_copies;
      snap.start_time = s.now;
      snap.tags = SnapshotTags::from(c->tags);
      created.push_back(snap);
    } else if (const auto* d = std::get_if<CopyDeleteAction>(&step)) {
      deleted.insert(d->snapshot_id);
    } else if (const auto* sh = std::get_if<ShareAction>(&step)) {
      if (sh->add) {
        s.shared->push_back(sh->snapshot_id);
      } else {
        std::erase(*s.shared, sh->snapshot_id);
      }
    }
  }
  std::erase_if(s.destination.snapshots,
                [&](const Snapshot& snap) { return deleted.contains(snap.id.str()); });
  for (auto& snap : created) {
    s.destination.snapshots.push_back(std::move(snap));
  }
}

bool ours(const Scene& s, const Snapshot& snap) {
  const auto of = parse_copy_of(snap.tags.copy_of.view());
  return snap.tags.policy == "nightly" && snap.tags.copy == s.key() && of &&
         of->account_id == s.source.account_id && of->region == s.source.region &&
         snap.owner_id == s.destination.account_id;
}

RC_GTEST_PROP(PlanCopiesProperties, OnlyThisTargetsCopiesOfThisSourceAreDeleted, ()) {
  const History h = *gen_history();
  const CopyPlan plan = h.scene.plan();
  std::map<std::string, const Snapshot*> by_id;
  for (const auto& snap : h.scene.destination.snapshots) {
    by_id[snap.id.str()] = &snap;
  }
  for (const auto* d : steps_of<CopyDeleteAction>(plan)) {
    RC_ASSERT(by_id.contains(d->snapshot_id));
    RC_ASSERT(!h.foreign.contains(d->snapshot_id));
    RC_ASSERT(ours(h.scene, *by_id[d->snapshot_id]));
    RC_ASSERT(by_id[d->snapshot_id]->state != SnapshotState::pending);
  }
}

RC_GTEST_PROP(PlanCopiesProperties, NeverDeletesTheNewestCompleteCopyOfAnInstance, ()) {
  const History h = *gen_history();
  const Scene& s = h.scene;
  const CopyPlan plan = s.plan();
  std::set<std::string> deleted;
  for (const auto* d : steps_of<CopyDeleteAction>(plan)) {
    deleted.insert(d->snapshot_id);
  }
  RC_LOG() << describe_scene(s) << fmt::format("{}\n", fmt::join(describe(plan), "\n"));
  // A complete copy point: each of its snapshots (those of its source set
  // when that is complete, else those its copies name) has a completed
  // copy. The newest one of each instance survives.
  const auto completed_copy = [&](std::string_view of) -> bool {
    for (const auto& c : s.destination.snapshots) {
      if (ours(s, c) && c.state == SnapshotState::completed &&
          parse_copy_of(c.tags.copy_of.view())->snapshot_id == of) {
        return true;
      }
    }
    return false;
  };
  using Key = std::tuple<std::string, std::string, std::string>;  // instance, slot, set
  std::map<Key, std::set<std::string>> sources;
  std::map<Key, bool> sources_complete;
  for (const auto& snap : s.source.snapshots) {
    const Key key{snap.tags.instance.str(), snap.tags.slot.str(), snap.tags.set.str()};
    sources[key].insert(snap.id.str());
    sources_complete.try_emplace(key, true);
    sources_complete[key] = sources_complete[key] && snap.state == SnapshotState::completed;
  }
  std::map<Key, std::set<std::string>> named;
  for (const auto& c : s.destination.snapshots) {
    if (ours(s, c)) {
      named[{c.tags.instance.str(), c.tags.slot.str(), c.tags.set.str()}].insert(
          std::string(parse_copy_of(c.tags.copy_of.view())->snapshot_id));
    }
  }
  std::map<std::string, std::pair<Key, std::set<std::string>>> newest;  // by instance
  for (const auto& [key, of_ids] : named) {
    const auto& ids = sources_complete[key] ? sources[key] : of_ids;
    if (!std::ranges::all_of(ids, completed_copy)) {
      continue;
    }
    auto& best = newest[std::get<0>(key)];
    if (best.second.empty() || std::get<1>(key) > std::get<1>(best.first)) {
      best = {key, ids};
    }
  }
  for (const auto& [instance, best] : newest) {
    for (const auto& of : best.second) {
      bool survives = false;
      for (const auto& c : s.destination.snapshots) {
        if (ours(s, c) && c.state == SnapshotState::completed &&
            parse_copy_of(c.tags.copy_of.view())->snapshot_id == of &&
            !deleted.contains(c.id.str())) {
          survives = true;
        }
      }
      RC_ASSERT(survives);
    }
  }
}

RC_GTEST_PROP(PlanCopiesProperties, OnlyCompletedPointsAreCopiedAndNeverTwice, ()) {
  const History h = *gen_history();
  const Scene& s = h.scene;
  const CopyPlan plan = s.plan();
  std::set<std::string> copied;
  for (const auto* c : steps_of<CopyAction>(plan)) {
    RC_ASSERT(copied.insert(c->source_snapshot_id).second);
    for (const auto& snap : s.source.snapshots) {
      if (snap.tags.set == c->set_id) {
        RC_ASSERT(snap.state == SnapshotState::completed);
      }
    }
    for (const auto& d : s.destination.snapshots) {
      if (ours(s, d) &&
          parse_copy_of(d.tags.copy_of.view())->snapshot_id == c->source_snapshot_id) {
        RC_ASSERT(false);  // a copy (live or in error) already exists
      }
    }
  }
}

RC_GTEST_PROP(PlanCopiesProperties, IncompleteDestinationListingDeletesNothing, ()) {
  History h = *gen_history();
  h.scene.destination.snapshots_complete = false;
  RC_ASSERT(steps_of<CopyDeleteAction>(h.scene.plan()).empty());
}

RC_GTEST_PROP(PlanCopiesProperties, MaxInFlightIsNeverExceeded, ()) {
  History h = *gen_history();
  h.scene.target.max_in_flight = *rc::gen::inRange(1, 6);
  const CopyPlan plan = h.scene.plan();
  RC_ASSERT(plan.started <= std::max(0, h.scene.target.max_in_flight - plan.in_flight));
  RC_ASSERT(static_cast<int>(steps_of<CopyAction>(plan).size()) == plan.started);
}

RC_GTEST_PROP(PlanCopiesProperties, PlanningAgainOverTheResultChangesNothing, ()) {
  History h = *gen_history();
  Scene& s = h.scene;
  int serial = 0;
  const CopyPlan first = s.plan();
  std::set<std::string> retried;  // sources whose copy in error the first plan deleted
  for (const auto* d : steps_of<CopyDeleteAction>(first)) {
    for (const auto& snap : s.destination.snapshots) {
      if (snap.id == d->snapshot_id && snap.state == SnapshotState::error) {
        retried.insert(std::string(parse_copy_of(snap.tags.copy_of.view())->snapshot_id));
      }
    }
  }
  RC_LOG() << describe_scene(s) << fmt::format("{}\n", fmt::join(describe(first), "\n"));
  apply(s, first, SnapshotState::pending, serial);
  const CopyPlan second = s.plan();
  RC_LOG() << fmt::format("second:\n{}\n", fmt::join(describe(second), "\n"));
  for (const auto& step : second.steps) {
    if (const auto* c = std::get_if<CopyAction>(&step)) {
      RC_ASSERT(retried.contains(c->source_snapshot_id));
    } else if (const auto* sh = std::get_if<ShareAction>(&step)) {
      RC_ASSERT(sh->add && retried.contains(sh->snapshot_id));
    } else {
      RC_ASSERT(!std::holds_alternative<CopyDeleteAction>(step));
    }
  }
}

RC_GTEST_PROP(PlanCopiesProperties, ConvergesWithEveryShareRemoved, ()) {
  History h = *gen_history();
  Scene& s = h.scene;
  int serial = 0;
  for (auto& snap : s.destination.snapshots) {
    if (snap.state == SnapshotState::pending) {
      snap.state = SnapshotState::completed;
    }
  }
  for (int round = 0; round < 4; ++round) {
    apply(s, s.plan(), SnapshotState::completed, serial);
  }
  const CopyPlan last = s.plan();
  RC_ASSERT(steps_of<CopyAction>(last).empty());
  RC_ASSERT(steps_of<CopyDeleteAction>(last).empty());
  RC_ASSERT(steps_of<ShareAction>(last).empty());
  if (s.shared) {
    for (const auto& id : *s.shared) {
      for (const auto& snap : s.source.snapshots) {
        RC_ASSERT(!(snap.id == id && snap.state == SnapshotState::completed));
      }
    }
  }
}

}  // namespace
}  // namespace snapkeep::core
