#include "aws/ec2.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/fake_query_caller.h"
#include "util/utc_time.h"

namespace snapkeep::aws {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using testing::FakeQueryCaller;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

SysTime at(std::string_view text) {
  return util::parse_iso8601(text).value();
}

// --- response bodies ----------------------------------------------------------

// AWS (API reference sample shape): namespace with trailing slash, requestId
// first, an empty <nextToken/> on the last page.
constexpr const char* kAwsSnapshots = R"(<?xml version="1.0" encoding="UTF-8"?>
<DescribeSnapshotsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>
  <snapshotSet>
    <item>
      <snapshotId>snap-1234567890abcdef0</snapshotId>
      <volumeId>vol-1234567890abcdef0</volumeId>
      <status>pending</status>
      <startTime>2026-11-26T00:00:04.123Z</startTime>
      <progress>80%</progress>
      <ownerId>111122223333</ownerId>
      <volumeSize>15</volumeSize>
      <description>Daily Backup</description>
      <encrypted>true</encrypted>
      <kmsKeyId>arn:aws:kms:us-east-1:111122223333:key/6876fb1b-example</kmsKeyId>
      <tagSet>
        <item><key>snapkeep:policy</key><value>nightly</value></item>
        <item><key>Name</key><value>db &amp; logs</value></item>
      </tagSet>
      <storageTier>standard</storageTier>
    </item>
  </snapshotSet>
  <nextToken/>
</DescribeSnapshotsResponse>)";

// moto 5.2.1, verbatim: no trailing slash, tagSet first, requestId last.
constexpr const char* kMotoSnapshots = R"(<?xml version="1.0" encoding="utf-8"?>
<DescribeSnapshotsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><snapshotSet><item><tagSet><item><key>snapkeep:policy</key><value>p</value></item></tagSet><snapshotId>snap-958576342b00e495f</snapshotId><volumeId>vol-a4d86eafad8576630</volumeId><status>completed</status><startTime>2026-11-26T12:05:21.000Z</startTime><progress>100%</progress><ownerId>123456789012</ownerId><description>d</description><volumeSize>8</volumeSize><encrypted>false</encrypted></item><item><tagSet/><snapshotId>snap-9f395eac4ead7631c</snapshotId><volumeId>vol-4cda517e20d4d4fb8</volumeId><status>completed</status><startTime>2026-11-26T12:05:21.000Z</startTime><progress>100%</progress><ownerId>123456789012</ownerId><description>one</description><volumeSize>10</volumeSize><encrypted>false</encrypted></item></snapshotSet><requestId>request-id</requestId></DescribeSnapshotsResponse>)";

std::string snapshots_page(const std::vector<std::string>& ids, std::string_view token) {
  std::string xml =
      R"(<DescribeSnapshotsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><snapshotSet>)";
  for (const auto& id : ids) {
    xml +=
        "<item><snapshotId>" + id +
        "</snapshotId><status>completed</status><startTime>2026-01-01T00:00:00Z</startTime></item>";
  }
  xml += "</snapshotSet>";
  if (!token.empty()) xml += "<nextToken>" + std::string(token) + "</nextToken>";
  return xml + "</DescribeSnapshotsResponse>";
}

std::vector<std::string> ids_of(const std::vector<Ec2Snapshot>& snapshots) {
  std::vector<std::string> ids;
  for (const auto& s : snapshots) ids.push_back(s.id);
  return ids;
}

AwsError throttled() {
  AwsError error;
  error.kind = ErrorKind::throttled;
  error.code = "RequestLimitExceeded";
  error.http_status = 503;
  return error;
}

// --- DescribeSnapshots ------------------------------------------------------

TEST(Ec2DescribeSnapshots, SendsOwnerSelfAndMaxResultsByDefault) {
  FakeQueryCaller caller;
  caller.answer(kMotoSnapshots);
  Ec2 ec2(caller, "us-east-1");
  ASSERT_TRUE(ec2.describe_snapshots(DescribeSnapshotsRequest{}));
  ASSERT_EQ(caller.calls().size(), 1u);
  EXPECT_EQ(caller.calls()[0].action, "DescribeSnapshots");
  EXPECT_THAT(caller.calls()[0].params,
              UnorderedElementsAre(Pair("Owner.1", "self"), Pair("MaxResults", "1000")));
}

TEST(Ec2DescribeSnapshots, SerialisesFiltersAndOwners) {
  FakeQueryCaller caller;
  caller.answer(kMotoSnapshots);
  Ec2 ec2(caller, "us-east-1");
  DescribeSnapshotsRequest request;
  request.owners = {"111122223333", "self"};
  request.filters = {{"tag:snapkeep:policy", {"nightly"}}, {"status", {"pending", "completed"}}};
  ASSERT_TRUE(ec2.describe_snapshots(request));
  EXPECT_THAT(caller.calls()[0].params,
              UnorderedElementsAre(
                  Pair("Owner.1", "111122223333"), Pair("Owner.2", "self"),
                  Pair("Filter.1.Name", "tag:snapkeep:policy"), Pair("Filter.1.Value.1", "nightly"),
                  Pair("Filter.2.Name", "status"), Pair("Filter.2.Value.1", "pending"),
                  Pair("Filter.2.Value.2", "completed"), Pair("MaxResults", "1000")));
}

TEST(Ec2DescribeSnapshots, SnapshotIdsReplaceMaxResults) {
  FakeQueryCaller caller;
  caller.answer(kMotoSnapshots);
  Ec2 ec2(caller, "us-east-1");
  DescribeSnapshotsRequest request;
  request.snapshot_ids = {"snap-1", "snap-2"};
  ASSERT_TRUE(ec2.describe_snapshots(request));
  EXPECT_THAT(caller.calls()[0].params,
              UnorderedElementsAre(Pair("Owner.1", "self"), Pair("SnapshotId.1", "snap-1"),
                                   Pair("SnapshotId.2", "snap-2")));
}

TEST(Ec2DescribeSnapshots, ParsesAwsAnswer) {
  FakeQueryCaller caller;
  caller.answer(kAwsSnapshots);
  auto snapshots = Ec2(caller, "us-east-1").describe_snapshots(DescribeSnapshotsRequest{});
  ASSERT_TRUE(snapshots) << snapshots.error().describe();
  ASSERT_EQ(snapshots->size(), 1u);
  const Ec2Snapshot& s = (*snapshots)[0];
  EXPECT_EQ(s.id, "snap-1234567890abcdef0");
  EXPECT_EQ(s.volume_id, "vol-1234567890abcdef0");
  EXPECT_EQ(s.state, "pending");
  EXPECT_EQ(s.progress, "80%");
  EXPECT_EQ(s.start_time, at("2026-11-26T00:00:04.123Z"));
  EXPECT_EQ(s.owner_id, "111122223333");
  EXPECT_EQ(s.volume_size_gib, 15);
  EXPECT_EQ(s.description, "Daily Backup");
  EXPECT_TRUE(s.encrypted);
  EXPECT_EQ(s.kms_key_id, "arn:aws:kms:us-east-1:111122223333:key/6876fb1b-example");
  EXPECT_THAT(s.tags, ElementsAre(Tag{"snapkeep:policy", "nightly"}, Tag{"Name", "db & logs"}));
  EXPECT_EQ(caller.calls().size(), 1u);  // the empty <nextToken/> ends the listing
}

