#!/usr/bin/env bash
# determinism.sh BUILD_DIR SOURCE_DIR - `kssim run` prints byte-identical transcripts for identical
# input and seed, in every format, and the scenarios still pass under another --seed.
#
# It runs the runner's own fixtures (test/shell/runner_fixtures, one of each step) and the scenario
# library (scenarios/) when that has any files.
set -u
build=${1:?usage: determinism.sh BUILD_DIR SOURCE_DIR}
source_dir=${2:?usage: determinism.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=lib/shell_test.sh
source "$(dirname "$0")/lib/shell_test.sh"

paths=("$source_dir/test/shell/runner_fixtures")
if [ -n "$(find "$source_dir/scenarios" -name '*.yaml' -o -name '*.yml' 2>/dev/null | head -n 1)" ]; then
    paths+=("$source_dir/scenarios")
fi

# run NAME ARGS...: runs kssim run on every path with ARGS; expects exit 0; output in $work/NAME.
run() {
    local name=$1 status
    shift
    "$kssim" run "${paths[@]}" "$@" >"$work/$name" 2>"$work/$name.err"
    status=$?
    if [ "$status" -ne 0 ]; then
        fail "kssim run $* exited $status, expected 0:"
        grep -- '<--' "$work/$name" | head -n 20 | sed 's/^/    /'
        sed 's/^/    /' "$work/$name.err" | head -n 20
    fi
}

for format in text tap junit; do
    run "$format.1" --format "$format"
    run "$format.2" --format "$format"
    cmp -s "$work/$format.1" "$work/$format.2" || fail "two runs with --format $format differ"
done

# The default format is text, and --seed given as the files' own seeds changes nothing for a file
# that sets seed: 42 ... but any other seed must still pass.
cmp -s "$work/text.1" <("$kssim" run "${paths[@]}" 2>/dev/null) || fail "the default format is not text"
run other_seed --seed 0x5eed5eed
run other_seed_again --seed 0x5eed5eed
cmp -s "$work/other_seed" "$work/other_seed_again" || fail "two runs with --seed 0x5eed5eed differ"
grep -q '(seed 1592614637)$' "$work/other_seed" || fail "--seed did not reach the transcript headers"
grep -q '(seed 1592614637)' "$work/text.1" && fail "--seed leaked into a run without it"

# Shape of each format.
scenario_count=$(grep -c '^# .*(seed [0-9]*)$' "$work/text.1")
[ "$scenario_count" -gt 0 ] || fail "no scenario headers in the text transcript"
tail -n 1 "$work/text.1" | grep -qx "$scenario_count passed, 0 failed" || fail "text summary line is not '$scenario_count passed, 0 failed'"
grep -qE '^[0-9]+ [a-z_]+( .*)? -> ' "$work/text.1" || fail "no step lines in the text transcript"
head -n 2 "$work/tap.1" | tr '\n' ' ' | grep -qx "TAP version 13 1\.\.$scenario_count " || fail "TAP header or plan wrong"
[ "$(grep -c '^ok [0-9]* - ' "$work/tap.1")" -eq "$scenario_count" ] || fail "TAP does not have one passing point per scenario"
head -n 1 "$work/junit.1" | grep -q '^<?xml version="1.0" encoding="UTF-8"?>$' || fail "JUnit output does not start with the XML declaration"
[ "$(grep -c '<testsuite ' "$work/junit.1")" -eq "$scenario_count" ] || fail "JUnit does not have one testsuite per scenario"
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$work/junit.1" ||
        fail "JUnit output is not well-formed XML"
fi

# Android versions as an axis: every scenario run on several API levels, each on a fresh device, gives the
# same bytes twice, and each level's run is named in its header. Only the library's scenarios whose
# per-release values cover the levels can take part, so the fixtures and the library each get the levels
# they cover: the library's own (a file may list several) and, for the fixtures, 30 and 34.
"$kssim" run --api-level 30,34 "$source_dir/test/shell/runner_fixtures" >"$work/levels.1" 2>"$work/levels.err"
status=$?
[ "$status" -le 1 ] || { fail "kssim run --api-level 30,34 on the fixtures exited $status"; sed 's/^/    /' "$work/levels.err" | head; }
"$kssim" run --api-level 30,34 "$source_dir/test/shell/runner_fixtures" >"$work/levels.2" 2>/dev/null
cmp -s "$work/levels.1" "$work/levels.2" || fail "two runs with --api-level 30,34 differ"
[ "$(grep -c '^# .* @ api_level 30: ' "$work/levels.1")" -eq "$(grep -c '^# .* @ api_level 34: ' "$work/levels.1")" ] ||
    fail "--api-level 30,34 did not run every fixture on both levels"
grep -q '^# .* @ api_level 30: ' "$work/levels.1" || fail "--api-level 30,34: no run on level 30"
for format in tap junit; do
    "$kssim" run --api-level 30,34 --format "$format" "$source_dir/test/shell/runner_fixtures" >"$work/levels.$format.1" 2>/dev/null
    "$kssim" run --api-level 30,34 --format "$format" "$source_dir/test/shell/runner_fixtures" >"$work/levels.$format.2" 2>/dev/null
    cmp -s "$work/levels.$format.1" "$work/levels.$format.2" || fail "two runs with --api-level 30,34 --format $format differ"
done
if [ "${#paths[@]}" -gt 1 ] && ! grep -q '@ api_level 30: ' "$work/text.1"; then
    fail "the scenario library has no run on API level 30 (scenarios/legacy-api30-enrollment-invalidation.yaml lists 30 and 34)"
fi

# Nothing of the host may leak in: no addresses, no clock readings (an operation handle of 0, which names an
# operation that was never begun, is no address).
grep -E '0x[0-9a-f]{12,}' "$work/text.1" | grep -qvE '0x0{12,}([^0-9a-f]|$)' && fail "the transcript contains something that looks like a pointer"

echo "determinism: ${#paths[@]} path(s), $scenario_count scenarios, $failures failures"
[ "$failures" -eq 0 ]
