#include "aws/query_client.h"

#include <gtest/gtest.h>

#include "aws/xml.h"
#include "unit/aws/transport_fakes.h"

namespace snapkeep::aws {
namespace {

using std::chrono::milliseconds;
using testing::FakeClock;
using testing::FakeTransport;

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kToken = "FQoGZXIvYXdzEXAMPLESESSIONTOKEN";

const std::string kCreateOk =
    "<CreateSnapshotResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
    "<requestId>req-ok</requestId><snapshotId>snap-1</snapshotId><status>pending</status>"
    "</CreateSnapshotResponse>";

std::string ec2_error(std::string_view code, std::string_view message = "m") {
  return "<Response><Errors><Error><Code>" + std::string(code) + "</Code><Message>" +
         std::string(message) +
         "</Message></Error></Errors><RequestID>req-err</RequestID></Response>";
}

Result<Credentials> test_credentials() {
  Credentials credentials;
  credentials.access_key_id = "AKIDEXAMPLE";
  credentials.secret_access_key = kSecret;
  credentials.session_token = kToken;
  credentials.source = "test";
  return credentials;
}

struct Harness {
  FakeClock clock;
  FakeTransport transport;
  RateLimiterRegistry limiter{clock};
  std::unique_ptr<QueryClient> client;

  explicit Harness(RetryOptions retry = {}, bool pace = false,
                   QueryClient::CredentialsSource credentials = test_credentials,
                   QueryClientOptions options = {}) {
    client = std::make_unique<QueryClient>(
        QueryEndpoint{"ec2", "us-east-1", "https://ec2.us-east-1.amazonaws.com/", "2016-11-15"},
        transport, clock, std::move(credentials), RetryPolicy(retry, [] { return 0.5; }),
        pace ? &limiter : nullptr, "111122223333", options);
  }