TEST(Ec2DescribeSnapshots, ParsesMotoAnswer) {
  FakeQueryCaller caller;
  caller.answer(kMotoSnapshots);
  auto snapshots = Ec2(caller, "us-east-1").describe_snapshots(DescribeSnapshotsRequest{});
  ASSERT_TRUE(snapshots) << snapshots.error().describe();
  ASSERT_EQ(snapshots->size(), 2u);
  const Ec2Snapshot& s = (*snapshots)[0];
  EXPECT_EQ(s.id, "snap-958576342b00e495f");
  EXPECT_EQ(s.state, "completed");
  EXPECT_EQ(s.start_time, at("2026-11-26T12:05:21Z"));
  EXPECT_EQ(s.volume_size_gib, 8);
  EXPECT_FALSE(s.encrypted);
  EXPECT_THAT(s.tags, ElementsAre(Tag{"snapkeep:policy", "p"}));
  EXPECT_TRUE((*snapshots)[1].tags.empty());
  EXPECT_EQ((*snapshots)[1].description, "one");
}

TEST(Ec2DescribeSnapshots, FollowsTokensThroughEmptyPages) {
  FakeQueryCaller caller;
  caller.answer(snapshots_page({"snap-a", "snap-b"}, "t1"));
  caller.answer(snapshots_page({}, "t2"));  // empty, but not the end
  caller.answer(snapshots_page({"snap-c"}, ""));
  Ec2 ec2(caller, "us-east-1");
  std::vector<std::size_t> page_sizes;
  std::vector<Ec2Snapshot> seen;
  auto done =
      ec2.describe_snapshots(DescribeSnapshotsRequest{}, [&](std::vector<Ec2Snapshot>&& page) {
        page_sizes.push_back(page.size());
        seen.insert(seen.end(), page.begin(), page.end());
      });
  ASSERT_TRUE(done);
  EXPECT_THAT(page_sizes, ElementsAre(2u, 0u, 1u));
  EXPECT_THAT(ids_of(seen), ElementsAre("snap-a", "snap-b", "snap-c"));
  auto calls = caller.calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_THAT(calls[0].params,
              UnorderedElementsAre(Pair("Owner.1", "self"), Pair("MaxResults", "1000")));
  EXPECT_THAT(calls[1].params,
              UnorderedElementsAre(Pair("Owner.1", "self"), Pair("MaxResults", "1000"),
                                   Pair("NextToken", "t1")));
  EXPECT_THAT(calls[2].params,
              UnorderedElementsAre(Pair("Owner.1", "self"), Pair("MaxResults", "1000"),
                                   Pair("NextToken", "t2")));
}

TEST(Ec2DescribeSnapshots, ListCollectsEveryPage) {
  FakeQueryCaller caller;
  caller.answer(snapshots_page({"snap-a"}, "t1"));
  caller.answer(snapshots_page({}, "t2"));
  caller.answer(snapshots_page({"snap-b"}, ""));
  auto all = Ec2(caller, "us-east-1").describe_snapshots(DescribeSnapshotsRequest{});
  ASSERT_TRUE(all);
  EXPECT_THAT(ids_of(*all), ElementsAre("snap-a", "snap-b"));
}

TEST(Ec2DescribeSnapshots, FailingSecondPageFailsTheListing) {
  FakeQueryCaller caller;
  caller.answer(snapshots_page({"snap-a"}, "t1"));
  caller.fail(throttled());
  auto all = Ec2(caller, "us-east-1").describe_snapshots(DescribeSnapshotsRequest{});
  ASSERT_FALSE(all);
  EXPECT_EQ(all.error().kind, ErrorKind::throttled);
  EXPECT_EQ(all.error().code, "RequestLimitExceeded");
  EXPECT_EQ(all.error().action, "DescribeSnapshots");
  EXPECT_EQ(caller.calls().size(), 2u);
}

TEST(Ec2DescribeSnapshots, MalformedSecondPageFailsTheListing) {
  FakeQueryCaller caller;
  caller.answer(snapshots_page({"snap-a"}, "t1"));
  caller.answer(
      "<DescribeSnapshotsResponse><snapshotSet><item><volumeId>vol-1</volumeId></item>"
      "</snapshotSet></DescribeSnapshotsResponse>");
  auto all = Ec2(caller, "us-east-1").describe_snapshots(DescribeSnapshotsRequest{});
  ASSERT_FALSE(all);
  EXPECT_EQ(all.error().kind, ErrorKind::bad_response);
  EXPECT_EQ(all.error().message, "<snapshotId> is missing from <snapshot>");
}

TEST(Ec2DescribeSnapshots, RepeatedTokenIsABadAnswerNotALoop) {
  FakeQueryCaller caller;
  caller.answer(snapshots_page({"snap-a"}, "t1"));
  caller.answer(snapshots_page({"snap-b"}, "t1"));
  auto all = Ec2(caller, "us-east-1").describe_snapshots(DescribeSnapshotsRequest{});
  ASSERT_FALSE(all);
  EXPECT_EQ(all.error().kind, ErrorKind::bad_response);
  EXPECT_EQ(caller.calls().size(), 2u);
}

TEST(Ec2DescribeSnapshots, WrongRootIsABadAnswer) {
  FakeQueryCaller caller;
  caller.answer("<html><body>Internal Server Error</body></html>");
  auto all = Ec2(caller, "us-east-1").describe_snapshots(DescribeSnapshotsRequest{});
  ASSERT_FALSE(all);
  EXPECT_EQ(all.error().kind, ErrorKind::bad_response);
  EXPECT_EQ(all.error().request_id, "req-fake");
  EXPECT_EQ(all.error().message, "expected a <DescribeSnapshotsResponse> answer, got <html>");
}

TEST(Ec2DescribeSnapshots, BadNumberBooleanOrTimeIsABadAnswer) {
  for (const char* field : {"<volumeSize>ten</volumeSize>", "<encrypted>yes</encrypted>",
                            "<startTime>yesterday</startTime>"}) {
    FakeQueryCaller caller;
    caller.answer(
        std::string(
            "<DescribeSnapshotsResponse><snapshotSet><item><snapshotId>snap-1</snapshotId>") +
        field + "</item></snapshotSet></DescribeSnapshotsResponse>");
    auto all = Ec2(caller, "us-east-1").describe_snapshots(DescribeSnapshotsRequest{});
    ASSERT_FALSE(all) << field;
    EXPECT_EQ(all.error().kind, ErrorKind::bad_response) << field;
  }
}

TEST(Ec2DescribeSnapshots, EmptyAnswerWithoutSetIsAnEmptyListing) {
  FakeQueryCaller caller;
  caller.answer(
      R"(<DescribeSnapshotsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><snapshotSet/></DescribeSnapshotsResponse>)");
  auto all = Ec2(caller, "us-east-1").describe_snapshots(DescribeSnapshotsRequest{});
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->empty());
}

// --- DescribeInstances ----------------------------------------------------------

