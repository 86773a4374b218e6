// RunSummary: what one `snapkeep run` (or `plan`) did or would do, action by
// action, target by target, plus the warnings and errors a person must see.
// It is the single source for the terminal output, the JSON output
// (docs/output.md), the SNS and webhook notifications and the exit status,
// so they never disagree. Formatting lives in engine/render.h.
//
// Thread safety: a plain value; the engine fills one per target and merges.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace snapkeep::engine {

enum class RunMode { plan, run };
std::string_view to_string(RunMode mode);  // "plan" | "run"

enum class Outcome {
  planned,  // plan mode: would be done
  created,
  deleted,
  tagged,
  skipped,  // not done, by design (e.g. AMI uses the snapshot, instance stopped mid-run)
  failed,   // AWS refused or could not be reached after retries
  started,  // a copy to another region was started (it completes later)
};
std::string_view to_string(Outcome outcome);

// copy and delete_copy: the copy step (docs/copies.md); their region and
// account are the destination's.
enum class ActionKind { create, delete_snapshot, tag_device, skip, copy, delete_copy };
// "create" | "delete" | "tag-device" | "skip" | "copy" | "delete-copy"
std::string_view to_string(ActionKind kind);

struct ActionResult {
  Outcome outcome = Outcome::planned;
  ActionKind action = ActionKind::skip;
  std::string account;  // account id ("" when unknown)
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

// One copy target of one policy from one source (account, region), as the
// copy step found and left it (docs/copies.md).
struct CopyTargetReport {
  std::string policy;
  std::string source_account;
  std::string source_region;
  std::string destination_account;
  std::string destination_region;
  std::int64_t started = 0;  // copies started this run (plan: that would be)
  std::int64_t pending = 0;  // copies found pending at the destination
  std::int64_t waiting = 0;  // wanted but left for a later run (max_in_flight, the quota)
  std::int64_t failed = 0;   // CopySnapshot refused, or a copy found in error
  std::int64_t deleted = 0;  // copies deleted at the destination (plan: that would be)
  std::int64_t refused = 0;  // not copyable (a snapshot encrypted with aws/ebs, another account)
  std::int64_t shares_added = 0;    // another account: source snapshots shared with it
  std::int64_t shares_removed = 0;  // ... and unshared once their copy completed
  bool complete = true;             // both listings succeeded and the step ran
  std::vector<std::string> problems;
};

// Something a person must see that is not an action: a policy that selects
// nothing, an instance with nothing to snapshot, copied tags dropped. A
// `failure` warning means backups silently do not happen (notify.on
// [failure] sends it); a `warning` is worth reading.
struct RunWarning {
  enum class Level { warning, failure };
  Level level = Level::warning;
  std::string account;  // "" for the whole run
  std::string region;   // "" for the whole run
  std::string policy;
  std::string instance_id;
  std::string message;
  bool operator==(const RunWarning&) const = default;
};
std::string_view to_string(RunWarning::Level level);  // "warning" | "failure"

struct ApiCalls {
  std::int64_t calls = 0;  // requests sent, retries included
  std::int64_t retries = 0;
  std::int64_t throttled = 0;
  std::int64_t failed = 0;  // calls that failed after retries
};

// Adds `more`'s counts into `total`, action by action.
void add_api_calls(std::map<std::string, ApiCalls>& total,
                   const std::map<std::string, ApiCalls>& more);

// What one shard of a sharded run (--shard I/N, core/shard.h) covered, so
// that the N summaries can be checked to add up to one run's.
struct ShardReport {
  int index = 0;
  int count = 1;
  std::string by;                     // "target" | "instance"
  std::int64_t targets_total = 0;     // targets of the whole run (all shards')
  std::vector<std::string> targets;   // those this shard worked on ("account/region")
  std::int64_t instances_listed = 0;  // by instance: instances listed in its targets
  std::int64_t instances = 0;         // ... of which this shard's
  std::int64_t snapshots_listed = 0;  // by instance: snapkeep snapshots listed
  std::int64_t snapshots = 0;         // ... of which this shard's
};

struct RunSummary {
  RunMode mode = RunMode::run;
  std::string run_id;
  std::string now;  // ISO 8601 UTC, the time the run planned for
  std::vector<RegionReport> regions;
  std::vector<ActionResult> results;
  std::vector<CopyTargetReport> copies;  // one per (policy, source, copy target) worked on
  std::vector<RunWarning> warnings;
  // Why the run could not start or could not work on its targets at all
  // (bad credentials, no region configured, the region list unreadable).
  std::vector<std::string> errors;
  // The errors are bad input (exit 2: a broken profile, no credentials, a
  // refused AssumeRole) rather than a failure to reach AWS (exit 1).
  bool bad_input = false;
  std::vector<std::string> notification_errors;
  std::map<std::string, ApiCalls> api_calls;  // by action name
  bool interrupted = false;
  double seconds = 0;
  std::optional<ShardReport> shard;  // set when the run was sharded

  std::int64_t count(Outcome outcome) const;
  // An error, a failed action, an incomplete region or copy target, or an
  // interruption.
  bool has_failures() const;
  bool has_limit_skips() const;  // something skipped or failed for an AWS limit
  bool has_failure_warnings() const;
  // 2 for bad input; else 0 when everything planned was done and every
  // notification sent; else 1. Warnings alone do not change it.
  int exit_status() const;
  void merge(RunSummary other);  // appends another target's results
};

}  // namespace snapkeep::engine
