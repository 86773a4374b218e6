#include "core/restore_points.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string_view>
#include <tuple>
#include <utility>

#include "core/copies.h"

namespace snapkeep::core {

int RestorePoint::size_gib() const {
  int total = 0;
  for (const auto& s : snapshots) total += s.size_gib;
  return total;
}

std::string_view to_string(SnapshotState state) {
  switch (state) {
    case SnapshotState::pending:
      return "pending";
    case SnapshotState::completed:
      return "completed";
    case SnapshotState::error:
      return "error";
    case SnapshotState::unknown:
      return "unknown";
  }
  return "unknown";
}

std::vector<RestorePoint> group_restore_points(std::span<const Snapshot> snapshots) {
  // Views into `snapshots`, which outlive the map: no copy per snapshot.
  using Key = std::tuple<std::string_view, std::string_view, std::string_view, std::string_view>;
  std::map<Key, RestorePoint> points;
  for (const auto& snap : snapshots) {
    const SnapshotTags& tags = snap.tags;
    if (tags.policy.empty()) continue;
    auto [it, inserted] = points.try_emplace(
        Key{tags.policy.view(), tags.instance.view(), tags.slot.view(), tags.set.view()});
    RestorePoint& point = it->second;
    if (inserted) {
      point.policy = tags.policy.str();
      point.instance_id = tags.instance.str();
      point.slot = tags.slot.str();
      point.set_id = tags.set.str();
      point.slot_time = parse_slot(point.slot);
    }
    const auto of = parse_copy_of(tags.copy_of.view());
    point.snapshots.push_back({snap.id.str(), snap.volume_id.str(), tags.device.str(), snap.state,
                               snap.size_gib, of ? std::string(of->snapshot_id) : std::string()});
  }
  std::vector<RestorePoint> out;
  out.reserve(points.size());
  std::vector<SnapshotState> states;
  for (auto& [key, point] : points) {
    std::ranges::sort(point.snapshots, {},
                      [](const PointSnapshot& s) { return std::tie(s.device, s.snapshot_id); });
    states.clear();
    for (const auto& s : point.snapshots) states.push_back(s.state);
    point.state = point_state(states);
    out.push_back(std::move(point));
  }
  return out;
}

std::string_view to_string(CopyState state) {
  switch (state) {
    case CopyState::completed:
      return "completed";
    case CopyState::pending:
      return "pending";
    case CopyState::error:
      return "error";
    case CopyState::partial:
      return "partial";
  }
  return "pending";
}

std::string_view to_string(CopyWithoutSource::Source source) {
  switch (source) {
    case CopyWithoutSource::Source::gone:
      return "gone";
    case CopyWithoutSource::Source::unknown:
      return "unknown";
    case CopyWithoutSource::Source::not_listed:
      return "not_listed";
  }
  return "unknown";
}

namespace {

// The copies at `place` of the point `source` (see CopyState).
PointCopies copies_at(const RestorePoint& source, const ListedCopies& place,
                      std::vector<PointSnapshot> snapshots) {
  PointCopies out;
  out.account = place.account;
  out.region = place.region;
  out.source_snapshots = static_cast<int>(source.snapshots.size());
  bool error = false;
  bool pending = false;
  for (const auto& source_snapshot : source.snapshots) {
    // Several copies of one snapshot (two runs raced): one completed is enough.
    const bool copied = std::ranges::any_of(snapshots, [&](const PointSnapshot& c) {
      return c.copy_of == source_snapshot.snapshot_id && c.state == SnapshotState::completed;
    });
    out.completed += copied ? 1 : 0;
  }
  for (const auto& c : snapshots) {
    error = error || c.state == SnapshotState::error;
    pending = pending || (c.state != SnapshotState::error && c.state != SnapshotState::completed);
  }
  if (error) {
    out.state = CopyState::error;
  } else if (pending) {
    out.state = CopyState::pending;
  } else if (out.completed < out.source_snapshots) {
    out.state = CopyState::partial;
  }
  out.snapshots = std::move(snapshots);
  return out;
}

}  // namespace

std::vector<CopyWithoutSource> match_copies(std::span<const SourcePoints> sources,
                                            std::span<const ListedCopies> copies) {
  using PointKey = std::tuple<std::string_view, std::string_view, std::string_view,
                              std::string_view>;  // policy, instance, slot, set
  std::vector<std::map<PointKey, RestorePoint*>> by_key(sources.size());
  for (std::size_t i = 0; i < sources.size(); ++i) {
    for (auto& p : *sources[i].points) {
      by_key[i].emplace(PointKey{p.policy, p.instance_id, p.slot, p.set_id}, &p);
    }
  }
  auto source_of = [&](std::string_view account,
                       std::string_view region) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < sources.size(); ++i) {
      if (sources[i].region == region &&
          (sources[i].account.empty() || sources[i].account == account)) {
        return i;
      }
    }
    return std::nullopt;
  };
  std::vector<CopyWithoutSource> out;
  for (const auto& place : copies) {
    // By source (account, region): views into place.snapshots.
    std::map<std::pair<std::string_view, std::string_view>, std::vector<Snapshot>> by_source;
    for (const auto& s : place.snapshots) {
      if (const auto of = parse_copy_of(s.tags.copy_of.view())) {
        by_source[{of->account_id, of->region}].push_back(s);
      }
    }
    for (const auto& [from, snapshots] : by_source) {
      const auto index = source_of(from.first, from.second);
      if (!index && !place.keep_unlisted) continue;
      for (auto& copy : group_restore_points(snapshots)) {
        if (index) {
          const auto found =
              by_key[*index].find(PointKey{copy.policy, copy.instance_id, copy.slot, copy.set_id});
          if (found != by_key[*index].end()) {
            found->second->copies.push_back(
                copies_at(*found->second, place, std::move(copy.snapshots)));
            continue;
          }
        }
        CopyWithoutSource c;
        c.account = place.account;
        c.region = place.region;
        c.source_account = std::string(from.first);
        c.source_region = std::string(from.second);
        c.source = !index                     ? CopyWithoutSource::Source::not_listed
                   : sources[*index].complete ? CopyWithoutSource::Source::gone
                                              : CopyWithoutSource::Source::unknown;
        c.point = std::move(copy);
        out.push_back(std::move(c));
      }
    }
  }
  for (const auto& source : sources) {
    for (auto& p : *source.points) {
      std::ranges::sort(p.copies, {},
                        [](const PointCopies& c) { return std::tie(c.region, c.account); });
    }
  }
  std::ranges::sort(out, {}, [](const CopyWithoutSource& c) {
    return std::tie(c.region, c.account, c.point.policy, c.point.instance_id, c.point.slot,
                    c.point.set_id, c.source_region, c.source_account);
  });
  return out;
}

}  // namespace snapkeep::core