constexpr const char* kMotoInstances = R"(<?xml version="1.0" encoding="utf-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><reservationSet><item><reservationId>r-1f5e0ac1c05bf5a09</reservationId><ownerId>123456789012</ownerId><groupSet/><instancesSet><item><architecture>x86_64</architecture><blockDeviceMapping><item><deviceName>/dev/sda1</deviceName><ebs><attachTime>2026-11-26T12:05:21.000Z</attachTime><deleteOnTermination>true</deleteOnTermination><status>attached</status><volumeId>vol-a4d86eafad8576630</volumeId></ebs></item><item><deviceName>/dev/sdf</deviceName><ebs><attachTime>2026-11-26T12:05:21.000Z</attachTime><deleteOnTermination>false</deleteOnTermination><status>attached</status><volumeId>vol-4cda517e20d4d4fb8</volumeId></ebs></item></blockDeviceMapping><clientToken>527f951e</clientToken><rootDeviceName>/dev/sda1</rootDeviceName><rootDeviceType>ebs</rootDeviceType><stateReason><code/><message/></stateReason><tagSet><item><key>Backup</key><value>true</value></item></tagSet><metadataOptions><state>applied</state></metadataOptions><instanceId>i-40b3b7db1880c47f8</instanceId><imageId>ami-12345678</imageId><instanceState><code>16</code><name>running</name></instanceState><placement><groupName/><tenancy>default</tenancy><availabilityZone>us-east-1a</availabilityZone></placement><monitoring><state>disabled</state></monitoring></item></instancesSet></item></reservationSet><requestId>request-id</requestId></DescribeInstancesResponse>)";

TEST(Ec2DescribeInstances, SendsMaxResultsAndParsesMotoAnswer) {
  FakeQueryCaller caller;
  caller.answer(kMotoInstances);
  DescribeInstancesRequest request;
  request.filters = {{"tag:Backup", {"yes", "true"}}};
  auto instances = Ec2(caller, "us-east-1").describe_instances(request);
  ASSERT_TRUE(instances) << instances.error().describe();
  EXPECT_THAT(
      caller.calls()[0].params,
      UnorderedElementsAre(Pair("Filter.1.Name", "tag:Backup"), Pair("Filter.1.Value.1", "yes"),
                           Pair("Filter.1.Value.2", "true"), Pair("MaxResults", "1000")));
  ASSERT_EQ(instances->size(), 1u);
  const Ec2Instance& i = (*instances)[0];
  EXPECT_EQ(i.id, "i-40b3b7db1880c47f8");
  EXPECT_EQ(i.state, "running");  // not metadataOptions' <state>
  EXPECT_EQ(i.root_device_name, "/dev/sda1");
  EXPECT_EQ(i.availability_zone, "us-east-1a");
  EXPECT_THAT(i.tags, ElementsAre(Tag{"Backup", "true"}));
  ASSERT_EQ(i.block_devices.size(), 2u);
  EXPECT_EQ(i.block_devices[0].device_name, "/dev/sda1");
  EXPECT_EQ(i.block_devices[0].volume_id, "vol-a4d86eafad8576630");
  EXPECT_TRUE(i.block_devices[0].delete_on_termination);
  EXPECT_EQ(i.block_devices[1].device_name, "/dev/sdf");
  EXPECT_EQ(i.block_devices[1].volume_id, "vol-4cda517e20d4d4fb8");
  EXPECT_FALSE(i.block_devices[1].delete_on_termination);
}

TEST(Ec2DescribeInstances, InstanceIdsReplaceMaxResults) {
  FakeQueryCaller caller;
  caller.answer(kMotoInstances);
  DescribeInstancesRequest request;
  request.instance_ids = {"i-1", "i-2"};
  ASSERT_TRUE(Ec2(caller, "us-east-1").describe_instances(request));
  EXPECT_THAT(caller.calls()[0].params,
              UnorderedElementsAre(Pair("InstanceId.1", "i-1"), Pair("InstanceId.2", "i-2")));
}

TEST(Ec2DescribeInstances, PagesAcrossReservationsAndSkipsInstanceStore) {
  FakeQueryCaller caller;
  caller.answer(
      R"(<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>a</requestId>
    <reservationSet>
      <item><instancesSet><item><instanceId>i-1</instanceId><instanceState><code>80</code><name>stopped</name></instanceState>
        <blockDeviceMapping><item><deviceName>/dev/xvda</deviceName><ebs><volumeId>vol-1</volumeId><deleteOnTermination>true</deleteOnTermination></ebs></item>
        <item><deviceName>/dev/sdb</deviceName><virtualName>ephemeral0</virtualName></item></blockDeviceMapping></item>
        <item><instanceId>i-2</instanceId></item></instancesSet></item>
    </reservationSet><nextToken>eyJ2IjoiMiJ9</nextToken></DescribeInstancesResponse>)");
  caller.answer(
      R"(<DescribeInstancesResponse><reservationSet><item><instancesSet><item><instanceId>i-3</instanceId></item></instancesSet></item></reservationSet></DescribeInstancesResponse>)");
  auto instances = Ec2(caller, "us-east-1").describe_instances(DescribeInstancesRequest{});
  ASSERT_TRUE(instances) << instances.error().describe();
  ASSERT_EQ(instances->size(), 3u);
  EXPECT_EQ((*instances)[0].state, "stopped");
  ASSERT_EQ((*instances)[0].block_devices.size(), 1u);
  EXPECT_EQ((*instances)[0].block_devices[0].volume_id, "vol-1");
  EXPECT_EQ((*instances)[2].id, "i-3");
  EXPECT_THAT(caller.calls()[1].params,
              UnorderedElementsAre(Pair("MaxResults", "1000"), Pair("NextToken", "eyJ2IjoiMiJ9")));
}

// --- DescribeVolumes ------------------------------------------------------------

constexpr const char* kMotoVolumes = R"(<?xml version="1.0" encoding="utf-8"?>
<DescribeVolumesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><volumeSet><item><volumeType>gp2</volumeType><volumeId>vol-a4d86eafad8576630</volumeId><size>8</size><availabilityZone>us-east-1a</availabilityZone><status>in-use</status><createTime>2026-11-26T12:05:21.000Z</createTime><attachmentSet><item><volumeId>vol-a4d86eafad8576630</volumeId><instanceId>i-40b3b7db1880c47f8</instanceId><device>/dev/sda1</device><status>attached</status><attachTime>2026-11-26T12:05:21.000Z</attachTime></item></attachmentSet><encrypted>false</encrypted></item><item><tagSet><item><key>Name</key><value>data</value></item></tagSet><volumeType>gp3</volumeType><volumeId>vol-4cda517e20d4d4fb8</volumeId><size>10</size><availabilityZone>us-east-1b</availabilityZone><status>available</status><attachmentSet/><encrypted>true</encrypted><kmsKeyId>arn:aws:kms:us-east-1:123456789012:key/k</kmsKeyId><snapshotId>snap-0</snapshotId></item></volumeSet><requestId>request-id</requestId></DescribeVolumesResponse>)";

