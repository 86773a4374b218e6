#!/usr/bin/env bash
# Configures and builds snapkeep into build/ (or $SNAPKEEP_BUILD_DIR): every
# target, or only $SNAPKEEP_BUILD_TARGETS (space-separated) when set.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${SNAPKEEP_BUILD_DIR:-build}
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
fi
targets=()
for t in ${SNAPKEEP_BUILD_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$build" -j"$(nproc)" "${targets[@]}"
