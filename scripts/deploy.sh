#!/usr/bin/env bash
# deploy.sh --config FILE --bucket BUCKET [--stack NAME] [--schedule EXPR]
#           [--timezone TZ] [--email ADDRESS] [--shards N [--shard-by target|instance]]
#           [--dry-run]
# Packages snapkeep for Lambda with FILE inside as snapkeep.yaml, uploads the
# zip to s3://BUCKET/snapkeep/, and creates or updates the CloudFormation
# stack deploy/cloudformation/snapkeep.yaml with the IAM policy that
# `snapkeep iam-policy` prints for FILE. Needs the AWS CLI and credentials
# allowed to create the stack's resources. --shards N deploys
# deploy/cloudformation/snapkeep-sharded.yaml instead: a Step Functions Map
# invokes the function once per shard (docs/deploy.md "Sharding").
# --dry-run prints the commands.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
config="" bucket="" stack=snapkeep schedule="" timezone="" email="" dry="" shards="" shard_by=""
binary=${SNAPKEEP_BIN:-$here/build/snapkeep}
while (($#)); do
  case "$1" in
    --config) config=$2; shift 2 ;;
    --bucket) bucket=$2; shift 2 ;;
    --stack) stack=$2; shift 2 ;;
    --schedule) schedule=$2; shift 2 ;;
    --timezone) timezone=$2; shift 2 ;;
    --email) email=$2; shift 2 ;;
    --shards) shards=$2; shift 2 ;;
    --shard-by) shard_by=$2; shift 2 ;;
    --dry-run) dry=1; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "deploy: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ -n "$config" && -n "$bucket" ]] || { echo "deploy: --config and --bucket are required" >&2; exit 2; }
run() { if [[ -n "$dry" ]]; then printf '%q ' "$@"; echo; else "$@"; fi; }

"$binary" validate --config "$config" >/dev/null
policy=$("$binary" iam-policy --config "$config")

work=$(mktemp -d -t snapkeep-deploy.XXXXXX)
trap 'rm -rf "$work"' EXIT
SNAPKEEP_DIST="$work" "$here/scripts/package-lambda.sh" "$binary" >&2
zip_path=$(ls "$work"/snapkeep-lambda-*.zip)
arch=$(basename "$zip_path" .zip); arch=${arch#snapkeep-lambda-}
cp "$config" "$work/snapkeep.yaml"
(cd "$work" && zip -q -X "$zip_path" snapkeep.yaml)
key="snapkeep/snapkeep-lambda-$arch-$(sha256sum "$zip_path" | cut -c1-16).zip"

run aws s3 cp "$zip_path" "s3://$bucket/$key"
params=(CodeS3Bucket="$bucket" CodeS3Key="$key" ExecutionPolicy="$policy" Architecture="$arch")
[[ -n "$schedule" ]] && params+=(ScheduleExpression="$schedule")
[[ -n "$timezone" ]] && params+=(ScheduleTimezone="$timezone")
[[ -n "$email" ]] && params+=(NotificationEmail="$email")
template=snapkeep.yaml
if [[ -n "$shards" ]]; then
  template=snapkeep-sharded.yaml
  params+=(Shards="$shards")
  [[ -n "$shard_by" ]] && params+=(ShardBy="$shard_by")
elif [[ -n "$shard_by" ]]; then
  echo "deploy: --shard-by goes with --shards N" >&2; exit 2
fi
run aws cloudformation deploy --stack-name "$stack" \
  --template-file "$here/deploy/cloudformation/$template" \
  --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset \
  --parameter-overrides "${params[@]}"
