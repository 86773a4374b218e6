#include "core/shard.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

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

// ShardSettings by name, the others left empty (a designated initializer
// must name every member here: -Wmissing-field-initializers).
ShardSettings given(std::map<std::string, std::string> v) {
  ShardSettings s;
  s.flag = v["flag"];
  s.count = v["count"].empty() ? 0 : std::stoi(v["count"]);
  s.by = v["by"];
  s.env = v["env"];
  s.completion_index = v["completion_index"];
  s.env_by = v["env_by"];
  return s;
}

TEST(Shard, ResolvesFlagsThenIndexedJobThenEnvironment) {
  EXPECT_EQ(*resolve_shard(given({})), Shard{});
  EXPECT_EQ(*resolve_shard(given({{"flag", "1/3"}, {"env", "2/3"}})),
            (Shard{1, 3, ShardBy::target}));
  EXPECT_EQ(*resolve_shard(given({{"env", "2/3"}})), (Shard{2, 3, ShardBy::target}));
  EXPECT_EQ(*resolve_shard(given({{"count", "4"}, {"completion_index", "3"}})),
            (Shard{3, 4, ShardBy::target}));
  EXPECT_EQ(*resolve_shard(given({{"flag", "0/2"}, {"by", "instance"}, {"env_by", "target"}})),
            (Shard{0, 2, ShardBy::instance}));
  EXPECT_EQ(*resolve_shard(given({{"env", "0/2"}, {"env_by", "instance"}})),
            (Shard{0, 2, ShardBy::instance}));
  // An Indexed Job's pods all carry --shards N; the flag wins over a stray variable.
  EXPECT_EQ(*resolve_shard(given({{"count", "2"}, {"env", "0/5"}, {"completion_index", "1"}})),
            (Shard{1, 2, ShardBy::target}));
}

TEST(Shard, RefusesWhatCannotBeAShardSayingWhy) {
  auto error = [](const ShardSettings& s) {
    auto shard = resolve_shard(s);
    EXPECT_FALSE(shard);
    return shard ? std::string() : shard.error();
  };
  EXPECT_NE(error(given({{"flag", "3/3"}})).find("--shard: shard '3/3' is not I/N"),
            std::string::npos);
  EXPECT_NE(error(given({{"env", "x"}})).find("SNAPKEEP_SHARD: "), std::string::npos);
  EXPECT_NE(error(given({{"flag", "0/2"}, {"count", "2"}})).find("not both"), std::string::npos);
  EXPECT_NE(error(given({{"count", "3"}})).find("JOB_COMPLETION_INDEX"), std::string::npos);
  EXPECT_NE(error(given({{"count", "3"}, {"completion_index", "3"}})).find("from 0 to 2"),
            std::string::npos);
  EXPECT_NE(error(given({{"count", "3"}, {"completion_index", "-1"}})).find("from 0 to 2"),
            std::string::npos);
  EXPECT_NE(error(given({{"count", "3"}, {"completion_index", "1a"}})).find("'1a'"),
            std::string::npos);
  EXPECT_NE(error(given({{"count", "-1"}, {"completion_index", "0"}})).find("--shards -1"),
            std::string::npos);
  EXPECT_NE(error(given({{"count", "1001"}, {"completion_index", "0"}})).find("from 1 to 1000"),
            std::string::npos);
  EXPECT_NE(error(given({{"flag", "0/2"}, {"by", "region"}})).find("--shard-by: shard-by 'region'"),
            std::string::npos);
  EXPECT_NE(error(given({{"env_by", "x"}})).find("SNAPKEEP_SHARD_BY: "), std::string::npos);
}

TEST(Shard, DescribesItself) {
  EXPECT_EQ(describe(Shard{}), "none");
  EXPECT_EQ(describe(Shard{1, 3, ShardBy::instance}), "1/3 by instance");
}

