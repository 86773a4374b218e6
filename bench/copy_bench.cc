// copy_bench: copies under EC2's concurrent-copy quota, in simulated time.
//
// 1,000 instances x 3 volumes in us-east-1, each with one completed restore
// point, and a copy target in us-west-2 with max_in_flight 20, against the
// in-process FakeEc2 whose copies stay pending for --copy-minutes of the
// fake clock and which refuses a 21st pending copy with
// ResourceLimitExceeded (reference A.3). The engine's copy step (list the
// source, list the destination, core::plan_copies, execute_copies,
// execute_copy_cleanup) runs every --every minutes until every copy is
// complete. Prints copies started per hour against the best the quota
// allows (20 copies per copy duration, back to back), ResourceLimitExceeded
// refusals, and the copy step's API calls against the lower bound
// (destination listing pages + one CopySnapshot per snapshot copied).
//
// Then the same fleet copied into a vault account (a copy target with
// role_arn), through engine::run_once with one FakeEc2 per account: the
// run that copies shares each source snapshot (ModifySnapshotAttribute) and
// the vault copies it, the next run unshares; the calls of both runs at
// both ends against the lower bound (listing pages + per snapshot one
// share, one CopySnapshot, one unshare).
//
// Usage: copy_bench [--instances 1000] [--copy-minutes 60] [--every 5] [--quota 0]
// Exits 1 when a check fails: achieved/possible under 0.9, a refusal, calls
// above the lower bound, or a copy missing at the end.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <string>

#include "aws/rate_limiter.h"
#include "core/config.h"
#include "core/copies.h"
#include "engine/copies.h"
#include "engine/inventory.h"
#include "engine/run.h"
#include "engine/target.h"
#include "support/fake_aws_access.h"
#include "support/fake_ec2.h"
#include "support/fleet.h"
#include "unit/aws/transport_fakes.h"

namespace {

using namespace snapkeep;

constexpr const char* kSource = "us-east-1";
constexpr const char* kDestination = "us-west-2";
constexpr int kVolumes = 3;

// The run's (account, region) target for `region` in the fake's one account.
engine::Target target_in(const char* region) {
  engine::Target target;
  target.region = region;
  return target;
}
std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return a <= 0 ? 0 : (a + b - 1) / b;
}

std::int64_t pages_of(std::int64_t items) {
  return std::max<std::int64_t>(1, ceil_div(items, 1000));
}

std::int64_t count(const std::map<std::string, std::int64_t>& calls, const std::string& action) {
  const auto it = calls.find(action);
  return it == calls.end() ? 0 : it->second;
}

