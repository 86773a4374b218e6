// engine::reconcile end to end over the in-process FakeEc2: the real Ec2
// client, QueryClient (signing, retries, pacing) and executor, on a fake
// clock. Checks the API-call lower bound of issue 4 section 2 and how the
// executor meets EC2's limits and failures.
#include "engine/reconcile.h"

#include <date/date.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>

#include "core/config.h"
#include "engine/render.h"
#include "support/fake_ec2.h"
#include "support/fleet.h"
#include "unit/aws/transport_fakes.h"

namespace snapkeep::engine {
namespace {

using snapkeep::testing::fake_error_answer;
using snapkeep::testing::FakeCall;
using snapkeep::testing::FakeEc2;
using snapkeep::testing::FaultStage;
using FaultAnswer = std::optional<aws::Result<aws::HttpResponse>>;

constexpr const char* kRegion = "us-east-1";

core::Config daily_config(int keep_daily, const std::vector<std::string>& regions = {kRegion}) {
  std::string yaml = "regions: [";
  for (std::size_t i = 0; i < regions.size(); ++i) yaml += (i ? ", " : "") + regions[i];
  yaml +=
      "]\npolicies:\n  - name: daily\n    select:\n      tags: {Backup: \"true\"}\n"
      "    schedule: \"cron(0 3 * * ? *)\"\n    retain: {daily: " +
      std::to_string(keep_daily) + "}\n";
  auto config = core::parse_config(yaml, "test.yaml");
  EXPECT_TRUE(config.has_value());
  return *config;
}

core::Time at_day(int day) {
  // 2026-02-01T03:30:00Z plus `day` days.
  return core::Time(date::sys_days(date::year{2026} / 2 / 1)) + std::chrono::hours(3) +
         std::chrono::minutes(30) + std::chrono::days(day);
}

std::int64_t own_snapshots(FakeEc2& ec2, const std::string& region) {
  std::int64_t n = 0;
  for (const auto& [id, s] : ec2.region(region).snapshots) n += s.tags.contains("snapkeep:policy");
  return n;
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

struct Harness {
  aws::testing::FakeClock clock;
  FakeEc2 ec2{clock};
  aws::RateLimiterRegistry limiter{clock};
  std::atomic<bool> stop{false};

  RunSummary run(const core::Config& config, core::Time now,
                 std::vector<std::string> regions = {kRegion}, int parallel = 4) {
    ReconcileOptions options;
    options.now = now;
    options.run_id = "run1";
    options.targets = snapkeep::testing::fake_targets(ec2, regions);
    options.parallel_targets = parallel;
    return reconcile(config, options, snapkeep::testing::fake_region_factory(ec2, clock, &limiter),
                     clock, stop);
  }
};

std::vector<const ActionResult*> results_of(const RunSummary& s, ActionKind action,
                                            Outcome outcome) {
  std::vector<const ActionResult*> out;
  for (const auto& r : s.results) {
    if (r.action == action && r.outcome == outcome) out.push_back(&r);
  }
  return out;
}

// Sums every action's calls in the summary, which must equal what the fake saw.
void expect_counters_agree(const RunSummary& s, const FakeEc2& ec2) {
  std::map<std::string, std::int64_t> from_summary;
  for (const auto& [action, c] : s.api_calls) {
    if (c.calls > 0) from_summary[action] = c.calls;
  }
  EXPECT_EQ(from_summary, ec2.calls());
}

TEST(ReconcileCalls, SeveralPagesAtTheLowerBound) {
  Harness h;
  auto config = daily_config(3);
  // 2,500 instances with 1-4 volumes: 6,250 volumes on four device names.
  snapkeep::testing::add_fleet(h.ec2, kRegion, 2500, [](int i) { return i % 4 + 1; },
                               {{"Backup", "true"}});
  snapkeep::testing::seed_history(h.ec2, kRegion, config, at_day(0), std::chrono::days(1), 5);
  std::int64_t history = own_snapshots(h.ec2, kRegion);
  ASSERT_EQ(history, 6250 * 3);  // daily: 3 leaves three points per volume

  auto s = h.run(config, at_day(5));
  EXPECT_EQ(s.exit_status(), 0);
  EXPECT_EQ(s.count(Outcome::created), 2500);
  EXPECT_EQ(s.count(Outcome::deleted), 6250);  // the oldest point of each volume
  EXPECT_EQ(s.count(Outcome::failed), 0);
  EXPECT_EQ(own_snapshots(h.ec2, kRegion), 6250 * 3);

  // Device tags go out in batches of 500 ids: xvda 2,500, sdf 1,875,
  // sdg 1,250, sdh 625 new snapshots. The attached volumes are described
  // once (500 a page) for the restore metadata of the new points.
  std::map<std::string, std::int64_t> lower_bound = {
      {"DescribeInstances", ceil_div(2500, 1000)},
      {"DescribeVolumes", ceil_div(6250, 500)},
      {"DescribeSnapshots", ceil_div(history, 1000)},
      {"DescribeImages", 1},
      {"CreateSnapshots", 2500},
      {"CreateTags", 5 + 4 + 3 + 2},
      {"DeleteSnapshot", 6250},
  };
  EXPECT_EQ(h.ec2.calls(), lower_bound);
  EXPECT_EQ(lower_bound["DescribeSnapshots"], 19);
  expect_counters_agree(s, h.ec2);
  for (const auto& [action, c] : s.api_calls) {
    EXPECT_EQ(c.retries, 0) << action;
    EXPECT_EQ(c.throttled, 0) << action;
  }
}

TEST(ReconcileCalls, NoImagesListedWhenNothingIsDeleted) {
  Harness h;
  auto config = daily_config(7);
  snapkeep::testing::add_fleet(h.ec2, kRegion, 1200, [](int) { return 2; }, {{"Backup", "true"}});
  snapkeep::testing::seed_history(h.ec2, kRegion, config, at_day(0), std::chrono::days(1), 2);
  std::int64_t history = own_snapshots(h.ec2, kRegion);
  ASSERT_EQ(history, 1200 * 2 * 2);

  auto s = h.run(config, at_day(2));
  EXPECT_EQ(s.exit_status(), 0);
  std::map<std::string, std::int64_t> lower_bound = {
      {"DescribeInstances", 2},
      {"DescribeVolumes", ceil_div(2400, 500)},
      {"DescribeSnapshots", ceil_div(history, 1000)},
      {"CreateSnapshots", 1200},
      {"CreateTags", 2 * 3},  // two devices, 1,200 ids each in batches of 500
  };
  EXPECT_EQ(h.ec2.calls(), lower_bound);
  expect_counters_agree(s, h.ec2);

  // A second run in the same slot lists and does nothing else.
  h.ec2.reset_counters();
  auto again = h.run(config, at_day(2) + std::chrono::minutes(5));
  EXPECT_EQ(again.count(Outcome::created), 0);
  std::map<std::string, std::int64_t> listing_only = {
      {"DescribeInstances", 2}, {"DescribeSnapshots", ceil_div(history + 2400, 1000)}};
  EXPECT_EQ(h.ec2.calls(), listing_only);
}

// A small fleet with history, for the executor's behaviour tests.
struct SmallFleet {
  Harness h;
  core::Config config = daily_config(2);
  std::vector<std::string> ids;

  explicit SmallFleet(int instances = 3) {
    ids = snapkeep::testing::add_fleet(h.ec2, kRegion, instances, [](int) { return 2; },
                                       {{"Backup", "true"}});
    snapkeep::testing::seed_history(h.ec2, kRegion, config, at_day(0), std::chrono::days(1), 2);
    h.ec2.reset_counters();
  }
  RunSummary run() { return h.run(config, at_day(2)); }
  std::int64_t calls(const std::string& action) {
    auto c = h.ec2.calls();
    return c.contains(action) ? c.at(action) : 0;
  }
};

std::string param(const FakeCall& call, const std::string& name) {
  auto it = call.params.find(name);
  return it == call.params.end() ? std::string() : it->second;
}

TEST(ReconcileExecutor, VolumeRateWaitsFifteenSecondsAndRetries) {
  SmallFleet f;
  f.h.ec2.set_fault_hook([](FaultStage stage, const FakeCall& call) -> FaultAnswer {
    if (stage == FaultStage::before && call.action == "CreateSnapshots" && call.number == 1) {
      return fake_error_answer(400, "SnapshotCreationPerVolumeRateExceeded", "too fast");
    }
    return std::nullopt;
  });
  auto s = f.run();
  EXPECT_EQ(s.exit_status(), 0);
  EXPECT_EQ(s.count(Outcome::created), 3);
  EXPECT_EQ(s.count(Outcome::deleted), 6);
  EXPECT_EQ(f.calls("CreateSnapshots"), 4);
  auto sleeps = f.h.clock.sleeps();
  EXPECT_TRUE(std::any_of(sleeps.begin(), sleeps.end(),
                          [](auto d) { return d >= std::chrono::seconds(15); }));
  EXPECT_GE(f.h.clock.elapsed(), std::chrono::seconds(15));
  expect_counters_agree(s, f.h.ec2);
}

TEST(ReconcileExecutor, LimitedInstancesShareOneWaitPerRound) {
  // Two instances meet EC2's limits once each: they are tried again after
  // the third, behind a single wait, not one wait each.
  SmallFleet f;
  int faulted = 0;
  f.h.ec2.set_fault_hook([&](FaultStage stage, const FakeCall& call) -> FaultAnswer {
    if (stage != FaultStage::before || call.action != "CreateSnapshots" || call.number > 2) {
      return std::nullopt;
    }
    ++faulted;
    return call.number == 1
               ? fake_error_answer(400, "SnapshotCreationPerVolumeRateExceeded", "too fast")
               : fake_error_answer(400, "ConcurrentSnapshotLimitExceeded", "pending");
  });
  auto s = f.run();
  EXPECT_EQ(faulted, 2);
  EXPECT_EQ(s.exit_status(), 0);
  EXPECT_EQ(s.count(Outcome::created), 3);
  EXPECT_EQ(s.count(Outcome::deleted), 6);
  EXPECT_EQ(f.calls("CreateSnapshots"), 5);
  auto sleeps = f.h.clock.sleeps();
  EXPECT_EQ(std::count(sleeps.begin(), sleeps.end(), std::chrono::milliseconds(15000)), 1);
  // Results stay in plan order.
  auto created = results_of(s, ActionKind::create, Outcome::created);
  ASSERT_EQ(created.size(), 3u);
  EXPECT_EQ(created[0]->instance_id, f.ids[0]);
  EXPECT_EQ(created[1]->instance_id, f.ids[1]);
  EXPECT_EQ(created[2]->instance_id, f.ids[2]);
  expect_counters_agree(s, f.h.ec2);
}

void expect_limit_skip(const std::string& code, std::int64_t creates, int waits) {
  SmallFleet f;
  std::string blocked = f.ids[1];
  f.h.ec2.set_fault_hook([&](FaultStage stage, const FakeCall& call) -> FaultAnswer {
    if (stage == FaultStage::before && call.action == "CreateSnapshots" &&
        param(call, "InstanceSpecification.InstanceId") == blocked) {
      return fake_error_answer(400, code, "limit");
    }
    return std::nullopt;
  });
  auto before = f.h.ec2.region(kRegion).snapshots;
  auto s = f.run();
  EXPECT_EQ(s.exit_status(), 1);
  EXPECT_FALSE(s.has_failures());
  EXPECT_TRUE(s.has_limit_skips());
  auto skipped = results_of(s, ActionKind::create, Outcome::skipped);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0]->instance_id, blocked);
  EXPECT_TRUE(skipped[0]->limit);
  EXPECT_EQ(skipped[0]->error_code, code);
  EXPECT_EQ(s.count(Outcome::created), 2);
  // The blocked instance is tried `creates - 2` times, behind `waits` waits.
  EXPECT_EQ(f.calls("CreateSnapshots"), creates);
  auto sleeps = f.h.clock.sleeps();
  EXPECT_EQ(std::count(sleeps.begin(), sleeps.end(), std::chrono::milliseconds(15000)), waits);
  // The blocked instance's deletions wait; the others' go ahead.
  EXPECT_EQ(f.calls("DeleteSnapshot"), 4);
  for (const auto* r : results_of(s, ActionKind::delete_snapshot, Outcome::skipped))
    EXPECT_EQ(r->instance_id, blocked);
  EXPECT_EQ(results_of(s, ActionKind::delete_snapshot, Outcome::skipped).size(), 2u);
  for (const auto& [id, snap] : before) {
    if (snap.tags.at("snapkeep:instance") == blocked) {
      EXPECT_TRUE(f.h.ec2.region(kRegion).snapshots.contains(id)) << id;
    }
  }
}

TEST(ReconcileExecutor, ConcurrentSnapshotLimitRetriedThenSkipsTheInstance) {
  // Four tries in all (ExecutorOptions::limit_attempts), three waits.
  expect_limit_skip("ConcurrentSnapshotLimitExceeded", 2 + 4, 3);
}

TEST(ReconcileExecutor, VolumeRateRetriedThenSkipsTheInstance) {
  expect_limit_skip("SnapshotCreationPerVolumeRateExceeded", 2 + 4, 3);
}

TEST(ReconcileExecutor, IncorrectStateSkipsTheInstance) {
  expect_limit_skip("IncorrectState", 3, 0);  // never retried within the run
}

TEST(ReconcileExecutor, DeleteInUseIsSkippedAndNotFoundIsDeleted) {
  SmallFleet f;
  std::vector<std::string> answered;
  int n = 0;
  f.h.ec2.set_fault_hook([&](FaultStage stage, const FakeCall& call) -> FaultAnswer {
    if (stage != FaultStage::before || call.action != "DeleteSnapshot") return std::nullopt;
    ++n;
    if (n == 1) return fake_error_answer(400, "InvalidSnapshot.InUse", "used by ami-1");
    if (n == 2) return fake_error_answer(400, "InvalidSnapshot.NotFound", "gone");
    return std::nullopt;
  });
  auto s = f.run();
  EXPECT_EQ(s.exit_status(), 0);
  EXPECT_EQ(s.count(Outcome::failed), 0);
  EXPECT_EQ(s.count(Outcome::deleted), 5);
  auto skipped = results_of(s, ActionKind::delete_snapshot, Outcome::skipped);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0]->error_code, "InvalidSnapshot.InUse");
  EXPECT_EQ(f.calls("DeleteSnapshot"), 6);  // neither is retried
}

