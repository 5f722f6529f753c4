#!/usr/bin/env bash
# ctest bench.smoke: every benchmark of test/bench/ runs to the end with a tiny count, proving it still
# works; nothing here looks at a time (a benchmark measures, no test asserts a time).
# Usage: smoke.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 source=$2
"$build/bench/signature_bench" --smoke "$build"
"$build/bench/commit_floor" --rounds 1
"$build/bench/runner_bench" --repeat 1 --steps 202 "$source/scenarios"
"$build/bench/device_growth_bench" --smoke
"$build/bench/process_bench" --rounds 1 --keys 20 --scenarios "$source/scenarios/alias-replacement.yaml" "$build" "$source"
echo "bench smoke: ok"
