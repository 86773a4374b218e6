// Shards: N workers started together (Step Functions Map items, Kubernetes
// Indexed Job pods, cron hosts) split one run's work with no coordination,
// all state being in tags (DESIGN.md section 7). A stable hash picks each
// unit's shard: by target, an (account, region) pair; by instance, an
// instance id (each shard then lists the whole region, and keeps only its
// instances and their snapshots). Together the N shards do exactly the work
// of one run, and any shard can be rerun alone.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/inventory.h"
#include "util/expected.h"

namespace snapkeep::core {

enum class ShardBy { target, instance };
std::string_view to_string(ShardBy by);  // "target" | "instance"
// "target" or "instance"; otherwise what is wrong.
snapkeep::expected<ShardBy, std::string> parse_shard_by(std::string_view text);

struct Shard {
  int index = 0;  // 0 .. count-1
  int count = 1;  // 1: unsharded
  ShardBy by = ShardBy::target;

  bool sharded() const { return count > 1; }
  bool operator==(const Shard&) const = default;
};

// The most shards a run may be split into.
inline constexpr int kMostShards = 1000;

// "I/N" (0 <= I < N <= 1000), e.g. "2/5"; otherwise what is wrong.
snapkeep::expected<Shard, std::string> parse_shard(std::string_view text);

// "2/5 by instance"; "none" when unsharded.
std::string describe(const Shard& shard);

// Where a process's shard comes from, first match wins:
//   1. `flag` (--shard I/N);
//   2. `count` (--shards N) with the index from `completion_index`
//      (JOB_COMPLETION_INDEX, which a Kubernetes Indexed Job sets per pod);
//   3. `env` (SNAPKEEP_SHARD="I/N");
//   4. unsharded.
// `by` (--shard-by), else `env_by` (SNAPKEEP_SHARD_BY), else target. Empty
// strings and a count of 0 mean "not given". --shard and --shards together
// are an error, as is --shards without JOB_COMPLETION_INDEX.
struct ShardSettings {
  std::string flag;
  int count = 0;
  std::string by;
  std::string env;
  std::string completion_index;
  std::string env_by;
};
snapkeep::expected<Shard, std::string> resolve_shard(const ShardSettings& settings);

// 64-bit FNV-1a: stable across builds, platforms and versions, unlike
// std::hash; changing it would move units between shards.
std::uint64_t stable_hash(std::string_view text);

// The shard of an (account, region) pair and of an instance id.
int shard_of_target(std::string_view account, std::string_view region, int count);
int shard_of_instance(std::string_view instance_id, int count);

// Whether `shard` works on a target, and acts on an instance. Sharded by
// instance, every shard works on every target; sharded by target, every
// shard acts on every instance of its targets. Unsharded: always true.
bool owns_target(const Shard& shard, std::string_view account, std::string_view region);
bool owns_instance(const Shard& shard, std::string_view instance_id);

// With ShardBy::instance, keeps only `shard`'s instances and the snapshots
// of its instances (by their snapkeep:instance tag, so those of instances
// gone from the region stay with the shard their id hashes to).
void keep_shard(RegionInventory& inventory, const Shard& shard);

}  // namespace snapkeep::core