TEST(ReconcileExecutor, AmbiguousCreateFailureFindsTheSetInsteadOfDuplicating) {
  SmallFleet f;
  f.h.ec2.set_fault_hook([](FaultStage stage, const FakeCall& call) -> FaultAnswer {
    // The fake has made the set; the caller hears only a 500.
    if (stage == FaultStage::after && call.action == "CreateSnapshots" && call.number == 1) {
      return fake_error_answer(500, "InternalError", "An internal error has occurred");
    }
    return std::nullopt;
  });
  auto s = f.run();
  EXPECT_EQ(s.exit_status(), 0);
  EXPECT_EQ(s.count(Outcome::created), 3);
  EXPECT_EQ(f.calls("CreateSnapshots"), 3);  // no second call for the first instance
  // The lookup by snapkeep:set tag: one more DescribeSnapshots than the listing.
  EXPECT_EQ(f.calls("DescribeSnapshots"), 2);
  // Exactly one set per instance for this slot: 3 points per volume now
  // (two kept from history, the new one) minus the oldest deleted.
  std::map<std::string, int> per_volume;
  for (const auto& [id, snap] : f.h.ec2.region(kRegion).snapshots) ++per_volume[snap.volume_id];
  EXPECT_EQ(per_volume.size(), 6u);
  for (const auto& [volume, n] : per_volume) EXPECT_EQ(n, 2) << volume;
  auto created = results_of(s, ActionKind::create, Outcome::created);
  ASSERT_EQ(created.size(), 3u);
  EXPECT_EQ(created[0]->snapshot_ids.size(), 2u);
  expect_counters_agree(s, f.h.ec2);
}

