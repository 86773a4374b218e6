"""End to end: `--shard I/N`. Three shards started together against one moto
leave exactly the state one unsharded run leaves, by target and by instance;
their summaries add up; any shard rerun alone changes nothing.

The reference is an unsharded run of the same scenario on the same fleet
rebuilt after a reset (instance ids differ, so points are compared by the
instances' Name tags). The shards are started in the three ways a
deployment starts them: --shard I/N, SNAPKEEP_SHARD, and --shards N with
JOB_COMPLETION_INDEX (a Kubernetes Indexed Job).
"""

import collections
import json
import os
import subprocess
import unittest

import fleet
import snapkeep_cli as sk

REGIONS = ("us-east-1", "eu-west-1")
SHARDS = 3
CONFIG = """\
regions: [us-east-1, eu-west-1]
policies:
  - name: daily
    select:
      tags: {Backup: "true"}
    schedule: "cron(0 0 * * ? *)"
    snapshot:
      copy_tags: [instance]
    retain:
      count: 1
    orphan_keep_days: 1
"""
DAY1 = "2026-11-01T12:00:00Z"
DAY2 = "2026-11-02T12:00:00Z"
# Day 1's points go once day 2's are complete: at the next run.
DAY2_LATER = "2026-11-02T18:00:00Z"


def stable_hash(text):
    """core/shard.h's 64-bit FNV-1a."""
    h = 14695981039346656037
    for byte in text.encode():
        h = ((h ^ byte) * 1099511628211) % (1 << 64)
    return h


def build_fleet():
    """Per region: three instances the policy selects (one with a data
    volume) and one it selects that is terminated after day 1 (its points
    become an orphan's). Returns {region: {name: id}}."""
    out = {}
    for region in REGIONS:
        ec2 = fleet.client("ec2", region)
        names = {}
        for name, devices in (("web", ()), ("db", ("/dev/sdf",)), ("app", ()), ("gone", ())):
            names[name] = fleet.run_instance(ec2, {"Name": name, "Backup": "true"}, data_devices=devices)
        out[region] = names
    return out


def state(ids):
    """What exists, by region and instance name: {(region, name, slot,
    device): tags without the ids that differ between fleets}."""
    name_of = {(region, i): name for region, names in ids.items() for name, i in names.items()}
    out = {}
    for region in REGIONS:
        for snap in fleet.snapshots(fleet.client("ec2", region), "daily"):
            tags = fleet.tags_of(snap)
            name = name_of[(region, tags["snapkeep:instance"])]
            key = (region, name, tags["snapkeep:slot"], tags.get("snapkeep:device", "?"))
            kept = {k: v for k, v in tags.items()
                    if k not in ("snapkeep:instance", "snapkeep:set", "snapkeep:instance-meta")
                    and not k.startswith("snapkeep:volumes")}
            if key in out:
                raise AssertionError(f"two snapshots for {key}: a point was made twice")
            out[key] = kept
    return out


def start(args, shard_way, index, env=None):
    """Starts snapkeep as shard `index` of SHARDS, the way `shard_way` says."""
    cmd = [sk.binary(), *args, "--output", "json", "--endpoint-url", fleet.endpoint()]
    full_env = dict(os.environ)
    full_env.pop("SNAPKEEP_SHARD", None)
    full_env.pop("JOB_COMPLETION_INDEX", None)
    full_env.update(env or {})
    if shard_way == "flag":
        cmd += ["--shard", f"{index}/{SHARDS}"]
    elif shard_way == "env":
        full_env["SNAPKEEP_SHARD"] = f"{index}/{SHARDS}"
    else:
        cmd += ["--shards", str(SHARDS)]
        full_env["JOB_COMPLETION_INDEX"] = str(index)
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env)


def totals_of(summary):
    """The summary's totals, plus the snapshots its device tags covered (by
    instance, each shard tags its own in its own batched call, so the calls
    do not add up but the snapshots do)."""
    out = dict(summary["totals"])
    out["tagged_snapshots"] = sum(len(a["snapshot_ids"]) for a in summary["actions"]
                                  if a["action"] == "tag-device")
    return out


