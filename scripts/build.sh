#!/usr/bin/env bash
# Configures and builds snapkeep into build/ (or $SNAPKEEP_BUILD_DIR): every
# target, or only $SNAPKEEP_BUILD_TARGETS (space-separated) when set.
# SNAPKEEP_CONFIGURE_ONLY=1 stops after configuring (lint.sh needs only the
# compile database).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${SNAPKEEP_BUILD_DIR:-build}
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
fi
if [[ ${SNAPKEEP_CONFIGURE_ONLY:-0} == 1 ]]; then
  # Re-run the globs so that the compile database lists files added since.
  cmake -S . -B "$build" >/dev/null
  exit 0
fi
targets=()
for t in ${SNAPKEEP_BUILD_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$build" -j"$(nproc)" "${targets[@]}"
