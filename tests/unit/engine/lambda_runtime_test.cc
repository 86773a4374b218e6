#include "engine/lambda_runtime.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/retention.h"
#include "unit/aws/transport_fakes.h"

namespace snapkeep::engine {
namespace {

using aws::testing::FakeTransport;

TEST(LambdaEvent, TimesComeFromSchedulerInputOrScheduledEvents) {
  auto empty = parse_lambda_event("");
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->now);
  EXPECT_TRUE(parse_lambda_event("null"));
  EXPECT_FALSE(parse_lambda_event("{}")->now);
  auto input = parse_lambda_event(R"({"now": "2026-12-01T03:30:00Z"})");
  ASSERT_TRUE(input);
  EXPECT_EQ(input->now, core::parse_slot("2026-12-01T03:30:00Z"));
  auto scheduled = parse_lambda_event(
      R"({"version":"0","id":"x","detail-type":"Scheduled Event","source":"aws.events",)"
      R"("account":"123456789012","time":"2026-12-01T04:00:00Z","region":"us-east-1",)"
      R"("resources":["arn:aws:events:us-east-1:123456789012:rule/r"],"detail":{}})");
  ASSERT_TRUE(scheduled) << scheduled.error();
  EXPECT_EQ(scheduled->now, core::parse_slot("2026-12-01T04:00:00Z"));
  EXPECT_EQ(parse_lambda_event(R"({"now": "2026-12-01T03:30:00.000Z"})")->now,
            core::parse_slot("2026-12-01T03:30:00Z"));
}

TEST(LambdaEvent, AStepFunctionsMapItemNamesItsShard) {
  auto item = parse_lambda_event(
      R"({"now": "2026-12-01T03:00:00Z", "shard": "2/4", "shard_by": "instance"})");
  ASSERT_TRUE(item) << item.error();
  EXPECT_EQ(item->now, core::parse_slot("2026-12-01T03:00:00Z"));
  ASSERT_TRUE(item->shard);
  EXPECT_EQ(item->shard->index, 2);
  EXPECT_EQ(item->shard->count, 4);
  EXPECT_EQ(item->shard_by, core::ShardBy::instance);
  auto plain = parse_lambda_event(R"({"shard": "0/2"})");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->shard_by);
  EXPECT_FALSE(parse_lambda_event("{}")->shard);

  EXPECT_NE(parse_lambda_event(R"({"shard": "2/2"})").error().find("event \"shard\": shard '2/2'"),
            std::string::npos);
  EXPECT_NE(parse_lambda_event(R"({"shard": 1})").error().find("\"shard\" must be a string"),
            std::string::npos);
  EXPECT_NE(parse_lambda_event(R"({"shard": "0/2", "shard_by": "zone"})")
                .error()
                .find("event \"shard_by\": "),
            std::string::npos);
}

TEST(LambdaEvent, AScheduleMayNameItsAccountsAndRegions) {
  auto item =
      parse_lambda_event(R"({"now": "2026-12-01T03:00:00Z", "accounts": ["prod", "111111111111"],)"
                         R"( "regions": ["eu-west-1"]})");
  ASSERT_TRUE(item) << item.error();
  EXPECT_EQ(item->accounts, (std::vector<std::string>{"prod", "111111111111"}));
  EXPECT_EQ(item->regions, std::vector<std::string>{"eu-west-1"});
  EXPECT_TRUE(parse_lambda_event("{}")->accounts.empty());
  EXPECT_TRUE(parse_lambda_event("{}")->regions.empty());

  for (const char* bad : {R"({"accounts": "prod"})", R"({"accounts": []})", R"({"accounts": [""]})",
                          R"({"regions": [1]})"}) {
    auto refused = parse_lambda_event(bad);
    ASSERT_FALSE(refused) << bad;
    EXPECT_NE(refused.error().find("must be a non-empty array of non-empty strings"),
              std::string::npos)
        << refused.error();
  }
  EXPECT_EQ(parse_lambda_event(R"({"regions": ["us-east-1", "Mars"]})").error(),
            "event \"regions\": 'Mars' is not a region name (like us-east-1)");
}

TEST(LambdaEvent, InvalidEventsSayWhatIsWrong) {
  EXPECT_EQ(parse_lambda_event("{").error(), "the event is not JSON");
  EXPECT_NE(parse_lambda_event("[1]").error().find("JSON object"), std::string::npos);
  EXPECT_NE(parse_lambda_event(R"({"now": 5})").error().find("\"now\" must be a string"),
            std::string::npos);
  EXPECT_NE(parse_lambda_event(R"({"now": "Tuesday"})").error().find("\"Tuesday\""),
            std::string::npos);
  EXPECT_NE(parse_lambda_event(R"({"when": "2026-12-01T03:30:00Z"})").error().find("\"when\""),
            std::string::npos);
  EXPECT_NE(parse_lambda_event(R"({"detail-type": "EC2 Instance State-change Notification"})")
                .error()
                .find("not a scheduled event"),
            std::string::npos);
}

