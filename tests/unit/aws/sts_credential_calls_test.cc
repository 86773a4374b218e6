#include "aws/sts_credential_calls.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/fake_query_caller.h"
#include "util/utc_time.h"

namespace snapkeep::aws {
namespace {

using ::testing::ElementsAre;
using testing::FakeQueryCaller;
using ::testing::Pair;

// Hands out FakeQueryCallers that forward to one shared script and records
// the signing credentials each was made with.
class RecordingFactory {
 public:
  FakeQueryCaller script;
  std::vector<std::optional<Credentials>> made_with;

  StsCallerFactory factory() {
    return [this](std::optional<Credentials> signing) -> std::unique_ptr<QueryCaller> {
      made_with.push_back(std::move(signing));
      return std::make_unique<Forward>(script);
    };
  }

 private:
  struct Forward final : QueryCaller {
    explicit Forward(FakeQueryCaller& to) : target(to) {}
    Result<QueryResponse> call(std::string_view action, const QueryParams& params) override {
      return target.call(action, params);
    }
    FakeQueryCaller& target;
  };
};

std::string assumed(std::string_view action) {
  return "<" + std::string(action) + "Response><" + std::string(action) +
         "Result><Credentials><AccessKeyId>ASIAX</AccessKeyId><SecretAccessKey>sk</SecretAccessKey>"
         "<SessionToken>tok</SessionToken><Expiration>2026-11-26T13:00:00Z</Expiration>"
         "</Credentials></" +
         std::string(action) + "Result></" + std::string(action) + "Response>";
}

TEST(StsCredentialClient, AssumeRoleSignsWithTheCallerCredentials) {
  RecordingFactory calls;
  calls.script.answer(assumed("AssumeRole"));
  StsCredentialClient client(calls.factory());
  Credentials source{"AKIASOURCE", "source-secret", "", std::nullopt, "profile"};
  auto credentials = client.assume_role(
      source, {"arn:aws:iam::210987654321:role/snapkeep", "snapkeep", "ext", 900});
  ASSERT_TRUE(credentials) << credentials.error().describe();
  ASSERT_EQ(calls.made_with.size(), 1u);
  ASSERT_TRUE(calls.made_with[0].has_value());
  EXPECT_EQ(calls.made_with[0]->access_key_id, "AKIASOURCE");
  EXPECT_THAT(calls.script.calls()[0].params,
              ElementsAre(Pair("RoleArn", "arn:aws:iam::210987654321:role/snapkeep"),
                          Pair("RoleSessionName", "snapkeep"), Pair("DurationSeconds", "900"),
                          Pair("ExternalId", "ext")));
  EXPECT_EQ(credentials->access_key_id, "ASIAX");
  EXPECT_EQ(credentials->session_token, "tok");
  EXPECT_EQ(credentials->expiration, util::parse_iso8601("2026-11-26T13:00:00Z"));
}

TEST(StsCredentialClient, WebIdentityIsUnsigned) {
  RecordingFactory calls;
  calls.script.answer(assumed("AssumeRoleWithWebIdentity"));
  StsCredentialClient client(calls.factory());
  auto credentials = client.assume_role_with_web_identity({"arn:aws:iam::1:role/r", "s1", "jwt"});
  ASSERT_TRUE(credentials) << credentials.error().describe();
  ASSERT_EQ(calls.made_with.size(), 1u);
  EXPECT_FALSE(calls.made_with[0].has_value());
  EXPECT_THAT(calls.script.calls()[0].params,
              ElementsAre(Pair("RoleArn", "arn:aws:iam::1:role/r"), Pair("RoleSessionName", "s1"),
                          Pair("WebIdentityToken", "jwt")));
  EXPECT_EQ(credentials->source, "web-identity");
}

TEST(StsCredentialClient, ErrorsPassThrough) {
  RecordingFactory calls;
  AwsError denied;
  denied.kind = ErrorKind::auth;
  denied.code = "AccessDenied";
  calls.script.fail(denied);
  StsCredentialClient client(calls.factory());
  auto credentials = client.assume_role(Credentials{}, {"arn:aws:iam::1:role/r", "s", "", {}});
  ASSERT_FALSE(credentials);
  EXPECT_EQ(credentials.error().code, "AccessDenied");
}

}  // namespace
}  // namespace snapkeep::aws
