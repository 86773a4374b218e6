"""`snapkeep iam-policy` against moto with IAM enforcement on.

snapkeep runs as an IAM user whose only permissions are what `iam-policy`
prints for the configuration: the runs must meet no AccessDenied, and taking
away any one statement must make a run fail with AccessDenied, so that every
statement is needed.

What moto checks (moto/iam/access_control.py, moto/core/authorization.py in
5.2.1): the signature and the action of every request, but EC2 and SNS
requests are authorised against the resource "*" and only StringEquals
conditions on keys it supplies (sts:ExternalId) are evaluated. So the test
gives the user the policy with EC2/SNS resources widened to "*" and merges
statements that then grant the same actions (the resource-level split of
CreateSnapshots, tag-on-create vs. own-snapshot CreateTags); the resource
ARNs and conditions themselves are checked by tests/unit/core/iam_policy_test.cc
and must be checked on AWS (IAM Access Analyzer / policy simulator).
Moto also does not require ec2:CreateTags for tags given at creation, which
AWS does; the merged CreateTags group is still needed for the device tag.

A few runs by default; SNAPKEEP_IAM_MONTH=1 runs a whole month of daily runs.
"""

import copy
import datetime
import json
import os
import unittest
import urllib.request

import boto3

import fleet
import snapkeep_cli as sk

ACCOUNT = "123456789012"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:snapkeep-iam"
CONFIG = f"""\
regions: [us-east-1, eu-west-1]
notify:
  sns_topic_arn: {TOPIC}
  on: [summary]
policies:
  - name: daily
    select:
      tags: {{Backup: "true"}}
    schedule: "cron(0 0 * * ? *)"
    retain:
      count: 2
"""


def day(n):
    return (datetime.datetime(2026, 11, 1, 12, tzinfo=datetime.timezone.utc)
            + datetime.timedelta(days=n - 1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def as_list(value):
    return value if isinstance(value, list) else [value]


def for_moto(policy):
    """The policy as moto can enforce it (see the module comment)."""
    groups = {}
    for statement in policy["Statement"]:
        actions = tuple(sorted(as_list(statement["Action"])))
        service = actions[0].split(":")[0]
        resource = statement["Resource"] if service == "sts" else "*"
        group = groups.setdefault(actions, {"Sid": "", "Effect": "Allow", "Action": list(actions),
                                            "Resource": resource})
        group["Sid"] += statement["Sid"]
    return {"Version": "2012-10-17", "Statement": list(groups.values())}


def set_auth(count):
    req = urllib.request.Request(fleet.endpoint() + "/moto-api/reset-auth", data=str(count).encode(),
                                 method="POST", headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        resp.read()


class IamPolicyEnforcedTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        fleet.reset()
        set_auth("inf")
        cls.fleet = fleet.demo_fleet()
        cls.config = sk.write_config(CONFIG)
        proc = sk.run("iam-policy", config=cls.config, endpoint=False)
        assert proc.returncode == 0, proc.stderr
        cls.policy = json.loads(proc.stdout)
        cls.enforced = for_moto(cls.policy)
        fleet.client("sns").create_topic(Name="snapkeep-iam")
        iam = fleet.client("iam")
        iam.create_user(UserName="admin")
        iam.put_user_policy(UserName="admin", PolicyName="all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="admin")["AccessKey"]
        cls.admin = (key["AccessKeyId"], key["SecretAccessKey"])
        iam.create_user(UserName="snapkeep")
        key = iam.create_access_key(UserName="snapkeep")["AccessKey"]
        cls.runner_env = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"],
                          "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
        cls.day = 0
        set_auth(0)
        cls.iam = cls.admin_client("iam")
        cls.put_policy(cls.enforced)

    @classmethod
    def tearDownClass(cls):
        set_auth("inf")

    @classmethod
    def admin_client(cls, service, region="us-east-1"):
        return boto3.client(service, region_name=region, endpoint_url=fleet.endpoint(),
                            aws_access_key_id=cls.admin[0], aws_secret_access_key=cls.admin[1])

    @classmethod
    def put_policy(cls, document):
        cls.iam.put_user_policy(UserName="snapkeep", PolicyName="snapkeep",
                                PolicyDocument=json.dumps(document))

    def next_run(self):
        type(self).day += 1
        proc = sk.run("run", "--output", "json", "--now", day(self.day), config=self.config,
                      env=self.runner_env)
        return proc, proc.stdout + proc.stderr

    def test_a_runs_with_exactly_the_policy_meet_no_access_denied(self):
        days = 30 if os.environ.get("SNAPKEEP_IAM_MONTH") == "1" else 4
        for _ in range(days):
            proc, output = self.next_run()
            self.assertNotIn("AccessDenied", output)
            self.assertEqual(proc.returncode, 0, output)
            summary = json.loads(proc.stdout)
            self.assertEqual(summary["notification_errors"], [])
        ec2 = self.admin_client("ec2", "eu-west-1")
        slots = {fleet.tags_of(s)["snapkeep:slot"] for s in fleet.snapshots(ec2, "daily")}
        self.assertEqual(len(slots), 2, "count: 2 kept, the older ones deleted")

    def test_b_every_statement_is_needed(self):
        self.assertGreaterEqual(len(self.enforced["Statement"]), 5)
        try:
            for i, statement in enumerate(self.enforced["Statement"]):
                with self.subTest(sid=statement["Sid"]):
                    reduced = copy.deepcopy(self.enforced)
                    del reduced["Statement"][i]
                    self.put_policy(reduced)
                    proc, output = self.next_run()
                    self.assertEqual(proc.returncode, 1, output)
                    self.assertIn("AccessDenied", output)
        finally:
            self.put_policy(self.enforced)
        # With the whole policy back, the next run converges again.
        proc, output = self.next_run()
        self.assertEqual(proc.returncode, 0, output)


if __name__ == "__main__":
    unittest.main()
