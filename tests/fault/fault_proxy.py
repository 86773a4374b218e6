"""A seeded, reproducible fault-injecting HTTP proxy between snapkeep and moto.

snapkeep is pointed at the proxy with --endpoint-url; the proxy forwards each
request unchanged (the SigV4 signature stays valid) to moto and, on the way,
can:

* enforce EC2's token buckets per (region, action) -- CreateSnapshot(s) and
  DeleteSnapshot 100 burst / 5 per s, CreateTags 100 / 10, Describe* 100 / 20,
  any other action 50 / 5 -- refilled `time_scale` times faster than real
  time, answering RequestLimitExceeded (HTTP 503) when a bucket is empty;
* inject faults at a configurable rate per action (see KINDS);
* log every request (action, region and access key id from the SigV4
  credential scope, key parameters, fault, HTTP status) as JSON lines, in memory and optionally to
  a file.

Reproducible: whether and how request n of (region, action) is faulted is a
pure function of (seed, region, action, n), so the threads of a parallel run
do not change one another's draws.

Python standard library only. Run standalone:
    python3 fault_proxy.py --upstream http://127.0.0.1:5000 --port 8080 --rate 0.2 --seed 1
"""

import argparse
import hashlib
import http.client
import http.server
import json
import random
import re
import socket
import struct
import threading
import time
import urllib.parse
import uuid

# Every fault kind. "before" kinds never reach moto; "after" kinds are
# answered (or broken) after moto has carried the request out.
KINDS = (
    "http500",          # HTTP 500, EC2 error XML, code InternalError (before)
    "http503",          # HTTP 503, EC2 error XML, code Unavailable (before)
    "internal_error",   # HTTP 500 InternalError, but after moto acted
    "throttle",         # HTTP 503 RequestLimitExceeded (before), besides the buckets
    "reset_before",     # TCP reset, request never forwarded
    "reset_after",      # TCP reset after moto acted ("did it happen?")
    "slow",             # moto acts, the answer comes after the client's timeout
    "truncated",        # moto acts, half the body then a reset
    "malformed_xml",    # moto acts, HTTP 200 with broken XML
    "html",             # HTTP 502 with an HTML error page (before)
    "volume_rate",      # SnapshotCreationPerVolumeRateExceeded (CreateSnapshot(s) only)
    "concurrent_limit", # ConcurrentSnapshotLimitExceeded (CreateSnapshot(s) only)
)
CREATE_ONLY = {"volume_rate", "concurrent_limit"}
CREATE_ACTIONS = {"CreateSnapshots", "CreateSnapshot"}

# EC2's documented request token buckets: (capacity, refill per second).
def bucket_spec(action):
    if action in ("CreateSnapshots", "CreateSnapshot", "DeleteSnapshot"):
        return ("snapshots", 100, 5.0)
    if action == "CreateTags":
        return ("tags", 100, 10.0)
    if action.startswith("Describe"):
        return ("describe", 100, 20.0)
    return ("mutating", 50, 5.0)


_SCOPE = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")

# Parameters worth logging for assertions.
_KEY_PARAMS = re.compile(
    r"^(InstanceSpecification\.InstanceId|SnapshotId|VolumeId|ResourceId\.\d+|SnapshotId\.\d+|"
    r"ImageId\.\d+|Owner\.\d+|NextToken|MaxResults|Filter\.\d+\.Name|Filter\.\d+\.Value\.\d+|"
    r"Tag\.\d+\.Key|Tag\.\d+\.Value|TagSpecification\.1\.Tag\.\d+\.(Key|Value)|"
    r"SourceRegion|SourceSnapshotId|Attribute|OperationType|UserId\.\d+|"
    r"RoleArn|RoleSessionName|ExternalId)$")


def error_xml(code, message):
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}</Code>'
            f'<Message>{message}</Message></Error></Errors><RequestID>{uuid.uuid4()}</RequestID>'
            f'</Response>').encode()


HTML_PAGE = (b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
             b"<body><h1>502 Bad Gateway</h1><p>The proxy could not reach the server.</p></body></html>")


