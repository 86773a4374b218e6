// One run as the long-lived commands (`daemon`, `lambda`) start it: an
// engine::run_once in run mode (targets resolved again for each run, since
// the configuration may have been reloaded; notifications sent).
//
// Thread safety: one call at a time per RunService.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "aws/clock.h"
#include "aws/environment.h"
#include "aws/http.h"
#include "core/config.h"
#include "core/shard.h"
#include "engine/run.h"
#include "engine/summary.h"

namespace snapkeep::cli {

struct RunService {
  const aws::Environment& env;
  aws::HttpTransport& http;
  aws::Clock& clock;
  engine::AwsAccess& access;
  std::vector<std::string> region_overrides;  // --region
  core::Shard shard;                          // --shard, SNAPKEEP_SHARD, ...
  std::vector<std::string> accounts{};        // --account

  engine::RunSummary run(const core::Config& config, core::Time now,
                         const std::atomic<bool>& stop) const;
};

}  // namespace snapkeep::cli
