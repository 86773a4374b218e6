// core/restore_tags and core/restore: the metadata written at backup time,
// and every decision a restore makes before it creates anything.
#include "core/restore.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/restore_tags.h"

namespace snapkeep::core {
namespace {

Instance web_instance() {
  Instance i;
  i.id = "i-1";
  i.availability_zone = "us-east-1b";
  i.instance_type = "m6g.large";
  i.architecture = "arm64";
  i.virtualization_type = "hvm";
  i.ena_support = "true";
  i.boot_mode = "uefi";
  i.root_device = "/dev/xvda";
  i.image_id = "ami-0123456789abcdef0";
  return i;
}

Volume volume(std::string device, std::string type, int iops, int throughput, int size) {
  Volume v;
  v.id = "vol-" + device.substr(5);
  v.device = std::move(device);
  v.type = std::move(type);
  v.iops = iops;
  v.throughput = throughput;
  v.size_gib = size;
  v.tags_known = true;
  return v;
}

TEST(RestoreTags, InstanceMetaRoundTrips) {
  auto meta = instance_meta_of(web_instance());
  std::string text = format_instance_meta(meta);
  EXPECT_EQ(text,
            "az=us-east-1b type=m6g.large arch=arm64 virt=hvm ena=true boot=uefi root=/dev/xvda "
            "ami=ami-0123456789abcdef0");
  EXPECT_LE(utf8_length(text), max_tag_value_chars);
  EXPECT_EQ(parse_instance_meta(text), meta);
  EXPECT_FALSE(parse_instance_meta(""));
  EXPECT_FALSE(parse_instance_meta("garbage"));
  // A newer snapkeep's extra field is ignored, not an error.
  auto newer = parse_instance_meta(text + " future=1");
  ASSERT_TRUE(newer);
  EXPECT_EQ(newer->instance_type, "m6g.large");
}

TEST(RestoreTags, VolumesRoundTripAndSplitUnder256Characters) {
  std::vector<Volume> volumes = {volume("/dev/xvda", "gp3", 3000, 125, 8)};
  for (char c = 'f'; c <= 'z'; ++c) {
    volumes.push_back(volume(std::string("/dev/sd") + c, "io2", 64000, 0, 16384));
  }
  std::vector<std::string> warnings;
  Tags tags = restore_tags(web_instance(), volumes, 10, warnings);
  EXPECT_TRUE(warnings.empty());
  EXPECT_GT(tags.size(), 3u);  // 22 volumes do not fit one value
  for (const auto& [k, v] : tags) {
    EXPECT_LE(utf8_length(k), max_tag_key_chars);
    EXPECT_LE(utf8_length(v), max_tag_value_chars) << k;
  }
  EXPECT_TRUE(tags.contains("snapkeep:volumes:2"));
  auto parsed = parse_volume_tags(tags);
  ASSERT_EQ(parsed.size(), volumes.size());
  EXPECT_EQ(parsed["/dev/xvda"], (VolumeMeta{"/dev/xvda", "gp3", 3000, 125, 8}));
  EXPECT_EQ(parsed["/dev/sdz"], (VolumeMeta{"/dev/sdz", "io2", 64000, 0, 16384}));
}

TEST(RestoreTags, StaysWithinTheRoomGivenAndSaysWhatWasDropped) {
  std::vector<Volume> volumes;
  for (char c = 'f'; c <= 'z'; ++c) {
    volumes.push_back(volume(std::string("/dev/sd") + c, "io2", 64000, 0, 16384));
  }
  std::vector<std::string> warnings;
  Tags tags = restore_tags(web_instance(), volumes, 2, warnings);
  EXPECT_EQ(tags.size(), 2u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("not recorded"), std::string::npos);
  warnings.clear();
  EXPECT_TRUE(restore_tags(web_instance(), volumes, 0, warnings).empty());
  EXPECT_EQ(warnings.size(), 1u);
}

TEST(RestoreTags, IsRestoreTagNamesTheMetadataTagsOnly) {
  EXPECT_TRUE(is_restore_tag("snapkeep:instance-meta"));
  EXPECT_TRUE(is_restore_tag("snapkeep:volumes"));
  EXPECT_TRUE(is_restore_tag("snapkeep:volumes:2"));
  EXPECT_FALSE(is_restore_tag("snapkeep:volumesx"));
  EXPECT_FALSE(is_restore_tag("snapkeep:device"));
  EXPECT_FALSE(is_restore_tag("snapkeep:copy-of"));
  EXPECT_FALSE(is_restore_tag("Name"));
}

TEST(RestoreTags, CountsTheDevicesThatParseVolumeTagsKeeps) {
  EXPECT_EQ(count_volume_entries("/dev/xvda=gp3:3000:125:8 /dev/sdf=io2:5000:0:100"), 2u);
  EXPECT_EQ(count_volume_entries(""), 0u);
  // Malformed entries (no device, a missing field) name no device to restore.
  EXPECT_EQ(count_volume_entries("/dev/xvda=gp3:3000:125:8  =gp3:0:0:8 /dev/sdg=gp3:1:2"), 1u);
  core::SnapshotTags tags;
  EXPECT_TRUE(tags.set_tag("snapkeep:volumes", "/dev/xvda=gp3:3000:125:8"));
  EXPECT_TRUE(tags.set_tag("snapkeep:volumes:1", "/dev/sdf=gp3:0:0:8 /dev/sdg=gp3:0:0:8"));
  EXPECT_EQ(tags.volumes, 3);
  const Tags both{{"snapkeep:volumes", "/dev/xvda=gp3:3000:125:8"},
                  {"snapkeep:volumes:1", "/dev/sdf=gp3:0:0:8 /dev/sdg=gp3:0:0:8"}};
  EXPECT_EQ(parse_volume_tags(both).size(), 3u);
}

TEST(RestoreTags, UndescribedVolumesAreLeftOut) {
  Volume v;
  v.id = "vol-1";
  v.device = "/dev/xvda";
  std::vector<std::string> warnings;
  Tags tags = restore_tags(web_instance(), std::vector<Volume>{v}, 10, warnings);
  EXPECT_EQ(tags.size(), 1u);
  EXPECT_TRUE(tags.contains("snapkeep:instance-meta"));
}

// --- the restore decisions

SourceSnapshot source(std::string id, std::string slot, std::string set, std::string device,
                      SnapshotState state = SnapshotState::completed, bool meta = true) {
  SourceSnapshot s;
  s.id = std::move(id);
  s.state = state;
  s.size_gib = device == "/dev/xvda" ? 8 : 20;
  s.region = "us-east-1";
  s.tags = {{"snapkeep:policy", "nightly"}, {"snapkeep:instance", "i-1"}, {"snapkeep:slot", slot},
            {"snapkeep:set", set},          {"snapkeep:device", device},  {"Team", "web"},
            {"aws:backup:x", "y"}};
  if (meta) {
    s.tags["snapkeep:instance-meta"] =
        "az=us-east-1b type=m6g.large arch=arm64 virt=hvm ena=true boot=uefi root=/dev/xvda";
    s.tags["snapkeep:volumes"] = "/dev/xvda=gp3:4000:250:8 /dev/sdf=io2:5000:0:20";
  }
  return s;
}

std::vector<Candidate> fleet() {
  std::vector<SourceSnapshot> s = {
      source("snap-1", "2026-11-01T00:00:00Z", "a", "/dev/xvda", SnapshotState::completed, false),
      source("snap-2", "2026-11-01T00:00:00Z", "a", "/dev/sdf", SnapshotState::completed, false),
      source("snap-3", "2026-11-02T00:00:00Z", "b", "/dev/xvda"),
      source("snap-4", "2026-11-02T00:00:00Z", "b", "/dev/sdf"),
      source("snap-5", "2026-11-03T00:00:00Z", "c", "/dev/xvda", SnapshotState::pending),
      source("snap-6", "2026-11-03T00:00:00Z", "c", "/dev/sdf"),
  };
  return restore_candidates(s);
}

RestoreRequest request(RestoreKind kind = RestoreKind::volumes) {
  RestoreRequest r;
  r.instance_id = "i-1";
  r.kind = kind;
  return r;
}

TEST(RestoreSelect, LatestIsTheNewestCompletePoint) {
  auto candidates = fleet();
  ASSERT_EQ(candidates.size(), 3u);
  auto chosen = select_point(candidates, request());
  ASSERT_TRUE(chosen) << chosen.error().message;
  EXPECT_EQ((*chosen)->set_id, "b");
  ASSERT_TRUE((*chosen)->meta);
  EXPECT_EQ((*chosen)->meta->instance_type, "m6g.large");
}

TEST(RestoreSelect, NamedSlotAndRefusals) {
  auto candidates = fleet();
  auto r = request();
  r.slot = "2026-11-01T00:00:00Z";
  auto chosen = select_point(candidates, r);
  ASSERT_TRUE(chosen);
  EXPECT_EQ((*chosen)->set_id, "a");
  EXPECT_FALSE((*chosen)->meta);

  r.slot = "2026-11-09T00:00:00Z";
  auto unknown = select_point(candidates, r);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("2026-11-02T00:00:00Z  nightly  good  2 volumes"),
            std::string::npos)
      << unknown.error().message;

