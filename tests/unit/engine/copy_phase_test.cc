// The copy step of run_once (engine/copy_phase.h) over the FakeEc2 and its
// copy model: copies of completed points with their tags, nothing copied
// twice on a rerun, max_in_flight counting pending copies, a copy in error
// reported with EC2's state message then copied again, retention at the
// destination, plan changing nothing, and a failed destination listing
// copying nothing (docs/copies.md).
#include <date/date.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/config.h"
#include "engine/render.h"
#include "engine/run.h"
#include "support/fake_aws_access.h"
#include "support/fleet.h"
#include "unit/aws/transport_fakes.h"

namespace snapkeep::engine {
namespace {

using snapkeep::testing::FakeAwsAccess;
using snapkeep::testing::FakeEc2;

constexpr const char* kSource = "us-east-1";
constexpr const char* kDestination = "us-west-2";

core::Time slot(int day) {
  return core::Time(date::sys_days(date::year{2026} / 2 / 1)) + std::chrono::hours(3) +
         std::chrono::days(day);
}

core::Config copy_config(const std::string& copy_extra = "",
                         const std::string& copy_retain = "{count: 2}") {
  auto config = core::parse_config(
      std::string("regions: [us-east-1]\npolicies:\n  - name: daily\n    select:\n      tags: "
                  "{Backup: \"true\"}\n    schedule: \"cron(0 3 * * ? *)\"\n    snapshot: {tags: "
                  "{CostCenter: ops}}\n    retain: {daily: 7}\n    copies:\n      - region: "
                  "us-west-2\n        retain: ") +
          copy_retain + "\n" + copy_extra,
      "test.yaml");
  EXPECT_TRUE(config.has_value()) << (config ? "" : config.error().front().to_string());
  return config ? *config : core::Config{};
}

struct Harness {
  aws::testing::FakeClock clock;
  FakeEc2 ec2{clock};
  FakeAwsAccess access{ec2, clock};
  aws::testing::FakeTransport hooks;

  explicit Harness(int instances = 2) {
    snapkeep::testing::add_fleet(ec2, kSource, instances, [](int) { return 2; },
                                 {{"Backup", "true"}});
  }

  RunSummary run(const core::Config& config, core::Time now, RunMode mode = RunMode::run,
                 std::vector<std::string> regions = {}, core::Shard shard = {}) {
    RunRequest request;
    request.shard = shard;
    request.config = &config;
    request.mode = mode;
    request.now = now;
    request.run_id = "run1";
    request.regions = std::move(regions);
    return run_once(request, RunServices{&access, &hooks, &clock});
  }

  std::int64_t calls(const std::string& action) const {
    auto all = ec2.calls();
    return all.contains(action) ? all.at(action) : 0;
  }

  std::vector<const snapkeep::testing::FakeSnapshot*> copies() {
    std::vector<const snapkeep::testing::FakeSnapshot*> out;
    for (const auto& [id, s] : ec2.region(kDestination).snapshots) out.push_back(&s);
    return out;
  }

