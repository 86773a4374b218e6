// The planner's safety and honesty rules from issue 9: a configuration prunes
// only what it owns, orphans expire as docs/retention.md promises, a
// momentarily non-running instance is never an orphan, tags stay within EC2's
// limits, an unknown account deletes nothing, and a re-sent CreateSnapshots
// leaves no extra snapshot behind.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/plan.h"
#include "core/selection.h"
#include "core/tag_limits.h"
#include "unit/core/plan_fixtures.h"

namespace snapkeep::core {
namespace {

using namespace snapkeep::core::testing;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::string> deletes(const Plan& p) {
  std::vector<std::string> out;
  for (const auto& a : p.actions) {
    if (const auto* d = std::get_if<DeleteAction>(&a)) out.push_back(d->snapshot_id);
  }
  return out;
}

Retention count(int n) {
  Retention r;
  r.count = n;
  return r;
}

// Blocker 1: team B's `nightly` (count 1) must not prune team A's instance,
// which B does not select but which still exists.
TEST(PlanOwnership, AnotherConfigurationsExistingInstanceIsLeftAlone) {
  const auto inv =
      make_inventory({make_instance("i-a", {{"Team", "a"}}), make_instance("i-b", {{"Team", "b"}})},
                     daily_history("i-a", 5));
  const auto team_b = one_policy(make_policy("nightly", nightly, count(1), {{"Team", "b"}}));
  const auto p = run(inv, team_b, "2026-11-25T09:00:00Z");
  EXPECT_THAT(deletes(p), IsEmpty());
  EXPECT_THAT(describe(p),
              ElementsAre(HasSubstr("skip nightly|i-a|: not selected by this policy (no tag "
                                    "Team=b): its 5 restore points are left untouched"),
                          "create nightly i-b 2026-11-25T00:00:00Z set=run-1"));
}

TEST(PlanOwnership, ADeselectedInstanceKeepsItsPointsWithoutAnOwner) {
  const auto inv =
      make_inventory({make_instance("i-a", {{"Backup", "no"}})}, daily_history("i-a", 5));
  const auto p =
      run(inv, one_policy(make_policy("nightly", nightly, count(1))), "2027-11-25T09:00:00Z");
  EXPECT_THAT(deletes(p), IsEmpty());
}

// Blocker 2: a gone instance's points go once orphan_keep_days passed since
// their slot, whatever count and the calendar rules say.
TEST(PlanOrphans, AGoneInstancesPointsExpireUnderCountAndCalendarRules) {
  Retention keep;
  keep.count = 3;
  keep.daily = 7;
  keep.monthly = 12;
  keep.yearly = 10;
  auto policy = make_policy("nightly", nightly, keep);
  policy.orphan_keep_days = 1;
  const auto inv =
      make_inventory({make_instance("i-t", {{"Backup", "true"}}, InstanceState::terminated)}, [] {
        auto h = daily_history("i-z", 4);  // i-z no longer exists
        auto t = daily_history("i-t", 4);  // i-t is terminated
        h.insert(h.end(), t.begin(), t.end());
        return h;
      }());
  const auto p = run(inv, one_policy(policy), "2036-11-25T09:00:00Z");
  EXPECT_EQ(deletes(p).size(), 16u);
  for (const auto& a : p.actions) {
    if (const auto* d = std::get_if<DeleteAction>(&a)) {
      EXPECT_THAT(d->reason, HasSubstr("orphan_keep_days 1 passed"));
    }
  }
}

TEST(PlanOrphans, BeforeOrphanKeepDaysTheNewestStaysAndTheRulesReleaseTheRest) {
  auto policy = make_policy("nightly", nightly, count(2));
  policy.orphan_keep_days = 10;
  const auto inv = make_inventory({}, daily_history("i-z", 5));
  // 2026-11-25 + 10 days: the newest stays until 12-05, 11-24 until 12-04;
  // count 2 releases the older ones now.
  const auto p = run(inv, one_policy(policy), "2026-12-03T09:00:00Z");
  EXPECT_THAT(deletes(p), ElementsAre("snap-z-04-0", "snap-z-04-1", "snap-z-03-0", "snap-z-03-1",
                                      "snap-z-02-0", "snap-z-02-1"));
  const auto later = run(inv, one_policy(policy), "2026-12-05T00:00:00Z");
  EXPECT_EQ(deletes(later).size(), 10u);
}

// Major 3: a pending instance the policy names is skipped, not an orphan.
TEST(PlanOrphans, APendingOrStoppingInstanceIsNeverAnOrphan) {
  Retention keep;
  keep.days = 1;
  auto policy = make_policy("nightly", nightly, keep);
  policy.orphan_keep_days = 1;
  const auto inv =
      make_inventory({make_instance("i-p", {{"Backup", "true"}}, InstanceState::pending),
                      make_instance("i-s", {{"Backup", "true"}}, InstanceState::stopping),
                      make_instance("i-d", {{"Backup", "true"}}, InstanceState::shutting_down)},
                     [] {
                       auto h = daily_history("i-p", 2);
                       auto s = daily_history("i-s", 2);
                       auto d = daily_history("i-d", 2);
                       h.insert(h.end(), s.begin(), s.end());
                       h.insert(h.end(), d.begin(), d.end());
                       return h;
                     }());
  const auto p = run(inv, one_policy(policy), "2026-12-01T09:00:00Z");
  // The older point of each goes by days 1; the newest stays.
  EXPECT_THAT(deletes(p), ElementsAre("snap-d-01-0", "snap-d-01-1", "snap-p-01-0", "snap-p-01-1",
                                      "snap-s-01-0", "snap-s-01-1"));
  EXPECT_THAT(describe(p),
              ::testing::Contains(HasSubstr("skip nightly|i-p|: instance is pending")));
}

TEST(Selection, ServerSideFiltersListEveryInstanceThatIsNotTerminated) {
  const auto filters = instance_filters(one_policy(make_policy("nightly", nightly)));
  ASSERT_FALSE(filters.empty());
  const auto state =
      std::ranges::find(filters, std::string("instance-state-name"), &Ec2Filter::name);
  ASSERT_NE(state, filters.end());
  EXPECT_THAT(state->values,
              ElementsAre("pending", "running", "shutting-down", "stopped", "stopping"));
}

// Major 6: a 250-character instance Name must not make a 271-character tag.
TEST(PlanTags, TheGeneratedNameTagIsTruncatedKeepingTheSlot) {
  std::string name;
  for (int i = 0; i < 250; ++i) name += "\xc3\xa9";  // é: two bytes, one character
  const auto inv = make_inventory({make_instance("i-a", {{"Backup", "true"}, {"Name", name}})});
  auto policy = make_policy("nightly", nightly);
  policy.snapshot.copy_instance_tags = true;
  const auto p = run(inv, one_policy(policy), "2026-11-26T09:00:00Z");
  const auto& c = std::get<CreateAction>(p.actions.at(0));
  const std::string& tag = c.tags.at("Name");
  EXPECT_EQ(utf8_length(tag), 256u);
  EXPECT_TRUE(tag.ends_with("\xc3\xa9 2026-11-26T00:00:00Z"));
}

TEST(PlanTags, CopiedTagsOverEc2sLimitsAreDroppedWithAWarning) {
  const std::string long_key(129, 'k');
  const std::string long_value(257, 'v');
  const auto inv = make_inventory({make_instance(
      "i-a", {{"Backup", "true"}, {long_key, "x"}, {"Long", long_value}, {"Ok", "y"}})});
  auto policy = make_policy("nightly", nightly);
  policy.snapshot.copy_instance_tags = true;
  const auto p = run(inv, one_policy(policy), "2026-11-26T09:00:00Z");
  const auto& c = std::get<CreateAction>(p.actions.at(0));
  EXPECT_FALSE(c.tags.contains(long_key));
  EXPECT_FALSE(c.tags.contains("Long"));
  EXPECT_EQ(c.tags.at("Ok"), "y");
  ASSERT_EQ(p.warnings.size(), 1u);
  EXPECT_THAT(p.warnings[0].message, HasSubstr("over EC2's tag limits"));
  EXPECT_THAT(p.warnings[0].message, HasSubstr("Long"));
}

// Major 7: with the account unknown the owner check cannot be made.
TEST(PlanAccount, AnUnknownAccountDeletesNothing) {
  auto inv = make_inventory({make_instance("i-a")}, daily_history("i-a", 5));
  inv.account_id.clear();
  const auto p =
      run(inv, one_policy(make_policy("nightly", nightly, count(1))), "2026-11-25T09:00:00Z");
  EXPECT_THAT(deletes(p), IsEmpty());
  EXPECT_FALSE(p.needs_images);
  ASSERT_FALSE(p.actions.empty());
  EXPECT_THAT(describe(p.actions[0]), HasSubstr("the account is unknown: deleting nothing"));
}

// A re-sent CreateSnapshots: one set id, each volume snapshotted twice.
TEST(PlanDuplicates, ASecondSnapshotOfOneVolumeInASetIsRemoved) {
  auto history = daily_history("i-a", 2);
  history.push_back({"snap-a-00-0x", "nightly", "i-a", "2026-11-25T00:00:00Z", "r0",
                     SnapshotState::completed, "vol-a-0", "/dev/xvda"});
  history.push_back({"snap-a-00-1x", "nightly", "i-a", "2026-11-25T00:00:00Z", "r0",
                     SnapshotState::error, "vol-a-1", "/dev/sdf"});
  const auto inv = make_inventory({make_instance("i-a")}, history);
  const auto p =
      run(inv, one_policy(make_policy("nightly", nightly, count(5))), "2026-11-25T09:00:00Z");
  EXPECT_THAT(describe(p),
              ElementsAre("delete nightly i-a snap-a-00-0x (delete: extra snapshot of vol-a-0 in "
                          "restore point r0 of slot 2026-11-25T00:00:00Z (snap-a-00-0 is kept))",
                          "delete nightly i-a snap-a-00-1x (delete: extra snapshot of vol-a-1 in "
                          "restore point r0 of slot 2026-11-25T00:00:00Z (snap-a-00-1 is kept))"));
}

std::vector<SnapSpec> owned_by(std::vector<SnapSpec> history, Tags& owners,
                               const std::string& owner) {
  for (const auto& s : history) owners[s.id] = owner;
  return history;
}

RegionInventory with_owners(RegionInventory inv, const Tags& owners) {
  for (auto& s : inv.snapshots) {
    if (const auto it = owners.find(s.id.str()); it != owners.end()) s.tags.owner = it->second;
  }
  return inv;
}

// With owners, two configurations that select the same instance with one
// policy name each see only their own points.
TEST(PlanOwnership, AConfigurationWithAnOwnerCountsAndDeletesOnlyItsOwnSnapshots) {
  Tags owners;
  auto history = owned_by(daily_history("i-a", 3), owners, "team-a");
  auto other = daily_history("i-a", 5);
  for (auto& s : other) s.id += "-b";
  for (const auto& s : owned_by(other, owners, "team-b")) history.push_back(s);
  const auto inv = with_owners(make_inventory({make_instance("i-a")}, history), owners);
  auto config = one_policy(make_policy("nightly", nightly, count(1)));
  config.owner = "team-a";
  const auto p = run(inv, config, "2026-11-25T09:00:00Z");
  EXPECT_THAT(deletes(p), ElementsAre("snap-a-02-0", "snap-a-02-1", "snap-a-01-0", "snap-a-01-1"));
  EXPECT_THAT(
      describe(p.actions.at(0)),
      HasSubstr("10 snapshots of policy 'nightly' carry snapkeep:owner 'team-b', and this "
                "configuration is owner 'team-a': another configuration's, left untouched"));
  // Without an owner, both teams' owner-tagged snapshots are someone else's.
  config.owner.clear();
  const auto none = run(inv, config, "2026-11-25T09:00:00Z");
  EXPECT_THAT(deletes(none), IsEmpty());
  EXPECT_THAT(describe(none),
              ::testing::Contains("create nightly i-a 2026-11-25T00:00:00Z set=run-1"));
}

TEST(PlanOwnership, WithAnOwnerADeselectedInstanceIsAnOrphan) {
  Tags owners;
  const auto inv = with_owners(make_inventory({make_instance("i-a", {{"Backup", "no"}})},
                                              owned_by(daily_history("i-a", 3), owners, "team-a")),
                               owners);
  auto policy = make_policy("nightly", nightly, count(5));
  policy.orphan_keep_days = 2;
  auto config = one_policy(policy);
  config.owner = "team-a";
  const auto p = run(inv, config, "2026-11-26T09:00:00Z");
  // 11-23 and 11-24 are past 2 days; 11-25 (the newest) stays until 11-27.
  EXPECT_THAT(
      describe(p),
      ElementsAre("delete nightly i-a snap-a-02-0 (delete: orphan_keep_days 2 passed on "
                  "2026-11-25T00:00:00Z (instance i-a is no longer selected: no tag "
                  "Backup=true))",
                  HasSubstr("snap-a-02-1"), HasSubstr("snap-a-01-0"), HasSubstr("snap-a-01-1")));
}

TEST(PlanOwnership, TheOwnerIsWrittenOnEverySnapshot) {
  auto config = one_policy(make_policy("nightly", nightly));
  config.owner = "team-a";
  const auto p = run(make_inventory({make_instance("i-a")}), config, "2026-11-26T09:00:00Z");
  EXPECT_EQ(std::get<CreateAction>(p.actions.at(0)).tags.at("snapkeep:owner"), "team-a");
}

TEST(PlanOwnership, AnInstanceMissingFromAFilteredListingIsNotAnOrphan) {
  auto inv = make_inventory({}, daily_history("i-z", 3));
  inv.absent_instances_gone = false;  // not looked up by id
  auto policy = make_policy("nightly", nightly, count(1));
  policy.orphan_keep_days = 1;
  const auto p = run(inv, one_policy(policy), "2030-01-01T00:00:00Z");
  EXPECT_THAT(deletes(p), IsEmpty());
  EXPECT_THAT(describe(p), ElementsAre("skip nightly|i-z|: not in this run's instance listing: its "
                                       "3 restore points are left untouched"));
  EXPECT_EQ(unlisted_instance_ids(inv), std::vector<std::string>{"i-z"});
}

}  // namespace
}  // namespace snapkeep::core