TEST(Ec2DescribeVolumes, SendsMaxResults500AndParses) {
  FakeQueryCaller caller;
  caller.answer(kMotoVolumes);
  DescribeVolumesRequest request;
  request.filters = {{"attachment.instance-id", {"i-40b3b7db1880c47f8"}}};
  auto volumes = Ec2(caller, "us-east-1").describe_volumes(request);
  ASSERT_TRUE(volumes) << volumes.error().describe();
  EXPECT_EQ(caller.calls()[0].action, "DescribeVolumes");
  EXPECT_THAT(caller.calls()[0].params,
              UnorderedElementsAre(Pair("Filter.1.Name", "attachment.instance-id"),
                                   Pair("Filter.1.Value.1", "i-40b3b7db1880c47f8"),
                                   Pair("MaxResults", "500")));
  ASSERT_EQ(volumes->size(), 2u);
  const Ec2Volume& a = (*volumes)[0];
  EXPECT_EQ(a.id, "vol-a4d86eafad8576630");
  EXPECT_EQ(a.size_gib, 8);
  EXPECT_EQ(a.type, "gp2");
  EXPECT_EQ(a.state, "in-use");
  ASSERT_EQ(a.attachments.size(), 1u);
  EXPECT_EQ(a.attachments[0].instance_id, "i-40b3b7db1880c47f8");
  EXPECT_EQ(a.attachments[0].device, "/dev/sda1");
  EXPECT_EQ(a.attachments[0].state, "attached");
  const Ec2Volume& b = (*volumes)[1];
  EXPECT_EQ(b.availability_zone, "us-east-1b");
  EXPECT_TRUE(b.encrypted);
  EXPECT_EQ(b.kms_key_id, "arn:aws:kms:us-east-1:123456789012:key/k");
  EXPECT_EQ(b.snapshot_id, "snap-0");
  EXPECT_THAT(b.tags, ElementsAre(Tag{"Name", "data"}));
  EXPECT_TRUE(b.attachments.empty());
}

TEST(Ec2DescribeVolumes, VolumeIdsReplaceMaxResults) {
  FakeQueryCaller caller;
  caller.answer(kMotoVolumes);
  DescribeVolumesRequest request;
  request.volume_ids = {"vol-1"};
  ASSERT_TRUE(Ec2(caller, "us-east-1").describe_volumes(request));
  EXPECT_THAT(caller.calls()[0].params, ElementsAre(Pair("VolumeId.1", "vol-1")));
}

// --- DescribeImages -------------------------------------------------------------

TEST(Ec2DescribeImages, SendsOwnerSelfAndCollectsSnapshotIds) {
  FakeQueryCaller caller;
  caller.answer(R"(<?xml version="1.0" encoding="utf-8"?>
<DescribeImagesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><imagesSet><item><blockDeviceMapping><item><ebs><deleteOnTermination>false</deleteOnTermination><snapshotId>snap-c55c6b5016f886ca8</snapshotId><volumeSize>15</volumeSize><volumeType>standard</volumeType></ebs><deviceName>/dev/sda1</deviceName></item><item><deviceName>/dev/sdb</deviceName><virtualName>ephemeral0</virtualName></item><item><ebs><snapshotId>snap-2</snapshotId></ebs><deviceName>/dev/sdc</deviceName></item></blockDeviceMapping><description/><name>img</name><tagSet/><imageId>ami-89033509a22ae4317</imageId><imageState>available</imageState><imageOwnerId>123456789012</imageOwnerId><creationDate>2026-11-26T12:05:21.000Z</creationDate></item></imagesSet><requestId>request-id</requestId></DescribeImagesResponse>)");
  auto images = Ec2(caller, "us-east-1").describe_images(DescribeImagesRequest{});
  ASSERT_TRUE(images) << images.error().describe();
  EXPECT_EQ(caller.calls()[0].action, "DescribeImages");
  EXPECT_THAT(caller.calls()[0].params,
              UnorderedElementsAre(Pair("Owner.1", "self"), Pair("MaxResults", "1000")));
  ASSERT_EQ(images->size(), 1u);
  EXPECT_EQ((*images)[0].id, "ami-89033509a22ae4317");
  EXPECT_EQ((*images)[0].state, "available");
  EXPECT_EQ((*images)[0].owner_id, "123456789012");
  EXPECT_EQ((*images)[0].name, "img");
  EXPECT_THAT((*images)[0].snapshot_ids, ElementsAre("snap-c55c6b5016f886ca8", "snap-2"));
}

TEST(Ec2DescribeImages, ImageIdsReplaceMaxResults) {
  FakeQueryCaller caller;
  caller.answer("<DescribeImagesResponse><imagesSet/></DescribeImagesResponse>");
  DescribeImagesRequest request;
  request.image_ids = {"ami-1"};
  ASSERT_TRUE(Ec2(caller, "us-east-1").describe_images(request));
  EXPECT_THAT(caller.calls()[0].params,
              UnorderedElementsAre(Pair("Owner.1", "self"), Pair("ImageId.1", "ami-1")));
}

// --- DescribeRegions ------------------------------------------------------------

TEST(Ec2DescribeRegions, ParsesRegions) {
  FakeQueryCaller caller;
  caller.answer(
      R"(<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><regionInfo><item><optInStatus>opt-in-not-required</optInStatus><regionName>eu-west-1</regionName><regionEndpoint>ec2.eu-west-1.amazonaws.com</regionEndpoint></item><item><optInStatus>not-opted-in</optInStatus><regionName>ap-east-1</regionName><regionEndpoint>ec2.ap-east-1.amazonaws.com</regionEndpoint></item></regionInfo><requestId>request-id</requestId></DescribeRegionsResponse>)");
  auto regions = Ec2(caller, "us-east-1").describe_regions();
  ASSERT_TRUE(regions);
  EXPECT_TRUE(caller.calls()[0].params.empty());
  ASSERT_EQ(regions->size(), 2u);
  EXPECT_EQ((*regions)[0].name, "eu-west-1");
  EXPECT_EQ((*regions)[0].endpoint, "ec2.eu-west-1.amazonaws.com");
  EXPECT_EQ((*regions)[1].opt_in_status, "not-opted-in");
}

TEST(Ec2DescribeRegions, AllRegionsFlagAndEmptyAnswer) {
  FakeQueryCaller caller;
  caller.answer("<DescribeRegionsResponse><regionInfo/></DescribeRegionsResponse>");
  auto regions = Ec2(caller, "us-east-1").describe_regions(true);
  ASSERT_FALSE(regions);
  EXPECT_EQ(regions.error().kind, ErrorKind::bad_response);
  EXPECT_THAT(caller.calls()[0].params, ElementsAre(Pair("AllRegions", "true")));
}

// --- CreateSnapshots / CreateSnapshot -------------------------------------------

TEST(Ec2CreateSnapshots, SendsEveryParameter) {
  FakeQueryCaller caller;
  caller.answer("<CreateSnapshotsResponse><snapshotSet/></CreateSnapshotsResponse>");
  CreateSnapshotsRequest request;
  request.instance_id = "i-1";
  request.exclude_boot_volume = true;
  request.exclude_data_volume_ids = {"vol-2", "vol-3"};
  request.description = "snapkeep nightly 2026-11-26T00:00:00Z";
  request.tags = {{"snapkeep:policy", "nightly"}, {"snapkeep:slot", "2026-11-26T00:00:00Z"}};
  request.copy_tags_from_volume = true;
  ASSERT_TRUE(Ec2(caller, "us-east-1").create_snapshots(request));
  EXPECT_EQ(caller.calls()[0].action, "CreateSnapshots");
  EXPECT_THAT(caller.calls()[0].params,
              UnorderedElementsAre(Pair("InstanceSpecification.InstanceId", "i-1"),
                                   Pair("InstanceSpecification.ExcludeBootVolume", "true"),
                                   Pair("InstanceSpecification.ExcludeDataVolumeId.1", "vol-2"),
                                   Pair("InstanceSpecification.ExcludeDataVolumeId.2", "vol-3"),
                                   Pair("Description", "snapkeep nightly 2026-11-26T00:00:00Z"),
                                   Pair("TagSpecification.1.ResourceType", "snapshot"),
                                   Pair("TagSpecification.1.Tag.1.Key", "snapkeep:policy"),
                                   Pair("TagSpecification.1.Tag.1.Value", "nightly"),
                                   Pair("TagSpecification.1.Tag.2.Key", "snapkeep:slot"),
                                   Pair("TagSpecification.1.Tag.2.Value", "2026-11-26T00:00:00Z"),
                                   Pair("CopyTagsFromSource", "volume")));
}

