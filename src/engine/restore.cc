#include "engine/restore.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/restore_points.h"
#include "engine/inventory.h"

namespace snapkeep::engine {

namespace {

std::string tag_value(const aws::TagList& tags, std::string_view key) {
  for (const auto& t : tags) {
    if (t.key == key) return t.value;
  }
  return "";
}

std::string describe_call(std::string_view action,
                          const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out(action);
  for (const auto& [k, v] : params) {
    if (!v.empty()) out += fmt::format(" {}={}", k, v);
  }
  return out;
}

std::string int_or_empty(int value) {
  return value > 0 ? std::to_string(value) : std::string();
}

}  // namespace

aws::CreateVolumeRequest create_volume_request(const core::VolumePlan& plan,
                                               const core::PlannedVolume& v) {
  aws::CreateVolumeRequest r;
  r.availability_zone = plan.availability_zone;
  r.snapshot_id = v.snapshot_id;
  r.volume_type = v.type;
  r.iops = v.iops;
  r.throughput = v.throughput;
  r.encrypted = v.encrypted;
  r.tags = to_aws(v.tags);
  r.client_token = v.client_token;
  return r;
}

namespace {

std::vector<aws::EbsMapping> ebs_mappings(const core::LaunchPlan& plan) {
  std::vector<aws::EbsMapping> out;
  for (const auto& v : plan.mappings) {
    aws::EbsMapping m;
    m.device_name = v.device;
    m.snapshot_id = v.snapshot_id;
    m.volume_type = v.type;
    m.iops = v.iops;
    m.throughput = v.throughput;
    // The boot volume goes with the instance; data volumes are kept.
    m.delete_on_termination = v.device == plan.root_device;
    out.push_back(std::move(m));
  }
  return out;
}

RestoreOutcome failed(RestoreOutcome out, int status, std::string error) {
  out.exit_status = status;
  out.error = std::move(error);
  return out;
}

class Restorer {
 public:
  Restorer(const aws::Ec2& ec2, aws::Clock& clock, const core::RestoreRequest& request,
           const RestoreOptions& options)
      : m_ec2(ec2), m_clock(clock), m_request(request), m_options(options) {
    m_out.region = ec2.region();
  }

  RestoreOutcome run() {
    auto snapshots =
        list_instance_snapshots(m_ec2, m_request.instance_id, !m_request.from_copy.empty());
    if (!snapshots) {
      return failed(std::move(m_out), 1,
                    "listing the instance's snapshots failed: " + snapshots.error().describe());
    }
    m_candidates = core::restore_candidates(*snapshots);
    auto chosen = core::select_point(m_candidates, m_request);
    if (!chosen) return failed(std::move(m_out), 2, chosen.error().message);
    const core::Candidate& point = **chosen;
    m_out.point = point;
    m_out.restore_id =
        m_options.restore_id.empty() ? core::restore_id(point, m_request) : m_options.restore_id;
    if (m_request.kind == core::RestoreKind::launch) return launch(point);
    return volumes(point);
  }