  r.slot = "2026-11-03T00:00:00Z";
  auto pending = select_point(candidates, r);
  ASSERT_FALSE(pending);
  EXPECT_NE(pending.error().message.find("snap-5 (/dev/xvda) is pending"), std::string::npos)
      << pending.error().message;

  r = request();
  r.instance_id = "i-9";
  EXPECT_FALSE(select_point(candidates, r));
}

TEST(RestoreRequestCheck, RefusesBadFlagCombinations) {
  auto r = request();
  r.slot = "yesterday";
  EXPECT_TRUE(check_request(r));
  r = request();
  r.device_map = {{"/dev/sdf", "/dev/sdh"}};
  EXPECT_TRUE(check_request(r));
  r = request();
  r.instance_type = "m5.large";
  EXPECT_TRUE(check_request(r));
  r = request();
  r.volume_type = "gp9";
  EXPECT_TRUE(check_request(r));
  r = request(RestoreKind::launch);
  r.instance_type = "m5.large";
  EXPECT_FALSE(check_request(r));
}

TEST(RestorePlan, VolumesUseTheRecordedZoneTypeAndTokens) {
  auto candidates = fleet();
  auto r = request();
  const Candidate& point = candidates[1];
  std::string id = restore_id(point, r);
  EXPECT_EQ(id, restore_id(point, r)) << "the identity is stable";
  auto plan = plan_volumes(point, r, id);
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->availability_zone, "us-east-1b");
  ASSERT_EQ(plan->volumes.size(), 2u);
  const auto& sdf = plan->volumes[0];
  EXPECT_EQ(sdf.device, "/dev/sdf");
  EXPECT_EQ(sdf.type, "io2");
  EXPECT_EQ(sdf.iops, 5000);
  EXPECT_EQ(sdf.throughput, 0);
  const auto& root = plan->volumes[1];
  EXPECT_EQ(root.type, "gp3");
  EXPECT_EQ(root.iops, 4000);
  EXPECT_EQ(root.throughput, 250);
  EXPECT_NE(sdf.client_token, root.client_token);
  EXPECT_LE(sdf.client_token.size(), 64u);
  EXPECT_EQ(sdf.tags.at("snapkeep:restored-from"), "b");
  EXPECT_EQ(sdf.tags.at("snapkeep:restore-id"), id);
  EXPECT_EQ(sdf.tags.at("Team"), "web");
  EXPECT_FALSE(sdf.tags.contains("snapkeep:policy")) << "a volume is not a restore point";
  EXPECT_FALSE(sdf.tags.contains("aws:backup:x"));