TEST(ReconcileExecutor, ListingFailureDeletesNothing) {
  SmallFleet f;
  f.h.ec2.set_fault_hook([](FaultStage stage, const FakeCall& call) -> FaultAnswer {
    if (stage == FaultStage::before && call.action == "DescribeSnapshots") {
      return fake_error_answer(503, "ServiceUnavailable", "try later");
    }
    return std::nullopt;
  });
  auto s = f.run();
  EXPECT_EQ(s.exit_status(), 1);
  ASSERT_EQ(s.regions.size(), 1u);
  EXPECT_FALSE(s.regions[0].complete);
  EXPECT_EQ(f.calls("DeleteSnapshot"), 0);
  EXPECT_EQ(f.calls("DescribeImages"), 0);
  EXPECT_EQ(f.calls("DescribeSnapshots"), 3);  // the standard retry policy's three attempts
  EXPECT_EQ(s.count(Outcome::deleted), 0);
}

TEST(ReconcileExecutor, StopFlagStartsNoNewAction) {
  SmallFleet f;
  // Ctrl-C arrives while the first CreateSnapshots is in flight.
  f.h.ec2.set_fault_hook([&](FaultStage stage, const FakeCall& call) -> FaultAnswer {
    if (stage == FaultStage::after && call.action == "CreateSnapshots") f.h.stop = true;
    return std::nullopt;
  });
  auto s = f.run();
  EXPECT_TRUE(s.interrupted);
  EXPECT_EQ(s.exit_status(), 1);
  EXPECT_EQ(s.count(Outcome::created), 1);
  EXPECT_EQ(f.calls("CreateSnapshots"), 1);
  EXPECT_EQ(f.calls("DeleteSnapshot"), 0);
  EXPECT_EQ(f.calls("CreateTags"), 0);

  // Set before the run: nothing at all is sent.
  SmallFleet g;
  g.h.stop = true;
  auto none = g.run();
  EXPECT_TRUE(none.interrupted);
  EXPECT_EQ(none.exit_status(), 1);
  EXPECT_TRUE(g.h.ec2.calls().empty());
}

