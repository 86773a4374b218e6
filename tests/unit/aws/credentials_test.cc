#include "aws/credentials.h"

#include <gtest/gtest.h>

#include <thread>

#include "credentials_fakes.h"

namespace snapkeep::aws {
namespace {

using namespace std::chrono_literals;
using testing::FakeClock;
using testing::FakeSts;
using testing::FakeTransport;
using testing::TempDir;

class CredentialsTest : public ::testing::Test {
 protected:
  CredentialsTest() {
    sts.expiration = clock.now() + 1h;
    env.set("HOME", dir.path("home"));
    env.set("AWS_CONFIG_FILE", dir.path("config"));
    env.set("AWS_SHARED_CREDENTIALS_FILE", dir.path("credentials"));
  }
  void config(const std::string& text) { dir.write("config", text); }
  void credentials_file(const std::string& text) { dir.write("credentials", text); }
  const SharedFiles& files() {
    auto loaded = load_shared_files(env);
    EXPECT_TRUE(loaded) << (loaded ? "" : loaded.error());
    m_files = loaded ? std::move(loaded).value() : SharedFiles{};
    return m_files;
  }
  ProviderContext context() { return ProviderContext{env, files(), http, clock, sts}; }

  TempDir dir;
  MapEnvironment env;
  FakeTransport http;
  FakeClock clock;
  FakeSts sts;

 private:
  SharedFiles m_files;
};

std::string header(const HttpRequest& request, std::string_view name) {
  const std::string* value = find_header(request.headers, name);
  return value != nullptr ? *value : "<absent>";
}

// --- environment ---------------------------------------------------------------

TEST_F(CredentialsTest, EnvironmentKeys) {
  env.set("AWS_ACCESS_KEY_ID", "AKIDENV");
  env.set("AWS_SECRET_ACCESS_KEY", "env-secret");
  env.set("AWS_SESSION_TOKEN", "env-token");
  auto c = EnvironmentProvider(env).credentials();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key_id, "AKIDENV");
  EXPECT_EQ(c->secret_access_key, "env-secret");
  EXPECT_EQ(c->session_token, "env-token");
  EXPECT_EQ(c->source, "environment");
  EXPECT_FALSE(c->expiration);
}

TEST_F(CredentialsTest, EnvironmentNotSetIsNoCredentials) {
  auto c = EnvironmentProvider(env).credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, kNoCredentialsCode);
  EXPECT_EQ(c.error().kind, ErrorKind::credentials);
  EXPECT_EQ(c.error().message, "AWS_ACCESS_KEY_ID not set");
}

TEST_F(CredentialsTest, EnvironmentHalfSetIsBrokenAndSecretFree) {
  env.set("AWS_SECRET_ACCESS_KEY", "do-not-print-me");
  auto c = EnvironmentProvider(env).credentials();
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().code, kNoCredentialsCode);
  EXPECT_EQ(c.error().message, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
}

TEST_F(CredentialsTest, EnvironmentExpiration) {
  env.set("AWS_ACCESS_KEY_ID", "AK");
  env.set("AWS_SECRET_ACCESS_KEY", "SK");
  env.set("AWS_CREDENTIAL_EXPIRATION", "2026-11-26T01:00:00Z");
  auto c = EnvironmentProvider(env).credentials();
  ASSERT_TRUE(c);
  EXPECT_EQ(*c->expiration, testing::test_epoch() + 1h);
}

// --- shared files ---------------------------------------------------------------

TEST_F(CredentialsTest, SharedCredentialsFile) {
  credentials_file(
      "[default]\naws_access_key_id = AKFILE\naws_secret_access_key = file-secret\n"
      "[dev]\naws_access_key_id = AKDEV\naws_secret_access_key = dev-secret\n"
      "aws_session_token = dev-token\n");
  const SharedFiles& f = files();
  auto c = ProfileKeysProvider(f, "dev", ProfileKeysProvider::File::credentials).credentials();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key_id, "AKDEV");
  EXPECT_EQ(c->secret_access_key, "dev-secret");
  EXPECT_EQ(c->session_token, "dev-token");
  EXPECT_EQ(c->source, "shared-credentials-file:dev");
}

TEST_F(CredentialsTest, ConfigFileKeys) {
  config("[profile dev]\naws_access_key_id = AKCFG\naws_secret_access_key = cfg-secret\n");
  const SharedFiles& f = files();
  ProfileKeysProvider provider(f, "dev", ProfileKeysProvider::File::config);
  EXPECT_EQ(provider.name(), "config file " + dir.path("config"));
  auto c = provider.credentials();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key_id, "AKCFG");
  EXPECT_EQ(c->source, "config-file:dev");
}

