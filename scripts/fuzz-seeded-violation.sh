#!/usr/bin/env bash
# fuzz-seeded-violation.sh - shows that the model-based fuzz target (test/fuzz/fuzz_device_model.c)
# catches a rule broken on purpose: copies the source tree to a temporary directory, applies a patch of
# test/fuzz/seeded_violation/ there (never to this tree), builds fuzz_device_model with -DKSSIM_FUZZ=ON,
# and fuzzes from the seed corpus until the model reports a violation or the time limit passes.
#
# Exit status: 0 when the patch's expected invariant (its "Expected-Invariant:" line) caught it; 1 when
# nothing was caught in time, or something else stopped the fuzzer; 2 for a usage error or a patch that
# no longer applies; 3 when the build failed. With --control, the unpatched copy is fuzzed just as long
# and must report nothing, or the status is 1.
#
# Usage: scripts/fuzz-seeded-violation.sh [--patch NAME] [--time SECONDS] [--seed N] [--control] [--keep]
#   --patch NAME   test/fuzz/seeded_violation/NAME.patch (default tokens-survive-reboot)
#   --time S       give up after S seconds of fuzzing (default 300)
#   --seed N       libFuzzer's -seed, for a repeatable run (default 1)
#   --control      also fuzz the unpatched copy for the same time: it must pass
#   --keep         keep the temporary directory (build, logs, the crashing input)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
patch_name=tokens-survive-reboot
fuzz_time=300
fuzz_seed=1
control=false
keep=false
while [ $# -gt 0 ]; do
    case "$1" in
    --patch) patch_name=${2:?--patch needs a name}; shift 2 ;;
    --time) fuzz_time=${2:?--time needs seconds}; shift 2 ;;
    --seed) fuzz_seed=${2:?--seed needs a number}; shift 2 ;;
    --control) control=true; shift ;;
    --keep) keep=true; shift ;;
    -h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fuzz-seeded-violation.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

patch_file=$root/test/fuzz/seeded_violation/$patch_name.patch
if [ ! -f "$patch_file" ]; then
    echo "fuzz-seeded-violation.sh: no patch $patch_file" >&2
    exit 2
fi
expected=$(sed -n 's/^Expected-Invariant: *//p' "$patch_file" | head -n 1)
if [ -z "$expected" ]; then
    echo "fuzz-seeded-violation.sh: $patch_file names no Expected-Invariant" >&2
    exit 2
fi
for tool in clang cmake patch tar; do
    command -v "$tool" > /dev/null || { echo "fuzz-seeded-violation.sh: $tool is missing" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/kssim-seeded-violation.XXXXXX")
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    if $keep; then
        echo "kept $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

# A copy of the sources without any build directory: the patch and the build touch only the copy.
copy_tree() {
    mkdir -p "$1"
    tar -C "$root" --exclude='./build' --exclude='./build-*' --exclude='./.git' -cf - . | tar -C "$1" -xf -
}

# Builds fuzz_device_model from a source copy; the compiler output goes to a log, shown on failure.
build_target() {
    local source=$1 build=$2
    if ! { cmake -S "$source" -B "$build" -DKSSIM_FUZZ=ON -DCMAKE_C_COMPILER=clang &&
        cmake --build "$build" --target fuzz_device_model -j2; } > "$build.log" 2>&1; then
        tail -n 30 "$build.log" >&2
        echo "fuzz-seeded-violation.sh: the build in $source failed" >&2
        exit 3
    fi
}

# Fuzzes from a fresh copy of the seed corpus; prints "INVARIANT RUNS SECONDS" (INVARIANT "-" when
# nothing was caught).
fuzz_target() {
    local build=$1 name=$2
    local corpus=$work/corpus-$name log=$work/fuzz-$name.log
    mkdir -p "$corpus" "$work/artifacts-$name"
    cp "$root"/test/fuzz/corpus/fuzz_device_model/* "$corpus"/
    local dict_option=()
    [ -f "$root/test/fuzz/dict/fuzz_device_model.dict" ] &&
        dict_option=(-dict="$root/test/fuzz/dict/fuzz_device_model.dict")
    local start end
    start=$(date +%s.%N)
    "$build/fuzz/fuzz_device_model" "$corpus" "${dict_option[@]}" -seed="$fuzz_seed" -max_total_time="$fuzz_time" \
        -max_len=400 -timeout=10 -print_final_stats=1 -artifact_prefix="$work/artifacts-$name/" > "$log" 2>&1 || true
    end=$(date +%s.%N)
    local invariant runs
    invariant=$(sed -n 's/^==kssim-model== INVARIANT VIOLATED: //p' "$log" | head -n 1)
    if [ -z "$invariant" ] && grep -q 'ERROR: \(libFuzzer\|AddressSanitizer\|LeakSanitizer\)\|runtime error' "$log"; then
        invariant=crash
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    awk -v invariant="${invariant:--}" -v runs="${runs:-?}" -v start="$start" -v end="$end" \
        'BEGIN { printf "%s %s %.1f\n", invariant, runs, end - start }'
}

echo "== seeded violation: $patch_name (expected invariant: $expected)"
copy_tree "$work/patched"
if ! patch -p1 -d "$work/patched" --dry-run < "$patch_file" > /dev/null; then
    echo "fuzz-seeded-violation.sh: $patch_file no longer applies to this tree: update it" >&2
    exit 2
fi
patch -p1 -d "$work/patched" < "$patch_file" > /dev/null
echo "building the patched copy in $work/build-patched"
build_target "$work/patched" "$work/build-patched"
echo "fuzzing the patched copy for at most ${fuzz_time} s (libFuzzer -seed=$fuzz_seed)"
read -r caught runs seconds < <(fuzz_target "$work/build-patched" patched)

status=0
if [ "$caught" = "$expected" ]; then
    echo "CAUGHT by invariant '$caught' after $runs runs in ${seconds} s"
    sed -n '/^==kssim-model== INVARIANT VIOLATED/,/^==[0-9]*== ERROR/p' "$work/fuzz-patched.log" | sed '$d'
elif [ "$caught" = "-" ]; then
    echo "NOT CAUGHT: $runs runs in ${seconds} s found nothing"
    status=1
else
    echo "STOPPED by '$caught' (expected '$expected') after $runs runs in ${seconds} s:"
    grep -m 1 -A 12 'VIOLATED\|ERROR:' "$work/fuzz-patched.log" || true
    status=1
fi

if $control; then
    copy_tree "$work/unpatched"
    echo "building the unpatched copy in $work/build-unpatched"
    build_target "$work/unpatched" "$work/build-unpatched"
    echo "fuzzing the unpatched copy for ${fuzz_time} s"
    read -r control_caught control_runs control_seconds < <(fuzz_target "$work/build-unpatched" unpatched)
    if [ "$control_caught" = "-" ]; then
        echo "CONTROL passed: $control_runs runs in ${control_seconds} s, no violation"
    else
        echo "CONTROL FAILED: the unpatched tree stopped on '$control_caught' after $control_runs runs"
        grep -m 1 -A 12 'VIOLATED\|ERROR:' "$work/fuzz-unpatched.log" || true
        status=1
    fi
fi
exit $status
