"""End to end: `snapkeep restore` against moto, checked with boto3.

moto is faithful for the call shapes used here (CreateVolume from a snapshot
with type/iops/throughput/tags, AttachVolume, RunInstances with block device
mappings); what it does not model (volume states, AZ checks, RegisterImage's
mappings) is tested on the engine's fake EC2 (tests/unit/engine/restore_test.cc).
One moto, one small fleet, shared by every test method."""

import os
import signal
import subprocess
import sys
import threading
import unittest

import fleet
import snapkeep_cli as sk

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fault"))
import fault_proxy  # noqa: E402

CONFIG = """\
regions: [us-east-1]
policies:
  - name: nightly
    select:
      tags: {Backup: "true"}
    schedule: "cron(0 0 * * ? *)"
    snapshot:
      copy_tags: [instance]
    retain:
      daily: 7
"""

DAY1 = "2026-11-01T12:00:00Z"
DAY2 = "2026-11-02T12:00:00Z"
SLOT1 = "2026-11-01T00:00:00Z"
SLOT2 = "2026-11-02T00:00:00Z"


def restored(ec2, restore_id):
    resp = ec2.describe_volumes(Filters=[{"Name": "tag:snapkeep:restore-id", "Values": [restore_id]}])
    return resp["Volumes"]


class RestoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        fleet.reset()
        cls.ec2 = fleet.client("ec2", "us-east-1")
        ec2 = cls.ec2
        resp = ec2.run_instances(ImageId=fleet.DEFAULT_IMAGE, MinCount=1, MaxCount=1,
                                 InstanceType="t3.micro", Placement={"AvailabilityZone": "us-east-1b"},
                                 TagSpecifications=[{"ResourceType": "instance", "Tags": [
                                     {"Key": "Backup", "Value": "true"}, {"Key": "Name", "Value": "db-1"}]}])
        cls.instance = resp["Instances"][0]["InstanceId"]
        cls.subnet = resp["Instances"][0]["SubnetId"]
        for device, vtype, size, extra in (("/dev/sdf", "io2", 30, {"Iops": 5000}),
                                           ("/dev/sdg", "gp3", 20, {"Iops": 4000, "Throughput": 200})):
            vol = ec2.create_volume(AvailabilityZone="us-east-1b", Size=size, VolumeType=vtype, **extra)
            ec2.attach_volume(VolumeId=vol["VolumeId"], InstanceId=cls.instance, Device=device)
        cls.config = sk.write_config(CONFIG)
        for now in (DAY1, DAY2):
            proc = sk.run("run", "--now", now, config=cls.config)
            assert proc.returncode == 0, proc.stdout + proc.stderr
        cls.snapshots = {}
        for s in fleet.snapshots(ec2, "nightly"):
            tags = fleet.tags_of(s)
            cls.snapshots.setdefault(tags["snapkeep:slot"], {})[tags["snapkeep:device"]] = s

    def restore(self, *args):
        return sk.run_json("restore", "--instance", self.instance, *args, config=self.config)

    def test_runs_record_restore_metadata(self):
        for by_device in self.snapshots.values():
            for s in by_device.values():
                tags = fleet.tags_of(s)
                meta = tags["snapkeep:instance-meta"]
                self.assertIn("az=us-east-1b", meta)
                self.assertIn("type=t3.micro", meta)
                self.assertIn("root=/dev/sda1", meta)
                self.assertIn("ami=" + fleet.DEFAULT_IMAGE, meta)
                self.assertIn("/dev/sdf=io2:5000:0:30", tags["snapkeep:volumes"])
                self.assertIn("/dev/sdg=gp3:4000:200:20", tags["snapkeep:volumes"])
                self.assertLessEqual(len(tags), 50)

    def test_latest_point_as_volumes(self):
        proc, data = self.restore("--latest")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(data["restore_point"]["slot"], SLOT2)
        self.assertIsNone(data["instance_id"])
        volumes = {v["device"]: v for v in data["volumes"]}
        self.assertEqual(set(volumes), {"/dev/sda1", "/dev/sdf", "/dev/sdg"})
        described = {v["VolumeId"]: v for v in restored(self.ec2, data["restore_id"])}
        self.assertEqual(len(described), 3)
        set_id = fleet.tags_of(self.snapshots[SLOT2]["/dev/sdf"])["snapkeep:set"]
        for device, v in volumes.items():
            d = described[v["volume_id"]]
            snap = self.snapshots[SLOT2][device]
            self.assertEqual(d["SnapshotId"], snap["SnapshotId"])
            self.assertEqual(d["AvailabilityZone"], "us-east-1b")
            self.assertEqual(d["Size"], snap["VolumeSize"])
            self.assertEqual(v["size_gib"], snap["VolumeSize"])
            tags = fleet.tags_of(d)
            self.assertEqual(tags["snapkeep:restored-from"], set_id)
            self.assertEqual(tags["snapkeep:device"], device)
            self.assertEqual(tags["Backup"], "true", "the source snapshot's own tags")
            self.assertNotIn("snapkeep:policy", tags)
        sdf = described[volumes["/dev/sdf"]["volume_id"]]
        self.assertEqual((sdf["VolumeType"], sdf["Iops"]), ("io2", 5000))
        sdg = described[volumes["/dev/sdg"]["volume_id"]]
        self.assertEqual((sdg["VolumeType"], sdg["Iops"], sdg["Throughput"]), ("gp3", 4000, 200))
        # The same command again finds them: no second set of volumes.
        proc, again = self.restore("--latest")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(sorted(v["volume_id"] for v in again["volumes"]), sorted(described))
        self.assertTrue(all(v["reused"] for v in again["volumes"]))
        self.assertEqual(len(restored(self.ec2, data["restore_id"])), 3)

    def test_named_slot_in_another_zone(self):
        proc, data = self.restore("--slot", SLOT1, "--availability-zone", "us-east-1c",
                                  "--devices", "/dev/sdf", "--volume-type", "gp3")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(data["restore_point"]["slot"], SLOT1)
        [v] = restored(self.ec2, data["restore_id"])
        self.assertEqual(v["SnapshotId"], self.snapshots[SLOT1]["/dev/sdf"]["SnapshotId"])
        self.assertEqual((v["AvailabilityZone"], v["VolumeType"]), ("us-east-1c", "gp3"))

    def test_attach_to_a_stopped_instance(self):
        target = fleet.run_instance(self.ec2, {"Name": "rescue"}, stopped=True, az="us-east-1b")
        proc, data = self.restore("--attach-to", target, "--devices", "/dev/sdf,/dev/sdg",
                                  "--device-map", "/dev/sdg=/dev/sdh")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(data["instance_id"], target)
        attached = fleet.instance_volumes(self.ec2, target)
        by_id = {v["volume_id"]: v for v in data["volumes"]}
        self.assertEqual(by_id[attached["/dev/sdf"]]["device"], "/dev/sdf")
        self.assertEqual(by_id[attached["/dev/sdh"]]["device"], "/dev/sdg")
        # The target's root device is taken: refused before anything is made.
        before = len(self.ec2.describe_volumes()["Volumes"])
        proc, data = self.restore("--attach-to", target, "--devices", "/dev/sda1")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("already in use", proc.stderr)
        self.assertEqual(len(self.ec2.describe_volumes()["Volumes"]), before)

    def test_bad_flags_and_unknown_points_are_refused_with_no_mutating_call(self):
        proxy = fault_proxy.FaultProxy(fleet.endpoint(), buckets=False).start()
        try:
            cases = [
                (["--instance", self.instance, "--slot", "2026-10-01T00:00:00Z"], "its points"),
                (["--instance", "i-0000000000000000f"], "no restore point"),
                (["--instance", self.instance, "--slot", "yesterday"], "not a UTC time"),
                (["--instance", self.instance, "--device-map", "/dev/sdf=/dev/sdh"], "--attach-to"),
                (["--instance", self.instance, "--subnet-id", "subnet-1"], "--launch"),
                (["--instance", self.instance, "--devices", "/dev/sdz"], "no snapshot of /dev/sdz"),
                (["--instance", self.instance, "--volume-type", "gp9"], "volume type"),
            ]
            for args, message in cases:
                proc = subprocess.run(
                    [sk.binary(), "restore", *args, "--config", self.config, "--endpoint-url", proxy.url],
                    capture_output=True, text=True, timeout=120)
                self.assertEqual(proc.returncode, 2, (args, proc.stdout, proc.stderr))
                self.assertIn(message, proc.stderr, args)
            # Reads only: EC2 Describe* and STS GetCallerIdentity (the account id).
            mutating = [e for e in proxy.log
                        if not e["action"].startswith(("Describe", "Get"))]
            self.assertEqual(mutating, [])
        finally:
            proxy.stop()

    def test_dry_run_prints_the_calls_and_makes_nothing(self):
        proc, data = self.restore("--slot", SLOT1, "--availability-zone", "us-east-1a", "--dry-run")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual([c.split()[0] for c in data["dry_run_calls"]], ["CreateVolume"] * 3)
        self.assertIn(self.snapshots[SLOT1]["/dev/sdf"]["SnapshotId"], " ".join(data["dry_run_calls"]))
        self.assertEqual(restored(self.ec2, data["restore_id"]), [])

    def test_kill_during_a_restore_then_rerun_makes_no_duplicate(self):
        proxy = fault_proxy.FaultProxy(fleet.endpoint(), buckets=False).start()
        args = ["restore", "--instance", self.instance, "--slot", SLOT1]
        try:
            proc = subprocess.Popen([sk.binary(), *args, "--config", self.config,
                                     "--endpoint-url", proxy.url],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            creates = {"n": 0}
            lock = threading.Lock()

            def kill_after_second_create(entry):
                if entry["action"] != "CreateVolume":
                    return
                with lock:
                    creates["n"] += 1
                    if creates["n"] == 2:
                        proc.send_signal(signal.SIGKILL)

            proxy.after_forward = kill_after_second_create
            proc.communicate(timeout=120)
            self.assertEqual(proc.returncode, -signal.SIGKILL)
        finally:
            proxy.stop()
        rerun, data = sk.run_json(*args, config=self.config)
        self.assertEqual(rerun.returncode, 0, rerun.stderr)
        self.assertEqual(sum(v["reused"] for v in data["volumes"]), 2)
        self.assertEqual(len(restored(self.ec2, data["restore_id"])), 3)

    def test_from_copies_in_another_region(self):
        # The copies a copy policy makes (docs/copies.md): the source's
        # snapkeep tags and snapkeep:copy-of, in the copy region. Made with
        # boto3 here so that restore is checked apart from the copier.
        west = fleet.client("ec2", "us-west-2")
        copies = {}
        for device, s in self.snapshots[SLOT2].items():
            copy = west.copy_snapshot(SourceRegion="us-east-1", SourceSnapshotId=s["SnapshotId"])
            tags = [{"Key": k, "Value": v} for k, v in fleet.tags_of(s).items()]
            tags.append({"Key": "snapkeep:copy-of", "Value": s["SnapshotId"]})
            west.create_tags(Resources=[copy["SnapshotId"]], Tags=tags)
            copies[device] = copy["SnapshotId"]
        # The point records a zone of us-east-1: a zone of the copy region is needed.
        proc, _ = self.restore("--latest", "--from-copy", "us-west-2")
        self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
        self.assertIn("--availability-zone", proc.stderr)
        self.assertEqual(west.describe_volumes()["Volumes"], [], "nothing made when refused")
        proc, data = self.restore("--latest", "--from-copy", "us-west-2",
                                  "--availability-zone", "us-west-2a")
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual(data["restore_point"]["slot"], SLOT2)
        described = {v["VolumeId"]: v for v in restored(west, data["restore_id"])}
        self.assertEqual(len(described), 3)
        for v in data["volumes"]:
            d = described[v["volume_id"]]
            self.assertEqual(d["SnapshotId"], copies[v["device"]], "restored from the copy")
            self.assertEqual(d["AvailabilityZone"], "us-west-2a")
        self.assertEqual(restored(self.ec2, data["restore_id"]), [], "nothing in the source region")

    def test_launch_from_a_point_of_a_terminated_instance(self):
        # Last by name: it terminates the source.
        self.ec2.terminate_instances(InstanceIds=[self.instance])
        proc, data = self.restore("--launch")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("--subnet-id", proc.stderr)
        # moto's RunInstances drops a mapping's Iops (then refuses io2 without
        # it): the io2 volume is launched as gp3 here; tests/unit/engine/
        # restore_test.cc launches io2 on the fake EC2.
        launch = ("--launch", "--subnet-id", self.subnet, "--volume-type", "gp3")
        proc, data = self.restore(*launch)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        new = data["instance_id"]
        inst = self.ec2.describe_instances(InstanceIds=[new])["Reservations"][0]["Instances"][0]
        self.assertEqual(inst["State"]["Name"], "running")
        self.assertEqual(inst["InstanceType"], "t3.micro")
        self.assertEqual(fleet.tags_of(inst)["snapkeep:restore-id"], data["restore_id"])
        volumes = fleet.instance_volumes(self.ec2, new)
        self.assertEqual(set(volumes), {"/dev/sda1", "/dev/sdf", "/dev/sdg"})
        for device, volume_id in volumes.items():
            v = self.ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"][0]
            self.assertEqual(v["SnapshotId"], self.snapshots[SLOT2][device]["SnapshotId"], device)
        # The image was only a means: deregistered once the instance ran.
        self.assertEqual(self.ec2.describe_images(Owners=["self"])["Images"], [])
        # A rerun launches nothing new.
        proc, again = self.restore(*launch)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(again["instance_id"], new)

    test_zz_launch = test_launch_from_a_point_of_a_terminated_instance
    del test_launch_from_a_point_of_a_terminated_instance


if __name__ == "__main__":
    unittest.main()
