"""End to end: copies to another region (docs/copies.md) by `snapkeep run`
against moto, checked with boto3: copies exist at the destination with their
tags, a rerun copies nothing, the destination keeps what the copy's retain
says, a refused copy is reported, a run killed right after CopySnapshot
converges without a duplicate, and `snapkeep list` shows each point's
copies (and copies whose source point is gone) as the destination has them.

moto completes every copy at once and knows no copy quota or KMS error
(reference A.6); those are covered against the fake EC2
(tests/unit/engine/copy_phase_test.cc). ctest runs this file under
scripts/with-moto.sh --shared-snapshots (its name has "copies")."""

import collections
import datetime
import json
import os
import signal
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fault"))

import fleet  # noqa: E402
import snapkeep_cli as sk  # noqa: E402
from fault_proxy import FaultProxy  # noqa: E402

CONFIG = """\
regions: [us-east-1]
policies:
  - name: daily
    select:
      tags: {Backup: "true"}
    schedule: "cron(0 0 * * ? *)"
    snapshot:
      tags: {CostCenter: ops}
    retain:
      daily: 7
    copies:
      - region: us-west-2
        retain: {count: 2}
"""


def day(n, hour=12):
    """An ISO time on day n of November 2026, UTC."""
    return (datetime.datetime(2026, 11, 1, hour, tzinfo=datetime.timezone.utc)
            + datetime.timedelta(days=n - 1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def slot(n):
    return day(n, hour=0)


class CopiesTest(unittest.TestCase):
    def setUp(self):
        fleet.reset()
        self.east = fleet.client("ec2", "us-east-1")
        self.west = fleet.client("ec2", "us-west-2")
        self.instance = fleet.run_instance(self.east, {"Backup": "true", "Name": "web"},
                                           data_devices=["/dev/sdf"])
        self.config = sk.write_config(CONFIG)
        self.account = fleet.client("sts").get_caller_identity()["Account"]

    def tearDown(self):
        os.unlink(self.config)

    def run_ok(self, now, *extra, endpoint=None):
        args = ["run", "--now", now, *extra, "--output", "json"]
        if endpoint:
            proc = sk.run(*args, "--endpoint-url", endpoint, config=self.config, endpoint=False)
        else:
            proc = sk.run(*args, config=self.config)
        self.assertEqual(proc.returncode, 0, proc.stdout[-3000:] + proc.stderr)
        return json.loads(proc.stdout)

    def copies(self):
        """The destination's copies: {source snapshot id: [copy snapshot, ...]}."""
        out = collections.defaultdict(list)
        for snap in fleet.snapshots(self.west, "daily"):
            tags = fleet.tags_of(snap)
            self.assertIn("snapkeep:copy-of", tags)
            out[tags["snapkeep:copy-of"].rsplit(":", 1)[1]].append(snap)
        return out

    def test_copies_reach_the_destination_with_their_tags_and_a_rerun_copies_nothing(self):
        created = self.run_ok(day(1))
        self.assertEqual(created["totals"]["created"], 1)
        self.assertEqual(created["copies"][0]["started"], 0, "made in this run: not in its listing")
        plan = sk.run_json("plan", "--now", day(1, 13), config=self.config)[1]
        planned = [a for a in plan["actions"] if a["action"] == "copy"]
        self.assertEqual(len(planned), 2)
        self.assertEqual({a["outcome"] for a in planned}, {"planned"})
        self.assertEqual(self.copies(), {})

        data = self.run_ok(day(1, 13))
        self.assertEqual(data["copies"][0]["started"], 2)
        self.assertEqual(data["copies"][0]["destination"],
                         {"account": self.account, "region": "us-west-2"})
        self.assertEqual(data["api_calls"]["CopySnapshot"]["calls"], 2)
        sources = {s["SnapshotId"]: s for s in fleet.snapshots(self.east, "daily")}
        copies = self.copies()
        self.assertEqual(set(copies), set(sources))
        for source_id, found in copies.items():
            self.assertEqual(len(found), 1)
            copy, source = found[0], sources[source_id]
            self.assertEqual(copy["State"], "completed")
            self.assertEqual(copy["OwnerId"], self.account)
            tags, source_tags = fleet.tags_of(copy), fleet.tags_of(source)
            for key in ("snapkeep:policy", "snapkeep:slot", "snapkeep:instance", "snapkeep:set",
                        "snapkeep:device", "snapkeep:instance-meta", "snapkeep:volumes", "CostCenter"):
                self.assertEqual(tags[key], source_tags[key], key)
            self.assertEqual(tags["snapkeep:instance"], self.instance)
            self.assertEqual(tags["snapkeep:copy-of"], f"{self.account}:us-east-1:{source_id}")
            self.assertEqual(tags["snapkeep:copy"], f"{self.account}:us-west-2")
            self.assertFalse(any(k.startswith("aws:") for k in tags))

        again = self.run_ok(day(1, 14))
        for action in ("CopySnapshot", "DeleteSnapshot", "CreateSnapshots", "CreateTags"):
            self.assertNotIn(action, again["api_calls"], action)
        self.assertEqual(again["copies"][0]["started"], 0)
        self.assertEqual(sum(len(v) for v in self.copies().values()), 2)

    def test_the_destination_keeps_what_the_copys_retain_says(self):
        # One run a day: each copies the previous day's point (the new one
        # was made after the listing) and prunes the copies to count 2.
        for n in range(1, 6):
            self.run_ok(day(n))
        slots = collections.Counter(fleet.tags_of(c)["snapkeep:slot"]
                                    for found in self.copies().values() for c in found)
        self.assertEqual(slots, {slot(3): 2, slot(4): 2})
        source_slots = {fleet.tags_of(s)["snapkeep:slot"] for s in fleet.snapshots(self.east, "daily")}
        self.assertEqual(source_slots, {slot(n) for n in range(1, 6)}, "the source keeps daily 7")
        # A copy deleted by hand is made again while retention wants it.
        victim = next(c for found in self.copies().values() for c in found
                      if fleet.tags_of(c)["snapkeep:slot"] == slot(4))
        self.west.delete_snapshot(SnapshotId=victim["SnapshotId"])
        data = self.run_ok(day(5, 13))
        self.assertEqual(data["copies"][0]["started"], 3)  # day 5's two, and the victim
        slots = collections.Counter(fleet.tags_of(c)["snapkeep:slot"]
                                    for found in self.copies().values() for c in found)
        self.assertEqual((slots[slot(4)], slots[slot(5)]), (2, 2))

    def test_a_refused_copy_is_reported_and_the_next_run_copies(self):
        self.run_ok(day(1))
        proxy = FaultProxy(fleet.endpoint(), buckets=False, forced={"CopySnapshot": "http500"}).start()
        try:
            proc = sk.run("run", "--now", day(1, 13), "--output", "json", "--endpoint-url", proxy.url,
                          config=self.config, endpoint=False)
        finally:
            proxy.stop()
        self.assertEqual(proc.returncode, 1, proc.stdout[-3000:] + proc.stderr)
        data = json.loads(proc.stdout)
        failed = [a for a in data["actions"] if a["action"] == "copy"]
        self.assertEqual(len(failed), 2)
        for a in failed:
            self.assertEqual(a["outcome"], "failed")
            self.assertEqual(a["error"]["code"], "InternalError")
            self.assertEqual(a["region"], "us-west-2")
        self.assertEqual(data["copies"][0]["failed"], 2)
        self.assertEqual(self.copies(), {})
        text = sk.run("run", "--now", day(1, 14), "--quiet", config=self.config)
        self.assertEqual(text.returncode, 0, text.stdout + text.stderr)
        self.assertIn("2 copies started", text.stdout)
        self.assertEqual(len(self.copies()), 2)

    def test_killed_after_copy_snapshot_a_rerun_converges_without_duplicates(self):
        self.run_ok(day(1))
        proxy = FaultProxy(fleet.endpoint(), buckets=False)
        proxy.server.handle_error = lambda *args: None  # the killed client's reset is expected
        proxy.start()
        try:
            proc = subprocess.Popen(
                [sk.binary(), "run", "--now", day(1, 13), "--config", self.config,
                 "--endpoint-url", proxy.url],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

            def kill_after_first_copy(entry):
                if entry["action"] == "CopySnapshot":
                    proc.send_signal(signal.SIGKILL)
            proxy.after_forward = kill_after_first_copy
            proc.wait(timeout=120)
        finally:
            proxy.stop()
        self.assertEqual(proc.returncode, -signal.SIGKILL)
        self.assertEqual(sum(len(v) for v in self.copies().values()), 1, "killed after one copy")
        data = self.run_ok(day(1, 14))
        self.assertEqual(data["copies"][0]["started"], 1)
        copies = self.copies()
        self.assertEqual(len(copies), 2)
        self.assertEqual({len(v) for v in copies.values()}, {1}, "no source copied twice")
        self.run_ok(day(1, 15))
        self.assertEqual(sum(len(v) for v in self.copies().values()), 2)


    def test_list_shows_each_points_copies_and_the_copies_whose_source_is_gone(self):
        self.run_ok(day(1))
        self.run_ok(day(1, 13))  # copies day 1's point
        proc, data = sk.run_json("list", "--now", day(1, 14), config=self.config)
        self.assertEqual(proc.returncode, 0, proc.stdout[-3000:] + proc.stderr)
        self.assertEqual(data["copy_regions"],
                         [{"account": self.account, "region": "us-west-2", "complete": True}])
        [point] = data["restore_points"]
        [copy] = point["copies"]
        self.assertEqual((copy["account"], copy["region"], copy["state"], copy["completed"],
                          copy["source_snapshots"]), (self.account, "us-west-2", "completed", 2, 2))
        at_west = {found[0]["SnapshotId"]: (source_id, found[0]["State"])
                   for source_id, found in self.copies().items()}
        self.assertEqual({s["snapshot_id"]: (s["source_snapshot_id"], s["state"])
                          for s in copy["snapshots"]}, at_west)
        self.assertEqual({s["source_snapshot_id"] for s in copy["snapshots"]},
                         {s["snapshot_id"] for s in point["snapshots"]})

        # The source point deleted: its copies are a restore point of their own.
        for snap in fleet.snapshots(self.east, "daily"):
            self.east.delete_snapshot(SnapshotId=snap["SnapshotId"])
        proc, data = sk.run_json("list", "--now", day(1, 14), config=self.config)
        self.assertEqual(proc.returncode, 0, proc.stdout[-3000:] + proc.stderr)
        self.assertEqual(data["restore_points"], [])
        [gone] = data["copies_without_source"]
        self.assertEqual((gone["account"], gone["region"], gone["source_region"], gone["source"],
                          gone["instance_id"], gone["slot"], gone["state"]),
                         (self.account, "us-west-2", "us-east-1", "gone", self.instance, slot(1),
                          "good"))
        self.assertEqual({s["snapshot_id"] for s in gone["snapshots"]}, set(at_west))
        text = sk.run("list", "--now", day(1, 14), config=self.config).stdout
        self.assertIn("COPIES WITHOUT THEIR SOURCE POINT", text)
        self.assertIn("us-east-1 gone", text)

if __name__ == "__main__":
    unittest.main()
