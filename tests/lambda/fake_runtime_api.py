"""A fake AWS Lambda Runtime API (2018-06-01) for testing `snapkeep lambda`.

No Runtime API emulator is reachable from the project's machines (the AWS
RIE is a GitHub release binary), so the tests serve the API themselves:

    api = FakeRuntimeApi()
    api.add_event({"now": "2026-11-01T12:00:00Z"}, deadline_in=30)
    api.inject("response", 413)         # the next POST .../response gets 413
    ... start the runtime with AWS_LAMBDA_RUNTIME_API=api.address ...
    api.wait_for_results(1)
    api.stop()

GET /next serves queued events with the request-id, deadline, function-ARN
and trace headers; after the last one it holds the request until an event
is added or stop() (then answers 500, which tells a runtime to exit).
Responses, errors and init errors are recorded with their arrival times.
"""

import http.server
import json
import threading
import time
import uuid

PREFIX = "/2018-06-01/runtime"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:snapkeep"


class Record:
    def __init__(self, kind, request_id, body, headers):
        self.kind = kind  # response | error | init-error
        self.request_id = request_id
        self.body = body
        self.headers = headers
        self.at = time.monotonic()

    def json(self):
        return json.loads(self.body)


class FakeRuntimeApi:
    def __init__(self):
        self._lock = threading.Condition()
        self._events = []
        self._injected = {}  # kind -> [status, ...]
        self._delays = {}  # kind -> seconds
        self._stopping = False
        self.records = []
        self.next_calls = []  # monotonic times of GET /next
        self.served = {}  # request id -> event body
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _answer(self, status, body=b"", headers=None):
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != PREFIX + "/invocation/next":
                    return self._answer(404, b'{"errorMessage":"not found"}')
                api._delay("next")
                status = api._take_injected("next")
                if status:
                    with api._lock:
                        api.next_calls.append(time.monotonic())
                    return self._answer(status, b'{"errorMessage":"injected","errorType":"Injected"}')
                event = api._wait_for_event()
                if event is None:
                    return self._answer(500, b'{"errorMessage":"stopping","errorType":"Container.Stop"}')
                request_id, body, deadline_ms = event
                self._answer(200, body, {
                    "Lambda-Runtime-Aws-Request-Id": request_id,
                    "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
                    "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN,
                    "Lambda-Runtime-Trace-Id": "Root=1-5e1b4151-43a0913a12345678901234;Sampled=0",
                    "Content-Type": "application/json",
                })

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                path = self.path[len(PREFIX):] if self.path.startswith(PREFIX) else self.path
                parts = path.strip("/").split("/")
                if parts == ["init", "error"]:
                    kind, request_id = "init-error", None
                elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                    kind, request_id = parts[2], parts[1]
                else:
                    return self._answer(404, b'{"errorMessage":"not found"}')
                api._delay(kind)
                status = api._take_injected(kind)
                if status is None and request_id is not None and request_id not in api.served:
                    status = 400
                api._record(Record(kind if status is None else f"{kind}-refused-{status}", request_id,
                                   body.decode("utf-8", "replace"), dict(self.headers)))
                self._answer(status or 202, b'{"status":"OK"}' if status is None else b'{"errorMessage":"injected"}')

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def address(self):
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def add_event(self, event, deadline_in=60.0, deadline_ms=None, request_id=None):
        """Queues an event (a dict, or bytes sent as they are); returns its request id."""
        body = event if isinstance(event, bytes) else json.dumps(event).encode()
        request_id = request_id or str(uuid.uuid4())
        if deadline_ms is None:
            deadline_ms = int((time.time() + deadline_in) * 1000)
        with self._lock:
            self._events.append((request_id, body, deadline_ms))
            self._lock.notify_all()
        return request_id

    def inject(self, kind, status):
        """The next request of `kind` (next, response, error, init-error) gets `status`."""
        with self._lock:
            self._injected.setdefault(kind, []).append(status)

    def delay(self, kind, seconds):
        """Every request of `kind` waits this long before it is answered."""
        with self._lock:
            self._delays[kind] = seconds

    def wait_for_records(self, count, timeout=60):
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.records) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self.records)} of {count} answers after {timeout} s: {self.records_summary()}")
                self._lock.wait(left)
            return list(self.records)

    def records_summary(self):
        return [(r.kind, r.request_id, r.body[:200]) for r in self.records]

    def stop(self):
        """Answers waiting and future /next calls with 500, then shuts down."""
        with self._lock:
            self._stopping = True
            self._lock.notify_all()

    def close(self):
        self.stop()
        self._server.shutdown()
        self._server.server_close()

    def _wait_for_event(self):
        with self._lock:
            self.next_calls.append(time.monotonic())
            self._lock.notify_all()
            while not self._events and not self._stopping:
                self._lock.wait()
            if not self._events:
                return None
            event = self._events.pop(0)
            self.served[event[0]] = event[1]
            return event

    def _take_injected(self, kind):
        with self._lock:
            queue = self._injected.get(kind)
            return queue.pop(0) if queue else None

    def _delay(self, kind):
        with self._lock:
            seconds = self._delays.get(kind, 0)
        if seconds:
            time.sleep(seconds)

    def _record(self, record):
        with self._lock:
            self.records.append(record)
            self._lock.notify_all()
