#!/usr/bin/env bash
# py.sh ARGS...: runs the Python that has snapkeep's test dependencies (moto,
# boto3, jsonschema): the project virtualenv when install-deps.sh made one,
# else the machine's python3.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -x "$here/.venv/bin/python3" ]]; then exec "$here/.venv/bin/python3" "$@"; fi
exec python3 "$@"
