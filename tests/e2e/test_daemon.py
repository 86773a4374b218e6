"""`snapkeep daemon` against moto: it runs at start and at each slot (a
rate(1 minute) schedule, with --now set seconds before a slot so the test
waits seconds, not minutes), retries with backoff after failures and then
converges, rereads the configuration on SIGHUP (keeping the old one when the
new is invalid), exits 0 on SIGTERM, also mid-run, after which a run
converges. Checked with boto3, the status file and the metrics file."""

import http.client
import http.server
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

import fleet
import snapkeep_cli as sk

CONFIG = """\
regions: [us-east-1]
policies:
  - name: minutely
    select:
      tags: {Backup: "true"}
    schedule: rate(1 minute)
    retain:
      count: 5
"""


class SwitchProxy:
    """Forwards to moto, or answers every request with 503 while `failing`."""

    def __init__(self, upstream):
        self.failing = False
        self.requests = 0
        proxy = self
        target = urllib.parse.urlparse(upstream)

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                proxy.requests += 1
                if proxy.failing:
                    data = b"<Response><Errors><Error><Code>ServiceUnavailable</Code></Error></Errors></Response>"
                    self.send_response(503)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
                conn.request("POST", self.path, body, dict(self.headers))
                resp = conn.getresponse()
                data = resp.read()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Daemon:
    def __init__(self, config, now, endpoint, *extra):
        self.dir = tempfile.mkdtemp(prefix="snapkeep-daemon.")
        self.status = os.path.join(self.dir, "status.json")
        self.metrics = os.path.join(self.dir, "snapkeep.prom")
        self.lines = []
        env = dict(os.environ, SNAPKEEP_VOLUME_RATE_WAIT_MS="0", AWS_MAX_ATTEMPTS="1")
        self.proc = subprocess.Popen(
            [sk.binary(), "daemon", "--config", config, "--now", now, "--endpoint-url", endpoint,
             "--status-file", self.status, "--metrics-file", self.metrics, "--log-format", "json", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(json.loads(line))

    def wait_for(self, predicate, timeout=30, what="a log line"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if predicate(line):
                    return line
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"no {what} within {timeout} s: {self.lines} {self.proc.poll()}")

    def count(self, event):
        return sum(1 for line in self.lines if line["event"] == event)

    def wait_runs(self, n, timeout=30):
        self.wait_for(lambda _: self.count("run") >= n, timeout, f"{n} runs")
        return [line for line in self.lines if line["event"] == "run"]

    def stop(self, timeout=30):
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout)
        self._reader.join(5)
        return code

    def status_json(self):
        with open(self.status) as f:
            return json.load(f)


def minute(now_text, seconds_before):
    """A --now `seconds_before` seconds before the minute after now_text."""
    return now_text[:14] + "%02d:%02d" % (int(now_text[14:16]), 60 - seconds_before) + "Z"


class DaemonStartTest(unittest.TestCase):
    """A daemon that cannot start (invalid configuration, broken profile)
    exits 2, and the webhook its configuration names hears why: nobody
    watches a daemon's start but its notifications (issue 9, major 5)."""

    def setUp(self):
        self.hook = sk.Webhook()
        self.addCleanup(self.hook.close)

    def start(self, config, *extra):
        env = dict(os.environ, AWS_CONFIG_FILE="/nonexistent/snapkeep-e2e",
                   AWS_SHARED_CREDENTIALS_FILE="/nonexistent/snapkeep-e2e", AWS_PROFILE="")
        return subprocess.run([sk.binary(), "daemon", "--config", config, "--endpoint-url",
                               fleet.endpoint(), *extra],
                              capture_output=True, text=True, timeout=60, env=env)

    def test_a_daemon_that_cannot_start_still_notifies(self):
        valid = CONFIG + f"notify:\n  webhook_url: {self.hook.url}\n"
        invalid = sk.write_config(valid.replace("count: 5", "count: -1"))
        proc = self.start(invalid)
        self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
        self.assertIn(":8:", proc.stderr)
        self.assertEqual(len(self.hook.received), 1)
        self.assertIn("invalid configuration", self.hook.received[0]["text"])
        self.assertEqual(self.hook.received[0]["summary"]["exit_status"], 2)

        proc = self.start(sk.write_config(valid), "--profile", "no-such-profile")
        self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
        self.assertIn("no-such-profile", proc.stderr)
        self.assertEqual(len(self.hook.received), 2)
        self.assertIn("no-such-profile", self.hook.received[1]["text"])


class DaemonTest(unittest.TestCase):
    def setUp(self):
        fleet.reset()
        self.ec2 = fleet.client("ec2", "us-east-1")
        self.instances = [fleet.run_instance(self.ec2, {"Backup": "true"}) for _ in range(2)]
        self.config = sk.write_config(CONFIG)

    def slots(self):
        return sorted({fleet.tags_of(s)["snapkeep:slot"] for s in fleet.snapshots(self.ec2, "minutely")})

    def test_runs_at_start_and_at_each_slot_reloads_and_stops(self):
        daemon = Daemon(self.config, "2026-11-01T00:00:57Z", fleet.endpoint())
        try:
            runs = daemon.wait_runs(2, timeout=20)
        finally:
            pass
        self.assertEqual([r["exit_status"] for r in runs], [0, 0])
        starts = [line for line in daemon.lines if line["event"] == "run-start"]
        self.assertEqual(starts[0]["reason"], "start")
        self.assertEqual(starts[1]["reason"], "slot of minutely")
        self.assertEqual(starts[1]["due"], "2026-11-01T00:01:00.000Z")
        print(f"figure: daemon slot-to-start delay {starts[1]['delay_ms']:.1f} ms", flush=True)
        self.assertLess(starts[1]["delay_ms"], 2000, "the slot's run starts within seconds of it")
        self.assertEqual(self.slots(), ["2026-11-01T00:00:00Z", "2026-11-01T00:01:00Z"])

        status = daemon.status_json()
        self.assertEqual(status["last_run"]["exit_status"], 0)
        self.assertEqual(status["next_run"], "2026-11-01T00:02:00.000Z")
        self.assertEqual(status["consecutive_failures"], 0)
        with open(daemon.metrics) as f:
            metrics = f.read()
        self.assertIn('snapkeep_runs_total{result="ok"} 2\n', metrics)
        self.assertIn('snapkeep_actions_total{action="create",outcome="created"} 4\n', metrics)
        self.assertIn("# TYPE snapkeep_last_success_timestamp_seconds gauge\n", metrics)

        # SIGHUP with an invalid file: the old configuration stays, and the
        # old configuration's webhook hears that the edit is not in effect.
        hook = sk.Webhook()
        self.addCleanup(hook.close)
        with open(self.config, "w") as f:
            f.write(CONFIG + f"notify:\n  webhook_url: {hook.url}\n")
        daemon.proc.send_signal(signal.SIGHUP)
        daemon.wait_for(lambda l: l["event"] == "reload" and l["level"] == "info", what="reload ok")
        with open(self.config, "w") as f:
            f.write(CONFIG.replace("count: 5", "count: -1"))
        daemon.proc.send_signal(signal.SIGHUP)
        line = daemon.wait_for(lambda l: l["event"] == "reload" and l["level"] == "error",
                               what="reload line")
        self.assertIn("keeping the one loaded before", line["message"])
        self.assertEqual(len(hook.received), 1, hook.received)
        self.assertIn("keeping the one loaded before", hook.received[0]["text"])
        self.assertIn(":8:", hook.received[0]["text"])
        # ... and a valid one is taken.
        with open(self.config, "w") as f:
            f.write(CONFIG.replace("rate(1 minute)", "rate(2 minutes)"))
        daemon.proc.send_signal(signal.SIGHUP)
        daemon.wait_for(lambda l: l["event"] == "reload" and l["level"] == "info", what="reload ok")
        time.sleep(0.2)
        self.assertEqual(daemon.status_json()["next_run"], "2026-11-01T00:02:00.000Z")

        # SIGTERM while sleeping: exit 0 at once.
        started = time.monotonic()
        self.assertEqual(daemon.stop(), 0)
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(daemon.status_json()["state"], "stopped")
        self.assertEqual(daemon.proc.stderr.read(), "")
        daemon.proc.stderr.close()

    def test_retries_after_failures_with_backoff_then_converges(self):
        proxy = SwitchProxy(fleet.endpoint())
        proxy.failing = True
        daemon = Daemon(self.config, "2026-11-01T00:00:30Z", proxy.url, "--retry-after", "0.3")
        try:
            runs = daemon.wait_runs(3)
            self.assertEqual([r["exit_status"] for r in runs[:3]], [1, 1, 1])
            starts = [line for line in daemon.lines if line["event"] == "run-start"]
            self.assertEqual(starts[1]["reason"], "retry 1 after a failed run")
            self.assertEqual(starts[2]["reason"], "retry 2 after a failed run")
            self.assertEqual(daemon.status_json()["consecutive_failures"], len(runs))
            proxy.failing = False
            daemon.wait_for(lambda l: l["event"] == "run" and l["exit_status"] == 0, what="a good run")
            self.assertEqual(self.slots(), ["2026-11-01T00:00:00Z"])
            self.assertEqual(daemon.status_json()["consecutive_failures"], 0)
            self.assertEqual(daemon.stop(), 0)
        finally:
            if daemon.proc.poll() is None:
                daemon.proc.kill()
            proxy.close()

    def test_sigterm_mid_run_exits_0_and_the_next_run_converges(self):
        for _ in range(3):
            self.ec2.run_instances(ImageId=fleet.DEFAULT_IMAGE, MinCount=20, MaxCount=20, InstanceType="t3.micro",
                                   TagSpecifications=[{"ResourceType": "instance",
                                                       "Tags": [{"Key": "Backup", "Value": "true"}]}])
        daemon = Daemon(self.config, "2026-11-01T00:00:30Z", fleet.endpoint())
        daemon.wait_for(lambda l: l["event"] == "run-start", what="run start")
        time.sleep(0.3)
        self.assertEqual(daemon.stop(), 0)
        proc = sk.run("run", "--now", "2026-11-01T00:00:30Z", config=self.config,
                      env={"SNAPKEEP_VOLUME_RATE_WAIT_MS": "0"})
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        sets = {}
        for snap in fleet.snapshots(self.ec2, "minutely"):
            tags = fleet.tags_of(snap)
            sets.setdefault(tags["snapkeep:instance"], set()).add(tags["snapkeep:set"])
        self.assertEqual(len(sets), 62)
        self.assertTrue(all(len(s) == 1 for s in sets.values()), "one restore point per instance")


if __name__ == "__main__":
    unittest.main()
