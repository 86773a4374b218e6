// One run with notifications, as the long-lived commands (`daemon`,
// `lambda`) start it: the regions resolved again for each run (the
// configuration may have been reloaded), reconcile, notify.
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
#include "engine/aws_session.h"
#include "engine/summary.h"

namespace snapkeep::cli {

struct RunService {
  const aws::Environment& env;
  aws::HttpTransport& http;
  aws::Clock& clock;
  engine::AwsSession& session;
  std::vector<std::string> region_overrides;  // --region

  // A summary in every case; a region listing that failed is an incomplete
  // region in it (exit status 1).
  engine::RunSummary run(const core::Config& config, core::Time now,
                         const std::atomic<bool>& stop) const;
};

}  // namespace snapkeep::cli
