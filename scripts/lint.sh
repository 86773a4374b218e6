#!/usr/bin/env bash
# lint.sh: enforces the repository's .clang-format and .clang-tidy (CI runs
# it first, from scripts/test.sh; docs/testing.md).
#   1. clang-format-14 --dry-run --Werror over every tracked .cc and .h;
#   2. clang-tidy-14 over src/ with the repository's .clang-tidy (whose
#      WarningsAsErrors makes every finding an error) and the compile
#      commands of build/ (or $SNAPKEEP_BUILD_DIR), SNAPKEEP_JOBS files at a
#      time (default: all cores). The clang static analyzer checks
#      (clang-analyzer-*) are left out: they cost two thirds of the time
#      (about 10 CPU-minutes more over src/); SNAPKEEP_LINT_ANALYZER=1 runs
#      them too, by hand.
# SNAPKEEP_LINT_TIDY=0 runs the format check only (a quick local check).
# Fix formatting with: git ls-files '*.cc' '*.h' | xargs clang-format-14 -i
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${SNAPKEEP_BUILD_DIR:-build}
jobs=${SNAPKEEP_JOBS:-$(nproc)}

for tool in clang-format-14 clang-tidy-14 run-clang-tidy-14; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "lint: $tool not found; run scripts/install-deps.sh" >&2
    exit 2
  fi
done

start=$SECONDS
mapfile -t sources < <(git ls-files '*.cc' '*.h')
if ! clang-format-14 --dry-run --Werror "${sources[@]}"; then
  echo "lint: files above differ from .clang-format; run clang-format-14 -i on them" >&2
  exit 1
fi
echo "lint: clang-format: ${#sources[@]} files formatted ($((SECONDS - start))s)"

if [[ ${SNAPKEEP_LINT_TIDY:-1} == 0 ]]; then exit 0; fi

# clang-tidy reads the flags of each file from the compile database, which
# configuring writes (CMAKE_EXPORT_COMPILE_COMMANDS); no build is needed.
SNAPKEEP_CONFIGURE_ONLY=1 scripts/build.sh >/dev/null
start=$SECONDS
checks=('-checks=-clang-analyzer-*')
if [[ ${SNAPKEEP_LINT_ANALYZER:-0} == 1 ]]; then checks=(); fi
# The database holds GCC's flags: clang 14 spells C++23 as c++2b.
# Findings in src/ headers count once, from the first file that includes them.
if ! run-clang-tidy-14 -quiet -p "$build" -j "$jobs" -clang-tidy-binary clang-tidy-14 \
  -extra-arg=-std=c++2b "${checks[@]}" "$PWD/src/" >"$build/clang-tidy.log" 2>&1; then
  grep -E '(error|warning):' "$build/clang-tidy.log" | sort -u >&2 || cat "$build/clang-tidy.log" >&2
  echo "lint: clang-tidy findings above (full log: $build/clang-tidy.log)" >&2
  exit 1
fi
echo "lint: clang-tidy: src/ clean ($((SECONDS - start))s)"
