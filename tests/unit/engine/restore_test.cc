// engine::restore over the in-process FakeEc2, which models what moto does
// not (docs/restore.md): volumes creating -> available or error on the fake
// clock, AZ checks on attach, RegisterImage's mappings and defaults, and
// ClientToken idempotency. The restore points are made by a real reconcile,
// so the restore metadata is what a run writes.
#include "engine/restore.h"

#include <date/date.h>
#include <gtest/gtest.h>

#include <atomic>

#include "core/config.h"
#include "engine/drill.h"
#include "engine/reconcile.h"
#include "support/fake_ec2.h"
#include "support/fleet.h"
#include "unit/aws/transport_fakes.h"

namespace snapkeep::engine {
namespace {

using snapkeep::testing::FakeEc2;
using snapkeep::testing::FakeInstance;
using snapkeep::testing::FakeVolume;

constexpr const char* kRegion = "us-east-1";

core::Config nightly() {
  auto config = core::parse_config(
      "regions: [us-east-1]\npolicies:\n  - name: nightly\n    select:\n      tags: {Backup: "
      "\"true\"}\n    schedule: \"cron(0 3 * * ? *)\"\n    retain: {daily: 7}\n",
      "test.yaml");
  EXPECT_TRUE(config.has_value());
  return *config;
}

core::Time day(int n) {
  return core::Time(date::sys_days(date::year{2026} / 2 / 1)) + std::chrono::hours(4) +
         std::chrono::days(n);
}

struct RestoreHarness : ::testing::Test {
  aws::testing::FakeClock clock;
  FakeEc2 ec2{clock};
  aws::RateLimiterRegistry limiter{clock};
  std::atomic<bool> stop{false};
  RegionClientFactory factory = snapkeep::testing::fake_region_factory(ec2, clock, &limiter);
  std::string source_id;

  // One arm64 instance in us-east-1b with a gp3 root, an io2 and a gp2 volume.
  void SetUp() override {
    FakeInstance i;
    i.id = ec2.next_id("i");
    i.availability_zone = "us-east-1b";
    i.instance_type = "m6g.large";
    i.architecture = "arm64";
    i.subnet_id = "subnet-b";
    i.security_group_ids = {"sg-1"};
    i.tags = {{"Backup", "true"}, {"Name", "db"}};
    auto add = [&](std::string device, std::string type, int iops, int throughput, int size) {
      FakeVolume v;
      v.id = ec2.next_id("vol");
      v.device = std::move(device);
      v.type = std::move(type);
      v.iops = iops;
      v.throughput = throughput;
      v.size_gib = size;
      i.volumes.push_back(std::move(v));
    };
    add("/dev/xvda", "gp3", 4000, 250, 8);
    add("/dev/sdf", "io2", 5000, 0, 100);
    add("/dev/sdg", "gp2", 0, 0, 20);
    source_id = i.id;
    ec2.region(kRegion).instances.push_back(std::move(i));
    ec2.region(kRegion).subnets = {{"subnet-b", "us-east-1b"}, {"subnet-a", "us-east-1a"}};
    for (int d = 0; d < 2; ++d) {
      ReconcileOptions options;
      options.now = day(d);
      options.run_id = "run" + std::to_string(d);
      options.targets = snapkeep::testing::fake_targets(ec2, {kRegion});
      auto s = reconcile(nightly(), options, factory, clock, stop);
      ASSERT_EQ(s.exit_status(), 0);
    }
    ec2.reset_counters();
  }

  Target target() { return snapkeep::testing::fake_targets(ec2, {kRegion}).front(); }

  RestoreOutcome restore(const core::RestoreRequest& request, RestoreOptions options = {}) {
    auto clients = factory(target());
    EXPECT_TRUE(clients.has_value());
    return engine::restore((*clients)->ec2(), clock, request, options);
  }