 private:
  RestoreOutcome volumes(const core::Candidate& point) {
    core::RestoreRequest request = m_request;
    std::optional<core::TargetInstance> target;
    if (request.kind == core::RestoreKind::attach) {
      auto listed = describe_instance(request.attach_to);
      if (!listed) return failed(std::move(m_out), 1, listed.error());
      if (!*listed) {
        return failed(std::move(m_out), 2,
                      fmt::format("--attach-to {}: no such instance in {}", request.attach_to,
                                  m_ec2.region()));
      }
      const aws::Ec2Instance& i = **listed;
      target = core::TargetInstance{i.id, instance_state(i.state), i.availability_zone, {}};
      for (const auto& bd : i.block_devices) target->devices[bd.device_name] = bd.volume_id;
      // Old points record no zone: restore next to the target.
      if (request.availability_zone.empty() && !point.meta) {
        request.availability_zone = i.availability_zone;
      }
    }
    if (!m_request.from_copy.empty() && request.availability_zone.empty() && point.meta &&
        !point.meta->availability_zone.starts_with(m_ec2.region())) {
      return failed(
          std::move(m_out), 2,
          fmt::format("--from-copy {}: the point was taken in {}: add "
                      "--availability-zone (a zone of {})",
                      m_request.from_copy, point.meta->availability_zone, m_ec2.region()));
    }
    auto plan = core::plan_volumes(point, request, m_out.restore_id, m_options.extra_volume_tags);
    if (!plan) return failed(std::move(m_out), 2, plan.error().message);
    m_out.availability_zone = plan->availability_zone;
    m_out.notes = plan->notes;

    // What an earlier run of this restore made, by its tag.
    aws::DescribeVolumesRequest existing_request;
    existing_request.filters.push_back(
        {"tag:" + std::string(core::tag::restore_id), {m_out.restore_id}});
    auto existing = m_ec2.describe_volumes(existing_request);
    if (!existing) {
      return failed(std::move(m_out), 1,
                    "looking for volumes of an earlier run failed: " + existing.error().describe());
    }
    std::map<std::string, const aws::Ec2Volume*> made;  // by original device
    std::vector<std::string> ours;
    for (const auto& v : *existing) {
      if (v.state == "deleting" || v.state == "deleted" || v.state == "error") continue;
      made.emplace(tag_value(v.tags, core::tag::device), &v);
      ours.push_back(v.id);
    }
    if (target) {
      if (auto refusal = core::check_attach(*plan, *target, ours)) {
        return failed(std::move(m_out), 2, refusal->message);
      }
      m_out.instance_id = target->id;
    }

    for (const auto& v : plan->volumes) {
      RestoredVolume r;
      r.device = v.device;
      r.attach_device = v.attach_device;
      r.snapshot_id = v.snapshot_id;
      r.availability_zone = plan->availability_zone;
      r.size_gib = v.size_gib;
      r.type = v.type;
      if (auto it = made.find(v.device); it != made.end()) {
        r.volume_id = it->second->id;
        r.state = it->second->state;
        r.size_gib = it->second->size_gib;
        r.reused = true;
      }
      m_out.volumes.push_back(std::move(r));
    }
    if (m_options.dry_run) {
      for (std::size_t i = 0; i < plan->volumes.size(); ++i) {
        const auto& v = plan->volumes[i];
        if (m_out.volumes[i].reused) continue;
        m_out.planned_calls.push_back(
            describe_call("CreateVolume", {{"AvailabilityZone", plan->availability_zone},
                                           {"SnapshotId", v.snapshot_id},
                                           {"VolumeType", v.type},
                                           {"Iops", int_or_empty(v.iops)},
                                           {"Throughput", int_or_empty(v.throughput)},
                                           {"Encrypted", v.encrypted ? "true" : ""},
                                           {"ClientToken", v.client_token}}));
      }
      if (target) {
        for (const auto& v : plan->volumes) {
          m_out.planned_calls.push_back(describe_call(
              "AttachVolume", {{"InstanceId", target->id}, {"Device", v.attach_device}}));
        }
      }
      return std::move(m_out);
    }

    const auto started = m_clock.monotonic();
    for (std::size_t i = 0; i < plan->volumes.size(); ++i) {
      if (m_out.volumes[i].reused) continue;
      auto created = m_ec2.create_volume(create_volume_request(*plan, plan->volumes[i]));
      if (!created) {
        return finish(
            started, 1,
            fmt::format("CreateVolume from {} ({}) failed: {}", plan->volumes[i].snapshot_id,
                        plan->volumes[i].device, created.error().describe()));
      }
      m_out.volumes[i].volume_id = created->id;
      m_out.volumes[i].state = created->state;
      m_out.volumes[i].size_gib = created->size_gib;
    }
    std::vector<std::string> ids;
    for (const auto& v : m_out.volumes) ids.push_back(v.volume_id);
    std::vector<std::string> to_attach;
    for (const auto& v : m_out.volumes) {
      if (target && target->devices.contains(v.attach_device)) continue;  // attached before
      to_attach.push_back(v.volume_id);
    }
    std::vector<std::string> to_wait;
    for (const auto& v : m_out.volumes) {
      // Reused volumes someone attached since are as restored as they get.
      if (v.state != "in-use") to_wait.push_back(v.volume_id);
    }
    if (auto waited = wait(target ? to_attach : to_wait, "available"); waited != 0) {
      return finish(started, waited, m_wait_problem);
    }
    if (target) {
      for (auto& v : m_out.volumes) {
        if (target->devices.contains(v.attach_device)) continue;
        auto attached = m_ec2.attach_volume({v.volume_id, target->id, v.attach_device});
        if (!attached) {
          return finish(started, 1,
                        fmt::format("AttachVolume {} at {} failed: {}", v.volume_id,
                                    v.attach_device, attached.error().describe()));
        }
      }
      if (auto waited = wait(ids, "in-use"); waited != 0) {
        return finish(started, waited, m_wait_problem);
      }
    }
    return finish(started, 0, "");
  }

