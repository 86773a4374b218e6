#include "core/inventory.h"

#include <algorithm>
#include <cstdint>
#include <unordered_set>

#include "core/restore_tags.h"

namespace snapkeep::core {

bool SnapshotTags::set_tag(std::string_view key, std::string_view value) {
  if (!key.starts_with(tag::prefix)) {
    return false;
  }
  CompactString* field = nullptr;
  if (key == tag::policy) {
    field = &policy;
  } else if (key == tag::slot) {
    field = &slot;
  } else if (key == tag::instance) {
    field = &instance;
  } else if (key == tag::set) {
    field = &set;
  } else if (key == tag::device) {
    field = &device;
  } else if (key == tag::copy_of) {
    field = &copy_of;
  } else if (key == tag::copy) {
    field = &copy;
  } else if (key == tag::owner) {
    field = &owner;
  } else if (key != tag::instance_meta && is_restore_tag(key)) {
    volumes = static_cast<std::uint16_t>(
        std::min<std::size_t>(UINT16_MAX, volumes + count_volume_entries(value)));
    return true;
  } else {
    return false;
  }
  *field = CompactString(value);
  return true;
}

SnapshotTags SnapshotTags::from(const Tags& tags) {
  SnapshotTags out;
  for (const auto& [key, value] : tags) {
    out.set_tag(key, value);
  }
  return out;
}

std::vector<std::string> unlisted_instance_ids(const RegionInventory& inventory) {
  std::unordered_set<std::string_view> listed;
  listed.reserve(inventory.instances.size());
  for (const auto& i : inventory.instances) {
    listed.insert(i.id);
  }
  std::unordered_set<std::string_view> seen;
  std::vector<std::string> out;
  for (const auto& s : inventory.snapshots) {
    const auto id = s.tags.instance.view();
    if (s.tags.policy.empty() || id.empty() || listed.contains(id) || !seen.insert(id).second) {
      continue;
    }
    out.emplace_back(id);
  }
  std::ranges::sort(out);
  return out;
}

}  // namespace snapkeep::core
