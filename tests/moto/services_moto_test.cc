// Ec2, Sns and Sts end to end through QueryClient + CurlTransport + Signer
// against moto, WITH signature checking on: each test builds its fixture
// while auth is off (IAM users, keys and policies via boto3, in
// tests/support/moto_setup.py), then POSTs /moto-api/reset-auth 0, so every
// call below is signed and checked. Results are verified with boto3.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "aws/clock.h"
#include "aws/curl_transport.h"
#include "aws/ec2.h"
#include "aws/presign.h"
#include "aws/query_client.h"
#include "aws/sns.h"
#include "aws/sts.h"

namespace snapkeep::aws {
namespace {

using nlohmann::json;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// Runs moto_setup.py and returns its JSON answer.
json helper(const std::string& args) {
  std::string command = "python3 " SNAPKEEP_SOURCE_DIR "/tests/support/moto_setup.py " + args;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return json();
  std::string out;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  int status = pclose(pipe);
  EXPECT_EQ(status, 0) << command;
  return out.empty() ? json() : json::parse(out, nullptr, false);
}

Credentials key(const json& user) {
  return Credentials{user.at("key").get<std::string>(), user.at("secret").get<std::string>(), "",
                     std::nullopt, "test"};
}

class ServicesMoto : public ::testing::Test {
 protected:
  void SetUp() override {
    m_endpoint = env("SNAPKEEP_TEST_ENDPOINT");
    if (m_endpoint.empty())
      GTEST_SKIP() << "SNAPKEEP_TEST_ENDPOINT not set (run under with-moto.sh)";
    unsetenv("SNAPKEEP_ADMIN_KEY");
    unsetenv("SNAPKEEP_ADMIN_SECRET");
    moto_api("reset-auth", "inf");
    moto_api("reset", "");
    m_users = helper("auth-fixture");
    ASSERT_TRUE(m_users.is_object());
    setenv("SNAPKEEP_ADMIN_KEY", m_users["admin"]["key"].get<std::string>().c_str(), 1);
    setenv("SNAPKEEP_ADMIN_SECRET", m_users["admin"]["secret"].get<std::string>().c_str(), 1);
  }

  void TearDown() override {
    if (!m_endpoint.empty()) moto_api("reset-auth", "inf");
  }

  void moto_api(const std::string& path, const std::string& body) {
    HttpRequest request;
    request.url = m_endpoint + "/moto-api/" + path;
    request.body = body;
    request.headers.emplace_back("Content-Type", "text/plain");
    auto answer = m_transport.send(request);
    ASSERT_TRUE(answer) << answer.error().describe();
    ASSERT_EQ(answer->status, 200) << path << ": " << answer->body;
  }

  // From here on every request must carry a valid signature.
  void auth_on() { moto_api("reset-auth", "0"); }

  std::unique_ptr<QueryClient> client(std::string service, std::string version,
                                      Credentials credentials, std::string region = "us-east-1") {
    return std::make_unique<QueryClient>(
        QueryEndpoint{std::move(service), std::move(region), m_endpoint + "/", std::move(version)},
        m_transport, system_clock(), [credentials]() -> Result<Credentials> { return credentials; },
        RetryPolicy());
  }
  std::unique_ptr<QueryClient> ec2_client(const Credentials& credentials,
                                          std::string region = "us-east-1") {
    return client("ec2", std::string(Ec2::api_version), credentials, std::move(region));
  }
  Credentials allowed() const { return key(m_users["allowed"]); }