  core::RestoreRequest request(core::RestoreKind kind = core::RestoreKind::volumes) {
    core::RestoreRequest r;
    r.instance_id = source_id;
    r.kind = kind;
    return r;
  }
};

TEST_F(RestoreHarness, RunsRecordTheMetadataWithinTheTagLimits) {
  for (const auto& [id, s] : ec2.region(kRegion).snapshots) {
    EXPECT_LE(s.tags.size(), 50u);
    ASSERT_TRUE(s.tags.contains("snapkeep:instance-meta")) << id;
    EXPECT_EQ(s.tags.at("snapkeep:instance-meta"),
              "az=us-east-1b type=m6g.large arch=arm64 virt=hvm ena=true boot=uefi "
              "root=/dev/xvda ami=ami-12345678");
    EXPECT_EQ(s.tags.at("snapkeep:volumes"),
              "/dev/xvda=gp3:4000:250:8 /dev/sdf=io2:5000:0:100 /dev/sdg=gp2:0:0:20");
  }
}

TEST_F(RestoreHarness, VolumesWaitUntilAvailableAtTheLowerBoundOfCalls) {
  ec2.set_volume_creation_time(std::chrono::seconds(8), std::chrono::milliseconds(10));
  auto out = restore(request());
  ASSERT_EQ(out.exit_status, 0) << out.error;
  ASSERT_EQ(out.volumes.size(), 3u);
  for (const auto& v : out.volumes) {
    EXPECT_EQ(v.state, "available");
    EXPECT_EQ(v.availability_zone, "us-east-1b");
    const auto& made = ec2.region(kRegion).volumes.at(v.volume_id);
    EXPECT_EQ(made.tags.at("snapkeep:restore-id"), out.restore_id);
    EXPECT_EQ(made.tags.at("snapkeep:device"), v.device);
  }
  const auto& sdf = ec2.region(kRegion).volumes.at(out.volumes[0].volume_id);
  EXPECT_EQ(sdf.type, "io2");
  EXPECT_EQ(sdf.iops, 5000);
  EXPECT_EQ(sdf.size_gib, 100);
  const auto& root = ec2.region(kRegion).volumes.at(out.volumes[2].volume_id);
  EXPECT_EQ(root.type, "gp3");
  EXPECT_EQ(root.throughput, 250);
  auto calls = ec2.calls();
  EXPECT_EQ(calls["CreateVolume"], 3);
  EXPECT_EQ(calls["DescribeSnapshots"], 1);
  // One for the earlier run's volumes, then polls at 1, 2, 4, 8 s: available at 9 s.
  EXPECT_EQ(calls["DescribeVolumes"], 1 + 5);
  EXPECT_NEAR(out.seconds, 15.0, 0.01);
}

TEST_F(RestoreHarness, ARerunFindsWhatTheFirstMadeAndRetriesDoNotDuplicate) {
  auto first = restore(request());
  ASSERT_EQ(first.exit_status, 0) << first.error;
  auto again = restore(request());
  ASSERT_EQ(again.exit_status, 0) << again.error;
  EXPECT_EQ(ec2.region(kRegion).volumes.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(again.volumes[i].volume_id, first.volumes[i].volume_id);
    EXPECT_TRUE(again.volumes[i].reused);
  }
  // A CreateVolume answered with a 500 after it was carried out is retried
  // with the same ClientToken: EC2 answers with the first volume.
  ec2.region(kRegion).volumes.clear();
  ec2.set_fault_hook(
      [](snapkeep::testing::FaultStage stage,
         const snapkeep::testing::FakeCall& c) -> std::optional<aws::Result<aws::HttpResponse>> {
        if (stage == snapkeep::testing::FaultStage::after && c.action == "CreateVolume" &&
            c.number == 1) {
          return snapkeep::testing::fake_error_answer(500, "InternalError", "boom");
        }
        return std::nullopt;
      });
  ec2.reset_counters();
  auto retried = restore(request());
  ASSERT_EQ(retried.exit_status, 0) << retried.error;
  EXPECT_EQ(ec2.calls()["CreateVolume"], 4);
  EXPECT_EQ(ec2.region(kRegion).volumes.size(), 3u);
}

TEST_F(RestoreHarness, AVolumeInErrorFailsNamingItAndSaysWhatWasMade) {
  ec2.set_volume_creation_time(std::chrono::seconds(5));
  for (const auto& [id, s] : ec2.region(kRegion).snapshots) ec2.fail_volumes_from(id);
  auto out = restore(request());
  EXPECT_EQ(out.exit_status, 1);
  EXPECT_NE(out.error.find("went to state error"), std::string::npos) << out.error;
  EXPECT_NE(out.error.find("left as they are"), std::string::npos) << out.error;
}

TEST_F(RestoreHarness, WaitingEndsAtTheDeadline) {
  ec2.set_volume_creation_time(std::chrono::hours(2));
  RestoreOptions options;
  options.timeout = std::chrono::minutes(1);
  auto out = restore(request(), options);
  EXPECT_EQ(out.exit_status, 1);
  EXPECT_NE(out.error.find("not available within 60 s"), std::string::npos) << out.error;
}

TEST_F(RestoreHarness, AttachRefusesAnotherZoneBeforeCreatingAnything) {
  FakeInstance target;
  target.id = "i-target";
  target.state = "stopped";
  target.availability_zone = "us-east-1a";
  FakeVolume root;
  root.id = "vol-t";
  root.device = "/dev/xvda";
  target.volumes.push_back(root);
  ec2.region(kRegion).instances.push_back(target);
  auto r = request(core::RestoreKind::attach);
  r.attach_to = "i-target";
  r.devices = {"/dev/sdf", "/dev/sdg"};
  auto refused = restore(r);
  EXPECT_EQ(refused.exit_status, 2);
  EXPECT_NE(refused.error.find("--availability-zone us-east-1a"), std::string::npos);
  EXPECT_EQ(ec2.calls()["CreateVolume"], 0);

  r.availability_zone = "us-east-1a";
  auto out = restore(r);
  ASSERT_EQ(out.exit_status, 0) << out.error;
  for (const auto& v : out.volumes) {
    const auto& made = ec2.region(kRegion).volumes.at(v.volume_id);
    EXPECT_EQ(made.attached_to, "i-target");
    EXPECT_EQ(made.device, v.device);
    EXPECT_EQ(made.state, "in-use");
  }
  // The root device is taken by the target's own volume: refused.
  r.devices = {"/dev/xvda"};
  auto taken = restore(r);
  EXPECT_EQ(taken.exit_status, 2);
  EXPECT_NE(taken.error.find("/dev/xvda (by vol-t)"), std::string::npos) << taken.error;
}

TEST_F(RestoreHarness, LaunchRegistersTheRecordedImageAndDeregistersItAfter) {
  // The source is gone: terminated.
  ec2.region(kRegion).instances[0].state = "terminated";
  auto r = request(core::RestoreKind::launch);
  auto refused = restore(r);
  EXPECT_EQ(refused.exit_status, 2);
  EXPECT_NE(refused.error.find("--subnet-id"), std::string::npos);
  r.subnet_id = "subnet-a";
  auto out = restore(r);
  ASSERT_EQ(out.exit_status, 0) << out.error;
  const FakeInstance& made = ec2.region(kRegion).instances.back();
  EXPECT_EQ(made.id, out.instance_id);
  EXPECT_EQ(made.architecture, "arm64");
  EXPECT_EQ(made.virtualization_type, "hvm");
  EXPECT_EQ(made.boot_mode, "uefi");
  EXPECT_EQ(made.root_device, "/dev/xvda");
  EXPECT_EQ(made.instance_type, "m6g.large");
  EXPECT_EQ(made.availability_zone, "us-east-1a");
  ASSERT_EQ(made.volumes.size(), 3u);
  EXPECT_EQ(made.volumes[0].device, "/dev/xvda");
  EXPECT_EQ(made.volumes[1].type, "io2");
  EXPECT_EQ(made.tags.at("snapkeep:restore-id"), out.restore_id);
  EXPECT_TRUE(ec2.region(kRegion).images.empty()) << "deregistered once running";
  auto calls = ec2.calls();
  EXPECT_EQ(calls["RegisterImage"], 1);
  EXPECT_EQ(calls["RunInstances"], 1);
  EXPECT_EQ(calls["DeregisterImage"], 1);

  // A rerun finds the instance and launches nothing.
  auto again = restore(r);
  ASSERT_EQ(again.exit_status, 0) << again.error;
  EXPECT_EQ(again.instance_id, out.instance_id);
  EXPECT_EQ(ec2.calls()["RunInstances"], 1);
}

TEST_F(RestoreHarness, AFailedLaunchDeregistersItsImageAndSaysSo) {
  auto r = request(core::RestoreKind::launch);
  r.instance_type = "m5.large";  // x86_64: the image is arm64
  auto out = restore(r);
  EXPECT_EQ(out.exit_status, 1);
  EXPECT_NE(out.error.find("architecture"), std::string::npos) << out.error;
  EXPECT_NE(out.error.find("deregistered again"), std::string::npos) << out.error;
  EXPECT_TRUE(ec2.region(kRegion).images.empty());
}

TEST_F(RestoreHarness, AnIncompletePointIsRefusedNamingTheSnapshot) {
  std::string pending;
  for (auto& [id, s] : ec2.region(kRegion).snapshots) {
    if (s.tags.at("snapkeep:slot") == "2026-02-02T03:00:00Z" &&
        s.tags.at("snapkeep:device") == "/dev/sdf") {
      s.state = "pending";
      pending = id;
    }
  }
  ASSERT_FALSE(pending.empty());
  auto r = request();
  r.slot = "2026-02-02T03:00:00Z";
  auto out = restore(r);
  EXPECT_EQ(out.exit_status, 2);
  EXPECT_NE(out.error.find(pending + " (/dev/sdf) is pending"), std::string::npos) << out.error;
  // --latest passes over it to the point before.
  auto latest = restore(request());
  ASSERT_EQ(latest.exit_status, 0) << latest.error;
  EXPECT_EQ(latest.point->slot, "2026-02-01T03:00:00Z");
  EXPECT_EQ(ec2.calls()["CreateVolume"], 3);
}

TEST_F(RestoreHarness, DryRunMakesNothing) {
  RestoreOptions options;
  options.dry_run = true;
  auto out = restore(request(), options);
  ASSERT_EQ(out.exit_status, 0) << out.error;
  EXPECT_EQ(out.planned_calls.size(), 3u);
  EXPECT_NE(out.planned_calls[0].find("CreateVolume AvailabilityZone=us-east-1b"),
            std::string::npos);
  EXPECT_EQ(ec2.calls()["CreateVolume"], 0);
}

core::DrillSettings daily_drill() {
  core::DrillSettings settings;
  settings.schedule = *core::Schedule::parse("rate(1 day)");
  return settings;
}

TEST_F(RestoreHarness, ADrillRecordsPassOrFailOnThePointAndDeletesItsVolumes) {
  ec2.set_volume_creation_time(std::chrono::seconds(7));
  auto clients = factory(target());
  auto report = run_drills((*clients)->ec2(), clock, "nightly", daily_drill(), day(2), {});
  ASSERT_EQ(report.exit_status(), 0);
  ASSERT_EQ(report.results.size(), 1u);
  const auto& d = report.results[0];
  EXPECT_TRUE(d.passed) << d.reason;
  EXPECT_EQ(d.slot, "2026-02-02T03:00:00Z");
  EXPECT_NEAR(d.seconds, 7.0, 0.01);  // polls at 0, 1, 3, 7 s
  EXPECT_TRUE(d.volumes_deleted);
  EXPECT_TRUE(ec2.region(kRegion).volumes.empty());
  EXPECT_EQ(ec2.calls()["CreateTags"], 1);
  for (const auto& [id, s] : ec2.region(kRegion).snapshots) {
    if (s.tags.at("snapkeep:slot") == d.slot) {
      EXPECT_EQ(s.tags.at("snapkeep:drill"), "pass 2026-02-03T04:00:00Z 7");
    }
  }
  // Not due again in the same slot.
  auto again = run_drills((*clients)->ec2(), clock, "nightly", daily_drill(), day(2), {});
  EXPECT_TRUE(again.results.empty());
  EXPECT_EQ(again.not_due, std::vector<std::string>{source_id});

  // The next day, one volume ends in error: the drill fails and says why.
  for (const auto& [id, s] : ec2.region(kRegion).snapshots) {
    if (s.tags.at("snapkeep:device") == "/dev/sdg") ec2.fail_volumes_from(id);
  }
  auto failed = run_drills((*clients)->ec2(), clock, "nightly", daily_drill(), day(3), {});
  EXPECT_EQ(failed.exit_status(), 1);
  ASSERT_EQ(failed.results.size(), 1u);
  EXPECT_FALSE(failed.results[0].passed);
  EXPECT_NE(failed.results[0].reason.find("is error"), std::string::npos)
      << failed.results[0].reason;
  EXPECT_TRUE(ec2.region(kRegion).volumes.empty()) << "errored volumes are deleted too";

  // A failed drill is notified as a failed run is (notify.on).
  core::Notify notify;
  EXPECT_FALSE(should_notify(notify, {failed})) << "nowhere to send";
  notify.webhook_url = "https://hooks.example.com/x";
  EXPECT_TRUE(should_notify(notify, {report, failed}));
  EXPECT_FALSE(should_notify(notify, {report})) << "on: [failure] and every drill passed";
  notify.on_summary = true;
  EXPECT_TRUE(should_notify(notify, {report}));
  notify.on_failure = false;
  notify.on_summary = false;
  EXPECT_FALSE(should_notify(notify, {failed}));
  const Notification n = drill_notification({report, failed});
  EXPECT_EQ(n.subject, "snapkeep drill: 1 passed, 1 failed, 0 not due");
  EXPECT_NE(n.message.find("FAIL us-east-1 nightly"), std::string::npos) << n.message;
  auto body = nlohmann::json::parse(n.webhook_body);
  EXPECT_EQ(body["text"], "snapkeep drill: 1 passed, 1 failed, 0 not due");
  EXPECT_EQ(body["drill"]["exit_status"], 1);
  EXPECT_EQ(body["drill"]["drills"].size(), 2u);
}

TEST_F(RestoreHarness, ADrillNeverTouchesWhatItDidNotMake) {
  FakeVolume mine;
  mine.id = "vol-user";
  mine.availability_zone = "us-east-1b";
  mine.tags = {{"snapkeep:restore-id", "r-1"}};
  ec2.region(kRegion).volumes[mine.id] = mine;
  FakeVolume leftover = mine;
  leftover.id = "vol-leftover";
  leftover.tags = {{"snapkeep:drill-of", "x"}, {"snapkeep:drill-expires", "2026-01-01T00:00:00Z"}};
  ec2.region(kRegion).volumes[leftover.id] = leftover;
  auto clients = factory(target());
  auto report = run_drills((*clients)->ec2(), clock, "nightly", daily_drill(), day(2), {});
  EXPECT_EQ(report.leftovers_deleted, 1);
  EXPECT_TRUE(ec2.region(kRegion).volumes.contains("vol-user"));
  EXPECT_FALSE(ec2.region(kRegion).volumes.contains("vol-leftover"));
  EXPECT_EQ(ec2.region(kRegion).instances[0].state, "running");
}

}  // namespace
}  // namespace snapkeep::engine
