// The engine's copy step against the fake EC2's copy model: the quota's
// ResourceLimitExceeded stops copying for the run (once), a copy whose KMS
// key is not accessible ends in error and is deleted then copied again, and
// the copies carry the source's tags.
#include "engine/copies.h"

#include <gtest/gtest.h>

#include "core/config.h"
#include "engine/inventory.h"
#include "engine/target.h"
#include "support/fake_ec2.h"
#include "support/fleet.h"
#include "unit/aws/transport_fakes.h"

namespace snapkeep::engine {
namespace {

constexpr const char* kSource = "us-east-1";
constexpr const char* kDestination = "us-west-2";

// The run's (account, region) target for `region` in the fake's one account.
Target target_in(const char* region) {
  Target target;
  target.region = region;
  return target;
}

struct CopyWorld {
  aws::testing::FakeClock clock;
  snapkeep::testing::FakeEc2 ec2{clock};
  core::Config config = *core::parse_config(
      "regions: [us-east-1]\npolicies:\n  - name: daily\n    select:\n      tags: {Backup: "
      "\"true\"}\n    schedule: \"cron(0 3 * * ? *)\"\n    retain: {daily: 7}\n",
      "test.yaml");
  core::CopyTarget target;
  core::Time slot = core::Time(date::sys_days(date::year{2026} / 2 / 1)) + std::chrono::hours(3);
  std::unique_ptr<RegionClients> source_clients;
  std::unique_ptr<RegionClients> destination_clients;

  explicit CopyWorld(int instances) {
    snapkeep::testing::add_fleet(ec2, kSource, instances, [](int) { return 2; },
                                 {{"Backup", "true"}});
    snapkeep::testing::seed_history(ec2, kSource, config, slot, std::chrono::days(1), 1);
    for (auto& [id, s] : ec2.region(kSource).snapshots) s.tags["CostCenter"] = "ops";
    target.region = kDestination;
    target.retain.count = 1;
    auto factory = snapkeep::testing::fake_region_factory(ec2, clock, nullptr);
    source_clients = *factory(target_in(kSource));
    destination_clients = *factory(target_in(kDestination));
  }

  // One copy step, as a run makes it.
  std::pair<core::CopyPlan, CopyOutcome> step() {
    SourceUserTags tags;
    core::RegionInventory src = snapkeep::testing::fake_inventory(ec2, kSource);
    src.snapshots = *list_own_snapshots_with_tags(source_clients->ec2(), tags);
    std::vector<std::string> problems;
    core::RegionInventory dst = list_copies(destination_clients->ec2(), ec2.account_id(), problems);
    dst.images = std::vector<core::Image>{};
    core::CopyPlanInput input;
    input.source = &src;
    input.destination = &dst;
    input.policy = &config.policies[0];
    input.target = &target;
    input.now = slot + std::chrono::hours(1);
    core::CopyPlan plan = core::plan_copies(input);
    CopyOutcome outcome =
        execute_copies(plan, source_clients->ec2(), destination_clients->ec2(), tags);
    outcome.add(execute_copy_cleanup(plan, source_clients->ec2(), destination_clients->ec2()));
    return {std::move(plan), std::move(outcome)};
  }
};

TEST(EngineCopies, QuotaRefusalStopsCopyingForTheRunAndIsNotAFailure) {
  CopyWorld world(15);              // 30 snapshots
  world.target.max_in_flight = 25;  // above the fake's (and EC2's) 20
  snapkeep::testing::FakeCopyModel model;
  model.duration = std::chrono::minutes(30);
  world.ec2.set_copy_model(model);
  auto [plan, outcome] = world.step();
  EXPECT_EQ(plan.started, 25);
  EXPECT_EQ(outcome.started, 20);
  EXPECT_TRUE(outcome.limit_reached);
  EXPECT_EQ(outcome.failed, 0);
  EXPECT_EQ(outcome.waiting, 5 + 5);
  EXPECT_EQ(world.ec2.copy_limit_refusals(), 1);  // nothing sent after the first refusal
  // Copies carry the source's snapkeep tags, the copy tags and user tags.
  const auto& copies = world.ec2.region(kDestination).snapshots;
  ASSERT_FALSE(copies.empty());
  const auto& tags = copies.begin()->second.tags;
  EXPECT_EQ(tags.at("snapkeep:policy"), "daily");
  EXPECT_EQ(tags.at("snapkeep:copy"), world.ec2.account_id() + ":us-west-2");
  EXPECT_TRUE(tags.at("snapkeep:copy-of").starts_with(world.ec2.account_id() + ":us-east-1:snap-"));
  EXPECT_EQ(tags.at("CostCenter"), "ops");
  EXPECT_TRUE(tags.contains("snapkeep:device"));
  // Once they complete, the rest is copied and nothing more is refused.
  world.clock.advance(std::chrono::minutes(30));
  auto [plan2, outcome2] = world.step();
  EXPECT_EQ(outcome2.started, 10);
  EXPECT_EQ(world.ec2.copy_limit_refusals(), 1);
}

TEST(EngineCopies, CopyWithAnInaccessibleKeyEndsInErrorIsDeletedAndCopiedAgain) {
  CopyWorld world(1);
  world.target.kms_key_id = "alias/dr";
  snapkeep::testing::FakeCopyModel model;
  model.inaccessible_keys = {"alias/dr"};
  world.ec2.set_copy_model(model);
  auto [plan, outcome] = world.step();
  ASSERT_EQ(outcome.started, 2);
  for (const auto& [id, s] : world.ec2.region(kDestination).snapshots) {
    EXPECT_EQ(s.state, "error");
    EXPECT_EQ(s.state_message, "Given key ID is not accessible");
  }
  auto [plan2, outcome2] = world.step();
  EXPECT_EQ(outcome2.errored, 2);
  EXPECT_EQ(outcome2.deleted, 2);
  EXPECT_EQ(outcome2.started, 0);
  EXPECT_TRUE(world.ec2.region(kDestination).snapshots.empty());
  world.ec2.set_copy_model({});  // the key policy is fixed
  auto [plan3, outcome3] = world.step();
  EXPECT_EQ(outcome3.started, 2);
  auto [plan4, outcome4] = world.step();  // complete: nothing more to do
  EXPECT_TRUE(plan4.steps.empty());
}

}  // namespace
}  // namespace snapkeep::engine