TEST(Ec2CreateSnapshots, MinimalRequestSendsOnlyTheInstance) {
  FakeQueryCaller caller;
  caller.answer("<CreateSnapshotsResponse><snapshotSet/></CreateSnapshotsResponse>");
  CreateSnapshotsRequest request;
  request.instance_id = "i-1";
  ASSERT_TRUE(Ec2(caller, "us-east-1").create_snapshots(request));
  EXPECT_THAT(caller.calls()[0].params,
              ElementsAre(Pair("InstanceSpecification.InstanceId", "i-1")));
}

TEST(Ec2CreateSnapshots, ParsesMotoItemsWithoutState) {
  FakeQueryCaller caller;
  caller.answer(R"(<?xml version="1.0" encoding="utf-8"?>
<CreateSnapshotsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><snapshotSet><item><description>d</description><tagSet><item><key>snapkeep:policy</key><value>p</value></item></tagSet><encrypted>false</encrypted><volumeId>vol-a4d86eafad8576630</volumeId><volumeSize>8</volumeSize><startTime>2026-11-26T12:05:21.000Z</startTime><progress>100%</progress><ownerId>123456789012</ownerId><snapshotId>snap-958576342b00e495f</snapshotId></item><item><description>d</description><tagSet><item><key>snapkeep:policy</key><value>p</value></item></tagSet><encrypted>false</encrypted><volumeId>vol-4cda517e20d4d4fb8</volumeId><volumeSize>10</volumeSize><startTime>2026-11-26T12:05:21.000Z</startTime><progress>100%</progress><ownerId>123456789012</ownerId><snapshotId>snap-fe00ae76134abab14</snapshotId></item></snapshotSet><requestId>request-id</requestId></CreateSnapshotsResponse>)");
  CreateSnapshotsRequest request;
  request.instance_id = "i-40b3b7db1880c47f8";
  auto snapshots = Ec2(caller, "us-east-1").create_snapshots(request);
  ASSERT_TRUE(snapshots) << snapshots.error().describe();
  ASSERT_EQ(snapshots->size(), 2u);
  EXPECT_EQ((*snapshots)[0].id, "snap-958576342b00e495f");
  EXPECT_EQ((*snapshots)[0].volume_id, "vol-a4d86eafad8576630");
  EXPECT_EQ((*snapshots)[0].state, "");
  EXPECT_EQ((*snapshots)[1].volume_size_gib, 10);
  EXPECT_THAT((*snapshots)[1].tags, ElementsAre(Tag{"snapkeep:policy", "p"}));
}

TEST(Ec2CreateSnapshots, ParsesAwsItemsWithState) {
  FakeQueryCaller caller;
  caller.answer(R"(<CreateSnapshotsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId>
    <snapshotSet><item><snapshotId>snap-1</snapshotId><volumeId>vol-1</volumeId><state>pending</state>
      <startTime>2026-11-26T00:00:01.5Z</startTime><progress></progress><ownerId>111122223333</ownerId>
      <volumeSize>100</volumeSize><encrypted>false</encrypted></item></snapshotSet>
  </CreateSnapshotsResponse>)");
  CreateSnapshotsRequest request;
  request.instance_id = "i-1";
  auto snapshots = Ec2(caller, "us-east-1").create_snapshots(request);
  ASSERT_TRUE(snapshots) << snapshots.error().describe();
  ASSERT_EQ(snapshots->size(), 1u);
  EXPECT_EQ((*snapshots)[0].state, "pending");
  EXPECT_EQ((*snapshots)[0].start_time, at("2026-11-26T00:00:01.500Z"));
}

TEST(Ec2CreateSnapshots, RefusesEmptyInstanceWithoutCalling) {
  FakeQueryCaller caller;
  auto result = Ec2(caller, "us-east-1").create_snapshots(CreateSnapshotsRequest{});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::invalid);
  EXPECT_TRUE(caller.calls().empty());
}

TEST(Ec2CreateSnapshot, SendsParametersAndParsesMotoAnswer) {
  FakeQueryCaller caller;
  caller.answer(R"(<?xml version="1.0" encoding="utf-8"?>
<CreateSnapshotResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><tagSet><item><key>k</key><value>v</value></item></tagSet><snapshotId>snap-9f395eac4ead7631c</snapshotId><volumeId>vol-4cda517e20d4d4fb8</volumeId><status>completed</status><startTime>2026-11-26T12:05:21.000Z</startTime><progress>100%</progress><ownerId>123456789012</ownerId><description>one</description><volumeSize>10</volumeSize><encrypted>false</encrypted><requestId>request-id</requestId></CreateSnapshotResponse>)");
  CreateSnapshotRequest request{"vol-4cda517e20d4d4fb8", "one", {{"k", "v"}}};
  auto snapshot = Ec2(caller, "us-east-1").create_snapshot(request);
  ASSERT_TRUE(snapshot) << snapshot.error().describe();
  EXPECT_THAT(
      caller.calls()[0].params,
      UnorderedElementsAre(Pair("VolumeId", "vol-4cda517e20d4d4fb8"), Pair("Description", "one"),
                           Pair("TagSpecification.1.ResourceType", "snapshot"),
                           Pair("TagSpecification.1.Tag.1.Key", "k"),
                           Pair("TagSpecification.1.Tag.1.Value", "v")));
  EXPECT_EQ(snapshot->id, "snap-9f395eac4ead7631c");
  EXPECT_EQ(snapshot->state, "completed");
  EXPECT_EQ(snapshot->volume_size_gib, 10);
  EXPECT_THAT(snapshot->tags, ElementsAre(Tag{"k", "v"}));
}

TEST(Ec2CreateSnapshot, AnswerWithoutSnapshotIdIsABadAnswer) {
  FakeQueryCaller caller;
  caller.answer(
      R"(<CreateSnapshotResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>x</requestId><volumeId>vol-1</volumeId><status>pending</status></CreateSnapshotResponse>)");
  auto snapshot = Ec2(caller, "us-east-1").create_snapshot(CreateSnapshotRequest{"vol-1", "", {}});
  ASSERT_FALSE(snapshot);
  EXPECT_EQ(snapshot.error().kind, ErrorKind::bad_response);
  EXPECT_EQ(snapshot.error().action, "CreateSnapshot");
  EXPECT_EQ(snapshot.error().message, "<snapshotId> is missing from <snapshot>");
}

TEST(Ec2CreateSnapshot, AnotherActionsAnswerIsABadAnswer) {
  FakeQueryCaller caller;
  caller.answer("<CreateSnapshotsResponse><snapshotSet/></CreateSnapshotsResponse>");
  auto snapshot = Ec2(caller, "us-east-1").create_snapshot(CreateSnapshotRequest{"vol-1", "", {}});
  ASSERT_FALSE(snapshot);
  EXPECT_EQ(snapshot.error().kind, ErrorKind::bad_response);
}