  r.volume_type = "gp3";
  auto gp3 = plan_volumes(point, r, id);
  ASSERT_TRUE(gp3);
  EXPECT_EQ(gp3->volumes[0].type, "gp3");
  EXPECT_EQ(gp3->volumes[0].iops, 0) << "io2's iops are not gp3's";
  r.volume_type = "io1";
  r.devices = {"/dev/xvda"};
  EXPECT_FALSE(plan_volumes(point, r, id)) << "no recorded iops for an io1 root";
}

TEST(RestorePlan, OldPointsNeedAZoneAndRestoreAsGp3) {
  auto candidates = fleet();
  const Candidate& old = candidates[0];
  auto r = request();
  auto refused = plan_volumes(old, r, "r-1");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("--availability-zone"), std::string::npos);
  r.availability_zone = "us-east-1a";
  auto plan = plan_volumes(old, r, "r-1");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->volumes[0].type, "gp3");
  EXPECT_EQ(plan->notes.size(), 2u);
}

TEST(RestoreAttach, RefusesZoneStateAndTakenDevices) {
  auto candidates = fleet();
  auto r = request(RestoreKind::attach);
  r.attach_to = "i-2";
  auto plan = plan_volumes(candidates[1], r, "r-1");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->volumes[0].attach_device, "/dev/sdf");
  TargetInstance target{"i-2", InstanceState::stopped, "us-east-1b", {{"/dev/xvda", "vol-9"}}};
  auto taken = check_attach(*plan, target, {});
  ASSERT_TRUE(taken);
  EXPECT_NE(taken->message.find("/dev/xvda (by vol-9)"), std::string::npos) << taken->message;
  EXPECT_FALSE(check_attach(*plan, target, {"vol-9"})) << "ours from an earlier run";

  r.device_map = {{"/dev/xvda", "/dev/sdh"}};
  plan = plan_volumes(candidates[1], r, "r-1");
  ASSERT_TRUE(plan);
  EXPECT_FALSE(check_attach(*plan, target, {}));
  target.availability_zone = "us-east-1a";
  auto zone = check_attach(*plan, target, {});
  ASSERT_TRUE(zone);
  EXPECT_NE(zone->message.find("--availability-zone us-east-1a"), std::string::npos);
  target.availability_zone = "us-east-1b";
  target.state = InstanceState::pending;
  EXPECT_TRUE(check_attach(*plan, target, {}));

  r.device_map = {{"/dev/xvda", "/dev/sdf"}};
  EXPECT_FALSE(plan_volumes(candidates[1], r, "r-1")) << "two volumes at /dev/sdf";
}