TEST_F(CredentialsTest, SharedFileReasons) {
  ProfileKeysProvider missing(files(), "default", ProfileKeysProvider::File::credentials);
  EXPECT_EQ(missing.credentials().error().message, "not found");
  credentials_file("[other]\nregion = x\n[dev]\nregion = y\n");
  const SharedFiles& f = files();
  auto no_profile =
      ProfileKeysProvider(f, "default", ProfileKeysProvider::File::credentials).credentials();
  EXPECT_EQ(no_profile.error().message, "no profile 'default'");
  EXPECT_EQ(no_profile.error().code, kNoCredentialsCode);
  auto no_keys =
      ProfileKeysProvider(f, "dev", ProfileKeysProvider::File::credentials).credentials();
  EXPECT_EQ(no_keys.error().message, "profile 'dev' has no aws_access_key_id");
}

TEST_F(CredentialsTest, SharedFileMissingSecretIsBroken) {
  credentials_file("[default]\naws_access_key_id = AK\n");
  auto c =
      ProfileKeysProvider(files(), "default", ProfileKeysProvider::File::credentials).credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "InvalidCredentialConfig");
  EXPECT_EQ(c.error().message,
            "profile 'default' has aws_access_key_id but no aws_secret_access_key");
}

// --- IMDS -------------------------------------------------------------------------

constexpr const char* kImdsDocument =
    R"({"Code":"Success","LastUpdated":"2026-11-25T23:00:00Z","Type":"AWS-HMAC",)"
    R"("AccessKeyId":"ASIAIMDS","SecretAccessKey":"imds-secret","Token":"imds-token",)"
    R"("Expiration":"2026-11-26T06:00:00Z"})";

TEST_F(CredentialsTest, ImdsV2ExactRequests) {
  http.push(200, "the-token");
  http.push(200, "my-role\n");
  http.push(200, kImdsDocument);
  auto c = ImdsProvider(env, http).credentials();
  ASSERT_TRUE(c) << c.error().describe();
  EXPECT_EQ(c->access_key_id, "ASIAIMDS");
  EXPECT_EQ(c->secret_access_key, "imds-secret");
  EXPECT_EQ(c->session_token, "imds-token");
  EXPECT_EQ(*c->expiration, testing::test_epoch() + 6h);
  EXPECT_EQ(c->source, "imds");

  ASSERT_EQ(http.requests().size(), 3u);
  const std::vector<HttpRequest> requests = http.requests();
  const auto& put = requests[0];
  EXPECT_EQ(put.method, "PUT");
  EXPECT_EQ(put.url, "http://169.254.169.254/latest/api/token");
  EXPECT_EQ(header(put, "X-aws-ec2-metadata-token-ttl-seconds"), "21600");
  EXPECT_EQ(put.connect_timeout, 1000ms);
  EXPECT_EQ(put.total_timeout, 1000ms);
  const auto& list = requests[1];
  EXPECT_EQ(list.method, "GET");
  EXPECT_EQ(list.url, "http://169.254.169.254/latest/meta-data/iam/security-credentials/");
  EXPECT_EQ(header(list, "X-aws-ec2-metadata-token"), "the-token");
  const auto& role = requests[2];
  EXPECT_EQ(role.method, "GET");
  EXPECT_EQ(role.url, "http://169.254.169.254/latest/meta-data/iam/security-credentials/my-role");
  EXPECT_EQ(header(role, "X-aws-ec2-metadata-token"), "the-token");
}

TEST_F(CredentialsTest, ImdsAcceptsMotoDocumentWithoutCodeOrType) {
  env.set("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:5000/");
  http.push(200, "fake-imdsv2-token");
  http.push(200, "default-role");
  http.push(200, R"({"AccessKeyId":"test-key","SecretAccessKey":"test-secret-key",)"
                 R"("Token":"test-session-token","Expiration":"2026-11-27T00:00:00.433337Z"})");
  auto c = ImdsProvider(env, http).credentials();
  ASSERT_TRUE(c) << c.error().describe();
  EXPECT_EQ(c->access_key_id, "test-key");
  EXPECT_EQ(*c->expiration, testing::test_epoch() + 24h + 433ms);
  EXPECT_EQ(http.requests()[0].url, "http://127.0.0.1:5000/latest/api/token");
  EXPECT_EQ(http.requests()[2].url,
            "http://127.0.0.1:5000/latest/meta-data/iam/security-credentials/default-role");
}

TEST_F(CredentialsTest, ImdsDisabled) {
  env.set("AWS_EC2_METADATA_DISABLED", "TRUE");
  auto c = ImdsProvider(env, http).credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, kNoCredentialsCode);
  EXPECT_EQ(c.error().message, "disabled by AWS_EC2_METADATA_DISABLED");
  EXPECT_TRUE(http.requests().empty());
}

TEST_F(CredentialsTest, ImdsUnreachableIsNoCredentials) {
  http.push_failure(ErrorKind::timeout, "connect timeout");
  auto c = ImdsProvider(env, http).credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, kNoCredentialsCode);
  EXPECT_EQ(c.error().message, "connect timeout");
  EXPECT_EQ(http.requests().size(), 1u);
}

