#!/usr/bin/env bash
# The project must build with clang as with gcc, warnings as errors.
# Usage: clang_build.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 source=$2
if ! command -v clang >/dev/null; then
  echo "clang is not installed (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
dir="$build/clang-check"
CC=clang cmake -S "$source" -B "$dir" -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$dir" -j "$(nproc)" >/dev/null
echo "clang build: ok"
