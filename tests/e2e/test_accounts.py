"""End to end: several source accounts (`accounts:`, docs/accounts.md) and
copies into another (vault) account (a copy target's `role_arn`,
docs/copies.md), by `snapkeep run`/`plan` against moto, checked with boto3
in each account.

moto's AssumeRole into arn:aws:iam::<id>:role/<name> gives credentials of
account <id> (the role need not exist), so every account here is just a role
ARN; the test builds each account's fleet with such credentials. ctest runs
this file under scripts/with-moto.sh --shared-snapshots (its name has
"accounts"): tests/support/moto_shared_snapshots.py lets the vault account
copy a snapshot shared with it, refuses AssumeRole of roles named denied-*
(as STS does when the trust policy refuses the caller) and grants roles
named extid-<ID> only with that external id. Every snapkeep run goes through
tests/fault/fault_proxy.py without faults, whose log shows each request's
action, key parameters and access key."""

import collections
import datetime
import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fault"))

import boto3  # noqa: E402

import fleet  # noqa: E402
import snapkeep_cli as sk  # noqa: E402
from fault_proxy import FaultProxy  # noqa: E402

PROD = "111111111111"
VAULT = "222222222222"
STAGE = "333333333333"
DENIED = "444444444444"
PROD_ROLE = f"arn:aws:iam::{PROD}:role/snapkeep"
STAGE_ROLE = f"arn:aws:iam::{STAGE}:role/extid-s3cret"  # granted only with ExternalId=s3cret
DENIED_ROLE = f"arn:aws:iam::{DENIED}:role/denied-snapkeep"
VAULT_ROLE = f"arn:aws:iam::{VAULT}:role/snapkeep-dr"

POLICY = """\
policies:
  - name: nightly
    select:
      tags: {Backup: "true"}
    schedule: "cron(0 0 * * ? *)"
    snapshot:
      tags: {CostCenter: ops}
    retain: {count: 3}
"""

# Three source accounts: the caller's own, prod (only us-west-2, its own
# regions) and stage (the top-level us-east-1, with an external id and its
# own session name).
SEVERAL = f"""\
regions: [us-east-1]
include_own_account: true
accounts:
  - name: prod
    role_arn: {PROD_ROLE}
    regions: [us-west-2]
  - name: stage
    role_arn: {STAGE_ROLE}
    external_id: "s3cret"
    session_name: snapkeep-stage
""" + POLICY

ONE_DENIED = f"""\
regions: [us-east-1]
include_own_account: true
accounts:
  - name: prod
    role_arn: {PROD_ROLE}
  - name: broken
    role_arn: {DENIED_ROLE}
""" + POLICY

# prod in two regions, copied to a third region of prod and into the vault
# account (us-west-2, also a source region: allowed since the account differs).
# Source keeps 3 points, eu-west-1 2, the vault 4: the three retentions differ.
VAULTED = f"""\
regions: [us-east-1, us-west-2]
accounts:
  - name: prod
    role_arn: {PROD_ROLE}
""" + POLICY + f"""\
    copies:
      - region: eu-west-1
        retain: {{count: 2}}
      - region: us-west-2
        role_arn: {VAULT_ROLE}
        retain: {{count: 4}}
"""

READ_ONLY_PREFIXES = ("Describe", "Get", "List")