TEST_F(CredentialsTest, ImdsAttemptsAndTimeoutFromEnvironment) {
  env.set("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "3");
  env.set("AWS_METADATA_SERVICE_TIMEOUT", "2.5");
  http.push_failure(ErrorKind::timeout, "connect timeout");
  http.push(503, "");
  http.push(200, "tok");
  http.push(200, "role");
  http.push(200, kImdsDocument);
  auto c = ImdsProvider(env, http).credentials();
  ASSERT_TRUE(c) << c.error().describe();
  EXPECT_EQ(http.requests().size(), 5u);
  EXPECT_EQ(http.requests()[0].total_timeout, 2500ms);
}

TEST_F(CredentialsTest, ImdsFallsBackToV1WhenTokenRefused) {
  http.push(403, "");
  http.push(200, "role");
  http.push(200, kImdsDocument);
  auto c = ImdsProvider(env, http).credentials();
  ASSERT_TRUE(c);
  EXPECT_EQ(header(http.requests()[1], "X-aws-ec2-metadata-token"), "<absent>");
}

TEST_F(CredentialsTest, ImdsV1DisabledRefusesFallback) {
  env.set("AWS_EC2_METADATA_V1_DISABLED", "true");
  http.push(404, "");
  auto c = ImdsProvider(env, http).credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message,
            "token request refused (HTTP 404) and AWS_EC2_METADATA_V1_DISABLED is set");
}

TEST_F(CredentialsTest, ImdsNoRoleAttached) {
  http.push(200, "tok");
  http.push(404, "");
  auto c = ImdsProvider(env, http).credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, kNoCredentialsCode);
  EXPECT_EQ(c.error().message, "no IAM role attached to the instance");
}

TEST_F(CredentialsTest, ImdsMalformedDocumentIsBroken) {
  http.push(200, "tok");
  http.push(200, "role");
  http.push(200, R"({"AccessKeyId":"ASIA","SecretAccessKey":"leaky-secret", oops)");
  auto c = ImdsProvider(env, http).credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "CredentialRetrievalError");
  EXPECT_EQ(c.error().message, "credentials of role role: answer is not a JSON object");
}

TEST_F(CredentialsTest, ImdsFailureCodeIsBroken) {
  http.push(200, "tok");
  http.push(200, "role");
  http.push(200, R"({"Code":"AssumeRoleUnauthorizedAccess","Message":"x"})");
  auto c = ImdsProvider(env, http).credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message,
            "credentials of role role: Code is 'AssumeRoleUnauthorizedAccess', not 'Success'");
}

TEST_F(CredentialsTest, ImdsIpv6Mode) {
  env.set("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6");
  http.push_failure(ErrorKind::network, "unreachable");
  (void)ImdsProvider(env, http).credentials();
  EXPECT_EQ(http.requests()[0].url, "http://[fd00:ec2::254]/latest/api/token");
}

// --- container -----------------------------------------------------------------------

constexpr const char* kContainerDocument =
    R"({"AccessKeyId":"ASIACONT","SecretAccessKey":"cont-secret","Token":"cont-token",)"
    R"("Expiration":"2026-11-26T02:00:00Z","RoleArn":"arn:aws:iam::1:role/task"})";

TEST_F(CredentialsTest, ContainerRelativeUri) {
  env.set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc");
  env.set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer env-token");
  http.push(200, kContainerDocument);
  auto c = ContainerProvider(env, http, clock).credentials();
  ASSERT_TRUE(c) << c.error().describe();
  EXPECT_EQ(c->access_key_id, "ASIACONT");
  EXPECT_EQ(c->session_token, "cont-token");
  EXPECT_EQ(*c->expiration, testing::test_epoch() + 2h);
  EXPECT_EQ(c->source, "container");
  ASSERT_EQ(http.requests().size(), 1u);
  EXPECT_EQ(http.requests()[0].method, "GET");
  EXPECT_EQ(http.requests()[0].url, "http://169.254.170.2/v2/credentials/abc");
  EXPECT_EQ(header(http.requests()[0], "Authorization"), "Bearer env-token");
  EXPECT_EQ(http.requests()[0].connect_timeout, 2000ms);
  EXPECT_EQ(http.requests()[0].total_timeout, 2000ms);
}

TEST_F(CredentialsTest, ContainerFullUriWithTokenFileReReadEachTime) {
  env.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials");
  env.set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "ignored-when-file-set");
  env.set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", dir.write("eks-token", "first-token"));
  http.push(200, kContainerDocument);
  http.push(200, kContainerDocument);
  ContainerProvider provider(env, http, clock);
  ASSERT_TRUE(provider.credentials());
  dir.write("eks-token", "second-token\n");
  ASSERT_TRUE(provider.credentials());
  EXPECT_EQ(http.requests()[0].url, "http://169.254.170.23/v1/credentials");
  EXPECT_EQ(header(http.requests()[0], "Authorization"), "first-token");
  EXPECT_EQ(header(http.requests()[1], "Authorization"), "second-token");
}