  Result<QueryResponse> create_snapshot() {
    return client->call("CreateSnapshot", {{"VolumeId", "vol-1"}, {"Description", "a b/c"}});
  }
};

TEST(QueryClient, SendsSignedFormPostAndParsesAnswer) {
  Harness h;
  h.transport.push(200, kCreateOk);
  const auto result = h.create_snapshot();
  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_EQ(result->request_id, "req-ok");
  EXPECT_EQ(result->http_status, 200);
  EXPECT_EQ(std::string(child_element(result->xml.document_element(), "snapshotId").text().get()),
            "snap-1");

  const auto requests = h.transport.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& request = requests[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://ec2.us-east-1.amazonaws.com/");
  EXPECT_EQ(request.body,
            "Action=CreateSnapshot&Version=2016-11-15&VolumeId=vol-1&Description=a+b%2Fc");
  ASSERT_NE(find_header(request.headers, "Content-Type"), nullptr);
  EXPECT_EQ(*find_header(request.headers, "Content-Type"),
            "application/x-www-form-urlencoded; charset=utf-8");
  ASSERT_NE(find_header(request.headers, "User-Agent"), nullptr);
  EXPECT_EQ(*find_header(request.headers, "User-Agent"), QueryClientOptions::default_user_agent());
  EXPECT_TRUE(QueryClientOptions::default_user_agent().starts_with("snapkeep/0."));
  const auto* authorization = find_header(request.headers, "Authorization");
  ASSERT_NE(authorization, nullptr);
  EXPECT_TRUE(authorization->starts_with(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260301/us-east-1/ec2/aws4_request"))
      << *authorization;
  EXPECT_EQ(authorization->find("user-agent"), std::string::npos);
  ASSERT_NE(find_header(request.headers, "X-Amz-Date"), nullptr);
  EXPECT_EQ(*find_header(request.headers, "X-Amz-Date"), "20260301T120000Z");
  ASSERT_NE(find_header(request.headers, "X-Amz-Security-Token"), nullptr);
  for (const auto& [name, value] : request.headers) {
    EXPECT_EQ(value.find(kSecret), std::string::npos) << name;
  }
  EXPECT_TRUE(h.clock.sleeps().empty());
  EXPECT_EQ(h.client->counters().by_action().at("CreateSnapshot"),
            (ActionCounters{.calls = 1, .attempts = 1}));
}

TEST(QueryClient, ThrottlingBacksOffFromOneSecondThenSucceeds) {
  Harness h;
  h.transport.push(503, ec2_error("RequestLimitExceeded", "Request limit exceeded."));
  h.transport.push(503, ec2_error("RequestLimitExceeded", "Request limit exceeded."));
  h.transport.push(200, kCreateOk);
  ASSERT_TRUE(h.create_snapshot());
  EXPECT_EQ(h.transport.requests().size(), 3u);
  EXPECT_EQ(h.clock.sleeps(), (std::vector<milliseconds>{milliseconds(500), milliseconds(1000)}));
  EXPECT_EQ(h.client->counters().by_action().at("CreateSnapshot"),
            (ActionCounters{.calls = 1, .attempts = 3, .retries = 2, .throttles = 2}));
  // Two throttling retries cost 5 each; the success refunds the last one.
  EXPECT_EQ(h.client->retry_policy().available_quota(), 495);
}

TEST(QueryClient, TransientBacksOffFromFiftyMilliseconds) {
  Harness h;
  h.transport.push(500, "<html><title>Internal Server Error</title></html>");
  h.transport.push_failure(ErrorKind::network, "connection reset");
  h.transport.push(200, kCreateOk);
  ASSERT_TRUE(h.create_snapshot());
  EXPECT_EQ(h.clock.sleeps(), (std::vector<milliseconds>{milliseconds(25), milliseconds(50)}));
  EXPECT_EQ(h.client->retry_policy().available_quota(), 500 - 28 + 14);
}

TEST(QueryClient, GivesUpAfterMaxAttemptsWithTheLastError) {
  Harness h;
  h.transport.push(503, ec2_error("RequestLimitExceeded", "Request limit exceeded."));
  const auto result = h.create_snapshot();
  ASSERT_FALSE(result);
  EXPECT_EQ(h.transport.requests().size(), 3u);
  EXPECT_EQ(h.clock.sleeps(), (std::vector<milliseconds>{milliseconds(500), milliseconds(1000)}));
  EXPECT_EQ(result.error().kind, ErrorKind::throttled);
  EXPECT_EQ(result.error().describe(),
            "CreateSnapshot: RequestLimitExceeded: Request limit exceeded. (HTTP 503, request id "
            "req-err)");
  EXPECT_EQ(h.client->counters().by_action().at("CreateSnapshot"),
            (ActionCounters{.calls = 1, .attempts = 3, .retries = 2, .throttles = 3, .errors = 1}));
}

TEST(QueryClient, MaxAttemptsOption) {
  Harness h({.max_attempts = 5});
  h.transport.push(500, "");
  ASSERT_FALSE(h.create_snapshot());
  EXPECT_EQ(h.clock.sleeps(), (std::vector<milliseconds>{milliseconds(25), milliseconds(50),
                                                         milliseconds(100), milliseconds(200)}));
}

TEST(QueryClient, BackoffCapAppliesBeforeJitter) {
  Harness h({.max_attempts = 8});
  h.transport.push(400,
                   "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded"
                   "</Message></Error></ErrorResponse>");
  ASSERT_FALSE(h.create_snapshot());
  EXPECT_EQ(h.clock.sleeps(),
            (std::vector<milliseconds>{milliseconds(500), milliseconds(1000), milliseconds(2000),
                                       milliseconds(4000), milliseconds(8000), milliseconds(10000),
                                       milliseconds(10000)}));
}

TEST(QueryClient, RetryAfterHeaderClamped) {
  Harness h;
  h.transport.push(503, ec2_error("RequestLimitExceeded"), {{"x-amz-retry-after", "3000"}});
  h.transport.push(503, ec2_error("RequestLimitExceeded"), {{"x-amz-retry-after", "90000"}});
  h.transport.push(200, kCreateOk);
  ASSERT_TRUE(h.create_snapshot());
  // Computed 500 then 1000 ms; 3 s fits in [500, 5500]; 90 s is cut to 6 s.
  EXPECT_EQ(h.clock.sleeps(), (std::vector<milliseconds>{milliseconds(3000), milliseconds(6000)}));
}

TEST(QueryClient, NonRetryableErrorsReturnAtOnce) {
  for (const auto& [status, code, kind] :
       {std::tuple{400, "InvalidSnapshot.InUse", ErrorKind::in_use},
        std::tuple{400, "SnapshotCreationPerVolumeRateExceeded", ErrorKind::volume_rate},
        std::tuple{401, "AuthFailure", ErrorKind::auth},
        std::tuple{403, "UnauthorizedOperation", ErrorKind::auth},
        std::tuple{400, "ConcurrentSnapshotLimitExceeded", ErrorKind::limit},
        std::tuple{412, "DryRunOperation", ErrorKind::invalid}}) {
    Harness h;
    h.transport.push(status, ec2_error(code));
    const auto result = h.create_snapshot();
    ASSERT_FALSE(result) << code;
    EXPECT_EQ(result.error().kind, kind) << code;
    EXPECT_EQ(result.error().code, code);
    EXPECT_EQ(result.error().action, "CreateSnapshot");
    EXPECT_EQ(h.transport.requests().size(), 1u) << code;
    EXPECT_TRUE(h.clock.sleeps().empty()) << code;
    EXPECT_EQ(h.client->retry_policy().available_quota(), 500);
  }
}

TEST(QueryClient, QuotaExhaustionStopsRetryingAndSuccessRefunds) {
  Harness h({.max_attempts = 3, .quota_capacity = 20});
  h.transport.push(500, "");
  ASSERT_FALSE(h.create_snapshot());  // one retry (14), then 6 left < 14
  EXPECT_EQ(h.transport.requests().size(), 2u);
  EXPECT_EQ(h.client->retry_policy().available_quota(), 6);
  ASSERT_FALSE(h.create_snapshot());  // no retry at all
  EXPECT_EQ(h.transport.requests().size(), 3u);
  EXPECT_EQ(h.clock.sleeps(), (std::vector<milliseconds>{milliseconds(25)}));
  // Throttling still fits (5 <= 6), and its success refunds that 5.
  h.transport.clear_script();
  h.transport.push(503, ec2_error("RequestLimitExceeded"));
  h.transport.push(200, kCreateOk);
  ASSERT_TRUE(h.create_snapshot());
  EXPECT_EQ(h.transport.requests().size(), 5u);
  EXPECT_EQ(h.clock.sleeps(), (std::vector<milliseconds>{milliseconds(25), milliseconds(500)}));
  EXPECT_EQ(h.client->retry_policy().available_quota(), 6);
  // A success without retries refunds 1.
  ASSERT_TRUE(h.create_snapshot());
  EXPECT_EQ(h.client->retry_policy().available_quota(), 7);
}

TEST(QueryClient, CredentialFailureIsReturnedWithoutSending) {
  Harness h({}, false, [] {
    AwsError error;
    error.kind = ErrorKind::credentials;
    error.message = "no credentials found in environment, shared files, IMDS";
    return Result<Credentials>(unexpected(error));
  });
  const auto result = h.create_snapshot();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::credentials);
  EXPECT_EQ(result.error().action, "CreateSnapshot");
  EXPECT_TRUE(h.transport.requests().empty());
}

TEST(QueryClient, GarbledSuccessIsRetriedByAnIdempotentCaller) {
  // A 200 whose XML does not parse was damaged on the way (the fault month
  // test saw DeleteSnapshot and CreateTags given up over it).
  Harness h;
  h.transport.push(200, "<CreateSnapshotResponse><snapshotId>snap-1</snap<<&unclosed");
  h.transport.push(200, kCreateOk);
  const auto result = h.create_snapshot();
  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_EQ(h.transport.requests().size(), 2u);
  EXPECT_EQ(h.client->counters().total().retries, 1);
}

TEST(QueryClient, GarbledSuccessIsNotRetriedByANonIdempotentCaller) {
  // The request was carried out: the caller must look before sending again.
  QueryClientOptions options;
  options.retry_ambiguous = false;
  Harness h({}, false, test_credentials, options);
  h.transport.push(200, "<CreateSnapshotResponse><snapshotId>snap-1</snap");
  h.transport.push(200, kCreateOk);
  const auto result = h.create_snapshot();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::bad_response);
  EXPECT_EQ(h.transport.requests().size(), 1u);
}

TEST(QueryClient, Garbled4xxIsNotRetried) {
  Harness h;
  h.transport.push(400, "<Response><Errors><Error><Code>Oops");
  h.transport.push(200, kCreateOk);
  const auto result = h.create_snapshot();
  ASSERT_FALSE(result);
  EXPECT_EQ(h.transport.requests().size(), 1u);
}

TEST(QueryClient, WrongRootIsBadResponse) {
  Harness h;
  h.transport.push(200, "<DeleteSnapshotResponse><return>true</return></DeleteSnapshotResponse>");
  const auto result = h.create_snapshot();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::bad_response);
  EXPECT_EQ(result.error().describe(),
            "CreateSnapshot: unexpected root element <DeleteSnapshotResponse> in a success answer, "
            "expected <CreateSnapshotResponse> (HTTP 200)");
}

TEST(QueryClient, Empty503IsRetriedThenReported) {
  Harness h;
  h.transport.push(503, "");
  const auto result = h.create_snapshot();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::transient);
  EXPECT_EQ(
      result.error().describe(),
      "CreateSnapshot: HTTP 503 answer without an AWS error document (empty body) (HTTP 503)");
  EXPECT_EQ(h.transport.requests().size(), 3u);
}

TEST(QueryClient, SecretsNeverInErrors) {
  Harness h;
  h.transport.push(403,
                   "<Response><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>The "
                   "request signature we calculated does not match</Message></Error></Errors>"
                   "</Response>");
  const auto result = h.create_snapshot();
  ASSERT_FALSE(result);
  const auto text = result.error().describe();
  EXPECT_EQ(text.find(kSecret), std::string::npos);
  EXPECT_EQ(text.find(kToken), std::string::npos);
  EXPECT_EQ(text.find("Signature="), std::string::npos);
}

TEST(QueryClient, PacesOneHundredFiftyCreateSnapshotsCalls) {
  Harness h({}, true);
  h.transport.push(200,
                   "<CreateSnapshotsResponse><requestId>r</requestId><snapshotSet/>"
                   "</CreateSnapshotsResponse>");
  for (int i = 0; i < 150; ++i) {
    ASSERT_TRUE(h.client->call("CreateSnapshots", {{"InstanceSpecification.InstanceId", "i-1"}}));
  }
  const auto sleeps = h.clock.sleeps();
  ASSERT_EQ(sleeps.size(), 50u);
  for (auto sleep : sleeps) EXPECT_EQ(sleep, milliseconds(200));
  EXPECT_EQ(h.clock.elapsed(), milliseconds(10000));
  EXPECT_EQ(h.transport.requests().size(), 150u);
  // A different action has its own bucket: no wait.
  h.transport.clear_script();
  h.transport.push(200, "<DescribeSnapshotsResponse><snapshotSet/></DescribeSnapshotsResponse>");
  ASSERT_TRUE(h.client->call("DescribeSnapshots", {{"Owner.1", "self"}}));
  EXPECT_EQ(h.clock.sleeps().size(), 50u);
}

TEST(QueryClient, CountersPerActionAndTotal) {
  Harness h;
  h.transport.push(200, kCreateOk);
  ASSERT_TRUE(h.create_snapshot());
  h.transport.push(400, ec2_error("InvalidSnapshot.NotFound", ""));
  ASSERT_FALSE(h.client->call("DeleteSnapshot", {{"SnapshotId", "snap-x"}}));
  const auto by_action = h.client->counters().by_action();
  ASSERT_EQ(by_action.size(), 2u);
  EXPECT_EQ(by_action.at("DeleteSnapshot"),
            (ActionCounters{.calls = 1, .attempts = 1, .errors = 1}));
  EXPECT_EQ(h.client->counters().total(), (ActionCounters{.calls = 2, .attempts = 2, .errors = 1}));
}

}  // namespace
}  // namespace snapkeep::aws