// The vault section (see the header). Returns the number of failed checks.
int vault_copies(int instances) {
  constexpr const char* kVaultRole = "arn:aws:iam::222222222222:role/snapkeep-dr";
  auto config = *core::parse_config(
      std::string("regions: [us-east-1]\npolicies:\n  - name: daily\n    select:\n      tags: "
                  "{Backup: \"true\"}\n    schedule: \"cron(0 3 * * ? *)\"\n    retain: {daily: "
                  "7}\n    copies:\n      - region: us-west-2\n        role_arn: ") +
          kVaultRole + "\n        retain: {count: 1}\n        max_in_flight: 100\n",
      "bench.yaml");
  aws::testing::FakeClock clock;
  snapkeep::testing::FakeEc2 own(clock);
  snapkeep::testing::FakeEc2 vault(clock, "222222222222");
  vault.add_peer(own);
  snapkeep::testing::FakeCopyModel model;  // copies complete at once (no quota reached)
  model.max_pending_per_region = 1 << 30;
  vault.set_copy_model(model);
  snapkeep::testing::add_fleet(own, kSource, instances, [](int) { return kVolumes; },
                               {{"Backup", "true"}});
  snapkeep::testing::FakeAwsAccess access(own, clock);
  access.roles = {{kVaultRole, &vault}};
  aws::testing::FakeTransport hooks;
  const core::Time slot =
      core::Time(date::sys_days(date::year{2026} / 2 / 1)) + std::chrono::hours(3);
  auto run = [&](int minutes) {
    engine::RunRequest request;
    request.config = &config;
    request.now = slot + std::chrono::minutes(minutes);
    request.run_id = "bench";
    return engine::run_once(request, engine::RunServices{&access, &hooks, &clock});
  };
  run(5);  // creates the points; the next run copies them
  const std::int64_t snapshots = static_cast<std::int64_t>(instances) * kVolumes;
  std::int64_t calls = 0;
  std::int64_t bound = 0;
  int problems = 0;
  fmt::print(
      "== {} instances x {} volumes copied into a vault account (cross-account, "
      "max_in_flight 100) ==\n",
      instances, kVolumes);
  auto shared_now = [&] {
    std::int64_t n = 0;
    for (const auto& [id, snap] : own.region(kSource).snapshots) n += !snap.shared_with.empty();
    return n;
  };
  // Runs in the same slot until every snapshot is copied and unshared;
  // max_in_flight caps the copies a run starts, so that takes several.
  std::int64_t shares = 0;
  std::int64_t copies = 0;
  for (int minutes = 10; minutes < 24 * 60; minutes += 5) {
    const std::int64_t shared_listed = shared_now();
    const std::int64_t copies_listed =
        static_cast<std::int64_t>(vault.region(kDestination).snapshots.size());
    own.reset_counters();
    vault.reset_counters();
    const auto summary = run(minutes);
    const auto at_source = own.calls();
    const auto at_vault = vault.calls();
    // Source: DescribeInstances pages, its snapshot listing, the listing of
    // what it shares with the vault; vault: the copies' listing.
    bound += pages_of(instances) + pages_of(snapshots) + pages_of(shared_listed) +
             pages_of(copies_listed);
    std::int64_t run_calls = 0;
    for (const auto& [action, n] : at_source) run_calls += n;
    for (const auto& [action, n] : at_vault) run_calls += n;
    calls += run_calls;
    shares += count(at_source, "ModifySnapshotAttribute");
    copies += count(at_vault, "CopySnapshot");
    fmt::print(
        "run +{} min: source DescribeInstances {} DescribeSnapshots {} ModifySnapshotAttribute "
        "{}; vault DescribeSnapshots {} CopySnapshot {}; exit {}\n",
        minutes, count(at_source, "DescribeInstances"), count(at_source, "DescribeSnapshots"),
        count(at_source, "ModifySnapshotAttribute"), count(at_vault, "DescribeSnapshots"),
        count(at_vault, "CopySnapshot"), summary.exit_status());
    if (summary.exit_status() != 0) ++problems;
    if (run_calls == count(at_source, "DescribeInstances") + count(at_source, "DescribeSnapshots") +
                         count(at_vault, "DescribeSnapshots")) {
      break;  // a run that only listed: nothing left to do
    }
  }
  // Per snapshot: one share, one CopySnapshot, one unshare.
  bound += 3 * snapshots;
  if (shares != 2 * snapshots || copies != snapshots) {
    fmt::print("!! {} shares and unshares and {} copies, expected {} and {}\n", shares, copies,
               2 * snapshots, snapshots);
    ++problems;
  }
  std::int64_t still_shared = 0;
  for (const auto& [id, s] : own.region(kSource).snapshots) still_shared += !s.shared_with.empty();
  std::int64_t owned = 0;
  for (const auto& [id, s] : vault.region(kDestination).snapshots) {
    owned += s.owner_id == "222222222222" && s.tags.contains("snapkeep:copy-of");
  }
  fmt::print("copies owned by the vault {}, source snapshots still shared {}\n", owned,
             still_shared);
  fmt::print("calls of all runs {}, lower bound {}, ratio {:.2f}\n", calls, bound,
             static_cast<double>(calls) / static_cast<double>(bound));
  if (calls != bound) {
    fmt::print("!! calls above the lower bound\n");
    ++problems;
  }
  if (owned != snapshots || still_shared != 0) {
    fmt::print("!! copies or shares wrong at the end\n");
    ++problems;
  }
  return problems;
}

}  // namespace

