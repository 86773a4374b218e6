"""`snapkeep lambda` as Lambda runs it: the package from scripts/package-lambda.sh,
unzipped into a chroot that holds nothing but the bundle at /var/task and an
empty /tmp (no /usr/share/zoneinfo: the bundle's own time zones are used),
started as `bootstrap` with only Lambda's environment, against the fake
Runtime API (fake_runtime_api.py) and moto; checked with boto3.

Needs root (or `unshare -r`) for chroot; skips, saying so, without either.
SNAPKEEP_LAMBDA_FIGURES=1 also measures the peak RSS of one invocation over
1,000 instances (slow in moto: off by default).
"""

import datetime
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import unittest
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))

import fleet  # noqa: E402
from fake_runtime_api import FakeRuntimeApi  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SECRET = "lambda-secret-key-do-not-log"
TOKEN = "lambda-session-token-do-not-log"
CONFIG = """\
regions: [us-east-1]
policies:
  - name: daily
    select:
      tags: {Backup: "true"}
    schedule: "cron(0 0 * * ? *)"
    timezone: Europe/Berlin
    retain:
      count: 3
"""
BAD_CONFIG = """\
regions: [us-east-1]
policies:
  - name: daily
    schedule: "cron(0 0 * * ? *)"
    retain: {daily: -1}
"""


