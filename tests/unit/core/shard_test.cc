#include "core/shard.h"

#include <gtest/gtest.h>

#include <set>

namespace snapkeep::core {
namespace {

TEST(Shard, ParsesIOverN) {
  auto shard = parse_shard("2/5");
  ASSERT_TRUE(shard);
  EXPECT_EQ(shard->index, 2);
  EXPECT_EQ(shard->count, 5);
  EXPECT_TRUE(shard->sharded());
  EXPECT_FALSE(parse_shard("0/1")->sharded());
  for (const char* bad : {"", "3", "3/3", "-1/3", "1/0", "a/b", "1/3/4", "1 /3", "0/1001"}) {
    EXPECT_FALSE(parse_shard(bad)) << bad;
  }
  EXPECT_NE(parse_shard("3/3").error().find("0 <= I < N"), std::string::npos);
}

TEST(Shard, HashIsStable) {
  // FNV-1a 64 of known strings: a change here moves units between shards.
  EXPECT_EQ(stable_hash(""), 14695981039346656037ull);
  EXPECT_EQ(stable_hash("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(shard_of_target("123456789012", "us-east-1", 3),
            shard_of_target("123456789012", "us-east-1", 3));
}

TEST(Shard, ShardsPartitionInstancesAndTheirSnapshots) {
  RegionInventory all;
  for (int i = 0; i < 300; ++i) {
    Instance instance;
    instance.id = "i-" + std::to_string(1000 + i);
    all.instances.push_back(instance);
    Snapshot snapshot;
    snapshot.id = "snap-" + std::to_string(i);
    snapshot.tags.instance = instance.id;
    all.snapshots.push_back(snapshot);
  }
  Snapshot orphan;
  orphan.id = "snap-orphan";
  orphan.tags.instance = "i-gone";
  all.snapshots.push_back(orphan);

  std::multiset<std::string> instances, snapshots;
  for (int index = 0; index < 3; ++index) {
    RegionInventory part = all;
    keep_shard(part, {index, 3, ShardBy::instance});
    EXPECT_GT(part.instances.size(), 60u) << "roughly a third each";
    for (const auto& i : part.instances) instances.insert(i.id);
    for (const auto& s : part.snapshots) {
      snapshots.insert(s.id.str());
      EXPECT_EQ(shard_of_instance(s.tags.instance.view(), 3), index);
    }
  }
  EXPECT_EQ(instances.size(), 300u);
  EXPECT_EQ(std::set<std::string>(instances.begin(), instances.end()).size(), 300u)
      << "no instance in two shards";
  EXPECT_EQ(snapshots.size(), 301u);
  EXPECT_EQ(std::set<std::string>(snapshots.begin(), snapshots.end()).size(), 301u);

  RegionInventory target_mode = all;
  keep_shard(target_mode, {1, 3, ShardBy::target});
  EXPECT_EQ(target_mode.instances.size(), 300u) << "by target, a shard keeps whole regions";
}

}  // namespace
}  // namespace snapkeep::core
