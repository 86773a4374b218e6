// Fleet and history builders for the FakeEc2, shared by the engine tests and
// the scale benchmark: a generated fleet of instances with volumes, and days
// of restore-point history written straight into the fake's state, decided
// by the real planner (so the tags and retention are exactly what runs would
// have left) but without paying for the API calls of the past runs.
//
// fake_region_factory() gives the engine its region clients over the fake,
// wired as a real run wires them (engine::make_region_clients).
//
// Header-only because it needs the core, which the snapkeep_fakes library
// does not link; its users link the engine.
//
// Thread safety: like FakeEc2's fleet-building methods, must not race with
// FakeEc2::send().
#pragma once

#include <date/date.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "core/plan.h"
#include "engine/aws_session.h"
#include "engine/reconcile.h"
#include "support/fake_ec2.h"

namespace snapkeep::testing {

// Adds `count` running instances to `region`, each tagged `tags`, instance i
// with volumes_of(i) volumes on /dev/xvda (root), /dev/sdf, /dev/sdg, ...
// Returns the new instances' ids.
inline std::vector<std::string> add_fleet(FakeEc2& ec2, const std::string& region, int count,
                                          const std::function<int(int)>& volumes_of,
                                          const std::map<std::string, std::string>& tags) {
  std::vector<std::string> ids;
  auto& r = ec2.region(region);
  for (int i = 0; i < count; ++i) {
    FakeInstance instance;
    instance.id = ec2.next_id("i");
    instance.availability_zone = region + "a";
    instance.tags = tags;
    int volumes = volumes_of(i);
    for (int v = 0; v < volumes; ++v) {
      FakeVolume volume;
      volume.id = ec2.next_id("vol");
      volume.device = v == 0 ? std::string("/dev/xvda")
                             : "/dev/sd" + std::string(1, static_cast<char>('f' + v - 1));
      instance.volumes.push_back(std::move(volume));
    }
    ids.push_back(instance.id);
    r.instances.push_back(std::move(instance));
  }
  return ids;
}

// "2026-02-01T03:30:00.000Z" -> seconds (the fake's own stamps only).
inline core::Time parse_fake_time(const std::string& text) {
  auto field = [&](std::size_t pos, std::size_t len) { return std::stoi(text.substr(pos, len)); };
  date::year_month_day day{date::year{field(0, 4)}, date::month{static_cast<unsigned>(field(5, 2))},
                           date::day{static_cast<unsigned>(field(8, 2))}};
  return core::Time(date::sys_days(day)) + std::chrono::hours(field(11, 2)) +
         std::chrono::minutes(field(14, 2)) + std::chrono::seconds(field(17, 2));
}

// The fake's state as the engine's listing would map it (all of it: the
// fake's instances match any policy filter the tests use).
inline core::RegionInventory fake_inventory(FakeEc2& ec2, const std::string& region) {
  core::RegionInventory inventory;
  inventory.account_id = ec2.account_id();
  inventory.region = region;
  auto& r = ec2.region(region);
  for (const auto& fi : r.instances) {
    core::Instance instance;
    instance.id = fi.id;
    instance.state = fi.state == "running"   ? core::InstanceState::running
                     : fi.state == "stopped" ? core::InstanceState::stopped
                                             : core::InstanceState::unknown;
    instance.root_device = fi.root_device;
    instance.availability_zone = fi.availability_zone;
    instance.tags = fi.tags;
    for (const auto& fv : fi.volumes)
      instance.volumes.push_back(
          {fv.id, fv.device, fv.size_gib, fv.tags, true, fv.type, fv.iops, fv.throughput});
    inventory.instances.push_back(std::move(instance));
  }
  for (const auto& [id, fs] : r.snapshots) {
    if (!fs.tags.contains(std::string(core::tag::policy))) continue;
    core::Snapshot s;
    s.id = id;
    s.volume_id = fs.volume_id;
    s.state =
        fs.state == "completed" ? core::SnapshotState::completed : core::SnapshotState::pending;
    s.start_time = parse_fake_time(fs.start_time);
    s.owner_id = fs.owner_id;
    s.size_gib = fs.size_gib;
    s.tags = core::SnapshotTags::from(fs.tags);
    inventory.snapshots.push_back(std::move(s));
  }
  std::vector<core::Image> images;
  for (const auto& fi : r.images) images.push_back({fi.id, fi.snapshot_ids});
  inventory.images = std::move(images);
  return inventory;
}

// Applies `runs` planned runs at first, first + step, ...: each creates the
// due restore points (completed, device-tagged) and deletes what retention
// lets go, directly in the fake's state.
inline void seed_history(FakeEc2& ec2, const std::string& region, const core::Config& config,
                         core::Time first, std::chrono::seconds step, int runs) {
  auto& r = ec2.region(region);
  std::map<std::string, std::string> device_of;
  for (const auto& instance : r.instances) {
    for (const auto& v : instance.volumes) device_of[v.id] = v.device;
  }
  for (int run = 0; run < runs; ++run) {
    core::Time now = first + step * run;
    core::Plan plan = core::plan(fake_inventory(ec2, region), config, now,
                                 core::PlanOptions{"seed" + std::to_string(run)});
    for (const auto& action : plan.actions) {
      if (const auto* create = std::get_if<core::CreateAction>(&action)) {
        for (const auto& v : create->volumes) {
          FakeSnapshot s;
          s.id = ec2.next_id("snap");
          s.volume_id = v.id;
          s.start_time = date::format("%Y-%m-%dT%H:%M:%S.000Z", now);
          s.owner_id = ec2.account_id();
          s.description = create->description;
          s.tags = create->tags;
          s.tags[std::string(core::tag::device)] = device_of[v.id];
          r.snapshots[s.id] = std::move(s);
        }
      } else if (const auto* del = std::get_if<core::DeleteAction>(&action)) {
        r.snapshots.erase(del->snapshot_id);
      }
    }
  }
}

// Region clients over `ec2`, signed with fixed keys, paced by `limiter`
// (null: unpaced), retrying per `retry`.
inline engine::RegionClientFactory fake_region_factory(FakeEc2& ec2, aws::Clock& clock,
                                                       aws::RateLimiterRegistry* limiter,
                                                       aws::RetryOptions retry = {}) {
  return [&ec2, &clock, limiter, retry](const engine::Target& target)
             -> snapkeep::expected<std::unique_ptr<engine::RegionClients>, std::string> {
    const std::string& region = target.region;
    aws::QueryEndpoint endpoint{"ec2", region, "https://ec2." + region + ".amazonaws.com/",
                                std::string(aws::Ec2::api_version)};
    auto credentials = []() -> aws::Result<aws::Credentials> {
      aws::Credentials c;
      c.access_key_id = "AKIDEXAMPLE";
      c.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
      c.source = "test";
      return c;
    };
    return engine::make_region_clients(endpoint, ec2, clock, credentials, retry, limiter, {},
                                       target.account.id);
  };
}

// The target of the fake's account in `region`, as engine::resolve_targets
// makes it.
inline engine::Target fake_target(const FakeEc2& ec2, const std::string& region) {
  return engine::Target{engine::Account{ec2.account_id(), ec2.account_id(), {}, {}, {}}, region};
}

inline std::vector<engine::Target> fake_targets(const FakeEc2& ec2,
                                                const std::vector<std::string>& regions) {
  std::vector<engine::Target> out;
  for (const auto& r : regions) out.push_back(fake_target(ec2, r));
  return out;
}

}  // namespace snapkeep::testing