TEST(ReconcileParallel, ParallelRegionsGiveTheSerialSummary) {
  const std::vector<std::string> regions = {"us-east-1", "us-west-2", "eu-west-1", "ap-south-1",
                                            "eu-central-1"};
  auto config = daily_config(2, regions);
  auto build = [&](Harness& h) {
    for (std::size_t i = 0; i < regions.size(); ++i) {
      snapkeep::testing::add_fleet(h.ec2, regions[i], static_cast<int>(20 + i * 7),
                                   [](int k) { return k % 3 + 1; }, {{"Backup", "true"}});
      snapkeep::testing::seed_history(h.ec2, regions[i], config, at_day(0), std::chrono::days(1),
                                      3);
    }
  };
  Harness serial_h;
  Harness parallel_h;
  build(serial_h);
  build(parallel_h);
  auto serial = serial_h.run(config, at_day(3), regions, 1);
  auto parallel = parallel_h.run(config, at_day(3), regions, 4);
  // New snapshot ids come from one counter shared by every region, so they
  // depend on thread timing; everything else must not.
  for (auto* summary : {&serial, &parallel}) {
    summary->seconds = 0;
    for (auto& r : summary->results) {
      if (r.action == ActionKind::create || r.action == ActionKind::tag_device) {
        r.snapshot_ids = {std::to_string(r.snapshot_ids.size())};
      }
    }
  }
  EXPECT_EQ(serial.exit_status(), 0);
  auto a = to_json(serial);
  auto b = to_json(parallel);
  EXPECT_EQ(a, b);
  EXPECT_EQ(serial_h.ec2.calls(), parallel_h.ec2.calls());
  expect_counters_agree(parallel, parallel_h.ec2);
  EXPECT_EQ(parallel.regions.size(), regions.size());
  EXPECT_GT(parallel.count(Outcome::created), 0);
  EXPECT_GT(parallel.count(Outcome::deleted), 0);
}

