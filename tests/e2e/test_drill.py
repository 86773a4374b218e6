"""End to end: `snapkeep drill` over a week of daily runs against moto,
checked with boto3: every drill passes, is recorded on the point it drilled,
shows in `list`, deletes its volumes, drills each instance once per slot,
and removes the leftovers of a crashed drill."""

import datetime
import unittest

import fleet
import snapkeep_cli as sk

CONFIG = """\
regions: [us-east-1]
policies:
  - name: nightly
    select:
      tags: {Backup: "true"}
    schedule: "cron(0 0 * * ? *)"
    retain:
      daily: 7
"""


def day(n, hour=6):
    return (datetime.datetime(2026, 11, 1, hour, tzinfo=datetime.timezone.utc)
            + datetime.timedelta(days=n - 1)).strftime("%Y-%m-%dT%H:%M:%SZ")


class DrillTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        fleet.reset()
        cls.ec2 = fleet.client("ec2", "us-east-1")
        cls.web = fleet.run_instance(cls.ec2, {"Backup": "true", "Name": "web"})
        cls.db = fleet.run_instance(cls.ec2, {"Backup": "true", "Name": "db"},
                                    data_devices=["/dev/sdf", ("/dev/sdg", 20, {})])
        cls.config = sk.write_config(CONFIG)

    def drill_volumes(self):
        return self.ec2.describe_volumes(
            Filters=[{"Name": "tag-key", "Values": ["snapkeep:drill-of"]}])["Volumes"]

    def test_a_week_of_daily_runs_and_drills(self):
        for n in range(1, 8):
            run = sk.run("run", "--now", day(n), config=self.config)
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
            proc, data = sk.run_json("drill", "--policy", "nightly", "--now", day(n),
                                     config=self.config)
            self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
            results = {d["instance_id"]: d for d in data["drills"]}
            self.assertEqual(set(results), {self.web, self.db}, n)
            slot = day(n, hour=0)
            for instance, d in results.items():
                self.assertEqual(d["result"], "pass", d)
                self.assertEqual(d["slot"], slot, "the latest point is drilled")
                self.assertTrue(d["volumes_deleted"])
            self.assertEqual(len(results[self.db]["volume_ids"]), 3)
            self.assertEqual(self.drill_volumes(), [], "drill volumes are deleted")
            # The result is on every snapshot of the point drilled.
            for s in fleet.snapshots(self.ec2, "nightly"):
                tags = fleet.tags_of(s)
                if tags["snapkeep:slot"] == slot:
                    self.assertTrue(tags["snapkeep:drill"].startswith("pass " + day(n) + " "), tags)
            # Again in the same drill slot: nothing is due.
            proc, again = sk.run_json("drill", "--policy", "nightly", "--now", day(n, hour=7),
                                      config=self.config)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertEqual(again["drills"], [])

        proc, listing = sk.run_json("list", "--now", day(7), config=self.config)
        self.assertEqual(proc.returncode, 0)
        drilled = [p for p in listing["restore_points"] if p["last_drill"]]
        self.assertEqual(len(drilled), 14, "one drill per instance and day")
        self.assertTrue(all(p["last_drill"]["result"] == "pass" for p in drilled))
        text = sk.run("list", "--now", day(7), config=self.config).stdout
        self.assertIn("good, drill pass", text)

    def test_leftovers_of_a_crashed_drill_are_deleted(self):
        vol = self.ec2.create_volume(AvailabilityZone="us-east-1a", Size=1, TagSpecifications=[
            {"ResourceType": "volume", "Tags": [{"Key": "snapkeep:drill-of", "Value": "x"},
                                                {"Key": "snapkeep:drill-expires", "Value": day(1)}]}])
        other = self.ec2.create_volume(AvailabilityZone="us-east-1a", Size=1)
        proc, data = sk.run_json("drill", "--policy", "nightly", "--now", day(9), "--instance",
                                 "i-00000000000000000", config=self.config)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(data["leftovers_deleted"], 1)
        ids = {v["VolumeId"] for v in self.ec2.describe_volumes()["Volumes"]}
        self.assertNotIn(vol["VolumeId"], ids)
        self.assertIn(other["VolumeId"], ids, "never what a drill did not make")


class DrillConfigTest(unittest.TestCase):
    """The policy's drill: drives `snapkeep drill` without flags, and a drill
    run is notified as notify.on says."""

    @classmethod
    def setUpClass(cls):
        fleet.reset()
        cls.ec2 = fleet.client("ec2", "us-east-1")
        cls.web = fleet.run_instance(cls.ec2, {"Backup": "true", "Name": "web"})
        fleet.run_instance(cls.ec2, {"Team": "other"})
        cls.hook = sk.Webhook()
        cls.config = sk.write_config(f"""\
            regions: [us-east-1]
            notify: {{webhook_url: "{cls.hook.url}", on: [summary]}}
            policies:
              - name: nightly
                select: {{tags: {{Backup: "true"}}}}
                schedule: "cron(0 0 * * ? *)"
                retain: {{daily: 7}}
                drill: {{schedule: "cron(0 5 ? * SUN *)", within_days: 3}}
              - name: other
                select: {{tags: {{Team: "other"}}}}
                schedule: "cron(0 0 * * ? *)"
                retain: {{count: 2}}
            """)

    @classmethod
    def tearDownClass(cls):
        cls.hook.close()

    def test_drills_follow_the_policy_setting_and_are_notified(self):
        # 2026-11-01 is a Sunday: the drill slot is 05:00 that day.
        self.assertEqual(sk.run("run", "--now", day(1), config=self.config).returncode, 0)
        self.hook.received.clear()
        proc, data = sk.run_json("drill", "--now", day(1), config=self.config)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual([(d["policy"], d["instance_id"], d["result"]) for d in data["drills"]],
                         [("nightly", self.web, "pass")], "only the policy with drill:")
        self.assertEqual(len(self.hook.received), 1, "on: [summary] notifies every drill run")
        body = self.hook.received[0]
        self.assertEqual(body["text"], "snapkeep drill: 1 passed, 0 failed, 0 not due")
        self.assertEqual(body["drill"]["drills"][0]["instance_id"], self.web)
        # Monday: still the Sunday slot, nothing is due.
        proc, data = sk.run_json("drill", "--now", day(2), config=self.config)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(data["drills"], [])
        # A flag overrides the setting for one invocation: daily slots.
        proc, data = sk.run_json("drill", "--now", day(2), "--schedule", "rate(1 day)",
                                 config=self.config)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(len(data["drills"]), 1)

    def test_no_policy_with_drill_and_no_policy_flag_is_refused(self):
        config = sk.write_config("""\
            regions: [us-east-1]
            policies:
              - name: nightly
                select: {tags: {Backup: "true"}}
                schedule: "cron(0 0 * * ? *)"
                retain: {count: 1}
            """)
        proc = sk.run("drill", "--now", day(1), config=config)
        self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
        self.assertIn("no policy in", proc.stderr)
        self.assertIn("has drill:", proc.stderr)


if __name__ == "__main__":
    unittest.main()
