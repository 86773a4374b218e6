// scale_bench: one `snapkeep run` over 10 / 1,000 / 10,000 instances (3
// volumes each, 30 days of daily history) against the in-process FakeEc2
// with EC2's token buckets on, in simulated time (FakeClock), then the same
// with 20 % injected faults (500 InternalError / 503 RequestLimitExceeded,
// seeded). Prints, per run: API calls per action against the lower bound,
// simulated wall time against the best time the buckets allow, requests
// refused by throttling, client CPU time and peak RSS.
//
// Usage: scale_bench [--sizes 10,1000,10000] [--fault-rate 0.2] [--seed 1]
// Each scenario runs in a forked child so that its CPU time and peak RSS
// are its own. Exits 1 when a check fails: without faults, calls above the
// lower bound, a refused request, achieved/possible under 0.9 or an action
// left undone; with or without, the fake's counts differing from the run
// summary's, or an exit status that does not match what was left undone.
// ctest runs it small (bench_scale_smoke).
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "core/config.h"
#include "engine/aws_session.h"
#include "engine/reconcile.h"
#include "support/fake_ec2.h"
#include "support/fleet.h"
#include "unit/aws/transport_fakes.h"

namespace {

using namespace snapkeep;
using snapkeep::testing::FakeCall;
using snapkeep::testing::FaultStage;

constexpr const char* kRegion = "us-east-1";
constexpr int kVolumes = 3;
constexpr int kDays = 30;

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

core::Time at_day(int day) {
  return core::Time(date::sys_days(date::year{2026} / 2 / 1)) + std::chrono::hours(3) +
         std::chrono::minutes(30) + std::chrono::days(day);
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return a <= 0 ? 0 : (a + b - 1) / b;
}

// Seconds EC2's bucket (burst, refill/s) needs for n requests from full.
double bucket_seconds(std::int64_t n, double burst, double refill) {
  return std::max(0.0, (static_cast<double>(n) - burst) / refill);
}

// Runs one scenario and prints its figures; returns how many of the
// benchmark's own checks failed (so that a smoke run in ctest can fail).
int run_scenario(int instances, double fault_rate, unsigned seed) {
  int problems = 0;
  const auto problem = [&](const std::string& what) {
    fmt::print("  !! {}\n", what);
    ++problems;
  };
  auto config = *core::parse_config(
      "regions: [us-east-1]\npolicies:\n  - name: daily\n    select:\n      tags: {Backup: "
      "\"true\"}\n"
      "    schedule: \"cron(0 3 * * ? *)\"\n    retain: {daily: 7}\n",
      "bench.yaml");
  aws::testing::FakeClock clock;
  snapkeep::testing::FakeEc2 ec2(clock);
  snapkeep::testing::add_fleet(ec2, kRegion, instances, [](int) { return kVolumes; },
                               {{"Backup", "true"}});
  // 30 days of daily runs; retention keeps the last seven points.
  snapkeep::testing::seed_history(ec2, kRegion, config, at_day(0), std::chrono::days(1), kDays);
  std::int64_t history = 0;
  for (const auto& [id, s] : ec2.region(kRegion).snapshots)
    history += s.tags.contains("snapkeep:policy");
  ec2.enable_throttling(true);

  std::mt19937 random(seed);
  std::int64_t faults = 0;
  if (fault_rate > 0) {
    ec2.set_fault_hook(
        [&](FaultStage stage, const FakeCall&) -> std::optional<aws::Result<aws::HttpResponse>> {
          if (stage != FaultStage::before) return std::nullopt;
          std::uniform_real_distribution<double> u(0, 1);
          if (u(random) >= fault_rate) return std::nullopt;
          ++faults;
          if (u(random) < 0.5) {
            return snapkeep::testing::fake_error_answer(500, "InternalError", "injected");
          }
          return snapkeep::testing::fake_error_answer(503, "RequestLimitExceeded", "injected");
        });
  }

  aws::RateLimiterRegistry limiter(clock);
  aws::RetryOptions retry;
  retry.max_attempts = engine::kDefaultMaxAttempts;  // as `snapkeep run` retries
  std::atomic<bool> stop{false};
  engine::ReconcileOptions options;
  options.now = at_day(kDays);
  options.run_id = "bench";
  options.targets = {snapkeep::testing::fake_target(ec2, kRegion)};
  long rss_before = peak_rss_kib();
  double cpu_before = cpu_seconds();
  auto start = clock.elapsed();
  auto summary = engine::reconcile(
      config, options, snapkeep::testing::fake_region_factory(ec2, clock, &limiter, retry), clock,
      stop);
  double simulated = std::chrono::duration<double>(clock.elapsed() - start).count();
  double cpu = cpu_seconds() - cpu_before;

  std::int64_t created = summary.count(engine::Outcome::created);
  std::int64_t deleted = summary.count(engine::Outcome::deleted);
  std::int64_t new_snapshots = 0;
  for (const auto& r : summary.results) {
    if (r.action == engine::ActionKind::create && r.outcome == engine::Outcome::created) {
      new_snapshots += static_cast<std::int64_t>(r.snapshot_ids.size());
    }
  }
  std::int64_t per_device = new_snapshots / kVolumes;
  std::map<std::string, std::int64_t> bound = {
      {"DescribeInstances", std::max<std::int64_t>(1, ceil_div(instances, 1000))},
      {"DescribeSnapshots", std::max<std::int64_t>(1, ceil_div(history, 1000))},
      {"DescribeImages", deleted > 0 ? 1 : 0},
      // The attached volumes, once, for the new points' restore metadata.
      {"DescribeVolumes", created > 0 ? ceil_div(instances * kVolumes, 500) : 0},
      {"CreateSnapshots", created},
      {"CreateTags", kVolumes * ceil_div(per_device, 500)},
      {"DeleteSnapshot", deleted},
  };
  auto fake_calls = ec2.calls();
  auto throttled = ec2.throttled();
  std::int64_t throttled_total = 0;
  for (const auto& [a, n] : throttled) throttled_total += n;
  std::int64_t retries = 0;
  for (const auto& [a, c] : summary.api_calls) retries += c.retries;

  // Best time: the executor's phases run one after another (creations, then
  // device tags, then deletions: deleting before the new point exists would
  // be unsafe), each from a full bucket.
  double possible = bucket_seconds(bound["CreateSnapshots"], 100, 5) +
                    bucket_seconds(bound["CreateTags"], 100, 10) +
                    bucket_seconds(bound["DeleteSnapshot"], 100, 5) +
                    bucket_seconds(bound["DescribeSnapshots"] + bound["DescribeInstances"] +
                                       bound["DescribeImages"] + bound["DescribeVolumes"],
                                   100, 20);
  std::int64_t left = 0;
  std::map<std::string, std::int64_t> left_by_cause;  // "action outcome: error or reason"
  for (const auto& r : summary.results) {
    if (r.outcome == engine::Outcome::failed ||
        (r.outcome == engine::Outcome::skipped && r.action != engine::ActionKind::skip)) {
      ++left;
      const std::string cause =
          r.error_code.empty() ? r.reason : r.error_code + " " + r.error_message;
      ++left_by_cause[fmt::format("{} {}: {}", engine::to_string(r.action),
                                  engine::to_string(r.outcome), cause)];
    }
  }

  fmt::print("\n== {} instances x {} volumes, {} own snapshots of history, faults {:.0f}% ==\n",
             instances, kVolumes, history, fault_rate * 100);
  fmt::print("{:<18} {:>8} {:>8} {:>6} {:>8} {:>9}\n", "action", "calls", "bound", "ratio",
             "retries", "throttled");
  for (const auto& [action, c] : summary.api_calls) {
    std::int64_t b = bound.contains(action) ? bound[action] : 0;
    fmt::print(
        "{:<18} {:>8} {:>8} {:>6} {:>8} {:>9}\n", action, c.calls, b,
        b > 0 ? fmt::format("{:.2f}", static_cast<double>(c.calls) / static_cast<double>(b)) : "-",
        c.retries, throttled.contains(action) ? throttled[action] : 0);
    if (fake_calls[action] != c.calls) {
      problem(fmt::format("fake saw {} calls of {}, the summary says {}", fake_calls[action],
                          action, c.calls));
    }
    if (fault_rate == 0 && c.calls != b) {
      problem(fmt::format("{} calls of {}, the lower bound is {}", c.calls, action, b));
    }
  }
  fmt::print(
      "outcomes: {} created, {} deleted, {} failed, {} skipped; {} actions left for the next run\n",
      created, deleted, summary.count(engine::Outcome::failed),
      summary.count(engine::Outcome::skipped), left);
  for (const auto& [cause, n] : left_by_cause) fmt::print("  left: {} x {}\n", n, cause);
  // Under a second of bucket time the ratio says nothing (backoff dominates).
  fmt::print(
      "simulated wall time {:.1f} s, best the buckets allow {:.1f} s, achieved/possible {}\n",
      simulated, possible,
      possible >= 1.0 ? fmt::format("{:.3f}", possible / simulated) : std::string("n/a"));
  fmt::print("refused by throttling: {} (injected faults {}), retries {}\n", throttled_total,
             faults, retries);
  fmt::print(
      "client CPU {:.2f} s, peak RSS {} MiB (before the run {} MiB, fleet and fake included)\n",
      cpu, peak_rss_kib() / 1024, rss_before / 1024);
  fmt::print("exit status {}\n", summary.exit_status());
  // Exit 0 promises that nothing was left undone.
  if ((summary.exit_status() == 0) != (left == 0)) {
    problem(fmt::format("exit status {} with {} actions left", summary.exit_status(), left));
  }
  if (fault_rate == 0) {
    if (throttled_total != 0) problem("requests refused by throttling without faults");
    if (possible >= 1.0 && possible / simulated < 0.9) problem("achieved/possible under 0.9");
    if (left != 0) problem("actions left without faults");
  }
  return problems;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes = {10, 1000, 10000};
  double fault_rate = 0.2;
  unsigned seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--sizes") {
      sizes.clear();
      std::string list = argv[i + 1];
      for (std::size_t pos = 0; pos < list.size();) {
        auto comma = list.find(',', pos);
        sizes.push_back(std::stoi(list.substr(pos, comma - pos)));
        pos = comma == std::string::npos ? list.size() : comma + 1;
      }
    } else if (flag == "--fault-rate") {
      fault_rate = std::stod(argv[i + 1]);
    } else if (flag == "--seed") {
      seed = static_cast<unsigned>(std::stoul(argv[i + 1]));
    }
  }
  bool failed = false;
  for (double rate : {0.0, fault_rate}) {
    for (int n : sizes) {
      std::fflush(stdout);
      pid_t child = fork();
      if (child == 0) {
        const int problems = run_scenario(n, rate, seed);
        std::fflush(stdout);
        std::_Exit(problems == 0 ? 0 : 1);
      }
      int status = 0;
      waitpid(child, &status, 0);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed = true;
    }
  }
  return failed ? 1 : 0;
}