TEST_F(CredentialsTest, ContainerFullUriAllowedHosts) {
  for (std::string url : {"https://creds.example.com/x", "http://127.0.0.1:8080/x",
                          "http://127.1.2.3/x", "http://localhost/x", "http://[::1]:80/x",
                          "http://[fd00:ec2::23]/x", "http://169.254.170.2/x"}) {
    FakeTransport local;
    local.push(200, kContainerDocument);
    MapEnvironment e;
    e.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", url);
    EXPECT_TRUE(ContainerProvider(e, local, clock).credentials()) << url;
  }
  for (std::string url : {"http://example.com/x", "http://169.254.169.254/x", "ftp://127.0.0.1/x",
                          "http://127.0.0.1.evil.com/x", "http://user@127.0.0.1/x", "garbage"}) {
    FakeTransport local;
    MapEnvironment e;
    e.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", url);
    auto c = ContainerProvider(e, local, clock).credentials();
    ASSERT_FALSE(c) << url;
    EXPECT_EQ(c.error().code, "InvalidCredentialConfig") << url;
    EXPECT_TRUE(local.requests().empty()) << url;
  }
}

TEST_F(CredentialsTest, ContainerThreeAttemptsOneSecondApart) {
  env.set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/creds");
  http.push_failure(ErrorKind::timeout, "timed out");
  http.push(500, "");
  http.push_failure(ErrorKind::network, "connection refused");
  auto c = ContainerProvider(env, http, clock).credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "CredentialRetrievalError");
  EXPECT_EQ(c.error().message, "endpoint 169.254.170.2: connection refused (after 3 attempts)");
  EXPECT_EQ(http.requests().size(), 3u);
  EXPECT_EQ(clock.sleeps(), (std::vector<std::chrono::milliseconds>{1000ms, 1000ms}));
}

TEST_F(CredentialsTest, ContainerNotConfigured) {
  auto c = ContainerProvider(env, http, clock).credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, kNoCredentialsCode);
  EXPECT_EQ(
      c.error().message,
      "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI not set");
}

TEST_F(CredentialsTest, ContainerMissingFieldsNamedWithoutSecrets) {
  env.set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/creds");
  http.push(200, R"({"SecretAccessKey":"top-secret"})");
  auto c = ContainerProvider(env, http, clock).credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, "endpoint 169.254.170.2: missing AccessKeyId");
}

TEST_F(CredentialsTest, ContainerTokenWithLineBreakRejected) {
  env.set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/creds");
  env.set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "abc\r\nX-Injected: 1");
  auto c = ContainerProvider(env, http, clock).credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, "container authorization token contains a line break");
  EXPECT_TRUE(http.requests().empty());
}

// --- assume role --------------------------------------------------------------------

TEST_F(CredentialsTest, AssumeRoleFromSourceProfile) {
  config(
      "[profile prod]\nrole_arn = arn:aws:iam::210987654321:role/snapkeep\nsource_profile = base\n"
      "external_id = ext-42\nduration_seconds = 1800\nrole_session_name = nightly\n");
  credentials_file("[base]\naws_access_key_id = AKBASE\naws_secret_access_key = base-secret\n");
  AssumeRoleProvider provider(context(), "prod");
  auto c = provider.credentials();
  ASSERT_TRUE(c) << c.error().describe();
  EXPECT_EQ(c->access_key_id, "ASIA-arn:aws:iam::210987654321:role/snapkeep");
  EXPECT_EQ(c->source, "assume-role:arn:aws:iam::210987654321:role/snapkeep");
  ASSERT_EQ(sts.assume_calls.size(), 1u);
  const auto& call = sts.assume_calls[0];
  EXPECT_EQ(call.caller.access_key_id, "AKBASE");
  EXPECT_EQ(call.caller.secret_access_key, "base-secret");
  EXPECT_EQ(call.params.role_arn, "arn:aws:iam::210987654321:role/snapkeep");
  EXPECT_EQ(call.params.role_session_name, "nightly");
  EXPECT_EQ(call.params.external_id, "ext-42");
  EXPECT_EQ(call.params.duration_seconds, 1800);
}

TEST_F(CredentialsTest, AssumeRoleDefaultSessionName) {
  config(
      "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n"
      "[profile base]\naws_access_key_id = AK\naws_secret_access_key = SK\n");
  ASSERT_TRUE(AssumeRoleProvider(context(), "default").credentials());
  EXPECT_EQ(sts.assume_calls[0].params.role_session_name, "snapkeep-1772366400");
  EXPECT_EQ(sts.assume_calls[0].params.external_id, "");
  EXPECT_FALSE(sts.assume_calls[0].params.duration_seconds);
}