int main(int argc, char** argv) {
  int instances = 1000;
  int copy_minutes = 60;
  int every = 5;
  bool quota = true;  // --quota 0: only the vault section
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int value = std::atoi(argv[i + 1]);
    if (flag == "--instances") instances = value;
    if (flag == "--copy-minutes") copy_minutes = value;
    if (flag == "--every") every = value;
    if (flag == "--quota") quota = value != 0;
  }
  if (!quota) return vault_copies(instances) == 0 ? 0 : 1;
  auto config = *core::parse_config(
      "regions: [us-east-1]\npolicies:\n  - name: daily\n    select:\n      tags: {Backup: "
      "\"true\"}\n    schedule: \"cron(0 3 * * ? *)\"\n    retain: {daily: 7}\n",
      "bench.yaml");
  core::Policy& policy = config.policies[0];
  core::CopyTarget target;
  target.region = kDestination;
  target.retain.count = 1;
  target.max_in_flight = 20;

  aws::testing::FakeClock clock;
  snapkeep::testing::FakeEc2 ec2(clock);
  snapkeep::testing::add_fleet(ec2, kSource, instances, [](int) { return kVolumes; },
                               {{"Backup", "true"}});
  const core::Time first_slot =
      core::Time(date::sys_days(date::year{2026} / 2 / 1)) + std::chrono::hours(3);
  snapkeep::testing::seed_history(ec2, kSource, config, first_slot, std::chrono::days(1), 1);
  std::int64_t sources = 0;
  for (const auto& [id, s] : ec2.region(kSource).snapshots) {
    sources += s.tags.contains("snapkeep:policy");
  }
  snapkeep::testing::FakeCopyModel model;
  model.duration = std::chrono::minutes(copy_minutes);
  model.max_pending_per_region = 20;
  ec2.set_copy_model(model);

  aws::RateLimiterRegistry limiter(clock);
  auto factory = snapkeep::testing::fake_region_factory(ec2, clock, &limiter);
  auto source_clients = *factory(target_in(kSource));
  auto destination_clients = *factory(target_in(kDestination));
  const aws::Ec2& source = source_clients->ec2();
  const aws::Ec2& destination = destination_clients->ec2();

  // First run at the first slot plus 2 minutes, so that copies complete
  // between runs, as they would on a real schedule.
  clock.advance(std::chrono::minutes(2));
  const auto start = clock.elapsed();
  std::int64_t runs = 0;
  std::int64_t started = 0;
  std::int64_t destination_pages = 0;
  std::int64_t bound = 0;
  std::int64_t copy_calls = 0;
  int problems = 0;
  std::chrono::milliseconds last_start{};
  for (;;) {
    ++runs;
    ec2.reset_counters();
    engine::SourceUserTags tags;
    core::RegionInventory src;
    src.account_id = ec2.account_id();
    src.region = kSource;
    src.instances = snapkeep::testing::fake_inventory(ec2, kSource).instances;
    src.snapshots = *engine::list_own_snapshots_with_tags(source, tags);
    const auto source_pages = ec2.calls()["DescribeSnapshots"];
    std::vector<std::string> listing_problems;
    core::RegionInventory dst =
        engine::list_copies(destination, ec2.account_id(), listing_problems);
    dst.images = std::vector<core::Image>{};
    const auto pages = ec2.calls()["DescribeSnapshots"] - source_pages;
    core::CopyPlanInput input;
    input.source = &src;
    input.destination = &dst;
    input.policy = &policy;
    input.target = &target;
    input.now = first_slot + std::chrono::duration_cast<std::chrono::seconds>(clock.elapsed());
    const core::CopyPlan plan = core::plan_copies(input);
    const auto outcome = engine::execute_copies(plan, source, destination, tags);
    engine::execute_copy_cleanup(plan, source, destination);
    const auto calls = ec2.calls();
    copy_calls += calls.contains("CopySnapshot") ? calls.at("CopySnapshot") : 0;
    destination_pages += pages;
    bound +=
        std::max<std::int64_t>(1, ceil_div(static_cast<std::int64_t>(dst.snapshots.size()), 1000)) +
        outcome.started;
    started += outcome.started;
    if (outcome.started > 0)
      last_start = std::chrono::duration_cast<std::chrono::milliseconds>(clock.elapsed() - start);
    if (plan.started == 0 && plan.waiting == 0 && plan.in_flight == 0) break;
    if (runs > 100000) {
      fmt::print("!! no convergence\n");
      return 1;
    }
    clock.advance(std::chrono::minutes(every));
  }
  const double hours =
      std::chrono::duration<double>(last_start).count() / 3600.0 + copy_minutes / 60.0;
  // Best the quota allows: 20 copies back to back every copy duration.
  const double best_hours = static_cast<double>(ceil_div(sources, 20)) * copy_minutes / 60.0;
  const double ratio = best_hours / hours;
  std::int64_t copies = 0;
  for (const auto& [id, s] : ec2.region(kDestination).snapshots) {
    copies += s.state == "completed" && s.tags.contains("snapkeep:copy-of");
  }
  fmt::print(
      "== {} instances x {} volumes: {} snapshots to copy to {}, copies take {} min, a run "
      "every {} min, max_in_flight 20 ==\n",
      instances, kVolumes, sources, kDestination, copy_minutes, every);
  fmt::print("runs {}, copies started {}, complete at the end {}\n", runs, started, copies);
  fmt::print("copies per hour {:.1f}, best the quota allows {:.1f}, achieved/possible {:.2f}\n",
             static_cast<double>(started) / hours, static_cast<double>(sources) / best_hours,
             ratio);
  fmt::print("ResourceLimitExceeded refusals {}\n", ec2.copy_limit_refusals());
  fmt::print(
      "copy step calls: DescribeSnapshots at the destination {} + CopySnapshot {} = {}, "
      "lower bound {}, ratio {:.2f}\n",
      destination_pages, copy_calls, destination_pages + copy_calls, bound,
      static_cast<double>(destination_pages + copy_calls) / static_cast<double>(bound));
  if (ratio < 0.9) {
    fmt::print("!! achieved/possible under 0.9\n");
    ++problems;
  }
  if (ec2.copy_limit_refusals() > 0) {
    fmt::print("!! ResourceLimitExceeded seen\n");
    ++problems;
  }
  if (destination_pages + copy_calls != bound) {
    fmt::print("!! calls above the lower bound\n");
    ++problems;
  }
  if (copies != sources) {
    fmt::print("!! {} of {} copies complete\n", copies, sources);
    ++problems;
  }
  problems += vault_copies(instances);
  return problems == 0 ? 0 : 1;
}
