"""Fixture builder and independent checker for the C++ moto tests
(tests/moto/services_moto_test.cc), with boto3.

    python3 moto_setup.py COMMAND [ARGS...]   prints one JSON object

Commands:
  auth-fixture           IAM users (admin, allowed, denied) with their keys,
                         and a role they may assume; run while auth is off.
  fleet                  one tagged instance with a data volume on /dev/sdf,
                         and an AMI of it
  sns-queue              an SNS topic with an SQS queue subscribed to it
  receive QUEUE_URL      the SNS envelope of the first message on the queue
  snapshot SNAP_ID [REGION]   the snapshot as boto3 sees it (null if gone)
  permissions SNAP_ID    the snapshot's createVolumePermission user ids

With auth on, boto3 signs with SNAPKEEP_ADMIN_KEY / SNAPKEEP_ADMIN_SECRET
(the admin user made by auth-fixture) when they are set.
"""

import json
import os
import sys

import boto3

ACCOUNT = "123456789012"


def client(service, region="us-east-1"):
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=os.environ["SNAPKEEP_TEST_ENDPOINT"],
        aws_access_key_id=os.environ.get("SNAPKEEP_ADMIN_KEY") or os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        aws_secret_access_key=os.environ.get("SNAPKEEP_ADMIN_SECRET") or os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
    )


def user_with_policy(iam, name, statement):
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName=name + "-policy",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statement}))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"key": key["AccessKeyId"], "secret": key["SecretAccessKey"]}


def auth_fixture():
    iam = client("iam")
    allow_all = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    out = {
        "admin": user_with_policy(iam, "snapkeep-admin", allow_all),
        "allowed": user_with_policy(iam, "snapkeep-allowed", [
            {"Effect": "Allow", "Action": ["ec2:*", "sns:*", "sts:*"], "Resource": "*"}]),
        "denied": user_with_policy(iam, "snapkeep-denied", [
            {"Effect": "Allow", "Action": ["ec2:Describe*"], "Resource": "*"},
            {"Effect": "Deny", "Action": ["ec2:DeleteSnapshot"], "Resource": "*"}]),
    }
    # moto checks the trust policy against the caller's own ARN (it does not
    # expand :root), so the allowed user is named.
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/snapkeep-allowed"}, "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName="snapkeep-role", AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName="snapkeep-role", PolicyName="all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": allow_all}))
    out["role_arn"] = role["Role"]["Arn"]
    return out


def fleet():
    ec2 = client("ec2")
    resp = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, InstanceType="t3.micro",
                             Placement={"AvailabilityZone": "us-east-1a"},
                             TagSpecifications=[{"ResourceType": "instance",
                                                 "Tags": [{"Key": "Backup", "Value": "true"}]}])
    instance = resp["Instances"][0]["InstanceId"]
    volume = ec2.create_volume(AvailabilityZone="us-east-1a", Size=20, VolumeType="gp3",
                               TagSpecifications=[{"ResourceType": "volume",
                                                   "Tags": [{"Key": "Name", "Value": "data"}]}])["VolumeId"]
    ec2.attach_volume(VolumeId=volume, InstanceId=instance, Device="/dev/sdf")
    desc = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]
    root_volume = [m["Ebs"]["VolumeId"] for m in desc["BlockDeviceMappings"] if m["DeviceName"] == "/dev/sda1"][0]
    image = ec2.create_image(InstanceId=instance, Name="snapkeep-test-image")["ImageId"]
    image_snapshot = ec2.describe_images(ImageIds=[image])["Images"][0]["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
    return {"instance": instance, "root_volume": root_volume, "data_volume": volume,
            "image": image, "image_snapshot": image_snapshot}


def sns_queue():
    topic = client("sns").create_topic(Name="snapkeep-test")["TopicArn"]
    sqs = client("sqs")
    queue_url = sqs.create_queue(QueueName="snapkeep-test")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    client("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    return {"topic_arn": topic, "queue_url": queue_url}


def receive(queue_url):
    messages = client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=1).get("Messages", [])
    if not messages:
        return None
    return json.loads(messages[0]["Body"])


def snapshot(snapshot_id, region="us-east-1"):
    ec2 = client("ec2", region)
    found = [s for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"] if s["SnapshotId"] == snapshot_id]
    if not found:
        return None
    s = found[0]
    return {"volume_id": s["VolumeId"], "description": s.get("Description", ""), "state": s["State"],
            "tags": {t["Key"]: t["Value"] for t in s.get("Tags", [])}}


def permissions(snapshot_id):
    attr = client("ec2").describe_snapshot_attribute(SnapshotId=snapshot_id, Attribute="createVolumePermission")
    return {"user_ids": [p["UserId"] for p in attr["CreateVolumePermissions"] if "UserId" in p]}


def main(argv):
    command, args = argv[1], argv[2:]
    result = {
        "auth-fixture": auth_fixture,
        "fleet": fleet,
        "sns-queue": sns_queue,
        "receive": receive,
        "snapshot": snapshot,
        "permissions": permissions,
    }[command](*args)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv)
