#include "engine/inventory.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <unordered_map>

#include "core/restore_tags.h"
#include "core/selection.h"

namespace snapkeep::engine {

core::Tags to_core(const aws::TagList& tags) {
  core::Tags out;
  for (const auto& t : tags) out[t.key] = t.value;
  return out;
}

aws::TagList to_aws(const core::Tags& tags) {
  aws::TagList out;
  out.reserve(tags.size());
  for (const auto& [k, v] : tags) out.push_back({k, v});
  return out;
}

core::InstanceState instance_state(std::string_view name) {
  using core::InstanceState;
  if (name == "running") return InstanceState::running;
  if (name == "stopped") return InstanceState::stopped;
  if (name == "pending") return InstanceState::pending;
  if (name == "stopping") return InstanceState::stopping;
  if (name == "shutting-down") return InstanceState::shutting_down;
  if (name == "terminated") return InstanceState::terminated;
  return InstanceState::unknown;
}

core::SnapshotState snapshot_state(std::string_view name) {
  using core::SnapshotState;
  if (name == "completed") return SnapshotState::completed;
  if (name == "pending") return SnapshotState::pending;
  if (name == "error") return SnapshotState::error;
  // recoverable/recovering (archive tier) and anything new: not a good point,
  // and not ours to judge as errored either.
  return SnapshotState::unknown;
}

core::Instance to_core(const aws::Ec2Instance& in) {
  core::Instance out;
  out.id = in.id;
  out.state = instance_state(in.state);
  out.root_device = in.root_device_name;
  out.availability_zone = in.availability_zone;
  out.tags = to_core(in.tags);
  out.instance_type = in.instance_type;
  out.image_id = in.image_id;
  out.architecture = in.architecture;
  out.virtualization_type = in.virtualization_type;
  out.ena_support = in.ena_support;
  // The AMI's boot mode when it set one; else the mode the instance booted in.
  out.boot_mode = in.boot_mode.empty() ? in.current_boot_mode : in.boot_mode;
  for (const auto& bd : in.block_devices) {
    core::Volume v;
    v.id = bd.volume_id;
    v.device = bd.device_name;
    out.volumes.push_back(std::move(v));
  }
  return out;
}

core::Snapshot to_core(const aws::Ec2Snapshot& in) {
  core::Snapshot out;
  out.id = in.id;
  out.volume_id = in.volume_id;
  out.state = snapshot_state(in.state);
  out.start_time = std::chrono::time_point_cast<std::chrono::seconds>(in.start_time);
  out.owner_id = in.owner_id;
  out.size_gib = in.volume_size_gib;
  out.encrypted = in.encrypted;
  if (in.encrypted) out.kms_key_id = in.kms_key_id;
  for (const auto& t : in.tags) out.tags.set_tag(t.key, t.value);
  return out;
}

bool carried_by_copies(std::string_view key) {
  if (core::is_restore_tag(key)) return true;
  return !key.starts_with(core::tag::prefix) && !key.starts_with("aws:");
}

aws::Result<std::vector<core::Snapshot>> list_own_snapshots(const aws::Ec2& ec2,
                                                            SourceUserTags* user_tags) {
  aws::DescribeSnapshotsRequest request;
  request.owners = {"self"};
  request.filters.push_back({"tag-key", {std::string(core::tag::policy)}});
  std::vector<core::Snapshot> out;
  auto listed = ec2.describe_snapshots(request, [&](std::vector<aws::Ec2Snapshot>&& page) {
    for (auto& s : page) {
      out.push_back(to_core(s));
      if (user_tags == nullptr) continue;
      aws::TagList user;
      for (auto& t : s.tags) {
        if (carried_by_copies(t.key)) user.push_back(std::move(t));
      }
      if (!user.empty()) (*user_tags)[s.id] = std::move(user);
    }
  });
  if (!listed) return snapkeep::unexpected(listed.error());
  return out;
}

core::RegionInventory list_region(const aws::Ec2& ec2, const core::Config& config,
                                  const std::string& account_id, RegionReport& report,
                                  SourceUserTags* user_tags) {
  core::RegionInventory inv;
  inv.region = ec2.region();
  inv.account_id = account_id;

  aws::DescribeInstancesRequest instances_request;
  for (const auto& f : core::instance_filters(config)) {
    instances_request.filters.push_back({f.name, f.values});
  }
  auto instances = ec2.describe_instances(instances_request);
  if (instances) {
    inv.instances.reserve(instances->size());
    for (const auto& i : *instances) inv.instances.push_back(to_core(i));
  } else {
    inv.instances_complete = false;
    report.complete = false;
    report.problems.push_back("listing instances failed: " + instances.error().describe());
  }

  if (inv.instances_complete && core::needs_volume_tags(config) && !inv.instances.empty()) {
    // Without volume tags the core includes every volume (with a warning):
    // backing up a volume too many is safe, one too few is not.
    describe_volumes(ec2, inv, report, true);
  }

  auto snapshots = list_own_snapshots(ec2, user_tags);
  if (snapshots) {
    inv.snapshots = std::move(*snapshots);
  } else {
    inv.snapshots_complete = false;
    report.complete = false;
    report.problems.push_back("listing snapshots failed: " + snapshots.error().describe());
  }
  if (inv.instances_complete && inv.snapshots_complete) {
    // The filtered listing leaves out instances no policy selects: look up
    // by id alone those that have snapkeep snapshots, so that the planner
    // tells one that is gone (an orphan) from one that exists unselected
    // (another configuration's, or deselected). EC2 takes up to 200 values
    // per filter.
    const auto unlisted = core::unlisted_instance_ids(inv);
    constexpr std::size_t per_call = 200;
    bool looked_up = true;
    for (std::size_t i = 0; i < unlisted.size() && looked_up; i += per_call) {
      aws::DescribeInstancesRequest by_id;
      const auto last = std::min(unlisted.size(), i + per_call);
      by_id.filters.push_back({"instance-id",
                               {unlisted.begin() + static_cast<std::ptrdiff_t>(i),
                                unlisted.begin() + static_cast<std::ptrdiff_t>(last)}});
      auto found = ec2.describe_instances(by_id);
      if (!found) {
        looked_up = false;
        inv.instances_complete = false;
        report.complete = false;
        report.problems.push_back("looking up instances by id failed: " + found.error().describe());
        break;
      }
      for (const auto& instance : *found) inv.instances.push_back(to_core(instance));
    }
    inv.absent_instances_gone = looked_up;
  }
  report.instances = static_cast<std::int64_t>(inv.instances.size());
  report.snapshots = static_cast<std::int64_t>(inv.snapshots.size());
  return inv;
}

void describe_volumes(const aws::Ec2& ec2, core::RegionInventory& inv, RegionReport& report,
                      bool required) {
  // One paginated DescribeVolumes of the region's attached volumes, rather
  // than one call per instance.
  aws::DescribeVolumesRequest volumes_request;
  volumes_request.filters.push_back({"attachment.status", {"attached", "attaching"}});
  auto volumes = ec2.describe_volumes(volumes_request);
  inv.volumes_described = true;
  if (!volumes) {
    if (required) {
      report.problems.push_back("listing volume tags failed: " + volumes.error().describe());
      report.complete = false;
      inv.instances_complete = false;
    } else {
      report.problems.push_back(
          "listing volumes failed (new restore points record no volume types): " +
          volumes.error().describe());
    }
    return;
  }
  std::unordered_map<std::string, const aws::Ec2Volume*> by_id;
  for (const auto& v : *volumes) by_id[v.id] = &v;
  for (auto& instance : inv.instances) {
    for (auto& v : instance.volumes) {
      if (auto it = by_id.find(v.id); it != by_id.end()) {
        v.tags = to_core(it->second->tags);
        v.size_gib = it->second->size_gib;
        v.type = it->second->type;
        v.iops = it->second->iops;
        v.throughput = it->second->throughput;
        v.tags_known = true;
      }
    }
  }
}

void list_images(const aws::Ec2& ec2, core::RegionInventory& inventory, RegionReport& report) {
  aws::DescribeImagesRequest request;
  request.owners = {"self"};
  auto images = ec2.describe_images(request);
  if (!images) {
    inventory.images_complete = false;
    inventory.images = std::vector<core::Image>{};
    report.complete = false;
    report.problems.push_back("listing AMIs failed: " + images.error().describe());
    return;
  }
  std::vector<core::Image> out;
  out.reserve(images->size());
  for (const auto& i : *images) out.push_back({i.id, i.snapshot_ids});
  inventory.images = std::move(out);
}

}  // namespace snapkeep::engine
