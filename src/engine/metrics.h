// Prometheus text-format metrics of a long-running snapkeep (`daemon
// --metrics-file`), for node_exporter's textfile collector: runs by result,
// actions by kind and outcome, the last run and last success times, and what
// the last run listed per (account, region).
//
// Thread safety: a plain value; the daemon owns one.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>

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
};

}  // namespace snapkeep::engine
