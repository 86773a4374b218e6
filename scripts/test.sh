#!/usr/bin/env bash
# README command 2: installs what is missing, builds, and runs every test
# (unit, property, moto client and end-to-end) through ctest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-deps.sh
scripts/build.sh
build=${SNAPKEEP_BUILD_DIR:-build}
cd "$build"
ctest --output-on-failure --timeout 900 -j"$(nproc)"
# Sanitizer builds and fuzzing (docs/testing.md) with SNAPKEEP_HARDENING=1.
# Off by default until their time on CI's 2 cores is measured end to end
# (three more builds plus the fuzz runs must fit CI's 90 minutes).
cd "$OLDPWD"
if [[ ${SNAPKEEP_HARDENING:-0} != 0 ]]; then scripts/test-hardening.sh; fi
