#!/usr/bin/env bash
# Builds the libFuzzer targets of test/fuzz/ in build-fuzz/ (clang, ASan + UBSan) and runs each for a
# while with its seed corpus and dictionary (docs/fuzzing.md).
#
# Usage: scripts/fuzz.sh [--seconds N] [--jobs J] [--timeout S] [--no-build] [TARGET...]
#   --seconds N  how long each target runs (default 60)
#   --jobs J     how many targets run at once (default 1; each target is one process)
#   --timeout S  an input that runs longer than S seconds is a finding (default 30)
#   --no-build   use build-fuzz/ as it is
#   TARGET       fuzz_NAME (default: every test/fuzz/fuzz_*.c)
#
# Each target's work corpus is build-fuzz/corpus/TARGET/: the seeds (test/fuzz/corpus/TARGET/, the
# scenario files for the scenario targets, and what test/fuzz/seeds/seeds_NAME.c writes) are copied
# there, so the git tree stays clean and a later run goes on from what an earlier one found.
# Findings (crash-*, leak-*, timeout-*, oom-*) go to build-fuzz/findings/TARGET/, logs to
# build-fuzz/logs/TARGET.log. One summary line per target, a table for docs/fuzzing.md, and a closing
# "fuzz: N passed, N failed"; the exit status is 1 if any target found anything or did not run (the
# reproducer's path is printed), 2 on a usage error.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${KSSIM_FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=60 jobs=1 timeout=30 do_build=1
targets=()

usage() {
    sed -n '5,11p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case $1 in
    --seconds) seconds=${2:?--seconds needs a number} && shift 2 ;;
    --jobs) jobs=${2:?--jobs needs a number} && shift 2 ;;
    --timeout) timeout=${2:?--timeout needs a number} && shift 2 ;;
    --no-build) do_build=0 && shift ;;
    -h | --help) usage ;;
    -*) echo "fuzz.sh: unknown option $1" >&2 && usage ;;
    *) targets+=("$1") && shift ;;
    esac
done
for number in "$seconds" "$jobs" "$timeout"; do
    [[ $number =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: '$number' is not a positive number" >&2 && usage; }
done

if [ ${#targets[@]} -eq 0 ]; then
    for source in "$root"/test/fuzz/fuzz_*.c; do
        targets+=("$(basename "$source" .c)")
    done
fi
for target in "${targets[@]}"; do
    [ -f "$root/test/fuzz/$target.c" ] || { echo "fuzz.sh: no target $target (test/fuzz/$target.c)" >&2 && exit 2; }
done

if [ "$do_build" -eq 1 ]; then
    command -v clang >/dev/null || { echo "fuzz.sh: clang is not installed (scripts/install-deps.sh)" >&2 && exit 1; }
    echo "fuzz.sh: building the targets in $build"
    cmake -S "$root" -B "$build" -DKSSIM_FUZZ=ON -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$build" --target fuzz_targets -j "$(nproc)" >"$build/build.log" 2>&1 || {
        cat "$build/build.log" >&2
        exit 1
    }
fi

# Stack traces with file and line when LLVM's symbolizer is there.
for symbolizer in llvm-symbolizer llvm-symbolizer-14 /usr/lib/llvm-14/bin/llvm-symbolizer; do
    if command -v "$symbolizer" >/dev/null; then
        export ASAN_SYMBOLIZER_PATH
        ASAN_SYMBOLIZER_PATH=$(command -v "$symbolizer")
        break
    fi
done
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# The dictionary and the seeds of a target: scripts/fuzz_seeds.sh, which .clusterfuzzlite/build.sh shares.
dictionary_of() {
    "$root/scripts/fuzz_seeds.sh" dict "$1"
}

prepare_corpus() {
    "$root/scripts/fuzz_seeds.sh" corpus "$1" "$2" "$build/fuzz"
}

# Runs one target; writes its summary line to build-fuzz/logs/TARGET.summary.
run_target() {
    local target=$1
    local corpus="$build/corpus/$target" findings="$build/findings/$target/" log="$build/logs/$target.log"
    local summary="$build/logs/$target.summary"
    mkdir -p "$findings" "$build/logs"
    prepare_corpus "$target" "$corpus"
    local options=(-max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$findings")
    local dictionary
    dictionary=$(dictionary_of "$target")
    [ -n "$dictionary" ] && options+=(-dict="$dictionary")
    local status=0
    "$build/fuzz/$target" "${options[@]}" "$corpus" >"$log" 2>&1 || status=$?
    local runs cov ft corpus_size reproducer result
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    corpus_size=$(find "$corpus" -type f | wc -l)
    reproducer=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    if [ "$status" -eq 0 ] && [ -z "$reproducer" ]; then
        result="none"
    else
        result="FOUND (exit $status): reproduce with $build/fuzz/$target ${reproducer:-(no reproducer written; see $log)}"
    fi
    printf '%s seconds=%s runs=%s cov=%s ft=%s corpus=%s findings=%s\n' "$target" "$seconds" "${runs:-0}" \
        "${cov:-0}" "${ft:-0}" "$corpus_size" "$result" >"$summary"
}

echo "fuzz.sh: running ${#targets[@]} target(s) for ${seconds}s each, $jobs at a time"
running=0
for target in "${targets[@]}"; do
    rm -f "$build/logs/$target.summary"
    run_target "$target" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n || true
        running=$((running - 1))
    fi
done
wait || true

passed=0 failed=0
echo
for target in "${targets[@]}"; do
    summary="$build/logs/$target.summary"
    if [ ! -f "$summary" ]; then
        echo "$target: did not run; see $build/logs/$target.log"
        tail -n 20 "$build/logs/$target.log" 2>/dev/null | sed 's/^/    /'
        failed=$((failed + 1))
        continue
    fi
    echo "fuzz: $(cat "$summary")"
    if grep -q 'findings=none$' "$summary"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        tail -n 40 "$build/logs/$target.log" | sed 's/^/    /'
    fi
done
echo
echo "| target | seconds | runs executed | coverage (cov / ft) | corpus | findings |"
echo "| --- | --- | --- | --- | --- | --- |"
for target in "${targets[@]}"; do
    summary="$build/logs/$target.summary"
    [ -f "$summary" ] || continue
    line=$(cat "$summary")
    field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
    findings=$(sed -n 's/.* findings=//p' <<<"$line")
    [ "$findings" = none ] && findings=0
    echo "| $target | $(field seconds) | $(field runs) | $(field cov) / $(field ft) | $(field corpus) | ${findings%%:*} |"
done
echo
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
