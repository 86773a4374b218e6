// report_bench: `snapkeep report` over a large estate on the in-process
// FakeEc2: by default 10,000 instances (9,500 selected with 2 volumes, 500
// unprotected) and 112,100 snapshots of history (6 daily points each, the
// last skipped for a tenth of them, so that some are late), in one region.
// Prints the API calls against the listing's lower bound (ceil(n/1000) pages
// of DescribeInstances and of DescribeSnapshots), the CPU time of listing,
// building the report and rendering each format, the peak RSS, and the
// sizes of the JSON and HTML outputs. --html FILE keeps the page (to time a
// browser on it). Exits 1 when the calls exceed the lower bound or the
// report's counts are not those of the fleet.
//
// Usage: report_bench [--instances 10000] [--html FILE]
#include <fmt/format.h>
#include <sys/resource.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "core/config.h"
#include "core/report.h"
#include "engine/report.h"
#include "engine/report_render.h"
#include "support/fake_ec2.h"
#include "support/fleet.h"
#include "unit/aws/transport_fakes.h"

namespace {

using namespace snapkeep;

constexpr const char* kRegion = "us-east-1";

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

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return a <= 0 ? 0 : (a + b - 1) / b;
}

core::Time at_day(int day) {
  return core::Time(date::sys_days(date::year{2026} / 2 / 1)) + std::chrono::hours(3) +
         std::chrono::minutes(30) + std::chrono::days(day);
}

}  // namespace

int main(int argc, char** argv) {
  int instances = 10000;
  std::string html_path;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--instances") == 0) instances = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--html") == 0) html_path = argv[i + 1];
  }
  const int unprotected = instances / 20;
  const int selected = instances - unprotected;
  constexpr int kDays = 6;
  auto config = *core::parse_config(
      "regions: [us-east-1]\npolicies:\n  - name: daily\n    select:\n      tags: {Backup: "
      "\"true\"}\n    schedule: \"cron(0 3 * * ? *)\"\n    retain: {daily: 30}\n",
      "bench.yaml");
  aws::testing::FakeClock clock;
  testing::FakeEc2 ec2(clock);
  testing::add_fleet(ec2, kRegion, selected, [](int) { return 2; }, {{"Backup", "true"}});
  testing::seed_history(ec2, kRegion, config, at_day(0), std::chrono::days(1), kDays - 1);
  // The last day's run reaches only nine in ten instances: the rest are late.
  auto& region = ec2.region(kRegion);
  for (std::size_t i = 0; i < region.instances.size(); ++i) {
    if (i % 10 == 9) region.instances[i].tags["Backup"] = "paused";
  }
  testing::seed_history(ec2, kRegion, config, at_day(kDays - 1), std::chrono::days(1), 1);
  for (std::size_t i = 0; i < region.instances.size(); ++i) {
    if (i % 10 == 9) region.instances[i].tags["Backup"] = "true";
  }
  testing::add_fleet(ec2, kRegion, unprotected, [](int) { return 1; }, {{"Team", "web"}});
  std::int64_t snapshots = 0;
  for (const auto& [id, s] : region.snapshots) snapshots += s.tags.contains("snapkeep:policy");

  const core::Time now = at_day(kDays + 1) - std::chrono::hours(1);  // before the next run
  double cpu = cpu_seconds();
  auto listing = engine::list_report_regions(config, {testing::fake_target(ec2, kRegion)},
                                             testing::fake_region_factory(ec2, clock, nullptr));
  const double list_cpu = cpu_seconds() - cpu;
  cpu = cpu_seconds();
  const auto report = core::build_report(config, listing.regions, now);
  const double build_cpu = cpu_seconds() - cpu;
  engine::ReportMeta meta{"2026-02-12T00:00:00Z", "bench.yaml", "bench", listing.api_calls};
  cpu = cpu_seconds();
  const std::string text = engine::render_text(report, false, meta);
  const double text_cpu = cpu_seconds() - cpu;
  cpu = cpu_seconds();
  const std::string json = engine::to_json(report, meta).dump(2);
  const double json_cpu = cpu_seconds() - cpu;
  cpu = cpu_seconds();
  const std::string html = engine::render_html(report, meta);
  const double html_cpu = cpu_seconds() - cpu;
  if (!html_path.empty()) std::ofstream(html_path, std::ios::binary) << html;

  int problems = 0;
  fmt::print("== report over {} instances ({} selected), {} snapkeep snapshots ==\n", instances,
             selected, snapshots);
  const std::map<std::string, std::int64_t> bound = {
      {"DescribeInstances", std::max<std::int64_t>(1, ceil_div(instances, 1000))},
      {"DescribeSnapshots", std::max<std::int64_t>(1, ceil_div(snapshots, 1000))}};
  fmt::print("{:<18} {:>8} {:>8}\n", "action", "calls", "bound");
  for (const auto& [action, c] : listing.api_calls) {
    const auto b = bound.contains(action) ? bound.at(action) : 0;
    fmt::print("{:<18} {:>8} {:>8}\n", action, c.calls, b);
    if (c.calls != b) ++problems;
  }
  fmt::print("status: {} ok, {} late, {} missing, {} unprotected; {} findings\n", report.summary.ok,
             report.summary.late, report.summary.missing, report.summary.unprotected,
             report.findings.size());
  if (report.summary.unprotected != unprotected || report.summary.late != selected / 10 ||
      report.summary.ok != selected - selected / 10) {
    fmt::print("  !! counts differ from the fleet's\n");
    ++problems;
  }
  fmt::print("cpu: list {:.2f} s, build {:.2f} s, text {:.2f} s, json {:.2f} s, html {:.2f} s\n",
             list_cpu, build_cpu, text_cpu, json_cpu, html_cpu);
  fmt::print("output: text {:.1f} MB, json {:.1f} MB, html {:.1f} MB\n",
             static_cast<double>(text.size()) / 1e6, static_cast<double>(json.size()) / 1e6,
             static_cast<double>(html.size()) / 1e6);
  fmt::print("peak RSS: {} MiB\n", peak_rss_kib() / 1024);
  return problems == 0 ? 0 : 1;
}
