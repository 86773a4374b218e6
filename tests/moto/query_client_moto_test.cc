// QueryClient over the real libcurl transport and signer, against moto in
// server mode (scripts/with-moto.sh provides SNAPKEEP_TEST_ENDPOINT and fake
// credentials in the environment).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "aws/clock.h"
#include "aws/curl_transport.h"
#include "aws/query_client.h"
#include "aws/xml.h"

namespace snapkeep::aws {
namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

Result<Credentials> env_credentials() {
  Credentials credentials;
  credentials.access_key_id = env("AWS_ACCESS_KEY_ID");
  credentials.secret_access_key = env("AWS_SECRET_ACCESS_KEY");
  credentials.source = "environment";
  return credentials;
}

class QueryClientMoto : public ::testing::Test {
 protected:
  void SetUp() override {
    m_endpoint = env("SNAPKEEP_TEST_ENDPOINT");
    if (m_endpoint.empty())
      GTEST_SKIP() << "SNAPKEEP_TEST_ENDPOINT not set (run under with-moto.sh)";
    HttpRequest reset;
    reset.url = m_endpoint + "/moto-api/reset";
    const auto answer = m_transport.send(reset);
    ASSERT_TRUE(answer) << answer.error().describe();
    ASSERT_EQ(answer->status, 200);
  }

  QueryClient client(std::string service, std::string version, std::string region = "us-east-1") {
    return QueryClient(
        {std::move(service), std::move(region), m_endpoint + "/", std::move(version)}, m_transport,
        system_clock(), env_credentials, RetryPolicy(), &m_limiter, "123456789012");
  }

  std::string m_endpoint;
  CurlTransport m_transport;
  RateLimiterRegistry m_limiter{system_clock()};
};

std::string text_of(const pugi::xml_node& node, std::string_view name) {
  return child_element(node, name).text().get();
}

TEST_F(QueryClientMoto, CreateVolumeThenDescribeIt) {
  auto ec2 = client("ec2", "2016-11-15");
  const auto created = ec2.call("CreateVolume", {{"AvailabilityZone", "us-east-1a"},
                                                 {"Size", "10"},
                                                 {"TagSpecification.1.ResourceType", "volume"},
                                                 {"TagSpecification.1.Tag.1.Key", "Name"},
                                                 {"TagSpecification.1.Tag.1.Value", "a b+c/d é"}});
  ASSERT_TRUE(created) << created.error().describe();
  const std::string volume_id = text_of(created->xml.document_element(), "volumeId");
  ASSERT_TRUE(volume_id.starts_with("vol-")) << volume_id;
  EXPECT_FALSE(created->request_id.empty());

  const auto described = ec2.call("DescribeVolumes", {{"VolumeId.1", volume_id}});
  ASSERT_TRUE(described) << described.error().describe();
  const auto item =
      child_element(child_element(described->xml.document_element(), "volumeSet"), "item");
  EXPECT_EQ(text_of(item, "volumeId"), volume_id);
  EXPECT_EQ(text_of(item, "size"), "10");
  const auto tag = child_element(child_element(item, "tagSet"), "item");
  EXPECT_EQ(text_of(tag, "value"), "a b+c/d é");

  const auto counters = ec2.counters().by_action();
  EXPECT_EQ(counters.at("CreateVolume"), (ActionCounters{.calls = 1, .attempts = 1}));
  EXPECT_EQ(counters.at("DescribeVolumes"), (ActionCounters{.calls = 1, .attempts = 1}));
}

TEST_F(QueryClientMoto, UnknownSnapshotIsNotFoundWithEmptyMessage) {
  auto ec2 = client("ec2", "2016-11-15");
  const auto result = ec2.call("DeleteSnapshot", {{"SnapshotId", "snap-0123456789abcdef0"}});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::not_found);
  EXPECT_EQ(result.error().code, "InvalidSnapshot.NotFound");
  EXPECT_EQ(result.error().http_status, 400);
  EXPECT_EQ(result.error().action, "DeleteSnapshot");
  EXPECT_EQ(ec2.counters().by_action().at("DeleteSnapshot"),
            (ActionCounters{.calls = 1, .attempts = 1, .errors = 1}));
}

TEST_F(QueryClientMoto, UnsupportedFilterGivesHtml500RetriedThenTransient) {
  // moto answers an unknown filter name with HTTP 500 and an HTML page (once
  // there is a snapshot to apply it to).
  auto ec2 = client("ec2", "2016-11-15");
  const auto volume = ec2.call("CreateVolume", {{"AvailabilityZone", "us-east-1a"}, {"Size", "1"}});
  ASSERT_TRUE(volume) << volume.error().describe();
  ASSERT_TRUE(ec2.call("CreateSnapshot",
                       {{"VolumeId", text_of(volume->xml.document_element(), "volumeId")}}));
  const auto result = ec2.call(
      "DescribeSnapshots",
      {{"Owner.1", "self"}, {"Filter.1.Name", "no-such-filter"}, {"Filter.1.Value.1", "x"}});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::transient);
  EXPECT_EQ(result.error().http_status, 500);
  EXPECT_EQ(ec2.counters().by_action().at("DescribeSnapshots").attempts, 3);
}

TEST_F(QueryClientMoto, StsGetCallerIdentity) {
  auto sts = client("sts", "2011-06-15");
  const auto result = sts.call("GetCallerIdentity", {});
  ASSERT_TRUE(result) << result.error().describe();
  const auto identity = child_element(result->xml.document_element(), "GetCallerIdentityResult");
  EXPECT_EQ(text_of(identity, "Account"), "123456789012");
  EXPECT_FALSE(result->request_id.empty());
}

TEST_F(QueryClientMoto, SnsPublishToUnknownTopicIsNotFound) {
  auto sns = client("sns", "2010-03-31");
  const auto result = sns.call(
      "Publish", {{"TopicArn", "arn:aws:sns:us-east-1:123456789012:none"}, {"Message", "hello"}});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::not_found);
  EXPECT_EQ(result.error().http_status, 404);
}

TEST_F(QueryClientMoto, CopySnapshotAcrossRegionsBySigningScope) {
  auto east = client("ec2", "2016-11-15", "us-east-1");
  const auto volume =
      east.call("CreateVolume", {{"AvailabilityZone", "us-east-1a"}, {"Size", "1"}});
  ASSERT_TRUE(volume) << volume.error().describe();
  const auto snapshot = east.call(
      "CreateSnapshot", {{"VolumeId", text_of(volume->xml.document_element(), "volumeId")}});
  ASSERT_TRUE(snapshot) << snapshot.error().describe();
  auto west = client("ec2", "2016-11-15", "us-west-2");
  const auto copy =
      west.call("CopySnapshot",
                {{"SourceRegion", "us-east-1"},
                 {"SourceSnapshotId", text_of(snapshot->xml.document_element(), "snapshotId")}});
  ASSERT_TRUE(copy) << copy.error().describe();
  EXPECT_TRUE(text_of(copy->xml.document_element(), "snapshotId").starts_with("snap-"));
}

}  // namespace
}  // namespace snapkeep::aws
