// The IMDSv2 credential provider and the default chain against moto's
// instance-metadata emulation (/latest/api/token, /latest/meta-data/iam/...),
// over the real libcurl transport.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "aws/clock.h"
#include "aws/credentials.h"
#include "aws/curl_transport.h"
#include "aws/environment.h"

namespace snapkeep::aws {
namespace {

class NoSts final : public StsCredentialCalls {
 public:
  Result<Credentials> assume_role(const Credentials&, const AssumeRoleParams&) override {
    ADD_FAILURE() << "AssumeRole must not be called";
    return unexpected(AwsError{});
  }
  Result<Credentials> assume_role_with_web_identity(const WebIdentityParams&) override {
    ADD_FAILURE() << "AssumeRoleWithWebIdentity must not be called";
    return unexpected(AwsError{});
  }
};

std::string moto_endpoint() {
  const char* endpoint = std::getenv("SNAPKEEP_TEST_ENDPOINT");
  return endpoint != nullptr ? endpoint : "";
}

class MotoImds : public ::testing::Test {
 protected:
  void SetUp() override {
    if (moto_endpoint().empty())
      GTEST_SKIP() << "SNAPKEEP_TEST_ENDPOINT not set (run under scripts/with-moto.sh)";
    // A clean environment: only what the test sets, so the process's own
    // AWS_* variables cannot satisfy the chain before IMDS is asked.
    env.set("AWS_EC2_METADATA_SERVICE_ENDPOINT", moto_endpoint());
    env.set("AWS_CONFIG_FILE", "/nonexistent/snapkeep/config");
    env.set("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/snapkeep/credentials");
  }

  void expect_moto_credentials(const Credentials& c) {
    EXPECT_EQ(c.access_key_id, "test-key");
    EXPECT_EQ(c.secret_access_key, "test-secret-key");
    EXPECT_EQ(c.session_token, "test-session-token");
    EXPECT_EQ(c.source, "imds");
    ASSERT_TRUE(c.expiration);
    // moto answers now + 1 day.
    auto left = *c.expiration - system_clock().now();
    EXPECT_GT(left, std::chrono::hours(23));
    EXPECT_LT(left, std::chrono::hours(25));
  }

  MapEnvironment env;
  CurlTransport http;
  NoSts sts;
};

TEST_F(MotoImds, ProviderReadsRoleCredentials) {
  auto c = ImdsProvider(env, http).credentials();
  ASSERT_TRUE(c) << c.error().describe();
  expect_moto_credentials(*c);
}

TEST_F(MotoImds, DefaultChainFallsThroughToImds) {
  SharedFiles files;
  files.config_path = "/nonexistent/snapkeep/config";
  files.credentials_path = "/nonexistent/snapkeep/credentials";
  auto chain =
      make_default_chain(ProviderContext{env, files, http, system_clock(), sts}, "default", false);
  auto c = chain->credentials();
  ASSERT_TRUE(c) << c.error().describe();
  expect_moto_credentials(*c);
  auto again = chain->credentials();  // from the cache
  ASSERT_TRUE(again);
  EXPECT_EQ(again->access_key_id, "test-key");
}

TEST_F(MotoImds, DisabledSkipsTheNetwork) {
  env.set("AWS_EC2_METADATA_DISABLED", "true");
  auto c = ImdsProvider(env, http).credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, "disabled by AWS_EC2_METADATA_DISABLED");
}

TEST_F(MotoImds, UnreachableEndpointIsNoCredentials) {
  // A port nothing listens on (the discard port on loopback): refused fast.
  env.set("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9");
  auto c = ImdsProvider(env, http).credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, kNoCredentialsCode);
}

}  // namespace
}  // namespace snapkeep::aws
