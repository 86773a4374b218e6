// Metrics of runs: Prometheus text format (`daemon --metrics-file`, `run
// --metrics-file`) for node_exporter's textfile collector: runs by result,
// actions by kind and outcome, the last run and last success times, what
// the last run listed per (account, region) and what it did per (policy,
// region); and the same per-(policy, region) figures as CloudWatch metric
// data (`metrics: {cloudwatch: true}`, namespace snapkeep, docs/report.md).
//
// Thread safety: a plain value; the daemon owns one. Functions are pure
// except publish_cloudwatch, which calls CloudWatch.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "aws/cloudwatch.h"
#include "core/schedule.h"
#include "engine/summary.h"

namespace snapkeep::engine {

class RunMetrics {
 public:
  // Counts one finished run; `started` and `finished` are wall-clock times.
  void add(const RunSummary& summary, double started_unix, double finished_unix);
  // The whole exposition, one family after another, each with HELP and TYPE.
  std::string render() const;

 private:
  std::int64_t m_runs_ok = 0;
  std::int64_t m_runs_failed = 0;
  std::map<std::pair<std::string, std::string>, std::int64_t> m_actions;  // (action, outcome)
  std::map<std::string, std::int64_t> m_api_calls;                        // by API action
  double m_last_run = 0;
  double m_last_success = 0;
  double m_last_duration = 0;
  int m_last_exit = 0;
  // (account, region) -> (instances, snapshots) listed by the last run.
  std::map<std::pair<std::string, std::string>, std::pair<std::int64_t, std::int64_t>> m_listed;
  std::vector<aws::MetricDatum> m_last_data;  // run_metric_data() of the last run
};

// What one run did, as metric data: per (Policy, Region) RestorePointsCreated,
// Deletions, Failures and ActionsLeft (skipped or failed for an AWS limit: the
// next run does them), and RunDuration (Seconds, no dimension). Actions
// without a policy (tag repairs) count under Policy "-". Sorted, so that the
// output never depends on thread timing.
std::vector<aws::MetricDatum> run_metric_data(const RunSummary& summary);

// The CloudWatch namespace of snapkeep's metrics.
inline constexpr std::string_view kMetricsNamespace = "snapkeep";

class AwsAccess;
// Publishes run_metric_data(summary) with PutMetricData, each region's data
// to that region's CloudWatch (RunDuration to the first region's), batched
// within the API's limits. Calls go into summary.api_calls
// ("PutMetricData"); a failure is recorded in summary.notification_errors
// (the run's exit status then says 1, as for a notification).
void publish_cloudwatch(RunSummary& summary, AwsAccess& access);

}  // namespace snapkeep::engine
