#!/usr/bin/env bash
# test-hardening.sh [FUZZ_SECONDS_PER_TARGET]   (default 30; docs/testing.md)
# The sanitizer and fuzzing stages of CI, run by scripts/test.sh after the
# normal build and tests:
#   1. ASan + UBSan (GCC): the unit test binaries and the fuzz replay programs
#      built into build-asan/, and every ctest entry but $integration_tests
#      (scripts/suites.sh: they run the snapkeep binary or moto_server, which
#      must not run under the sanitizer runtime, and run in build/). CI builds
#      the unit tests only here, so this is where they run;
#   2. TSan (GCC): the tests that run threads, built into build-tsan/ as
#      one binary of the files that hold them (snapkeep_threaded_tests,
#      tests/CMakeLists.txt) and selected by $tsan_regex below;
#   3. scripts/fuzz.sh: every libFuzzer target for FUZZ_SECONDS_PER_TARGET.
# Prints each stage's time (and appends it to $SNAPKEEP_STAGE_LOG when
# test.sh sets it). No sanitizer report is suppressed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/suites.sh
source scripts/suites.sh
fuzz_seconds=${1:-30}
jobs=${SNAPKEEP_JOBS:-$(nproc)}

# The tests that exercise threads: CurlTransport (its tests share one
# connection cache between threads), the token buckets and their registry,
# the credential cache's refresh, the retry quota, QueryClient from several
# threads, and the engine's parallel regions (tests named *Parallel*).
tsan_regex='^(CurlTransport\.|TokenBucket\.|RateLimiterRegistry\.|CredentialsTest\.Cache|RetryQuota\.|QueryClientConcurrency\.)|Parallel'
unit_tests=(snapkeep_aws_tests snapkeep_core_tests snapkeep_engine_tests snapkeep_cli_tests)

generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi

# The unit test binaries that exist (a layer without tests has none), plus
# the fuzz replay programs.
existing_targets() {
  local build=$1
  shift
  local all
  all=$(cmake --build "$build" --target help 2>/dev/null || true)
  for target in "$@"; do
    if grep -qE "(^|[ /])$target(:|$| )" <<<"$all"; then echo "$target"; fi
  done
}

configure() {
  local build=$1 sanitize=$2
  shift 2
  if [[ ! -f "$build/CMakeCache.txt" ]]; then
    cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DSNAPKEEP_SANITIZE="$sanitize" -DSNAPKEEP_BENCH=OFF "$@" >/dev/null
  else
    cmake -S . -B "$build" "$@" >/dev/null
  fi
}

stage_times=()
stage() {
  local name=$1
  shift
  local start=$SECONDS
  echo "== hardening: $name"
  "$@"
  stage_times+=("$(printf '%-30s %5ds' "$name" $((SECONDS - start)))")
  if [[ -n ${SNAPKEEP_STAGE_LOG:-} ]]; then echo "${stage_times[-1]}" >>"$SNAPKEEP_STAGE_LOG"; fi
}

asan() {
  configure build-asan address,undefined
  local replays
  replays=$(cd fuzz && ls ./*.cc | sed -n 's|^\./\(.*\)\.cc$|fuzz_\1_replay|p' | grep -v replay_main_replay)
  mapfile -t targets < <(existing_targets build-asan "${unit_tests[@]}" $replays)
  cmake --build build-asan -j"$jobs" --target "${targets[@]}"
  # abort_on_error gives a core-less abort that ctest reports as a failure;
  # leaks are errors (detect_leaks is on by default with GCC's ASan).
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure --timeout 900 -j"$jobs" \
      -E "$integration_tests"
}

tsan() {
  configure build-tsan thread -DSNAPKEEP_THREADED_TESTS_ONLY=ON
  cmake --build build-tsan -j"$jobs" --target snapkeep_threaded_tests
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    ctest --test-dir build-tsan --output-on-failure --timeout 900 -j"$jobs" --no-tests=error \
      -R "$tsan_regex"
}

stage "ASan+UBSan unit tests" asan
stage "TSan threaded tests" tsan
# A fixed seed in the test suite: a red run then means a change found a
# crash, not that this run's random mutations did; by hand, fuzz.sh draws a
# random seed (SNAPKEEP_FUZZ_SEED unset) and explores further.
stage "fuzz (${fuzz_seconds}s per target)" env SNAPKEEP_FUZZ_SEED="${SNAPKEEP_FUZZ_SEED:-1}" \
  scripts/fuzz.sh "$fuzz_seconds"

if [[ -z ${SNAPKEEP_STAGE_LOG:-} ]]; then
  echo "== hardening: stage times"
  printf '%s\n' "${stage_times[@]}"
fi
