"""End to end: `run` publishes CloudWatch metrics (metrics: {cloudwatch: true})
to moto, read back with boto3, and writes --metrics-file in the Prometheus
text format, read back with prometheus_client's parser."""

import datetime
import os
import tempfile
import unittest

import fleet
import snapkeep_cli as sk

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    # scripts/install-deps.sh installs Debian's python3-prometheus-client (pure
    # Python) for the system interpreter; another python3 can read it there.
    import sys
    sys.path.append("/usr/lib/python3/dist-packages")
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        text_string_to_metric_families = None
    finally:
        sys.path.remove("/usr/lib/python3/dist-packages")

CONFIG = """\
regions: [us-east-1, eu-west-1]
metrics: {cloudwatch: true}
policies:
  - name: nightly
    select:
      tags: {Backup: "true"}
    schedule: "cron(0 0 * * ? *)"
    retain:
      count: 1
"""


def day(n, hour=12):
    return (datetime.datetime(2026, 11, 1, hour, tzinfo=datetime.timezone.utc)
            + datetime.timedelta(days=n - 1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def metric_sums(cloudwatch, name):
    """{(policy, region): sum of the values} of one metric, per boto3."""
    out = {}
    listed = cloudwatch.list_metrics(Namespace="snapkeep", MetricName=name)["Metrics"]
    now = datetime.datetime.now(datetime.timezone.utc)
    for i, metric in enumerate(listed):
        dims = {d["Name"]: d["Value"] for d in metric["Dimensions"]}
        got = cloudwatch.get_metric_data(
            MetricDataQueries=[{"Id": f"m{i}", "MetricStat": {
                "Metric": metric, "Period": 60, "Stat": "Sum"}}],
            StartTime=now - datetime.timedelta(hours=1), EndTime=now + datetime.timedelta(hours=1))
        out[(dims.get("Policy"), dims.get("Region"))] = sum(got["MetricDataResults"][0]["Values"])
    return out


class MetricsTest(unittest.TestCase):
    def setUp(self):
        fleet.reset()
        fleet.demo_fleet()
        self.config = sk.write_config(CONFIG)
        self.metrics_file = os.path.join(tempfile.mkdtemp(prefix="snapkeep-metrics-"), "snapkeep.prom")

    def test_run_publishes_per_policy_and_region(self):
        first = sk.run("run", "--now", day(1), "--metrics-file", self.metrics_file, "--verbose",
                       config=self.config)
        self.assertEqual(first.returncode, 0, first.stdout + first.stderr)
        for n in (2, 3):
            later = sk.run("run", "--now", day(n), config=self.config)
            self.assertEqual(later.returncode, 0, later.stdout + later.stderr)
        # One PutMetricData per region (a handful of data each), counted.
        self.assertRegex(first.stdout, r"PutMetricData\s+2 calls")

        for region in ("us-east-1", "eu-west-1"):
            cw = fleet.client("cloudwatch", region)
            created = metric_sums(cw, "RestorePointsCreated")
            # web-1, db-1 and batch-1 on each of the three days; device-tag
            # writes (no policy) count under Policy "-".
            self.assertEqual(created, {("nightly", region): 9.0, ("-", region): 0.0}, region)
            # Deletions count snapshots: 6 a day were made; boto3 sees what is left.
            left = len(fleet.snapshots(fleet.client("ec2", region), "nightly"))
            deleted = metric_sums(cw, "Deletions")
            self.assertGreater(18 - left, 0)
            self.assertEqual(deleted, {("nightly", region): float(18 - left), ("-", region): 0.0})
            self.assertEqual(metric_sums(cw, "Failures"), {("nightly", region): 0.0, ("-", region): 0.0})
        # RunDuration, without dimensions, in one region (the first listed).
        # (moto lists a metric once per PutMetricData: one per run here.)
        durations = {region: fleet.client("cloudwatch", region).list_metrics(
            Namespace="snapkeep", MetricName="RunDuration")["Metrics"]
            for region in ("us-east-1", "eu-west-1")}
        self.assertEqual(sorted(len(m) for m in durations.values()), [0, 3], durations)
        for metrics in durations.values():
            for metric in metrics:
                self.assertEqual(metric["Dimensions"], [])

    def test_metrics_file_is_prometheus_text(self):
        if text_string_to_metric_families is None:
            self.skipTest("prometheus_client is not installed (scripts/install-deps.sh installs it)")
        proc = sk.run("run", "--now", day(1), "--metrics-file", self.metrics_file,
                      config=self.config)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        with open(self.metrics_file, encoding="utf-8") as handle:
            text = handle.read()
        families = {f.name: f for f in text_string_to_metric_families(text)}
        runs = {s.labels["result"]: s.value for s in families["snapkeep_runs"].samples
                if s.name == "snapkeep_runs_total"}
        self.assertEqual(runs, {"ok": 1.0, "failed": 0.0})
        created = {(s.labels["policy"], s.labels["region"]): s.value
                   for s in families["snapkeep_last_run_restore_points_created"].samples}
        self.assertEqual(created, {("nightly", "us-east-1"): 3.0, ("nightly", "eu-west-1"): 3.0,
                                   ("-", "us-east-1"): 0.0, ("-", "eu-west-1"): 0.0})
        self.assertEqual(families["snapkeep_last_run_exit_status"].samples[0].value, 0.0)
        self.assertFalse(os.path.exists(self.metrics_file + ".tmp"))


if __name__ == "__main__":
    unittest.main()
