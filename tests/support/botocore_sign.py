#!/usr/bin/env python3
"""Signs requests with botocore, for snapkeep's differential SigV4 test.

Reads one JSON object per line on stdin and writes one JSON object per line on
stdout, flushing after each, so that one process serves a whole test run.

Requests ("kind"):
  header        SigV4Auth.add_auth on (method, url, headers, body)
                -> authorization, x_amz_date, security_token, canonical_request
  presign       SigV4QueryAuth.add_auth on a GET of `url` whose operation
                parameters are `params` (as inject_presigned_url_ec2 passes
                them) -> url, canonical_request
  copy_snapshot a real botocore EC2 client's CopySnapshot (the request is
                captured before it is sent) -> presigned_url, body, headers,
                authorization
Every request carries access_key, secret_key, token (may be empty), region,
service and timestamp (yyyymmddThhmmssZ); the signing time is pinned to it.
"""
import copy
import datetime
import json
import sys

import botocore.auth
import botocore.session
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.credentials import Credentials

_now = [datetime.datetime(2015, 8, 30, 12, 36, 0)]
# botocore reads the clock through this module-level name when signing.
botocore.auth.get_current_datetime = lambda: _now[0]


def credentials(req):
    return Credentials(req["access_key"], req["secret_key"], req["token"] or None)


def canonical_request(auth, request):
    request.context["timestamp"] = _now[0].strftime(botocore.auth.SIGV4_TIMESTAMP)
    auth._modify_request_before_signing(request)
    return auth.canonical_request(request)


def sign_header(req):
    request = AWSRequest(method=req["method"], url=req["url"], data=req["body"].encode("utf-8"))
    for name, value in req["headers"]:
        request.headers[name] = value  # appends: repeated names stay repeated
    auth = SigV4Auth(credentials(req), req["service"], req["region"])
    creq = canonical_request(auth, copy.deepcopy(request))
    auth.add_auth(request)
    return {
        "authorization": request.headers["Authorization"],
        "x_amz_date": request.headers["X-Amz-Date"],
        "security_token": request.headers.get("X-Amz-Security-Token", ""),
        "canonical_request": creq,
    }


def presign(req):
    def make():
        return AWSRequest(method="GET", url=req["url"], data=dict(req["params"]), headers={})

    auth = SigV4QueryAuth(credentials(req), req["service"], req["region"], expires=req["expires"])
    creq = canonical_request(auth, make())
    request = make()
    auth.add_auth(request)
    request.prepare()
    return {"url": request.url, "canonical_request": creq}


_clients = {}
_session = []  # one session, so that the EC2 model is loaded once


def copy_snapshot(req):
    key = (req["region"], req["access_key"], req["secret_key"], req["token"])
    client = _clients.get(key)
    if client is None:
        if not _session:
            _session.append(botocore.session.get_session())
        client = _session[0].create_client(
            "ec2",
            region_name=req["region"],
            aws_access_key_id=req["access_key"],
            aws_secret_access_key=req["secret_key"],
            aws_session_token=req["token"] or None,
        )
        client.meta.events.register("before-send.ec2.CopySnapshot", _capture)
        _clients[key] = client
    args = {
        "SourceRegion": req["source_region"],
        "SourceSnapshotId": req["source_snapshot_id"],
        "Description": req["description"],
        "Encrypted": True,
        "TagSpecifications": [
            {"ResourceType": "snapshot", "Tags": [{"Key": k, "Value": v} for k, v in req["tags"]]}
        ],
    }
    if req.get("kms_key_id"):
        args["KmsKeyId"] = req["kms_key_id"]
    _captured.clear()
    client.copy_snapshot(**args)
    sent = _captured[0]
    body = sent.body.decode("utf-8") if isinstance(sent.body, bytes) else sent.body
    from urllib.parse import parse_qsl

    fields = dict(parse_qsl(body, keep_blank_values=True))
    return {
        "presigned_url": fields["PresignedUrl"],
        "body": body,
        "url": sent.url,
        "headers": [[k, v.decode() if isinstance(v, bytes) else v] for k, v in sent.headers.items()],
    }


_captured = []


def _capture(request, **kwargs):
    _captured.append(request)
    body = (
        b'<CopySnapshotResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
        b"<requestId>r</requestId><snapshotId>snap-1</snapshotId></CopySnapshotResponse>"
    )
    return AWSResponse(request.url, 200, {}, _Raw(body))


class _Raw:
    def __init__(self, data):
        self._data = data

    def stream(self, **kwargs):
        yield self._data

    def read(self, *args):
        data, self._data = self._data, b""
        return data


HANDLERS = {"header": sign_header, "presign": presign, "copy_snapshot": copy_snapshot}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        _now[0] = datetime.datetime.strptime(req["timestamp"], "%Y%m%dT%H%M%SZ")
        try:
            answer = HANDLERS[req["kind"]](req)
        except Exception as error:  # reported to the test, which fails on it
            answer = {"error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