  std::string m_endpoint;
  CurlTransport m_transport;
  json m_users;
};

TEST_F(ServicesMoto, Ec2CallsEndToEndWithSignaturesChecked) {
  json fleet = helper("fleet");
  ASSERT_TRUE(fleet.is_object());
  const std::string instance = fleet["instance"];
  const std::string data_volume = fleet["data_volume"];
  auth_on();
  auto caller = ec2_client(allowed());
  Ec2 ec2(*caller, "us-east-1");

  auto regions = ec2.describe_regions();
  ASSERT_TRUE(regions) << regions.error().describe();
  EXPECT_TRUE(std::any_of(regions->begin(), regions->end(),
                          [](const Ec2Region& r) { return r.name == "eu-west-1"; }));

  auto instances = ec2.describe_instances({{}, {{"tag:Backup", {"true"}}}});
  ASSERT_TRUE(instances) << instances.error().describe();
  ASSERT_EQ(instances->size(), 1u);
  EXPECT_EQ((*instances)[0].id, instance);
  EXPECT_EQ((*instances)[0].state, "running");
  EXPECT_EQ((*instances)[0].root_device_name, "/dev/sda1");
  EXPECT_EQ((*instances)[0].availability_zone, "us-east-1a");
  ASSERT_EQ((*instances)[0].block_devices.size(), 2u);
  EXPECT_EQ((*instances)[0].block_devices[1].device_name, "/dev/sdf");
  EXPECT_EQ((*instances)[0].block_devices[1].volume_id, data_volume);

  auto volumes = ec2.describe_volumes({{}, {{"attachment.instance-id", {instance}}}});
  ASSERT_TRUE(volumes) << volumes.error().describe();
  ASSERT_EQ(volumes->size(), 2u);

  CreateSnapshotsRequest set;
  set.instance_id = instance;
  set.description = "snapkeep nightly";
  set.tags = {{"snapkeep:policy", "nightly"}, {"snapkeep:slot", "2026-11-26T00:00:00Z"}};
  auto created = ec2.create_snapshots(set);
  ASSERT_TRUE(created) << created->size();
  ASSERT_EQ(created->size(), 2u);
  json seen = helper("snapshot " + (*created)[1].id);
  EXPECT_EQ(seen["tags"]["snapkeep:policy"], "nightly");
  EXPECT_EQ(seen["description"], "snapkeep nightly");

  auto single = ec2.create_snapshot({data_volume, "one volume", {{"Name", "a b+c/d é"}}});
  ASSERT_TRUE(single) << single.error().describe();
  EXPECT_EQ(single->volume_id, data_volume);
  EXPECT_EQ(helper("snapshot " + single->id)["tags"]["Name"], "a b+c/d é");

  auto listed = ec2.describe_snapshots({{}, {}, {{"tag:snapkeep:policy", {"nightly"}}}});
  ASSERT_TRUE(listed) << listed.error().describe();
  EXPECT_EQ(listed->size(), 2u);

  ASSERT_TRUE(
      ec2.create_tags({(*created)[0].id, (*created)[1].id}, {{"snapkeep:device", "/dev/x"}}));
  EXPECT_EQ(helper("snapshot " + (*created)[0].id)["tags"]["snapkeep:device"], "/dev/x");

  ASSERT_TRUE(
      ec2.modify_snapshot_permission({single->id, PermissionOperation::add, {"210987654321"}, {}}));
  EXPECT_EQ(helper("permissions " + single->id)["user_ids"], json::array({"210987654321"}));

  auto images = ec2.describe_images(DescribeImagesRequest{});
  ASSERT_TRUE(images) << images.error().describe();
  ASSERT_EQ(images->size(), 1u);
  EXPECT_EQ((*images)[0].id, fleet["image"]);
  ASSERT_EQ((*images)[0].snapshot_ids.size(), 1u);
  EXPECT_EQ((*images)[0].snapshot_ids[0], fleet["image_snapshot"]);

  auto in_use = ec2.delete_snapshot(fleet["image_snapshot"].get<std::string>());
  ASSERT_FALSE(in_use);
  EXPECT_EQ(in_use.error().kind, ErrorKind::in_use);

  ASSERT_TRUE(ec2.delete_snapshot(single->id));
  EXPECT_TRUE(helper("snapshot " + single->id).is_null());
  auto again = ec2.delete_snapshot(single->id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorKind::not_found);

  auto volume = ec2.create_volume(
      {"us-east-1a", (*created)[1].id, 0, "gp3", false, "", {{"k", "v"}}, 0, 0, ""});
  ASSERT_TRUE(volume) << volume.error().describe();
  EXPECT_EQ(volume->size_gib, 20);
  auto attached = ec2.attach_volume({volume->id, instance, "/dev/sdg"});
  ASSERT_TRUE(attached) << attached.error().describe();
  EXPECT_EQ(attached->device, "/dev/sdg");
}

TEST_F(ServicesMoto, CopySnapshotToAnotherRegionWithAPresignedUrl) {
  json fleet = helper("fleet");
  auth_on();
  auto source_caller = ec2_client(allowed());
  auto snapshot = Ec2(*source_caller, "us-east-1")
                      .create_snapshot({fleet["data_volume"].get<std::string>(), "src", {}});
  ASSERT_TRUE(snapshot) << snapshot.error().describe();

  Signer signer;
  Credentials credentials = allowed();
  std::string presigned_url;
  QueryPresigner presign =
      make_query_presigner({&signer, [credentials]() -> Result<Credentials> { return credentials; },
                            [](std::string_view region) {
                              return "https://ec2." + std::string(region) + ".amazonaws.com";
                            },
                            &system_clock(), "ec2"});
  auto dest_caller = ec2_client(allowed(), "us-west-2");
  Ec2 dest(*dest_caller, "us-west-2",
           [&](std::string_view region, const QueryParams& params) -> Result<std::string> {
             auto url = presign(region, params);
             if (url) presigned_url = *url;
             return url;
           });
  CopySnapshotRequest request;
  request.source_region = "us-east-1";
  request.source_snapshot_id = snapshot->id;
  request.description = "copy";
  request.tags = {{"snapkeep:copy-of", snapshot->id + " us-east-1"}};
  request.source_encrypted = true;  // moto ignores the URL, AWS requires it
  auto copy = dest.copy_snapshot(request);
  ASSERT_TRUE(copy) << copy.error().describe();
  EXPECT_TRUE(
      presigned_url.starts_with("https://ec2.us-east-1.amazonaws.com/?Action=CopySnapshot&"))
      << presigned_url;
  EXPECT_NE(presigned_url.find("DestinationRegion=us-west-2"), std::string::npos);
  EXPECT_NE(presigned_url.find("X-Amz-Signature="), std::string::npos);
  json seen = helper("snapshot " + copy->snapshot_id + " us-west-2");
  ASSERT_TRUE(seen.is_object());
  EXPECT_EQ(seen["description"], "copy");
  EXPECT_EQ(seen["tags"]["snapkeep:copy-of"], snapshot->id + " us-east-1");
}

TEST_F(ServicesMoto, WrongSecretUnknownKeyAndWrongSessionTokenFailWithAuth) {
  auth_on();
  Credentials wrong_secret = allowed();
  wrong_secret.secret_access_key += "x";
  Credentials unknown{"AKIAUNKNOWNKEY000000", "secret", "", std::nullopt, "test"};
  for (const Credentials& credentials : {wrong_secret, unknown}) {
    auto caller = ec2_client(credentials);
    auto listed = Ec2(*caller, "us-east-1").describe_snapshots(DescribeSnapshotsRequest{});
    ASSERT_FALSE(listed) << credentials.access_key_id;
    EXPECT_EQ(listed.error().kind, ErrorKind::auth) << listed.error().describe();
  }

  auto sts_caller = client("sts", std::string(Sts::api_version), allowed());
  auto role = Sts(*sts_caller)
                  .assume_role({m_users["role_arn"].get<std::string>(), "snapkeep-test",
                                std::chrono::seconds{900}, ""});
  ASSERT_TRUE(role) << role.error().describe();
  EXPECT_TRUE(role->credentials.access_key_id.starts_with("ASIA"));
  auto session = ec2_client(role->credentials);
  auto good = Ec2(*session, "us-east-1").describe_snapshots(DescribeSnapshotsRequest{});
  EXPECT_TRUE(good) << good.error().describe();
  Credentials wrong_token = role->credentials;
  wrong_token.session_token += "x";
  auto bad_session = ec2_client(wrong_token);
  auto bad = Ec2(*bad_session, "us-east-1").describe_snapshots(DescribeSnapshotsRequest{});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::auth) << bad.error().describe();
}

TEST_F(ServicesMoto, PolicyDenyingTheActionIsAccessDenied) {
  json fleet = helper("fleet");
  auth_on();
  auto caller = ec2_client(key(m_users["denied"]));
  Ec2 ec2(*caller, "us-east-1");
  auto listed = ec2.describe_snapshots(DescribeSnapshotsRequest{});
  ASSERT_TRUE(listed) << listed.error().describe();  // Describe* is allowed
  auto denied = ec2.delete_snapshot(fleet["image_snapshot"].get<std::string>());
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().kind, ErrorKind::auth);
  EXPECT_EQ(denied.error().code, "AccessDenied") << denied.error().describe();
  EXPECT_EQ(denied.error().http_status, 403);
}

