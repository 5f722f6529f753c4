#!/usr/bin/env bash
# Packagers build Release: the project must build with -DCMAKE_BUILD_TYPE=Release (gcc, optimising, so
# its flow analysis finds maybe-uninitialized and format-truncation cases Debug does not), warnings as errors.
# Usage: release_build.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 source=$2
if ! command -v gcc >/dev/null; then
  echo "gcc is not installed (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
dir="$build/release-check"
log="$dir.log"
CC=gcc cmake -S "$source" -B "$dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
# The compiler's own words are the useful part of a failure: shown, not swallowed.
if ! cmake --build "$dir" -j "$(nproc)" >"$log" 2>&1; then
  grep -E -A8 'warning|error' "$log" | head -60 >&2
  echo "Release build with gcc failed (full log: $log)" >&2
  exit 1
fi
echo "gcc Release build: ok"
