#include "core/shard.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>

namespace snapkeep::core {

namespace {

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

std::string_view to_string(ShardBy by) {
  return by == ShardBy::instance ? "instance" : "target";
}

snapkeep::expected<ShardBy, std::string> parse_shard_by(std::string_view text) {
  if (text == "target") return ShardBy::target;
  if (text == "instance") return ShardBy::instance;
  return snapkeep::unexpected(
      fmt::format("shard-by '{}' is not 'target' (split the (account, region) pairs) or "
                  "'instance' (split each region's instances)",
                  text));
}

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

std::string describe(const Shard& shard) {
  if (!shard.sharded()) return "none";
  return fmt::format("{}/{} by {}", shard.index, shard.count, to_string(shard.by));
}

snapkeep::expected<Shard, std::string> resolve_shard(const ShardSettings& s) {
  ShardBy by = ShardBy::target;
  if (!s.by.empty() || !s.env_by.empty()) {
    auto parsed = parse_shard_by(s.by.empty() ? s.env_by : s.by);
    if (!parsed) {
      return snapkeep::unexpected((s.by.empty() ? "SNAPKEEP_SHARD_BY: " : "--shard-by: ") +
                                  parsed.error());
    }
    by = *parsed;
  }
  auto with_by = [by](Shard shard) {
    shard.by = by;
    return shard;
  };
  if (!s.flag.empty() && s.count != 0) {
    return snapkeep::unexpected(
        std::string("give --shard I/N, or --shards N with JOB_COMPLETION_INDEX, not both"));
  }
  if (!s.flag.empty()) {
    auto shard = parse_shard(s.flag);
    if (!shard) return snapkeep::unexpected("--shard: " + shard.error());
    return with_by(*shard);
  }
  if (s.count != 0) {
    if (s.count < 1 || s.count > kMostShards) {
      return snapkeep::unexpected(
          fmt::format("--shards {} is not a shard count from 1 to {}", s.count, kMostShards));
    }
    if (s.completion_index.empty()) {
      return snapkeep::unexpected(fmt::format(
          "--shards {} takes this shard's index from JOB_COMPLETION_INDEX (set by a Kubernetes "
          "Indexed Job), which is not set; give --shard I/N elsewhere",
          s.count));
    }
    auto index = whole_number(s.completion_index);
    if (!index || *index < 0 || *index >= s.count) {
      return snapkeep::unexpected(
          fmt::format("JOB_COMPLETION_INDEX '{}' is not an index from 0 to {} (--shards {})",
                      s.completion_index, s.count - 1, s.count));
    }
    return with_by(Shard{*index, s.count, by});
  }
  if (!s.env.empty()) {
    auto shard = parse_shard(s.env);
    if (!shard) return snapkeep::unexpected("SNAPKEEP_SHARD: " + shard.error());
    return with_by(*shard);
  }
  return with_by(Shard{});
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

bool owns_target(const Shard& shard, std::string_view account, std::string_view region) {
  if (!shard.sharded() || shard.by != ShardBy::target) return true;
  return shard_of_target(account, region, shard.count) == shard.index;
}

bool owns_instance(const Shard& shard, std::string_view instance_id) {
  if (!shard.sharded() || shard.by != ShardBy::instance) return true;
  return shard_of_instance(instance_id, shard.count) == shard.index;
}

void keep_shard(RegionInventory& inventory, const Shard& shard) {
  if (!shard.sharded() || shard.by != ShardBy::instance) return;
  std::erase_if(inventory.instances,
                [&](const Instance& i) { return !owns_instance(shard, i.id); });
  std::erase_if(inventory.snapshots,
                [&](const Snapshot& s) { return !owns_instance(shard, s.tags.instance.view()); });
}

}  // namespace snapkeep::core