  // Polls until every volume of `watch` is `wanted`; 0, or 1 with
  // m_wait_problem set. Updates the outcome's states from the answers.
  int wait(const std::vector<std::string>& watch, std::string_view wanted) {
    if (watch.empty()) return 0;
    std::vector<aws::Ec2Volume> states;
    auto done = wait_for_volumes(m_ec2, m_clock, watch, wanted, m_options, states, m_wait_problem);
    for (const auto& s : states) {
      for (auto& v : m_out.volumes) {
        if (v.volume_id == s.id) {
          v.state = s.state;
          v.size_gib = s.size_gib;
        }
      }
    }
    if (!done) {
      m_wait_problem = "waiting for the volumes failed: " + done.error().describe();
      return 1;
    }
    return *done ? 0 : 1;
  }

  RestoreOutcome finish(std::chrono::steady_clock::time_point started, int status,
                        std::string error) {
    m_out.seconds = std::chrono::duration<double>(m_clock.monotonic() - started).count();
    m_out.exit_status = status;
    if (status != 0) {
      std::vector<std::string> made;
      for (const auto& v : m_out.volumes) {
        if (!v.volume_id.empty()) made.push_back(fmt::format("{} ({})", v.volume_id, v.state));
      }
      if (!made.empty()) {
        error += fmt::format(
            "; made so far and left as they are (a rerun of the same command continues with "
            "them): {}",
            fmt::join(made, ", "));
      }
      if (!m_out.image_id.empty()) error += m_image_note;
    }
    m_out.error = std::move(error);
    return std::move(m_out);
  }

  // The instance, nullopt when EC2 does not know it; a failure as text.
  snapkeep::expected<std::optional<aws::Ec2Instance>, std::string> describe_instance(
      const std::string& id) {
    aws::DescribeInstancesRequest request;
    request.instance_ids = {id};
    auto listed = m_ec2.describe_instances(request);
    if (!listed) {
      if (listed.error().kind == aws::ErrorKind::not_found) {
        return std::optional<aws::Ec2Instance>{};
      }
      return snapkeep::unexpected("DescribeInstances " + id +
                                  " failed: " + listed.error().describe());
    }
    if (listed->empty()) return std::optional<aws::Ec2Instance>{};
    return std::optional<aws::Ec2Instance>{listed->front()};
  }

