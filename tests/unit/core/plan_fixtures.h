// Builders for planner tests: small fleets and snapshot histories written as
// data, and a one-line rendering of actions so that expectations read as the
// plan a person would see.
#pragma once

#include <fmt/format.h>

#include <string>
#include <vector>

#include "core/plan.h"
#include "core/retention.h"

namespace snapkeep::core::testing {

inline constexpr std::string_view account = "111122223333";

inline Time at(std::string_view iso) {
  return parse_slot(iso).value();
}

inline Policy make_policy(std::string name, std::string schedule, Retention retain = {},
                          Tags select_tags = {{"Backup", "true"}}) {
  Policy p;
  p.name = std::move(name);
  p.schedule = Schedule::parse(schedule).value();
  p.retain = retain;
  p.select.tags = std::move(select_tags);
  return p;
}

// An instance with a root volume vol-<suffix>-0 on /dev/xvda and `data`
// more volumes vol-<suffix>-1... on /dev/sdf, /dev/sdg, ...
inline Instance make_instance(std::string id, Tags tags = {{"Backup", "true"}},
                              InstanceState state = InstanceState::running, int data = 1) {
  Instance i;
  i.id = id;
  i.state = state;
  i.root_device = "/dev/xvda";
  i.availability_zone = "us-east-1a";
  i.tags = std::move(tags);
  const std::string suffix = id.substr(2);
  i.volumes.push_back({"vol-" + suffix + "-0", "/dev/xvda", 8, {}, true, "", 0, 0});
  for (int d = 1; d <= data; ++d) {
    i.volumes.push_back({fmt::format("vol-{}-{}", suffix, d),
                         fmt::format("/dev/sd{}", static_cast<char>('e' + d)),
                         10,
                         {},
                         true,
                         "",
                         0,
                         0});
  }
  return i;
}

struct SnapSpec {
  std::string id;
  std::string policy;
  std::string instance;
  std::string slot;  // ISO text
  std::string set;
  SnapshotState state = SnapshotState::completed;
  std::string volume = {};
  std::string device = "/dev/xvda";  // empty: no snapkeep:device tag
  std::string owner = std::string(account);
};

inline Snapshot make_snapshot(const SnapSpec& s) {
  Snapshot snap;
  snap.id = s.id;
  snap.volume_id = s.volume.empty() ? "vol-" + s.instance.substr(2) + "-0" : s.volume;
  snap.state = s.state;
  snap.start_time = parse_slot(s.slot).value_or(Time{}) + std::chrono::seconds{5};
  snap.owner_id = s.owner;
  snap.tags.policy = s.policy;
  snap.tags.instance = s.instance;
  snap.tags.slot = s.slot;
  snap.tags.set = s.set;
  snap.tags.device = s.device;
  return snap;
}

inline RegionInventory make_inventory(std::vector<Instance> instances,
                                      std::vector<SnapSpec> snaps = {}) {
  RegionInventory inv;
  inv.account_id = std::string(account);
  inv.region = "us-east-1";
  inv.instances = std::move(instances);
  for (const auto& s : snaps) {
    inv.snapshots.push_back(make_snapshot(s));
  }
  inv.images = std::vector<Image>{};
  inv.absent_instances_gone = true;  // as if the engine looked up unlisted ids
  return inv;
}

inline constexpr auto nightly = "cron(0 0 * * ? *)";

inline Config one_policy(Policy p) {
  Config c;
  c.policies.push_back(std::move(p));
  return c;
}

// The plan at `now` (ISO text), with run id "run".
inline Plan run(const RegionInventory& inv, const Config& config, std::string_view now) {
  return plan(inv, config, at(now), PlanOptions{"run"});
}

// Two-volume points of `instance`, one a day at midnight UTC, newest
// 2026-11-25, going back `days` days; set r<d>.
inline std::vector<SnapSpec> daily_history(std::string_view instance, int days,
                                           std::string_view policy = "nightly") {
  std::vector<SnapSpec> out;
  for (int d = 0; d < days; ++d) {
    const auto slot = format_slot(at("2026-11-25T00:00:00Z") - std::chrono::days{d});
    const std::string inst(instance);
    out.push_back({fmt::format("snap-{}-{:02}-0", inst.substr(2), d), std::string(policy), inst,
                   slot, fmt::format("r{}", d), SnapshotState::completed,
                   "vol-" + inst.substr(2) + "-0", "/dev/xvda"});
    out.push_back({fmt::format("snap-{}-{:02}-1", inst.substr(2), d), std::string(policy), inst,
                   slot, fmt::format("r{}", d), SnapshotState::completed,
                   "vol-" + inst.substr(2) + "-1", "/dev/sdf"});
  }
  return out;
}

inline std::string describe(const Action& action) {
  struct Visitor {
    std::string operator()(const CreateAction& a) const {
      return fmt::format("create {} {} {} set={}{}{}", a.policy, a.instance_id, format_slot(a.slot),
                         a.set_id, a.exclude_boot_volume ? " exclude-boot" : "",
                         a.exclude_volume_ids.empty()
                             ? std::string{}
                             : fmt::format(" exclude={}", fmt::join(a.exclude_volume_ids, ",")));
    }
    std::string operator()(const TagDeviceAction& a) const {
      return fmt::format("tag-device {} {}", a.device, fmt::join(a.snapshot_ids, ","));
    }
    std::string operator()(const DeleteAction& a) const {
      return fmt::format("delete {} {} {} ({})", a.policy, a.instance_id, a.snapshot_id, a.reason);
    }
    std::string operator()(const SkipAction& a) const {
      return fmt::format("skip {}|{}|{}: {}", a.policy, a.instance_id, a.snapshot_id, a.reason);
    }
  };
  return std::visit(Visitor{}, action);
}

inline std::vector<std::string> describe(const Plan& plan) {
  std::vector<std::string> out;
  for (const auto& a : plan.actions) {
    out.push_back(describe(a));
  }
  return out;
}

}  // namespace snapkeep::core::testing
