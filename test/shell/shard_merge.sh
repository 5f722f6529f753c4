#!/usr/bin/env bash
# shard_merge.sh BUILD_DIR SOURCE_DIR - `kssim run --shard K/N` and `kssim merge-results` through the real command
# (docs/ci.md): the scenario library run whole and in 3 shards, in JUnit and in JSON, and the version matrix
# (--matrix 30,34 --format json, sharded by file and level, and as jobs of one level each); the shards together
# hold every run once, and their merge is the whole run's document byte for byte. Then --shard with the other formats, and the refusals (exit 2).
set -u
build=${1:?usage: shard_merge.sh BUILD_DIR SOURCE_DIR}
source_dir=${2:?usage: shard_merge.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=lib/shell_test.sh
source "$(dirname "$0")/lib/shell_test.sh"
source_dir=$(cd "$source_dir" && pwd)
cd "$source_dir" || exit 1

# run_and_merge NAME EXPECTED_STATUS ARGUMENTS...: the run whole, then each of 3 shards, then their merge (given in
# reverse, as CI may download them), compared with the whole.
run_and_merge() {
    local name=$1 status=$2 k
    shift 2
    expect_status "$status" "$kssim" run "$@"
    cp "$work/out" "$work/$name.whole"
    local parts=()
    for k in 3 2 1; do
        "$kssim" run "$@" --shard "$k/3" >"$work/$name.$k" 2>/dev/null
        parts+=("$work/$name.$k")
        [ -s "$work/$name.$k" ] || fail "$name: shard $k/3 wrote nothing"
    done
    expect_status "$status" "$kssim" merge-results "${parts[@]}"
    cmp -s "$work/out" "$work/$name.whole" || {
        fail "$name: the merged shards differ from the whole run"
        diff "$work/out" "$work/$name.whole" | head -n 20 | sed 's/^/    /'
    }
}

run_and_merge junit 0 scenarios --format junit
run_and_merge json 0 scenarios --format json
# The matrix on three directories of the library (the whole library twice over would double the test's time):
# several directory arguments, each file on two levels, split by (file, level).
matrix_paths=(scenarios/app-view scenarios/recipes scenarios/versions)
run_and_merge matrix 1 "${matrix_paths[@]}" --matrix 30,34 --format json

# The jobs of a CI matrix of shards x levels (docs/ci.md, docs/ci/scenarios.yml): each job `--matrix L --shard
# K/3`, one level; the six documents merge into the two-level matrix of the run above.
parts=()
for level in 30 34; do
    for k in 1 2 3; do
        "$kssim" run "${matrix_paths[@]}" --matrix "$level" --shard "$k/3" --format json >"$work/level.$level.$k"
        parts+=("$work/level.$level.$k")
    done
done
expect_status 1 "$kssim" merge-results "${parts[@]}"
cmp -s "$work/out" "$work/matrix.whole" || fail "the shard x level jobs do not merge into the --matrix 30,34 document"

# Each shard holds a part: no suite in two shards, every suite in one.
for k in 1 2 3; do grep -o '<testsuite name="[^"]*"' "$work/junit.$k"; done | sort >"$work/suites.sharded"
grep -o '<testsuite name="[^"]*"' "$work/junit.whole" | sort >"$work/suites.whole"
cmp -s "$work/suites.sharded" "$work/suites.whole" || fail "the shards' suites are not the whole run's, each once"
for k in 1 2 3; do
    [ "$(grep -c '<testsuite name=' "$work/junit.$k")" -gt 0 ] || fail "shard $k/3 ran nothing"
done

# The split is by the name below the directory argument: the same shard run from inside the directory (written
# ./) and through an absolute path holds the same files.
(cd scenarios/recipes && "$kssim" run ./ --shard 2/3 --format json) | grep -o '"path": "[^"]*"' |
    sed 's|"path": "\./|"|' >"$work/from-inside"
"$kssim" run "$source_dir/scenarios/recipes" --shard 2/3 --format json | grep -o '"path": "[^"]*"' |
    sed "s|\"path\": \"$source_dir/scenarios/recipes/|\"|" >"$work/from-outside"
[ -s "$work/from-inside" ] || fail "shard 2/3 of scenarios/recipes ran nothing"
cmp -s "$work/from-inside" "$work/from-outside" || fail "shard 2/3 holds other files when its directory is spelt otherwise"

# --shard works with every format; text and TAP count only the shard's runs.
expect_status 0 "$kssim" run scenarios/recipes --shard 1/3 --format junit
suites=$(grep -c '<testsuite name=' "$work/out")
expect_status 0 "$kssim" run scenarios/recipes --shard 1/3
runs=$(grep -c '^# ' "$work/out")
{ [ "$runs" -eq "$suites" ] && [ "$runs" -gt 0 ]; } || fail "text shard 1/3 has $runs runs, junit $suites"
expect_status 0 "$kssim" run scenarios/recipes --shard 1/3 --format tap
has_line out "1..$runs"
expect_status 0 "$kssim" run scenarios/recipes --shard 1/3 --format html
has_text out "<html"

# Refusals: exit 2 and a sentence.
expect_status 2 "$kssim" run scenarios --shard 4/3
has_text err "shard 4 of 3 does not exist"
expect_status 2 "$kssim" run scenarios --shard 3
has_text err "write K/N"
expect_status 2 "$kssim" merge-results "$work/junit.1" "$work/json.1"
has_text err "merge the documents of one format at a time"
expect_status 2 "$kssim" merge-results "$work/junit.1" "$work/junit.1"
has_text err "holds too"
"$kssim" run scenarios/recipes --shard 1/3 >"$work/text.1"
expect_status 2 "$kssim" merge-results "$work/text.1"
has_text err "text, TAP and HTML are not merged"
head -c 3000 "$work/json.1" >"$work/cut.json"
expect_status 2 "$kssim" merge-results "$work/cut.json"
has_text err "cut.json: not JSON at byte 3000"
expect_status 2 "$kssim" merge-results "$work/no-such-file.xml"
has_text err "cannot be read"
expect_status 2 "$kssim" merge-results --format junit "$work/json.1"
has_text err "not a junit document"
expect_status 2 "$kssim" merge-results
has_text err "no documents given"

report_failures shard_merge
