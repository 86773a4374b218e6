#include "aws/sts.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/fake_query_caller.h"
#include "util/utc_time.h"

namespace snapkeep::aws {
namespace {

using ::testing::ElementsAre;
using testing::FakeQueryCaller;
using ::testing::Pair;

// moto 5.2.1's answer, verbatim (microsecond Expiration).
constexpr const char* kMotoAssumeRole =
    R"(<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIARZPUZDIKOIBGLJEU</AccessKeyId><SecretAccessKey>kzDcepwvELmbIuRAvR9WmGwvqtNsZB0VMYhFhTVZ</SecretAccessKey><SessionToken>FQoGZXIvYXdzEBYaDKhpt362r6X14Mo+ssxC</SessionToken><Expiration>2026-11-26T12:20:26.169483Z</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROA3X42LBCDPMD2V31F0:ss</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/r/ss</Arn></AssumedRoleUser><PackedPolicySize>6</PackedPolicySize></AssumeRoleResult><ResponseMetadata><RequestId>Sl6HaobQ</RequestId></ResponseMetadata></AssumeRoleResponse>)";

TEST(StsAssumeRole, SendsParametersAndParsesCredentials) {
  FakeQueryCaller caller;
  caller.answer(kMotoAssumeRole);
  AssumeRoleRequest request{"arn:aws:iam::123456789012:role/r", "ss", std::chrono::seconds{900},
                            "ext-id"};
  auto role = Sts(caller).assume_role(request);
  ASSERT_TRUE(role) << role.error().describe();
  EXPECT_EQ(caller.calls()[0].action, "AssumeRole");
  EXPECT_THAT(caller.calls()[0].params,
              ElementsAre(Pair("RoleArn", "arn:aws:iam::123456789012:role/r"),
                          Pair("RoleSessionName", "ss"), Pair("DurationSeconds", "900"),
                          Pair("ExternalId", "ext-id")));
  EXPECT_EQ(role->credentials.access_key_id, "ASIARZPUZDIKOIBGLJEU");
  EXPECT_EQ(role->credentials.secret_access_key, "kzDcepwvELmbIuRAvR9WmGwvqtNsZB0VMYhFhTVZ");
  EXPECT_EQ(role->credentials.session_token, "FQoGZXIvYXdzEBYaDKhpt362r6X14Mo+ssxC");
  ASSERT_TRUE(role->credentials.expiration.has_value());
  EXPECT_EQ(*role->credentials.expiration, util::parse_iso8601("2026-11-26T12:20:26.169Z").value());
  EXPECT_EQ(role->credentials.source, "assume-role");
  EXPECT_EQ(role->arn, "arn:aws:sts::123456789012:assumed-role/r/ss");
  EXPECT_EQ(role->assumed_role_id, "AROA3X42LBCDPMD2V31F0:ss");
}

TEST(StsAssumeRole, OptionalParametersAreOmitted) {
  FakeQueryCaller caller;
  caller.answer(kMotoAssumeRole);
  ASSERT_TRUE(Sts(caller).assume_role({"arn:aws:iam::1:role/r", "snapkeep", std::nullopt, ""}));
  EXPECT_THAT(caller.calls()[0].params, ElementsAre(Pair("RoleArn", "arn:aws:iam::1:role/r"),
                                                    Pair("RoleSessionName", "snapkeep")));
}

TEST(StsAssumeRole, MissingExpirationOrSecretIsABadAnswer) {
  for (std::string_view drop :
       {"<Expiration>2026-11-26T12:20:26.169483Z</Expiration>",
        "<SecretAccessKey>kzDcepwvELmbIuRAvR9WmGwvqtNsZB0VMYhFhTVZ</SecretAccessKey>"}) {
    std::string body = kMotoAssumeRole;
    body.erase(body.find(drop), drop.size());
    FakeQueryCaller caller;
    caller.answer(body);
    auto role = Sts(caller).assume_role({"arn:aws:iam::1:role/r", "ss", std::nullopt, ""});
    ASSERT_FALSE(role) << drop;
    EXPECT_EQ(role.error().kind, ErrorKind::bad_response);
    // Secrets never appear in an error.
    EXPECT_EQ(role.error().describe().find("kzDcep"), std::string::npos);
  }
}

TEST(StsAssumeRoleWithWebIdentity, SendsTokenAndParses) {
  FakeQueryCaller caller;
  caller.answer(
      R"(<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIARZPUZDIKEFF7M5MO</AccessKeyId><SecretAccessKey>P0O4VaN5</SecretAccessKey><SessionToken>FQoGZXIvYXdzEBYaDCeg</SessionToken><Expiration>2026-11-26T13:05:26.184184Z</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>ARO123EXAMPLE123:ss</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/r/ss</Arn></AssumedRoleUser></AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>X4ZF</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>)");
  AssumeRoleWithWebIdentityRequest request{"arn:aws:iam::123456789012:role/r", "ss", "tok-1234",
                                           std::chrono::seconds{3600}};
  auto role = Sts(caller).assume_role_with_web_identity(request);
  ASSERT_TRUE(role) << role.error().describe();
  EXPECT_EQ(caller.calls()[0].action, "AssumeRoleWithWebIdentity");
  EXPECT_THAT(caller.calls()[0].params,
              ElementsAre(Pair("RoleArn", "arn:aws:iam::123456789012:role/r"),
                          Pair("RoleSessionName", "ss"), Pair("WebIdentityToken", "tok-1234"),
                          Pair("DurationSeconds", "3600")));
  EXPECT_EQ(role->credentials.access_key_id, "ASIARZPUZDIKEFF7M5MO");
  EXPECT_EQ(role->credentials.source, "web-identity");
  EXPECT_EQ(*role->credentials.expiration, util::parse_iso8601("2026-11-26T13:05:26.184Z").value());
}

TEST(StsAssumeRoleWithWebIdentity, AssumeRoleAnswerIsABadAnswer) {
  FakeQueryCaller caller;
  caller.answer(kMotoAssumeRole);
  auto role = Sts(caller).assume_role_with_web_identity({"arn:aws:iam::1:role/r", "ss", "t", {}});
  ASSERT_FALSE(role);
  EXPECT_EQ(role.error().kind, ErrorKind::bad_response);
}

TEST(StsGetCallerIdentity, Parses) {
  FakeQueryCaller caller;
  caller.answer(
      R"(<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><UserId>AKIAIOSFODNN7EXAMPLE</UserId><Account>123456789012</Account><Arn>arn:aws:sts::123456789012:user/moto</Arn></GetCallerIdentityResult><ResponseMetadata><RequestId>H4v2</RequestId></ResponseMetadata></GetCallerIdentityResponse>)");
  auto identity = Sts(caller).get_caller_identity();
  ASSERT_TRUE(identity) << identity.error().describe();
  EXPECT_TRUE(caller.calls()[0].params.empty());
  EXPECT_EQ(identity->account, "123456789012");
  EXPECT_EQ(identity->arn, "arn:aws:sts::123456789012:user/moto");
  EXPECT_EQ(identity->user_id, "AKIAIOSFODNN7EXAMPLE");
}

TEST(StsGetCallerIdentity, MissingAccountIsABadAnswer) {
  FakeQueryCaller caller;
  caller.answer(
      "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>a</Arn></GetCallerIdentityResult></"
      "GetCallerIdentityResponse>");
  auto identity = Sts(caller).get_caller_identity();
  ASSERT_FALSE(identity);
  EXPECT_EQ(identity.error().kind, ErrorKind::bad_response);
  EXPECT_EQ(identity.error().message, "<Account> is missing from <GetCallerIdentityResult>");
}

}  // namespace
}  // namespace snapkeep::aws
