"""Runs the real snapkeep binary against moto for the end-to-end tests."""

import json
import os
import subprocess
import tempfile
import textwrap
import threading

import fleet


def binary():
    path = os.environ.get("SNAPKEEP_BIN")
    if not path:
        raise RuntimeError("SNAPKEEP_BIN is not set (ctest sets it)")
    return path


def write_config(text):
    handle = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
    handle.write(textwrap.dedent(text))
    handle.close()
    return handle.name


def run(*args, config=None, endpoint=True, env=None, timeout=300):
    """Runs snapkeep; returns CompletedProcess with text stdout/stderr."""
    cmd = [binary(), *args]
    if config is not None:
        cmd += ["--config", config]
    if endpoint:
        cmd += ["--endpoint-url", fleet.endpoint()]
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=full_env)


def run_json(*args, **kwargs):
    proc = run(*args, "--output", "json", **kwargs)
    try:
        data = json.loads(proc.stdout)
    except ValueError as exc:
        raise AssertionError(f"not JSON (exit {proc.returncode}): {proc.stdout!r} {proc.stderr!r}") from exc
    return proc, data


class Webhook:
    """A local webhook receiver: every POST body, parsed."""

    def __init__(self):
        import http.server
        received = self.received = []

        class Hook(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/secret"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
