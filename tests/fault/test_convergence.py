"""Convergence under faults: snapkeep through fault_proxy.py against moto,
checked with boto3 directly against moto (never through snapkeep's view).

SNAPKEEP_FAULT_SEEDS=1,2,3 picks the seeds; SNAPKEEP_FAULT_LONG=1 runs more
seeds and more crash trials; SNAPKEEP_FAULT_DAYS=n shortens the month while
investigating; SNAPKEEP_FAULT_TRACE=1 prints a line per run;
SNAPKEEP_FAULT_COPY_SEEDS=3 names the seeds whose month also copies to
us-west-2 (none by default for now: docs/testing-faults.md, defect 7). Figures are printed at the end and
written to $SNAPKEEP_FAULT_FIGURES (JSON) when set.
"""

import collections
import datetime
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

import fleet  # noqa: E402
import snapkeep_cli as sk  # noqa: E402
from fault_proxy import FaultProxy, KINDS  # noqa: E402

LONG = os.environ.get("SNAPKEEP_FAULT_LONG") == "1"
SEEDS = [int(s) for s in os.environ.get("SNAPKEEP_FAULT_SEEDS", "").split(",") if s] or (
    list(range(1, 9)) if LONG else [1, 2, 3])
DAYS = int(os.environ.get("SNAPKEEP_FAULT_DAYS", "30"))
TRACE = os.environ.get("SNAPKEEP_FAULT_TRACE") == "1"  # one line per run on stderr
CRASH_TRIALS = 90 if LONG else 30  # in all, spread over the seeds
CLIENT_TIMEOUT_MS = 1500
LIMIT_WAIT_MS = 100
FAULT_FREE_TIMEOUT_MS = 30000
RETAIN_DAYS = 3  # daily: 3 keeps moto's DescribeSnapshots answers small (see docs/testing-faults.md)
POLICY = "nightly"
# The month's copy target (docs/copies.md): a region the fleet does not use
# as a source. count 2 < RETAIN_DAYS, so every copy the target keeps still
# has its source at the end. max_in_flight 100: moto completes a copy at
# once, so nothing stays pending and the quota only caps the copies a run
# starts (about 65 a day here); 20 could never keep up with the fleet.
COPY_REGION = "us-west-2"
COPY_COUNT = 2
COPY_MAX_IN_FLIGHT = 100
# The seeds whose month copies (the ctest entry of each seed runs it alone).
# None by default (docs/testing-faults.md, "The month with copies"):
# SNAPKEEP_FAULT_COPY_SEEDS=3.
COPY_SEEDS = {int(s) for s in os.environ.get("SNAPKEEP_FAULT_COPY_SEEDS", "").split(",") if s}

CONFIG = f"""\
regions: [us-east-1, eu-west-1]
policies:
  - name: {POLICY}
    select:
      tags: {{Backup: "true"}}
    schedule: "cron(0 0 * * ? *)"
    snapshot:
      tags: {{CostCenter: ops}}
    retain:
      daily: {RETAIN_DAYS}
"""

COPIES = f"""\
    copies:
      - region: {COPY_REGION}
        retain: {{count: {COPY_COUNT}}}
        max_in_flight: {COPY_MAX_IN_FLIGHT}
"""

FIGURES = collections.defaultdict(lambda: collections.Counter())