def finish(proc):
    out, err = proc.communicate(timeout=120)
    try:
        summary = json.loads(out)
    except ValueError as exc:
        raise AssertionError(f"not JSON (exit {proc.returncode}): {out!r} {err!r}") from exc
    return proc.returncode, summary, err


class ShardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.config = sk.write_config(CONFIG)
        cls.reference, cls.reference_totals = cls.scenario(None)

    @classmethod
    def scenario(cls, run_day):
        """Resets moto, builds the fleet, runs day 1, terminates the `gone`
        instances, runs day 2 twice. run_day(now) does the runs at `now` and
        returns their summed totals; None: one unsharded run. Returns the
        state and the totals of each step."""
        fleet.reset()
        cls.ids = build_fleet()
        totals = []

        def plain(now):
            proc = sk.run("run", "--now", now, "--output", "json", config=cls.config)
            if proc.returncode != 0:
                raise AssertionError(proc.stdout + proc.stderr)
            summary = json.loads(proc.stdout)
            assert summary["shard"] is None
            return totals_of(summary)

        run_day = run_day or plain
        totals.append(run_day(DAY1))
        for region in REGIONS:
            fleet.client("ec2", region).terminate_instances(InstanceIds=[cls.ids[region]["gone"]])
        totals.append(run_day(DAY2))
        totals.append(run_day(DAY2_LATER))
        return state(cls.ids), totals

    def test_reference_run_creates_deletes_and_releases_orphans(self):
        # The scenario exercises all three kinds of work a shard splits.
        day1, day2, later = self.reference_totals
        self.assertEqual(day1["created"], 8)
        self.assertEqual((day2["created"], day2["deleted"]), (6, 2), "the orphans' points released")
        self.assertEqual((later["created"], later["deleted"]), (0, 8), "day 1's 6 points (8 snapshots)")
        self.assertEqual(len({(k[0], k[1]) for k in self.reference}), 6)
        self.assertEqual({k[2] for k in self.reference}, {"2026-11-02T00:00:00Z"})

    def sharded_days(self, by):
        """Runs each day as three shards in parallel (one per way of naming
        the shard); checks what each says it covered; returns summed totals."""
        self.summaries = []

        def run_day(now):
            args = ["run", "--now", now, "--config", self.config]
            if by == "instance":
                args += ["--shard-by", "instance"]
            ways = ("flag", "env", "indexed-job")
            procs = [start(args, ways[i], i) for i in range(SHARDS)]
            results = [finish(p) for p in procs]
            total = collections.Counter()
            day = []
            for index, (status, summary, err) in enumerate(results):
                self.assertEqual(status, 0, f"shard {index}: {json.dumps(summary)[:2000]} {err}")
                self.check_coverage(summary, index, by)
                total.update(totals_of(summary))
                day.append(summary)
            self.summaries.append(day)
            return dict(total)

        return run_day

    def check_coverage(self, summary, index, by):
        shard = summary["shard"]
        self.assertEqual((shard["index"], shard["count"], shard["by"]), (index, SHARDS, by))
        self.assertEqual(shard["targets_total"], len(REGIONS))
        account = summary["regions"][0]["account"] if summary["regions"] else "123456789012"
        keys = [f"{account}/{r}" for r in REGIONS]
        if by == "target":
            mine = [k for k in keys if stable_hash(k) % SHARDS == index]
            self.assertEqual(shard["targets"], mine)
            self.assertEqual([f'{r["account"]}/{r["region"]}' for r in summary["regions"]], mine)
        else:
            self.assertEqual(shard["targets"], keys, "by instance, every shard lists every region")
        created = {i for a in summary["actions"] if a["action"] == "create" for i in a["snapshot_ids"]}
        for action in summary["actions"]:
            if action["action"] == "tag-device":
                # Batched per device name in a region: the shard's own new snapshots.
                self.assertLessEqual(set(action["snapshot_ids"]), created, action)
            elif by == "instance":
                self.assertEqual(stable_hash(action["instance_id"]) % SHARDS, index, action)
            else:
                self.assertIn(f'{action["account"]}/{action["region"]}', shard["targets"])

    def check_sharded(self, by):
        got, totals = self.scenario(self.sharded_days(by))
        self.assertEqual(got, self.reference, "three shards leave what one run leaves")
        for step, (mine, reference) in enumerate(zip(totals, self.reference_totals), start=1):
            keys = ["created", "deleted", "tagged_snapshots", "failed", "skipped"]
            if by == "target":
                keys.append("tagged")
            for key in keys:
                self.assertEqual(mine.get(key, 0), reference[key], f"step {step} {key}: {mine}")
        # Every instance of the listing is some shard's, once.
        for day in self.summaries:
            shards = [s["shard"] for s in day]
            if by == "instance":
                self.assertEqual(len({s["instances_listed"] for s in shards}), 1)
                self.assertEqual(sum(s["instances"] for s in shards), shards[0]["instances_listed"])
                self.assertEqual(sum(s["snapshots"] for s in shards), shards[0]["snapshots_listed"])
                self.assertEqual(sum(len(s["regions"]) for s in day), SHARDS * len(REGIONS))
            else:
                targets = [t for s in shards for t in s["targets"]]
                self.assertEqual(len(targets), len(REGIONS))
                self.assertEqual(len(set(targets)), len(REGIONS), "each target in one shard")

        # Any shard rerun alone changes nothing.
        before = state(self.ids)
        for index in range(SHARDS):
            args = ["run", "--now", DAY2_LATER, "--config", self.config, "--shard-by", by]
            status, summary, err = finish(start(args, "flag", index))
            self.assertEqual(status, 0, err)
            changed = {k: v for k, v in summary["totals"].items() if k not in ("skipped",) and v}
            self.assertEqual(changed, {}, f"shard {index} rerun: {summary['actions']}")
        self.assertEqual(state(self.ids), before)

    def test_three_shards_by_target_do_one_runs_work(self):
        self.check_sharded("target")

    def test_three_shards_by_instance_do_one_runs_work(self):
        self.check_sharded("instance")

    def test_plan_says_which_shard_and_what_it_covers(self):
        proc = sk.run("plan", "--now", DAY1, "--shard", "1/3", "--shard-by", "instance", config=self.config)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("shard 1/3 by instance:", proc.stdout)
        self.assertIn("plan shard 1/3:", proc.stdout)

    def test_bad_shards_are_refused_before_any_call(self):
        cases = [
            (["--shard", "3/3"], {}, "--shard: shard '3/3' is not I/N"),
            (["--shard", "1/0"], {}, "is not I/N"),
            (["--shard", "a"], {}, "is not I/N"),
            (["--shards", "3"], {}, "JOB_COMPLETION_INDEX"),
            (["--shards", "3"], {"JOB_COMPLETION_INDEX": "3"}, "from 0 to 2"),
            (["--shards", "0"], {}, "--shards"),
            (["--shard", "0/2", "--shards", "2"], {}, "not both"),
            ([], {"SNAPKEEP_SHARD": "2/2"}, "SNAPKEEP_SHARD: "),
            (["--shard", "0/2", "--shard-by", "region"], {}, "--shard-by"),
        ]
        for command in ("run", "plan", "daemon"):
            for flags, env, message in cases:
                # No endpoint: a call to AWS would fail differently.
                proc = sk.run(command, *flags, config=self.config, endpoint=False,
                              env={**env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}, timeout=30)
                self.assertEqual(proc.returncode, 2, (command, flags, env, proc.stdout, proc.stderr))
                self.assertIn(message, proc.stderr, (command, flags, env))


if __name__ == "__main__":
    unittest.main()