TEST_F(CredentialsTest, AssumeRoleChainOfSourceProfiles) {
  config(
      "[profile c]\nrole_arn = arn:aws:iam::3:role/c\nsource_profile = b\n"
      "[profile b]\nrole_arn = arn:aws:iam::2:role/b\nsource_profile = a\n"
      "[profile a]\naws_access_key_id = AKA\naws_secret_access_key = SKA\n");
  auto c = AssumeRoleProvider(context(), "c").credentials();
  ASSERT_TRUE(c) << c.error().describe();
  ASSERT_EQ(sts.assume_calls.size(), 2u);
  EXPECT_EQ(sts.assume_calls[0].caller.access_key_id, "AKA");
  EXPECT_EQ(sts.assume_calls[0].params.role_arn, "arn:aws:iam::2:role/b");
  EXPECT_EQ(sts.assume_calls[1].caller.access_key_id, "ASIA-arn:aws:iam::2:role/b");
  EXPECT_EQ(sts.assume_calls[1].params.role_arn, "arn:aws:iam::3:role/c");
  EXPECT_EQ(c->access_key_id, "ASIA-arn:aws:iam::3:role/c");
}

TEST_F(CredentialsTest, AssumeRoleCycleIsDetected) {
  config(
      "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
      "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = c\n"
      "[profile c]\nrole_arn = arn:aws:iam::1:role/c\nsource_profile = a\n");
  auto c = AssumeRoleProvider(context(), "a").credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "InvalidCredentialConfig");
  EXPECT_EQ(c.error().message, "source_profile cycle: a -> b -> c -> a");
  EXPECT_TRUE(sts.assume_calls.empty());
}

TEST_F(CredentialsTest, AssumeRoleSelfSourceUsesOwnKeys) {
  config("[profile me]\nrole_arn = arn:aws:iam::1:role/me\nsource_profile = me\n");
  credentials_file("[me]\naws_access_key_id = AKME\naws_secret_access_key = SKME\n");
  ASSERT_TRUE(AssumeRoleProvider(context(), "me").credentials());
  EXPECT_EQ(sts.assume_calls[0].caller.access_key_id, "AKME");
}

TEST_F(CredentialsTest, AssumeRoleSelfSourceWithoutKeysIsBroken) {
  config("[profile me]\nrole_arn = arn:aws:iam::1:role/me\nsource_profile = me\n");
  auto c = AssumeRoleProvider(context(), "me").credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message,
            "profile 'me' is its own source_profile but has no aws_access_key_id");
}

TEST_F(CredentialsTest, AssumeRoleMissingSourceProfileIsBroken) {
  config("[profile prod]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = ghost\n");
  auto c = AssumeRoleProvider(context(), "prod").credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "InvalidCredentialConfig");
  EXPECT_EQ(c.error().message, "source_profile 'ghost' of profile 'prod' not found");
}

TEST_F(CredentialsTest, AssumeRoleSourceProfileWithoutKeysIsBroken) {
  config(
      "[profile prod]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = empty\n"
      "[profile empty]\nregion = us-east-1\n");
  auto c = AssumeRoleProvider(context(), "prod").credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, "source_profile 'empty' of profile 'prod' has no credentials");
}

TEST_F(CredentialsTest, AssumeRoleNeedsASource) {
  config(
      "[profile prod]\nrole_arn = arn:aws:iam::1:role/r\n"
      "[profile both]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = x\n"
      "credential_source = Environment\n");
  EXPECT_EQ(AssumeRoleProvider(context(), "prod").credentials().error().message,
            "profile 'prod' has role_arn but neither source_profile nor credential_source");
  EXPECT_EQ(AssumeRoleProvider(context(), "both").credentials().error().message,
            "profile 'both' sets both source_profile and credential_source");
}

TEST_F(CredentialsTest, AssumeRoleNotConfigured) {
  config("[default]\nregion = us-east-1\n");
  auto c = AssumeRoleProvider(context(), "default").credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, kNoCredentialsCode);
  EXPECT_EQ(c.error().message, "profile 'default' has no role_arn");
}

TEST_F(CredentialsTest, AssumeRoleCredentialSourceEnvironment) {
  config("[default]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Environment\n");
  env.set("AWS_ACCESS_KEY_ID", "AKENV");
  env.set("AWS_SECRET_ACCESS_KEY", "SKENV");
  ASSERT_TRUE(AssumeRoleProvider(context(), "default").credentials());
  EXPECT_EQ(sts.assume_calls[0].caller.access_key_id, "AKENV");
}

TEST_F(CredentialsTest, AssumeRoleCredentialSourceImds) {
  config("[default]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Ec2InstanceMetadata\n");
  http.push(200, "tok");
  http.push(200, "role");
  http.push(200, kImdsDocument);
  ASSERT_TRUE(AssumeRoleProvider(context(), "default").credentials());
  EXPECT_EQ(sts.assume_calls[0].caller.access_key_id, "ASIAIMDS");
  EXPECT_EQ(sts.assume_calls[0].caller.session_token, "imds-token");
}

