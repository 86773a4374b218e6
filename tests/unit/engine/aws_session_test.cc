#include "engine/aws_session.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
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
  auto clients = (*session)->region_clients(Target{{}, "us-east-1"});
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

constexpr const char* kCallerIdentity =
    "<GetCallerIdentityResponse><GetCallerIdentityResult>"
    "<Arn>arn:aws:iam::210987654321:user/ops</Arn><UserId>AIDA1</UserId>"
    "<Account>210987654321</Account></GetCallerIdentityResult>"
    "<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>"
    "</GetCallerIdentityResponse>";

aws::MapEnvironment keys_env() {
  aws::MapEnvironment env;
  env.set("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
  env.set("AWS_SECRET_ACCESS_KEY", "secret");
  env.set("AWS_CONFIG_FILE", "/nonexistent/snapkeep-test-config");
  env.set("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/snapkeep-test-credentials");
  return env;
}

TEST(AwsSession, LearnsTheAccountWithGetCallerIdentityOnce) {
  auto env = keys_env();
  aws::testing::FakeTransport http;
  http.push(200, kCallerIdentity);
  aws::testing::FakeClock clock;
  auto session = AwsSession::create({"http://127.0.0.1:5000", ""}, env, http, clock);
  ASSERT_TRUE(session);
  auto id = (*session)->account_id(Account{}, "eu-west-1");
  ASSERT_TRUE(id) << id.error().describe();
  EXPECT_EQ(*id, "210987654321");
  EXPECT_EQ((*session)->account_id(Account{}, "eu-west-1").value(), "210987654321");
  ASSERT_EQ(http.requests().size(), 1u) << "once per credentials";
  EXPECT_NE(http.requests()[0].body.find("Action=GetCallerIdentity"), std::string::npos);
}

TEST(AwsSession, ACredentialFailureIsTheIdentityAnswer) {
  aws::MapEnvironment env;
  env.set("AWS_CONFIG_FILE", "/nonexistent/snapkeep-test-config");
  env.set("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/snapkeep-test-credentials");
  env.set("AWS_EC2_METADATA_DISABLED", "true");
  aws::testing::FakeTransport http;
  aws::testing::FakeClock clock;
  auto session = AwsSession::create({"http://127.0.0.1:5000", ""}, env, http, clock);
  ASSERT_TRUE(session);
  auto id = (*session)->account_id(Account{}, "us-east-1");
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().kind, aws::ErrorKind::credentials) << id.error().describe();
  EXPECT_TRUE(is_bad_credentials(id.error()));
}

constexpr const char* kRegions =
    "<DescribeRegionsResponse><requestId>r-1</requestId><regionInfo><item>"
    "<regionName>us-east-1</regionName><regionEndpoint>ec2.us-east-1.amazonaws.com"
    "</regionEndpoint></item></regionInfo></DescribeRegionsResponse>";

// Issue 9, major 7: each target's clients are paced in the buckets of its
// own account (EC2's limits are per account and region), so one account's
// burst never slows another's.
TEST(AwsSession, RegionClientsArePacedInTheirOwnAccountsBuckets) {
  auto env = keys_env();
  aws::testing::FakeTransport http;
  aws::testing::FakeClock clock;
  auto session = AwsSession::create({"http://127.0.0.1:5000", ""}, env, http, clock);
  ASSERT_TRUE(session) << session.error();
  auto clients_of = [&](const std::string& id) {
    Account account;
    account.id = id;
    auto clients = (*session)->region_clients(Target{account, "us-east-1"});
    EXPECT_TRUE(clients) << (clients ? "" : clients.error());
    return std::move(*clients);
  };
  auto a = clients_of("111111111111");
  auto b = clients_of("222222222222");
  auto call = [&](RegionClients& clients) {
    http.push(200, kRegions);
    const auto before = clock.elapsed();
    EXPECT_TRUE(clients.ec2().describe_regions());
    return clock.elapsed() - before;
  };
  // A Describe* bucket holds 100 tokens: account a spends them all.
  for (int i = 0; i < 100; ++i) ASSERT_EQ(call(*a), std::chrono::milliseconds(0)) << i;
  EXPECT_EQ(call(*b), std::chrono::milliseconds(0)) << "b's bucket is its own, still full";
  EXPECT_GT(call(*a), std::chrono::milliseconds(0)) << "a's next call waits for a token";
}

// A profile that assumes a role: the credential chain's STS client.
struct RoleProfile {
  std::string path = ::testing::TempDir() + "/snapkeep-role-profile";
  explicit RoleProfile(const std::string& region) {
    std::ofstream out(path);
    out << "[profile base]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n"
        << "[profile ops]\nrole_arn = arn:aws:iam::210987654321:role/snapkeep\n"
        << "source_profile = base\nregion = " << region << "\n";
  }
  ~RoleProfile() { std::remove(path.c_str()); }
};

TEST(AwsSession, AssumeRoleStsClientHasTheSessionsTimeouts) {
  RoleProfile profile("eu-west-1");
  aws::MapEnvironment env;
  env.set("AWS_CONFIG_FILE", profile.path);
  env.set("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/snapkeep-test-credentials");
  env.set("SNAPKEEP_HTTP_TIMEOUT_MS", "1234");
  env.set("AWS_MAX_ATTEMPTS", "2");
  aws::testing::FakeTransport http;
  http.push(500, kInternalError);
  http.push(500, kInternalError);
  http.push(500, kInternalError);
  aws::testing::FakeClock clock;
  auto session = AwsSession::create({"", "ops"}, env, http, clock);
  ASSERT_TRUE(session) << session.error();
  auto credentials = (*session)->credentials().credentials();
  ASSERT_FALSE(credentials);
  // The session's retry policy (AWS_MAX_ATTEMPTS), not a default of its own.
  const auto requests = http.requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const auto& request : requests) {
    EXPECT_NE(request.body.find("Action=AssumeRole"), std::string::npos) << request.body;
    EXPECT_EQ(request.url.rfind("https://sts.eu-west-1.amazonaws.com", 0), 0u) << request.url;
    EXPECT_EQ(request.total_timeout, std::chrono::milliseconds(1234));
  }
}

