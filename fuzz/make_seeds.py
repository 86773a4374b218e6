#!/usr/bin/env python3
"""Regenerates the moto part of the fuzz seed corpus (fuzz/corpus/).

Run under scripts/with-moto.sh:  scripts/with-moto.sh python3 fuzz/make_seeds.py
It builds a small fleet in moto with boto3, then sends the raw Query requests
snapkeep sends and stores each answer's body verbatim, prefixed with the byte
that makes fuzz/ec2_response.cc route it to that call's parser (and error
answers for fuzz/aws_error.cc). The AWS-shaped seeds beside them were written
by hand from the API reference's samples and are not touched.
"""
import os
import urllib.parse
import urllib.request

import boto3

ENDPOINT = os.environ["SNAPKEEP_TEST_ENDPOINT"]
HERE = os.path.dirname(os.path.abspath(__file__))

# fuzz/ec2_response.cc: data[0] % 11 picks the call.
SELECTOR = {
    "DescribeSnapshots": 0, "DescribeInstances": 1, "DescribeImages": 2,
    "DescribeVolumes": 3, "CreateSnapshots": 4, "CreateSnapshot": 5,
    "DescribeRegions": 6, "CopySnapshot": 7, "CreateVolume": 8, "AttachVolume": 9,
}


def query(params):
    body = urllib.parse.urlencode({**params, "Version": "2016-11-15"}).encode()
    request = urllib.request.Request(
        ENDPOINT + "/", data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                 "Authorization": "AWS4-HMAC-SHA256 Credential=AKIASNAPKEEPTEST0000/20260101/"
                                  "us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0"})
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def write(target, name, data):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as out:
        out.write(data)


def main():
    ec2 = boto3.client("ec2", endpoint_url=ENDPOINT, region_name="us-east-1")
    image = ec2.register_image(
        Name="seed-ami", RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8}}])["ImageId"]
    run = ec2.run_instances(
        ImageId=image, MinCount=2, MaxCount=2, InstanceType="t3.micro",
        TagSpecifications=[{"ResourceType": "instance",
                            "Tags": [{"Key": "Backup", "Value": "nightly"},
                                     {"Key": "Name", "Value": "db & logs <1>"}]}])
    instance = run["Instances"][0]["InstanceId"]
    volume = ec2.create_volume(AvailabilityZone="us-east-1a", Size=10, VolumeType="gp3",
                               TagSpecifications=[{"ResourceType": "volume",
                                                   "Tags": [{"Key": "Tier", "Value": "data"}]}])
    ec2.attach_volume(VolumeId=volume["VolumeId"], InstanceId=instance, Device="/dev/sdf")
    snapshot = ec2.create_snapshot(VolumeId=volume["VolumeId"], Description="seed")["SnapshotId"]

    calls = {
        "DescribeSnapshots": {"Action": "DescribeSnapshots", "Owner.1": "self", "MaxResults": "1000"},
        "DescribeInstances": {"Action": "DescribeInstances", "MaxResults": "1000"},
        "DescribeImages": {"Action": "DescribeImages", "Owner.1": "self", "MaxResults": "1000"},
        "DescribeVolumes": {"Action": "DescribeVolumes", "MaxResults": "500"},
        "CreateSnapshots": {"Action": "CreateSnapshots", "InstanceSpecification.InstanceId": instance,
                            "TagSpecification.1.ResourceType": "snapshot",
                            "TagSpecification.1.Tag.1.Key": "snapkeep:policy",
                            "TagSpecification.1.Tag.1.Value": "nightly"},
        "CreateSnapshot": {"Action": "CreateSnapshot", "VolumeId": volume["VolumeId"]},
        "DescribeRegions": {"Action": "DescribeRegions", "AllRegions": "true"},
        "CopySnapshot": {"Action": "CopySnapshot", "SourceRegion": "us-east-1",
                         "SourceSnapshotId": snapshot},
        "CreateVolume": {"Action": "CreateVolume", "AvailabilityZone": "us-east-1a",
                         "SnapshotId": snapshot},
        "AttachVolume": {"Action": "AttachVolume", "VolumeId": volume["VolumeId"],
                         "InstanceId": instance, "Device": "/dev/sdg"},
    }
    for action, params in calls.items():
        status, body = query(params)
        assert status == 200, (action, status, body[:200])
        write("ec2_response", "moto-" + action, bytes([SELECTOR[action]]) + body)
    status, body = query(calls["DescribeSnapshots"])
    write("ec2_response", "moto-DescribeSnapshots-page-parser", bytes([10]) + body)

    # Error answers, for fuzz/aws_error.cc: byte 0 picks the status (index
    # into 400, 401, 403, 404, 500, 503, 200, 302), byte 1 the request-id header.
    errors = {
        "moto-InvalidSnapshot.NotFound": {"Action": "DeleteSnapshot", "SnapshotId": "snap-00000000"},
        "moto-InvalidInstanceID.NotFound": {"Action": "DescribeInstances", "InstanceId.1": "i-0"},
        "moto-MissingParameter": {"Action": "CreateVolume", "AvailabilityZone": "us-east-1a"},
    }
    for name, params in errors.items():
        status, body = query(params)
        assert status >= 400, (name, status)
        write("aws_error", name, bytes([0, 1]) + body)


if __name__ == "__main__":
    main()