TEST_F(CredentialsTest, AssumeRoleCredentialSourceContainer) {
  config("[default]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = EcsContainer\n");
  env.set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/c");
  http.push(200, kContainerDocument);
  ASSERT_TRUE(AssumeRoleProvider(context(), "default").credentials());
  EXPECT_EQ(sts.assume_calls[0].caller.access_key_id, "ASIACONT");
}

TEST_F(CredentialsTest, AssumeRoleCredentialSourceWithNothingIsBroken) {
  config("[default]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Environment\n");
  auto c = AssumeRoleProvider(context(), "default").credentials();
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().code, kNoCredentialsCode);
  EXPECT_EQ(c.error().message,
            "credential_source Environment of profile 'default': AWS_ACCESS_KEY_ID not set");
}

TEST_F(CredentialsTest, AssumeRoleStsFailureKeepsCodeAndHidesSecrets) {
  config(
      "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n"
      "[profile base]\naws_access_key_id = AK\naws_secret_access_key = secret-never-shown\n");
  sts.fail_with = AwsError{ErrorKind::auth, "AccessDenied", "not authorized to assume", 403,
                           "req-1",         "AssumeRole"};
  auto c = AssumeRoleProvider(context(), "default").credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().kind, ErrorKind::credentials);
  EXPECT_EQ(c.error().code, "AccessDenied");
  EXPECT_EQ(c.error().message,
            "AssumeRole arn:aws:iam::1:role/r: AssumeRole: AccessDenied: not authorized to assume");
  EXPECT_EQ(c.error().http_status, 403);
  EXPECT_EQ(c.error().request_id, "req-1");
  EXPECT_NE(c.error().describe().find("not authorized to assume (HTTP 403, request id req-1)"),
            std::string::npos)
      << c.error().describe();
  EXPECT_EQ(c.error().describe().find("secret-never-shown"), std::string::npos);
}

TEST_F(CredentialsTest, AssumeRoleStsOutageKeepsItsStatus) {
  // STS failing (after the client's retries) is told apart from a refusal by
  // the status that comes with the error: the caller must not call it the
  // user's configuration.
  config(
      "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n"
      "[profile base]\naws_access_key_id = AK\naws_secret_access_key = secret\n");
  sts.fail_with =
      AwsError{ErrorKind::transient, "ServiceUnavailable", "try later", 503, "req-2", "AssumeRole"};
  auto c = AssumeRoleProvider(context(), "default").credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().kind, ErrorKind::credentials);
  EXPECT_EQ(c.error().code, "ServiceUnavailable");
  EXPECT_EQ(c.error().http_status, 503);
  EXPECT_EQ(c.error().request_id, "req-2");
}

TEST_F(CredentialsTest, AssumeRoleWithMfaIsRefusedClearly) {
  config(
      "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = default\n"
      "mfa_serial = arn:aws:iam::1:mfa/me\naws_access_key_id = AK\naws_secret_access_key = SK\n");
  auto c = AssumeRoleProvider(context(), "default").credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message,
            "profile 'default' sets mfa_serial: snapkeep cannot prompt for an MFA code");
}

TEST_F(CredentialsTest, AssumeRoleSourceProfileWithWebIdentity) {
  std::string token = dir.write("token", "jwt-1");
  config(
      "[profile prod]\nrole_arn = arn:aws:iam::2:role/prod\nsource_profile = web\n"
      "[profile web]\nrole_arn = arn:aws:iam::1:role/web\nweb_identity_token_file = " +
      token + "\n");
  auto c = AssumeRoleProvider(context(), "prod").credentials();
  ASSERT_TRUE(c) << c.error().describe();
  ASSERT_EQ(sts.web_calls.size(), 1u);
  EXPECT_EQ(sts.web_calls[0].role_arn, "arn:aws:iam::1:role/web");
  EXPECT_EQ(sts.web_calls[0].web_identity_token, "jwt-1");
  EXPECT_EQ(sts.assume_calls[0].caller.access_key_id, "ASIA-WEB-arn:aws:iam::1:role/web");
}

// --- web identity -----------------------------------------------------------------------

TEST_F(CredentialsTest, WebIdentityFromEnvironmentReReadsToken) {
  env.set("AWS_WEB_IDENTITY_TOKEN_FILE", dir.write("token", "jwt-one\n"));
  env.set("AWS_ROLE_ARN", "arn:aws:iam::1:role/pod");
  env.set("AWS_ROLE_SESSION_NAME", "pod-session");
  WebIdentityProvider provider(context(), "default");
  auto first = provider.credentials();
  ASSERT_TRUE(first) << first.error().describe();
  EXPECT_EQ(first->source, "web-identity:arn:aws:iam::1:role/pod");
  dir.write("token", "jwt-two");
  ASSERT_TRUE(provider.credentials());
  ASSERT_EQ(sts.web_calls.size(), 2u);
  EXPECT_EQ(sts.web_calls[0].web_identity_token, "jwt-one");
  EXPECT_EQ(sts.web_calls[0].role_arn, "arn:aws:iam::1:role/pod");
  EXPECT_EQ(sts.web_calls[0].role_session_name, "pod-session");
  EXPECT_EQ(sts.web_calls[1].web_identity_token, "jwt-two");
}