// Generated (account, region) pairs and instance ids, EC2-shaped.
rc::Gen<std::string> account_ids() {
  return rc::gen::map(rc::gen::inRange<std::int64_t>(100000000000, 999999999999),
                      [](std::int64_t n) { return std::to_string(n); });
}
rc::Gen<std::string> regions() {
  return rc::gen::element<std::string>("us-east-1", "us-east-2", "us-west-2", "eu-west-1",
                                       "eu-central-1", "ap-southeast-2", "sa-east-1",
                                       "ap-northeast-1", "ca-central-1", "me-south-1");
}
rc::Gen<std::string> instance_ids() {
  return rc::gen::map(
      rc::gen::container<std::string>(17, rc::gen::elementOf(std::string("0123456789abcdef"))),
      [](std::string hex) { return "i-" + hex; });
}

RC_GTEST_PROP(ShardProperties, ShardsByTargetPartitionTheTargets, ()) {
  const auto targets = *rc::gen::container<std::set<std::pair<std::string, std::string>>>(
      rc::gen::pair(account_ids(), regions()));
  const int count = *rc::gen::inRange(1, 40);
  for (const auto& [account, region] : targets) {
    int owners = 0;
    for (int index = 0; index < count; ++index) {
      const Shard shard{index, count, ShardBy::target};
      if (owns_target(shard, account, region)) ++owners;
      // Sharded by target, a shard acts on every instance of its targets.
      RC_ASSERT(owns_instance(shard, "i-0123456789abcdef0"));
    }
    RC_ASSERT(owners == 1);
  }
}

RC_GTEST_PROP(ShardProperties, ShardsByInstancePartitionInstancesAndSnapshots, ()) {
  const auto ids = *rc::gen::container<std::set<std::string>>(instance_ids());
  const auto gone = *rc::gen::container<std::set<std::string>>(instance_ids());
  const int count = *rc::gen::inRange(1, 40);
  RegionInventory all;
  for (const auto& id : ids) {
    Instance instance;
    instance.id = id;
    all.instances.push_back(instance);
  }
  // Snapshots of listed instances and of gone ones (orphans), a few each.
  std::vector<std::string> named(ids.begin(), ids.end());
  named.insert(named.end(), gone.begin(), gone.end());
  int serial = 0;
  for (const auto& id : named) {
    const int points = *rc::gen::inRange(0, 3);
    for (int p = 0; p < points; ++p) {
      Snapshot snapshot;
      snapshot.id = "snap-" + std::to_string(serial++);
      snapshot.tags.instance = id;
      all.snapshots.push_back(snapshot);
    }
  }

  std::map<std::string, int> instance_owners, snapshot_owners;
  for (int index = 0; index < count; ++index) {
    const Shard shard{index, count, ShardBy::instance};
    RC_ASSERT(owns_target(shard, "123456789012", "us-east-1"));
    RegionInventory part = all;
    keep_shard(part, shard);
    std::set<std::string> mine;
    for (const auto& i : part.instances) {
      ++instance_owners[i.id];
      mine.insert(i.id);
    }
    for (const auto& s : part.snapshots) {
      ++snapshot_owners[s.id.str()];
      // A snapshot goes with its instance, listed or gone.
      const std::string instance = s.tags.instance.str();
      RC_ASSERT(mine.count(instance) == 1 || gone.count(instance) == 1);
      RC_ASSERT(owns_instance(shard, instance));
    }
  }
  RC_ASSERT(instance_owners.size() == ids.size());
  RC_ASSERT(snapshot_owners.size() == all.snapshots.size());
  for (const auto& [id, owners] : instance_owners) RC_ASSERT(owners == 1);
  for (const auto& [id, owners] : snapshot_owners) RC_ASSERT(owners == 1);
}

RC_GTEST_PROP(ShardProperties, ParseShardAcceptsExactlyTheValidPairs, ()) {
  const int index = *rc::gen::inRange(-3, kMostShards + 3);
  const int count = *rc::gen::inRange(-3, kMostShards + 3);
  const auto shard = parse_shard(std::to_string(index) + "/" + std::to_string(count));
  const bool valid = count >= 1 && count <= kMostShards && index >= 0 && index < count;
  RC_ASSERT(static_cast<bool>(shard) == valid);
  if (valid) RC_ASSERT(*shard == (Shard{index, count, ShardBy::target}));
}

}  // namespace
}  // namespace snapkeep::core
