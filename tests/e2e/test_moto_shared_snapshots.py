"""The moto extension the copy and account tests rely on
(tests/support/moto_shared_snapshots.py): account B sees, copies and restores
from a snapshot only while account A shares it, as EC2 does; AssumeRole of a
role named denied-* is refused, and of extid-<ID> needs that external id.
Run by ctest under scripts/with-moto.sh --shared-snapshots."""

import os
import unittest

import boto3
from botocore.exceptions import ClientError

VAULT = "222222222222"


class SharedSnapshots(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ep = os.environ["SNAPKEEP_TEST_ENDPOINT"]
        sts = boto3.client("sts", region_name="us-east-1", endpoint_url=ep)
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{VAULT}:role/snapkeep",
                                RoleSessionName="snapkeep-test")["Credentials"]

        def client(region, c=None):
            kw = {}
            if c:
                kw = dict(aws_access_key_id=c["AccessKeyId"],
                          aws_secret_access_key=c["SecretAccessKey"],
                          aws_session_token=c["SessionToken"])
            return boto3.client("ec2", region_name=region, endpoint_url=ep, **kw)

        cls.a = client("us-east-1")
        cls.b = client("us-east-1", creds)
        cls.b_west = client("us-west-2", creds)
        cls.owner = boto3.client("sts", region_name="us-east-1",
                                 endpoint_url=ep).get_caller_identity()["Account"]
        vol = cls.a.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"]
        cls.shared = cls.a.create_snapshot(VolumeId=vol)["SnapshotId"]
        cls.private = cls.a.create_snapshot(VolumeId=vol)["SnapshotId"]
        cls.a.modify_snapshot_attribute(SnapshotId=cls.shared, Attribute="createVolumePermission",
                                        OperationType="add", UserIds=[VAULT])

    def code(self, call, **kw):
        with self.assertRaises(ClientError) as caught:
            call(**kw)
        return caught.exception.response["Error"]["Code"]

    def test_listing_honours_owner_and_restorable_by(self):
        ids = [s["SnapshotId"] for s in self.a.describe_snapshots(
            OwnerIds=["self"], RestorableByUserIds=[VAULT])["Snapshots"]]
        self.assertEqual(ids, [self.shared])
        ids = [s["SnapshotId"] for s in self.b.describe_snapshots(
            OwnerIds=[self.owner], RestorableByUserIds=["self"])["Snapshots"]]
        self.assertEqual(ids, [self.shared])
        self.assertEqual(self.b.describe_snapshots(OwnerIds=["self"])["Snapshots"], [])
        found = self.b.describe_snapshots(SnapshotIds=[self.shared])["Snapshots"]
        self.assertEqual(found[0]["OwnerId"], self.owner)
        self.assertEqual(self.code(self.b.describe_snapshots, SnapshotIds=[self.private]),
                         "InvalidSnapshot.NotFound")

    def test_other_account_copies_and_restores_only_what_is_shared(self):
        copy = self.b_west.copy_snapshot(
            SourceRegion="us-east-1", SourceSnapshotId=self.shared,
            TagSpecifications=[{"ResourceType": "snapshot",
                                "Tags": [{"Key": "k", "Value": "v"}]}])["SnapshotId"]
        mine = self.b_west.describe_snapshots(OwnerIds=["self"], SnapshotIds=[copy])["Snapshots"]
        self.assertEqual(mine[0]["OwnerId"], VAULT)
        self.assertEqual(mine[0]["Tags"], [{"Key": "k", "Value": "v"}])
        volume = self.b.create_volume(AvailabilityZone="us-east-1a", SnapshotId=self.shared)
        self.assertTrue(volume["VolumeId"].startswith("vol-"))
        self.assertEqual(self.code(self.b_west.copy_snapshot, SourceRegion="us-east-1",
                                   SourceSnapshotId=self.private), "InvalidSnapshot.NotFound")

    def test_unshare_hides_it_again(self):
        vol = self.a.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"]
        snap = self.a.create_snapshot(VolumeId=vol)["SnapshotId"]
        for op in ("add", "remove"):
            self.a.modify_snapshot_attribute(SnapshotId=snap, Attribute="createVolumePermission",
                                             OperationType=op, UserIds=[VAULT])
        self.assertEqual(self.code(self.b.describe_snapshots, SnapshotIds=[snap]),
                         "InvalidSnapshot.NotFound")


class AssumeRoleTrust(unittest.TestCase):
    """The role's name stands for its trust policy (moto itself grants any role)."""

    @classmethod
    def setUpClass(cls):
        cls.sts = boto3.client("sts", region_name="us-east-1",
                               endpoint_url=os.environ["SNAPKEEP_TEST_ENDPOINT"])

    def assume(self, arn, **kw):
        return self.sts.assume_role(RoleArn=arn, RoleSessionName="snapkeep-test", **kw)

    def refused(self, arn, **kw):
        with self.assertRaises(ClientError) as caught:
            self.assume(arn, **kw)
        return caught.exception.response

    def test_a_denied_role_is_refused_as_sts_refuses_it(self):
        arn = "arn:aws:iam::111111111111:role/denied-snapkeep"
        response = self.refused(arn)
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 403)
        self.assertEqual(response["Error"]["Code"], "AccessDenied")
        self.assertIn(f"not authorized to perform: sts:AssumeRole on resource: {arn}",
                      response["Error"]["Message"])
        self.assertEqual(self.refused(arn, ExternalId="xy")["Error"]["Code"], "AccessDenied")
        # Roles of other names, here or in other accounts, are granted as before.
        creds = self.assume("arn:aws:iam::111111111111:role/snapkeep")["Credentials"]
        other = boto3.client("sts", region_name="us-east-1",
                             endpoint_url=os.environ["SNAPKEEP_TEST_ENDPOINT"],
                             aws_access_key_id=creds["AccessKeyId"],
                             aws_secret_access_key=creds["SecretAccessKey"],
                             aws_session_token=creds["SessionToken"])
        self.assertEqual(other.get_caller_identity()["Account"], "111111111111")

    def test_an_extid_role_needs_its_external_id(self):
        arn = "arn:aws:iam::333333333333:role/extid-s3cret"
        self.assertEqual(self.refused(arn)["Error"]["Code"], "AccessDenied")
        self.assertEqual(self.refused(arn, ExternalId="wrong")["Error"]["Code"], "AccessDenied")
        granted = self.assume(arn, ExternalId="s3cret")
        self.assertTrue(granted["AssumedRoleUser"]["Arn"].startswith(
            "arn:aws:sts::333333333333:assumed-role/extid-s3cret/"))

    def test_other_roles_ignore_the_external_id_as_moto_does(self):
        for kw in ({}, {"ExternalId": "anything"}):
            self.assertIn("Credentials", self.assume("arn:aws:iam::111111111111:role/snapkeep", **kw))


if __name__ == "__main__":
    unittest.main()
