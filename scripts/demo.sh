#!/usr/bin/env bash
# README command 1: installs what is missing, builds snapkeep, and runs it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-deps.sh
scripts/build.sh
build=${SNAPKEEP_BUILD_DIR:-build}
"$build/snapkeep" --version