  // The slot of every copy at the destination, one entry per snapshot.
  std::multiset<std::string> copy_slots() {
    std::multiset<std::string> out;
    for (const auto* c : copies()) out.insert(c->tags.at("snapkeep:slot"));
    return out;
  }
};

std::int64_t count_of(const RunSummary& s, ActionKind kind, Outcome outcome) {
  return std::count_if(s.results.begin(), s.results.end(), [&](const ActionResult& r) {
    return r.action == kind && r.outcome == outcome;
  });
}

TEST(CopyPhase, CopiesCompletedPointsWithTheirTagsAndNeverTwice) {
  Harness h;
  const core::Config config = copy_config();
  // The first run creates the points; they were not in its listing, so
  // they are copied by the next run.
  auto first = h.run(config, slot(0) + std::chrono::minutes(5));
  EXPECT_EQ(first.exit_status(), 0) << render_text(first, true);
  EXPECT_EQ(first.count(Outcome::created), 2);
  EXPECT_EQ(h.calls("CopySnapshot"), 0);
  ASSERT_EQ(first.copies.size(), 1u);
  EXPECT_EQ(first.copies[0].destination_region, kDestination);
  EXPECT_TRUE(first.copies[0].complete);

  auto second = h.run(config, slot(0) + std::chrono::minutes(10));
  EXPECT_EQ(second.exit_status(), 0) << render_text(second, true);
  EXPECT_EQ(count_of(second, ActionKind::copy, Outcome::started), 4);
  ASSERT_EQ(second.copies.size(), 1u);
  EXPECT_EQ(second.copies[0].started, 4);
  EXPECT_EQ(h.calls("CopySnapshot"), 4);
  for (const auto& r : second.results) {
    if (r.action != ActionKind::copy) continue;
    EXPECT_EQ(r.region, kDestination);
    EXPECT_EQ(r.account, h.ec2.account_id());
    EXPECT_EQ(r.slot, "2026-02-01T03:00:00Z");
    ASSERT_EQ(r.snapshot_ids.size(), 2u);  // the source, then the copy
  }
  // Each copy carries every tag of its source and the copy tags.
  const auto copies = h.copies();
  ASSERT_EQ(copies.size(), 4u);
  std::set<std::string> sources;
  for (const auto* c : copies) {
    const auto& tags = c->tags;
    EXPECT_EQ(tags.at("snapkeep:policy"), "daily");
    EXPECT_EQ(tags.at("snapkeep:slot"), "2026-02-01T03:00:00Z");
    EXPECT_TRUE(tags.at("snapkeep:instance").starts_with("i-"));
    EXPECT_FALSE(tags.at("snapkeep:set").empty());
    EXPECT_FALSE(tags.at("snapkeep:device").empty());
    EXPECT_EQ(tags.at("snapkeep:copy"), h.ec2.account_id() + ":us-west-2");
    EXPECT_EQ(tags.at("CostCenter"), "ops");
    const auto& of = tags.at("snapkeep:copy-of");
    EXPECT_TRUE(of.starts_with(h.ec2.account_id() + ":us-east-1:snap-")) << of;
    sources.insert(of);
    const auto source = h.ec2.region(kSource).snapshots.find(of.substr(of.rfind(':') + 1));
    ASSERT_NE(source, h.ec2.region(kSource).snapshots.end());
    // Every tag of the source, the restore metadata included (restoring
    // from the copy needs it: docs/restore.md).
    EXPECT_TRUE(source->second.tags.contains("snapkeep:instance-meta"));
    EXPECT_TRUE(source->second.tags.contains("snapkeep:volumes"));
    for (const auto& [key, value] : source->second.tags) {
      ASSERT_TRUE(tags.contains(key)) << key;
      EXPECT_EQ(tags.at(key), value) << key;
    }
    EXPECT_EQ(tags.size(), source->second.tags.size() + 2);  // and copy-of, copy
  }
  EXPECT_EQ(sources.size(), 4u);

  // A rerun in the same slot changes nothing: one listing of the
  // destination, no copy.
  h.ec2.reset_counters();
  auto third = h.run(config, slot(0) + std::chrono::minutes(15));
  EXPECT_EQ(third.exit_status(), 0) << render_text(third, true);
  EXPECT_EQ(h.calls("CopySnapshot"), 0);
  EXPECT_EQ(h.calls("DeleteSnapshot"), 0);
  EXPECT_EQ(h.calls("CreateSnapshots"), 0);
  EXPECT_EQ(h.calls("DescribeSnapshots"), 2);  // the source's listing and the destination's
  EXPECT_EQ(h.copies().size(), 4u);
  EXPECT_EQ(third.copies.at(0).started, 0);
}

TEST(CopyPhase, ShardedByInstanceEachShardCopiesAndPrunesOnlyItsOwnInstances) {
  Harness h(6);
  const core::Config config = copy_config();
  for (int day = 0; day < 5; ++day) {
    for (int index = 0; index < 2; ++index) {
      const core::Shard shard{index, 2, core::ShardBy::instance};
      for (int minute : {5, 10}) {
        auto s = h.run(config, slot(day) + std::chrono::minutes(minute), RunMode::run, {}, shard);
        EXPECT_EQ(s.exit_status(), 0) << render_text(s, true);
        for (const auto& r : s.results) {
          if (r.action != ActionKind::copy && r.action != ActionKind::delete_copy) continue;
          EXPECT_TRUE(core::owns_instance(shard, r.instance_id))
              << "shard " << index << " touched a copy of " << r.instance_id;
        }
      }
    }
  }
  // Together the shards leave what one run would: copies of the two newest
  // points (retain: {count: 2}) of every instance, one per volume.
  std::map<std::string, std::multiset<std::string>> slots;
  for (const auto* c : h.copies()) {
    slots[c->tags.at("snapkeep:instance")].insert(c->tags.at("snapkeep:slot"));
  }
  EXPECT_EQ(slots.size(), 6u);
  for (const auto& [instance, points] : slots) {
    EXPECT_EQ(points, (std::multiset<std::string>{"2026-02-04T03:00:00Z", "2026-02-04T03:00:00Z",
                                                  "2026-02-05T03:00:00Z", "2026-02-05T03:00:00Z"}))
        << instance;
  }
}

TEST(CopyPhase, MaxInFlightCountsPendingCopiesAndTheRestWaits) {
  Harness h;
  const core::Config config = copy_config("        max_in_flight: 3\n");
  snapkeep::testing::seed_history(h.ec2, kSource, config, slot(0), std::chrono::days(1), 1);
  snapkeep::testing::FakeCopyModel model;
  model.duration = std::chrono::hours(1);
  h.ec2.set_copy_model(model);

  auto first = h.run(config, slot(0) + std::chrono::minutes(10));
  EXPECT_EQ(first.exit_status(), 0) << render_text(first, true);
  ASSERT_EQ(first.copies.size(), 1u);
  EXPECT_EQ(first.copies[0].started, 3);
  EXPECT_EQ(first.copies[0].waiting, 1);
  EXPECT_TRUE(std::any_of(first.warnings.begin(), first.warnings.end(), [](const RunWarning& w) {
    return w.message.find("waiting: 3 copies in flight to") != std::string::npos &&
           w.message.find("(max_in_flight 3); 1 copies left for a later run") != std::string::npos;
  })) << render_text(first, true);

  // The three are still pending: nothing more is started.
  h.ec2.reset_counters();
  auto second = h.run(config, slot(0) + std::chrono::minutes(20));
  EXPECT_EQ(second.copies.at(0).pending, 3);
  EXPECT_EQ(second.copies.at(0).started, 0);
  EXPECT_EQ(h.calls("CopySnapshot"), 0);

  // Once they complete, the last one is copied.
  h.clock.advance(std::chrono::hours(1));
  auto third = h.run(config, slot(0) + std::chrono::minutes(90));
  EXPECT_EQ(third.copies.at(0).started, 1);
  EXPECT_EQ(third.copies.at(0).waiting, 0);
  EXPECT_EQ(h.copies().size(), 4u);
}

TEST(CopyPhase, ResourceLimitExceededStopsCopiesForTheRunAndIsAWarningNotAFailure) {
  Harness h(11);  // 22 snapshots
  const core::Config config = copy_config("        max_in_flight: 25\n");
  snapkeep::testing::seed_history(h.ec2, kSource, config, slot(0), std::chrono::days(1), 1);
  snapkeep::testing::FakeCopyModel model;  // EC2's 20 pending copies per destination
  model.duration = std::chrono::hours(1);
  h.ec2.set_copy_model(model);
  auto s = h.run(config, slot(0) + std::chrono::minutes(10));
  EXPECT_EQ(s.exit_status(), 0) << render_text(s, true);
  EXPECT_EQ(s.copies.at(0).started, 20);
  EXPECT_EQ(s.copies.at(0).waiting, 2);
  EXPECT_EQ(h.ec2.copy_limit_refusals(), 1);  // nothing sent after the first refusal
  EXPECT_TRUE(std::any_of(s.warnings.begin(), s.warnings.end(), [](const RunWarning& w) {
    return w.message.find("ResourceLimitExceeded") != std::string::npos &&
           w.message.find("2 copies left for a later run") != std::string::npos;
  })) << render_text(s, true);
}

TEST(CopyPhase, ACopyInErrorIsAFailedCopyWithItsStateMessageAndIsMadeAgain) {
  Harness h(1);
  const core::Config config = copy_config("        kms_key_id: alias/dr\n");
  snapkeep::testing::seed_history(h.ec2, kSource, config, slot(0), std::chrono::days(1), 1);
  snapkeep::testing::FakeCopyModel model;
  model.inaccessible_keys = {"alias/dr"};
  h.ec2.set_copy_model(model);

  auto first = h.run(config, slot(0) + std::chrono::minutes(10));
  EXPECT_EQ(count_of(first, ActionKind::copy, Outcome::started), 2);
  for (const auto* c : h.copies()) EXPECT_EQ(c->state, "error");

  // The next run finds them in error: reported with EC2's message (exit
  // 1, notified), deleted, and not copied again in the same run.
  auto second = h.run(config, slot(0) + std::chrono::minutes(20));
  EXPECT_EQ(second.exit_status(), 1);
  EXPECT_EQ(count_of(second, ActionKind::copy, Outcome::failed), 2);
  EXPECT_EQ(count_of(second, ActionKind::delete_copy, Outcome::deleted), 2);
  EXPECT_EQ(second.copies.at(0).failed, 2);
  for (const auto& r : second.results) {
    if (r.action == ActionKind::copy) {
      EXPECT_EQ(r.error_message, "Given key ID is not accessible");
    }
  }
  const std::string text = render_text(second, false);
  EXPECT_NE(text.find("error: Given key ID is not accessible"), std::string::npos) << text;
  EXPECT_NE(render_quiet(second).find("Given key ID is not accessible"), std::string::npos);
  EXPECT_TRUE(h.copies().empty());

  h.ec2.set_copy_model({});  // the key policy is fixed
  auto third = h.run(config, slot(0) + std::chrono::minutes(30));
  EXPECT_EQ(third.exit_status(), 0) << render_text(third, true);
  EXPECT_EQ(count_of(third, ActionKind::copy, Outcome::started), 2);
  for (const auto* c : h.copies()) EXPECT_EQ(c->state, "completed");
}

TEST(CopyPhase, TheDestinationKeepsWhatTheCopysRetainSaysAndItsNewestPoint) {
  Harness h(1);
  const core::Config config = copy_config();  // the copies keep count 2; the source daily 7
  snapkeep::testing::seed_history(h.ec2, kSource, config, slot(0), std::chrono::days(1), 4);
  // Only what the copy's retention keeps is copied: the newest two points.
  auto first = h.run(config, slot(3) + std::chrono::minutes(10));
  EXPECT_EQ(first.exit_status(), 0) << render_text(first, true);
  EXPECT_EQ(h.copy_slots(),
            (std::multiset<std::string>{"2026-02-03T03:00:00Z", "2026-02-03T03:00:00Z",
                                        "2026-02-04T03:00:00Z", "2026-02-04T03:00:00Z"}));
  // A day later the new point is copied and the oldest copy goes; the
  // source keeps its seven days.
  auto second = h.run(config, slot(4) + std::chrono::minutes(10));
  EXPECT_EQ(count_of(second, ActionKind::copy, Outcome::started), 0);  // day 4 made just now
  auto third = h.run(config, slot(4) + std::chrono::minutes(20));
  EXPECT_EQ(third.exit_status(), 0) << render_text(third, true);
  EXPECT_EQ(count_of(third, ActionKind::copy, Outcome::started), 2);
  EXPECT_EQ(count_of(third, ActionKind::delete_copy, Outcome::deleted), 2);
  EXPECT_EQ(h.copy_slots(),
            (std::multiset<std::string>{"2026-02-04T03:00:00Z", "2026-02-04T03:00:00Z",
                                        "2026-02-05T03:00:00Z", "2026-02-05T03:00:00Z"}));
  std::size_t sources = 0;
  for (const auto& [id, s] : h.ec2.region(kSource).snapshots)
    sources += s.tags.contains("snapkeep:policy");
  EXPECT_EQ(sources, 10u);  // 5 points x 2 volumes
}

TEST(CopyPhase, CopiesToDeleteWaitWhenTheInstancesNewerCopyFailed) {
  Harness h(1);
  const core::Config config = copy_config();  // the copies keep count 2
  snapkeep::testing::seed_history(h.ec2, kSource, config, slot(0), std::chrono::days(1), 4);
  ASSERT_EQ(h.run(config, slot(3) + std::chrono::minutes(10)).exit_status(), 0);
  ASSERT_EQ(h.run(config, slot(4) + std::chrono::minutes(10)).exit_status(), 0);  // makes day 4
  const auto before = h.copy_slots();
  ASSERT_EQ(before, (std::multiset<std::string>{"2026-02-03T03:00:00Z", "2026-02-03T03:00:00Z",
                                                "2026-02-04T03:00:00Z", "2026-02-04T03:00:00Z"}));
  // Day 4's copies fail: the plan counted them in place of day 2's copies,
  // which therefore stay until day 4 is copied (as the source waits for a
  // failed creation).
  h.ec2.set_fault_hook(
      [](snapkeep::testing::FaultStage stage,
         const snapkeep::testing::FakeCall& call) -> std::optional<aws::Result<aws::HttpResponse>> {
        if (stage == snapkeep::testing::FaultStage::before && call.action == "CopySnapshot") {
          return snapkeep::testing::fake_error_answer(400, "InvalidParameterValue", "refused");
        }
        return std::nullopt;
      });
  auto failed = h.run(config, slot(4) + std::chrono::minutes(20));
  EXPECT_EQ(failed.exit_status(), 1) << render_text(failed, true);
  EXPECT_EQ(count_of(failed, ActionKind::copy, Outcome::failed), 2);
  EXPECT_EQ(count_of(failed, ActionKind::delete_copy, Outcome::deleted), 0);
  EXPECT_EQ(count_of(failed, ActionKind::delete_copy, Outcome::skipped), 2);
  for (const auto& r : failed.results) {
    if (r.action == ActionKind::delete_copy) {
      EXPECT_TRUE(r.reason.starts_with("waits:")) << r.reason;
    }
  }
  EXPECT_EQ(h.copy_slots(), before);
  h.ec2.set_fault_hook({});
  auto next = h.run(config, slot(4) + std::chrono::minutes(30));
  EXPECT_EQ(next.exit_status(), 0) << render_text(next, true);
  EXPECT_EQ(count_of(next, ActionKind::copy, Outcome::started), 2);
  EXPECT_EQ(count_of(next, ActionKind::delete_copy, Outcome::deleted), 2);
  EXPECT_EQ(h.copy_slots(),
            (std::multiset<std::string>{"2026-02-04T03:00:00Z", "2026-02-04T03:00:00Z",
                                        "2026-02-05T03:00:00Z", "2026-02-05T03:00:00Z"}));
}

TEST(CopyPhase, PlanShowsTheCopiesAndChangesNothing) {
  Harness h(1);
  const core::Config config = copy_config();
  snapkeep::testing::seed_history(h.ec2, kSource, config, slot(0), std::chrono::days(1), 1);
  auto plan = h.run(config, slot(0) + std::chrono::minutes(10), RunMode::plan);
  EXPECT_EQ(count_of(plan, ActionKind::copy, Outcome::planned), 2);
  EXPECT_EQ(h.calls("CopySnapshot"), 0);
  EXPECT_TRUE(h.copies().empty());
  const std::string text = render_text(plan, false);
  EXPECT_NE(text.find("planned copy"), std::string::npos) << text;
  EXPECT_NE(text.find("no copy at " + h.ec2.account_id() +
                      ":us-west-2 for slot "
                      "2026-02-01T03:00:00Z"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("copies daily us-east-1 -> " + h.ec2.account_id() +
                      ":us-west-2: 2 to start, 0 pending, 0 waiting, 0 failed, 0 to delete"),
            std::string::npos)
      << text;
  const auto json = to_json(plan);
  EXPECT_EQ(json["copies"][0]["started"], 2);
  EXPECT_EQ(json["copies"][0]["destination"]["region"], kDestination);
}

TEST(CopyPhase, AFailedDestinationListingCopiesAndDeletesNothingThere) {
  Harness h(1);
  const core::Config config = copy_config();
  snapkeep::testing::seed_history(h.ec2, kSource, config, slot(0), std::chrono::days(1), 1);
  h.ec2.set_fault_hook(
      [](snapkeep::testing::FaultStage stage,
         const snapkeep::testing::FakeCall& call) -> std::optional<aws::Result<aws::HttpResponse>> {
        if (stage == snapkeep::testing::FaultStage::before && call.region == kDestination &&
            call.action == "DescribeSnapshots") {
          return snapkeep::testing::fake_error_answer(403, "UnauthorizedOperation", "denied");
        }
        return std::nullopt;
      });
  auto s = h.run(config, slot(0) + std::chrono::minutes(10));
  EXPECT_EQ(s.exit_status(), 1);
  EXPECT_EQ(h.calls("CopySnapshot"), 0);
  ASSERT_EQ(s.copies.size(), 1u);
  EXPECT_FALSE(s.copies[0].complete);
  ASSERT_FALSE(s.copies[0].problems.empty());
  EXPECT_NE(s.copies[0].problems[0].find("no copy started or deleted there"), std::string::npos);
}

TEST(CopyPhase, TwoSourcesCopyingToOneDestinationListItOnce) {
  Harness h(1);
  snapkeep::testing::add_fleet(h.ec2, "eu-west-1", 1, [](int) { return 2; }, {{"Backup", "true"}});
  core::Config config = copy_config();
  config.regions = {"us-east-1", "eu-west-1"};
  for (const char* region : {kSource, "eu-west-1"}) {
    snapkeep::testing::seed_history(h.ec2, region, config, slot(0), std::chrono::days(1), 1);
  }
  std::map<std::string, int> listings;  // DescribeSnapshots by region
  h.ec2.set_fault_hook(
      [&listings](snapkeep::testing::FaultStage stage, const snapkeep::testing::FakeCall& call)
          -> std::optional<aws::Result<aws::HttpResponse>> {
        if (stage == snapkeep::testing::FaultStage::before && call.action == "DescribeSnapshots") {
          ++listings[call.region];
        }
        return std::nullopt;
      });
  auto s = h.run(config, slot(0) + std::chrono::minutes(10));
  EXPECT_EQ(s.exit_status(), 0) << render_text(s, true);
  EXPECT_EQ(listings,
            (std::map<std::string, int>{{"eu-west-1", 1}, {"us-east-1", 1}, {"us-west-2", 1}}));
  ASSERT_EQ(s.copies.size(), 2u);
  EXPECT_EQ(s.copies[0].started + s.copies[1].started, 4);
  EXPECT_EQ(h.calls("CopySnapshot"), 4);
  std::set<std::string> from;
  for (const auto* c : h.copies()) {
    const auto& of = c->tags.at("snapkeep:copy-of");
    from.insert(of.substr(0, of.rfind(':')));
  }
  EXPECT_EQ(from, (std::set<std::string>{h.ec2.account_id() + ":eu-west-1",
                                         h.ec2.account_id() + ":us-east-1"}));
}

TEST(CopyPhase, ACopyTargetThatIsTheRegionWorkedOnIsReportedAndSkipped) {
  Harness h(0);
  snapkeep::testing::add_fleet(h.ec2, kDestination, 1, [](int) { return 1; }, {{"Backup", "true"}});
  const core::Config config = copy_config();
  snapkeep::testing::seed_history(h.ec2, kDestination, config, slot(0), std::chrono::days(1), 1);
  // --region us-west-2: the source is the copy target's own region.
  auto s = h.run(config, slot(0) + std::chrono::minutes(10), RunMode::run, {kDestination});
  EXPECT_EQ(s.exit_status(), 1);
  EXPECT_EQ(h.calls("CopySnapshot"), 0);
  ASSERT_EQ(s.copies.size(), 1u);
  EXPECT_FALSE(s.copies[0].complete);
  EXPECT_EQ(
      s.copies[0].problems,
      std::vector<std::string>{"the copy target is the source region itself: nothing copied"});
}

}  // namespace
}  // namespace snapkeep::engine
