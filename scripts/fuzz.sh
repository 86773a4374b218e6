#!/usr/bin/env bash
# fuzz.sh [SECONDS_PER_TARGET]   (default 60; docs/testing.md)
# Builds the libFuzzer targets of fuzz/ with clang, ASan and UBSan into
# build-fuzz/ (or $SNAPKEEP_FUZZ_BUILD_DIR), then runs each for that many
# seconds on a scratch copy of its seed corpus (fuzz/corpus/<target>/ plus
# fuzz/regressions/<target>/), so runs never write into the repository.
# Prints executions per target; exits 1 if any target crashed, leaked, hit
# undefined behaviour or timed out, leaving the input under
# <build>/artifacts/ (copy it to fuzz/regressions/<target>/ once fixed).
# SNAPKEEP_FUZZ_SEED=N fixes libFuzzer's seed (unset or 0: a random one;
# test-hardening.sh uses 1).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=${1:-60}
build=${SNAPKEEP_FUZZ_BUILD_DIR:-build-fuzz}
jobs=${SNAPKEEP_JOBS:-$(nproc)}

cxx=""
for candidate in clang++-14 clang++; do
  if command -v "$candidate" >/dev/null 2>&1; then cxx=$candidate; break; fi
done
if [[ -z "$cxx" ]]; then
  echo "fuzz: clang++ not found; run scripts/install-deps.sh" >&2
  exit 2
fi

targets=()
for source in fuzz/*.cc; do
  name=$(basename "$source" .cc)
  [[ "$name" == replay_main ]] || targets+=("$name")
done

generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER="$cxx" -DSNAPKEEP_FUZZ=ON -DSNAPKEEP_TESTS=OFF -DSNAPKEEP_BENCH=OFF \
    -DSNAPKEEP_WERROR=ON >/dev/null
fi
cmake --build "$build" -j"$jobs" --target "${targets[@]/#/fuzz_}"

scratch=$(mktemp -d -t snapkeep-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
artifacts="$build/artifacts"
mkdir -p "$artifacts"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
summary=()
for target in "${targets[@]}"; do
  corpus="$scratch/$target"
  mkdir -p "$corpus"
  for seeds in "fuzz/corpus/$target" "fuzz/regressions/$target"; do
    if [[ -d "$seeds" ]]; then cp -r "$seeds/." "$corpus/"; fi
  done
  dict=()
  if [[ -f "fuzz/$target.dict" ]]; then dict=(-dict="fuzz/$target.dict"); fi
  log="$build/fuzz-$target.log"
  echo "fuzz: $target for ${seconds}s"
  status=0
  "$build/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -seed="${SNAPKEEP_FUZZ_SEED:-0}" \
    -print_final_stats=1 -artifact_prefix="$artifacts/$target-" "${dict[@]}" "$corpus" \
    >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$( (grep -o 'cov: [0-9]*' "$log" || true) | tail -1 | tr -dc 0-9)
  corp=$( (grep -o 'corp: [0-9]*' "$log" || true) | tail -1 | tr -dc 0-9)
  line=$(printf '%-14s %12s execs %8s exec/s  cov %6s  corpus %5s' "$target" "${execs:-?}" \
    "${rate:-?}" "${cov:-?}" "${corp:-?}")
  if ((status != 0)); then
    failed+=("$target")
    line+="  FAILED (exit $status)"
    echo "fuzz: $target failed; the end of $log:" >&2
    tail -40 "$log" >&2
  fi
  summary+=("$line")
done

echo
echo "fuzz: ${seconds}s per target"
printf '%s\n' "${summary[@]}"
if ((${#failed[@]})); then
  echo "fuzz: failures in ${failed[*]}; inputs in $artifacts/" >&2
  exit 1
fi