TEST(AwsSession, AssumeRoleWithNoEndpointFailsInsteadOfGuessingOne) {
  RoleProfile profile("not a region");
  aws::MapEnvironment env;
  env.set("AWS_CONFIG_FILE", profile.path);
  env.set("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/snapkeep-test-credentials");
  aws::testing::FakeTransport http;
  aws::testing::FakeClock clock;
  auto session = AwsSession::create({"", "ops"}, env, http, clock);
  ASSERT_TRUE(session) << session.error();
  auto credentials = (*session)->credentials().credentials();
  ASSERT_FALSE(credentials);
  EXPECT_TRUE(http.requests().empty());
  EXPECT_NE(credentials.error().message.find("STS"), std::string::npos)
      << credentials.error().describe();
}

// An account of `accounts:`: AssumeRole (session name, external id) with the
// process's credentials, then GetCallerIdentity and EC2 signed with the
// role's keys; the role's credentials are reused until near expiry.
TEST(AwsSession, AnAccountsClientsSignWithItsAssumedRole) {
  auto env = keys_env();
  aws::testing::FakeTransport http;
  aws::testing::FakeClock clock;
  http.push(200,
            "<AssumeRoleResponse><AssumeRoleResult><Credentials>"
            "<AccessKeyId>ASIAROLEKEY</AccessKeyId><SecretAccessKey>rolesecret</SecretAccessKey>"
            "<SessionToken>roletoken</SessionToken>"
            "<Expiration>2026-03-01T13:00:00Z</Expiration></Credentials>"
            "</AssumeRoleResult></AssumeRoleResponse>");
  http.push(200,
            "<GetCallerIdentityResponse><GetCallerIdentityResult>"
            "<Arn>arn:aws:sts::111111111111:assumed-role/snapkeep/snapkeep-0badcafe</Arn>"
            "<UserId>AROA1:snapkeep-0badcafe</UserId><Account>111111111111</Account>"
            "</GetCallerIdentityResult></GetCallerIdentityResponse>");
  http.push(200, "<DescribeInstancesResponse><reservationSet/></DescribeInstancesResponse>");
  auto session = AwsSession::create({"http://127.0.0.1:5000", ""}, env, http, clock);
  ASSERT_TRUE(session);
  Account prod{.name = "prod",
               .role_arn = "arn:aws:iam::111111111111:role/snapkeep",
               .external_id = "ext-42",
               .session_name = "snapkeep-0badcafe"};
  auto id = (*session)->account_id(prod, "us-east-1");
  ASSERT_TRUE(id) << id.error().describe();
  EXPECT_EQ(*id, "111111111111");
  prod.id = *id;
  auto clients = (*session)->region_clients(Target{prod, "us-east-1"});
  ASSERT_TRUE(clients);
  const auto listed = (*clients)->ec2().describe_instances(aws::DescribeInstancesRequest{});
  ASSERT_TRUE(listed) << listed.error().describe();
  const auto& requests = http.requests();
  ASSERT_EQ(requests.size(), 3u) << "one AssumeRole for both calls";
  const std::string& assume = requests[0].body;
  EXPECT_NE(assume.find("Action=AssumeRole"), std::string::npos) << assume;
  EXPECT_NE(assume.find("RoleSessionName=snapkeep-0badcafe"), std::string::npos) << assume;
  EXPECT_NE(assume.find("ExternalId=ext-42"), std::string::npos) << assume;
  auto signed_with = [](const aws::HttpRequest& r) {
    const std::string* value = aws::find_header(r.headers, "Authorization");
    return value != nullptr ? *value : std::string();
  };
  EXPECT_NE(signed_with(requests[0]).find("AKIDEXAMPLE"), std::string::npos)
      << "the role is assumed with the process's credentials";
  EXPECT_NE(requests[1].body.find("Action=GetCallerIdentity"), std::string::npos);
  EXPECT_NE(signed_with(requests[1]).find("ASIAROLEKEY"), std::string::npos);
  EXPECT_NE(signed_with(requests[2]).find("ASIAROLEKEY"), std::string::npos);
}

TEST(AwsSession, ARefusedAssumeRoleIsACredentialsErrorOfThatAccount) {
  auto env = keys_env();
  aws::testing::FakeTransport http;
  aws::testing::FakeClock clock;
  http.push(403,
            "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is "
            "not authorized to perform: sts:AssumeRole</Message></Error></ErrorResponse>");
  auto session = AwsSession::create({"http://127.0.0.1:5000", ""}, env, http, clock);
  ASSERT_TRUE(session);
  Account denied{.name = "denied", .role_arn = "arn:aws:iam::111111111111:role/nope"};
  auto id = (*session)->account_id(denied, "us-east-1");
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().kind, aws::ErrorKind::credentials);
  EXPECT_EQ(id.error().code, "AccessDenied");
  EXPECT_NE(id.error().describe().find("arn:aws:iam::111111111111:role/nope"), std::string::npos)
      << id.error().describe();
}

}  // namespace
}  // namespace snapkeep::engine