TEST_F(ServicesMoto, SnsPublishReachesASubscribedQueue) {
  json queue = helper("sns-queue");
  ASSERT_TRUE(queue.is_object());
  auth_on();
  auto caller = client("sns", std::string(Sns::api_version), allowed());
  auto id = Sns(*caller).publish(queue["topic_arn"].get<std::string>(), "snapkeep: 1 failure",
                                 "nightly: snap-1 failed & was retried\nsee log");
  ASSERT_TRUE(id) << id.error().describe();
  json envelope = helper("receive " + queue["queue_url"].get<std::string>());
  ASSERT_TRUE(envelope.is_object());
  EXPECT_EQ(envelope["MessageId"], *id);
  EXPECT_EQ(envelope["Subject"], "snapkeep: 1 failure");
  EXPECT_EQ(envelope["Message"], "nightly: snap-1 failed & was retried\nsee log");

  auto missing = Sns(*caller).publish("arn:aws:sns:us-east-1:123456789012:nope", "", "m");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::not_found);
}

TEST_F(ServicesMoto, StsCallerIdentityAndAssumeRole) {
  auth_on();
  auto caller = client("sts", std::string(Sts::api_version), allowed());
  Sts sts(*caller);
  auto identity = sts.get_caller_identity();
  ASSERT_TRUE(identity) << identity.error().describe();
  EXPECT_EQ(identity->account, "123456789012");
  EXPECT_EQ(identity->arn, "arn:aws:iam::123456789012:user/snapkeep-allowed");

  auto role = sts.assume_role(
      {m_users["role_arn"].get<std::string>(), "nightly-run", std::chrono::seconds{1800}, "ext-1"});
  ASSERT_TRUE(role) << role.error().describe();
  EXPECT_EQ(role->arn, "arn:aws:sts::123456789012:assumed-role/snapkeep-role/nightly-run");
  ASSERT_TRUE(role->credentials.expiration);
  auto remaining = *role->credentials.expiration - system_clock().now();
  EXPECT_GT(remaining, std::chrono::minutes(29));
  EXPECT_LE(remaining, std::chrono::minutes(30));

  // The assumed role's credentials work, and say who they are.
  auto as_role = client("sts", std::string(Sts::api_version), role->credentials);
  auto role_identity = Sts(*as_role).get_caller_identity();
  ASSERT_TRUE(role_identity) << role_identity.error().describe();
  EXPECT_EQ(role_identity->arn, role->arn);
}

}  // namespace
}  // namespace snapkeep::aws
