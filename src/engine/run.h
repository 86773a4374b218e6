// run_once(): one snapkeep run from start to end, as `run` and `plan` do it
// today and `daemon` (at each slot) and `lambda` (per invocation) will:
//
//   1. targets: the regions (--region, else the configuration, else the
//      profile's region; "*" asks DescribeRegions), deduplicated in order,
//      times the accounts, each account's id learnt once with STS
//      GetCallerIdentity;
//   2. reconcile (engine/reconcile.h): list every target, then plan and
//      execute (or describe) each;
//   3. notify (run only; engine/notify.h).
//
// Everything a person must know ends in the RunSummary (errors, warnings,
// actions) and so in the output and the notifications; nothing is printed
// here. Failures before any target is worked on (no region configured, bad
// credentials, an unreachable STS) are errors of the summary, notified like
// any failure. When the account cannot be learnt for a reason that is not
// bad input (a timeout, a 5xx), the run goes on with the account unknown and
// so deletes nothing (the planner's rule), and says so.
//
// Thread safety: run_once() may be called again after it returns (a daemon);
// it starts and joins its own threads. AwsAccess implementations must allow
// region_clients() from several threads.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "aws/clock.h"
#include "aws/error.h"
#include "aws/http.h"
#include "aws/query_client.h"
#include "core/config.h"
#include "core/schedule.h"
#include "core/shard.h"
#include "engine/executor.h"
#include "engine/reconcile.h"
#include "engine/summary.h"
#include "engine/target.h"

namespace snapkeep::engine {

// What a run needs from AWS. AwsSession (engine/aws_session.h) is the real
// one; tests give fakes over FakeEc2 and scripted transports.
class AwsAccess {
 public:
  virtual ~AwsAccess() = default;
  // The region of the environment or profile; "" when none is configured.
  virtual std::string default_region() const = 0;
  // The id of the account that `account`'s credentials act as (STS
  // GetCallerIdentity in `region`). A credentials error (kind credentials)
  // when no credentials can be had.
  virtual aws::Result<std::string> account_id(const Account& account,
                                              const std::string& region) = 0;
  // EC2 clients for a target, paced per (account id, region, API).
  virtual snapkeep::expected<std::unique_ptr<RegionClients>, std::string> region_clients(
      const Target& target) = 0;
  // A caller for another service (sns) in `region`, with the standard
  // retries, under the process's own credentials.
  virtual snapkeep::expected<std::unique_ptr<aws::QueryCaller>, std::string> caller(
      const std::string& service, const std::string& region, std::string_view api_version) = 0;
};

// What is around a run: AWS (null when no session could be made: only the
// webhook can then be notified), the HTTP transport for webhooks, the clock.
struct RunServices {
  AwsAccess* access = nullptr;
  aws::HttpTransport* http = nullptr;
  aws::Clock* clock = nullptr;
};

struct RunRequest {
  const core::Config* config = nullptr;
  RunMode mode = RunMode::run;
  core::Time now{};
  std::string run_id;  // 8 hex digits; see new_run_id()
  // --region: only these regions, instead of the configuration's. Repeats
  // are dropped (first one kept).
  std::vector<std::string> regions;
  // --account: only these accounts (configured names or 12-digit ids).
  std::vector<std::string> accounts;
  int parallel_targets = 4;
  // --shard I/N: this process's part of the targets or instances
  // (core/shard.h; applied by reconcile()).
  core::Shard shard;
  ExecutorOptions executor;
  ProgressCallback progress;                // run only; called from worker threads
  const std::atomic<bool>* stop = nullptr;  // set: no new action starts; null: never
};

RunSummary run_once(const RunRequest& request, const RunServices& services);

// Step 1 of run_once, shared with `list` and `report`: the targets, account
// by account (the credentials' own first when include_own_account, then
// `accounts:` in configuration order), each account's regions in order,
// each with its account id. `problems` are errors that do not stop the run:
// an account id that could not be learnt (it stays "": nothing is deleted
// there), an account whose role could not be assumed (its targets are left
// out; the other accounts go on).
struct TargetFilter {
  std::vector<std::string> regions;   // --region: instead of the configured regions
  std::vector<std::string> accounts;  // --account: configured names or account ids
  std::string run_id;                 // the session name snapkeep-<run id> for roles
};
struct ResolvedTargets {
  std::vector<Target> targets;
  std::vector<std::string> problems;
};
struct TargetsError {
  std::string message;
  bool bad_input = false;  // exit 2 rather than 1
};
snapkeep::expected<ResolvedTargets, TargetsError> resolve_targets(const core::Config& config,
                                                                  const TargetFilter& filter,
                                                                  AwsAccess& access);

// The Account of a role the configuration names (an `accounts:` entry, or a
// copy target's role_arn with no such entry), id not yet known: its
// session name is the entry's or snapkeep-<run id>.
Account role_account(const core::Config& config, const std::string& role_arn,
                     const std::string& run_id);

// The vault accounts of the copy targets with a role_arn, each id learnt
// (AssumeRole + GetCallerIdentity in `region`); one that cannot be reached
// keeps an empty id (no copies go there) and is said in `problems`.
std::vector<Account> resolve_copy_accounts(const core::Config& config, const std::string& run_id,
                                           const std::string& region, AwsAccess& access,
                                           std::vector<std::string>& problems);

// A summary for a run that could not start (e.g. the configuration or the
// AWS session could not be had), with `why` as its error: what run_once()
// returns in such a case, for callers that fail before calling it.
RunSummary failed_run(RunMode mode, const std::string& run_id, core::Time now, std::string why,
                      bool bad_input);

// Sends the notifications `notify` asks for about `summary` (run mode) and
// records those that could not be sent in summary.notification_errors. SNS
// needs services.access; the webhook only services.http.
void notify_run(const core::Notify& notify, RunSummary& summary, const RunServices& services);

// The regions to work on, without AWS: `overrides` (--region) when given,
// else the configuration's list, else `default_region`; repeats dropped in
// order. Empty with regions "*" (ask DescribeRegions). An error when no
// region is configured anywhere: snapkeep never picks one silently.
snapkeep::expected<std::vector<std::string>, std::string> configured_regions(
    const core::Config& config, const std::vector<std::string>& overrides,
    const std::string& default_region);

// Whether a failure to get credentials or the account id is bad input (a
// missing or broken profile, refused credentials, a denied AssumeRole: exit
// 2) rather than AWS or the network failing (a timeout, a 5xx: exit 1).
bool is_bad_credentials(const aws::AwsError& error);

// Drops repeats, keeping the first of each, in order.
std::vector<std::string> without_repeats(const std::vector<std::string>& values);

// 8 random hex digits.
std::string new_run_id();

}  // namespace snapkeep::engine
