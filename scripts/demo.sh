#!/usr/bin/env bash
# README command 1: the whole of snapkeep in a few minutes, against a private
# moto (the local EC2 emulator) on loopback. Installs what is missing, builds
# snapkeep, creates a demo fleet in two regions, then validates, plans, runs,
# runs daily for a week (--now a day further each time), lists what is
# left, restores one instance from its oldest point and reports coverage
# (text, and an HTML page in the build folder). Nothing outside this machine is touched.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${SNAPKEEP_BUILD_DIR:-build}

if [[ "${1:-}" != "--inside-moto" ]]; then
  scripts/install-deps.sh
  SNAPKEEP_BUILD_TARGETS=snapkeep scripts/build.sh
  # with-moto.sh starts moto on a free loopback port, runs us again, and
  # always stops moto afterwards.
  exec scripts/with-moto.sh "$0" --inside-moto
fi

if [[ -x .venv/bin/python3 ]]; then python=.venv/bin/python3; else python=python3; fi
snapkeep() { "$build/snapkeep" "$@" --config examples/demo.yaml --endpoint-url "$SNAPKEEP_TEST_ENDPOINT"; }
step() { if [[ -t 1 ]]; then printf '\n\033[1m== %s\033[0m\n' "$1"; else printf '\n== %s\n' "$1"; fi; shift; for line in "$@"; do echo "   $line"; done; echo; }
day() { date -u -d "2026-11-01 12:00 UTC + $(($1 - 1)) days" +%Y-%m-%dT%H:%M:%SZ; }

step "1. A demo fleet in moto" \
  "Two regions (us-east-1, eu-west-1), each with web-1 (one volume), db-1 (three)," \
  "batch-1 (two, stopped) tagged Backup=true, and dev-1, scratch-1 that are not."
"$python" tests/e2e/fleet.py us-east-1 eu-west-1

step "2. snapkeep validate" "Checks examples/demo.yaml and says what each policy means and when it runs."
"$build/snapkeep" validate --config examples/demo.yaml

step "2b. snapkeep iam-policy" \
  "The least-privilege IAM policy this configuration needs: create snapshots only with" \
  "snapkeep's tags, tag and delete only snapshots of its policies, in its two regions."
"$build/snapkeep" iam-policy --config examples/demo.yaml

step "3. snapkeep plan --now $(day 1)" \
  "What a run would do at that time, and why. Nothing is changed."
snapkeep plan --now "$(day 1)"

step "4. snapkeep run --now $(day 1)" \
  "One CreateSnapshots per selected instance (a crash-consistent restore point)," \
  "tagged with snapkeep:policy/instance/slot/set and the instance's own tags. Only completed" \
  "points are copied (in EC2 a new snapshot is pending for minutes to hours), so the next" \
  "run copies these to us-west-2: one CopySnapshot per snapshot, with the same tags."
snapkeep run --now "$(day 1)"

step "5. A week of daily runs" \
  "Each run makes the day's restore point; retention (daily: 3, weekly: 2) then" \
  "deletes points no rule keeps. From day 5 on, each run deletes one old point per instance" \
  "(12 snapshots: one DeleteSnapshot per snapshot of the point). Each run copies the day's" \
  "point to us-west-2, where the copies' own retention (count: 2) keeps the 2 newest."
for n in 2 3 4 5 6 7 8; do
  printf '   day %d  %s  ' "$n" "$(day "$n")"
  snapkeep run --quiet --now "$(day "$n")"
done

step "6. snapkeep list --now $(day 8)" \
  "The restore points left: the last 3 days (daily: 3) and 2026-11-01, the newest point" \
  "of the previous ISO week (weekly: 2); the two newest have a copy in us-west-2."
snapkeep list --now "$(day 8)"

step "7. snapkeep restore: db-1 from its oldest point" \
  "Three volumes from the point of $(day 1 | cut -c1-10) (kept by weekly: 2), in db-1's zone, with the" \
  "recorded volume types, tagged snapkeep:restored-from; then the new volumes as boto3 sees them."
db1=$(PYTHONPATH=tests/e2e "$python" - <<'PY'
import fleet
ec2 = fleet.client("ec2", "us-east-1")
for r in ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": ["db-1"]}])["Reservations"]:
    print(r["Instances"][0]["InstanceId"])
PY
)
oldest=$(snapkeep list --now "$(day 8)" --output json --instance "$db1" --region us-east-1 |
  "$python" -c 'import json,sys; print(min(p["slot"] for p in json.load(sys.stdin)["restore_points"]))')
snapkeep restore --region us-east-1 --instance "$db1" --slot "$oldest"
PYTHONPATH=tests/e2e "$python" - <<'PY'
import fleet
ec2 = fleet.client("ec2", "us-east-1")
for v in ec2.describe_volumes(Filters=[{"Name": "tag-key", "Values": ["snapkeep:restored-from"]}])["Volumes"]:
    tags = fleet.tags_of(v)
    print(f'   {v["VolumeId"]}  {tags["snapkeep:device"]:<10} {v["Size"]:>3} GiB {v["VolumeType"]:<4} '
          f'{v["State"]:<10} {v["AvailabilityZone"]}  from {v["SnapshotId"]}')
PY

step "7b. snapkeep restore --from-copy us-west-2: db-1 as if us-east-1 were gone" \
  "The latest copied point's copies in us-west-2 carry what a restore needs (devices, volume" \
  "types): three volumes in a zone of the copy region."
snapkeep restore --region us-east-1 --instance "$db1" --from-copy us-west-2 \
  --availability-zone us-west-2a

step "8. snapkeep report --now $(day 8)" \
  "Coverage and RPO of every instance, selected or not: ok (the last good point is for the" \
  "current or previous slot), late, missing or unprotected and why; exit 1 if any is late or missing."
snapkeep report --now "$(day 8)"
report_html="$(cd "$build" && pwd)/demo-report.html"
snapkeep report --now "$(day 8)" --output html --out "$report_html"
echo "   The same report as one self-contained HTML page (no script, no network): $report_html"

step "Done" \
  "Rerun any step by hand: snapkeep <command> --config examples/demo.yaml --endpoint-url <moto>." \
  "scripts/with-moto.sh stops the moto server as this script ends; nothing else was touched."