TEST_F(CredentialsTest, WebIdentityFromProfile) {
  std::string token = dir.write("token", "jwt");
  config("[profile ci]\nweb_identity_token_file = " + token +
         "\nrole_arn = arn:aws:iam::1:role/ci\n");
  auto c = WebIdentityProvider(context(), "ci").credentials();
  ASSERT_TRUE(c) << c.error().describe();
  EXPECT_EQ(sts.web_calls[0].role_arn, "arn:aws:iam::1:role/ci");
  EXPECT_EQ(sts.web_calls[0].role_session_name, "snapkeep-1772366400");
}

TEST_F(CredentialsTest, WebIdentityProblems) {
  auto none = WebIdentityProvider(context(), "default").credentials();
  EXPECT_EQ(none.error().code, kNoCredentialsCode);
  EXPECT_EQ(
      none.error().message,
      "AWS_WEB_IDENTITY_TOKEN_FILE not set and profile 'default' has no web_identity_token_file");
  env.set("AWS_WEB_IDENTITY_TOKEN_FILE", dir.path("absent-token"));
  auto no_role = WebIdentityProvider(context(), "default").credentials();
  EXPECT_EQ(no_role.error().message,
            "a web identity token file is configured but no role ARN (AWS_ROLE_ARN or role_arn)");
  env.set("AWS_ROLE_ARN", "arn:aws:iam::1:role/pod");
  auto no_file = WebIdentityProvider(context(), "default").credentials();
  EXPECT_EQ(no_file.error().code, "CredentialRetrievalError");
  EXPECT_EQ(no_file.error().message,
            "web identity token file " + dir.path("absent-token") + ": not found");
}

// --- caching -------------------------------------------------------------------------

class CountingProvider final : public CredentialProvider {
 public:
  explicit CountingProvider(Clock& clock) : m_clock(clock) {}
  Result<Credentials> credentials() override {
    ++calls;
    if (fail) return unexpected(AwsError{ErrorKind::credentials, "X", "refresh failed", 0, {}, {}});
    Credentials c{"AK" + std::to_string(calls), "SK", "T", m_clock.now() + lifetime, "counting"};
    return c;
  }
  std::string name() const override { return "counting"; }
  std::atomic<int> calls{0};
  bool fail = false;
  std::chrono::milliseconds lifetime = 1h;

 private:
  Clock& m_clock;
};

TEST_F(CredentialsTest, CacheRefreshesTenMinutesBeforeExpiry) {
  auto inner = std::make_unique<CountingProvider>(clock);
  CountingProvider* counting = inner.get();
  CachingProvider cache(std::move(inner), clock);
  EXPECT_EQ(cache.credentials()->access_key_id, "AK1");
  clock.advance(50min);  // 10 min left: still fresh enough
  EXPECT_EQ(cache.credentials()->access_key_id, "AK1");
  clock.advance(1ms);  // fewer than 10 min left: refresh
  EXPECT_EQ(cache.credentials()->access_key_id, "AK2");
  EXPECT_EQ(counting->calls, 2);
}

TEST_F(CredentialsTest, CacheKeepsValidCredentialsWhenRefreshFails) {
  auto inner = std::make_unique<CountingProvider>(clock);
  CountingProvider* counting = inner.get();
  CachingProvider cache(std::move(inner), clock);
  ASSERT_TRUE(cache.credentials());
  counting->fail = true;
  clock.advance(55min);
  auto still = cache.credentials();
  ASSERT_TRUE(still);
  EXPECT_EQ(still->access_key_id, "AK1");
  clock.advance(5min);  // now expired
  auto expired = cache.credentials();
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().message, "refresh failed");
  counting->fail = false;
  EXPECT_EQ(cache.credentials()->access_key_id, "AK4");
}

TEST_F(CredentialsTest, CacheNeverRefreshesCredentialsWithoutExpiry) {
  env.set("AWS_ACCESS_KEY_ID", "AK");
  env.set("AWS_SECRET_ACCESS_KEY", "SK");
  CachingProvider cache(std::make_unique<EnvironmentProvider>(env), clock);
  ASSERT_TRUE(cache.credentials());
  env.set("AWS_ACCESS_KEY_ID", "CHANGED");
  clock.advance(24h * 365);
  EXPECT_EQ(cache.credentials()->access_key_id, "AK");
}

TEST_F(CredentialsTest, CacheOneRefreshAtATimeAcrossThreads) {
  auto inner = std::make_unique<CountingProvider>(clock);
  CountingProvider* counting = inner.get();
  CachingProvider cache(std::move(inner), clock);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 100; ++j) {
        if (cache.credentials()) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 800);
  EXPECT_EQ(counting->calls, 1);
}