TEST(RuntimeApiClient, NextReadsTheInvocationHeaders) {
  FakeTransport http;
  http.push(200, R"({"now":"2026-12-01T03:30:00Z"})",
            {{"Lambda-Runtime-Aws-Request-Id", "req-1"},
             {"lambda-runtime-deadline-ms", "1764559800000"},
             {"Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:1:function:f"}});
  RuntimeApiClient api("127.0.0.1:9001", http);
  auto invocation = api.next();
  ASSERT_TRUE(invocation);
  EXPECT_EQ(invocation->request_id, "req-1");
  EXPECT_EQ(invocation->deadline_ms, 1764559800000);
  EXPECT_EQ(invocation->function_arn, "arn:aws:lambda:us-east-1:1:function:f");
  const auto request = http.requests().at(0);
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.url, "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next");
  EXPECT_EQ(request.total_timeout.count(), 0) << "no timeout on /next";
}

TEST(RuntimeApiClient, PostsResponsesErrorsAndInitErrors) {
  FakeTransport http;
  http.push(202, "");
  RuntimeApiClient api("h:1", http);
  EXPECT_FALSE(api.respond("r1", "{}"));
  EXPECT_FALSE(api.fail("r1", {"Snapkeep.InvalidEvent", "bad"}));
  EXPECT_FALSE(api.init_error({"Snapkeep.InvalidConfiguration", "c.yaml:1:1: x"}));
  auto requests = http.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].url, "http://h:1/2018-06-01/runtime/invocation/r1/response");
  EXPECT_EQ(requests[1].url, "http://h:1/2018-06-01/runtime/invocation/r1/error");
  EXPECT_EQ(*aws::find_header(requests[1].headers, "Lambda-Runtime-Function-Error-Type"),
            "Snapkeep.InvalidEvent");
  auto body = nlohmann::json::parse(requests[1].body);
  EXPECT_EQ(body["errorType"], "Snapkeep.InvalidEvent");
  EXPECT_EQ(body["errorMessage"], "bad");
  EXPECT_TRUE(body["stackTrace"].is_array());
  EXPECT_EQ(requests[2].url, "http://h:1/2018-06-01/runtime/init/error");
}

TEST(ServeInvocations, RetriesNextReportsTooLargeAndExitsOn500) {
  FakeTransport http;
  http.push(400, "bad");  // /next refused: asked again
  http.push(200, "{}", {{"Lambda-Runtime-Aws-Request-Id", "r1"}});
  http.push(413, "too large");  // response refused
  http.push(202, "");           // the error that replaces it
  http.push(200, "{}", {{"Lambda-Runtime-Aws-Request-Id", "r2"}});
  http.push(403, "not current");  // logged, loop goes on
  http.push(500, "broken");       // /next: exit
  RuntimeApiClient api("h:1", http);
  int retries = 0;
  std::vector<std::string> logged;
  int handled = 0;
  const int status = serve_invocations(
      api,
      [&](const LambdaInvocation&) -> snapkeep::expected<std::string, LambdaError> {
        ++handled;
        return std::string(R"({"ok":true})");
      },
      [&](std::string_view level, std::string_view message) {
        logged.push_back(std::string(level) + " " + std::string(message));
      },
      [&] { ++retries; });
  EXPECT_EQ(status, 1);
  EXPECT_EQ(handled, 2);
  EXPECT_EQ(retries, 1);
  auto requests = http.requests();
  ASSERT_EQ(requests.size(), 7u);
  EXPECT_EQ(requests[3].url, "http://h:1/2018-06-01/runtime/invocation/r1/error");
  EXPECT_EQ(nlohmann::json::parse(requests[3].body)["errorType"], "Snapkeep.ResponseTooLarge");
  EXPECT_NE(logged.back().find("exiting"), std::string::npos);
}

TEST(ServeInvocations, ExitsWhenTheRuntimeApiIsUnreachable) {
  FakeTransport http;
  http.push_failure(aws::ErrorKind::network, "connection refused");
  RuntimeApiClient api("h:1", http);
  EXPECT_EQ(
      serve_invocations(
          api,
          [](const LambdaInvocation&) { return snapkeep::expected<std::string, LambdaError>(""); },
          [](std::string_view, std::string_view) {}, [] {}),
      1);
}

}  // namespace
}  // namespace snapkeep::engine
