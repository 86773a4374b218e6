// engine/shard.h: which targets a shard works on, and what it keeps of each
// listing; the end-to-end check (three shards against moto) is
// tests/e2e/test_shards.py.
#include "engine/shard.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/render.h"

namespace snapkeep::engine {
namespace {

Target target(const std::string& account, const std::string& region) {
  Target t;
  t.account.id = account;
  t.account.name = account;
  t.region = region;
  return t;
}

TEST(ShardTargets, UnshardedKeepsEveryTargetAndSaysNothing) {
  RunSummary summary;
  const std::vector<Target> all = {target("123456789012", "us-east-1"), target("", "eu-west-1")};
  EXPECT_EQ(shard_targets(all, core::Shard{}, summary), all);
  EXPECT_FALSE(summary.shard);
  EXPECT_TRUE(summary.errors.empty());
}

TEST(ShardTargets, ByTargetEachTargetIsOneShardsAndTheReportSaysWhich) {
  std::vector<Target> all;
  for (const char* region : {"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-south-1"}) {
    all.push_back(target("123456789012", region));
  }
  std::vector<std::string> seen;
  for (int index = 0; index < 3; ++index) {
    RunSummary summary;
    auto mine = shard_targets(all, core::Shard{index, 3, core::ShardBy::target}, summary);
    ASSERT_TRUE(summary.shard);
    EXPECT_EQ(summary.shard->targets_total, 5);
    EXPECT_EQ(summary.shard->by, "target");
    ASSERT_EQ(summary.shard->targets.size(), mine.size());
    for (std::size_t i = 0; i < mine.size(); ++i) {
      EXPECT_EQ(summary.shard->targets[i], mine[i].key());
      EXPECT_EQ(core::shard_of_target("123456789012", mine[i].region, 3), index);
      seen.push_back(mine[i].region);
    }
  }
  EXPECT_EQ(seen.size(), 5u) << "every target in exactly one shard";
}

TEST(ShardTargets, AnUnknownAccountIsNoShardsAndSaysSo) {
  // Its hash cannot be computed the same way in every shard: no shard takes
  // it rather than two.
  const std::vector<Target> all = {target("", "us-east-1")};
  for (int index = 0; index < 2; ++index) {
    RunSummary summary;
    EXPECT_TRUE(shard_targets(all, core::Shard{index, 2, core::ShardBy::target}, summary).empty());
    ASSERT_EQ(summary.errors.size(), 1u);
    EXPECT_NE(summary.errors[0].find("the account of us-east-1 is unknown"), std::string::npos);
  }
  RunSummary by_instance;
  EXPECT_EQ(shard_targets(all, core::Shard{0, 2, core::ShardBy::instance}, by_instance).size(), 1u)
      << "by instance, every shard lists every target";
}

TEST(ShardListings, ByInstanceKeepsTheShardsInstancesSnapshotsAndWarnings) {
  const core::Shard shard{1, 3, core::ShardBy::instance};
  std::vector<TargetListing> listings(1);
  listings[0].target = target("123456789012", "us-east-1");
  RunSummary summary;
  shard_targets({listings[0].target}, shard, summary);
  std::vector<std::string> ids;
  for (int i = 0; i < 30; ++i) {
    core::Instance instance;
    instance.id = "i-" + std::to_string(100000 + i);
    ids.push_back(instance.id);
    listings[0].inventory.instances.push_back(instance);
    core::Snapshot snapshot;
    snapshot.id = "snap-" + std::to_string(i);
    snapshot.tags.instance = instance.id;
    listings[0].inventory.snapshots.push_back(snapshot);
    summary.warnings.push_back({RunWarning::Level::warning, "123456789012", "us-east-1", "daily",
                                instance.id, "nothing to back up"});
  }
  summary.warnings.push_back(
      {RunWarning::Level::failure, "", "", "other", "", "selects no instance in any region"});
  shard_listings(listings, shard, summary);

  const auto& kept = listings[0].inventory;
  EXPECT_GT(kept.instances.size(), 0u);
  EXPECT_LT(kept.instances.size(), 30u);
  for (const auto& i : kept.instances) EXPECT_TRUE(core::owns_instance(shard, i.id));
  EXPECT_EQ(kept.snapshots.size(), kept.instances.size());
  EXPECT_EQ(listings[0].report.instances, static_cast<std::int64_t>(kept.instances.size()));
  EXPECT_EQ(summary.shard->instances_listed, 30);
  EXPECT_EQ(summary.shard->instances, static_cast<std::int64_t>(kept.instances.size()));
  EXPECT_EQ(summary.shard->snapshots_listed, 30);
  // The other shards' per-instance warnings go; a run-wide one stays.
  EXPECT_EQ(summary.warnings.size(), kept.instances.size() + 1);
  EXPECT_EQ(summary.warnings.back().policy, "other");

  auto json = to_json(summary);
  EXPECT_EQ(json["shard"]["index"], 1);
  EXPECT_EQ(json["shard"]["by"], "instance");
  EXPECT_EQ(json["shard"]["instances_listed"], 30);
  EXPECT_NE(render_text(summary, false).find("shard 1/3 by instance: "), std::string::npos);
  EXPECT_EQ(one_line(summary).rfind("run shard 1/3: ", 0), 0u) << one_line(summary);
}

TEST(ShardListings, UnshardedSummaryHasANullShard) {
  RunSummary summary;
  EXPECT_TRUE(to_json(summary)["shard"].is_null());
  EXPECT_EQ(one_line(summary).rfind("run: ", 0), 0u);
}

}  // namespace
}  // namespace snapkeep::engine