TEST(RestoreLaunch, RegistersWhatWasRecordedAndDefaultsToTheSourceNetwork) {
  auto candidates = fleet();
  auto r = request(RestoreKind::launch);
  auto no_network = plan_launch(candidates[1], r, "r-1", std::nullopt);
  ASSERT_FALSE(no_network);
  EXPECT_NE(no_network.error().message.find("--subnet-id"), std::string::npos);
  auto plan = plan_launch(candidates[1], r, "r-1", SourceInstance{"subnet-1", {"sg-1", "sg-2"}});
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->root_device, "/dev/xvda");
  EXPECT_EQ(plan->architecture, "arm64");
  EXPECT_EQ(plan->virtualization_type, "hvm");
  EXPECT_EQ(plan->ena_support, "true");
  EXPECT_EQ(plan->boot_mode, "uefi");
  EXPECT_EQ(plan->instance_type, "m6g.large");
  EXPECT_EQ(plan->subnet_id, "subnet-1");
  EXPECT_EQ(plan->security_group_ids, (std::vector<std::string>{"sg-1", "sg-2"}));
  ASSERT_EQ(plan->mappings.size(), 2u);
  EXPECT_EQ(plan->mappings[0].device, "/dev/xvda") << "root first";
  EXPECT_GE(plan->image_name.size(), 3u);
  EXPECT_LE(plan->image_name.size(), 128u);

  r.devices = {"/dev/sdf"};
  auto no_root = plan_launch(candidates[1], r, "r-1", SourceInstance{"subnet-1", {}});
  ASSERT_FALSE(no_root);
  EXPECT_NE(no_root.error().message.find("cannot boot"), std::string::npos);
}

TEST(RestoreLaunch, OldPointsSayWhichOptionsTheyNeed) {
  auto candidates = fleet();
  auto r = request(RestoreKind::launch);
  r.subnet_id = "subnet-1";
  auto refused = plan_launch(candidates[0], r, "r-1", std::nullopt);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find(
                "--instance-type --architecture --virtualization-type --root-device"),
            std::string::npos)
      << refused.error().message;
  r.instance_type = "t3.micro";
  r.architecture = "x86_64";
  r.virtualization_type = "hvm";
  r.root_device = "/dev/xvda";
  EXPECT_TRUE(plan_launch(candidates[0], r, "r-1", std::nullopt));
}

TEST(RestoreDrill, PicksAndChecks) {
  auto candidates = fleet();
  const Time now = *parse_slot("2026-11-04T06:00:00Z");
  const Candidate* latest = pick_drill_point(candidates, false, 0, 7, now);
  ASSERT_NE(latest, nullptr);
  EXPECT_EQ(latest->set_id, "b") << "the pending point is not drilled";
  EXPECT_EQ(pick_drill_point(candidates, false, 0, 1, now), nullptr) << "none within a day";
  const Candidate* random = pick_drill_point(candidates, true, 0.0, 7, now);
  ASSERT_NE(random, nullptr);
  EXPECT_EQ(random->set_id, "a");

  auto plan = plan_volumes(*latest, request(), "r-1");
  ASSERT_TRUE(plan);
  std::vector<RestoredVolume> ok = {{"vol-1", "snap-4", "available", 20},
                                    {"vol-2", "snap-3", "available", 8}};
  EXPECT_EQ(check_drill(*plan, ok, latest->snapshots), "");
  ok[1].state = "error";
  EXPECT_NE(check_drill(*plan, ok, latest->snapshots), "");
  ok[1] = {"vol-2", "snap-3", "available", 4};
  EXPECT_NE(check_drill(*plan, ok, latest->snapshots), "");

  DrillOutcome pass{true, now, 41.6, ""};
  EXPECT_EQ(format_drill(pass), "pass 2026-11-04T06:00:00Z 42");
  DrillOutcome fail{false, now, 3, std::string(400, 'x')};
  EXPECT_EQ(utf8_length(format_drill(fail)), max_tag_value_chars);
}

}  // namespace
}  // namespace snapkeep::core
