// core/report: statuses against the schedule (ok, late, missing,
// unprotected and why), points, copies and drills per instance, aggregates,
// findings; and properties over random fleets.
#include "core/report.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <map>

#include "unit/core/plan_fixtures.h"

namespace snapkeep::core {
namespace {

using namespace snapkeep::core::testing;

ReportRegion region_of(RegionInventory inv) {
  ReportRegion r;
  r.inventory = std::move(inv);
  return r;
}

const InstanceReport& find(const CoverageReport& report, std::string_view id) {
  for (const auto& i : report.instances) {
    if (i.instance_id == id) return i;
  }
  throw std::runtime_error("no instance " + std::string(id));
}

TEST(Report, OkWhenTheLastGoodPointIsForTheCurrentOrPreviousSlot) {
  auto config = one_policy(make_policy("nightly", nightly));
  // daily_history's newest point is for 2026-11-25T00:00:00Z.
  auto inv = make_inventory({make_instance("i-1")}, daily_history("i-1", 3));
  for (const char* now : {"2026-11-25T10:00:00Z", "2026-11-26T10:00:00Z"}) {
    auto report = build_report(config, {region_of(inv)}, at(now));
    const auto& i = find(report, "i-1");
    EXPECT_EQ(i.status, CoverageStatus::ok) << now;
    EXPECT_EQ(i.last_good_slot, at("2026-11-25T00:00:00Z"));
    EXPECT_EQ(i.points, 3);
    EXPECT_EQ(i.snapshots, 6);
    EXPECT_EQ(i.rpo, std::chrono::hours{24});
    EXPECT_EQ(i.policies, std::vector<std::string>{"nightly"});
    EXPECT_EQ(report.exit_status(), 0);
  }
}

TEST(Report, LateOnceTwoSlotsPassedWithoutAGoodPoint) {
  auto config = one_policy(make_policy("nightly", nightly));
  auto inv = make_inventory({make_instance("i-1")}, daily_history("i-1", 3));
  auto report = build_report(config, {region_of(inv)}, at("2026-11-27T00:00:00Z"));
  const auto& i = find(report, "i-1");
  EXPECT_EQ(i.status, CoverageStatus::late);
  EXPECT_EQ(*i.last_good_age, std::chrono::hours{48});
  ASSERT_EQ(i.reasons.size(), 1u);
  EXPECT_NE(i.reasons[0].find("2026-11-26T00:00:00Z"), std::string::npos);
  EXPECT_EQ(report.summary.late, 1);
  EXPECT_EQ(report.exit_status(), 1);
}

TEST(Report, MissingWhenSelectedAndNeverBackedUpEvenWithAPendingPoint) {
  auto config = one_policy(make_policy("nightly", nightly));
  auto inv = make_inventory({make_instance("i-1"), make_instance("i-2")},
                            {{"s1", "nightly", "i-2", "2026-11-25T00:00:00Z", "a",
                              SnapshotState::pending, "vol-2-0", "/dev/xvda"}});
  auto report = build_report(config, {region_of(inv)}, at("2026-11-25T01:00:00Z"));
  EXPECT_EQ(find(report, "i-1").status, CoverageStatus::missing);
  const auto& two = find(report, "i-2");
  EXPECT_EQ(two.status, CoverageStatus::missing);
  EXPECT_NE(two.reasons[0].find("pending"), std::string::npos);
  EXPECT_EQ(two.points, 1);
  EXPECT_EQ(report.summary.missing, 2);
  EXPECT_EQ(report.exit_status(), 1);
}

TEST(Report, UnprotectedSaysWhy) {
  auto policy = make_policy("nightly", nightly);
  policy.select.exclude_tags = {{"Backup", "false"}};
  policy.snapshot.exclude_devices = {"/dev/xvda", "/dev/sdf"};
  auto other = make_policy("weekly", "cron(0 0 ? * SUN *)", {}, {{"Team", "web"}});
  other.select.exclude_tags = {{"Env", "dev"}};
  Config config;
  config.policies = {policy, other};
  auto inv = make_inventory({make_instance("i-1", {{"Backup", "true"}}),
                             make_instance("i-2", {{"Name", "scratch"}}),
                             make_instance("i-3", {{"Team", "web"}, {"Env", "dev"}})});
  auto report = build_report(config, {region_of(inv)}, at("2026-11-25T01:00:00Z"));
  const auto& one = find(report, "i-1");
  EXPECT_EQ(one.status, CoverageStatus::unprotected);
  EXPECT_EQ(one.reasons, std::vector<std::string>{"all volumes excluded by policy nightly"});
  const auto& two = find(report, "i-2");
  EXPECT_EQ(two.name, "scratch");
  EXPECT_EQ(two.reasons, std::vector<std::string>{"no policy selects it"});
  EXPECT_EQ(find(report, "i-3").reasons,
            std::vector<std::string>{"excluded by exclude_tags of policy weekly"});
  EXPECT_EQ(report.summary.unprotected, 3);
  EXPECT_EQ(report.selected, 0);
  EXPECT_EQ(report.exit_status(), 0);  // nothing selected is late or missing
}

TEST(Report, WorstPolicyDecidesAndRateSchedulesHaveTheirInterval) {
  Config config;
  config.policies = {make_policy("nightly", nightly), make_policy("hourly", "rate(1 hour)")};
  auto inv = make_inventory({make_instance("i-1")}, daily_history("i-1", 1));
  auto report = build_report(config, {region_of(inv)}, at("2026-11-25T05:30:00Z"));
  const auto& i = find(report, "i-1");
  EXPECT_EQ(i.status, CoverageStatus::missing);  // hourly never ran
  EXPECT_EQ(i.rpo, std::chrono::hours{24});      // the longest promise
  EXPECT_EQ(report.policies[0].counts.ok, 1);
  EXPECT_EQ(report.policies[1].counts.missing, 1);
  EXPECT_EQ(report.policies[0].points, 1);
  EXPECT_EQ(report.policies[0].snapshots, 2);
}

TEST(Report, FindingsUnownedOrphansDuplicatesErrorsStuck) {
  auto config = one_policy(make_policy("daily", nightly));
  config.policies[0].orphan_keep_days = 30;
  auto history = daily_history("i-1", 2, "nightly");  // the policy's old name
  auto gone = daily_history("i-9", 1, "daily");
  history.insert(history.end(), gone.begin(), gone.end());
  history.push_back({"dup", "daily", "i-2", "2026-11-25T00:00:00Z", "x", SnapshotState::completed,
                     "vol-2-0", "/dev/xvda"});
  history.push_back({"dup2", "daily", "i-2", "2026-11-25T00:00:00Z", "y", SnapshotState::completed,
                     "vol-2-0", "/dev/xvda"});
  history.push_back({"err", "daily", "i-2", "2026-11-24T00:00:00Z", "e", SnapshotState::error,
                     "vol-2-0", "/dev/xvda"});
  history.push_back({"pend", "daily", "i-2", "2026-11-20T00:00:00Z", "p", SnapshotState::pending,
                     "vol-2-0", "/dev/xvda"});
  auto inv = make_inventory({make_instance("i-1"), make_instance("i-2")}, history);
  auto report = build_report(config, {region_of(inv)}, at("2026-11-25T06:00:00Z"));
  std::map<Finding::Kind, const Finding*> by_kind;
  for (const auto& f : report.findings) by_kind[f.kind] = &f;
  ASSERT_EQ(report.findings.size(), 5u);
  const auto* unowned = by_kind.at(Finding::Kind::unowned_policy);
  EXPECT_EQ(unowned->policy, "nightly");
  EXPECT_EQ(unowned->points, 2);
  EXPECT_EQ(unowned->snapshots, 4);
  const auto* orphan = by_kind.at(Finding::Kind::orphan);
  EXPECT_EQ(orphan->instance_id, "i-9");
  EXPECT_EQ(orphan->release, at("2026-12-25T00:00:00Z"));
  EXPECT_EQ(by_kind.at(Finding::Kind::duplicate)->points, 2);
  EXPECT_EQ(by_kind.at(Finding::Kind::errored)->slot, at("2026-11-24T00:00:00Z"));
  EXPECT_EQ(by_kind.at(Finding::Kind::stuck_pending)->instance_id, "i-2");
  // Points of the old name are not the instance's under the new one.
  EXPECT_EQ(find(report, "i-1").status, CoverageStatus::missing);
  EXPECT_EQ(find(report, "i-1").points, 0);
}

TEST(Report, CopiesAndDrillsPerInstance) {
  auto config = one_policy(make_policy("nightly", nightly));
  auto source = make_inventory({make_instance("i-1")}, daily_history("i-1", 2));
  source.snapshots[0].start_time = at("2026-11-25T00:00:05Z");
  ReportRegion src = region_of(source);
  src.drills[source.snapshots[0].id.str()] = "pass 2026-11-25T03:00:00Z 42";
  auto copy_inv = make_inventory({}, daily_history("i-1", 1));
  copy_inv.region = "us-west-2";
  for (auto& s : copy_inv.snapshots) {
    s.tags.copy = "111122223333:us-west-2";
    s.tags.copy_of = "111122223333:us-east-1:snap-x";
  }
  auto report = build_report(config, {region_of(copy_inv), src}, at("2026-11-25T06:00:00Z"));
  ASSERT_EQ(report.instances.size(), 1u);
  const auto& i = report.instances[0];
  EXPECT_EQ(i.points, 2);  // copies are not its own region's points
  ASSERT_EQ(i.copies.size(), 1u);
  EXPECT_EQ(i.copies[0].target, "111122223333:us-west-2");
  EXPECT_EQ(i.copies[0].newest_slot, at("2026-11-25T00:00:00Z"));
  EXPECT_EQ(i.timeline.size(), 3u);
  ASSERT_TRUE(i.last_drill);
  EXPECT_TRUE(i.last_drill->passed);
  EXPECT_TRUE(report.findings.empty());  // a copy's instance lives elsewhere: not an orphan
  EXPECT_EQ(report.regions[0].region, "us-east-1");
}

TEST(Report, AFailedListingMakesTheExitStatusOne) {
  auto config = one_policy(make_policy("nightly", nightly));
  ReportRegion r = region_of(make_inventory({}));
  r.complete = false;
  r.problem = "listing instances failed";
  auto report = build_report(config, {r}, at("2026-11-25T06:00:00Z"));
  EXPECT_FALSE(report.complete);
  EXPECT_EQ(report.exit_status(), 1);
}

// Random fleets: a few instances with random tags and states, points of
// random policies, slots and states.
struct Fleet {
  Config config;
  RegionInventory inventory;
  Time now{};
};

Fleet random_fleet() {
  Fleet f;
  f.config.policies = {make_policy("nightly", nightly),
                       make_policy("six", "rate(6 hours)", {}, {{"Tier", "*"}})};
  f.now = at("2026-11-25T00:00:00Z") + std::chrono::minutes{*rc::gen::inRange(0, 60 * 24 * 3)};
  const int n = *rc::gen::inRange(0, 12);
  std::vector<Instance> instances;
  std::vector<SnapSpec> snaps;
  for (int k = 0; k < n; ++k) {
    Tags tags;
    if (*rc::gen::arbitrary<bool>()) tags["Backup"] = "true";
    if (*rc::gen::arbitrary<bool>()) tags["Tier"] = "web";
    const auto state = *rc::gen::element(InstanceState::running, InstanceState::stopped,
                                         InstanceState::terminated, InstanceState::pending);
    const std::string id = fmt::format("i-{}", k);
    instances.push_back(make_instance(id, tags, state));
    const int points = *rc::gen::inRange(0, 4);
    for (int p = 0; p < points; ++p) {
      const auto slot =
          at("2026-11-22T00:00:00Z") + std::chrono::hours{6 * *rc::gen::inRange(0, 16)};
      snaps.push_back({fmt::format("snap-{}-{}", k, p),
                       *rc::gen::element<std::string>("nightly", "six", "renamed"), id,
                       format_slot(slot), fmt::format("s{}", p),
                       *rc::gen::element(SnapshotState::completed, SnapshotState::pending,
                                         SnapshotState::error),
                       "vol-" + std::to_string(k) + "-0", "/dev/xvda"});
    }
  }
  f.inventory = make_inventory(std::move(instances), std::move(snaps));
  return f;
}

RC_GTEST_PROP(ReportProperties, EveryLiveInstanceAppearsExactlyOnce, ()) {
  const auto f = random_fleet();
  const auto report = build_report(f.config, {region_of(f.inventory)}, f.now);
  std::map<std::string, int> seen;
  for (const auto& i : report.instances) ++seen[i.instance_id];
  for (const auto& i : f.inventory.instances) {
    RC_ASSERT(seen[i.id] == (i.state == InstanceState::terminated ? 0 : 1));
  }
  RC_ASSERT(report.summary.total() == static_cast<int>(report.instances.size()));
  int selected = 0;
  for (const auto& i : report.instances) {
    RC_ASSERT((i.status == CoverageStatus::unprotected) == i.policies.empty());
    RC_ASSERT(i.status == CoverageStatus::ok || !i.reasons.empty());
    if (!i.policies.empty()) ++selected;
  }
  RC_ASSERT(selected == report.selected);
  RC_ASSERT((report.exit_status() == 0) == (report.summary.late + report.summary.missing == 0));
}

RC_GTEST_PROP(ReportProperties, AGoodPointForTheCurrentSlotOfEveryPolicyIsOk, ()) {
  auto f = random_fleet();
  // Give every instance a good point for the current slot of every policy
  // that selects it: it must then be ok, whatever else exists.
  std::vector<SnapSpec> extra;
  for (const auto& i : f.inventory.instances) {
    for (const auto& p : f.config.policies) {
      const auto slot = p.schedule.previous_fire(f.now);
      extra.push_back({"snap-cur-" + i.id + p.name, p.name, i.id, format_slot(*slot), "cur",
                       SnapshotState::completed, "vol-x", "/dev/xvda"});
    }
  }
  for (const auto& s : extra) f.inventory.snapshots.push_back(make_snapshot(s));
  const auto report = build_report(f.config, {region_of(f.inventory)}, f.now);
  for (const auto& i : report.instances) {
    RC_ASSERT(i.status == CoverageStatus::ok || i.status == CoverageStatus::unprotected);
    if (i.status == CoverageStatus::ok) RC_ASSERT(i.last_good_age->count() >= 0);
  }
  RC_ASSERT(report.exit_status() == 0);
}

RC_GTEST_PROP(ReportProperties, TotalsAddUp, ()) {
  const auto f = random_fleet();
  const auto report = build_report(f.config, {region_of(f.inventory)}, f.now);
  int policy_points = 0;
  for (const auto& p : report.policies) policy_points += p.points;
  RC_ASSERT(report.regions.size() == 1u);
  RC_ASSERT(report.regions[0].points == policy_points);
  RC_ASSERT(report.regions[0].counts.total() == report.summary.total());
  int instance_points = 0;
  for (const auto& i : report.instances) instance_points += i.points;
  int orphan_points = 0;
  for (const auto& fd : report.findings) {
    if (fd.kind == Finding::Kind::orphan) orphan_points += fd.points;
  }
  RC_ASSERT(instance_points + orphan_points == policy_points);
}

}  // namespace
}  // namespace snapkeep::core
