"""Builds EC2 fleets in moto with boto3, for the demo and the end-to-end tests.

boto3 is the independent checker: the tests build state and read results with
it, never with snapkeep's own client.
"""

import os

import boto3
import urllib.request

DEFAULT_IMAGE = "ami-12345678"  # moto accepts any AMI id unless validation is on


def endpoint():
    url = os.environ.get("SNAPKEEP_TEST_ENDPOINT")
    if not url:
        raise RuntimeError("SNAPKEEP_TEST_ENDPOINT is not set: run under scripts/with-moto.sh")
    return url


def client(service, region="us-east-1"):
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=endpoint(),
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
    )


def reset():
    """Wipes all moto state (POST /moto-api/reset)."""
    req = urllib.request.Request(endpoint() + "/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=30) as resp:
        resp.read()


def run_instance(ec2, tags, data_devices=(), stopped=False, az=None):
    """Starts one instance (root volume at /dev/sda1, from moto) and attaches one
    data volume per entry of data_devices (device name or (device, size, tags))."""
    region = ec2.meta.region_name
    az = az or region + "a"
    spec = [{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}] if tags else []
    resp = ec2.run_instances(ImageId=DEFAULT_IMAGE, MinCount=1, MaxCount=1, InstanceType="t3.micro",
                             Placement={"AvailabilityZone": az}, TagSpecifications=spec)
    instance_id = resp["Instances"][0]["InstanceId"]
    for entry in data_devices:
        if isinstance(entry, str):
            device, size, vtags = entry, 10, {}
        else:
            device, size, vtags = entry
        vspec = [{"ResourceType": "volume", "Tags": [{"Key": k, "Value": v} for k, v in vtags.items()]}] if vtags else []
        vol = ec2.create_volume(AvailabilityZone=az, Size=size, VolumeType="gp3", TagSpecifications=vspec)
        ec2.attach_volume(VolumeId=vol["VolumeId"], InstanceId=instance_id, Device=device)
    if stopped:
        ec2.stop_instances(InstanceIds=[instance_id])
    return instance_id


def snapshots(ec2, policy=None):
    """The account's own snapshots, optionally only one snapkeep policy's."""
    filters = []
    if policy:
        filters.append({"Name": "tag:snapkeep:policy", "Values": [policy]})
    pages = ec2.get_paginator("describe_snapshots").paginate(OwnerIds=["self"], Filters=filters)
    out = []
    for page in pages:
        out.extend(page["Snapshots"])
    return out


def tags_of(resource):
    return {t["Key"]: t["Value"] for t in resource.get("Tags", [])}


def instance_volumes(ec2, instance_id):
    resp = ec2.describe_instances(InstanceIds=[instance_id])
    inst = resp["Reservations"][0]["Instances"][0]
    return {m["DeviceName"]: m["Ebs"]["VolumeId"] for m in inst.get("BlockDeviceMappings", [])}


def demo_fleet(regions=("us-east-1", "eu-west-1")):
    """The demo fleet: in each region, tagged instances (some with several
    volumes, one stopped) that the example policy backs up, and untagged ones
    it must leave alone. Returns {region: {name: instance_id}}."""
    fleet = {}
    for region in regions:
        ec2 = client("ec2", region)
        names = {}
        names["web-1"] = run_instance(ec2, {"Name": "web-1", "Backup": "true", "Team": "web"})
        names["db-1"] = run_instance(ec2, {"Name": "db-1", "Backup": "true", "Team": "data"},
                                     data_devices=["/dev/sdf", ("/dev/sdg", 20, {"Purpose": "scratch"})])
        names["batch-1"] = run_instance(ec2, {"Name": "batch-1", "Backup": "true"},
                                        data_devices=["/dev/sdf"], stopped=True)
        names["dev-1"] = run_instance(ec2, {"Name": "dev-1", "Backup": "false"})
        names["scratch-1"] = run_instance(ec2, {"Name": "scratch-1"})
        fleet[region] = names
    return fleet


if __name__ == "__main__":
    import json
    import sys
    regions = sys.argv[1:] or ["us-east-1", "eu-west-1"]
    print(json.dumps(demo_fleet(regions), indent=2))