TEST(ReconcilePhases, EveryTargetIsListedBeforeAnyIsPlanned) {
  // So that a later step (copies) can read another target's listing.
  const std::vector<std::string> regions = {"us-east-1", "us-west-2", "eu-west-1"};
  Harness h;
  auto config = daily_config(2, regions);
  for (const auto& region : regions) {
    snapkeep::testing::add_fleet(h.ec2, region, 5, [](int) { return 2; }, {{"Backup", "true"}});
  }
  std::vector<std::string> order;  // the hook runs under the fake's lock
  h.ec2.set_fault_hook([&](FaultStage stage, const FakeCall& call) -> FaultAnswer {
    if (stage == FaultStage::before) order.push_back(call.action);
    return std::nullopt;
  });
  auto s = h.run(config, at_day(1), regions, 4);
  EXPECT_EQ(s.exit_status(), 0);
  auto last_listing = std::find_if(order.rbegin(), order.rend(), [](const std::string& a) {
    return a == "DescribeInstances" || a == "DescribeSnapshots";
  });
  auto first_create = std::find(order.begin(), order.end(), "CreateSnapshots");
  ASSERT_NE(first_create, order.end());
  EXPECT_LT(std::distance(order.begin(), last_listing.base()) - 1,
            std::distance(order.begin(), first_create));
  EXPECT_EQ(std::count(order.begin(), order.end(), "DescribeInstances"), 3);
  EXPECT_EQ(std::count(order.begin(), order.end(), "DescribeSnapshots"), 3);
}

TEST(ReconcileWarnings, SelectsNothingIsNotSaidWhenAListingFailed) {
  const std::vector<std::string> regions = {"us-east-1", "eu-west-1"};
  Harness h;
  auto config = daily_config(2, regions);
  snapkeep::testing::add_fleet(h.ec2, "us-east-1", 2, [](int) { return 1; }, {{"Backup", "no"}});
  h.ec2.set_fault_hook([](FaultStage stage, const FakeCall& call) -> FaultAnswer {
    if (stage == FaultStage::before && call.action == "DescribeInstances" &&
        call.region == "eu-west-1") {
      return fake_error_answer(403, "UnauthorizedOperation", "no");
    }
    return std::nullopt;
  });
  auto s = h.run(config, at_day(1), regions);
  EXPECT_EQ(s.exit_status(), 1);
  EXPECT_FALSE(s.has_failure_warnings()) << "eu-west-1 may hold the instances";
  // With every listing complete it is said.
  h.ec2.set_fault_hook({});
  auto again = h.run(config, at_day(1), regions);
  EXPECT_TRUE(again.has_failure_warnings());
}

