// RunSummary: what one `snapkeep run` (or `plan`) did or would do, action by
// action, region by region. It is the single source for the terminal output,
// the JSON output (docs/output.md), the SNS and webhook notifications and the
// exit status, so they never disagree.
//
// Thread safety: a plain value; the engine fills one per region and merges.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace snapkeep::engine {

enum class Outcome {
  planned,  // plan mode: would be done
  created,
  deleted,
  tagged,
  skipped,  // not done, by design (e.g. AMI uses the snapshot, instance stopped mid-run)
  failed,   // AWS refused or could not be reached after retries
};

std::string_view to_string(Outcome outcome);

struct ActionResult {
  Outcome outcome = Outcome::planned;
  std::string action;  // create | delete | tag-device | skip
  std::string account;
  std::string region;
  std::string policy;
  std::string instance_id;
  std::vector<std::string> snapshot_ids;
  std::string set_id;
  std::string slot;    // ISO 8601 UTC, when the action concerns a restore point
  std::string reason;  // why the planner chose it, or why it was skipped
  // When failed (or skipped because AWS refused): the AWS error.
  std::string error_code;
  std::string error_message;
  std::string request_id;
  // Skipped or failed because of an AWS limit (concurrent snapshots, rate):
  // the next run picks it up, and notify.on [failure] still reports it.
  bool limit = false;
};

struct RegionReport {
  std::string account;
  std::string region;
  bool complete = true;               // every listing succeeded
  std::vector<std::string> problems;  // listing failures etc., one line each
  std::int64_t instances = 0;         // instances listed
  std::int64_t snapshots = 0;         // snapkeep snapshots listed
};

struct ApiCalls {
  std::int64_t calls = 0;  // requests sent, retries included
  std::int64_t retries = 0;
  std::int64_t throttled = 0;
  std::int64_t failed = 0;  // calls that failed after retries
};

// Adds `more`'s counts into `total`, action by action.
void add_api_calls(std::map<std::string, ApiCalls>& total,
                   const std::map<std::string, ApiCalls>& more);

struct RunSummary {
  std::string mode = "run";  // run | plan
  std::string run_id;
  std::string now;  // ISO 8601 UTC, the time the run planned for
  std::vector<RegionReport> regions;
  std::vector<ActionResult> results;
  std::vector<std::string> notification_errors;
  std::map<std::string, ApiCalls> api_calls;  // by action name
  bool interrupted = false;
  double seconds = 0;

  std::int64_t count(Outcome outcome) const;
  bool has_failures() const;     // a failed action, an incomplete region, or an interruption
  bool has_limit_skips() const;  // something skipped or failed for an AWS limit
  // 0 when everything planned was done and every notification sent; else 1.
  int exit_status() const;
  void merge(RunSummary other);  // appends another region's results
};

nlohmann::json to_json(const RunSummary& summary);
// Multi-line text for people: totals, then failures, skips and actions.
std::string render_text(const RunSummary& summary, bool verbose);
// One line, e.g. "run: 12 created, 3 deleted, 1 failed in 2 regions".
std::string one_line(const RunSummary& summary);

}  // namespace snapkeep::engine
