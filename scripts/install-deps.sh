#!/usr/bin/env bash
# Installs what snapkeep needs to build and test, from Debian packages (and
# moto from PyPI only where no moto_server is on the machine). Idempotent: when
# everything is already present it changes nothing and makes no network call.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ca-certificates curl
  libcurl4-openssl-dev libssl-dev libpugixml-dev libyaml-cpp-dev libcli11-dev
  nlohmann-json3-dev libfmt-dev libspdlog-dev libhowardhinnant-date-dev tzdata
  libgtest-dev libgmock-dev libbenchmark-dev librapidcheck-dev
  python3 python3-venv ninja-build ccache
  clang-14 libclang-rt-14-dev  # libFuzzer and the sanitizer runtimes (scripts/fuzz.sh)
  zip systemd  # scripts/package-lambda.sh; systemd-analyze verify (tests/deploy)
  chromium  # renders the report's HTML page headless (tests/e2e/test_report.py)
  python3-prometheus-client  # parses --metrics-file in tests/e2e/test_metrics.py
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# moto (the EC2/SNS/STS emulator), boto3 (the independent checker) and
# jsonschema (checks the configuration schema against the examples). Use the
# ones on the machine when present; otherwise a project virtualenv from PyPI.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if ! command -v moto_server >/dev/null 2>&1 || ! python3 -c 'import boto3, moto, jsonschema' >/dev/null 2>&1; then
  if [[ ! -x "$here/.venv/bin/moto_server" ]]; then
    echo "install-deps: creating $here/.venv with moto[server], boto3 and jsonschema"
    python3 -m venv "$here/.venv"
    "$here/.venv/bin/pip" install -q "moto[server]>=5,<6" boto3 jsonschema
  fi
fi
# cfn-lint checks deploy/cloudformation/ (tests/deploy); the same rule: the
# machine's when present, else the project virtualenv's.
if ! command -v cfn-lint >/dev/null 2>&1 && [[ ! -x "$here/.venv/bin/cfn-lint" ]]; then
  echo "install-deps: installing cfn-lint into $here/.venv"
  [[ -x "$here/.venv/bin/pip" ]] || python3 -m venv "$here/.venv"
  "$here/.venv/bin/pip" install -q cfn-lint
fi