// --- DeleteSnapshot, CreateTags, ModifySnapshotAttribute -------------------------

TEST(Ec2DeleteSnapshot, SendsTheIdAndAcceptsAwsAndMotoAnswers) {
  FakeQueryCaller caller;
  caller.answer(
      R"(<DeleteSnapshotResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>59dbff89</requestId><return>true</return></DeleteSnapshotResponse>)");
  caller.answer(
      R"(<DeleteSnapshotResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><requestId>request-id</requestId></DeleteSnapshotResponse>)");
  Ec2 ec2(caller, "us-east-1");
  EXPECT_TRUE(ec2.delete_snapshot("snap-1"));
  EXPECT_TRUE(ec2.delete_snapshot("snap-2"));
  EXPECT_THAT(caller.calls()[0].params, ElementsAre(Pair("SnapshotId", "snap-1")));
  EXPECT_THAT(caller.calls()[1].params, ElementsAre(Pair("SnapshotId", "snap-2")));
}

TEST(Ec2DeleteSnapshot, ReturnFalseAndErrorsAreFailures) {
  FakeQueryCaller caller;
  caller.answer("<DeleteSnapshotResponse><return>false</return></DeleteSnapshotResponse>");
  AwsError in_use;
  in_use.kind = ErrorKind::in_use;
  in_use.code = "InvalidSnapshot.InUse";
  caller.fail(in_use);
  Ec2 ec2(caller, "us-east-1");
  auto first = ec2.delete_snapshot("snap-1");
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().kind, ErrorKind::bad_response);
  auto second = ec2.delete_snapshot("snap-1");
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind, ErrorKind::in_use);
}

TEST(Ec2CreateTags, SendsResourcesAndTags) {
  FakeQueryCaller caller;
  caller.answer(
      R"(<CreateTagsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><requestId>request-id</requestId></CreateTagsResponse>)");
  ASSERT_TRUE(
      Ec2(caller, "us-east-1")
          .create_tags({"snap-1", "snap-2"}, {{"snapkeep:device", "/dev/xvda"}, {"a", ""}}));
  EXPECT_EQ(caller.calls()[0].action, "CreateTags");
  EXPECT_THAT(
      caller.calls()[0].params,
      UnorderedElementsAre(Pair("ResourceId.1", "snap-1"), Pair("ResourceId.2", "snap-2"),
                           Pair("Tag.1.Key", "snapkeep:device"), Pair("Tag.1.Value", "/dev/xvda"),
                           Pair("Tag.2.Key", "a"), Pair("Tag.2.Value", "")));
}

TEST(Ec2CreateTags, RefusesEmptyListsWithoutCalling) {
  FakeQueryCaller caller;
  Ec2 ec2(caller, "us-east-1");
  EXPECT_FALSE(ec2.create_tags({}, {{"a", "b"}}));
  EXPECT_FALSE(ec2.create_tags({"snap-1"}, {}));
  EXPECT_TRUE(caller.calls().empty());
}

TEST(Ec2ModifySnapshotPermission, AddAndRemove) {
  FakeQueryCaller caller;
  caller.answer(
      "<ModifySnapshotAttributeResponse><return>true</return></ModifySnapshotAttributeResponse>");
  caller.answer(
      "<ModifySnapshotAttributeResponse><return>true</return></ModifySnapshotAttributeResponse>");
  Ec2 ec2(caller, "us-east-1");
  ASSERT_TRUE(ec2.modify_snapshot_permission(
      {"snap-1", PermissionOperation::add, {"111122223333", "444455556666"}, {}}));
  ASSERT_TRUE(ec2.modify_snapshot_permission({"snap-1", PermissionOperation::remove, {}, {"all"}}));
  EXPECT_THAT(caller.calls()[0].params,
              UnorderedElementsAre(Pair("SnapshotId", "snap-1"),
                                   Pair("Attribute", "createVolumePermission"),
                                   Pair("OperationType", "add"), Pair("UserId.1", "111122223333"),
                                   Pair("UserId.2", "444455556666")));
  EXPECT_THAT(caller.calls()[1].params,
              UnorderedElementsAre(Pair("SnapshotId", "snap-1"),
                                   Pair("Attribute", "createVolumePermission"),
                                   Pair("OperationType", "remove"), Pair("UserGroup.1", "all")));
}

// --- CopySnapshot ---------------------------------------------------------------

constexpr const char* kMotoCopy = R"(<?xml version="1.0" encoding="utf-8"?>
<CopySnapshotResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><tagSet><item><key>a</key><value>b</value></item></tagSet><snapshotId>snap-b55e8978fb88a14e1</snapshotId><requestId>request-id</requestId></CopySnapshotResponse>)";

TEST(Ec2CopySnapshot, WithoutPresignerAnUnencryptedSourceSendsNoPresignedUrl) {
  FakeQueryCaller caller;
  caller.answer(kMotoCopy);
  Ec2 ec2(caller, "us-west-2");
  CopySnapshotRequest request;
  request.source_region = "us-east-1";
  request.source_snapshot_id = "snap-1";
  request.description = "copy of snap-1";
  request.tags = {{"a", "b"}};
  auto copy = ec2.copy_snapshot(request);
  ASSERT_TRUE(copy) << copy.error().describe();
  EXPECT_EQ(copy->snapshot_id, "snap-b55e8978fb88a14e1");
  EXPECT_THAT(copy->tags, ElementsAre(Tag{"a", "b"}));
  EXPECT_THAT(
      caller.calls()[0].params,
      UnorderedElementsAre(Pair("SourceRegion", "us-east-1"), Pair("SourceSnapshotId", "snap-1"),
                           Pair("Description", "copy of snap-1"),
                           Pair("TagSpecification.1.ResourceType", "snapshot"),
                           Pair("TagSpecification.1.Tag.1.Key", "a"),
                           Pair("TagSpecification.1.Tag.1.Value", "b")));
}

// botocore's inject_presigned_url_ec2 adds PresignedUrl and DestinationRegion
// to every CopySnapshot, encrypted source or not (reference A.2).
TEST(Ec2CopySnapshot, WithPresignerEveryCopyIsPresignedLikeBotocore) {
  FakeQueryCaller caller;
  caller.answer(kMotoCopy);
  QueryParams presign_params;
  Ec2 ec2(caller, "us-west-2",
          [&](std::string_view, const QueryParams& params) -> Result<std::string> {
            presign_params = params;
            return std::string("https://ec2.us-east-1.amazonaws.com/?X-Amz-Signature=abc");
          });
  CopySnapshotRequest request;
  request.source_region = "us-east-1";
  request.source_snapshot_id = "snap-1";
  request.tags = {{"a", "b"}};
  ASSERT_TRUE(ec2.copy_snapshot(request));
  EXPECT_THAT(presign_params,
              ElementsAre(Pair("Action", "CopySnapshot"), Pair("Version", "2016-11-15"),
                          Pair("SourceRegion", "us-east-1"), Pair("SourceSnapshotId", "snap-1"),
                          Pair("TagSpecification.1.ResourceType", "snapshot"),
                          Pair("TagSpecification.1.Tag.1.Key", "a"),
                          Pair("TagSpecification.1.Tag.1.Value", "b"),
                          Pair("DestinationRegion", "us-west-2")));
  EXPECT_THAT(
      caller.calls()[0].params,
      Contains(Pair("PresignedUrl", "https://ec2.us-east-1.amazonaws.com/?X-Amz-Signature=abc")));
  EXPECT_THAT(caller.calls()[0].params, Contains(Pair("DestinationRegion", "us-west-2")));
}

