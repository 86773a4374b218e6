// CloudWatch PutMetricData: the query parameters, and batching within the
// API's limits (1,000 data per call, requests under 1 MB).
#include "aws/cloudwatch.h"

#include <gtest/gtest.h>

#include <map>

#include "support/fake_query_caller.h"

namespace snapkeep::aws {
namespace {

constexpr const char* kOk =
    "<PutMetricDataResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\">"
    "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PutMetricDataResponse>";

std::map<std::string, std::string> as_map(const QueryParams& params) {
  return {params.begin(), params.end()};
}

TEST(CloudWatch, PutMetricDataNamesEveryDatumAndDimension) {
  testing::FakeQueryCaller caller;
  caller.answer(kOk);
  CloudWatch cw(caller);
  std::vector<MetricDatum> data = {
      {"RestorePointsCreated", {{"Policy", "nightly"}, {"Region", "us-east-1"}}, 3, "Count"},
      {"RunDuration", {}, 1.5, "Seconds"}};
  auto calls = cw.put_metric_data("snapkeep", data);
  ASSERT_TRUE(calls) << calls.error().describe();
  EXPECT_EQ(*calls, 1);
  ASSERT_EQ(caller.calls().size(), 1u);
  EXPECT_EQ(caller.calls()[0].action, "PutMetricData");
  const auto p = as_map(caller.calls()[0].params);
  EXPECT_EQ(p.at("Namespace"), "snapkeep");
  EXPECT_EQ(p.at("MetricData.member.1.MetricName"), "RestorePointsCreated");
  EXPECT_EQ(p.at("MetricData.member.1.Dimensions.member.1.Name"), "Policy");
  EXPECT_EQ(p.at("MetricData.member.1.Dimensions.member.1.Value"), "nightly");
  EXPECT_EQ(p.at("MetricData.member.1.Dimensions.member.2.Value"), "us-east-1");
  EXPECT_EQ(p.at("MetricData.member.1.Value"), "3");
  EXPECT_EQ(p.at("MetricData.member.1.Unit"), "Count");
  EXPECT_EQ(p.at("MetricData.member.2.Value"), "1.5");
  EXPECT_EQ(p.at("MetricData.member.2.Unit"), "Seconds");
  EXPECT_FALSE(p.contains("MetricData.member.2.Dimensions.member.1.Name"));
}

TEST(CloudWatch, BatchesAtAThousandDataPerCall) {
  testing::FakeQueryCaller caller;
  for (int i = 0; i < 3; ++i) caller.answer(kOk);
  CloudWatch cw(caller);
  std::vector<MetricDatum> data(2001, MetricDatum{"Failures", {{"Policy", "p"}}, 0, "Count"});
  auto calls = cw.put_metric_data("snapkeep", data);
  ASSERT_TRUE(calls);
  EXPECT_EQ(*calls, 3);
  ASSERT_EQ(caller.calls().size(), 3u);
  EXPECT_TRUE(as_map(caller.calls()[0].params).contains("MetricData.member.1000.MetricName"));
  EXPECT_FALSE(as_map(caller.calls()[0].params).contains("MetricData.member.1001.MetricName"));
  EXPECT_EQ(caller.calls()[2].params.size(), 1u + 5u);  // Namespace + one datum
}

TEST(CloudWatch, KeepsRequestsUnderTheByteLimit) {
  testing::FakeQueryCaller caller;
  for (int i = 0; i < 10; ++i) caller.answer(kOk);
  CloudWatch cw(caller);
  // 30 long dimensions each: far fewer than 1,000 fit in 1 MB.
  MetricDatum big{"Failures", {}, 1, "Count"};
  for (int d = 0; d < 30; ++d)
    big.dimensions.push_back({std::string(200, 'k'), std::string(200, 'v')});
  std::vector<MetricDatum> data(100, big);
  auto calls = cw.put_metric_data("snapkeep", data);
  ASSERT_TRUE(calls);
  EXPECT_GT(*calls, 1);
  for (const auto& call : caller.calls()) {
    std::size_t bytes = 0;
    for (const auto& [k, v] : call.params) bytes += k.size() + v.size() + 2;
    EXPECT_LT(bytes, CloudWatch::max_request_bytes);
  }
}

TEST(CloudWatch, StopsAtTheFirstFailure) {
  testing::FakeQueryCaller caller;
  AwsError error;
  error.code = "Throttling";
  caller.fail(error);
  CloudWatch cw(caller);
  std::vector<MetricDatum> data(1500, MetricDatum{"Failures", {}, 0, "Count"});
  EXPECT_FALSE(cw.put_metric_data("snapkeep", data));
  EXPECT_EQ(caller.calls().size(), 1u);
}

}  // namespace
}  // namespace snapkeep::aws
