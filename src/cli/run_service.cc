#include "cli/run_service.h"

namespace snapkeep::cli {

engine::RunSummary RunService::run(const core::Config& config, core::Time now,
                                   const std::atomic<bool>& stop) const {
  engine::RunRequest request;
  request.config = &config;
  request.mode = engine::RunMode::run;
  request.now = now;
  request.run_id = engine::new_run_id();
  request.regions = region_overrides;
  request.accounts = accounts;
  request.shard = shard;
  request.stop = &stop;
  // EC2 asks for at least 15 s; a test against an emulator need not wait.
  if (auto wait = aws::env_milliseconds(env, "SNAPKEEP_VOLUME_RATE_WAIT_MS")) {
    request.executor.limit_wait = *wait;
  }
  return engine::run_once(request, engine::RunServices{&access, &http, &clock});
}

}  // namespace snapkeep::cli