  RestoreOutcome launch(const core::Candidate& point) {
    auto source = describe_instance(point.instance_id);
    if (!source) return failed(std::move(m_out), 1, source.error());
    std::optional<core::SourceInstance> still_there;
    if (*source && (*source)->state != "terminated" && (*source)->state != "shutting-down") {
      still_there = core::SourceInstance{(*source)->subnet_id, (*source)->security_group_ids};
    }
    if (!m_request.from_copy.empty() && m_request.subnet_id.empty()) {
      still_there.reset();  // the source's subnet is in the other region
    }
    auto plan = core::plan_launch(point, m_request, m_out.restore_id, still_there);
    if (!plan) return failed(std::move(m_out), 2, plan.error().message);

    // An earlier run of this restore: its instance, or its image.
    aws::DescribeInstancesRequest earlier;
    earlier.filters.push_back({"tag:" + std::string(core::tag::restore_id), {m_out.restore_id}});
    earlier.filters.push_back(
        {"instance-state-name", {"pending", "running", "stopping", "stopped"}});
    auto launched = m_ec2.describe_instances(earlier);
    if (!launched) {
      return failed(
          std::move(m_out), 1,
          "looking for an instance of an earlier run failed: " + launched.error().describe());
    }
    aws::DescribeImagesRequest image_request;
    image_request.filters.push_back({"name", {plan->image_name}});
    auto images = m_ec2.describe_images(image_request);
    if (!images) {
      return failed(std::move(m_out), 1,
                    "looking for an image of an earlier run failed: " + images.error().describe());
    }
    if (!images->empty()) m_out.image_id = images->front().id;

    if (m_options.dry_run) {
      if (launched->empty()) {
        if (m_out.image_id.empty()) {
          std::vector<std::pair<std::string, std::string>> params{
              {"Name", plan->image_name},
              {"RootDeviceName", plan->root_device},
              {"Architecture", plan->architecture},
              {"VirtualizationType", plan->virtualization_type},
              {"EnaSupport", plan->ena_support},
              {"BootMode", plan->boot_mode}};
          for (const auto& m : plan->mappings) {
            params.emplace_back(m.device, m.snapshot_id + " " + m.type);
          }
          m_out.planned_calls.push_back(describe_call("RegisterImage", params));
        }
        m_out.planned_calls.push_back(describe_call(
            "RunInstances",
            {{"InstanceType", plan->instance_type},
             {"SubnetId", plan->subnet_id},
             {"SecurityGroupId", fmt::format("{}", fmt::join(plan->security_group_ids, ","))},
             {"KeyName", plan->key_name},
             {"ClientToken", plan->client_token}}));
        m_out.planned_calls.push_back("DeregisterImage (once the instance runs)");
      }
      return std::move(m_out);
    }

    const auto started = m_clock.monotonic();
    aws::Ec2Instance instance;
    if (!launched->empty()) {
      instance = launched->front();
      m_out.notes.push_back(
          fmt::format("{} was launched by an earlier run of this restore", instance.id));
    } else {
      if (m_out.image_id.empty()) {
        aws::RegisterImageRequest image;
        image.name = plan->image_name;
        image.description = fmt::format("snapkeep restore of {} at {} (set {})", point.instance_id,
                                        point.slot, point.set_id);
        image.root_device_name = plan->root_device;
        image.architecture = plan->architecture;
        image.virtualization_type = plan->virtualization_type;
        image.ena_support = plan->ena_support;
        image.boot_mode = plan->boot_mode;
        image.mappings = ebs_mappings(*plan);
        image.tags = to_aws(plan->tags);
        auto registered = m_ec2.register_image(image);
        if (!registered) {
          return finish(
              started, 1,
              "RegisterImage failed: " + registered.error().describe() + "; nothing was made");
        }
        m_out.image_id = *registered;
      }
      aws::RunInstancesRequest run_request;
      run_request.image_id = m_out.image_id;
      run_request.instance_type = plan->instance_type;
      run_request.subnet_id = plan->subnet_id;
      run_request.security_group_ids = plan->security_group_ids;
      run_request.key_name = plan->key_name;
      // The image's mappings again: the same snapshots, so nothing is
      // overridden; it also makes emulators that ignore RegisterImage's
      // mappings (moto) build the instance from the right snapshots.
      run_request.mappings = ebs_mappings(*plan);
      run_request.tags = to_aws(plan->tags);
      run_request.volume_tags = to_aws(plan->tags);
      run_request.client_token = plan->client_token;
      auto started_instance = m_ec2.run_instances(run_request);
      if (!started_instance) {
        auto cleaned = m_ec2.deregister_image(m_out.image_id);
        m_image_note =
            cleaned ? fmt::format("; image {} deregistered again, no instance left", m_out.image_id)
                    : fmt::format(
                          "; image {} is left registered (deregistering failed: {}): "
                          "deregister it by hand",
                          m_out.image_id, cleaned.error().describe());
        return finish(started, 1, "RunInstances failed: " + started_instance.error().describe());
      }
      instance = *started_instance;
    }
    m_out.instance_id = instance.id;
    if (auto waited = wait_running(instance.id, instance); !waited.empty()) {
      m_image_note = fmt::format("; image {} is still registered", m_out.image_id);
      return finish(started, 1, waited);
    }
    for (const auto& bd : instance.block_devices) {
      RestoredVolume v;
      v.volume_id = bd.volume_id;
      v.device = bd.device_name;
      v.availability_zone = instance.availability_zone;
      v.state = "in-use";
      for (const auto& m : plan->mappings) {
        if (m.device == bd.device_name) {
          v.snapshot_id = m.snapshot_id;
          v.size_gib = m.size_gib;
          v.type = m.type;
        }
      }
      m_out.volumes.push_back(std::move(v));
    }
    m_out.availability_zone = instance.availability_zone;
    // The running instance no longer needs its image, and a registered image
    // would keep retention from ever deleting the point's snapshots.
    if (!m_out.image_id.empty()) {
      auto cleaned = m_ec2.deregister_image(m_out.image_id);
      if (!cleaned) {
        m_out.notes.push_back(fmt::format(
            "image {} could not be deregistered ({}): it keeps the point's snapshots from "
            "being deleted; deregister it by hand",
            m_out.image_id, cleaned.error().describe()));
      }
    }
    return finish(started, 0, "");
  }

