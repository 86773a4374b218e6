"""deploy/systemd/: `systemd-analyze verify` accepts the units (with
ExecStart pointed at the built binary, since verify checks that it exists),
and the daemon unit keeps its hardening. Skips, saying so, where
systemd-analyze is missing (Debian package `systemd`)."""

import os
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
UNITS = os.path.join(ROOT, "deploy", "systemd")


def unit_settings(path):
    settings = {}
    for line in open(path):
        line = line.strip()
        if line and not line.startswith(("#", "[")) and "=" in line:
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


class SystemdUnitsTest(unittest.TestCase):
    def test_units_verify(self):
        analyze = shutil.which("systemd-analyze")
        if not analyze:
            self.skipTest("systemd-analyze is missing (apt-get install systemd); units not verified")
        binary = os.environ.get("SNAPKEEP_BIN", os.path.join(ROOT, "build", "snapkeep"))
        with tempfile.TemporaryDirectory() as tmp:
            for name in os.listdir(UNITS):
                with open(os.path.join(UNITS, name)) as f:
                    text = f.read().replace("/usr/local/bin/snapkeep", binary)
                with open(os.path.join(tmp, name), "w") as f:
                    f.write(text)
            units = sorted(os.path.join(tmp, n) for n in os.listdir(tmp))
            proc = subprocess.run([analyze, "verify", *units], capture_output=True, text=True, timeout=120)
            self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
            self.assertEqual(proc.stderr.strip(), "", "verify warned")

    def test_services_are_hardened(self):
        for name in ("snapkeep-daemon.service", "snapkeep-run.service"):
            s = unit_settings(os.path.join(UNITS, name))
            for key, value in (("DynamicUser", "yes"), ("ProtectSystem", "strict"), ("NoNewPrivileges", "yes"),
                               ("PrivateTmp", "yes"), ("ProtectHome", "yes"), ("CapabilityBoundingSet", "")):
                self.assertEqual(s.get(key), [value], f"{name} {key}")
        daemon = unit_settings(os.path.join(UNITS, "snapkeep-daemon.service"))
        self.assertIn("daemon", daemon["ExecStart"][0])
        self.assertEqual(daemon["ExecReload"], ["/bin/kill -HUP $MAINPID"])
        timer = unit_settings(os.path.join(UNITS, "snapkeep-run.timer"))
        self.assertEqual(timer["Persistent"], ["true"])


if __name__ == "__main__":
    unittest.main()
