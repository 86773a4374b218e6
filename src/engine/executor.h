// Executor: carries out one region's Plan against EC2 and reports every
// action's outcome. Deciding is the core's job; this only does, in an order
// that never leaves fewer good restore points than before:
//
//   1. creations (one CreateSnapshots per instance and slot);
//   2. snapkeep:device tags, one CreateTags per device name covering every
//      new snapshot of that device plus the planner's repairs;
//   3. deletions, only for instances whose new point was created (or needed
//      none) in this run.
//
// CreateSnapshots is sent through a caller that does not retry ambiguous
// failures (a 5xx or timeout may mean the snapshots were made): after one,
// the executor looks for the set by its snapkeep:set tag before trying
// again, and gives up (no second call) when that look-up fails. EC2's
// listings lag, though: a set made moments ago may not show yet, and the
// retry then makes a second one for the slot. That duplicate is not lost
// data; the next run sees both and removes the extra (DESIGN.md section 1).
//
// EC2's own limits are not lumped with failures:
// SnapshotCreationPerVolumeRateExceeded and ConcurrentSnapshotLimitExceeded
// pass within seconds: the instance is deferred and tried again after the
// other creations, following one wait (at least 15 s) per round, for a few
// rounds; what still meets a limit then, and IncorrectState, skips the
// instance for this run (reported, flagged as a limit). InvalidSnapshot.InUse
// on delete is a skip; InvalidSnapshot.NotFound on delete means already gone.
//
// Thread safety: one Executor per region and thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>

#include "aws/clock.h"
#include "aws/ec2.h"
#include "core/plan.h"
#include "engine/summary.h"

namespace snapkeep::engine {

// Where a region's run stands, for a progress line: instances whose actions
// (create and deletes) are all done, of those that have any, and actions
// that failed so far.
struct RegionProgress {
  std::string region;
  std::size_t instances_done = 0;
  std::size_t instances_total = 0;
  std::size_t failed = 0;
};

// Called after each action; from region worker threads, possibly at once for
// different regions, so it must be thread-safe.
using ProgressCallback = std::function<void(const RegionProgress&)>;

struct ExecutorOptions {
  // SnapshotCreationPerVolumeRateExceeded and ConcurrentSnapshotLimitExceeded:
  // the wait before each further round of the instances that met them
  // (EC2 asks for at least 15 s; SNAPKEEP_VOLUME_RATE_WAIT_MS sets it), and
  // how many times an instance is tried in all.
  std::chrono::milliseconds limit_wait{15000};
  int limit_attempts = 4;
  // CreateSnapshots tries when the answer leaves it unknown whether the set
  // was made (5xx, timeout, reset), each after a look-up by snapkeep:set; as
  // many as any other call gets (kDefaultMaxAttempts).
  int ambiguous_create_attempts = 5;
  std::size_t tag_batch = 500;  // ResourceId.N per CreateTags call
};

class Executor {
 public:
  // `ec2` reads and makes idempotent changes with full retries;
  // `ec2_create` sends CreateSnapshots and retries only failures that surely
  // did not reach EC2 (throttling, refused connections). `stop` is polled
  // before every action (Ctrl-C / SIGTERM): no new action starts once set.
  Executor(const aws::Ec2& ec2, const aws::Ec2& ec2_create, aws::Clock& clock,
           const std::atomic<bool>& stop, ExecutorOptions options = {});

  // Appends one ActionResult per action to `summary.results`.
  // `progress`, when set, is called after every action (see ProgressCallback).
  void execute(const core::Plan& plan, RunSummary& summary, const ProgressCallback& progress = {});

 private:
  // One CreateSnapshots for `create`; after an ambiguous failure, looks for
  // the set by its tag before sending again.
  aws::Result<std::vector<aws::Ec2Snapshot>> create_set(
      const core::CreateAction& create, const aws::CreateSnapshotsRequest& request) const;

  const aws::Ec2& m_ec2;
  const aws::Ec2& m_ec2_create;
  aws::Clock& m_clock;
  const std::atomic<bool>& m_stop;
  ExecutorOptions m_options;
};

// Records an AWS refusal on an action: its code (or kind), message and
// request id.
void set_error(ActionResult& r, const aws::AwsError& e);

// What `plan` prints: every action as planned, nothing sent.
void describe_plan(const core::Plan& plan, RunSummary& summary);

}  // namespace snapkeep::engine
