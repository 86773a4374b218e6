#include "core/restore_points.h"

#include <algorithm>
#include <map>
#include <string_view>
#include <tuple>

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
    point.snapshots.push_back(
        {snap.id.str(), snap.volume_id.str(), tags.device.str(), snap.state, snap.size_gib});
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

}  // namespace snapkeep::core
