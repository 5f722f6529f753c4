#!/usr/bin/env bash
# Quick start, step two: every test - cmocka unit tests, the scenario library, the shell tests.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
ctest --test-dir "${KSSIM_BUILD_DIR:-$root/build}" --output-on-failure -j "$(nproc)"
