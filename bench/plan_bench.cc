// plan_bench: time and memory of core::plan() on a generated region of
// 100,000 instances, 300,000 volumes and 1,000,000 snapshots (333,333 restore
// points) under GFS retention (daily 7, weekly 4, monthly 12), and at 10k and
// 100k snapshots to show how it grows.
//
// Usage: plan_bench [snapshots...]   (default: 10000 100000 1000000)
// Prints, per size: plan time, RSS before planning (the inventory itself),
// and the process's peak RSS (getrusage) after planning.
#include <fmt/format.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "core/plan.h"
#include "core/retention.h"

namespace {

using namespace snapkeep::core;

double rss_mib() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0;
  long resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1048576.0;
}

// CPU time of the process: the machine is shared, so wall time alone overstates.
double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // KiB on Linux
}

// A cheap deterministic hash, so that every run builds the same region.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

struct Region {
  RegionInventory inventory;
  Config config;
  std::size_t points = 0;
};

Region build(std::size_t snapshot_count, Time now) {
  Region r;
  const std::size_t volumes_per_instance = 3;
  const std::size_t instance_count = snapshot_count / 10;
  auto& inv = r.inventory;
  inv.account_id = "111122223333";
  inv.region = "us-east-1";
  inv.images = std::vector<Image>{};
  inv.instances.reserve(instance_count);
  const char* devices[] = {"/dev/xvda", "/dev/sdf", "/dev/sdg"};
  for (std::size_t i = 0; i < instance_count; ++i) {
    Instance instance;
    instance.id = fmt::format("i-{:017x}", mix(i) & 0xfffffffffffffffULL);
    instance.state = InstanceState::running;
    instance.root_device = "/dev/xvda";
    instance.availability_zone = "us-east-1a";
    instance.tags = {{"Backup", "true"}, {"Name", fmt::format("web-{}", i)}};
    for (std::size_t v = 0; v < volumes_per_instance; ++v) {
      instance.volumes.push_back({fmt::format("vol-{:017x}", mix(i * 3 + v) & 0xfffffffffffffffULL),
                                  devices[v],
                                  8,
                                  {},
                                  false,
                                  "",
                                  0,
                                  0});
    }
    inv.instances.push_back(std::move(instance));
  }

  // Restore points spread over 400 days: point p belongs to instance
  // p % n; the first point of 90% of the instances is for the current slot.
  const Time today = std::chrono::floor<std::chrono::days>(now);
  r.points = snapshot_count / volumes_per_instance;
  inv.snapshots.reserve(r.points * volumes_per_instance);
  for (std::size_t p = 0; p < r.points; ++p) {
    const std::size_t i = p % instance_count;
    const std::size_t age = p / instance_count;
    const auto h = mix(p + 7);
    std::int64_t days_back = 0;
    if (age == 0) {
      days_back = h % 10 == 0 ? 1 : 0;
    } else {
      days_back = static_cast<std::int64_t>(1 + h % 400);
    }
    const Time slot = today - std::chrono::days{days_back};
    const std::string slot_text = format_slot(slot);
    const auto set = fmt::format("run{:x}-{}", h & 0xffff, i);
    const auto& instance = inv.instances[i];
    for (std::size_t v = 0; v < volumes_per_instance; ++v) {
      Snapshot s;
      s.id = fmt::format("snap-{:017x}", mix(p * 3 + v + 1) & 0xfffffffffffffffULL);
      s.volume_id = instance.volumes[v].id;
      s.state = SnapshotState::completed;
      s.start_time = slot + std::chrono::seconds{30};
      s.owner_id = inv.account_id;
      s.size_gib = 8;
      s.tags.policy = "nightly";
      s.tags.slot = slot_text;
      s.tags.instance = instance.id;
      s.tags.set = set;
      s.tags.device = devices[v];
      inv.snapshots.push_back(std::move(s));
    }
  }

  Policy policy;
  policy.name = "nightly";
  policy.schedule = Schedule::parse("cron(0 0 * * ? *)").value();
  policy.select.tags = {{"Backup", "true"}};
  policy.retain.daily = 7;
  policy.retain.weekly = 4;
  policy.retain.monthly = 12;
  r.config.policies.push_back(std::move(policy));
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes;
  for (int a = 1; a < argc; ++a) {
    sizes.push_back(std::strtoull(argv[a], nullptr, 10));
  }
  if (sizes.empty()) {
    sizes = {10'000, 100'000, 1'000'000};
  }
  const Time now = parse_slot("2026-11-26T09:00:00Z").value();
  fmt::print("{:>10} {:>9} {:>9} {:>8} {:>8} {:>10} {:>10} {:>14} {:>14}\n", "snapshots", "points",
             "instances", "creates", "deletes", "plan ms", "cpu ms", "inventory MiB",
             "peak RSS MiB");
  for (const auto size : sizes) {
    const Region region = build(size, now);
    const double before = rss_mib();
    const double cpu_start = cpu_ms();
    const auto start = std::chrono::steady_clock::now();
    const Plan plan =
        snapkeep::core::plan(region.inventory, region.config, now, PlanOptions{"bench"});
    const auto elapsed = std::chrono::steady_clock::now() - start;
    const double cpu = cpu_ms() - cpu_start;
    std::size_t creates = 0;
    std::size_t deletes = 0;
    for (const auto& action : plan.actions) {
      creates += std::holds_alternative<CreateAction>(action) ? 1U : 0U;
      deletes += std::holds_alternative<DeleteAction>(action) ? 1U : 0U;
    }
    fmt::print("{:>10} {:>9} {:>9} {:>8} {:>8} {:>10.1f} {:>10.1f} {:>14.1f} {:>14.1f}\n", size,
               region.points, region.inventory.instances.size(), creates, deletes,
               std::chrono::duration<double, std::milli>(elapsed).count(), cpu, before,
               peak_rss_mib());
  }
  return 0;
}
