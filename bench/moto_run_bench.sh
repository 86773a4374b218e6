#!/usr/bin/env bash
# moto_run_bench.sh [SNAPKEEP_BIN] [INSTANCES] [DAYS]
# One `snapkeep run` against moto over a generated fleet (default 500
# instances with 1-4 volumes each and 30 days of daily history, built with
# boto3 by bench/moto_fleet.py), then prints API calls per action next to the
# lower bound of issue 4 section 2, wall time, client CPU time and peak RSS.
# Starts its own moto (scripts/with-moto.sh) unless SNAPKEEP_TEST_ENDPOINT is set.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=${1:-$here/../build/snapkeep}
instances=${2:-500}
days=${3:-30}
if [[ -z "${SNAPKEEP_TEST_ENDPOINT:-}" ]]; then
  exec "$here/../scripts/with-moto.sh" "$0" "$(realpath "$bin")" "$instances" "$days"
fi
now=2026-04-01T03:30:00Z
work=$(mktemp -d -t snapkeep-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cat >"$work/snapkeep.yaml" <<YAML
regions: [us-east-1]
policies:
  - name: daily
    select:
      tags: {Backup: "true"}
    schedule: "cron(0 3 * * ? *)"
    retain: {daily: $days}
YAML
start=$SECONDS
read -r n_instances n_volumes n_snapshots < <(python3 "$here/moto_fleet.py" "$instances" "$days" "$now")
echo "fleet: $n_instances instances, $n_volumes volumes, $n_snapshots snapkeep snapshots ($days days), built in $((SECONDS - start)) s"
/usr/bin/time -f '%e %U %S %M' -o "$work/time" \
  "$bin" run --config "$work/snapkeep.yaml" --endpoint-url "$SNAPKEEP_TEST_ENDPOINT" \
  --now "$now" --output json --verbose >"$work/run.json" || true
python3 - "$work/run.json" "$work/time" "$n_instances" "$n_volumes" "$n_snapshots" <<'PY'
import json, math, sys
run = json.load(open(sys.argv[1]))
wall, user, system, rss_kib = open(sys.argv[2]).read().split()[-4:]
instances, volumes, history = map(int, sys.argv[3:6])
created = [a for a in run["actions"] if a["action"] == "create" and a["outcome"] == "created"]
deleted = [a for a in run["actions"] if a["action"] == "delete" and a["outcome"] == "deleted"]
devices = {}
for a in run["actions"]:
    if a["action"] == "tag-device":
        devices.setdefault(a["reason"].split(" ")[0], 0)
        devices[a["reason"].split(" ")[0]] += len(a["snapshot_ids"])
# moto pages DescribeInstances at MaxResults (1,000 sent) and returns every
# snapshot and image in one answer (it ignores MaxResults there).
bound = {"DescribeInstances": max(1, math.ceil(instances / 1000)), "DescribeSnapshots": 1,
         "DescribeImages": 1 if deleted else 0, "CreateSnapshots": len(created),
         # attached volumes, once, for the restore metadata (moto ignores MaxResults here too)
         "DescribeVolumes": 1 if created else 0,
         "CreateTags": sum(math.ceil(n / 500) for n in devices.values()), "DeleteSnapshot": len(deleted)}
print("exit status %d: %s" % (run["exit_status"], ", ".join("%d %s" % (v, k) for k, v in run["totals"].items() if v)))
print("%-18s %7s %7s %6s" % ("action", "calls", "bound", "ratio"))
ok = True
for action in sorted(set(bound) | set(run["api_calls"])):
    calls = run["api_calls"].get(action, {}).get("calls", 0)
    b = bound.get(action, 0)
    if calls == 0 and b == 0:
        continue
    ratio = "%.2f" % (calls / b) if b else "-"
    ok = ok and calls == b
    print("%-18s %7d %7d %6s" % (action, calls, b, ratio))
total = sum(c["calls"] for c in run["api_calls"].values())
print("total %d calls, lower bound %d, ratio %.2f" % (total, sum(bound.values()), total / sum(bound.values())))
print("wall %s s, client CPU %.2f s (user %s + sys %s), peak RSS %.1f MiB" %
      (wall, float(user) + float(system), user, system, int(rss_kib) / 1024))
sys.exit(0 if ok else 1)
PY