class Bucket:
    def __init__(self, capacity, rate):
        self.capacity = capacity
        self.rate = rate
        self.tokens = float(capacity)
        self.stamp = time.monotonic()

    def take(self, time_scale):
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate * time_scale)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class FaultProxy:
    """The proxy. `rate` is the fraction of requests faulted, or a dict
    {action: rate} ("*" for the default); `kinds` the fault kinds to draw
    from (CreateSnapshot-only kinds are drawn only for those actions);
    `forced` a dict {action: kind} that faults every request of an action.
    `client_timeout` is the client's total timeout in seconds: "slow"
    answers come that much plus a margin late."""

    def __init__(self, upstream, seed=0, rate=0.0, kinds=KINDS, time_scale=20.0,
                 buckets=True, bucket_capacity=None, forced=None, client_timeout=2.0,
                 log_path=None, port=0, regions=None):
        parsed = urllib.parse.urlparse(upstream)
        self.upstream_host = parsed.hostname
        self.upstream_port = parsed.port or 80
        self.seed = seed
        self.rate = rate if isinstance(rate, dict) else {"*": rate}
        self.kinds = tuple(kinds)
        self.time_scale = time_scale
        self.buckets_on = buckets
        self.bucket_capacity = bucket_capacity
        self.forced = dict(forced or {})
        self.regions = set(regions) if regions else None  # fault only these regions
        self.client_timeout = client_timeout
        self.log = []
        # Called with the log entry after moto carried a request out and
        # before the answer goes back (the crash tests kill snapkeep here).
        self.after_forward = None
        self._log_file = open(log_path, "a", encoding="utf-8") if log_path else None
        self._lock = threading.Lock()
        self._counters = {}
        self._buckets = {}
        self._seq = 0
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                proxy._handle(self)

            def do_GET(self):
                proxy._handle(self)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self._thread = None

    # -- lifecycle ---------------------------------------------------------
    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        if self._log_file:
            self._log_file.close()

    def configure(self, **kwargs):
        """Changes rate, kinds, forced, regions, buckets_on... between runs."""
        with self._lock:
            for key, value in kwargs.items():
                if key == "rate" and not isinstance(value, dict):
                    value = {"*": value}
                if key == "regions" and value is not None:
                    value = set(value)
                setattr(self, key, value)

    def clear_log(self):
        with self._lock:
            self.log = []

    def entries(self, **match):
        with self._lock:
            return [e for e in self.log if all(e.get(k) == v for k, v in match.items())]

    # -- decisions ---------------------------------------------------------
    def _draw(self, region, action):
        """The fault for this request, or None; deterministic per (seed, region, action, n)."""
        with self._lock:
            n = self._counters.get((region, action), 0)
            self._counters[(region, action)] = n + 1
            forced = self.forced.get(action)
            rate = self.rate.get(action, self.rate.get("*", 0.0))
            kinds = self.kinds
            regions = self.regions
        if regions is not None and region not in regions:
            return None
        if forced:
            return forced
        digest = hashlib.sha256(f"{self.seed}/{region}/{action}/{n}".encode()).digest()
        rng = random.Random(int.from_bytes(digest[:8], "big"))
        if rng.random() >= rate:
            return None
        eligible = [k for k in kinds if k not in CREATE_ONLY or action in CREATE_ACTIONS]
        return rng.choice(eligible) if eligible else None

    def _bucket_allows(self, region, action):
        if not self.buckets_on:
            return True
        name, capacity, refill = bucket_spec(action)
        if self.bucket_capacity is not None:
            capacity = self.bucket_capacity
        with self._lock:
            bucket = self._buckets.get((region, name))
            if bucket is None:
                bucket = self._buckets[(region, name)] = Bucket(capacity, refill)
            return bucket.take(self.time_scale)

    # -- the request -------------------------------------------------------
    def _handle(self, req):
        length = int(req.headers.get("Content-Length") or 0)
        body = req.rfile.read(length) if length else b""
        query = urllib.parse.urlparse(req.path).query
        params = urllib.parse.parse_qs(body.decode("utf-8", "replace") + "&" + query,
                                       keep_blank_values=True)
        action = (params.get("Action") or ["?"])[0]
        scope = _SCOPE.search(req.headers.get("Authorization", ""))
        access_key = scope.group(1) if scope else "?"
        region = scope.group(2) if scope else "?"
        service = scope.group(3) if scope else "?"
        key = {k: v[0] for k, v in params.items() if _KEY_PARAMS.match(k)}
        entry = {"region": region, "service": service, "action": action, "params": key,
                 "access_key": access_key,
                 "fault": None, "status": None, "reached_moto": False, "start": time.monotonic()}

        if action != "?" and service == "ec2" and not self._bucket_allows(region, action):
            entry["fault"] = "bucket"
            self._reply(req, 503, error_xml("RequestLimitExceeded", "Request limit exceeded."))
            entry["status"] = 503
            return self._record(entry)

        fault = self._draw(region, action) if action != "?" and service == "ec2" else None
        entry["fault"] = fault
        try:
            if fault == "http500":
                entry["status"] = self._reply(req, 500, error_xml("InternalError", "An internal error has occurred."))
            elif fault == "http503":
                entry["status"] = self._reply(req, 503, error_xml("Unavailable", "The server is overloaded."))
            elif fault == "throttle":
                entry["status"] = self._reply(req, 503, error_xml("RequestLimitExceeded", "Request limit exceeded."))
            elif fault == "html":
                entry["status"] = self._reply(req, 502, HTML_PAGE, "text/html")
            elif fault == "volume_rate":
                entry["status"] = self._reply(req, 400, error_xml(
                    "SnapshotCreationPerVolumeRateExceeded",
                    "The maximum per volume CreateSnapshot request rate has been exceeded."))
            elif fault == "concurrent_limit":
                entry["status"] = self._reply(req, 400, error_xml(
                    "ConcurrentSnapshotLimitExceeded", "Maximum allowed in-progress snapshots reached."))
            elif fault == "reset_before":
                self._reset(req)
            else:
                status, headers, payload = self._forward(req, body)
                entry["reached_moto"] = True
                entry["upstream_status"] = status
                hook = self.after_forward
                if hook:
                    hook(entry)
                if fault == "internal_error":
                    entry["status"] = self._reply(req, 500, error_xml("InternalError", "An internal error has occurred."))
                elif fault == "reset_after":
                    self._reset(req)
                elif fault == "slow":
                    time.sleep(self.client_timeout + 0.5)
                    entry["status"] = self._reply(req, status, payload, headers.get("Content-Type", "text/xml"))
                elif fault == "truncated":
                    self._send_head(req, status, len(payload), headers.get("Content-Type", "text/xml"))
                    req.wfile.write(payload[: max(1, len(payload) // 2)])
                    req.wfile.flush()
                    self._reset(req)
                    entry["status"] = status
                elif fault == "malformed_xml":
                    broken = payload[: max(1, len(payload) // 3)] + b"<<&unclosed"
                    entry["status"] = self._reply(req, 200, broken)
                else:
                    entry["status"] = self._reply(req, status, payload, headers.get("Content-Type", "text/xml"))
        except (BrokenPipeError, ConnectionResetError, socket.timeout, OSError):
            entry["client_gone"] = True
            req.close_connection = True
        return self._record(entry)

    def _record(self, entry):
        with self._lock:
            self._seq += 1
            entry["seq"] = self._seq
            entry["time"] = time.time()
            entry["seconds"] = time.monotonic() - entry.pop("start", time.monotonic())
            self.log.append(entry)
            if self._log_file:
                self._log_file.write(json.dumps(entry) + "\n")
                self._log_file.flush()

    def _forward(self, req, body):
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=120)
        try:
            headers = {k: v for k, v in req.headers.items()
                       if k.lower() not in ("connection", "keep-alive", "proxy-connection", "expect")}
            conn.request(req.command, req.path, body=body, headers=headers)
            resp = conn.getresponse()
            payload = resp.read()
            return resp.status, {k: v for k, v in resp.getheaders()}, payload
        finally:
            conn.close()

    @staticmethod
    def _send_head(req, status, length, content_type):
        req.send_response(status)
        req.send_header("Content-Type", content_type)
        req.send_header("Content-Length", str(length))
        req.end_headers()

    def _reply(self, req, status, payload, content_type="text/xml"):
        self._send_head(req, status, len(payload), content_type)
        req.wfile.write(payload)
        req.wfile.flush()
        return status

    @staticmethod
    def _reset(req):
        """Closes the client's connection with a TCP RST (SO_LINGER 0)."""
        req.close_connection = True
        try:
            req.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            req.connection.close()
        except OSError:
            pass

    # -- figures -----------------------------------------------------------
    def fault_counts(self):
        counts = {}
        with self._lock:
            for e in self.log:
                if e["fault"]:
                    counts[e["fault"]] = counts.get(e["fault"], 0) + 1
        return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rate", type=float, default=0.0)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--time-scale", type=float, default=20.0)
    parser.add_argument("--no-buckets", action="store_true")
    parser.add_argument("--client-timeout", type=float, default=2.0)
    parser.add_argument("--log", help="JSON lines file")
    args = parser.parse_args()
    proxy = FaultProxy(args.upstream, seed=args.seed, rate=args.rate, kinds=args.kinds.split(","),
                       time_scale=args.time_scale, buckets=not args.no_buckets,
                       client_timeout=args.client_timeout, log_path=args.log, port=args.port)
    print(proxy.url, flush=True)
    try:
        proxy.server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
