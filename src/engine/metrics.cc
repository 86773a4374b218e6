#include "engine/metrics.h"

#include <fmt/format.h>

namespace snapkeep::engine {

namespace {

// Label values escape backslash, quote and newline (exposition format).
std::string label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

void RunMetrics::add(const RunSummary& summary, double started_unix, double finished_unix) {
  const bool ok = summary.exit_status() == 0;
  (ok ? m_runs_ok : m_runs_failed) += 1;
  for (const auto& r : summary.results) {
    ++m_actions[{std::string(to_string(r.action)), std::string(to_string(r.outcome))}];
  }
  for (const auto& [action, calls] : summary.api_calls) m_api_calls[action] += calls.calls;
  m_last_run = finished_unix;
  m_last_duration = finished_unix - started_unix;
  m_last_exit = summary.exit_status();
  if (ok) m_last_success = finished_unix;
  m_listed.clear();
  for (const auto& region : summary.regions) {
    m_listed[{region.account, region.region}] = {region.instances, region.snapshots};
  }
}

std::string RunMetrics::render() const {
  std::string out;
  family(out, "snapkeep_runs_total", "counter", "Runs finished, by result (ok: exit status 0).");
  out += fmt::format("snapkeep_runs_total{{result=\"ok\"}} {}\n", m_runs_ok);
  out += fmt::format("snapkeep_runs_total{{result=\"failed\"}} {}\n", m_runs_failed);
  family(out, "snapkeep_actions_total", "counter", "Actions by kind and outcome.");
  for (const auto& [key, count] : m_actions) {
    out += fmt::format("snapkeep_actions_total{{action=\"{}\",outcome=\"{}\"}} {}\n",
                       label(key.first), label(key.second), count);
  }
  family(out, "snapkeep_api_calls_total", "counter", "AWS API requests sent, retries included.");
  for (const auto& [action, count] : m_api_calls) {
    out += fmt::format("snapkeep_api_calls_total{{api=\"{}\"}} {}\n", label(action), count);
  }
  family(out, "snapkeep_last_run_timestamp_seconds", "gauge", "When the last run finished.");
  out += fmt::format("snapkeep_last_run_timestamp_seconds {:.3f}\n", m_last_run);
  family(out, "snapkeep_last_success_timestamp_seconds", "gauge",
         "When the last run with exit status 0 finished (0: none yet).");
  out += fmt::format("snapkeep_last_success_timestamp_seconds {:.3f}\n", m_last_success);
  family(out, "snapkeep_last_run_duration_seconds", "gauge", "How long the last run took.");
  out += fmt::format("snapkeep_last_run_duration_seconds {:.3f}\n", m_last_duration);
  family(out, "snapkeep_last_run_exit_status", "gauge",
         "Exit status of the last run (0 ok, 1 not).");
  out += fmt::format("snapkeep_last_run_exit_status {}\n", m_last_exit);
  family(out, "snapkeep_instances", "gauge", "Instances the last run listed.");
  for (const auto& [key, counts] : m_listed) {
    out += fmt::format("snapkeep_instances{{account=\"{}\",region=\"{}\"}} {}\n", label(key.first),
                       label(key.second), counts.first);
  }
  family(out, "snapkeep_snapshots", "gauge", "snapkeep's snapshots the last run listed.");
  for (const auto& [key, counts] : m_listed) {
    out += fmt::format("snapkeep_snapshots{{account=\"{}\",region=\"{}\"}} {}\n", label(key.first),
                       label(key.second), counts.second);
  }
  return out;
}

}  // namespace snapkeep::engine
