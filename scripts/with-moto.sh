#!/usr/bin/env bash
# with-moto.sh COMMAND [ARGS...]
# Runs COMMAND with a private moto_server (the local EC2/SNS/STS emulator) on a
# free loopback port, and always stops it afterwards. COMMAND sees:
#   SNAPKEEP_TEST_ENDPOINT  http://127.0.0.1:PORT
#   AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_DEFAULT_REGION  fake test values
# Tests reset moto's state between cases with POST /moto-api/reset.
#
# with-moto.sh --shared-snapshots COMMAND [ARGS...] runs moto through
# tests/support/moto_shared_snapshots.py instead, which lets an account see,
# copy and create volumes from the snapshots another account shares with it
# (moto alone does not; see that file and docs/testing.md).
set -uo pipefail

server=(moto_server)
if [[ "${1:-}" == "--shared-snapshots" ]]; then
  shift
  server=(python3 "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/support/moto_shared_snapshots.py")
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -x "$here/.venv/bin/moto_server" ]]; then
  export PATH="$here/.venv/bin:$PATH"
fi
# python3 is the virtualenv's when there is one (PATH above).
if ! command -v moto_server >/dev/null 2>&1; then
  echo "with-moto: moto_server not found; run scripts/install-deps.sh" >&2
  exit 2
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

log=$(mktemp -t snapkeep-moto.XXXXXX)
pid=""
stop_moto() {
  if [[ -n "$pid" ]]; then
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  fi
  rm -f "$log"
}
trap stop_moto EXIT
trap 'exit 130' INT TERM

for attempt in 1 2 3; do
  port=$(free_port)
  MOTO_EC2_LOAD_DEFAULT_AMIS=false "${server[@]}" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
  pid=$!
  ready=""
  for _ in $(seq 1 300); do
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    if curl -s -f -X POST "http://127.0.0.1:$port/moto-api/reset" >/dev/null 2>&1; then
      ready=yes
      break
    fi
    sleep 0.1
  done
  [[ -n "$ready" ]] && break
  echo "with-moto: moto_server did not start on port $port (attempt $attempt):" >&2
  cat "$log" >&2
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=""
done
if [[ -z "$ready" ]]; then
  exit 1
fi

export SNAPKEEP_TEST_ENDPOINT="http://127.0.0.1:$port"
export AWS_ACCESS_KEY_ID=AKIASNAPKEEPTEST0000 AWS_SECRET_ACCESS_KEY=snapkeep-test-secret
export AWS_DEFAULT_REGION=us-east-1
unset AWS_SESSION_TOKEN AWS_PROFILE
"$@"
exit $?
