"""End to end: `snapkeep plan/run/list` against moto, checked with boto3."""

import collections
import datetime
import threading
import unittest

import fleet
import snapkeep_cli as sk

NIGHTLY = """\
regions: [us-east-1, eu-west-1]
policies:
  - name: nightly
    select:
      tags: {Backup: "true"}
    schedule: "cron(0 0 * * ? *)"
    snapshot:
      copy_tags: [instance]
      tags: {CostCenter: ops}
    retain:
      daily: 7
"""


def day(n, hour=12):
    """An ISO time on day n of November 2026, UTC."""
    return (datetime.datetime(2026, 11, 1, hour, tzinfo=datetime.timezone.utc)
            + datetime.timedelta(days=n - 1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def points(ec2, policy="nightly"):
    """{(instance, slot): set of set ids} of the policy's snapshots."""
    out = collections.defaultdict(set)
    for snap in fleet.snapshots(ec2, policy):
        tags = fleet.tags_of(snap)
        out[(tags["snapkeep:instance"], tags["snapkeep:slot"])].add(tags["snapkeep:set"])
    return out


class RunTest(unittest.TestCase):
    def setUp(self):
        fleet.reset()
        self.fleet = fleet.demo_fleet()
        self.config = sk.write_config(NIGHTLY)
        self.east = fleet.client("ec2", "us-east-1")
        self.west = fleet.client("ec2", "eu-west-1")

    def test_run_snapshots_exactly_the_selected_instances_and_volumes(self):
        proc = sk.run("run", "--now", day(1), config=self.config)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        for region, ec2 in (("us-east-1", self.east), ("eu-west-1", self.west)):
            names = self.fleet[region]
            snaps = fleet.snapshots(ec2, "nightly")
            by_instance = collections.defaultdict(list)
            for s in snaps:
                by_instance[fleet.tags_of(s)["snapkeep:instance"]].append(s)
            self.assertEqual(set(by_instance), {names["web-1"], names["db-1"], names["batch-1"]})
            for name, count in (("web-1", 1), ("db-1", 3), ("batch-1", 2)):
                instance_id = names[name]
                volumes = fleet.instance_volumes(ec2, instance_id)
                device_of = {v: d for d, v in volumes.items()}
                got = by_instance[instance_id]
                self.assertEqual(len(got), count, name)
                set_ids = {fleet.tags_of(s)["snapkeep:set"] for s in got}
                self.assertEqual(len(set_ids), 1, "one restore point per instance")
                for s in got:
                    tags = fleet.tags_of(s)
                    self.assertEqual(tags["snapkeep:policy"], "nightly")
                    self.assertEqual(tags["snapkeep:slot"], "2026-11-01T00:00:00Z")
                    self.assertEqual(tags["snapkeep:instance"], instance_id)
                    self.assertEqual(tags["snapkeep:device"], device_of[s["VolumeId"]])
                    self.assertEqual(tags["CostCenter"], "ops")
                    self.assertEqual(tags["Backup"], "true", "instance tags copied")
                    self.assertIn(name, tags["Name"])
                    self.assertNotIn("aws:", "".join(tags))

    def test_second_run_in_the_same_slot_creates_nothing(self):
        first = sk.run("run", "--now", day(1), config=self.config)
        self.assertEqual(first.returncode, 0, first.stdout + first.stderr)
        before = {s["SnapshotId"] for s in fleet.snapshots(self.east)}
        second, data = sk.run_json("run", "--now", day(1, hour=18), config=self.config)
        self.assertEqual(second.returncode, 0, second.stdout + second.stderr)
        self.assertEqual(data["totals"]["created"], 0)
        self.assertEqual({s["SnapshotId"] for s in fleet.snapshots(self.east)}, before)

    def test_plan_changes_nothing_and_says_what_run_would_do(self):
        proc, data = sk.run_json("plan", "--now", day(1), config=self.config)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(fleet.snapshots(self.east), [])
        creates = [a for a in data["actions"] if a["action"] == "create"]
        self.assertEqual(len(creates), 6)  # 3 instances x 2 regions
        self.assertTrue(all(a["outcome"] == "planned" for a in creates))

    def test_retention_over_a_month_keeps_exactly_the_last_seven_days(self):
        for n in range(1, 31):
            proc = sk.run("run", "--now", day(n), config=self.config)
            self.assertEqual(proc.returncode, 0, f"day {n}: {proc.stdout}{proc.stderr}")
        for region, ec2 in (("us-east-1", self.east), ("eu-west-1", self.west)):
            got = points(ec2)
            expected_slots = {day(n, hour=0) for n in range(24, 31)}
            for name in ("web-1", "db-1", "batch-1"):
                instance_id = self.fleet[region][name]
                slots = {slot for (inst, slot) in got if inst == instance_id}
                self.assertEqual(slots, expected_slots, f"{region} {name}")
                for slot in slots:
                    self.assertEqual(len(got[(instance_id, slot)]), 1)

    def test_foreign_snapshots_are_never_touched(self):
        web = self.fleet["us-east-1"]["web-1"]
        root = fleet.instance_volumes(self.east, web)["/dev/sda1"]
        manual = self.east.create_snapshot(VolumeId=root, Description="manual")["SnapshotId"]
        other_tool = self.east.create_snapshot(
            VolumeId=root, TagSpecifications=[{"ResourceType": "snapshot", "Tags": [
                {"Key": "dlm:managed", "Value": "true"}, {"Key": "Backup", "Value": "true"}]}])["SnapshotId"]
        other_policy = self.east.create_snapshot(
            VolumeId=root, TagSpecifications=[{"ResourceType": "snapshot", "Tags": [
                {"Key": "snapkeep:policy", "Value": "weekly"},
                {"Key": "snapkeep:instance", "Value": web},
                {"Key": "snapkeep:slot", "Value": "2020-01-01T00:00:00Z"},
                {"Key": "snapkeep:set", "Value": "old-1"}]}])["SnapshotId"]
        for n in (1, 15, 30):
            proc = sk.run("run", "--now", day(n), config=self.config)
            self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        left = {s["SnapshotId"] for s in fleet.snapshots(self.east)}
        self.assertTrue({manual, other_tool, other_policy} <= left)

    def test_snapshot_used_by_an_ami_is_skipped_and_reported(self):
        web = self.fleet["us-east-1"]["web-1"]
        # count: 2 (the run's new point and one more) lets the AMI's old point
        # go by the rules; daily: 7 would keep it (restic: the last 7 days
        # that have points).
        self.config = sk.write_config(NIGHTLY.replace("daily: 7", "count: 2"))
        # A newer point first, so that the AMI's is not the newest (always kept).
        first = sk.run("run", "--now", day(1), config=self.config)
        self.assertEqual(first.returncode, 0, first.stdout + first.stderr)
        image = self.east.create_image(InstanceId=web, Name="golden")["ImageId"]
        described = self.east.describe_images(ImageIds=[image])["Images"][0]
        ami_snapshot = described["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
        # Make the AMI's snapshot look like an old restore point of the policy.
        self.east.create_tags(Resources=[ami_snapshot], Tags=[
            {"Key": "snapkeep:policy", "Value": "nightly"},
            {"Key": "snapkeep:instance", "Value": web},
            {"Key": "snapkeep:slot", "Value": "2026-10-01T00:00:00Z"},
            {"Key": "snapkeep:set", "Value": "ami-set"}])
        proc, data = sk.run_json("run", "--now", day(10), config=self.config)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn(ami_snapshot, {s["SnapshotId"] for s in fleet.snapshots(self.east)})
        mentions = [a for a in data["actions"] if ami_snapshot in a["snapshot_ids"]]
        self.assertTrue(mentions, "the AMI snapshot is reported")
        self.assertTrue(all(a["outcome"] == "skipped" for a in mentions))
        self.assertTrue(any(image in a["reason"] for a in mentions), mentions)

    def test_two_runs_at_once_converge_to_one_point_per_slot(self):
        results = []

        def go():
            results.append(sk.run("run", "--now", day(3), config=self.config))

        threads = [threading.Thread(target=go) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for proc in results:
            self.assertIn(proc.returncode, (0, 1), proc.stdout + proc.stderr)
        final = sk.run("run", "--now", day(3, hour=13), config=self.config)
        self.assertEqual(final.returncode, 0, final.stdout + final.stderr)
        for ec2 in (self.east, self.west):
            for key, sets in points(ec2).items():
                self.assertEqual(len(sets), 1, key)

    def test_list_shows_restore_points(self):
        for n in (1, 2):
            proc = sk.run("run", "--now", day(n), config=self.config)
            self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        proc, data = sk.run_json("list", "--now", day(2), config=self.config)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        db = self.fleet["us-east-1"]["db-1"]
        mine = [p for p in data["restore_points"] if p["instance_id"] == db]
        self.assertEqual(sorted(p["slot"] for p in mine), [day(1, 0), day(2, 0)])
        self.assertTrue(all(len(p["snapshots"]) == 3 for p in mine))
        text = sk.run("list", "--instance", db, config=self.config)
        self.assertEqual(text.returncode, 0, text.stderr)
        self.assertIn(db, text.stdout)
        self.assertEqual({r["account"] for r in data["regions"]}, {"123456789012"},
                         "the account from GetCallerIdentity")

    def test_a_repeated_region_is_worked_on_once(self):
        proc, data = sk.run_json("run", "--now", day(1), "--region", "us-east-1",
                                 "--region", "us-east-1", config=self.config)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual([r["region"] for r in data["regions"]], ["us-east-1"])
        self.assertEqual(data["regions"][0]["account"], "123456789012")
        self.assertEqual(data["totals"]["created"], 3)
        for key, sets in points(self.east).items():
            self.assertEqual(len(sets), 1, key)
        self.assertEqual(fleet.snapshots(self.west), [])


class NotifyTest(unittest.TestCase):
    def setUp(self):
        fleet.reset()
        self.fleet = fleet.demo_fleet(("us-east-1",))

    def test_sns_summary_arrives(self):
        sns = fleet.client("sns")
        sqs = fleet.client("sqs")
        topic = sns.create_topic(Name="backup")["TopicArn"]
        queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        config = sk.write_config(f"""\
            regions: [us-east-1]
            notify:
              sns_topic_arn: {topic}
              on: [summary]
            policies:
              - name: nightly
                select: {{tags: {{Backup: "true"}}}}
                schedule: "cron(0 0 * * ? *)"
                retain: {{count: 3}}
            """)
        proc = sk.run("run", "--now", day(1), config=config)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        import json
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        self.assertEqual(len(messages), 1)
        envelope = json.loads(messages[0]["Body"])
        self.assertIn("3 created", envelope["Subject"])
        self.assertLess(len(envelope["Subject"]), 100)
        self.assertIn("3 created", envelope["Message"])


    def test_webhook_receives_the_summary_as_json(self):
        import http.server
        import json
        received = []

        class Hook(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                received.append((self.path, self.headers.get("Content-Type"), self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            config = sk.write_config(f"""\
                regions: [us-east-1]
                notify:
                  webhook_url: http://127.0.0.1:{server.server_port}/hooks/secret-token
                  on: [summary]
                policies:
                  - name: nightly
                    select: {{tags: {{Backup: "true"}}}}
                    schedule: "cron(0 0 * * ? *)"
                    retain: {{count: 3}}
                """)
            proc = sk.run("run", "--now", day(1), config=config)
            self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        finally:
            server.shutdown()
        self.assertEqual(len(received), 1)
        path, content_type, body = received[0]
        self.assertEqual(path, "/hooks/secret-token")
        self.assertEqual(content_type, "application/json")
        payload = json.loads(body)
        self.assertIn("3 created", payload["text"])
        self.assertEqual(payload["summary"]["totals"]["created"], 3)

    def test_unsendable_notification_is_reported_and_exits_1(self):
        config = sk.write_config("""\
            regions: [us-east-1]
            notify:
              sns_topic_arn: arn:aws:sns:us-east-1:123456789012:missing
              on: [summary]
            policies:
              - name: nightly
                select: {tags: {Backup: "true"}}
                schedule: "cron(0 0 * * ? *)"
                retain: {count: 3}
            """)
        proc, data = sk.run_json("run", "--now", day(1), config=config)
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        self.assertEqual(data["totals"]["created"], 3, "the backup result is not hidden")
        self.assertEqual(len(data["notification_errors"]), 1)
        self.assertIn("missing", data["notification_errors"][0])


def policy_config(webhook, regions="regions: [us-east-1]", select="true"):
    return sk.write_config(f"""\
        {regions}
        notify:
          webhook_url: {webhook}
        policies:
          - name: nightly
            select: {{tags: {{Backup: "{select}"}}}}
            schedule: "cron(0 0 * * ? *)"
            retain: {{count: 3}}
        """)


# No AWS settings from the environment beyond what a test sets.
NO_AWS_FILES = {"AWS_CONFIG_FILE": "/nonexistent/snapkeep-e2e", "AWS_SHARED_CREDENTIALS_FILE":
                "/nonexistent/snapkeep-e2e", "AWS_PROFILE": "", "AWS_EC2_METADATA_DISABLED": "true"}


class SilentFailureTest(unittest.TestCase):
    """Issue 9 majors 4 and 5: nothing that stops backups goes unsaid."""

    @classmethod
    def setUpClass(cls):
        fleet.reset()
        cls.fleet = fleet.demo_fleet(("us-east-1",))
        cls.ec2 = fleet.client("ec2")
        cls.hook = sk.Webhook()

    @classmethod
    def tearDownClass(cls):
        cls.hook.close()

    def setUp(self):
        self.hook.received.clear()

    def test_a_policy_selecting_nothing_warns_in_every_output(self):
        config = policy_config(self.hook.url, select="True")  # the tag value is "true"
        proc, data = sk.run_json("run", "--now", day(1), config=config)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual(data["totals"]["created"], 0)
        failures = [w for w in data["warnings"] if w["level"] == "failure"]
        self.assertEqual(len(failures), 1, data["warnings"])
        self.assertEqual(failures[0]["policy"], "nightly")
        self.assertIn("selects no instance", failures[0]["message"])
        self.assertEqual(len(self.hook.received), 1, "a failure-level notification")
        self.assertIn("1 warning", self.hook.received[0]["text"])
        text = sk.run("plan", "--now", day(1), config=config)
        self.assertEqual(text.returncode, 0, text.stdout + text.stderr)
        self.assertIn("failure: nightly: selects no instance", text.stdout)
        quiet = sk.run("run", "--quiet", "--now", day(1), config=config)
        self.assertIn("selects no instance", quiet.stdout)
        self.assertEqual(fleet.snapshots(self.ec2), [])

    def test_no_region_anywhere_is_bad_input_not_us_east_1(self):
        config = policy_config(self.hook.url, regions="")
        proc = sk.run("run", "--now", day(1), config=config,
                      env={**NO_AWS_FILES, "AWS_REGION": "", "AWS_DEFAULT_REGION": ""})
        self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
        self.assertIn("no region", proc.stdout + proc.stderr)
        self.assertEqual(fleet.snapshots(self.ec2), [])
        self.assertEqual(len(self.hook.received), 1, "the webhook hears why")
        self.assertIn("no region", self.hook.received[0]["text"])

    def test_no_credentials_exit_2_and_still_notify_the_webhook(self):
        config = policy_config(self.hook.url)
        proc = sk.run("run", "--quiet", "--now", day(1), config=config,
                      env={**NO_AWS_FILES, "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""})
        self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
        self.assertIn("credentials", proc.stdout)
        self.assertEqual(len(self.hook.received), 1)
        self.assertEqual(self.hook.received[0]["summary"]["exit_status"], 2)
        self.assertEqual(fleet.snapshots(self.ec2), [])

    def test_an_invalid_configuration_is_still_notified_by_run(self):
        config = sk.write_config(f"""\
            regions: [us-east-1]
            notify:
              webhook_url: {self.hook.url}
            policies:
              - name: nightly
                select: {{tags: {{Backup: "true"}}}}
                schedule: "cron(0 0 * * ? *)"
                retain: {{daily: -1}}
            """)
        proc = sk.run("run", "--now", day(1), config=config)
        self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
        self.assertIn(":8:", proc.stderr)
        self.assertEqual(len(self.hook.received), 1)
        self.assertIn("invalid configuration", self.hook.received[0]["text"])
        self.assertEqual(fleet.snapshots(self.ec2), [])
        plan = sk.run("plan", "--now", day(1), config=config)
        self.assertEqual(plan.returncode, 2)
        self.assertEqual(len(self.hook.received), 1, "plan never notifies")

    def test_quiet_still_says_why_a_notification_failed(self):
        config = policy_config("http://127.0.0.1:9/hooks/secret")
        proc = sk.run("plan", "--now", day(1), config=config)  # plan never notifies
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        config = policy_config("http://127.0.0.1:9/hooks/secret", select="True")
        proc = sk.run("run", "--quiet", "--now", day(1), config=config)
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        self.assertIn("notification failed: webhook http://127.0.0.1:9", proc.stdout)
        self.assertNotIn("secret", proc.stdout + proc.stderr)


class BadInputTest(unittest.TestCase):
    def setUp(self):
        fleet.reset()
        self.fleet = fleet.demo_fleet(("us-east-1",))
        self.ec2 = fleet.client("ec2")

    def test_bad_config_exits_2_and_changes_nothing(self):
        config = sk.write_config("""\
            regions: [us-east-1]
            policies:
              - name: nightly
                select: {tags: {Backup: "true"}}
                schedule: "cron(0 0 * * * *)"
                retain: {daily: -1}
            """)
        proc = sk.run("run", config=config)
        self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
        self.assertIn(":5:", proc.stderr)
        self.assertEqual(fleet.snapshots(self.ec2), [])

    def test_bad_flag_exits_2(self):
        proc = sk.run("run", "--now", "yesterday", config=sk.write_config(NIGHTLY))
        self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
        self.assertIn("--now", proc.stderr)
        self.assertEqual(fleet.snapshots(self.ec2), [])

    def test_unreachable_endpoint_exits_1_with_a_clear_message(self):
        proc = sk.run("run", "--endpoint-url", "http://127.0.0.1:9", "--now", day(1),
                      config=sk.write_config(NIGHTLY), endpoint=False,
                      env={"AWS_MAX_ATTEMPTS": "2"})
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        self.assertIn("127.0.0.1:9", proc.stdout + proc.stderr)
        self.assertLess(len((proc.stdout + proc.stderr).splitlines()), 20)


if __name__ == "__main__":
    unittest.main()
