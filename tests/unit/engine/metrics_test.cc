#include "engine/metrics.h"

#include <gtest/gtest.h>

namespace snapkeep::engine {
namespace {

RunSummary summary_with(int created, int failed) {
  RunSummary s;
  RegionReport region;
  region.account = "123456789012";
  region.region = "us-east-1";
  region.instances = 4;
  region.snapshots = 9;
  s.regions.push_back(region);
  for (int i = 0; i < created; ++i) {
    ActionResult r;
    r.outcome = Outcome::created;
    r.action = ActionKind::create;
    s.results.push_back(r);
  }
  for (int i = 0; i < failed; ++i) {
    ActionResult r;
    r.outcome = Outcome::failed;
    r.action = ActionKind::delete_snapshot;
    s.results.push_back(r);
  }
  s.api_calls["CreateSnapshots"].calls = created;
  return s;
}

TEST(RunMetrics, CountsRunsAndActionsInPrometheusText) {
  RunMetrics metrics;
  metrics.add(summary_with(2, 0), 100.0, 101.5);
  metrics.add(summary_with(1, 1), 200.0, 200.25);
  const std::string text = metrics.render();
  EXPECT_NE(text.find("# TYPE snapkeep_runs_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("snapkeep_runs_total{result=\"ok\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("snapkeep_runs_total{result=\"failed\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("snapkeep_actions_total{action=\"create\",outcome=\"created\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("snapkeep_actions_total{action=\"delete\",outcome=\"failed\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("snapkeep_api_calls_total{api=\"CreateSnapshots\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("snapkeep_last_success_timestamp_seconds 101.500\n"), std::string::npos);
  EXPECT_NE(text.find("snapkeep_last_run_timestamp_seconds 200.250\n"), std::string::npos);
  EXPECT_NE(text.find("snapkeep_last_run_duration_seconds 0.250\n"), std::string::npos);
  EXPECT_NE(text.find("snapkeep_last_run_exit_status 1\n"), std::string::npos);
  EXPECT_NE(text.find("snapkeep_snapshots{account=\"123456789012\",region=\"us-east-1\"} 9\n"),
            std::string::npos);
  EXPECT_EQ(text.back(), '\n');
}

}  // namespace
}  // namespace snapkeep::engine
