#!/usr/bin/env python3
"""Figures of issue 12 section 5, printed (docs/deploy.md "Figures"):

* the Lambda bundle's size (scripts/package-lambda.sh), zipped and unpacked,
  by part;
* cold start: `bootstrap` started (in a chroot holding only the bundle, as
  tests/lambda does, when this runs as root) to its first GET /next on the
  fake Runtime API, N times: median and p90;
* peak RSS (VmHWM) of the runtime after one invocation over 1,000
  instances in moto (the whole run: listing, 1,000 CreateSnapshots, tags);
* `snapkeep daemon` idle: CPU time and RSS over a minute of sleeping after
  its first run (a daily schedule whose next slot is hours away).

Run under scripts/with-moto.sh (it needs SNAPKEEP_TEST_ENDPOINT):

    scripts/with-moto.sh python3 bench/lambda_figures.py --bin build/snapkeep

The machine's load average is printed with the figures: cold start and CPU
figures are only as quiet as the machine.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
sys.path.insert(0, os.path.join(ROOT, "tests", "lambda"))

import fleet  # noqa: E402
from fake_runtime_api import FakeRuntimeApi  # noqa: E402
from test_lambda_bundle import CONFIG, unzip  # noqa: E402  (the chroot test's configuration: Europe/Berlin)



def load():
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def tree_bytes(path):
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            total += os.lstat(os.path.join(folder, name)).st_size
    return total


def zipped_bytes(zip_path, prefix):
    with zipfile.ZipFile(zip_path) as archive:
        return sum(i.compress_size for i in archive.infolist() if i.filename.startswith(prefix))


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


class Bundle:
    def __init__(self, binary, work):
        dist = os.path.join(work, "dist")
        packaged = subprocess.run([os.path.join(ROOT, "scripts", "package-lambda.sh"), binary],
                                  env=dict(os.environ, SNAPKEEP_DIST=dist), capture_output=True, text=True)
        if packaged.returncode != 0:
            raise SystemExit(packaged.stdout + packaged.stderr)
        (name,) = os.listdir(dist)
        self.zip_path = os.path.join(dist, name)
        self.root = os.path.join(work, "root")
        self.task = os.path.join(self.root, "var", "task")
        os.makedirs(self.task)
        os.makedirs(os.path.join(self.root, "tmp"), mode=0o1777)
        unzip(self.zip_path, self.task)
        with open(os.path.join(self.task, "snapkeep.yaml"), "w") as f:
            f.write(CONFIG)
        self.chroot = shutil.which("chroot") if os.geteuid() == 0 else None

    def print_size(self):
        print(f"bundle: {os.path.basename(self.zip_path)} {os.path.getsize(self.zip_path):,} bytes zipped, "
              f"{tree_bytes(self.task):,} unpacked")
        for part in ("bootstrap", "bin/", "lib/", "certs/", "zoneinfo/"):
            path = os.path.join(self.task, part.rstrip("/"))
            unpacked = os.path.getsize(path) if os.path.isfile(path) else tree_bytes(path)
            print(f"  {part:<10} {zipped_bytes(self.zip_path, part):>12,} zipped {unpacked:>12,} unpacked")

    def start(self, api, **extra):
        env = {
            "AWS_LAMBDA_RUNTIME_API": api.address,
            "LAMBDA_TASK_ROOT": "/var/task" if self.chroot else self.task,
            "AWS_REGION": "us-east-1",
            "AWS_LAMBDA_FUNCTION_NAME": "snapkeep",
            "AWS_ACCESS_KEY_ID": "ASIABENCH",
            "AWS_SECRET_ACCESS_KEY": "bench-secret",
            "AWS_SESSION_TOKEN": "bench-token",
            "AWS_ENDPOINT_URL": os.environ.get("SNAPKEEP_TEST_ENDPOINT", "http://127.0.0.1:9"),
            "SNAPKEEP_VOLUME_RATE_WAIT_MS": "0",
        }
        env.update(extra)
        if self.chroot:
            cmd = [self.chroot, self.root, "/var/task/bootstrap"]
        else:
            cmd = [os.path.join(self.task, "bootstrap")]
        # Output to files: a pipe nobody reads would block the runtime's
        # one log line per action.
        out, err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
        started = time.monotonic()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, text=True)
        proc.out, proc.err = out, err
        return proc, started


def stop(proc, api):
    """Ends the runtime the way Lambda's API does (500 on /next), then the API."""
    api.stop()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    api.close()
    proc.out.seek(0)
    proc.err.seek(0)
    return proc.out.read(), proc.err.read()