def day(n, hour=12):
    return (datetime.datetime(2026, 11, 1, hour, tzinfo=datetime.timezone.utc)
            + datetime.timedelta(days=n - 1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def slot(n):
    return day(n, hour=0)


def build_fleet(sizes, data_every=4):
    """{region: {instance_id: [device, ...]}} of selected instances, plus two
    unselected instances per region."""
    out = {}
    for region, count in sizes.items():
        ec2 = fleet.client("ec2", region)
        mine = {}
        for i in range(count):
            devices = ["/dev/sdf"] if i % data_every == 0 else []
            iid = fleet.run_instance(ec2, {"Name": f"app-{i}", "Backup": "true"}, data_devices=devices)
            mine[iid] = sorted(fleet.instance_volumes(ec2, iid))
        fleet.run_instance(ec2, {"Name": "dev", "Backup": "false"})
        fleet.run_instance(ec2, {"Name": "scratch"})
        out[region] = mine
    return out


def snapshots_of(ec2, volume, specs):
    """One snapshot of `volume` per tag list in `specs`, made as another tool
    or a person would. Returns {snapshot_id: tags}."""
    out = {}
    for tags in specs:
        kwargs = {"TagSpecifications": [{"ResourceType": "snapshot", "Tags": tags}]} if tags else {}
        sid = ec2.create_snapshot(VolumeId=volume, Description="not snapkeep's", **kwargs)["SnapshotId"]
        out[sid] = {t["Key"]: t["Value"] for t in tags}
    return out


def foreign_snapshots(region, instance_id):
    """Snapshots snapkeep's policy must never touch: manual, another tool's,
    another policy's. Returns {snapshot_id: tags}."""
    ec2 = fleet.client("ec2", region)
    root = fleet.instance_volumes(ec2, instance_id)["/dev/sda1"]
    specs = [
        [],
        [{"Key": "dlm:managed", "Value": "true"}, {"Key": "Backup", "Value": "true"}],
        [{"Key": "snapkeep:policy", "Value": "weekly"}, {"Key": "snapkeep:instance", "Value": instance_id},
         {"Key": "snapkeep:slot", "Value": "2020-01-01T00:00:00Z"}, {"Key": "snapkeep:set", "Value": "old-1"}],
    ]
    return snapshots_of(ec2, root, specs)


def foreign_copies(account, instance_id):
    """Snapshots at the copy destination that the copy step must never touch:
    a manual one, a copy of the policy for another target, and a copy of the
    policy for this target but from another account's source. Returns
    {snapshot_id: tags}."""
    ec2 = fleet.client("ec2", COPY_REGION)
    volume = ec2.create_volume(AvailabilityZone=f"{COPY_REGION}a", Size=8)["VolumeId"]
    common = [{"Key": "snapkeep:policy", "Value": POLICY}, {"Key": "snapkeep:instance", "Value": instance_id},
              {"Key": "snapkeep:slot", "Value": "2020-01-01T00:00:00Z"}, {"Key": "snapkeep:set", "Value": "old-1"}]
    specs = [
        [],
        common + [{"Key": "snapkeep:copy-of", "Value": f"{account}:us-east-1:snap-0123456789abcdef0"},
                  {"Key": "snapkeep:copy", "Value": f"111122223333:{COPY_REGION}"}],
        common + [{"Key": "snapkeep:copy-of", "Value": "111122223333:us-east-1:snap-0123456789abcdef1"},
                  {"Key": "snapkeep:copy", "Value": f"{account}:{COPY_REGION}"}],
    ]
    return snapshots_of(ec2, volume, specs)


def account_state(region):
    """All of the account's snapshots in a region: {id: snapshot}."""
    return {s["SnapshotId"]: s for s in fleet.snapshots(fleet.client("ec2", region))}


def managed_points(snaps):
    """{(instance, slot): {set_id: [snapshot, ...]}} of the policy's snapshots."""
    out = collections.defaultdict(lambda: collections.defaultdict(list))
    for s in snaps.values():
        tags = fleet.tags_of(s)
        if tags.get("snapkeep:policy") != POLICY or "snapkeep:copy-of" in tags:
            continue
        out[(tags["snapkeep:instance"], tags["snapkeep:slot"])][tags["snapkeep:set"]].append(s)
    return out


def retained(slots, keep=RETAIN_DAYS):
    """The policy's rule, independently: daily N keeps the newest point of
    each of the last N days that have one (one point per day here); the copy
    target's count N keeps the N newest points, the same here."""
    return set(sorted(set(slots), reverse=True)[:keep])


class Harness:
    """One seed's fleet, proxy and bookkeeping."""

    def __init__(self, test, seed, sizes, rate, copies=False):
        self.test = test
        self.seed = seed
        self.copies = copies
        fleet.reset()
        self.fleet = build_fleet(sizes)
        self.foreign = {}
        for region, instances in self.fleet.items():
            self.foreign[region] = foreign_snapshots(region, sorted(instances)[0])
        self.config = sk.write_config(CONFIG + (COPIES if copies else ""))
        if copies:
            self.account = fleet.client("sts").get_caller_identity()["Account"]
            self.copy_key = f"{self.account}:{COPY_REGION}"
            first = sorted(self.fleet["us-east-1"])[0]
            self.foreign[COPY_REGION] = foreign_copies(self.account, first)
        # Every source snapshot ever seen: {id: tags}, the latest seen.
        self.source_tags = {}
        # Every (instance, slot) copy point ever seen at the destination.
        self.copy_ever = collections.defaultdict(set)
        self.copy_deleted_early = []  # (run, instance, slot) deleted with fewer newer copies than count
        self.proxy = FaultProxy(fleet.endpoint(), seed=seed, rate=rate,
                                client_timeout=CLIENT_TIMEOUT_MS / 1000.0).start()
        # Every (instance, slot) point ever seen after a run.
        self.ever = collections.defaultdict(set)
        self.gave_up = 0
        self.runs = 0
        # Per run: wall seconds, and what the runs gave up and retried.
        self.run_seconds = []
        self.given_up = collections.Counter()  # "action error-code" -> count
        self.retries = 0
        self.copy_outcomes = collections.Counter()  # "copy started" -> count

    def close(self):
        self.proxy.stop()

    def command(self, now):
        return [sk.binary(), "run", "--now", now, "--output", "json", "--config", self.config,
                "--endpoint-url", self.proxy.url]

    def env(self, timeout_ms=CLIENT_TIMEOUT_MS):
        env = dict(os.environ)
        env["SNAPKEEP_HTTP_TIMEOUT_MS"] = str(timeout_ms)
        # moto has no per-volume rate: the 15 s EC2 asks for would only be idle time.
        env["SNAPKEEP_VOLUME_RATE_WAIT_MS"] = str(LIMIT_WAIT_MS)
        return env

    def run(self, now, timeout_ms=CLIENT_TIMEOUT_MS):
        started = time.monotonic()
        first = len(self.proxy.log)
        proc = subprocess.run(self.command(now), capture_output=True, text=True, timeout=600,
                              env=self.env(timeout_ms))
        self.run_seconds.append(time.monotonic() - started)
        if TRACE:
            entries = self.proxy.log[first:]
            faults = collections.Counter(e["fault"] for e in entries if e["fault"])
            moto = collections.Counter()
            for e in entries:
                if not e["fault"]:
                    moto[e["action"]] += e["seconds"]
            print(f"seed {self.seed} {now}: exit {proc.returncode} {self.run_seconds[-1]:.1f} s "
                  f"{len(entries)} requests {dict(faults)} answered in "
                  f"{ {a: round(t, 2) for a, t in moto.items()} }", file=sys.stderr, flush=True)
        self.runs += 1
        self.test.assertIn(proc.returncode, (0, 1), f"seed {self.seed} {now}: {proc.stdout[-2000:]}{proc.stderr[-2000:]}")
        try:
            data = json.loads(proc.stdout)
        except ValueError:
            self.test.fail(f"seed {self.seed} {now}: not JSON (exit {proc.returncode}): {proc.stdout[-500:]!r} {proc.stderr[-1000:]!r}")
        if proc.returncode == 1:
            self.gave_up += 1
        for a in data.get("actions", []):
            if a["action"] in ("copy", "delete-copy"):
                self.copy_outcomes[f'{a["action"]} {a["outcome"]}'] += 1
            if a["outcome"] in ("failed", "skipped") and a["action"] != "skip":
                self.given_up[f'{a["action"]} {a.get("error", {}).get("code") or a["reason"]}'] += 1
        self.retries += sum(c["retries"] for c in data.get("api_calls", {}).values())
        return proc, data

    def observe(self):
        states = {r: account_state(r) for r in self.fleet}
        for region, snaps in states.items():
            for (inst, s), sets in managed_points(snaps).items():
                self.ever[inst].add(s)
                for members in sets.values():
                    for m in members:
                        self.source_tags[m["SnapshotId"]] = fleet.tags_of(m)
        if self.copies:
            states[COPY_REGION] = account_state(COPY_REGION)
            for (inst, s) in self.copy_points(states):
                self.copy_ever[inst].add(s)
        return states

    # -- copies --------------------------------------------------------------
    def copy_points(self, states):
        """{(instance, slot): {set_id: [copy, ...]}} of the target's copies."""
        out = collections.defaultdict(lambda: collections.defaultdict(list))
        foreign = self.foreign.get(COPY_REGION, {})
        for sid, s in states.get(COPY_REGION, {}).items():
            tags = fleet.tags_of(s)
            if sid in foreign or tags.get("snapkeep:policy") != POLICY:
                continue
            out[(tags.get("snapkeep:instance"), tags.get("snapkeep:slot"))][tags.get("snapkeep:set")].append(s)
        return out

    def copy_slots(self, states):
        out = collections.defaultdict(set)
        for (inst, s) in self.copy_points(states):
            out[inst].add(s)
        return out

    def check_copy_tags(self, states):
        """Every copy: completed, its own copy-of and copy tags, the source's
        snapkeep:* and user tags; no two copies of one source snapshot; one
        set per point. Returns {instance: {slot: [source ids]}}."""
        of = collections.defaultdict(list)
        out = collections.defaultdict(lambda: collections.defaultdict(list))
        for (inst, s), sets in self.copy_points(states).items():
            self.test.assertEqual(len(sets), 1, f"seed {self.seed}: copies of two sets for {inst} {s}")
            for copy in next(iter(sets.values())):
                tags = fleet.tags_of(copy)
                where = f"seed {self.seed}: copy {copy['SnapshotId']} {tags}"
                self.test.assertEqual(copy["State"], "completed", where)
                self.test.assertEqual(tags.get("snapkeep:copy"), self.copy_key, where)
                account, region, source = tags.get("snapkeep:copy-of", "::").split(":")
                self.test.assertEqual(account, self.account, where)
                self.test.assertIn(region, self.fleet, where)
                self.test.assertIn(source, self.source_tags, f"{where}: a copy of a snapshot never seen")
                want = {k: v for k, v in self.source_tags[source].items() if not k.startswith("aws:")}
                got = {k: v for k, v in tags.items() if k not in ("snapkeep:copy-of", "snapkeep:copy")}
                self.test.assertEqual(got, want, f"{where}: not the source's tags")
                of[source].append(copy["SnapshotId"])
                out[inst][s].append(source)
        dupes = {k: v for k, v in of.items() if len(v) > 1}
        self.test.assertEqual(dupes, {}, f"seed {self.seed}: two copies of one source snapshot")
        return out

    def check_copies_run(self, proc, data, states, before_states):
        """After each run: tags, no duplicate copy, the newest copy point
        kept, a copy deleted only with COPY_COUNT newer copy points there;
        exit 0 => the target holds exactly what its count keeps of the
        copies before and the source points the run's listing held."""
        by_inst = self.check_copy_tags(states)
        before = self.copy_slots(before_states)
        after = self.copy_slots(states)
        src_before = self.slots_by_instance(before_states)
        src_after = self.slots_by_instance(states)
        source_sets = self.source_sets(states)
        sets_before = self.source_sets(before_states)
        incomplete = any(not c["complete"] for c in data.get("copies", [])) or any(
            not r["complete"] for r in data["regions"])
        waiting = sum(c["waiting"] for c in data.get("copies", []))
        reported = {a["instance_id"] for a in data["actions"] if a["outcome"] in ("failed", "skipped")}
        for region, instances in self.fleet.items():
            for inst, devices in instances.items():
                # DESIGN.md 4.2 at the target: the newest completed copy
                # point stays, even while newer ones are being copied.
                good_before = {s for s in before[inst]
                               if self.copy_point_complete(before_states, inst, s, devices, sets_before)}
                newest = {max(good_before)} if good_before else set()
                self.test.assertLessEqual(newest, after[inst],
                                          f"seed {self.seed}: the newest copy point of {inst} was deleted; before: "
                                          f"{self.describe_copies(before_states, inst)}, after: "
                                          f"{self.describe_copies(states, inst)}\n"
                                          f"{json.dumps([a for a in data['actions'] if a['instance_id'] == inst], indent=1)[:4000]}")
                for s in before[inst] - after[inst]:
                    newer = {n for n in after[inst] if n > s}
                    if len(newer) < COPY_COUNT:
                        self.copy_deleted_early.append((self.runs, inst, s))
                # The source points the copy step saw: the run's listing
                # less what the run deleted.
                listed = src_before[inst] & src_after[inst]
                want = retained(before[inst] | listed, COPY_COUNT) | newest
                complete = {s for s in after[inst] if self.copy_point_complete(states, inst, s, devices, source_sets)}
                short = after[inst] != want or complete != want
                if short and (proc.returncode == 0 and not waiting):
                    self.test.fail(f"seed {self.seed}: exit 0 but the copies of {inst} are "
                                   f"{sorted(after[inst])} (complete {sorted(complete)}), want {sorted(want)}")
                if short and not (incomplete or waiting or inst in reported):
                    self.test.fail(f"seed {self.seed}: exit {proc.returncode} does not report the copies of "
                                   f"{inst}: {sorted(after[inst])} (complete {sorted(complete)}), want {sorted(want)}\n"
                                   f"{json.dumps(data['copies'], indent=1)}\n{json.dumps(data['warnings'], indent=1)[:3000]}\n"
                                   f"{json.dumps([a for a in data['actions'] if a['instance_id'] == inst], indent=1)[:3000]}")

    def describe_copies(self, states, inst):
        """{slot: [(device, source id, copy id), ...]} of an instance's copies."""
        out = {}
        for (i, s), sets in self.copy_points(states).items():
            if i == inst:
                out[s] = sorted((fleet.tags_of(c).get("snapkeep:device", "?"),
                                 fleet.tags_of(c)["snapkeep:copy-of"].rsplit(":", 1)[1], c["SnapshotId"])
                                for cs in sets.values() for c in cs)
        return out

    def source_sets(self, states):
        out = {}
        for region in self.fleet:
            out.update(managed_points(states[region]))
        return out

    def copy_point_complete(self, states, inst, s, devices, source_sets):
        """One copy per device, and of the source set's snapshots while it exists."""
        (copies,) = self.copy_points(states)[(inst, s)].values()
        if sorted(fleet.tags_of(c).get("snapkeep:device", "?") for c in copies) != devices:
            return False
        sets = source_sets.get((inst, s))
        if not sets:
            return True
        sources = {m["SnapshotId"] for ms in sets.values() for m in ms}
        return {fleet.tags_of(c)["snapkeep:copy-of"].rsplit(":", 1)[1] for c in copies} <= sources

    def check_copies_final(self, states, now_slot):
        """Fault-free end state at the target: for every instance a copy of
        each snapshot of exactly the points its count keeps of every point
        that ever existed, and nothing else."""
        by_inst = self.check_copy_tags(states)
        self.test.assertEqual(set(by_inst) - {i for inst in self.fleet.values() for i in inst}, set(),
                              "copies of instances the policy does not select")
        for region, instances in self.fleet.items():
            points = managed_points(states[region])
            for inst in instances:
                self.test.assertLessEqual(self.copy_ever[inst], self.ever[inst] | {now_slot},
                                          f"seed {self.seed} {inst}: a copy of a point that never existed")
                want = retained(self.ever[inst] | {now_slot}, COPY_COUNT)
                self.test.assertEqual(set(by_inst[inst]), want, f"seed {self.seed} {inst}: copy points "
                                      f"{ {s: sorted(ids) for s, ids in by_inst[inst].items()} } of the sources "
                                      f"{ {s: sorted(m['SnapshotId'] for ms in sets.values() for m in ms) for (i, s), sets in points.items() if i == inst} }")
                for s in want:
                    (members,) = points[(inst, s)].values()
                    self.test.assertEqual(sorted(by_inst[inst][s]), sorted(m["SnapshotId"] for m in members),
                                          f"seed {self.seed} {inst} {s}: the copies are not of the point's snapshots")

    # -- checks ------------------------------------------------------------
    def check_foreign(self, states):
        for region, foreign in self.foreign.items():
            for sid, tags in foreign.items():
                self.test.assertIn(sid, states[region], f"foreign snapshot {sid} deleted")
                self.test.assertEqual(fleet.tags_of(states[region][sid]), tags, f"foreign snapshot {sid} retagged")

    def check_claims(self, data, states):
        """Whatever the run reports as done is true in the account."""
        for r in data["actions"]:
            snaps = states[r["region"]]
            if r["outcome"] == "created":
                for sid in r["snapshot_ids"]:
                    self.test.assertIn(sid, snaps, f"reported created but absent: {r}")
            elif r["outcome"] == "started":  # a copy: the source, then the copy
                self.test.assertIn(r["snapshot_ids"][-1], snaps, f"reported copied but absent: {r}")
            elif r["outcome"] == "deleted":
                for sid in r["snapshot_ids"]:
                    self.test.assertNotIn(sid, snaps, f"reported deleted but present: {r}")

    def shortfalls(self, states, now_slot, before):
        """What is not as a complete run leaves it: [(region, instance, what)]."""
        out = []
        for region, instances in self.fleet.items():
            points = managed_points(states[region])
            for inst, devices in instances.items():
                sets = points.get((inst, now_slot), {})
                if len(sets) != 1:
                    out.append((region, inst, f"{len(sets)} sets for {now_slot}"))
                else:
                    (members,) = sets.values()
                    got = sorted(fleet.tags_of(s).get("snapkeep:device", "?") for s in members)
                    if got != devices:
                        out.append((region, inst, f"devices {got} != {devices}"))
                slots = {s for (i, s) in points if i == inst}
                want = retained(before.get(inst, set()) | {now_slot})
                if slots != want:
                    out.append((region, inst, f"slots {sorted(slots)} != {sorted(want)}"))
                for s in slots:
                    if len(points[(inst, s)]) != 1:
                        out.append((region, inst, f"duplicate sets for {s}"))
        return out

    def check_run(self, proc, data, states, now_slot, before):
        self.check_foreign(states)
        self.check_claims(data, states)
        short = self.shortfalls(states, now_slot, before)
        if proc.returncode == 0:
            self.test.assertEqual(short, [], f"seed {self.seed}: exit 0 but the account is not done")
            return
        # Exit 1: every shortfall is reported (a failed/skipped action for
        # the instance, or an incomplete region).
        incomplete = {r["region"] for r in data["regions"] if not r["complete"]}
        reported = collections.defaultdict(set)
        for r in data["actions"]:
            if r["outcome"] in ("failed", "skipped"):
                reported[r["region"]].add(r["instance_id"])
                for sid in r["snapshot_ids"]:
                    reported[r["region"]].add(sid)
        failed_tags = {r["region"] for r in data["actions"]
                       if r["action"] == "tag-device" and r["outcome"] in ("failed", "skipped")}
        for region, inst, what in short:
            if region in incomplete or inst in reported[region]:
                continue
            if what.startswith("devices") and region in failed_tags:
                continue
            self.test.fail(f"seed {self.seed}: exit 1 does not report {region} {inst}: {what}\n"
                           f"{json.dumps([a for a in data['actions'] if a['outcome'] != 'created'], indent=1)[:3000]}")

    def check_final(self, states, now_slot):
        """Fault-free end state: exactly the retained points, one set each."""
        self.check_foreign(states)
        for region, instances in self.fleet.items():
            points = managed_points(states[region])
            for inst, devices in instances.items():
                slots = {s for (i, s) in points if i == inst}
                self.test.assertEqual(slots, retained(self.ever[inst] | {now_slot}), f"seed {self.seed} {inst}")
                for s in slots:
                    sets = points[(inst, s)]
                    self.test.assertEqual(len(sets), 1, f"seed {self.seed} {inst} {s}: duplicate sets")
                    (members,) = sets.values()
                    self.test.assertEqual(
                        sorted(fleet.tags_of(m).get("snapkeep:device", "?") for m in members), devices)
                    self.test.assertTrue(all(m["State"] == "completed" for m in members))
            # Nothing managed for instances the policy does not select.
            self.test.assertEqual({i for (i, _) in points} - set(instances), set())

    def slots_by_instance(self, states):
        out = collections.defaultdict(set)
        for region in self.fleet:
            for (inst, s) in managed_points(states[region]):
                out[inst].add(s)
        return out


def report_figures():
    path = os.environ.get("SNAPKEEP_FAULT_FIGURES")
    data = {k: dict(v) for k, v in FIGURES.items()}
    print("\nfault figures:", json.dumps(data, indent=1, sort_keys=True), file=sys.stderr)
    if path:
        with open(path, "w") as f:
            json.dump(data, f, indent=1, sort_keys=True)


@unittest.skipUnless(LONG or os.environ.get("SNAPKEEP_FAULT_MONTH") == "1",
                     "about 5 min per seed on 2 cores (moto serializes every DescribeSnapshots answer "
                     "slowly); SNAPKEEP_FAULT_MONTH=1 or SNAPKEEP_FAULT_LONG=1 runs it")
class MonthUnderFaultsTest(unittest.TestCase):
    """A month of daily runs with 20 % of requests faulted, every kind.

    With SNAPKEEP_FAULT_COPY_SEEDS=3, seed 3 also copies every point to us-west-2, keeping
    count 2 there, through the same proxy (its CopySnapshot, DeleteSnapshot
    and DescribeSnapshots are faulted like the rest). After each run: every
    copy carries its source's tags, no source snapshot has two copies, the
    newest completed copy point stays, and an exit 0 leaves the target
    exactly as its count says; after the fault-free runs the target holds a
    copy of each snapshot of exactly the COPY_COUNT newest points that ever
    existed. Figures: docs/testing-faults.md "Copies in the month".

    With several seeds, each seed runs in a child process with its own moto
    server and proxy, at once: a run spends most of its time waiting
    (timeouts, backoff), so the seeds overlap well on two cores."""

    def test_month_converges_for_every_seed(self):
        if len(SEEDS) > 1 and os.environ.get("SNAPKEEP_FAULT_CHILD") != "1":
            return self.run_seeds_in_children()
        self.run_seeds()

    def run_seeds_in_children(self):
        children = []
        for seed in SEEDS:
            figures = tempfile.NamedTemporaryFile(suffix=".json", delete=False).name
            env = dict(os.environ, SNAPKEEP_FAULT_SEEDS=str(seed), SNAPKEEP_FAULT_CHILD="1",
                       SNAPKEEP_FAULT_FIGURES=figures)
            log = tempfile.TemporaryFile("w+")
            proc = subprocess.Popen(
                [os.path.join(HERE, "..", "..", "scripts", "with-moto.sh"), sys.executable, "-m", "unittest",
                 "test_convergence.MonthUnderFaultsTest"],
                cwd=HERE, env=env, stdout=log, stderr=subprocess.STDOUT)
            children.append((seed, proc, log, figures))
        for seed, proc, log, figures in children:
            with self.subTest(seed=seed):
                proc.wait(timeout=1800)
                log.seek(0)
                output = log.read()
                self.assertEqual(proc.returncode, 0, f"seed {seed}:\n{output[-6000:]}")
                with open(figures) as f:
                    for name, values in json.load(f).items():
                        FIGURES[name].update(values)
                os.unlink(figures)
        report_figures()

    def run_seeds(self):
        sizes = {"us-east-1": 32, "eu-west-1": 20}
        for seed in SEEDS:
            with self.subTest(seed=seed):
                started = time.monotonic()
                copies = seed in COPY_SEEDS
                h = Harness(self, seed, sizes, rate=0.2, copies=copies)
                try:
                    states = h.observe()
                    before = h.slots_by_instance(states)
                    for n in range(1, DAYS + 1):
                        proc, data = h.run(day(n))
                        previous, states = states, h.observe()
                        h.check_run(proc, data, states, slot(n), before)
                        if copies:
                            h.check_copies_run(proc, data, states, previous)
                        before = h.slots_by_instance(states)
                    # Fault-free: no slow answer to cut short, and moto's full
                    # listing may take longer than the short timeout on a busy machine.
                    h.proxy.configure(rate=0.0, buckets_on=False)
                    final_runs = 0
                    while True:
                        proc, data = h.run(day(DAYS, hour=13 + final_runs), timeout_ms=FAULT_FREE_TIMEOUT_MS)
                        final_runs += 1
                        self.assertEqual(proc.returncode, 0, proc.stdout[-3000:] + proc.stderr[-2000:])
                        # With copies, the fault-free runs go on while one
                        # creates or copies: a point made in a run is copied
                        # by the next (docs/copies.md "When in a run"), and
                        # the newest completed copy point stays until a newer
                        # one is complete, so the next run lets it go.
                        busy = any(a["outcome"] in ("created", "started") for a in data["actions"])
                        if not copies or not busy:
                            break
                        self.assertLess(final_runs, 4, "the copies do not settle")
                    states = h.observe()
                    h.check_final(states, slot(DAYS))
                    if copies:
                        h.check_copies_final(states, slot(DAYS))
                finally:
                    h.close()
                f = FIGURES[f"month seed {seed}"]
                f["runs"] = h.runs - final_runs
                f["final_runs"] = final_runs
                if copies:
                    for what, entries in (("CopySnapshot", h.proxy.entries(action="CopySnapshot")),
                                          ("DescribeSnapshots at the target",
                                           h.proxy.entries(action="DescribeSnapshots", region=COPY_REGION)),
                                          ("DeleteSnapshot at the target",
                                           h.proxy.entries(action="DeleteSnapshot", region=COPY_REGION)),
                                          ("all at the target", h.proxy.entries(region=COPY_REGION))):
                        f[f"{what}: requests"] = len(entries)
                        f[f"{what}: faults"] = sum(1 for e in entries if e["fault"])
                        f[f"{what}: faults that reached moto"] = sum(
                            1 for e in entries if e["fault"] and e["reached_moto"])
                    for what, count in h.copy_outcomes.items():
                        f["actions: " + what] = count
                    f["copy points ever"] = sum(len(v) for v in h.copy_ever.values())
                    f["copies at the end"] = sum(len(v) for v in h.copy_slots(states).values())
                    f["copy points deleted before count newer ones existed"] = len(h.copy_deleted_early)
                f["runs_gave_up"] = h.gave_up
                f["actions_given_up"] = sum(h.given_up.values())
                for what, count in h.given_up.items():
                    f["given_up: " + what] = count
                f["retries"] = h.retries
                f["requests"] = len(h.proxy.log)
                for kind, count in h.proxy.fault_counts().items():
                    f["fault:" + kind] += count
                f["run_seconds_mean"] = round(sum(h.run_seconds) / len(h.run_seconds), 2)
                f["run_seconds_max"] = round(max(h.run_seconds), 2)
                f["runs_seconds"] = round(sum(h.run_seconds))
                f["seconds"] = round(time.monotonic() - started)
                print(f"month seed {seed}: " + json.dumps(dict(f), sort_keys=True), file=sys.stderr, flush=True)
        report_figures()


class AmbiguousCreateTest(unittest.TestCase):
    """A reset after CreateSnapshots reached moto leaves no duplicate."""

    def setUp(self):
        self.h = Harness(self, 7, {"us-east-1": 4, "eu-west-1": 2}, rate=0.0)
        self.h.proxy.configure(buckets_on=False)

    def tearDown(self):
        self.h.close()

    def test_reset_after_create_is_found_by_its_tag(self):
        for kind in ("reset_after", "slow", "truncated", "malformed_xml", "internal_error"):
            with self.subTest(kind=kind):
                n = {"reset_after": 1, "slow": 2, "truncated": 3, "malformed_xml": 4, "internal_error": 5}[kind]
                self.h.proxy.configure(forced={"CreateSnapshots": kind})
                self.h.proxy.clear_log()
                # Every CreateSnapshots is faulted after moto acted: the
                # executor must find the set by its tag instead of creating again.
                proc, data = self.h.run(day(n))
                states = self.h.observe()
                creates = self.h.proxy.entries(action="CreateSnapshots")
                self.assertTrue(all(e["reached_moto"] for e in creates))
                points = {}
                for region in states:
                    points.update(managed_points(states[region]))
                for region, instances in self.h.fleet.items():
                    for inst in instances:
                        self.assertEqual(len(points[(inst, slot(n))]), 1, f"{kind}: {inst} duplicate or missing")
                self.h.proxy.configure(forced={})
                proc, data = self.h.run(day(n, hour=13), timeout_ms=FAULT_FREE_TIMEOUT_MS)
                self.assertEqual(proc.returncode, 0, proc.stdout[-2000:])
                self.h.check_final(self.h.observe(), slot(n))

    def test_reset_after_create_and_failed_lookup_then_rerun(self):
        # The create reaches moto, the answer is lost, and the lookup by tag
        # fails too: the run cannot tell and must not create again.
        hook_state = {"creates": 0}
        original = self.h.proxy._draw

        def draw(region, action):
            if region != "us-east-1":
                return None
            if action == "CreateSnapshots":
                hook_state["creates"] += 1
                return "reset_after"
            if action == "DescribeSnapshots" and hook_state["creates"] > 0:
                return "http500"
            return None
        self.h.proxy._draw = draw
        proc, data = self.h.run(day(1))
        self.h.proxy._draw = original
        self.assertEqual(proc.returncode, 1, proc.stdout[-2000:])
        states = self.h.observe()
        points = managed_points(states["us-east-1"])
        for inst in self.h.fleet["us-east-1"]:
            self.assertLessEqual(len(points.get((inst, slot(1)), {})), 1, inst)
        self.h.proxy.configure(forced={}, regions=None)
        proc, data = self.h.run(day(1, hour=13), timeout_ms=FAULT_FREE_TIMEOUT_MS)
        self.assertEqual(proc.returncode, 0, proc.stdout[-2000:])
        self.h.check_final(self.h.observe(), slot(1))


class IncompleteListingTest(unittest.TestCase):
    """A listing that keeps failing: nothing deleted in that region, exit 1."""

    def setUp(self):
        self.h = Harness(self, 11, {"us-east-1": 4, "eu-west-1": 3}, rate=0.0)
        self.h.proxy.configure(buckets_on=False)
        for n in range(1, RETAIN_DAYS + 1):
            proc, _ = self.h.run(day(n), timeout_ms=FAULT_FREE_TIMEOUT_MS)
            self.assertEqual(proc.returncode, 0, proc.stdout[-2000:])
        self.h.observe()

    def tearDown(self):
        self.h.close()

    def check(self, action, kind, n):
        east_before = set(account_state("us-east-1"))
        west_before = set(account_state("eu-west-1"))
        self.h.proxy.configure(forced={action: kind}, regions=["us-east-1"])
        proc, data = self.h.run(day(n))
        self.assertEqual(proc.returncode, 1, proc.stdout[-2000:])
        east_after = set(account_state("us-east-1"))
        self.assertLessEqual(east_before, east_after, f"{action}/{kind}: something deleted in us-east-1")
        self.assertFalse(any(r["action"] == "delete" and r["outcome"] == "deleted" and r["region"] == "us-east-1"
                             for r in data["actions"]))
        region = [r for r in data["regions"] if r["region"] == "us-east-1"][0]
        self.assertFalse(region["complete"])
        # The healthy region went on: its old points are gone.
        west_after = set(account_state("eu-west-1"))
        self.assertTrue(west_before - west_after, "eu-west-1 applied retention")
        self.h.proxy.configure(forced={}, regions=None)

    def test_describe_snapshots_failing(self):
        for i, kind in enumerate(("http500", "reset_before", "malformed_xml")):
            with self.subTest(kind=kind):
                self.check("DescribeSnapshots", kind, RETAIN_DAYS + 2 + i)

    def test_describe_images_failing(self):
        self.check("DescribeImages", "http503", RETAIN_DAYS + 2)


class CrashTest(unittest.TestCase):
    """kill -9 at random moments of a run, then a fault-free rerun converges."""

    def test_kill_9_then_rerun_converges(self):
        trials = 0
        started = time.monotonic()
        for seed in SEEDS:
            rng = random.Random(seed)
            h = Harness(self, seed, {"us-east-1": 5, "eu-west-1": 3}, rate=0.0)
            h.proxy.configure(buckets_on=False)
            try:
                # A clean run shows how many requests a run makes.
                h.proxy.clear_log()
                proc, _ = h.run(day(1), timeout_ms=FAULT_FREE_TIMEOUT_MS)
                self.assertEqual(proc.returncode, 0)
                typical = len(h.proxy.log)
                h.observe()
                for t in range(-(-CRASH_TRIALS // len(SEEDS))):
                    n = t + 2
                    kill_at = rng.randint(1, typical + 4)
                    h.proxy.clear_log()
                    proc = subprocess.Popen(h.command(day(n)), stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL, env=h.env(FAULT_FREE_TIMEOUT_MS))
                    counter = {"n": 0}
                    lock = threading.Lock()

                    def kill_hook(entry, proc=proc, kill_at=kill_at):
                        with lock:
                            counter["n"] += 1
                            if counter["n"] == kill_at:
                                proc.send_signal(signal.SIGKILL)
                    h.proxy.after_forward = kill_hook
                    proc.wait(timeout=300)
                    h.proxy.after_forward = None
                    killed = proc.returncode == -signal.SIGKILL
                    FIGURES["crash"]["killed" if killed else "finished before the kill"] += 1
                    h.observe()
                    rerun, data = h.run(day(n, hour=13), timeout_ms=FAULT_FREE_TIMEOUT_MS)
                    self.assertEqual(rerun.returncode, 0, rerun.stdout[-2000:])
                    h.check_final(h.observe(), slot(n))
                    trials += 1
            finally:
                h.close()
        FIGURES["crash"]["trials"] = trials
        FIGURES["crash"]["seconds"] = round(time.monotonic() - started)
        report_figures()
        self.assertGreaterEqual(trials, 30)


if __name__ == "__main__":
    unittest.main()
