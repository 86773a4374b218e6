#include "engine/aws_session.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "aws/ec2.h"
#include "aws/environment.h"
#include "unit/aws/transport_fakes.h"

namespace snapkeep::engine {
namespace {

constexpr const char* kInternalError =
    "<Response><Errors><Error><Code>InternalError</Code><Message>try again</Message></Error>"
    "</Errors><RequestID>req-1</RequestID></Response>";

// How many HTTP attempts one DescribeInstances makes when every answer is a
// 500, with AWS_MAX_ATTEMPTS set to `max_attempts` ("" = unset).
std::size_t attempts_with(const std::string& max_attempts) {
  aws::MapEnvironment env;
  env.set("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
  env.set("AWS_SECRET_ACCESS_KEY", "secret");
  env.set("AWS_CONFIG_FILE", "/nonexistent/snapkeep-test-config");
  env.set("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/snapkeep-test-credentials");
  if (!max_attempts.empty()) env.set("AWS_MAX_ATTEMPTS", max_attempts);
  aws::testing::FakeTransport http;
  http.push(500, kInternalError);
  aws::testing::FakeClock clock;
  auto session = AwsSession::create({"http://127.0.0.1:5000", ""}, env, http, clock);
  EXPECT_TRUE(session) << (session ? "" : session.error());
  if (!session) return 0;
  auto clients = (*session)->region_clients("us-east-1");
  EXPECT_TRUE(clients);
  if (!clients) return 0;
  const auto listed = (*clients)->ec2().describe_instances(aws::DescribeInstancesRequest{});
  EXPECT_FALSE(listed);
  return http.requests().size();
}

// docs/transport.md: 5 attempts per call by default (the standard mode's 3
// gave up too often at 20 % faults); AWS_MAX_ATTEMPTS still decides.
TEST(AwsSession, RetriesEachCallFiveTimesUnlessConfigured) {
  EXPECT_EQ(attempts_with(""), static_cast<std::size_t>(kDefaultMaxAttempts));
  EXPECT_EQ(kDefaultMaxAttempts, 5);
  EXPECT_EQ(attempts_with("2"), 2U);
  EXPECT_EQ(attempts_with("7"), 7U);
}

}  // namespace
}  // namespace snapkeep::engine
