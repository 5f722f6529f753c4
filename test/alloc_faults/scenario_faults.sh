#!/usr/bin/env bash
# scenario_faults.sh - the scenario library with allocations failing (KSSIM_ALLOC_FAULTS build under
# ASan; docs/testing.md, "Allocation and SQLite failures").
#
#   scenario_faults.sh BUILD SOURCE [--exhaustive]
#
# For each scenario file: a clean run of BUILD/test/kssim_alloc_faults counts its allocations (the
# project's own and SQLite's; OpenSSL's apart), then it runs again with the Nth failing, for a sample of N
# (KSSIM_ALLOC_FAULTS_POINTS per file, default 4, spread over the run and shifted from file to file so the
# library together covers many different points; --exhaustive: every N). OpenSSL's allocations are failed
# at KSSIM_ALLOC_FAULTS_OPENSSL_POINTS per file (default 1) without the leak check: OpenSSL leaks on some of
# its own failed allocations. Each run must not crash or trip a sanitizer (LeakSanitizer included), and
# must either meet the scenario's expectations or end with a named refusal: the first unmet step (where
# the failure surfaced; later ones follow from it) shows a result name and code (SYSTEM_ERROR where the failure is reported; another name where it is tolerated,
# as a token the cache could not keep, which later asks the user to authenticate again), or the runner
# says "out of memory" (or ENOMEM's "Cannot allocate memory") and stops. Runs go two at a time (KSSIM_ALLOC_FAULTS_JOBS).
set -uo pipefail

if [ "${1:-}" = --one ]; then
    # One failure point: --one KSSIM FILE KIND POINT, prints a line saying what went wrong, or nothing.
    kssim=$2 file=$3 kind=$4 point=$5
    output=$(mktemp)
    if [ "$kind" = project ]; then
        KSSIM_FAIL_ALLOC_AT=$point "$kssim" run "$file" >"$output" 2>&1
    else
        ASAN_OPTIONS="${ASAN_OPTIONS}:detect_leaks=0" KSSIM_FAIL_OPENSSL_ALLOC_AT=$point \
            "$kssim" run "$file" >"$output" 2>&1
    fi
    status=$?
    verdict=
    if grep -qE 'Sanitizer|runtime error:' "$output"; then
        verdict="a sanitizer's report: $(grep -m1 -E 'ERROR: |runtime error:' "$output")"
    elif [ "$status" -ge 3 ]; then
        verdict="exit status $status"
    elif [ "$status" != 0 ] && ! grep -qE 'out of memory|Cannot allocate memory' "$output" &&
        grep -m1 -E -- '<-- ' "$output" | grep -qvE -- '-> [A-Z_]+ \(-?[0-9]+\)'; then
        verdict="refused without naming the failure (exit $status): $(grep -m1 -E '<-- |error' "$output")"
    fi
    if [ -n "$verdict" ]; then
        echo "FAILED: $file, $kind allocation $point: $verdict"
        sed 's/^/    /' "$output" | head -60
    fi
    rm -f "$output"
    exit 0
fi

build=$1 source=$2
exhaustive=false
[ "${3:-}" = --exhaustive ] && exhaustive=true
kssim=$build/test/kssim_alloc_faults
points=${KSSIM_ALLOC_FAULTS_POINTS:-4}
openssl_points=${KSSIM_ALLOC_FAULTS_OPENSSL_POINTS:-1}
jobs=${KSSIM_ALLOC_FAULTS_JOBS:-2}
# Sanitizer exit codes apart from the runner's 0-3, so a report is never read as a refusal.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=97"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}exitcode=98"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=96"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

files=0 total_allocations=0 total_openssl=0 tried=0 index=0
: >"$work/plan" && : >"$work/counts"
while IFS= read -r file; do
    report=$work/report
    if ! KSSIM_ALLOC_FAULTS_REPORT=$report "$kssim" run "$file" >"$work/clean" 2>&1; then
        echo "FAILED: $file does not pass without a fault injected:"
        sed 's/^/    /' "$work/clean" | head -40
        exit 1
    fi
    allocations=$(awk '$1 == "allocations" {print $2}' "$report")
    openssl=$(awk '$1 == "openssl_allocations" {print $2}' "$report")
    echo "${file#"$source"/} $allocations $openssl" >>"$work/counts"
    files=$((files + 1))
    total_allocations=$((total_allocations + allocations))
    total_openssl=$((total_openssl + openssl))
    if $exhaustive; then
        for ((n = 1; n <= allocations; n++)); do echo "$file project $n"; done >>"$work/plan"
    else
        # Evenly spaced, shifted by a different amount for each file (a prime step), so that together
        # the files try many different points of the start-up every scenario shares.
        for ((j = 0; j < points && j < allocations; j++)); do
            echo "$file project $((1 + (j * allocations / points + index * 7) % allocations))"
        done >>"$work/plan"
    fi
    for ((j = 0; j < openssl_points && j < openssl; j++)); do
        echo "$file openssl $((1 + (j * openssl / openssl_points + index * 7919) % openssl))"
    done >>"$work/plan"
    index=$((index + 1))
done < <(find "$source/scenarios" -name '*.yaml' | LC_ALL=C sort)

sort -u "$work/plan" -o "$work/plan"
tried=$(wc -l <"$work/plan")
xargs -P "$jobs" -L 1 bash "$0" --one "$kssim" <"$work/plan" >"$work/failures"
failed=$(grep -c '^FAILED' "$work/failures")
cat "$work/failures"
echo "scenario_faults: $files scenario files, $total_allocations allocations of their own and SQLite's" \
    "(per file: $((total_allocations / files)) on average), $total_openssl of OpenSSL;" \
    "$tried failure points tried, $failed failed"
[ "$failed" = 0 ]
