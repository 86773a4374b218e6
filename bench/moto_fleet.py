"""Builds the moto benchmark fleet with boto3: 500 instances tagged
Backup=true with 1-4 volumes each (root plus i % 4 data volumes) and 30 days
of history, i.e. one snapkeep restore point per instance and day, tagged as
the planner tags them (policy, slot, instance, set, device).

Usage (under scripts/with-moto.sh): python3 moto_fleet.py INSTANCES DAYS NOW_ISO
Prints one line: instances volumes snapshots.
"""

import datetime
import sys

sys.path.insert(0, __import__("os").path.join(__import__("os").path.dirname(__file__), "..", "tests", "e2e"))
import fleet  # noqa: E402  (the e2e helpers: endpoint, client)


def main():
    count, days = int(sys.argv[1]), int(sys.argv[2])
    now = datetime.datetime.strptime(sys.argv[3], "%Y-%m-%dT%H:%M:%SZ")
    ec2 = fleet.client("ec2", "us-east-1")
    az = "us-east-1a"
    instances = []
    while len(instances) < count:
        n = min(100, count - len(instances))
        resp = ec2.run_instances(ImageId=fleet.DEFAULT_IMAGE, MinCount=n, MaxCount=n, InstanceType="t3.micro",
                                 Placement={"AvailabilityZone": az},
                                 TagSpecifications=[{"ResourceType": "instance",
                                                     "Tags": [{"Key": "Backup", "Value": "true"}]}])
        instances += [i["InstanceId"] for i in resp["Instances"]]
    volumes = 0
    for index, instance_id in enumerate(instances):
        for d in range(index % 4):
            vol = ec2.create_volume(AvailabilityZone=az, Size=8, VolumeType="gp3")
            ec2.attach_volume(VolumeId=vol["VolumeId"], InstanceId=instance_id, Device="/dev/sd" + "fgh"[d])
    # Devices as DescribeInstances reports them (moto's root is /dev/sda1).
    devices = {}
    for page in ec2.get_paginator("describe_instances").paginate(InstanceIds=instances):
        for r in page["Reservations"]:
            for i in r["Instances"]:
                devices[i["InstanceId"]] = [(m["DeviceName"], m["Ebs"]["VolumeId"]) for m in i["BlockDeviceMappings"]]
                volumes += len(devices[i["InstanceId"]])
    snapshots = 0
    for day in range(days, 0, -1):
        slot = (now - datetime.timedelta(days=day)).strftime("%Y-%m-%dT03:00:00Z")
        by_device = {}
        for n, instance_id in enumerate(instances):
            tags = [{"Key": "snapkeep:policy", "Value": "daily"}, {"Key": "snapkeep:slot", "Value": slot},
                    {"Key": "snapkeep:instance", "Value": instance_id},
                    {"Key": "snapkeep:set", "Value": "seed%d-%d" % (day, n)},
                    {"Key": "Name", "Value": "%s %s" % (instance_id, slot)}]
            resp = ec2.create_snapshots(InstanceSpecification={"InstanceId": instance_id},
                                        Description="snapkeep daily %s %s" % (instance_id, slot),
                                        TagSpecifications=[{"ResourceType": "snapshot", "Tags": tags}])
            device_of = {v: d for d, v in devices[instance_id]}
            for s in resp["Snapshots"]:
                by_device.setdefault(device_of[s["VolumeId"]], []).append(s["SnapshotId"])
                snapshots += 1
        for device, ids in by_device.items():
            for start in range(0, len(ids), 500):
                ec2.create_tags(Resources=ids[start:start + 500], Tags=[{"Key": "snapkeep:device", "Value": device}])
    print(len(instances), volumes, snapshots)


if __name__ == "__main__":
    main()