TEST(Ec2CopySnapshot, EncryptedSourceIsPresignedForTheSourceRegion) {
  FakeQueryCaller caller;
  caller.answer(kMotoCopy);
  std::string presign_region;
  QueryParams presign_params;
  Ec2 ec2(caller, "us-west-2",
          [&](std::string_view region, const QueryParams& params) -> Result<std::string> {
            presign_region = region;
            presign_params = params;
            return std::string(
                "https://ec2.us-east-1.amazonaws.com/?Action=CopySnapshot&X-Amz-Signature=abc");
          });
  CopySnapshotRequest request;
  request.source_region = "us-east-1";
  request.source_snapshot_id = "snap-1";
  request.encrypted = true;
  request.kms_key_id = "alias/dr";
  request.source_encrypted = true;
  ASSERT_TRUE(ec2.copy_snapshot(request));
  EXPECT_EQ(presign_region, "us-east-1");
  EXPECT_THAT(presign_params,
              ElementsAre(Pair("Action", "CopySnapshot"), Pair("Version", "2016-11-15"),
                          Pair("SourceRegion", "us-east-1"), Pair("SourceSnapshotId", "snap-1"),
                          Pair("Encrypted", "true"), Pair("KmsKeyId", "alias/dr"),
                          Pair("DestinationRegion", "us-west-2")));
  EXPECT_THAT(
      caller.calls()[0].params,
      UnorderedElementsAre(
          Pair("SourceRegion", "us-east-1"), Pair("SourceSnapshotId", "snap-1"),
          Pair("Encrypted", "true"), Pair("KmsKeyId", "alias/dr"),
          Pair("PresignedUrl",
               "https://ec2.us-east-1.amazonaws.com/?Action=CopySnapshot&X-Amz-Signature=abc"),
          Pair("DestinationRegion", "us-west-2")));
}

TEST(Ec2CopySnapshot, EncryptedSourceWithoutPresignerFailsWithoutCalling) {
  FakeQueryCaller caller;
  CopySnapshotRequest request;
  request.source_region = "us-east-1";
  request.source_snapshot_id = "snap-1";
  request.source_encrypted = true;
  auto copy = Ec2(caller, "us-west-2").copy_snapshot(request);
  ASSERT_FALSE(copy);
  EXPECT_EQ(copy.error().kind, ErrorKind::invalid);
  EXPECT_TRUE(caller.calls().empty());
}

TEST(Ec2CopySnapshot, PresignerFailureIsReturned) {
  FakeQueryCaller caller;
  Ec2 ec2(caller, "us-west-2", [](std::string_view, const QueryParams&) -> Result<std::string> {
    AwsError error;
    error.kind = ErrorKind::credentials;
    return unexpected(error);
  });
  CopySnapshotRequest request{"us-east-1", "snap-1", "", false, "", {}, true};
  auto copy = ec2.copy_snapshot(request);
  ASSERT_FALSE(copy);
  EXPECT_EQ(copy.error().kind, ErrorKind::credentials);
  EXPECT_TRUE(caller.calls().empty());
}

TEST(Ec2CopySnapshot, KmsKeyWithoutEncryptedIsRefused) {
  FakeQueryCaller caller;
  CopySnapshotRequest request{"us-east-1", "snap-1", "", false, "alias/dr", {}, false};
  auto copy = Ec2(caller, "us-west-2").copy_snapshot(request);
  ASSERT_FALSE(copy);
  EXPECT_EQ(copy.error().kind, ErrorKind::invalid);
  EXPECT_TRUE(caller.calls().empty());
}

TEST(Ec2CopySnapshot, AnswerWithoutSnapshotIdIsABadAnswer) {
  FakeQueryCaller caller;
  caller.answer("<CopySnapshotResponse><tagSet/></CopySnapshotResponse>");
  auto copy =
      Ec2(caller, "us-west-2").copy_snapshot({"us-east-1", "snap-1", "", false, "", {}, false});
  ASSERT_FALSE(copy);
  EXPECT_EQ(copy.error().kind, ErrorKind::bad_response);
}

// --- CreateVolume, AttachVolume -------------------------------------------------

TEST(Ec2CreateVolume, SendsParametersAndParsesMotoAnswer) {
  FakeQueryCaller caller;
  caller.answer(R"(<?xml version="1.0" encoding="utf-8"?>
<CreateVolumeResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><tagSet><item><key>Name</key><value>data</value></item></tagSet><volumeType>gp3</volumeType><volumeId>vol-4cda517e20d4d4fb8</volumeId><size>10</size><snapshotId>snap-1</snapshotId><availabilityZone>us-east-1a</availabilityZone><status>creating</status><createTime>2026-11-26T12:05:21.000Z</createTime><attachmentSet/><encrypted>true</encrypted><requestId>request-id</requestId></CreateVolumeResponse>)");
  CreateVolumeRequest request;
  request.availability_zone = "us-east-1a";
  request.snapshot_id = "snap-1";
  request.size_gib = 10;
  request.volume_type = "gp3";
  request.encrypted = true;
  request.tags = {{"Name", "data"}};
  auto volume = Ec2(caller, "us-east-1").create_volume(request);
  ASSERT_TRUE(volume) << volume.error().describe();
  EXPECT_THAT(
      caller.calls()[0].params,
      UnorderedElementsAre(Pair("AvailabilityZone", "us-east-1a"), Pair("SnapshotId", "snap-1"),
                           Pair("Size", "10"), Pair("VolumeType", "gp3"), Pair("Encrypted", "true"),
                           Pair("TagSpecification.1.ResourceType", "volume"),
                           Pair("TagSpecification.1.Tag.1.Key", "Name"),
                           Pair("TagSpecification.1.Tag.1.Value", "data")));
  EXPECT_EQ(volume->id, "vol-4cda517e20d4d4fb8");
  EXPECT_EQ(volume->state, "creating");
  EXPECT_EQ(volume->size_gib, 10);
  EXPECT_TRUE(volume->encrypted);
  EXPECT_EQ(volume->snapshot_id, "snap-1");
}

TEST(Ec2AttachVolume, SendsParametersAndParsesMotoAnswer) {
  FakeQueryCaller caller;
  caller.answer(R"(<?xml version="1.0" encoding="utf-8"?>
<AttachVolumeResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><volumeId>vol-4</volumeId><instanceId>i-4</instanceId><device>/dev/sdf</device><status>attaching</status><attachTime>2026-11-26T12:05:21.000Z</attachTime><requestId>request-id</requestId></AttachVolumeResponse>)");
  auto attachment = Ec2(caller, "us-east-1").attach_volume({"vol-4", "i-4", "/dev/sdf"});
  ASSERT_TRUE(attachment) << attachment.error().describe();
  EXPECT_THAT(caller.calls()[0].params,
              UnorderedElementsAre(Pair("VolumeId", "vol-4"), Pair("InstanceId", "i-4"),
                                   Pair("Device", "/dev/sdf")));
  EXPECT_EQ(attachment->volume_id, "vol-4");
  EXPECT_EQ(attachment->instance_id, "i-4");
  EXPECT_EQ(attachment->device, "/dev/sdf");
  EXPECT_EQ(attachment->state, "attaching");
}

