// restore_bench: the calls and the time (RTO) of restoring one 20-volume
// instance, against the in-process FakeEc2 with realistic creation delays in
// simulated time (FakeClock): a volume from a snapshot is `creating` for
// 6 s plus 10 ms per GiB (EBS makes volumes from snapshots available within
// seconds and loads blocks lazily; sizes here 8-500 GiB). Prints, per kind
// of restore, the calls per action next to the minimum, the simulated time
// to restore and the time the last volume became available (the best any
// polling could do), and the client CPU time.
//
// Usage: restore_bench [--volumes 20]
// Exits 1 when a restore fails or makes more calls than the budget printed.
#include <fmt/format.h>
#include <sys/resource.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/config.h"
#include "engine/reconcile.h"
#include "engine/restore.h"
#include "support/fake_ec2.h"
#include "support/fleet.h"
#include "unit/aws/transport_fakes.h"

namespace {

using namespace snapkeep;
using snapkeep::testing::FakeEc2;
using snapkeep::testing::FakeInstance;
using snapkeep::testing::FakeVolume;

constexpr const char* kRegion = "us-east-1";

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::string device_name(int i) {
  if (i == 0) return "/dev/xvda";
  return fmt::format("/dev/sd{}", static_cast<char>('e' + i));  // sdf..
}

struct Bench {
  aws::testing::FakeClock clock;
  FakeEc2 ec2{clock};
  aws::RateLimiterRegistry limiter{clock};
  engine::RegionClientFactory factory =
      snapkeep::testing::fake_region_factory(ec2, clock, &limiter);
  std::string source;
  int volumes = 20;
  int largest = 0;

  void build() {
    FakeInstance i;
    i.id = ec2.next_id("i");
    i.availability_zone = "us-east-1a";
    i.subnet_id = "subnet-a";
    i.tags = {{"Backup", "true"}};
    for (int v = 0; v < volumes; ++v) {
      FakeVolume vol;
      vol.id = ec2.next_id("vol");
      vol.device = device_name(v);
      vol.size_gib = v == 0 ? 8 : 25 * v;  // 8, 25, 50, ... 475 GiB
      vol.type = v % 3 == 1 ? "io2" : "gp3";
      vol.iops = v % 3 == 1 ? 10000 : 3000;
      vol.throughput = vol.type == "gp3" ? 250 : 0;
      largest = std::max(largest, vol.size_gib);
      i.volumes.push_back(vol);
    }
    source = i.id;
    ec2.region(kRegion).instances.push_back(i);
    ec2.region(kRegion).subnets = {{"subnet-a", "us-east-1a"}};
    FakeInstance target;
    target.id = "i-target";
    target.state = "stopped";
    target.availability_zone = "us-east-1a";
    target.volumes.push_back({.id = "vol-target-root", .device = "/dev/xvda"});
    ec2.region(kRegion).instances.push_back(target);
    auto config = core::parse_config(
        "regions: [us-east-1]\npolicies:\n  - name: nightly\n    select: {tags: {Backup: "
        "\"true\"}}\n    schedule: \"cron(0 0 * * ? *)\"\n    retain: {daily: 7}\n",
        "bench.yaml");
    engine::ReconcileOptions options;
    options.now =
        core::Time(std::chrono::sys_days(std::chrono::year{2026} / 11 / 1)) + std::chrono::hours(1);
    options.run_id = "bench";
    options.targets = snapkeep::testing::fake_targets(ec2, {kRegion});
    std::atomic<bool> stop{false};
    auto s = engine::reconcile(*config, options, factory, clock, stop);
    if (s.exit_status() != 0) {
      fmt::print(stderr, "the backup run failed\n");
      std::exit(1);
    }
  }

  bool restore(std::string_view name, core::RestoreRequest request,
               const std::map<std::string, std::int64_t>& minimum,
               const std::map<std::string, std::int64_t>& budget) {
    ec2.reset_counters();
    ec2.set_volume_creation_time(std::chrono::seconds(6), std::chrono::milliseconds(10));
    request.instance_id = source;
    auto clients = factory(snapkeep::testing::fake_targets(ec2, {kRegion}).front());
    const double cpu = cpu_seconds();
    auto out = engine::restore((*clients)->ec2(), clock, request, {});
    const double used = cpu_seconds() - cpu;
    if (out.exit_status != 0) {
      fmt::print(stderr, "{}: {}\n", name, out.error);
      return false;
    }
    const double best = 6.0 + 0.01 * largest;
    fmt::print(
        "{} ({} volumes): restored in {:.1f} s simulated (last volume ready at {:.2f} s), "
        "client CPU {:.3f} s\n",
        name, out.volumes.size(), out.seconds, best, used);
    bool ok = true;
    for (const auto& [action, calls] : ec2.calls()) {
      auto min = minimum.contains(action) ? minimum.at(action) : 0;
      auto max = budget.contains(action) ? budget.at(action) : min;
      fmt::print("  {:<18} {:>4} calls   minimum {:>3}{}\n", action, calls, min,
                 calls > max ? "   OVER BUDGET" : "");
      ok = ok && calls <= max;
    }
    return ok;
  }
};

}  // namespace

int main(int argc, char** argv) {
  Bench bench;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--volumes") bench.volumes = std::atoi(argv[i + 1]);
  }
  bench.build();
  const std::int64_t n = bench.volumes;
  bool ok = true;
  // Polls: at 0, 1, 3, 7, 15 s (backoff doubling from 1 s, at most 15 s).
  ok = bench.restore("volumes", {},
                     {{"DescribeSnapshots", 1}, {"CreateVolume", n}, {"DescribeVolumes", 2}},
                     {{"DescribeSnapshots", 1}, {"CreateVolume", n}, {"DescribeVolumes", 1 + 5}}) &&
       ok;
  core::RestoreRequest attach;
  attach.kind = core::RestoreKind::attach;
  attach.attach_to = "i-target";
  std::vector<std::string> data;
  for (int v = 1; v < bench.volumes; ++v) data.push_back(device_name(v));
  attach.devices = data;
  ok = bench.restore("attach (data volumes)", attach,
                     {{"DescribeSnapshots", 1},
                      {"DescribeInstances", 1},
                      {"CreateVolume", n - 1},
                      {"AttachVolume", n - 1},
                      {"DescribeVolumes", 3}},
                     {{"DescribeSnapshots", 1},
                      {"DescribeInstances", 1},
                      {"CreateVolume", n - 1},
                      {"AttachVolume", n - 1},
                      {"DescribeVolumes", 1 + 5 + 1}}) &&
       ok;
  core::RestoreRequest launch;
  launch.kind = core::RestoreKind::launch;
  ok = bench.restore("launch", launch,
                     {{"DescribeSnapshots", 1},
                      {"DescribeInstances", 2},
                      {"RegisterImage", 1},
                      {"RunInstances", 1},
                      {"DeregisterImage", 1}},
                     {{"DescribeSnapshots", 1},
                      {"DescribeInstances", 3},
                      {"DescribeImages", 1},
                      {"RegisterImage", 1},
                      {"RunInstances", 1},
                      {"DeregisterImage", 1}}) &&
       ok;
  return ok ? 0 : 1;
}