  // "" once `id` runs (instance filled from the last answer), else why not.
  std::string wait_running(const std::string& id, aws::Ec2Instance& instance) {
    const auto deadline = m_clock.monotonic() + m_options.timeout;
    auto delay = m_options.first_poll;
    for (;;) {
      aws::DescribeInstancesRequest request;
      request.instance_ids = {id};
      auto listed = m_ec2.describe_instances(request);
      // Just launched: EC2's listing may not know it yet (eventual consistency).
      if (listed && !listed->empty()) {
        instance = listed->front();
        if (instance.state == "running") return "";
        if (instance.state != "pending") {
          return fmt::format("instance {} is {} instead of running", id, instance.state);
        }
      } else if (!listed && listed.error().kind != aws::ErrorKind::not_found) {
        return "waiting for the instance failed: " + listed.error().describe();
      }
      if (m_clock.monotonic() + delay > deadline) {
        return fmt::format(
            "instance {} was not running within {} s", id,
            std::chrono::duration_cast<std::chrono::seconds>(m_options.timeout).count());
      }
      m_clock.sleep_for(delay);
      delay = std::min(delay * 2, m_options.max_poll);
    }
  }

  const aws::Ec2& m_ec2;
  aws::Clock& m_clock;
  const core::RestoreRequest& m_request;
  const RestoreOptions& m_options;
  std::vector<core::Candidate> m_candidates;
  RestoreOutcome m_out;
  std::string m_wait_problem;
  std::string m_image_note;
};

}  // namespace

aws::Result<std::vector<core::SourceSnapshot>> list_instance_snapshots(
    const aws::Ec2& ec2, const std::string& instance_id, bool copies_only) {
  aws::DescribeSnapshotsRequest request;
  request.owners = {"self"};
  request.filters.push_back({"tag:" + std::string(core::tag::instance), {instance_id}});
  if (copies_only) request.filters.push_back({"tag-key", {std::string(core::tag::copy_of)}});
  std::vector<core::SourceSnapshot> out;
  auto listed = ec2.describe_snapshots(request, [&](std::vector<aws::Ec2Snapshot>&& page) {
    for (auto& s : page) {
      core::SourceSnapshot snap;
      snap.id = s.id;
      snap.volume_id = s.volume_id;
      snap.state = snapshot_state(s.state);
      snap.size_gib = s.volume_size_gib;
      snap.encrypted = s.encrypted;
      snap.kms_key_id = s.kms_key_id;
      snap.region = ec2.region();
      snap.tags = to_core(s.tags);
      out.push_back(std::move(snap));
    }
  });
  if (!listed) return snapkeep::unexpected(listed.error());
  return out;
}

aws::Result<bool> wait_for_volumes(const aws::Ec2& ec2, aws::Clock& clock,
                                   const std::vector<std::string>& ids, std::string_view wanted,
                                   const RestoreOptions& options,
                                   std::vector<aws::Ec2Volume>& states, std::string& problem) {
  const auto deadline = clock.monotonic() + options.timeout;
  auto delay = options.first_poll;
  for (;;) {
    aws::DescribeVolumesRequest request;
    request.volume_ids = ids;
    auto listed = ec2.describe_volumes(request);
    // A volume just created may be unknown to DescribeVolumes for a moment.
    if (!listed && listed.error().kind != aws::ErrorKind::not_found) {
      return snapkeep::unexpected(listed.error());
    }
    if (listed) {
      states = *listed;
      std::size_t ready = 0;
      for (const auto& v : states) {
        if (v.state == "error") {
          problem = fmt::format("volume {} (from {}) went to state error", v.id, v.snapshot_id);
          return false;
        }
        if (v.state == "deleting" || v.state == "deleted") {
          problem = fmt::format("volume {} is {}: something else deleted it", v.id, v.state);
          return false;
        }
        if (v.state == wanted) ++ready;
      }
      if (ready == ids.size()) return true;
    }
    if (clock.monotonic() + delay > deadline) {
      std::vector<std::string> waiting;
      for (const auto& v : states) {
        if (v.state != wanted) waiting.push_back(fmt::format("{} {}", v.id, v.state));
      }
      problem =
          fmt::format("volumes not {} within {} s: {}", wanted,
                      std::chrono::duration_cast<std::chrono::seconds>(options.timeout).count(),
                      fmt::join(waiting, ", "));
      return false;
    }
    clock.sleep_for(delay);
    delay = std::min(delay * 2, options.max_poll);
  }
}

RestoreOutcome restore(const aws::Ec2& ec2, aws::Clock& clock, const core::RestoreRequest& request,
                       const RestoreOptions& options) {
  return Restorer(ec2, clock, request, options).run();
}

nlohmann::json to_json(const RestoreOutcome& o) {
  using nlohmann::json;
  json point = nullptr;
  if (o.point) {
    json snapshots = json::array();
    for (const auto& s : o.point->snapshots) {
      snapshots.push_back({{"snapshot_id", s.snapshot_id},
                           {"device", s.device},
                           {"state", core::to_string(s.state)},
                           {"size_gib", s.size_gib}});
    }
    point = {{"region", o.region},
             {"policy", o.point->policy},
             {"instance_id", o.point->instance_id},
             {"slot", o.point->slot},
             {"set_id", o.point->set_id},
             {"state", core::to_string(o.point->state)},
             {"metadata_recorded", o.point->meta.has_value()},
             {"snapshots", std::move(snapshots)}};
  }
  json volumes = json::array();
  for (const auto& v : o.volumes) {
    json entry = {{"volume_id", v.volume_id.empty() ? json(nullptr) : json(v.volume_id)},
                  {"device", v.device},
                  {"snapshot_id", v.snapshot_id},
                  {"availability_zone", v.availability_zone},
                  {"size_gib", v.size_gib},
                  {"volume_type", v.type},
                  {"state", v.state},
                  {"reused", v.reused}};
    if (!v.attach_device.empty()) entry["attached_as"] = v.attach_device;
    volumes.push_back(std::move(entry));
  }
  json out = {{"restore_point", std::move(point)},
              {"restore_id", o.restore_id},
              {"volumes", std::move(volumes)},
              {"instance_id", o.instance_id.empty() ? json(nullptr) : json(o.instance_id)},
              {"exit_status", o.exit_status},
              {"seconds", o.seconds},
              {"notes", o.notes}};
  if (!o.image_id.empty()) out["image_id"] = o.image_id;
  if (!o.error.empty()) out["error"] = o.error;
  if (!o.planned_calls.empty() || o.exit_status == 0) out["dry_run_calls"] = o.planned_calls;
  json calls = json::object();
  for (const auto& [action, c] : o.api_calls) calls[action] = c.calls;
  out["api_calls"] = std::move(calls);
  return out;
}

std::string render_text(const RestoreOutcome& o, bool verbose) {
  std::string out;
  if (o.point) {
    out += fmt::format("restore point: {} {} {} (policy {}, set {}, {})\n", o.region,
                       o.point->instance_id, o.point->slot, o.point->policy, o.point->set_id,
                       core::to_string(o.point->state));
  }
  for (const auto& n : o.notes) out += "note: " + n + "\n";
  if (!o.planned_calls.empty()) {
    out += "dry run: would call\n";
    for (const auto& c : o.planned_calls) out += "  " + c + "\n";
  }
  for (const auto& v : o.volumes) {
    if (v.volume_id.empty()) continue;
    out += fmt::format(
        "  {}  {}{}  {} GiB {}  {}  from {}{}\n", v.volume_id, v.device,
        v.attach_device.empty() || v.attach_device == v.device ? "" : " -> " + v.attach_device,
        v.size_gib, v.type, v.state, v.snapshot_id, v.reused ? "  (earlier run)" : "");
  }
  if (!o.instance_id.empty()) out += fmt::format("instance: {}\n", o.instance_id);
  if (o.exit_status == 0 && o.planned_calls.empty() && o.point) {
    out += fmt::format("restored in {:.1f} s (restore id {})\n", o.seconds, o.restore_id);
  }
  if (verbose) {
    out += "API calls:\n";
    for (const auto& [action, c] : o.api_calls) {
      out += fmt::format("  {:<20} {:>5} calls {:>3} retries\n", action, c.calls, c.retries);
    }
  }
  return out;
}

}  // namespace snapkeep::engine
