// reconcile(): the body of one snapkeep run (or plan) over its targets, in
// two phases:
//
//   1. list every target (instances, their volumes' tags when needed, own
//      snapshots), in parallel, bounded;
//   2. plan each target from its listing (AMIs listed only if the plan would
//      delete, then planned again) and execute (run) or describe (plan), in
//      parallel, bounded;
//   3. the copy step (engine/copy_phase.h), when a policy has copy targets:
//      each destination listed once, its copies planned from the sources'
//      listings, then executed or described.
//
// Every listing exists before any target is planned, so a step that needs
// another target's listing (copies to a destination region or account) can
// read it, and coverage_warnings() can say that a policy selects nothing
// anywhere. Each target has its own clients, kept from listing to execution.
// API calls stay at the lower bound of engine/inventory.h.
//
// Thread safety: reconcile() starts and joins its own threads; the factory
// must be callable from several threads.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "aws/clock.h"
#include "aws/ec2.h"
#include "core/config.h"
#include "core/inventory.h"
#include "core/schedule.h"
#include "core/shard.h"
#include "engine/executor.h"
#include "engine/inventory.h"
#include "engine/summary.h"
#include "engine/target.h"

namespace snapkeep::engine {

// The EC2 clients of one target: `ec2` retries everything retryable;
// `ec2_create` retries only what surely did not reach EC2 (see executor.h).
class RegionClients {
 public:
  virtual ~RegionClients() = default;
  virtual const aws::Ec2& ec2() = 0;
  virtual const aws::Ec2& ec2_create() = 0;
  // Calls made so far through these clients, by action.
  virtual std::map<std::string, ApiCalls> api_calls() = 0;
};

// Builds a target's clients (its account's credentials, its region's
// endpoint), or says why it cannot.
using RegionClientFactory =
    std::function<snapkeep::expected<std::unique_ptr<RegionClients>, std::string>(
        const Target& target)>;

struct ReconcileOptions {
  RunMode mode = RunMode::run;  // plan: nothing is changed
  core::Time now{};
  std::string run_id;
  std::vector<Target> targets;  // resolved, without duplicates
  // The accounts of copy targets with a role_arn (resolve_copy_accounts);
  // one with an empty id could not be reached.
  std::vector<Account> copy_accounts;
  // Sharded (core/shard.h): by target, only this shard's targets are worked
  // on; by instance, every target is listed and only this shard's instances
  // and their snapshots are planned. The summary's `shard` says what was
  // covered.
  core::Shard shard;
  int parallel_targets = 4;
  ExecutorOptions executor;
  ProgressCallback progress;  // run only; see executor.h
};

// Phase 1's result for one target.
struct TargetListing {
  Target target;
  std::unique_ptr<RegionClients> clients;  // null when they could not be made
  core::RegionInventory inventory;
  RegionReport report;
  // The snapshots' user tags, kept only when a policy has copy targets
  // (engine/copy_phase.h): a copy carries its source's tags.
  SourceUserTags user_tags;
};

RunSummary reconcile(const core::Config& config, const ReconcileOptions& options,
                     const RegionClientFactory& clients, aws::Clock& clock,
                     const std::atomic<bool>& stop);

// What the listings say a person must know before anything is planned: a
// policy that names no instance in any target (a `failure`: nothing is
// backed up), and a selected instance with nothing to snapshot (no volume
// attached, or every volume excluded). Only targets whose instance listing
// is complete count; with an incomplete one, "selects nothing" is not said.
// `whole_run` false (a shard of the targets): "selects nothing" is not said
// either, since the other shards' targets were not listed.
std::vector<RunWarning> coverage_warnings(const core::Config& config,
                                          const std::vector<TargetListing>& listings,
                                          bool whole_run = true);

}  // namespace snapkeep::engine