TEST_F(CredentialsTest, AssumeRoleRefreshThroughCache) {
  config(
      "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n"
      "[profile base]\naws_access_key_id = AK\naws_secret_access_key = SK\n");
  CachingProvider cache(std::make_unique<AssumeRoleProvider>(context(), "default"), clock);
  ASSERT_TRUE(cache.credentials());
  clock.advance(49min);
  ASSERT_TRUE(cache.credentials());
  EXPECT_EQ(sts.assume_calls.size(), 1u);
  clock.advance(2min);
  sts.expiration = clock.now() + 1h;
  ASSERT_TRUE(cache.credentials());
  EXPECT_EQ(sts.assume_calls.size(), 2u);
}

// --- the chain --------------------------------------------------------------------------

TEST_F(CredentialsTest, ChainNamesEverySourceWhenNoneHasCredentials) {
  http.push_failure(ErrorKind::timeout, "connect timeout");
  auto chain = make_default_chain(context(), "default", false);
  auto c = chain->credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().kind, ErrorKind::credentials);
  EXPECT_EQ(c.error().message,
            "no credentials found: environment: AWS_ACCESS_KEY_ID not set; "
            "assume-role: no profile 'default'; "
            "web-identity: AWS_WEB_IDENTITY_TOKEN_FILE not set and profile 'default' has no "
            "web_identity_token_file; "
            "shared credentials file " +
                dir.path("credentials") +
                ": not found; "
                "config file " +
                dir.path("config") +
                ": not found; "
                "container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and "
                "AWS_CONTAINER_CREDENTIALS_FULL_URI not set; "
                "imds: connect timeout");
}

TEST_F(CredentialsTest, ChainEnvironmentWinsFirst) {
  env.set("AWS_ACCESS_KEY_ID", "AKENV");
  env.set("AWS_SECRET_ACCESS_KEY", "SKENV");
  credentials_file("[default]\naws_access_key_id = AKFILE\naws_secret_access_key = SKFILE\n");
  auto c = make_default_chain(context(), "default", false)->credentials();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->source, "environment");
}

TEST_F(CredentialsTest, ChainExplicitProfileSkipsEnvironment) {
  env.set("AWS_ACCESS_KEY_ID", "AKENV");
  env.set("AWS_SECRET_ACCESS_KEY", "SKENV");
  credentials_file("[dev]\naws_access_key_id = AKFILE\naws_secret_access_key = SKFILE\n");
  auto c = make_default_chain(context(), "dev", true)->credentials();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key_id, "AKFILE");
  EXPECT_EQ(c->source, "shared-credentials-file:dev");
}

TEST_F(CredentialsTest, ChainAssumeRoleOutranksProfileKeys) {
  credentials_file(
      "[default]\naws_access_key_id = AK\naws_secret_access_key = SK\n"
      "role_arn = arn:aws:iam::1:role/r\nsource_profile = default\n");
  auto c = make_default_chain(context(), "default", false)->credentials();
  ASSERT_TRUE(c) << c.error().describe();
  EXPECT_EQ(c->source, "assume-role:arn:aws:iam::1:role/r");
}

TEST_F(CredentialsTest, ChainStopsAtBrokenSource) {
  config("[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = ghost\n");
  credentials_file("[default]\naws_access_key_id = AK\naws_secret_access_key = SK\n");
  auto c = make_default_chain(context(), "default", false)->credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "InvalidCredentialConfig");
  EXPECT_EQ(c.error().message,
            "assume-role: source_profile 'ghost' of profile 'default' not found");
  EXPECT_TRUE(http.requests().empty());
}

TEST_F(CredentialsTest, ChainFallsThroughToImds) {
  http.push(200, "tok");
  http.push(200, "role");
  http.push(200, kImdsDocument);
  auto chain = make_default_chain(context(), "default", false);
  auto c = chain->credentials();
  ASSERT_TRUE(c) << c.error().describe();
  EXPECT_EQ(c->source, "imds");
  // The winner is asked directly from then on, and its cache answers.
  ASSERT_TRUE(chain->credentials());
  EXPECT_EQ(http.requests().size(), 3u);
}

TEST_F(CredentialsTest, ChainContainerBeforeImds) {
  env.set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/c");
  http.push(200, kContainerDocument);
  auto c = make_default_chain(context(), "default", false)->credentials();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->source, "container");
  EXPECT_EQ(http.requests().size(), 1u);
}

TEST_F(CredentialsTest, ChainErrorsNeverContainSecrets) {
  // Every secret-looking value set somewhere; all sources fail one way or another.
  env.set("AWS_SECRET_ACCESS_KEY", "s3cr3t-env");
  env.set("AWS_SESSION_TOKEN", "s3cr3t-token");
  env.set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/c");
  env.set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "s3cr3t-auth");
  auto c = make_default_chain(context(), "default", false)->credentials();
  ASSERT_FALSE(c);
  std::string text = c.error().describe();
  EXPECT_EQ(text.find("s3cr3t"), std::string::npos) << text;
}

}  // namespace
}  // namespace snapkeep::aws