// --- DescribeSnapshots: RestorableBy and the state message of a failed copy ---

TEST(Ec2DescribeSnapshots, RestorableByAndStateMessage) {
  FakeQueryCaller caller;
  caller.answer(R"(<DescribeSnapshotsResponse><snapshotSet><item><snapshotId>snap-1</snapshotId>
<status>error</status><statusMessage>Given key ID is not accessible</statusMessage>
</item></snapshotSet></DescribeSnapshotsResponse>)");
  Ec2 ec2(caller, "us-east-1");
  DescribeSnapshotsRequest request;
  request.restorable_by = {"222222222222"};
  auto listed = ec2.describe_snapshots(request);
  ASSERT_TRUE(listed) << listed.error().describe();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].state, "error");
  EXPECT_EQ((*listed)[0].state_message, "Given key ID is not accessible");
  EXPECT_THAT(caller.calls()[0].params,
              UnorderedElementsAre(Pair("Owner.1", "self"), Pair("RestorableBy.1", "222222222222"),
                                   Pair("MaxResults", "1000")));
}

// --- restore: the exact Query parameters botocore's serializer sends ---------

TEST(Ec2Restore, CreateVolumeSendsPerformanceAndClientToken) {
  FakeQueryCaller caller;
  caller.answer(
      R"(<CreateVolumeResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><volumeId>vol-1</volumeId><size>100</size><volumeType>io2</volumeType><iops>5000</iops><status>creating</status></CreateVolumeResponse>)");
  CreateVolumeRequest request;
  request.availability_zone = "us-east-1b";
  request.snapshot_id = "snap-1";
  request.volume_type = "io2";
  request.iops = 5000;
  request.client_token = "r-1-abc";
  auto volume = Ec2(caller, "us-east-1").create_volume(request);
  ASSERT_TRUE(volume) << volume.error().describe();
  EXPECT_THAT(caller.calls()[0].params,
              UnorderedElementsAre(Pair("AvailabilityZone", "us-east-1b"),
                                   Pair("SnapshotId", "snap-1"), Pair("VolumeType", "io2"),
                                   Pair("Iops", "5000"), Pair("ClientToken", "r-1-abc")));
  EXPECT_EQ(volume->iops, 5000);
}

TEST(Ec2Restore, RegisterImageSendsEveryRecordedAttribute) {
  FakeQueryCaller caller;
  caller.answer(
      R"(<RegisterImageResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><imageId>ami-1</imageId></RegisterImageResponse>)");
  RegisterImageRequest request;
  request.name = "snapkeep-i-1-r-1";
  request.root_device_name = "/dev/xvda";
  request.architecture = "arm64";
  request.virtualization_type = "hvm";
  request.ena_support = "true";
  request.boot_mode = "uefi";
  request.mappings = {{"/dev/xvda", "snap-1", 0, "gp3", 4000, 250, true},
                      {"/dev/sdf", "snap-2", 0, "io2", 5000, 0, false}};
  request.tags = {{"snapkeep:restore-id", "r-1"}};
  auto image = Ec2(caller, "us-east-1").register_image(request);
  ASSERT_TRUE(image) << image.error().describe();
  EXPECT_EQ(*image, "ami-1");
  EXPECT_THAT(
      caller.calls()[0].params,
      UnorderedElementsAre(Pair("Name", "snapkeep-i-1-r-1"), Pair("RootDeviceName", "/dev/xvda"),
                           Pair("Architecture", "arm64"), Pair("VirtualizationType", "hvm"),
                           Pair("EnaSupport", "true"), Pair("BootMode", "uefi"),
                           Pair("BlockDeviceMapping.1.DeviceName", "/dev/xvda"),
                           Pair("BlockDeviceMapping.1.Ebs.SnapshotId", "snap-1"),
                           Pair("BlockDeviceMapping.1.Ebs.VolumeType", "gp3"),
                           Pair("BlockDeviceMapping.1.Ebs.Iops", "4000"),
                           Pair("BlockDeviceMapping.1.Ebs.Throughput", "250"),
                           Pair("BlockDeviceMapping.1.Ebs.DeleteOnTermination", "true"),
                           Pair("BlockDeviceMapping.2.DeviceName", "/dev/sdf"),
                           Pair("BlockDeviceMapping.2.Ebs.SnapshotId", "snap-2"),
                           Pair("BlockDeviceMapping.2.Ebs.VolumeType", "io2"),
                           Pair("BlockDeviceMapping.2.Ebs.Iops", "5000"),
                           Pair("BlockDeviceMapping.2.Ebs.DeleteOnTermination", "false"),
                           Pair("TagSpecification.1.ResourceType", "image"),
                           Pair("TagSpecification.1.Tag.1.Key", "snapkeep:restore-id"),
                           Pair("TagSpecification.1.Tag.1.Value", "r-1")));
}

TEST(Ec2Restore, RunInstancesSendsNetworkTagsAndToken) {
  FakeQueryCaller caller;
  caller.answer(
      R"(<RunInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><reservationId>r-1</reservationId><instancesSet><item><instanceId>i-9</instanceId><instanceState><code>0</code><name>pending</name></instanceState><instanceType>m6g.large</instanceType><architecture>arm64</architecture><subnetId>subnet-1</subnetId><groupSet><item><groupId>sg-1</groupId></item></groupSet></item></instancesSet></RunInstancesResponse>)");
  RunInstancesRequest request;
  request.image_id = "ami-1";
  request.instance_type = "m6g.large";
  request.subnet_id = "subnet-1";
  request.security_group_ids = {"sg-1", "sg-2"};
  request.tags = {{"snapkeep:restore-id", "r-1"}};
  request.volume_tags = {{"snapkeep:restore-id", "r-1"}};
  request.client_token = "r-1";
  auto instance = Ec2(caller, "us-east-1").run_instances(request);
  ASSERT_TRUE(instance) << instance.error().describe();
  EXPECT_EQ(instance->id, "i-9");
  EXPECT_EQ(instance->state, "pending");
  EXPECT_EQ(instance->architecture, "arm64");
  EXPECT_EQ(instance->security_group_ids, std::vector<std::string>{"sg-1"});
  EXPECT_THAT(
      caller.calls()[0].params,
      UnorderedElementsAre(
          Pair("ImageId", "ami-1"), Pair("InstanceType", "m6g.large"), Pair("MinCount", "1"),
          Pair("MaxCount", "1"), Pair("SubnetId", "subnet-1"), Pair("SecurityGroupId.1", "sg-1"),
          Pair("SecurityGroupId.2", "sg-2"), Pair("TagSpecification.1.ResourceType", "instance"),
          Pair("TagSpecification.1.Tag.1.Key", "snapkeep:restore-id"),
          Pair("TagSpecification.1.Tag.1.Value", "r-1"),
          Pair("TagSpecification.2.ResourceType", "volume"),
          Pair("TagSpecification.2.Tag.1.Key", "snapkeep:restore-id"),
          Pair("TagSpecification.2.Tag.1.Value", "r-1"), Pair("ClientToken", "r-1")));
}

}  // namespace
}  // namespace snapkeep::aws
