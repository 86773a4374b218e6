#!/usr/bin/env bash
# README command 2 (and CI, through .ci/run): installs what is missing, then
# runs every check in stages (docs/testing.md):
#   lint       scripts/lint.sh: clang-format (seconds, first); clang-tidy only
#              with SNAPKEEP_LINT_TIDY=1 (report-only, about 5 minutes);
#   build      snapkeep, the moto client tests and the benchmarks into build/;
#   ctest      the entries that run the binary or moto_server (moto client,
#              end-to-end, fault and month tests, schema, benchmark smoke);
#   hardening  scripts/test-hardening.sh: every unit and property test and
#              the fuzz replays under ASan+UBSan, the threaded tests under
#              TSan, and each fuzz target for 30 s.
# Prints each stage's time at the end, also when a stage fails.
# SNAPKEEP_HARDENING=0 skips the hardening stages, so that the unit tests
# run in build/ instead (a quick local run); SNAPKEEP_LINT=0 skips lint.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/suites.sh
source scripts/suites.sh
build=${SNAPKEEP_BUILD_DIR:-build}
hardening=${SNAPKEEP_HARDENING:-1}

stage_log=$(mktemp -t snapkeep-stages.XXXXXX)
export SNAPKEEP_STAGE_LOG=$stage_log
started=$SECONDS
print_times() {
  local status=$?
  echo "== stage times"
  cat "$stage_log"
  printf '%-30s %5ds\n' "total" $((SECONDS - started))
  rm -f "$stage_log"
  exit "$status"
}
trap print_times EXIT

stage() {
  local name=$1
  shift
  local start=$SECONDS
  echo "== $name"
  "$@"
  printf '%-30s %5ds\n' "$name" $((SECONDS - start)) >>"$stage_log"
}

# With the hardening stages, a new build/ leaves the unit tests and fuzz
# replays to build-asan/ (an existing build/ keeps its setting, so that the
# targets a developer builds there stay); without them, build/ runs them.
unit_tests=OFF
if [[ $hardening == 0 ]]; then
  unit_tests=ON
  if [[ -f "$build/CMakeCache.txt" ]]; then cmake -S . -B "$build" -DSNAPKEEP_UNIT_TESTS=ON >/dev/null; fi
fi

stage "install-deps" scripts/install-deps.sh
stage "configure" env SNAPKEEP_CONFIGURE_ONLY=1 scripts/build.sh -DSNAPKEEP_UNIT_TESTS="$unit_tests"
if [[ ${SNAPKEEP_LINT:-1} != 0 ]]; then
  stage "lint" env SNAPKEEP_LINT_TIDY="${SNAPKEEP_LINT_TIDY:-0}" scripts/lint.sh
fi
stage "build" scripts/build.sh
ctest_selection=()
if [[ $hardening != 0 ]]; then ctest_selection=(-R "$integration_tests"); fi
stage "ctest (build/)" ctest --test-dir "$build" --output-on-failure --timeout 900 -j"$(nproc)" \
  "${ctest_selection[@]}"
if [[ $hardening != 0 ]]; then scripts/test-hardening.sh 30; fi
