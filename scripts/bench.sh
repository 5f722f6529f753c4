#!/usr/bin/env bash
# Builds an optimised tree (RelWithDebInfo, the project's own build type: -O2 with symbols, so perf can
# profile the same binaries) and runs every benchmark of test/bench/, printing their tables and the
# machine they ran on (docs/performance.md explains them).
# Usage: scripts/bench.sh [--quick]   (--quick: fewer rounds, for a first look)
# Environment: KSSIM_BENCH_BUILD_DIR (default build-bench), KSSIM_BENCH_BUILD_TYPE (default RelWithDebInfo).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${KSSIM_BENCH_BUILD_DIR:-$root/build-bench}
type=${KSSIM_BENCH_BUILD_TYPE:-RelWithDebInfo}
signature_args=() runner_args=() process_args=() floor_args=() growth_args=()
if [[ ${1:-} == --quick ]]; then
  signature_args=(--rounds 7) runner_args=(--repeat 3) process_args=(--rounds 9) floor_args=(--rounds 5)
  growth_args=(--rounds 5)
fi

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE="$type" >/dev/null
cmake --build "$build" -j 2 --target signature_bench runner_bench process_bench commit_floor device_growth_bench kssim \
  keystore >/dev/null
export OPENSSL_MODULES=$build

echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "kernel:  $(uname -sr); $(openssl version); build type $type"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) before"
echo
"$build/bench/signature_bench" "${signature_args[@]}" "$build"
echo
"$build/bench/commit_floor" "${floor_args[@]}"
echo
"$build/bench/runner_bench" "${runner_args[@]}" "$root/scenarios"
echo
"$build/bench/process_bench" "${process_args[@]}" "$build" "$root"
echo
"$build/bench/device_growth_bench" "${growth_args[@]}"
echo
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) after"
