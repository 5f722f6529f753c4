#!/usr/bin/env bash
# run_command.sh BUILD_DIR SOURCE_DIR - the `kssim run` command line: exit statuses 0/1/2, the
# transcript of an unmet expectation (marker and the device's explanation), directory order, and
# usage errors.
set -u
build=${1:?usage: run_command.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=lib/shell_test.sh
source "$(dirname "$0")/lib/shell_test.sh"

cd "$work" || exit 1

cat >met.yaml <<'YAML'
name: every expectation met
steps:
  - delete_key: nothing
    expect: KEY_NOT_FOUND
  - lock: {}
YAML
cat >unmet.yaml <<'YAML'
name: an expectation that fails
seed: 3
steps:
  - generate_key: {alias: k, algorithm: ec, purposes: [sign]}
  - sign: {key: missing, data: "two words"}
  - sign: {key: k, data: x}
    expect: KEY_USER_NOT_AUTHENTICATED
  - expect_key: {alias: k, state: invalidated, reason: credential_reset}
  - advance: 1s
YAML

expect_status 0 "$kssim" run met.yaml
[ "$(cat out)" = "# met.yaml @ api_level 34: every expectation met (seed 1)
1 delete_key nothing -> KEY_NOT_FOUND (7)
2 lock -> ok (0)

1 passed, 0 failed" ] || { fail "transcript of met.yaml differs:"; cat out; }
[ -s err ] && fail "met.yaml: unexpected stderr: $(cat err)"

expect_status 1 "$kssim" run unmet.yaml met.yaml
grep -qx '# unmet.yaml @ api_level 34: an expectation that fails (seed 3)' out || fail "unmet.yaml: header missing"
grep -qxF '2 sign key=missing data="two words" -> KEY_NOT_FOUND (7) [returns null from KeyStore.getKey]   <-- expected ok (0)' out ||
    fail "unmet.yaml: step 2 line or marker wrong"
[ "$(grep -A1 '^2 sign' out | tail -n 1 | cut -c1-4)" = "    " ] || fail "unmet.yaml: no indented explanation after step 2"
grep -qx '3 sign key=k data=x -> ok (0)   <-- expected KEY_USER_NOT_AUTHENTICATED (-26)' out ||
    fail "unmet.yaml: step 3 line wrong"
grep -A1 '^3 sign' out | tail -n 1 | grep -q '^4 ' || fail "unmet.yaml: an allowed step got an explanation line"
grep -qx '4 expect_key alias=k state=invalidated reason=credential_reset -> valid   <-- expected invalidated (credential_reset)' out ||
    fail "unmet.yaml: expect_key line wrong"
grep -qx '5 advance 1s -> ok (0)' out || fail "unmet.yaml: the steps after a failure did not run"
tail -n 1 out | grep -qx '1 passed, 1 failed' || fail "summary wrong: $(tail -n 1 out)"

expect_status 1 "$kssim" run --format tap unmet.yaml
grep -qx 'not ok 1 - unmet.yaml @ api_level 34: an expectation that fails (seed 3)' out || fail "TAP: no 'not ok' point"

# --seed overrides the file's seed and is shown.
expect_status 0 "$kssim" run met.yaml --seed 99
grep -qx '# met.yaml @ api_level 34: every expectation met (seed 99)' out || fail "--seed 99 not in the header"
expect_status 0 "$kssim" run --seed=0x10 met.yaml
grep -qx '# met.yaml @ api_level 34: every expectation met (seed 16)' out || fail "--seed=0x10 not in the header"

# Directories: *.yaml and *.yml, recursively, in bytewise path order; other files ignored.
mkdir -p tree/a tree/B
cp met.yaml tree/b.yaml
cp met.yaml tree/a/z.yml
cp met.yaml tree/B/a.yaml
cp met.yaml tree/a.yaml
cp met.yaml tree/A.YAML
echo 'not a scenario' >tree/notes.txt
expect_status 0 "$kssim" run tree
[ "$(grep '^# ' out | sed 's/ @ api_level.*//')" = "# tree/B/a.yaml
# tree/a.yaml
# tree/a/z.yml
# tree/b.yaml" ] || { fail "directory order wrong:"; grep '^# ' out; }

# Usage errors exit 2 and say what is accepted.
expect_status 2 "$kssim" run
grep -q 'no scenario given' err || fail "no paths: message"
expect_status 2 "$kssim" run met.yaml --format xml
grep -q "unknown format 'xml'; --format takes text, tap or junit (transcripts), html (a page) or json" err || fail "--format xml: message"
expect_status 2 "$kssim" run met.yaml --seed
grep -q -- '--seed needs a value' err || fail "--seed without value: message"
expect_status 2 "$kssim" run met.yaml --seed -3
grep -q "is negative" err || fail "--seed -3: message"
expect_status 2 "$kssim" run met.yaml --seed 18446744073709551616
grep -q "out of range" err || fail "--seed overflow: message"
expect_status 2 "$kssim" run met.yaml --verbose
grep -q "unknown option '--verbose'" err || fail "unknown option: message"
expect_status 2 "$kssim" run no-such.yaml
expect_status 2 "$kssim" run "$work/empty-dir-that-does-not-exist/"
mkdir empty-dir
expect_status 2 "$kssim" run empty-dir
grep -q 'no scenario files' err || fail "empty directory: message"
expect_status 2 "$kssim" frobnicate
grep -q "unknown command 'frobnicate'" err || fail "unknown command: message"
expect_status 2 "$kssim"
expect_status 0 "$kssim" --help
grep -q 'kssim run PATH' out || fail "kssim --help does not list run"
expect_status 0 "$kssim" run --help
grep -q -- '--format FORMAT' out || fail "kssim run --help does not describe --format"
# A path that starts with '-' after --.
cp met.yaml ./-dash.yaml
expect_status 0 "$kssim" run -- -dash.yaml

report_failures run_command
