"""End to end: `snapkeep report` against moto at several --now times, checked
with boto3; the HTML page rendered by headless Chromium."""

import collections
import datetime
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import fleet
import snapkeep_cli as sk

CONFIG = """\
regions: [us-east-1]
policies:
  - name: {name}
    select:
      tags: {{Backup: "true"}}
    schedule: "cron(0 0 * * ? *)"
    retain:
      daily: 7
"""


def day(n, hour=12):
    """An ISO time on day n of November 2026, UTC."""
    return (datetime.datetime(2026, 11, 1, hour, tzinfo=datetime.timezone.utc)
            + datetime.timedelta(days=n - 1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def slot(n):
    return day(n, 0)


def report(config, now, *extra):
    proc, data = sk.run_json("report", "--now", now, *extra, config=config)
    return proc, data


def by_id(data):
    return {i["instance_id"]: i for i in data["instances"]}


def boto_points(ec2):
    """{instance: {(policy, slot, set)}} of snapkeep's snapshots, per boto3."""
    out = collections.defaultdict(set)
    for snap in fleet.snapshots(ec2):
        tags = fleet.tags_of(snap)
        out[tags["snapkeep:instance"]].add((tags["snapkeep:policy"], tags["snapkeep:slot"],
                                            tags["snapkeep:set"]))
    return out


def live_instances(ec2):
    out = set()
    for page in ec2.get_paginator("describe_instances").paginate():
        for reservation in page["Reservations"]:
            for inst in reservation["Instances"]:
                if inst["State"]["Name"] != "terminated":
                    out.add(inst["InstanceId"])
    return out


class ReportTest(unittest.TestCase):
    def setUp(self):
        fleet.reset()
        self.names = fleet.demo_fleet(regions=("us-east-1",))["us-east-1"]
        self.ec2 = fleet.client("ec2", "us-east-1")
        self.config = sk.write_config(CONFIG.format(name="nightly"))
        self.selected = {self.names[n] for n in ("web-1", "db-1", "batch-1")}

    def run_at(self, now, config=None):
        proc = sk.run("run", "--now", now, config=config or self.config)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)

    def test_ok_after_a_run_then_late_when_runs_are_skipped(self):
        self.run_at(day(1))
        self.run_at(day(2))
        proc, data = report(self.config, day(2))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        instances = by_id(data)
        # Every instance boto3 sees, once; statuses as the config says.
        self.assertEqual(set(instances), live_instances(self.ec2))
        points = boto_points(self.ec2)
        for instance_id, inst in instances.items():
            self.assertEqual(inst["account"], "123456789012")
            self.assertEqual(inst["region"], "us-east-1")
            if instance_id in self.selected:
                self.assertEqual(inst["status"], "ok", inst)
                self.assertEqual(inst["policies"], ["nightly"])
                self.assertEqual(inst["last_good_slot"], slot(2))
                self.assertEqual(inst["points"], len(points[instance_id]))
                self.assertEqual(inst["points"], 2)
            else:
                self.assertEqual(inst["status"], "unprotected", inst)
                self.assertEqual(inst["reasons"], ["no policy selects it"])
                self.assertEqual(inst["points"], 0)
        self.assertEqual(instances[self.names["db-1"]]["name"], "db-1")
        summary = data["summary"]
        self.assertEqual((summary["ok"], summary["late"], summary["missing"], summary["unprotected"]),
                         (3, 0, 0, 2))
        self.assertEqual(data["findings"], [])
        # The report lists no more than `list` plus the instances.
        self.assertEqual(set(data["api_calls"]), {"DescribeInstances", "DescribeSnapshots"})

        # Day 2's point is the previous slot on day 3: still ok. On day 4 it is late.
        proc, data = report(self.config, day(3))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        proc, data = report(self.config, day(4))
        self.assertEqual(proc.returncode, 1, proc.stderr)
        for instance_id in self.selected:
            inst = by_id(data)[instance_id]
            self.assertEqual(inst["status"], "late")
            self.assertEqual(inst["last_good_age_seconds"], 2 * 86400 + 12 * 3600)
            self.assertEqual(inst["rpo_seconds"], 86400)
        self.assertEqual(data["summary"]["late"], 3)

        # Text: the summary line first, then the tables.
        text = sk.run("report", "--now", day(4), config=self.config)
        self.assertEqual(text.returncode, 1)
        lines = text.stdout.splitlines()
        self.assertTrue(lines[0].startswith("snapkeep report at 2026-11-04T12:00:00Z: 5 instances"),
                        lines[0])
        self.assertIn("0 of 3 selected instances ok, 3 late, 0 missing; 2 unprotected", lines[1])
        self.assertIn("INSTANCES (worst first)", text.stdout)
        quiet = sk.run("report", "--now", day(4), "--quiet", config=self.config)
        self.assertEqual(quiet.returncode, 1)
        self.assertEqual(quiet.stdout.splitlines(), lines[:4])

    def test_a_newly_tagged_instance_is_missing_until_a_run(self):
        self.run_at(day(1))
        new = fleet.run_instance(self.ec2, {"Name": "new-1", "Backup": "true"})
        proc, data = report(self.config, day(1))
        self.assertEqual(proc.returncode, 1, proc.stderr)
        inst = by_id(data)[new]
        self.assertEqual(inst["status"], "missing")
        self.assertIsNone(inst["last_good_slot"])
        self.assertEqual(data["summary"]["missing"], 1)
        self.run_at(day(1))
        proc, data = report(self.config, day(1))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(by_id(data)[new]["status"], "ok")

    def test_orphans_and_unowned_points_after_a_policy_rename(self):
        self.run_at(day(1))
        renamed = sk.write_config(CONFIG.format(name="daily"))
        self.run_at(day(2), config=renamed)
        self.ec2.terminate_instances(InstanceIds=[self.names["web-1"]])
        proc, data = report(renamed, day(2))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        findings = collections.defaultdict(list)
        for f in data["findings"]:
            findings[f["kind"]].append(f)
        # The old name's snapshots, as boto3 counts them.
        old = fleet.snapshots(self.ec2, "nightly")
        old_points = {fleet.tags_of(s)["snapkeep:set"] for s in old}
        self.assertEqual(len(findings["unowned_policy"]), 1, data["findings"])
        unowned = findings["unowned_policy"][0]
        self.assertEqual(unowned["policy"], "nightly")
        self.assertEqual(unowned["snapshots"], len(old))
        self.assertEqual(unowned["points"], len(old_points))
        # web-1 is gone: its daily point is an orphan, released after 365 days.
        self.assertEqual(len(findings["orphan"]), 1, data["findings"])
        orphan = findings["orphan"][0]
        self.assertEqual(orphan["instance_id"], self.names["web-1"])
        self.assertEqual(orphan["policy"], "daily")
        self.assertEqual(orphan["release"], "2027-11-02T00:00:00Z")
        self.assertNotIn(self.names["web-1"], by_id(data))
        # The old points are not the instances' points under the new name.
        self.assertEqual(by_id(data)[self.names["db-1"]]["points"], 1)

    def test_html_page_renders_in_chromium_with_the_json_numbers(self):
        self.run_at(day(1))
        fleet.run_instance(self.ec2, {"Name": "new-1", "Backup": "true"})
        out_dir = tempfile.mkdtemp(prefix="snapkeep-report-")
        page = os.path.join(out_dir, "report.html")
        proc = sk.run("report", "--now", day(2), "--output", "html", "--out", page,
                      config=self.config)
        self.assertEqual(proc.returncode, 1, proc.stderr)  # new-1 is missing
        self.assertIn(page, proc.stderr)
        _, data = report(self.config, day(2))
        with open(page, encoding="utf-8") as handle:
            html = handle.read()
        # Self-contained: no script, no URL to fetch.
        self.assertNotRegex(html, r"(?i)<script|https?://|src=|@import|url\(")
        self.assertIn("<svg", html)

        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if not chromium:
            self.skipTest("chromium is not installed (scripts/install-deps.sh installs it)")
        artifacts = os.environ.get("SNAPKEEP_ARTIFACTS") or os.path.join(
            os.path.dirname(os.path.abspath(sk.binary())), "test-artifacts")
        os.makedirs(artifacts, exist_ok=True)
        screenshot = os.path.join(artifacts, "report.png")
        flags = [chromium, "--headless", "--disable-gpu", "--no-sandbox",
                 "--user-data-dir=" + os.path.join(out_dir, "profile"), "--enable-logging=stderr",
                 "--v=0"]
        dom = subprocess.run(flags + ["--dump-dom", "file://" + page], capture_output=True,
                             text=True, timeout=120)
        self.assertEqual(dom.returncode, 0, dom.stderr[-2000:])
        self.assertNotIn("Uncaught", dom.stderr)
        self.assertNotRegex(dom.stderr, r"CONSOLE\(\d+\)")
        tiles = dict(re.findall(r'id="tile-([a-z_]+)" data-value="(\d+)"', dom.stdout))
        summary = data["summary"]
        for key in ("instances", "selected", "ok", "late", "missing", "unprotected", "findings",
                    "size_gib"):
            self.assertEqual(int(tiles[key]), summary[key], key)
        self.assertEqual(int(tiles["missing"]), 1)
        shot = subprocess.run(flags + ["--window-size=1280,1600", "--screenshot=" + screenshot,
                                       "file://" + page],
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(shot.returncode, 0, shot.stderr[-2000:])
        self.assertGreater(os.path.getsize(screenshot), 10000)
        shutil.copy(page, os.path.join(artifacts, "report.html"))
        shutil.rmtree(out_dir, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
