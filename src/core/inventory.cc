#include "core/inventory.h"

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

}  // namespace snapkeep::core
