#include "engine/metrics.h"

#include <gtest/gtest.h>

#include <map>

#include "support/fake_aws_access.h"
#include "unit/aws/transport_fakes.h"

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

RunSummary per_policy_summary() {
  RunSummary s;
  s.seconds = 2.5;
  RegionReport east;
  east.region = "us-east-1";
  RegionReport west;
  west.region = "eu-west-1";
  s.regions = {east, west};
  auto result = [&](std::string policy, std::string region, ActionKind kind, Outcome outcome,
                    bool limit = false) {
    ActionResult r;
    r.policy = std::move(policy);
    r.region = std::move(region);
    r.action = kind;
    r.outcome = outcome;
    r.limit = limit;
    s.results.push_back(r);
  };
  result("nightly", "us-east-1", ActionKind::create, Outcome::created);
  result("nightly", "us-east-1", ActionKind::create, Outcome::created);
  result("nightly", "us-east-1", ActionKind::delete_snapshot, Outcome::deleted);
  result("nightly", "eu-west-1", ActionKind::create, Outcome::failed, true);
  result("", "eu-west-1", ActionKind::tag_device, Outcome::tagged);
  return s;
}

TEST(RunMetricData, PerPolicyAndRegionWithTheDuration) {
  const auto data = run_metric_data(per_policy_summary());
  std::map<std::string, double> by_key;
  for (const auto& d : data) {
    std::string key = d.name;
    for (const auto& [k, v] : d.dimensions) key += "," + k + "=" + v;
    by_key[key] = d.value;
  }
  EXPECT_EQ(by_key.at("RestorePointsCreated,Policy=nightly,Region=us-east-1"), 2);
  EXPECT_EQ(by_key.at("Deletions,Policy=nightly,Region=us-east-1"), 1);
  EXPECT_EQ(by_key.at("Failures,Policy=nightly,Region=eu-west-1"), 1);
  EXPECT_EQ(by_key.at("ActionsLeft,Policy=nightly,Region=eu-west-1"), 1);
  EXPECT_EQ(by_key.at("Failures,Policy=-,Region=eu-west-1"), 0);
  EXPECT_EQ(by_key.at("RunDuration"), 2.5);
  EXPECT_EQ(data.size(), 3u * 4u + 1u);
}

TEST(RunMetricData, PrometheusGroupsEachFamily) {
  RunMetrics metrics;
  metrics.add(per_policy_summary(), 10, 12.5);
  const std::string text = metrics.render();
  EXPECT_NE(
      text.find(
          "# TYPE snapkeep_last_run_restore_points_created gauge\n"
          "snapkeep_last_run_restore_points_created{policy=\"-\",region=\"eu-west-1\"} 0\n"
          "snapkeep_last_run_restore_points_created{policy=\"nightly\",region=\"eu-west-1\"} 0\n"
          "snapkeep_last_run_restore_points_created{policy=\"nightly\",region=\"us-east-1\"} 2\n"),
      std::string::npos)
      << text;
  EXPECT_EQ(text.find("snapkeep_last_run_run_duration"), std::string::npos);
  // Every family's TYPE line appears once.
  std::map<std::string, int> types;
  std::size_t at = 0;
  while ((at = text.find("# TYPE ", at)) != std::string::npos) {
    const auto end = text.find(' ', at + 7);
    ++types[text.substr(at + 7, end - at - 7)];
    at = end;
  }
  for (const auto& [name, n] : types) EXPECT_EQ(n, 1) << name;
}

TEST(RunMetricData, PublishesEachRegionToItsOwnCloudWatchAndCountsTheCalls) {
  aws::testing::FakeClock clock;
  testing::FakeEc2 ec2{clock};
  testing::FakeAwsAccess access{ec2, clock};
  const std::string ok =
      "<PutMetricDataResponse><ResponseMetadata><RequestId>r</RequestId>"
      "</ResponseMetadata></PutMetricDataResponse>";
  access.monitoring.answer(ok);
  access.monitoring.answer(ok);
  auto summary = per_policy_summary();
  publish_cloudwatch(summary, access);
  EXPECT_TRUE(summary.notification_errors.empty());
  EXPECT_EQ(summary.api_calls["PutMetricData"].calls, 2);
  const auto calls = access.monitoring.calls();
  ASSERT_EQ(calls.size(), 2u);
  for (const auto& c : calls) {
    EXPECT_EQ(c.action, "PutMetricData");
    EXPECT_EQ(c.params.front(), (std::pair<std::string, std::string>{"Namespace", "snapkeep"}));
  }
}

TEST(RunMetricData, AFailedPublishIsReportedNotHidden) {
  aws::testing::FakeClock clock;
  testing::FakeEc2 ec2{clock};
  testing::FakeAwsAccess access{ec2, clock};
  aws::AwsError error;
  error.code = "AccessDenied";
  error.message = "no cloudwatch:PutMetricData";
  access.monitoring.fail(error);
  access.monitoring.fail(error);
  auto summary = per_policy_summary();
  publish_cloudwatch(summary, access);
  EXPECT_EQ(summary.notification_errors.size(), 2u);
  EXPECT_EQ(summary.exit_status(), 1);
}

}  // namespace
}  // namespace snapkeep::engine