def day(n, hour=12):
    """An ISO time on day n of November 2026, UTC."""
    return (datetime.datetime(2026, 11, 1, hour, tzinfo=datetime.timezone.utc)
            + datetime.timedelta(days=n - 1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def slot(n):
    return day(n, hour=0)


class AccountsTestBase(unittest.TestCase):
    def setUp(self):
        fleet.reset()  # every account's state, and the credentials moto issued
        self._clients = {}
        self._credentials = {}
        self.own = fleet.client("sts").get_caller_identity()["Account"]
        self.proxy = FaultProxy(fleet.endpoint(), buckets=False).start()
        self.config = None

    def tearDown(self):
        self.proxy.stop()
        if self.config:
            os.unlink(self.config)

    def ec2(self, account, region):
        """boto3 EC2 in `account` (the caller's own, or through AssumeRole of role/admin)."""
        key = (account, region)
        if key not in self._clients:
            if account == self.own:
                self._clients[key] = fleet.client("ec2", region)
            else:
                if account not in self._credentials:
                    self._credentials[account] = fleet.client("sts").assume_role(
                        RoleArn=f"arn:aws:iam::{account}:role/admin",
                        RoleSessionName="e2e-checker")["Credentials"]
                c = self._credentials[account]
                self._clients[key] = boto3.client(
                    "ec2", region_name=region, endpoint_url=fleet.endpoint(),
                    aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                    aws_session_token=c["SessionToken"])
        return self._clients[key]

    def instance(self, account, region, data_devices=(), name="app"):
        return fleet.run_instance(self.ec2(account, region), {"Backup": "true", "Name": name},
                                  data_devices=list(data_devices))

    def snapkeep(self, *args, output_json=True):
        """Runs snapkeep through the proxy; returns (process, parsed JSON or None)."""
        extra = ["--output", "json"] if output_json else []
        proc = sk.run(*args, *extra, "--endpoint-url", self.proxy.url,
                      config=self.config, endpoint=False)
        data = None
        if output_json and proc.stdout.strip():
            try:
                data = json.loads(proc.stdout)
            except ValueError:
                self.fail(f"not JSON (exit {proc.returncode}): {proc.stdout[-2000:]} {proc.stderr}")
        return proc, data

    def run_ok(self, now, *extra):
        proc, data = self.snapkeep("run", "--now", now, *extra)
        self.assertEqual(proc.returncode, 0, proc.stdout[-4000:] + proc.stderr)
        return data

    def points(self, account, region):
        """snapkeep's snapshots that `account` owns in `region`: {(instance, slot): [snapshot]}."""
        out = collections.defaultdict(list)
        for snap in fleet.snapshots(self.ec2(account, region), "nightly"):
            self.assertEqual(snap["OwnerId"], account)
            tags = fleet.tags_of(snap)
            out[(tags["snapkeep:instance"], tags["snapkeep:slot"])].append(snap)
        return dict(out)

    def sent(self, predicate=None):
        return [e for e in self.proxy.entries() if predicate is None or predicate(e)]


class SeveralAccountsTest(AccountsTestBase):
    def build(self):
        self.config = sk.write_config(SEVERAL)
        self.fleet = {
            (self.own, "us-east-1"): self.instance(self.own, "us-east-1", ["/dev/sdf"]),
            (PROD, "us-west-2"): self.instance(PROD, "us-west-2", ["/dev/sdf"]),
            (STAGE, "us-east-1"): self.instance(STAGE, "us-east-1"),
        }
        # Selected by tag, but in a region prod's own `regions` leaves out.
        self.instance(PROD, "us-east-1", name="decoy")

    def test_each_account_is_backed_up_in_its_own_account_with_its_own_credentials(self):
        self.build()
        data = self.run_ok(day(1))
        self.assertEqual({(r["account"], r["region"]) for r in data["regions"]}, set(self.fleet))
        created = [a for a in data["actions"] if a["action"] == "create"]
        self.assertEqual({(a["account"], a["region"], a["instance_id"]) for a in created},
                         {(acct, region, i) for (acct, region), i in self.fleet.items()})
        for account in (self.own, PROD, STAGE, VAULT):
            for region in ("us-east-1", "us-west-2"):
                points = self.points(account, region)
                want = self.fleet.get((account, region))
                if want is None:
                    self.assertEqual(points, {}, f"{account} {region}: nothing leaks here")
                    continue
                self.assertEqual(set(points), {(want, slot(1))}, f"{account} {region}")
                volumes = set(fleet.instance_volumes(self.ec2(account, region), want).values())
                self.assertEqual({s["VolumeId"] for s in points[(want, slot(1))]}, volumes)

        # AssumeRole, from the caller's own credentials, once per account and
        # run, with the session name snapkeep-<run id> (stage: its own) and
        # stage's external id.
        assumed = self.sent(lambda e: e["action"] == "AssumeRole")
        self.assertEqual(sorted(e["params"]["RoleArn"] for e in assumed), [PROD_ROLE, STAGE_ROLE])
        caller_key = os.environ["AWS_ACCESS_KEY_ID"]
        for e in assumed:
            self.assertEqual(e["access_key"], caller_key)
            self.assertEqual(e["params"]["RoleSessionName"],
                             "snapkeep-stage" if e["params"]["RoleArn"] == STAGE_ROLE
                             else f"snapkeep-{data['run_id']}")
            self.assertEqual(e["params"].get("ExternalId"),
                             "s3cret" if e["params"]["RoleArn"] == STAGE_ROLE else None)
        # The caller's own key is used in its own regions only.
        own_calls = {e["region"] for e in self.sent(lambda e: e["service"] == "ec2"
                                                    and e["access_key"] == caller_key)}
        self.assertEqual(own_calls, {"us-east-1"})

    def test_account_selects_accounts_by_name_or_id_and_an_unknown_name_sends_nothing(self):
        self.build()

        def planned(*accounts):
            args = [a for name in accounts for a in ("--account", name)]
            proc, data = self.snapkeep("plan", "--now", day(1), *args)
            self.assertEqual(proc.returncode, 0, proc.stdout[-3000:] + proc.stderr)
            targets = {(r["account"], r["region"]) for r in data["regions"]}
            creates = {(a["account"], a["region"], a["instance_id"])
                       for a in data["actions"] if a["action"] == "create"}
            self.assertEqual(creates, {(acct, region, self.fleet[(acct, region)])
                                       for acct, region in targets}, accounts)
            return targets

        self.assertEqual(planned("prod"), {(PROD, "us-west-2")})
        self.assertEqual(planned(STAGE), {(STAGE, "us-east-1")})
        self.assertEqual(planned(self.own), {(self.own, "us-east-1")})
        self.assertEqual(planned("prod", self.own), {(PROD, "us-west-2"), (self.own, "us-east-1")})
        self.assertEqual(planned(), set(self.fleet))

        data = self.run_ok(day(1), "--account", "stage")
        self.assertEqual({a["account"] for a in data["actions"]}, {STAGE})
        self.assertEqual(set(self.points(STAGE, "us-east-1")), {(self.fleet[(STAGE, "us-east-1")], slot(1))})
        self.assertEqual(self.points(PROD, "us-west-2"), {})
        self.assertEqual(self.points(self.own, "us-east-1"), {})

        self.proxy.clear_log()
        proc, data = self.snapkeep("run", "--now", day(1, 13), "--account", "prod",
                                   "--account", "nope")
        self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
        self.assertEqual(len(data["errors"]), 1, data["errors"])
        self.assertIn("nope", data["errors"][0])
        self.assertIn("nope", proc.stderr)
        self.assertEqual(self.points(PROD, "us-west-2"), {})
        with self.subTest("nothing sent"):
            self.assertEqual([(e["service"], e["action"]) for e in self.sent()], [])
        with self.subTest("the message names what is configured"):
            self.assertIn("prod", data["errors"][0].split("nope", 1)[1])


class DeniedRoleTest(AccountsTestBase):
    def test_a_refused_role_is_reported_by_name_and_the_other_accounts_complete(self):
        self.config = sk.write_config(ONE_DENIED)
        mine = self.instance(self.own, "us-east-1", ["/dev/sdf"])
        prods = self.instance(PROD, "us-east-1")
        self.instance(DENIED, "us-east-1")  # the test's role/admin is let in
        proc, data = self.snapkeep("run", "--now", day(1))
        self.assertEqual(proc.returncode, 1, proc.stdout[-3000:] + proc.stderr)
        self.assertEqual(data["exit_status"], 1)
        named = [e for e in data["errors"] if "broken" in e]
        self.assertTrue(named, data["errors"])
        self.assertIn("AccessDenied", named[0])
        self.assertIn("broken", proc.stderr)
        self.assertEqual(set(self.points(self.own, "us-east-1")), {(mine, slot(1))})
        self.assertEqual(set(self.points(PROD, "us-east-1")), {(prods, slot(1))})
        self.assertEqual(self.points(DENIED, "us-east-1"), {})
        self.assertFalse([a for a in data["actions"] if a["account"] == DENIED])
        self.assertEqual({a["account"] for a in data["actions"] if a["action"] == "create"},
                         {self.own, PROD})
        # Only AssumeRole was sent for the refused account: none of its regions was worked on.
        denied = self.sent(lambda e: e["action"] == "AssumeRole"
                           and e["params"]["RoleArn"] == DENIED_ROLE)
        self.assertTrue(denied)
        self.assertEqual({e["status"] for e in denied}, {403})


class VaultCopiesTest(AccountsTestBase):
    """prod (two regions) copied to eu-west-1 of prod and into the vault's us-west-2."""

    def setUp(self):
        super().setUp()
        self.config = sk.write_config(VAULTED)
        self.east = self.instance(PROD, "us-east-1", ["/dev/sdf"], name="db")
        self.west = self.instance(PROD, "us-west-2", name="web")
        self.unselected_own = self.instance(self.own, "us-east-1", name="own")
        self.targets = {(PROD, "eu-west-1"): 2, (VAULT, "us-west-2"): 4}

    def sources(self):
        """prod's source snapshots by id, in both regions (tagged with their region)."""
        out = {}
        for region in ("us-east-1", "us-west-2"):
            for snap in fleet.snapshots(self.ec2(PROD, region), "nightly"):
                self.assertNotIn("snapkeep:copy-of", fleet.tags_of(snap),
                                 f"a copy in prod's source region {region}")
                out[snap["SnapshotId"]] = dict(snap, Region=region)
        return out

    def copies(self, account, region):
        """The copies `account` owns at `region`: [copy snapshot]."""
        out = fleet.snapshots(self.ec2(account, region), "nightly")
        for copy in out:
            self.assertEqual(copy["OwnerId"], account)
        return out

    def expect_copies(self, n, sources):
        """After the run of day n: each target holds copies of exactly the
        points its own count keeps of slots 1..n-1, all tags carried over."""
        for (account, region), count in self.targets.items():
            want = collections.Counter()
            for s in range(max(1, n - count), n):
                want[("us-east-1", self.east, slot(s))] = 2
                want[("us-west-2", self.west, slot(s))] = 1
            got = collections.Counter()
            for copy in self.copies(account, region):
                tags = fleet.tags_of(copy)
                src_account, src_region, src_id = tags["snapkeep:copy-of"].split(":")
                self.assertEqual(src_account, PROD)
                self.assertEqual(tags["snapkeep:copy"], f"{account}:{region}")
                got[(src_region, tags["snapkeep:instance"], tags["snapkeep:slot"])] += 1
                self.assertFalse([k for k in tags if k.startswith("aws:")])
                source = sources.get(src_id)
                if source is not None:  # its source may be gone: retention is independent
                    self.assertEqual(source["Region"], src_region)
                    for key, value in fleet.tags_of(source).items():
                        self.assertEqual(tags.get(key), value, f"{key} of {src_id} at {account}:{region}")
            self.assertEqual(got, want, f"copies at {account}:{region} after day {n}")

    def shared(self, sources):
        """{source snapshot id: [account ids it is shared with]} for shared sources."""
        out = {}
        for snap_id, snap in sources.items():
            perms = self.ec2(PROD, snap["Region"]).describe_snapshot_attribute(
                SnapshotId=snap_id, Attribute="createVolumePermission")["CreateVolumePermissions"]
            if perms:
                out[snap_id] = sorted(p.get("UserId", p.get("Group")) for p in perms)
        return out

    def test_a_week_of_daily_runs_copies_within_and_across_accounts(self):
        for n in range(1, 7):
            data = self.run_ok(day(n))
            sources = self.sources()
            self.assertEqual({fleet.tags_of(s)["snapkeep:slot"] for s in sources.values()},
                             {slot(s) for s in range(max(1, n - 2), n + 1)},
                             f"the source keeps count 3 after day {n}")
            self.expect_copies(n, sources)
            self.assertEqual(
                {(c["source"]["account"], c["source"]["region"],
                  c["destination"]["account"], c["destination"]["region"]) for c in data["copies"]},
                {(PROD, src, acct, dst) for src in ("us-east-1", "us-west-2")
                 for acct, dst in self.targets})
            started = collections.Counter((a["account"], a["region"]) for a in data["actions"]
                                          if a["action"] == "copy" and a["outcome"] == "started")
            self.assertEqual(started, collections.Counter({t: 3 for t in self.targets}) if n > 1
                             else collections.Counter(), f"day {n}: one point of each instance")
            # Shared only with the vault, and only the point copied in this run:
            # the shares of earlier runs' copies (complete at once in moto) are gone.
            shared = self.shared(sources)
            for snap_id, accounts in shared.items():
                self.assertEqual(accounts, [VAULT])
                self.assertEqual(fleet.tags_of(sources[snap_id])["snapkeep:slot"], slot(n - 1))
        self.assertEqual(self.points(self.own, "us-east-1"), {},
                         "with accounts, the caller's own account is left alone by default")

        # Day 6's own point is copied by a later run in the same slot, and the
        # run after that removes its shares.
        data = self.run_ok(day(6, 13))
        self.assertEqual(sum(c["started"] for c in data["copies"]), 6)
        self.run_ok(day(6, 14))
        sources = self.sources()
        self.assertEqual(self.shared(sources), {})
        self.expect_copies(7, sources)

        # Nothing left to do: a rerun in the slot sends nothing that changes anything.
        self.proxy.clear_log()
        data = self.run_ok(day(6, 15))
        changing = [(e["action"], e["region"]) for e in self.sent()
                    if not e["action"].startswith(READ_ONLY_PREFIXES) and e["action"] != "AssumeRole"]
        self.assertEqual(changing, [])
        for action in ("CopySnapshot", "ModifySnapshotAttribute", "DeleteSnapshot", "CreateSnapshots",
                       "CreateTags"):
            self.assertNotIn(action, data["api_calls"], action)
        self.assertEqual({k: v for k, v in data["totals"].items() if v}, {})

        # A copy deleted by hand in the vault, whose point the vault's
        # retention still keeps, is made again from the same source.
        victim = next(c for c in self.copies(VAULT, "us-west-2")
                      if fleet.tags_of(c)["snapkeep:slot"] == slot(4)
                      and fleet.tags_of(c)["snapkeep:instance"] == self.east)
        victim_source = fleet.tags_of(victim)["snapkeep:copy-of"]
        self.ec2(VAULT, "us-west-2").delete_snapshot(SnapshotId=victim["SnapshotId"])
        data = self.run_ok(day(6, 16))
        remade = [a for a in data["actions"] if a["action"] == "copy"]
        self.assertEqual([(a["account"], a["region"], a["outcome"]) for a in remade],
                         [(VAULT, "us-west-2", "started")])
        self.assertEqual(remade[0]["snapshot_ids"][0], victim_source.rsplit(":", 1)[1])
        self.run_ok(day(6, 17))
        sources = self.sources()
        self.expect_copies(7, sources)
        self.assertEqual(self.shared(sources), {})
        self.assertIn(victim_source, [fleet.tags_of(c)["snapkeep:copy-of"]
                                      for c in self.copies(VAULT, "us-west-2")])


if __name__ == "__main__":
    unittest.main()
