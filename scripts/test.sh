#!/usr/bin/env bash
# README command 2: installs what is missing, lints, builds, and runs every test
# (unit, property, moto client, end-to-end, fault and crash tests, the month
# under 20 % faults) through ctest, then the hardening stages.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-deps.sh
# The repository's .clang-format and .clang-tidy, first: it is cheap.
scripts/lint.sh
scripts/build.sh
build=${SNAPKEEP_BUILD_DIR:-build}
cd "$build"
ctest --output-on-failure --timeout 900 -j"$(nproc)"
# Then the sanitizer builds and fuzzing (docs/testing.md): ASan+UBSan over
# the unit tests, TSan over the threaded ones, a minute per fuzz target.
# SNAPKEEP_HARDENING=0 skips them (a quick local run).
cd "$OLDPWD"
if [[ ${SNAPKEEP_HARDENING:-1} != 0 ]]; then scripts/test-hardening.sh; fi
