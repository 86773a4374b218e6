"""Checks schema/snapkeep.schema.json: it is a valid draft 2020-12 schema,
every examples/*.yaml conforms to it, and it rejects configurations that
snapkeep rejects too (so that the schema cannot silently accept everything).

Usage: check_schema.py SOURCE_DIR   (exit 0 when every check passes)
"""

import glob
import json
import os
import re
import sys
import unittest

import jsonschema
import yaml

SOURCE_DIR = os.environ.get("SNAPKEEP_SOURCE_DIR", ".")

VALID_POLICY = {
    "name": "nightly",
    "select": {"tags": {"Backup": "true"}},
    "schedule": "cron(0 0 * * ? *)",
    "retain": {"count": 7},
}


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML reads YAML 1.1, where the key `on` (notify.on) is the boolean
    true. Editors and snapkeep read keys as YAML 1.2 does: only true/false
    are booleans."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def load_schema():
    with open(os.path.join(SOURCE_DIR, "schema", "snapkeep.schema.json"), encoding="utf-8") as f:
        return json.load(f)


class SchemaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.schema = load_schema()
        cls.validator = jsonschema.Draft202012Validator(cls.schema)

    def errors(self, document):
        return sorted(e.message for e in self.validator.iter_errors(document))

    def test_schema_is_a_valid_draft_2020_12_schema(self):
        jsonschema.Draft202012Validator.check_schema(self.schema)

    def test_every_example_conforms(self):
        examples = sorted(glob.glob(os.path.join(SOURCE_DIR, "examples", "*.yaml")))
        self.assertGreaterEqual(len(examples), 2, "examples/*.yaml are missing")
        for path in examples:
            with self.subTest(example=os.path.basename(path)):
                with open(path, encoding="utf-8") as f:
                    document = yaml.load(f, Loader=Yaml12Loader)
                self.assertEqual(self.errors(document), [])

    def test_minimal_config_conforms(self):
        self.assertEqual(self.errors({"policies": [VALID_POLICY]}), [])

    def test_all_true_selects_every_instance(self):
        policy = dict(VALID_POLICY, select={"all": True, "exclude_tags": {"Backup": "false"}})
        self.assertEqual(self.errors({"policies": [policy]}), [])

    def test_rejects_what_snapkeep_rejects(self):
        def policy(**changes):
            p = dict(VALID_POLICY)
            p.update(changes)
            return {"policies": [{k: v for k, v in p.items() if v is not None}]}

        bad = {
            "unknown top-level key": {"policies": [VALID_POLICY], "polices": []},
            "no policies": {},
            "empty policy list": {"policies": []},
            "zero retention": policy(retain={"count": 0}),
            "empty retention": policy(retain={}),
            "unknown retention rule": policy(retain={"forever": 1}),
            "no selection": policy(select={"exclude_tags": {"a": "b"}}),
            "no schedule": policy(schedule=None),
            "all false alone": policy(select={"all": False}),
            "all with tags": policy(select={"all": True, "tags": {"a": "b"}}),
            "bad policy name": policy(name="bad name!"),
            "bad owner": {"owner": "team a", "policies": [VALID_POLICY]},
            "long owner": {"owner": "o" * 65, "policies": [VALID_POLICY]},
            "too many snapshot tags": policy(snapshot={"tags": {f"k{i}": "v" for i in range(45)}}),
            "reserved snapshot tag": policy(snapshot={"tags": {"snapkeep:x": "y"}}),
            "aws snapshot tag": policy(snapshot={"tags": {"AWS:x": "y"}}),
            "tag value too long": policy(select={"tags": {"k": "v" * 257}}),
            "tag key too long": policy(select={"tags": {"k" * 129: "v"}}),
            "boolean tag value": policy(select={"tags": {"Backup": True}}),
            "bad instance id": policy(select={"instance_ids": ["i-123"]}),
            "bad copy_tags": policy(snapshot={"copy_tags": ["vol"]}),
            "bad region": {"regions": ["US-EAST-1"], "policies": [VALID_POLICY]},
            "star inside a list": {"regions": ["*"], "policies": [VALID_POLICY]},
            "plain http webhook": {"notify": {"webhook_url": "http://hooks.example.com/x"},
                                   "policies": [VALID_POLICY]},
            "notify without destination": {"notify": {"on": ["summary"]}, "policies": [VALID_POLICY]},
            "metrics cloudwatch not a boolean": {"metrics": {"cloudwatch": "yes"}, "policies": [VALID_POLICY]},
            "unknown metrics key": {"metrics": {"prometheus": True}, "policies": [VALID_POLICY]},
            "bad notify event": {"notify": {"sns_topic_arn": "arn:aws:sns:us-east-1:123456789012:t",
                                            "on": ["daily"]}, "policies": [VALID_POLICY]},
            "bad topic arn": {"notify": {"sns_topic_arn": "arn:aws:sns:us-east-1:1234:t"},
                              "policies": [VALID_POLICY]},
            "copy without retain": policy(copies=[{"region": "us-west-2"}]),
            "copy without region": policy(copies=[{"retain": {"days": 1}}]),
            "unknown copy key": policy(copies=[{"region": "us-west-2", "retain": {"days": 1},
                                                "kms_key": "alias/dr"}]),
            "copy max_in_flight 0": policy(copies=[{"region": "us-west-2", "retain": {"days": 1},
                                                    "max_in_flight": 0}]),
            "copy encrypted not a bool": policy(copies=[{"region": "us-west-2", "retain": {"days": 1},
                                                         "encrypted": "yes"}]),
            "copy bad role arn": policy(copies=[{"region": "us-west-2", "retain": {"days": 1},
                                                 "role_arn": "arn:aws:iam::123456789012:user/x"}]),
            "bad role arn": {"accounts": [{"name": "a", "role_arn": "arn:aws:iam::123456789012:user/x"}],
                             "policies": [VALID_POLICY]},
            "account without name": {"accounts": [{"role_arn": "arn:aws:iam::123456789012:role/x"}],
                                     "policies": [VALID_POLICY]},
            "account name all digits": {"accounts": [{"name": "123456789012",
                                                      "role_arn": "arn:aws:iam::123456789012:role/x"}],
                                        "policies": [VALID_POLICY]},
            "account regions empty": {"accounts": [{"name": "a", "regions": [],
                                                    "role_arn": "arn:aws:iam::123456789012:role/x"}],
                                      "policies": [VALID_POLICY]},
            "include_own_account not a bool": {"include_own_account": "yes",
                                               "policies": [VALID_POLICY]},
        }
        for name, document in bad.items():
            with self.subTest(case=name):
                self.assertNotEqual(self.errors(document), [], f"schema accepted: {name}")

    def test_accepts_loopback_http_webhook(self):
        for url in ["http://127.0.0.1:8080/hook", "http://localhost/hook", "http://[::1]:9000"]:
            with self.subTest(url=url):
                self.assertEqual(self.errors({"notify": {"webhook_url": url}, "policies": [VALID_POLICY]}), [])


if __name__ == "__main__":
    if len(sys.argv) > 1:
        SOURCE_DIR = sys.argv.pop(1)
    unittest.main(verbosity=2)
