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

struct Shard {
  int index = 0;  // 0 .. count-1
  int count = 1;  // 1: unsharded
  ShardBy by = ShardBy::target;

  bool sharded() const { return count > 1; }
};

// "I/N" (0 <= I < N <= 1000), e.g. "2/5"; otherwise what is wrong.
snapkeep::expected<Shard, std::string> parse_shard(std::string_view text);

// 64-bit FNV-1a: stable across builds, platforms and versions, unlike
// std::hash; changing it would move units between shards.
std::uint64_t stable_hash(std::string_view text);

// The shard of an (account, region) pair and of an instance id.
int shard_of_target(std::string_view account, std::string_view region, int count);
int shard_of_instance(std::string_view instance_id, int count);

// With ShardBy::instance, keeps only `shard`'s instances and the snapshots
// of its instances (by their snapkeep:instance tag, so those of instances
// gone from the region stay with the shard their id hashes to).
void keep_shard(RegionInventory& inventory, const Shard& shard);

}  // namespace snapkeep::core
