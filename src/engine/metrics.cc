#include "engine/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <tuple>

#include "engine/run.h"

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
  m_last_data = run_metric_data(summary);
}

namespace {

// RestorePointsCreated -> restore_points_created
std::string snake(std::string_view camel) {
  std::string out;
  for (char c : camel) {
    if (c >= 'A' && c <= 'Z') {
      if (!out.empty()) out += '_';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::vector<aws::MetricDatum> run_metric_data(const RunSummary& summary) {
  // (policy, region) -> counts, in the order of kNames.
  static constexpr std::array<std::string_view, 4> kNames = {"RestorePointsCreated", "Deletions",
                                                             "Failures", "ActionsLeft"};
  std::map<std::pair<std::string, std::string>, std::array<std::int64_t, 4>> counts;
  for (const auto& r : summary.results) {
    auto& c = counts[{r.policy.empty() ? std::string("-") : r.policy, r.region}];
    if (r.action == ActionKind::create && r.outcome == Outcome::created) ++c[0];
    if (r.action == ActionKind::delete_snapshot && r.outcome == Outcome::deleted) ++c[1];
    if (r.outcome == Outcome::failed) ++c[2];
    if (r.limit) ++c[3];
  }
  std::vector<aws::MetricDatum> out;
  for (const auto& [key, c] : counts) {
    for (std::size_t k = 0; k < kNames.size(); ++k) {
      out.push_back({std::string(kNames[k]),
                     {{"Policy", key.first}, {"Region", key.second}},
                     static_cast<double>(c[k]),
                     "Count"});
    }
  }
  out.push_back({"RunDuration", {}, summary.seconds, "Seconds"});
  return out;
}

void publish_cloudwatch(RunSummary& summary, AwsAccess& access) {
  auto data = run_metric_data(summary);
  // By region: the Region dimension, else the first listed region.
  std::string home = summary.regions.empty() ? std::string() : summary.regions.front().region;
  std::map<std::string, std::vector<aws::MetricDatum>> by_region;
  for (auto& d : data) {
    std::string region = home;
    for (const auto& [name, value] : d.dimensions) {
      if (name == "Region" && !value.empty()) region = value;
    }
    if (region.empty()) continue;  // no region at all: nowhere to publish
    by_region[region].push_back(std::move(d));
  }
  for (const auto& [region, batch] : by_region) {
    auto caller = access.caller("monitoring", region, aws::CloudWatch::api_version);
    if (!caller) {
      summary.notification_errors.push_back(
          fmt::format("cloudwatch {}: {}", region, caller.error()));
      continue;
    }
    aws::CloudWatch cloudwatch(**caller);
    auto calls = cloudwatch.put_metric_data(kMetricsNamespace, batch);
    // One call per batch of up to 1,000 data; a failed call counts too.
    const auto sent = calls ? *calls : 1;
    summary.api_calls["PutMetricData"].calls += sent;
    if (!calls) {
      ++summary.api_calls["PutMetricData"].failed;
      summary.notification_errors.push_back(
          fmt::format("cloudwatch {}: PutMetricData failed: {}", region, calls.error().describe()));
    }
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
  // The last run per (policy, region), as CloudWatch gets it; one family
  // after another (the duration is already above).
  std::vector<aws::MetricDatum> data;
  for (const auto& d : m_last_data) {
    if (d.name != "RunDuration") data.push_back(d);
  }
  std::ranges::stable_sort(data, {}, &aws::MetricDatum::name);
  std::string last_name;
  for (const auto& d : data) {
    const std::string name = "snapkeep_last_run_" + snake(d.name);
    if (name != last_name) {
      family(out, name, "gauge", fmt::format("{} in the last run, per policy and region.", d.name));
      last_name = name;
    }
    std::string labels;
    for (const auto& [k, v] : d.dimensions) {
      labels += fmt::format("{}{}=\"{}\"", labels.empty() ? "" : ",", snake(k), label(v));
    }
    out += fmt::format("{}{} {}\n", name, labels.empty() ? "" : "{" + labels + "}", d.value);
  }
  return out;
}

}  // namespace snapkeep::engine
