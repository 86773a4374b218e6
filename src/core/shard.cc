#include "core/shard.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace snapkeep::core {

namespace {

constexpr int kMostShards = 1000;

std::optional<int> whole_number(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

int bucket(std::uint64_t hash, int count) {
  return static_cast<int>(hash % static_cast<std::uint64_t>(count));
}

}  // namespace

snapkeep::expected<Shard, std::string> parse_shard(std::string_view text) {
  const auto slash = text.find('/');
  const auto bad = [&] {
    return snapkeep::unexpected(
        fmt::format("shard '{}' is not I/N with 0 <= I < N <= {} (e.g. 0/3)", text, kMostShards));
  };
  if (slash == std::string_view::npos) return bad();
  auto index = whole_number(text.substr(0, slash));
  auto count = whole_number(text.substr(slash + 1));
  if (!index || !count || *count < 1 || *count > kMostShards || *index < 0 || *index >= *count) {
    return bad();
  }
  return Shard{*index, *count, ShardBy::target};
}

std::uint64_t stable_hash(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

int shard_of_target(std::string_view account, std::string_view region, int count) {
  return bucket(stable_hash(fmt::format("{}/{}", account, region)), count);
}

int shard_of_instance(std::string_view instance_id, int count) {
  return bucket(stable_hash(instance_id), count);
}

void keep_shard(RegionInventory& inventory, const Shard& shard) {
  if (!shard.sharded() || shard.by != ShardBy::instance) return;
  const auto mine = [&](std::string_view id) {
    return shard_of_instance(id, shard.count) == shard.index;
  };
  std::erase_if(inventory.instances, [&](const Instance& i) { return !mine(i.id); });
  std::erase_if(inventory.snapshots,
                [&](const Snapshot& s) { return !mine(s.tags.instance.view()); });
}

}  // namespace snapkeep::core
