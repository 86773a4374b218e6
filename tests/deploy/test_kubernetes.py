"""deploy/kubernetes/: no Kubernetes schema validator is packaged for the
project's machines (Debian has no kubeconform/kubeval), so the manifests are
parsed and the fields that matter are asserted; the configuration they carry
is checked with `snapkeep validate`."""

import os
import subprocess
import tempfile
import unittest

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
K8S = os.path.join(ROOT, "deploy", "kubernetes")


def documents(name):
    with open(os.path.join(K8S, name)) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def container_of(pod_spec):
    containers = pod_spec["containers"]
    assert len(containers) == 1
    return containers[0]


class KubernetesManifestsTest(unittest.TestCase):
    def check_pod(self, pod_spec):
        self.assertEqual(pod_spec["serviceAccountName"], "snapkeep")
        self.assertEqual(pod_spec["restartPolicy"], "Never")
        self.assertTrue(pod_spec["securityContext"]["runAsNonRoot"])
        c = container_of(pod_spec)
        self.assertFalse(c["securityContext"]["allowPrivilegeEscalation"])
        self.assertTrue(c["securityContext"]["readOnlyRootFilesystem"])
        self.assertEqual(c["volumeMounts"][0]["mountPath"], "/etc/snapkeep")
        self.assertEqual(pod_spec["volumes"][0]["configMap"]["name"], "snapkeep-config")
        return c

    def test_service_account_is_annotated_for_irsa(self):
        sa, config_map = documents("serviceaccount.yaml")
        self.assertEqual(sa["kind"], "ServiceAccount")
        role = sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
        self.assertRegex(role, r"^arn:aws:iam::\d{12}:role/")
        self.assertEqual(config_map["kind"], "ConfigMap")
        binary = os.environ.get("SNAPKEEP_BIN", os.path.join(ROOT, "build", "snapkeep"))
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
            f.write(config_map["data"]["snapkeep.yaml"])
            f.flush()
            proc = subprocess.run([binary, "validate", "--config", f.name], capture_output=True, text=True)
            self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)

    def test_cronjob(self):
        (cron,) = documents("cronjob.yaml")
        self.assertEqual((cron["apiVersion"], cron["kind"]), ("batch/v1", "CronJob"))
        spec = cron["spec"]
        self.assertEqual(spec["concurrencyPolicy"], "Forbid")
        self.assertEqual(spec["timeZone"], "Europe/Berlin")
        self.assertEqual(len(spec["schedule"].split()), 5)
        c = self.check_pod(spec["jobTemplate"]["spec"]["template"]["spec"])
        self.assertEqual(c["args"][:3], ["run", "--config", "/etc/snapkeep/snapkeep.yaml"])

    def test_indexed_job_runs_one_shard_per_index(self):
        (job,) = documents("indexed-job.yaml")
        self.assertEqual((job["apiVersion"], job["kind"]), ("batch/v1", "Job"))
        spec = job["spec"]
        self.assertEqual(spec["completionMode"], "Indexed")
        shards = spec["completions"]
        self.assertGreater(shards, 1)
        self.assertEqual(spec["parallelism"], shards, "every shard at once")
        self.assertLessEqual(spec["backoffLimitPerIndex"], 6)
        c = self.check_pod(spec["template"]["spec"])
        args = c["args"]
        self.assertEqual(args[:3], ["run", "--config", "/etc/snapkeep/snapkeep.yaml"])
        self.assertEqual(args[args.index("--shards") + 1], str(shards), "--shards N = completions")
        self.assertNotIn("--shard", args, "the index comes from JOB_COMPLETION_INDEX")

    def test_indexed_job_args_make_each_pod_one_shard(self):
        # What each pod would run: the manifest's args with the index
        # Kubernetes sets; `plan` stands in for `run` (no AWS is reached:
        # the flags are checked before any call, and a bad index is exit 2).
        (job,) = documents("indexed-job.yaml")
        spec = job["spec"]
        args = spec["template"]["spec"]["containers"][0]["args"]
        binary = os.environ.get("SNAPKEEP_BIN", os.path.join(ROOT, "build", "snapkeep"))
        flags = args[args.index("--shards"):args.index("--shards") + 2]
        base = {k: v for k, v in os.environ.items() if k not in ("SNAPKEEP_SHARD", "JOB_COMPLETION_INDEX")}
        for index, expected in ((str(spec["completions"]), 2), ("", 2)):
            env = dict(base, JOB_COMPLETION_INDEX=index) if index else base
            proc = subprocess.run([binary, "plan", "--config", "/nonexistent.yaml", *flags], env=env,
                                  capture_output=True, text=True, timeout=30)
            self.assertEqual(proc.returncode, expected, proc.stderr)
            self.assertIn("JOB_COMPLETION_INDEX", proc.stderr)
        for index in range(spec["completions"]):
            env = dict(base, JOB_COMPLETION_INDEX=str(index))
            proc = subprocess.run([binary, "plan", "--config", "/nonexistent.yaml", *flags], env=env,
                                  capture_output=True, text=True, timeout=30)
            # Past the shard, the missing configuration is what is refused.
            self.assertNotIn("JOB_COMPLETION_INDEX", proc.stderr)
            self.assertIn("nonexistent.yaml", proc.stderr)


if __name__ == "__main__":
    unittest.main()