def day(n, hour=12):
    return (datetime.datetime(2026, 11, 1, hour, tzinfo=datetime.timezone.utc)
            + datetime.timedelta(days=n - 1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def slot(n):
    """Midnight in Berlin on day n (CET in November): 23:00 UTC the day
    before, which only a working time zone database gives."""
    return (datetime.datetime(2026, 11, 1, 0, tzinfo=datetime.timezone.utc)
            + datetime.timedelta(days=n - 1, hours=-1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def chroot_command(root):
    # Full paths: the runtime's environment has no PATH.
    chroot, unshare = shutil.which("chroot"), shutil.which("unshare")
    if chroot and os.geteuid() == 0:
        return [chroot, root]
    if chroot and unshare:
        probe = subprocess.run([unshare, "-r", "true"], capture_output=True)
        if probe.returncode == 0:
            return [unshare, "-r", chroot, root]
    return None


def unzip(zip_path, dest):
    """Extracts keeping the Unix modes (zipfile alone drops them)."""
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            path = archive.extract(info, dest)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(path, mode)


class LambdaBundleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="snapkeep-lambda-test.")
        dist = os.path.join(cls.work, "dist")
        binary = os.environ.get("SNAPKEEP_BIN", os.path.join(ROOT, "build", "snapkeep"))
        packaged = subprocess.run([os.path.join(ROOT, "scripts", "package-lambda.sh"), binary],
                                  env=dict(os.environ, SNAPKEEP_DIST=dist), capture_output=True, text=True)
        if packaged.returncode != 0:
            raise AssertionError(packaged.stdout + packaged.stderr)
        print(packaged.stdout.strip(), file=sys.stderr)
        zips = os.listdir(dist)
        assert len(zips) == 1, zips
        cls.zip_path = os.path.join(dist, zips[0])
        cls.root = os.path.join(cls.work, "root")
        task = os.path.join(cls.root, "var", "task")
        os.makedirs(task)
        unzip(cls.zip_path, task)
        with open(os.path.join(task, "snapkeep.yaml"), "w") as f:
            f.write(CONFIG)
        with open(os.path.join(task, "bad.yaml"), "w") as f:
            f.write(BAD_CONFIG)
        # No time zone database but the bundle's (package-lambda.sh).
        assert not os.path.exists(os.path.join(cls.root, "usr"))
        tmp = os.path.join(cls.root, "tmp")
        os.makedirs(tmp)
        os.chmod(tmp, 0o1777)
        cls.chroot = chroot_command(cls.root)
        fleet.reset()
        cls.ec2 = fleet.client("ec2", "us-east-1")
        cls.instances = [fleet.run_instance(cls.ec2, {"Backup": "true"}, data_devices=["/dev/sdf"])
                         for _ in range(2)]
        fleet.run_instance(cls.ec2, {"Backup": "false"})

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)

    def setUp(self):
        if self.chroot is None:
            self.skipTest("needs root or `unshare -r` to chroot into the bundle")
        self.api = FakeRuntimeApi()

    def tearDown(self):
        self.api.close()

    def start(self, **extra):
        # Only what Lambda sets (docs/deploy.md), plus the moto endpoint.
        env = {
            "AWS_LAMBDA_RUNTIME_API": self.api.address,
            "LAMBDA_TASK_ROOT": "/var/task",
            "LAMBDA_RUNTIME_DIR": "/var/runtime",
            "_HANDLER": "snapkeep",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_LAMBDA_FUNCTION_NAME": "snapkeep",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
            "AWS_ACCESS_KEY_ID": "ASIATESTLAMBDA",
            "AWS_SECRET_ACCESS_KEY": SECRET,
            "AWS_SESSION_TOKEN": TOKEN,
            "AWS_ENDPOINT_URL": fleet.endpoint(),
            "SNAPKEEP_VOLUME_RATE_WAIT_MS": "0",
        }
        env.update(extra)
        started = time.monotonic()
        proc = subprocess.Popen(self.chroot + ["/var/task/bootstrap"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, cwd="/")
        return proc, started

    def finish(self, proc):
        self.api.stop()
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            self.fail("the runtime did not exit after the Runtime API answered 500")
        return proc.returncode, out, err

    def answer(self, event, **kwargs):
        """Queues one event; returns the record the runtime posted for it."""
        count = len(self.api.records)
        request_id = self.api.add_event(event, **kwargs)
        record = self.api.wait_for_records(count + 1)[count]
        self.assertEqual(record.request_id, request_id)
        return record

    def slots(self):
        return {fleet.tags_of(s)["snapkeep:slot"] for s in fleet.snapshots(self.ec2, "daily")}

    def test_bundle_serves_invocations_in_an_empty_chroot(self):
        proc, started = self.start()
        # Cold start: process start to the first GET /next.
        deadline = time.monotonic() + 10
        while not self.api.next_calls and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.002)
        self.assertTrue(self.api.next_calls, "the runtime never asked for an invocation")
        cold_ms = (self.api.next_calls[0] - started) * 1000
        print(f"figure: cold start to first /next {cold_ms:.1f} ms", file=sys.stderr)

        # A Scheduler input's "now" is the run's now.
        record = self.answer({"now": day(1)})
        self.assertEqual(record.kind, "response", record.body)
        summary = record.json()
        self.assertEqual(summary["now"], day(1))
        self.assertEqual(summary["exit_status"], 0)
        self.assertEqual(summary["totals"]["created"], 2)
        self.assertEqual(self.slots(), {slot(1)})

        # An EventBridge scheduled event's "time", late by 5 hours, still
        # works on its own slot.
        record = self.answer({"version": "0", "id": "e", "detail-type": "Scheduled Event",
                              "source": "aws.events", "time": day(2, 5) + "", "detail": {}})
        self.assertEqual(record.kind, "response", record.body)
        self.assertEqual(self.slots(), {slot(1), slot(2)})

        # Invalid events: an error naming what is wrong, and the loop goes on.
        record = self.answer(b"this is not json")
        self.assertEqual(record.kind, "error")
        self.assertEqual(record.json()["errorType"], "Snapkeep.InvalidEvent")
        self.assertIn("not JSON", record.json()["errorMessage"])
        self.assertEqual(record.headers.get("Lambda-Runtime-Function-Error-Type"), "Snapkeep.InvalidEvent")
        record = self.answer({"now": "tomorrow"})
        self.assertEqual(record.kind, "error")
        self.assertIn('"now"', record.json()["errorMessage"])
        record = self.answer({"nwo": day(3)})
        self.assertEqual(record.kind, "error")
        self.assertIn('"nwo"', record.json()["errorMessage"])

        # A deadline already too close: no action is started, the answer
        # comes at once, and says the work was left undone.
        record = self.answer({"now": day(3)}, deadline_in=-1)
        self.assertEqual(record.kind, "response", record.body)
        summary = record.json()
        self.assertTrue(summary["interrupted"])
        self.assertEqual(summary["exit_status"], 1)
        self.assertEqual(summary["totals"]["created"], 0)
        self.assertEqual(self.slots(), {slot(1), slot(2)})
        # ... which the next invocation does.
        record = self.answer({"now": day(3)})
        self.assertEqual(record.json()["totals"]["created"], 2)
        self.assertEqual(self.slots(), {slot(1), slot(2), slot(3)})

        # 413 on the response: reported as a function error instead.
        self.api.inject("response", 413)
        count = len(self.api.records)
        self.api.add_event({"now": day(3)})
        records = self.api.wait_for_records(count + 2)
        self.assertEqual(records[count].kind, "response-refused-413")
        self.assertEqual(records[count + 1].kind, "error")
        self.assertEqual(records[count + 1].json()["errorType"], "Snapkeep.ResponseTooLarge")

        # 403 on a response (not the current invocation): logged, loop goes on.
        self.api.inject("response", 403)
        record = self.answer({"now": day(3)})
        self.assertEqual(record.kind, "response-refused-403")
        # 400 and a slow answer on /next: asked again. (The runtime is
        # already waiting on /next, so the 400 meets the call after it.)
        self.api.inject("next", 400)
        self.api.delay("next", 0.3)
        calls = len(self.api.next_calls)
        record = self.answer({"now": day(4)})
        self.assertEqual(record.kind, "response")
        record = self.answer({"now": day(4)})
        self.assertEqual(record.kind, "response")
        self.assertGreaterEqual(len(self.api.next_calls), calls + 2)
        self.api.delay("next", 0)

        # A Step Functions Map item names its shard; a bad one is an invalid event.
        record = self.answer({"now": day(4), "shard": "1/2", "shard_by": "instance"})
        self.assertEqual(record.kind, "response", record.body)
        shard = record.json()["shard"]
        self.assertEqual((shard["index"], shard["count"], shard["by"]), (1, 2, "instance"))
        self.assertEqual(shard["instances_listed"], 2)
        record = self.answer({"now": day(4), "shard": "2/2"})
        self.assertEqual(record.kind, "error")
        self.assertIn('"shard"', record.json()["errorMessage"])

        # One schedule per region or account names what its invocation works
        # on, as --region and --account do: a region without the fleet makes
        # nothing there, an account that is not configured fails the run
        # before any call, and a bad list is an invalid event.
        record = self.answer({"now": day(5), "regions": ["eu-west-1"]})
        self.assertEqual(record.kind, "response", record.body)
        summary = record.json()
        self.assertEqual([r["region"] for r in summary["regions"]], ["eu-west-1"])
        self.assertEqual(summary["totals"]["created"], 0)
        self.assertNotIn(slot(5), self.slots())
        record = self.answer({"now": day(5), "accounts": ["prod"]})
        self.assertEqual(record.kind, "response", record.body)
        summary = record.json()
        self.assertNotEqual(summary["exit_status"], 0)
        self.assertIn("prod is not a configured account", " ".join(summary["errors"]))
        self.assertNotIn(slot(5), self.slots())
        for bad in ({"regions": "us-east-1"}, {"regions": []}, {"accounts": [7]},
                    {"regions": ["mars"]}):
            record = self.answer(bad)
            self.assertEqual(record.kind, "error", bad)
            self.assertEqual(record.json()["errorType"], "Snapkeep.InvalidEvent")

        # 500 on /next: the runtime exits promptly.
        code, out, err = self.finish(proc)
        self.assertEqual(code, 1, err)
        lines = [json.loads(line) for line in out.splitlines() if line.strip()]
        events = [line["event"] for line in lines]
        self.assertEqual(events[0], "init")
        self.assertIn("action", events)
        self.assertGreaterEqual(events.count("summary"), 5)
        for line in lines:
            self.assertIn("time", line)
            self.assertIn("level", line)
        everything = out + err + "".join(r.body for r in self.api.records)
        self.assertNotIn(SECRET, everything)
        self.assertNotIn(TOKEN, everything)

    def test_invalid_configuration_is_an_init_error(self):
        proc, _ = self.start(SNAPKEEP_CONFIG="/var/task/bad.yaml")
        records = self.api.wait_for_records(1)
        self.assertEqual(records[0].kind, "init-error")
        body = records[0].json()
        self.assertEqual(body["errorType"], "Snapkeep.InvalidConfiguration")
        self.assertIn("/var/task/bad.yaml:5:", body["errorMessage"])
        code, _, err = self.finish(proc)
        self.assertEqual(code, 1, err)
        self.assertEqual(self.api.next_calls, [], "no invocation after an init error")

    @unittest.skipUnless(os.environ.get("SNAPKEEP_LAMBDA_FIGURES") == "1", "SNAPKEEP_LAMBDA_FIGURES=1 measures RSS")
    def test_figure_peak_rss_of_one_invocation_over_1000_instances(self):
        fleet.reset()
        ec2 = fleet.client("ec2", "us-east-1")
        for _ in range(10):
            ec2.run_instances(ImageId=fleet.DEFAULT_IMAGE, MinCount=100, MaxCount=100, InstanceType="t3.micro",
                              TagSpecifications=[{"ResourceType": "instance",
                                                  "Tags": [{"Key": "Backup", "Value": "true"}]}])
        proc, _ = self.start()
        record = self.answer({"now": day(10)}, deadline_in=600)
        self.assertEqual(record.kind, "response", record.body[:500])
        self.assertEqual(record.json()["totals"]["created"], 1000)
        pids = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        pid = pids[0] if pids and self.chroot[0].endswith("unshare") else str(proc.pid)
        with open(f"/proc/{pid}/status") as f:
            hwm = next(line for line in f if line.startswith("VmHWM"))
        print(f"figure: one invocation over 1000 instances: {hwm.strip()}, "
              f"{record.json()['seconds']:.1f} s", file=sys.stderr)
        self.finish(proc)


if __name__ == "__main__":
    unittest.main()
