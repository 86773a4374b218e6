#!/usr/bin/env python3
"""moto_server with EC2's snapshot sharing across accounts.

moto 5.2.1 records `ModifySnapshotAttribute createVolumePermission` but never
lets the other account use it: account B gets InvalidSnapshot.NotFound from
DescribeSnapshots by id, CopySnapshot and CreateVolume on a snapshot that A
shared with it, and DescribeSnapshots ignores Owner.N and RestorableBy.N
(docs/testing.md, reference wave2-facts A.6). snapkeep's cross-account copies
rely on exactly these, so this launcher patches moto's snapshot lookup to do
what EC2 does, then runs moto's own server:

* a snapshot id unknown to the caller's account is looked up in the other
  accounts of the same region, and found when it is shared with the caller
  (its account id in createVolumePermission, or the group "all"): so
  CreateVolume, DescribeSnapshots SnapshotId.N and anything using
  get_snapshot see it, with its real owner;
* CopySnapshot finds its source the same way, in SourceRegion;
* DescribeSnapshots honours Owner.N ("self" or account ids: with another
  account's id, that account's snapshots shared with the caller) and
  RestorableBy.N ("self" or account ids: only snapshots those accounts may
  create volumes from: their own, or shared with them, or public).
  Without Owner.N the caller's own snapshots are listed, as moto does (EC2
  would add every snapshot shared with it; snapkeep always sends Owner.1).

It also lets a test refuse an AssumeRole, which moto never does (it grants
any role ARN, existing or not, and ignores ExternalId: it records it on the
assumed role and checks nothing; verified against moto 5.2.1's
moto/sts/models.py and responses.py). Real STS answers HTTP 403
AccessDenied ("User: <caller> is not authorized to perform: sts:AssumeRole
on resource: <role>") when the role's trust policy refuses the caller; here
the role name (the ARN's last path segment) says what the trust policy is:

* `denied-*` (arn:aws:iam::111111111111:role/denied-snapkeep): always
  refused, as a role that does not trust the caller;
* `extid-<ID>` (arn:aws:iam::111111111111:role/extid-s3cret): granted only
  with ExternalId=<ID> exactly, as a trust policy with the condition
  StringEquals sts:ExternalId; no or another external id is refused;
* any other name: granted, as moto does, whatever ExternalId says.

Nothing else changes. Usage is moto_server's: moto_shared_snapshots.py -H
127.0.0.1 -p PORT. scripts/with-moto.sh --shared-snapshots starts it.
"""

import sys

from moto.ec2.exceptions import InvalidSnapshotIdError
from moto.ec2.models import ec2_backends
from moto.ec2.models.elastic_block_store import EBSBackend, Snapshot
from moto.ec2.responses.elastic_block_store import ElasticBlockStore
from moto.core.exceptions import AccessDeniedError
from moto.sts.responses import TokenResponse


def _restorable_by(snapshot, account_id):
    return (snapshot.owner_id == account_id
            or account_id in snapshot.create_volume_permission_userids
            or "all" in snapshot.create_volume_permission_groups)


def _shared_with(account_id, region, snapshot_id):
    """A snapshot of another account in `region` that `account_id` may use."""
    for other, regions in ec2_backends.items():
        if other == account_id or region not in regions:
            continue
        snapshot = regions[region].snapshots.get(snapshot_id)
        if snapshot is not None and _restorable_by(snapshot, account_id):
            return snapshot
    return None


def _shared_snapshots(account_id, region, owners):
    """Snapshots other accounts (`owners`, or all) in `region` share with account_id."""
    found = []
    for other, regions in ec2_backends.items():
        if other == account_id or region not in regions:
            continue
        if owners is not None and other not in owners:
            continue
        for snapshot in regions[region].snapshots.values():
            if _restorable_by(snapshot, account_id):
                found.append(snapshot)
    return found


_original_get_snapshot = EBSBackend.get_snapshot
_original_describe_snapshots = EBSBackend.describe_snapshots


def get_snapshot(self, snapshot_id):
    try:
        return _original_get_snapshot(self, snapshot_id)
    except InvalidSnapshotIdError:
        shared = _shared_with(self.account_id, self.region_name, snapshot_id)
        if shared is None:
            raise
        return shared


def describe_snapshots(self, snapshot_ids=None, filters=None, owners=None,
                       restorable_by=None):
    own_wanted = owners is None or "self" in owners or self.account_id in owners
    others = None if owners is None else [o for o in owners
                                          if o not in ("self", self.account_id)]
    matches = list(self.snapshots.values()) if own_wanted else []
    if snapshot_ids or others:
        # Ids of shared snapshots resolve like EC2's; Owner.N=<A> lists A's shares.
        matches += _shared_snapshots(self.account_id, self.region_name,
                                     None if snapshot_ids and not others else others)
    if snapshot_ids:
        matches = [s for s in matches if s.id in snapshot_ids]
        if len(set(snapshot_ids)) > len({s.id for s in matches}):
            raise InvalidSnapshotIdError()
    if restorable_by:
        accounts = [self.account_id if a == "self" else a for a in restorable_by]
        matches = [s for s in matches if any(_restorable_by(s, a) for a in accounts)]
    if filters:
        from moto.ec2.utils import generic_filter
        matches = generic_filter(filters, matches)
    return matches


def copy_snapshot(self, source_snapshot_id, source_region, description, kms_key_id):
    source = ec2_backends[self.account_id][source_region]
    try:
        original = source.get_snapshot(source_snapshot_id)
    except InvalidSnapshotIdError:
        raise
    snapshot = Snapshot(self, _new_snapshot_id(), volume=original.volume,
                        description=description, encrypted=original.encrypted,
                        kms_key_id=kms_key_id)
    self.snapshots[snapshot.id] = snapshot
    return snapshot


def _new_snapshot_id():
    from moto.ec2.utils import random_snapshot_id
    return random_snapshot_id()


def describe_snapshots_response(self):
    filters = self._filters_from_querystring()
    snapshot_ids = self._get_param("SnapshotIds", [])
    owners = self._get_param("OwnerIds", []) or None
    restorable_by = self._get_param("RestorableByUserIds", []) or None
    snapshots = self.ec2_backend.describe_snapshots(
        snapshot_ids=snapshot_ids, filters=filters, owners=owners,
        restorable_by=restorable_by)
    from moto.core.responses import ActionResult
    return ActionResult({"Snapshots": snapshots})


def _trust_refuses(role_arn, external_id):
    """Whether the trust policy the role's name stands for refuses this request."""
    name = (role_arn or "").rsplit("/", 1)[-1]
    if name.startswith("denied-"):
        return True
    if name.startswith("extid-"):
        return external_id != name[len("extid-"):]
    return False


_original_assume_role = TokenResponse.assume_role


def assume_role_response(self):
    role_arn = self._get_param("RoleArn")
    if _trust_refuses(role_arn, self._get_param("ExternalId")):
        _, caller, _ = self.backend.get_caller_identity(self.get_access_key(), self.region)
        raise AccessDeniedError(user_arn=caller,
                                action=f"sts:AssumeRole on resource: {role_arn}")
    return _original_assume_role(self)


EBSBackend.get_snapshot = get_snapshot
EBSBackend.describe_snapshots = describe_snapshots
EBSBackend.copy_snapshot = copy_snapshot
ElasticBlockStore.describe_snapshots = describe_snapshots_response
TokenResponse.assume_role = assume_role_response

if __name__ == "__main__":
    from moto.server import main
    main(sys.argv[1:])
