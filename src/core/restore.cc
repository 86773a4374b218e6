#include "core/restore.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <tuple>

#include "core/restore_points.h"
#include "core/tag_limits.h"

namespace snapkeep::core {

namespace {

const std::set<std::string_view> kVolumeTypes = {"gp2", "gp3", "io1",     "io2",
                                                 "st1", "sc1", "standard"};

RestoreRefusal refuse(std::string message) {
  return {std::move(message)};
}

std::uint64_t fnv1a(std::string_view text, std::uint64_t hash = 14695981039346656037ull) {
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

std::string tag_or(const Tags& tags, std::string_view key) {
  auto it = tags.find(std::string(key));
  return it == tags.end() ? std::string() : it->second;
}

bool good_device_name(const std::string& device) {
  return !device.empty() && device.size() <= 32 &&
         device.find_first_of(" =:,") == std::string::npos;
}

// The volumes' tags: snapkeep's, then the source snapshot's own (never
// snapkeep:* or aws:*), within EC2's 50.
Tags volume_tags(const Candidate& point, const CandidateSnapshot& snap, const std::string& id,
                 const Tags& extra) {
  Tags tags{{std::string(tag::restored_from), point.set_id},
            {std::string(tag::restore_id), id},
            {std::string(tag::device), snap.device}};
  for (const auto& [k, v] : extra) tags.emplace(k, v);
  for (const auto& [k, v] : snap.tags) {
    if (tags.size() >= 50) break;
    if (k.starts_with(tag::prefix) || k.starts_with("aws:")) continue;
    tags.emplace(k, v);
  }
  return tags;
}

// The type, iops and throughput of one restored volume: --volume-type, else
// what was recorded, else gp3 (EC2's own default, gp2, is older and slower).
std::optional<RestoreRefusal> choose_performance(const Candidate& point, const std::string& device,
                                                 const std::string& override_type,
                                                 PlannedVolume& out,
                                                 std::vector<std::string>& notes) {
  auto recorded = point.volumes.find(device);
  if (recorded != point.volumes.end() &&
      (override_type.empty() || override_type == recorded->second.type)) {
    out.type = recorded->second.type;
    out.iops = recorded->second.iops;
    out.throughput = recorded->second.throughput;
    // gp2's iops are a function of its size, not a setting.
    if (out.type != "gp3" && out.type != "io1" && out.type != "io2") out.iops = 0;
    if (out.type != "gp3") out.throughput = 0;
    return std::nullopt;
  }
  out.type = override_type.empty() ? "gp3" : override_type;
  if (out.type == "io1" || out.type == "io2") {
    // Only io1/io2 iops are provisioned (and billed) ones; a gp3's are not.
    if (recorded != point.volumes.end() && recorded->second.iops > 0 &&
        (recorded->second.type == "io1" || recorded->second.type == "io2")) {
      out.iops = recorded->second.iops;
    } else {
      return refuse(fmt::format(
          "--volume-type {} needs provisioned iops and none are recorded for {}: choose gp3, or "
          "restore as recorded and change the type with ModifyVolume afterwards",
          out.type, device));
    }
  }
  if (recorded == point.volumes.end() && override_type.empty()) {
    notes.push_back(fmt::format("{}: no recorded volume type; restored as gp3", device));
  }
  return std::nullopt;
}

}  // namespace

std::vector<Candidate> restore_candidates(std::span<const SourceSnapshot> snapshots) {
  using Key = std::tuple<std::string, std::string, std::string, std::string>;
  std::map<Key, Candidate> points;
  for (const auto& s : snapshots) {
    std::string policy = tag_or(s.tags, tag::policy);
    if (policy.empty()) continue;
    Key key{tag_or(s.tags, tag::instance), tag_or(s.tags, tag::slot), policy,
            tag_or(s.tags, tag::set)};
    auto [it, inserted] = points.try_emplace(key);
    Candidate& c = it->second;
    if (inserted) {
      c.policy = policy;
      c.instance_id = std::get<0>(key);
      c.slot = std::get<1>(key);
      c.slot_time = parse_slot(c.slot);
      c.set_id = std::get<3>(key);
      c.region = s.region;
    }
    if (!c.meta) {
      if (auto meta = s.tags.find(std::string(tag::instance_meta)); meta != s.tags.end()) {
        c.meta = parse_instance_meta(meta->second);
      }
    }
    for (auto& [device, v] : parse_volume_tags(s.tags)) c.volumes.emplace(device, v);
    if (c.drill.empty()) c.drill = tag_or(s.tags, tag::drill);
    c.snapshots.push_back(
        {s.id, tag_or(s.tags, tag::device), s.state, s.size_gib, s.encrypted, s.tags});
  }
  std::vector<Candidate> out;
  std::vector<SnapshotState> states;
  for (auto& [key, c] : points) {
    std::ranges::sort(c.snapshots, {},
                      [](const CandidateSnapshot& s) { return std::tie(s.device, s.snapshot_id); });
    states.clear();
    for (const auto& s : c.snapshots) states.push_back(s.state);
    c.state = point_state(states);
    out.push_back(std::move(c));
  }
  std::ranges::stable_sort(out, {}, [](const Candidate& c) {
    return std::tie(c.instance_id, c.slot, c.policy, c.set_id);
  });
  return out;
}

std::optional<RestoreRefusal> check_request(const RestoreRequest& r) {
  if (r.instance_id.empty()) return refuse("--instance is required");
  if (!r.slot.empty() && r.latest) return refuse("--slot and --latest exclude each other");
  if (!r.slot.empty() && !parse_slot(r.slot)) {
    return refuse(fmt::format("--slot '{}' is not a UTC time like 2026-11-26T00:00:00Z", r.slot));
  }
  if (!r.volume_type.empty() && !kVolumeTypes.contains(r.volume_type)) {
    return refuse(fmt::format("--volume-type '{}' is not an EBS volume type ({})", r.volume_type,
                              fmt::join(kVolumeTypes, ", ")));
  }
  if (r.kind != RestoreKind::attach && !r.device_map.empty()) {
    return refuse("--device-map needs --attach-to");
  }
  if (r.kind != RestoreKind::launch &&
      (!r.instance_type.empty() || !r.subnet_id.empty() || !r.security_group_ids.empty() ||
       !r.key_name.empty() || !r.architecture.empty() || !r.virtualization_type.empty() ||
       !r.root_device.empty())) {
    return refuse(
        "--instance-type, --subnet-id, --security-group-ids, --key-name, --architecture, "
        "--virtualization-type and --root-device need --launch");
  }
  if (r.kind == RestoreKind::launch && (r.volume_type == "st1" || r.volume_type == "sc1")) {
    return refuse(fmt::format("--volume-type {} cannot be a boot volume", r.volume_type));
  }
  for (const auto& d : r.devices) {
    if (!good_device_name(d)) return refuse(fmt::format("--devices: '{}' is not a device name", d));
  }
  for (const auto& [from, to] : r.device_map) {
    if (!good_device_name(from) || !good_device_name(to)) {
      return refuse(fmt::format("--device-map: '{}={}' is not DEVICE=DEVICE", from, to));
    }
  }
  if (!r.architecture.empty() &&
      !std::set<std::string>{"i386", "x86_64", "arm64", "x86_64_mac", "arm64_mac"}.contains(
          r.architecture)) {
    return refuse(fmt::format("--architecture '{}' is not i386, x86_64 or arm64", r.architecture));
  }
  if (!r.virtualization_type.empty() && r.virtualization_type != "hvm" &&
      r.virtualization_type != "paravirtual") {
    return refuse("--virtualization-type is hvm or paravirtual");
  }
  return std::nullopt;
}

std::string describe_points(std::span<const Candidate> candidates) {
  std::string out;
  for (const auto& c : candidates) {
    out += fmt::format("  {}  {}  {}  {} volume{}{}\n", c.slot, c.policy, to_string(c.state),
                       c.snapshots.size(), c.snapshots.size() == 1 ? "" : "s",
                       c.region.empty() ? "" : "  " + c.region);
  }
  return out;
}

RestoreResult<const Candidate*> select_point(std::span<const Candidate> candidates,
                                             const RestoreRequest& request) {
  std::vector<const Candidate*> mine;
  for (const auto& c : candidates) {
    if (c.instance_id != request.instance_id) continue;
    if (!request.policy.empty() && c.policy != request.policy) continue;
    mine.push_back(&c);
  }
  if (mine.empty()) {
    return snapkeep::unexpected(refuse(
        fmt::format("no restore point of {}{}{}", request.instance_id,
                    request.policy.empty() ? "" : " for policy " + request.policy,
                    request.from_copy.empty() ? "" : " among the copies in " + request.from_copy)));
  }
  std::vector<Candidate> listed;
  for (const auto* c : mine) listed.push_back(*c);
  const Candidate* chosen = nullptr;
  if (!request.slot.empty()) {
    const auto wanted = parse_slot(request.slot);
    std::vector<const Candidate*> at;
    for (const auto* c : mine) {
      if (c->slot_time && wanted && *c->slot_time == *wanted) at.push_back(c);
    }
    if (at.empty()) {
      return snapkeep::unexpected(
          refuse(fmt::format("{} has no restore point at {}; its points:\n{}", request.instance_id,
                             request.slot, describe_points(listed))));
    }
    if (at.size() > 1) {
      std::set<std::string> policies;
      for (const auto* c : at) policies.insert(c->policy);
      if (policies.size() > 1) {
        return snapkeep::unexpected(
            refuse(fmt::format("{} has points of several policies at {} ({}): add --policy",
                               request.instance_id, request.slot, fmt::join(policies, ", "))));
      }
    }
    // Two sets in one slot (a raced run): the first good one, as retention keeps.
    for (const auto* c : at) {
      if (c->state == PointState::good) {
        chosen = c;
        break;
      }
    }
    if (chosen == nullptr) chosen = at.front();
  } else {
    for (auto it = mine.rbegin(); it != mine.rend(); ++it) {
      if ((*it)->state == PointState::good && (*it)->slot_time) {
        chosen = *it;
        break;
      }
    }
    if (chosen == nullptr) {
      return snapkeep::unexpected(
          refuse(fmt::format("{} has no complete restore point; its points:\n{}",
                             request.instance_id, describe_points(listed))));
    }
  }
  if (chosen->state != PointState::good) {
    for (const auto& s : chosen->snapshots) {
      if (s.state != SnapshotState::completed) {
        return snapkeep::unexpected(refuse(fmt::format(
            "the restore point of {} at {} is not complete: snapshot {} ({}) is {}; pick another "
            "point:\n{}",
            request.instance_id, chosen->slot, s.snapshot_id,
            s.device.empty() ? "no device" : s.device, to_string(s.state),
            describe_points(listed))));
      }
    }
  }
  return chosen;
}

std::string restore_id(const Candidate& point, const RestoreRequest& r) {
  std::string identity = fmt::format("{}|{}|{}|{}|{}|{}|{}|{}", point.region, point.set_id,
                                     point.slot, static_cast<int>(r.kind), r.availability_zone,
                                     r.attach_to, fmt::join(r.devices, ","), r.volume_type);
  for (const auto& [from, to] : r.device_map) identity += fmt::format("|{}={}", from, to);
  if (r.kind == RestoreKind::launch) {
    identity += fmt::format("|{}|{}|{}|{}", r.instance_type, r.subnet_id,
                            fmt::join(r.security_group_ids, ","), r.key_name);
  }
  return fmt::format("r-{:016x}", fnv1a(identity));
}

RestoreResult<VolumePlan> plan_volumes(const Candidate& point, const RestoreRequest& request,
                                       const std::string& id, const Tags& extra_tags) {
  VolumePlan plan;
  plan.restore_id = id;
  plan.availability_zone = request.availability_zone;
  if (plan.availability_zone.empty() && point.meta) {
    plan.availability_zone = point.meta->availability_zone;
  }
  if (plan.availability_zone.empty() && request.kind != RestoreKind::launch) {
    return snapkeep::unexpected(refuse(fmt::format(
        "the restore point of {} at {} records no availability zone (taken before snapkeep "
        "recorded restore metadata): add --availability-zone",
        point.instance_id, point.slot)));
  }
  std::set<std::string> present;
  for (const auto& s : point.snapshots) present.insert(s.device);
  for (const auto& d : request.devices) {
    if (!present.contains(d)) {
      return snapkeep::unexpected(refuse(fmt::format(
          "--devices: the point has no snapshot of {}; it has {}", d, fmt::join(present, ", "))));
    }
  }
  for (const auto& [from, to] : request.device_map) {
    if (!present.contains(from)) {
      return snapkeep::unexpected(
          refuse(fmt::format("--device-map: the point has no snapshot of {}; it has {}", from,
                             fmt::join(present, ", "))));
    }
  }
  std::set<std::string> targets;
  for (const auto& snap : point.snapshots) {
    if (!request.devices.empty() &&
        std::ranges::find(request.devices, snap.device) == request.devices.end()) {
      continue;
    }
    if (snap.device.empty()) {
      return snapkeep::unexpected(refuse(fmt::format(
          "snapshot {} of the point has no {} tag yet (the next run writes it): pass --devices "
          "to leave it out, or run first",
          snap.snapshot_id, tag::device)));
    }
    PlannedVolume v;
    v.device = snap.device;
    v.snapshot_id = snap.snapshot_id;
    v.size_gib = snap.size_gib;
    v.encrypted = snap.encrypted;
    if (auto problem = choose_performance(point, snap.device, request.volume_type, v, plan.notes)) {
      return snapkeep::unexpected(*problem);
    }
    if (request.kind == RestoreKind::attach) {
      auto mapped = request.device_map.find(snap.device);
      v.attach_device = mapped == request.device_map.end() ? snap.device : mapped->second;
      if (!targets.insert(v.attach_device).second) {
        return snapkeep::unexpected(
            refuse(fmt::format("--device-map puts two volumes at {}", v.attach_device)));
      }
    }
    v.client_token = fmt::format("{}-{:08x}", id, fnv1a(snap.device) & 0xffffffffu);
    v.tags = volume_tags(point, snap, id, extra_tags);
    plan.volumes.push_back(std::move(v));
  }
  if (plan.volumes.empty()) {
    return snapkeep::unexpected(refuse("nothing to restore: the point has no snapshot"));
  }
  return plan;
}

std::optional<RestoreRefusal> check_attach(const VolumePlan& plan, const TargetInstance& target,
                                           const std::vector<std::string>& ours) {
  if (target.state != InstanceState::running && target.state != InstanceState::stopped) {
    return refuse(fmt::format(
        "--attach-to {}: the instance is {}, and volumes attach only to a running or stopped "
        "instance; wait until it is, or pick another",
        target.id, target.state == InstanceState::terminated ? "terminated" : "not ready"));
  }
  if (target.availability_zone != plan.availability_zone) {
    return refuse(fmt::format(
        "--attach-to {}: the instance is in {}, the volumes would be in {}; a volume attaches "
        "only in its own zone: add --availability-zone {}",
        target.id, target.availability_zone, plan.availability_zone, target.availability_zone));
  }
  std::vector<std::string> taken;
  for (const auto& v : plan.volumes) {
    auto it = target.devices.find(v.attach_device);
    if (it != target.devices.end() && std::ranges::find(ours, it->second) == ours.end()) {
      taken.push_back(fmt::format("{} (by {})", v.attach_device, it->second));
    }
  }
  if (!taken.empty()) {
    return refuse(fmt::format(
        "--attach-to {}: device names already in use: {}; snapkeep never detaches what it did "
        "not attach: choose free names with --device-map {}=/dev/sdX",
        target.id, fmt::join(taken, ", "), plan.volumes.front().device));
  }
  return std::nullopt;
}

RestoreResult<LaunchPlan> plan_launch(const Candidate& point, const RestoreRequest& request,
                                      const std::string& id,
                                      const std::optional<SourceInstance>& source) {
  LaunchPlan plan;
  plan.restore_id = id;
  const InstanceMeta meta = point.meta.value_or(InstanceMeta{});
  auto pick = [](const std::string& flag, const std::string& recorded) {
    return flag.empty() ? recorded : flag;
  };
  plan.instance_type = pick(request.instance_type, meta.instance_type);
  plan.architecture = pick(request.architecture, meta.architecture);
  plan.virtualization_type = pick(request.virtualization_type, meta.virtualization_type);
  plan.root_device = pick(request.root_device, meta.root_device);
  plan.ena_support = meta.ena_support;
  plan.boot_mode = meta.boot_mode;
  std::vector<std::string> missing;
  if (plan.instance_type.empty()) missing.push_back("--instance-type");
  if (plan.architecture.empty()) missing.push_back("--architecture");
  if (plan.virtualization_type.empty()) missing.push_back("--virtualization-type");
  if (plan.root_device.empty()) missing.push_back("--root-device");
  if (!missing.empty()) {
    return snapkeep::unexpected(refuse(fmt::format(
        "--launch: the restore point of {} at {} does not record what booting it needs (taken "
        "before snapkeep recorded restore metadata): add {}",
        point.instance_id, point.slot, fmt::join(missing, " "))));
  }
  plan.subnet_id = request.subnet_id;
  plan.security_group_ids = request.security_group_ids;
  if (plan.subnet_id.empty()) {
    if (!source || source->subnet_id.empty()) {
      return snapkeep::unexpected(refuse(fmt::format(
          "--launch: {} no longer exists (or had no subnet), so there is no subnet to default "
          "to: add --subnet-id (and --security-group-ids)",
          point.instance_id)));
    }
    plan.subnet_id = source->subnet_id;
    if (plan.security_group_ids.empty()) plan.security_group_ids = source->security_group_ids;
  }
  plan.key_name = request.key_name;
  // The volumes as a volume restore would plan them (the zone is the subnet's).
  auto volumes = plan_volumes(point, request, id);
  if (!volumes) return snapkeep::unexpected(volumes.error());
  bool has_root = false;
  for (auto& v : volumes->volumes) {
    if (v.device == plan.root_device) has_root = true;
    v.client_token.clear();
    plan.mappings.push_back(std::move(v));
  }
  if (!has_root) {
    return snapkeep::unexpected(refuse(fmt::format(
        "--launch: the point has no snapshot of the root device {} (the policy excludes the boot "
        "volume, or --devices left it out): it cannot boot; restore it as volumes instead",
        plan.root_device)));
  }
  // std::stable_partition, not the ranges form: clang 14 (the fuzz build) cannot
  // instantiate std::ranges::stable_partition with libstdc++ 12 under C++2b.
  std::stable_partition(plan.mappings.begin(), plan.mappings.end(),
                        [&](const PlannedVolume& v) { return v.device == plan.root_device; });
  plan.image_name = fmt::format("snapkeep-{}-{}", point.instance_id, id);
  plan.client_token = id;
  plan.tags = {{std::string(tag::restored_from), point.set_id},
               {std::string(tag::restore_id), id},
               {"Name", fmt::format("restore of {} {}", point.instance_id, point.slot)}};
  return plan;
}

std::string format_drill(const DrillOutcome& o) {
  std::string out = fmt::format("{} {} {}", o.passed ? "pass" : "fail", format_slot(o.at),
                                static_cast<long long>(o.seconds + 0.5));
  if (!o.passed && !o.reason.empty()) out += " " + o.reason;
  if (utf8_length(out) > max_tag_value_chars) {
    out = std::string(utf8_prefix(out, max_tag_value_chars));
  }
  return out;
}

std::string check_drill(const VolumePlan& plan, std::span<const RestoredVolume> volumes,
                        std::span<const CandidateSnapshot> snapshots) {
  for (const auto& planned : plan.volumes) {
    auto v = std::ranges::find(volumes, planned.snapshot_id, &RestoredVolume::snapshot_id);
    if (v == volumes.end()) return fmt::format("no volume was made from {}", planned.snapshot_id);
    if (v->state != "available") {
      return fmt::format("{} (from {}) is {}", v->volume_id, planned.snapshot_id, v->state);
    }
    auto snap = std::ranges::find(snapshots, planned.snapshot_id, &CandidateSnapshot::snapshot_id);
    if (snap != snapshots.end() && v->size_gib < snap->size_gib) {
      return fmt::format("{} is {} GiB, its snapshot {} GiB", v->volume_id, v->size_gib,
                         snap->size_gib);
    }
  }
  return "";
}

const Candidate* pick_drill_point(std::span<const Candidate> candidates, bool random_pick,
                                  double random, int within_days, Time now) {
  std::vector<const Candidate*> eligible;
  for (const auto& c : candidates) {
    if (c.state != PointState::good || !c.slot_time) continue;
    if (*c.slot_time > now) continue;
    if (within_days > 0 && now - *c.slot_time > std::chrono::days(within_days)) continue;
    eligible.push_back(&c);
  }
  if (eligible.empty()) return nullptr;
  if (!random_pick) {
    return *std::ranges::max_element(eligible, {},
                                     [](const Candidate* c) { return *c->slot_time; });
  }
  auto index = static_cast<std::size_t>(random * static_cast<double>(eligible.size()));
  return eligible[std::min(index, eligible.size() - 1)];
}

}  // namespace snapkeep::core