def cold_starts(bundle, runs):
    times, inits = [], []
    for _ in range(runs):
        api = FakeRuntimeApi()
        proc, started = bundle.start(api)
        deadline = time.monotonic() + 10
        while not api.next_calls and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.0005)
        if not api.next_calls:
            raise SystemExit("the runtime never asked for an invocation")
        times.append((api.next_calls[0] - started) * 1000)
        out, _ = stop(proc, api)
        init = json.loads(out.splitlines()[0])
        inits.append(init["init_ms"])
        time.sleep(0.2)
    print(f"cold start to first /next over {runs} starts ({'chroot' if bundle.chroot else 'no chroot'}, {load()}): "
          f"median {statistics.median(times):.1f} ms, p90 {percentile(times, 0.9):.1f} ms, "
          f"min {min(times):.1f} ms, max {max(times):.1f} ms; of which snapkeep's own init (main to "
          f"before /next, the rest being exec, the loader and {len(os.listdir(os.path.join(bundle.task, 'lib')))} "
          f"libraries): median {statistics.median(inits):.1f} ms, p90 {percentile(inits, 0.9):.1f} ms")


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def invocation_rss(bundle, instances):
    fleet.reset()
    ec2 = fleet.client("ec2", "us-east-1")
    started = time.monotonic()
    for left in range(instances, 0, -100):
        ec2.run_instances(ImageId=fleet.DEFAULT_IMAGE, MinCount=min(100, left), MaxCount=min(100, left),
                          InstanceType="t3.micro",
                          TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Backup", "Value": "true"}]}])
    print(f"  ({instances} instances made in moto in {time.monotonic() - started:.0f} s)")
    api = FakeRuntimeApi()
    proc, _ = bundle.start(api)
    request_id = api.add_event({"now": "2026-11-10T12:00:00Z"}, deadline_in=900)
    (record,) = api.wait_for_records(1, timeout=900)
    assert record.request_id == request_id
    summary = record.json()
    hwm = status_kb(proc.pid, "VmHWM")
    rss = status_kb(proc.pid, "VmRSS")
    stop(proc, api)
    print(f"one invocation over {instances} instances in moto: peak RSS (VmHWM) {hwm / 1024:.1f} MiB, "
          f"RSS after {rss / 1024:.1f} MiB, {summary['totals']['created']} created in {summary['seconds']:.1f} s "
          f"(exit {summary['exit_status']})")


def daemon_idle(binary, work, seconds):
    fleet.reset()
    ec2 = fleet.client("ec2", "us-east-1")
    for _ in range(5):
        fleet.run_instance(ec2, {"Backup": "true"})
    config = os.path.join(work, "daemon.yaml")
    with open(config, "w") as f:
        f.write(CONFIG)
    # Just after a slot: the start-up run, then a day of sleep.
    proc = subprocess.Popen([binary, "daemon", "--config", config, "--endpoint-url", fleet.endpoint(),
                             "--log-format", "json", "--now", "2026-11-10T23:00:05Z"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, SNAPKEEP_VOLUME_RATE_WAIT_MS="0"))
    for line in proc.stdout:
        if json.loads(line).get("event") == "run":
            break
    time.sleep(1)
    cpu0, rss0 = cpu_seconds(proc.pid), status_kb(proc.pid, "VmRSS")
    t0 = time.monotonic()
    time.sleep(seconds)
    cpu1, rss1 = cpu_seconds(proc.pid), status_kb(proc.pid, "VmRSS")
    elapsed = time.monotonic() - t0
    hwm = status_kb(proc.pid, "VmHWM")
    threads = len(os.listdir(f"/proc/{proc.pid}/task"))
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    print(f"daemon idle over {elapsed:.0f} s after its first run ({load()}): CPU {cpu1 - cpu0:.3f} s "
          f"({(cpu1 - cpu0) / elapsed * 100:.3f} %), RSS {rss0 / 1024:.1f} -> {rss1 / 1024:.1f} MiB "
          f"(peak {hwm / 1024:.1f} MiB), {threads} threads; exit {proc.returncode}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", default=os.path.join(ROOT, "build", "snapkeep"))
    parser.add_argument("--runs", type=int, default=20, help="cold starts to time")
    parser.add_argument("--instances", type=int, default=1000, help="0 skips the RSS figure")
    parser.add_argument("--idle-seconds", type=float, default=60, help="0 skips the daemon figure")
    args = parser.parse_args()
    binary = os.path.abspath(args.bin)
    work = tempfile.mkdtemp(prefix="snapkeep-figures.")
    try:
        bundle = Bundle(binary, work)
        bundle.print_size()
        cold_starts(bundle, args.runs)
        if args.instances:
            invocation_rss(bundle, args.instances)
        if args.idle_seconds:
            daemon_idle(binary, work, args.idle_seconds)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