TEST(ReconcileTargets, TheAccountIdComesFromTheTargetNeverFromASnapshotOwner) {
  Harness h;
  auto config = daily_config(2);
  snapkeep::testing::add_fleet(h.ec2, kRegion, 2, [](int) { return 1; }, {{"Backup", "true"}});
  snapkeep::testing::seed_history(h.ec2, kRegion, config, at_day(0), std::chrono::days(1), 2);
  ReconcileOptions options;
  options.mode = RunMode::plan;
  options.now = at_day(2);
  options.run_id = "run1";
  Target unknown{{}, kRegion};  // GetCallerIdentity failed
  options.targets = {unknown};
  auto s =
      reconcile(config, options, snapkeep::testing::fake_region_factory(h.ec2, h.clock, nullptr),
                h.clock, h.stop);
  ASSERT_EQ(s.regions.size(), 1u);
  EXPECT_EQ(s.regions[0].account, "");
  for (const auto& r : s.results) EXPECT_EQ(r.account, "") << r.reason;
}

core::Config team_config(const std::string& team, int count, const std::string& owner = {}) {
  auto config = core::parse_config(
      (owner.empty() ? std::string() : "owner: " + owner + "\n") +
          "regions: [us-east-1]\npolicies:\n  - name: nightly\n    select: {tags: {Team: " + team +
          "}}\n    schedule: \"cron(0 3 * * ? *)\"\n    retain: {count: " + std::to_string(count) +
          "}\n    orphan_keep_days: 2\n",
      "test.yaml");
  EXPECT_TRUE(config.has_value());
  return *config;
}

// Issue 9 blockers 1 and 2 through the engine: team B's listing is filtered
// to Team=b, so the engine looks up by id the instances with snapkeep
// snapshots it did not list. Team A's existing instance keeps all its
// points; the points of an instance that is gone expire after
// orphan_keep_days, whatever count says, the newest last.
TEST(ReconcileOwnership, AnotherTeamsInstanceIsLeftAloneAndAGoneOnesPointsExpire) {
  Harness h;
  const auto one = [](int) { return 1; };
  const auto a = snapkeep::testing::add_fleet(h.ec2, kRegion, 1, one, {{"Team", "a"}});
  snapkeep::testing::add_fleet(h.ec2, kRegion, 1, one, {{"Team", "b"}});
  const auto z = snapkeep::testing::add_fleet(h.ec2, kRegion, 1, one, {{"Team", "a"}});
  snapkeep::testing::seed_history(h.ec2, kRegion, team_config("a", 10), at_day(0),
                                  std::chrono::days(1), 5);
  ASSERT_EQ(own_snapshots(h.ec2, kRegion), 10);
  std::erase_if(h.ec2.region(kRegion).instances,
                [&](const auto& i) { return i.id == z[0]; });  // z is gone

  auto s = h.run(team_config("b", 1), at_day(5));
  EXPECT_EQ(s.exit_status(), 0);
  EXPECT_EQ(s.count(Outcome::created), 1);  // b's first point
  const auto deleted = results_of(s, ActionKind::delete_snapshot, Outcome::deleted);
  // z's points of days 0-3 are past orphan_keep_days 2; day 4's is not yet.
  ASSERT_EQ(deleted.size(), 4u);
  for (const auto* r : deleted) {
    EXPECT_EQ(r->instance_id, z[0]);
    EXPECT_NE(r->reason.find("orphan_keep_days 2 passed"), std::string::npos) << r->reason;
  }
  std::int64_t a_points = 0;
  for (const auto& [id, snap] : h.ec2.region(kRegion).snapshots) {
    a_points +=
        snap.tags.contains("snapkeep:instance") && snap.tags.at("snapkeep:instance") == a[0];
  }
  EXPECT_EQ(a_points, 5);
  EXPECT_EQ(h.ec2.calls().at("DescribeInstances"), 2);  // the listing, then the lookup by id
}

}  // namespace
}  // namespace snapkeep::engine
