#!/usr/bin/env bash
# Configures and builds into build/ (or $KSSIM_BUILD_DIR): build/kssim and, later, build/keystore.so.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${KSSIM_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
