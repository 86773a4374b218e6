// reconcile(): one snapkeep run (or plan) over every configured region:
// list, plan, list AMIs only if the plan would delete, plan again, then
// execute (run) or describe (plan). Regions are worked on in parallel,
// bounded, each with its own clients (and so its own rate limiter).
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
#include "core/schedule.h"
#include "engine/executor.h"
#include "engine/summary.h"

namespace snapkeep::engine {

// The EC2 clients of one region: `ec2` retries everything retryable;
// `ec2_create` retries only what surely did not reach EC2 (see executor.h).
class RegionClients {
 public:
  virtual ~RegionClients() = default;
  virtual const aws::Ec2& ec2() = 0;
  virtual const aws::Ec2& ec2_create() = 0;
  // Calls made so far through these clients, by action.
  virtual std::map<std::string, ApiCalls> api_calls() = 0;
};

// Builds a region's clients, or says why it cannot (e.g. no endpoint).
using RegionClientFactory =
    std::function<snapkeep::expected<std::unique_ptr<RegionClients>, std::string>(
        const std::string& region)>;

struct ReconcileOptions {
  bool execute = true;  // false: `plan`, nothing is changed
  core::Time now{};
  std::string run_id;
  std::vector<std::string> regions;  // resolved region names
  std::string account_id;            // when known; else learnt from listings
  int parallel_regions = 4;
  ExecutorOptions executor;
  ProgressCallback progress;  // run only; see executor.h
};

RunSummary reconcile(const core::Config& config, const ReconcileOptions& options,
                     const RegionClientFactory& clients, aws::Clock& clock,
                     const std::atomic<bool>& stop);

// The regions to work on: `overrides` (--region) when given, else the
// config's list, else (regions: "*") every enabled region from
// DescribeRegions asked of `default_region`.
aws::Result<std::vector<std::string>> resolve_regions(const core::Config& config,
                                                      const std::vector<std::string>& overrides,
                                                      const std::string& default_region,
                                                      const RegionClientFactory& clients);

}  // namespace snapkeep::engine
