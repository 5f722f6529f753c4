#!/usr/bin/env bash
# run_api_levels.sh BUILD_DIR SOURCE_DIR - Android versions as an axis of `kssim run`: a scenario runs once
# per API level (its device api_level list, or --api-level), each run on a fresh device and named by its level
# in every format; expectations written per release pick the entry of the level run; a level no entry covers,
# and a level kssim does not model, are errors before anything runs.
set -u
build=${1:?usage: run_api_levels.sh BUILD_DIR SOURCE_DIR}
source_dir=${2:?usage: run_api_levels.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=lib/shell_test.sh
source "$(dirname "$0")/lib/shell_test.sh"
source_dir=$(cd "$source_dir" && pwd)

cd "$work" || exit 1
legacy="$source_dir/scenarios/legacy-api30-enrollment-invalidation.yaml"

# ---- A file that lists its levels: one run per level, in the order listed ----
expect_status 0 "$kssim" run "$legacy"
[ "$(grep -c '^# .* @ api_level [0-9]*: ' out)" -eq 2 ] || fail "the legacy scenario did not run twice"
grep '^# ' out | sed 's/:.*//' >levels
printf '# %s @ api_level 30\n# %s @ api_level 34\n' "$legacy" "$legacy" | cmp -s - levels ||
    fail "the runs are not 30 then 34: $(cat levels)"
has_line out "13 sign key=timed data=after -> KEY_PERMANENTLY_INVALIDATED (17) [KeyPermanentlyInvalidatedException from Signature.initSign]"
has_line out "13 sign key=timed data=after -> KEY_USER_NOT_AUTHENTICATED (-26) [UserNotAuthenticatedException from Signature.initSign]"
has_line out "2 passed, 0 failed"

# The per-release expectation is what decides: the same expectation on both levels fails on one only, and
# the transcript says which entry was expected there.
sed 's/31..: KEY_USER_NOT_AUTHENTICATED/31..: KEY_PERMANENTLY_INVALIDATED/' "$legacy" >wrong.yaml
expect_status 1 "$kssim" run wrong.yaml
has_line out "13 sign key=timed data=after -> KEY_USER_NOT_AUTHENTICATED (-26) [UserNotAuthenticatedException from Signature.initSign]   <-- expected KEY_PERMANENTLY_INVALIDATED (17)"
has_line out "1 passed, 1 failed"

# ---- --api-level replaces the file's levels ----
cat >both.yaml <<'YAML'
name: expectations per release
device: {api_level: 34}
steps:
  - generate_key: {alias: k, algorithm: ec, purposes: [sign]}
  - delete_key: missing
    expect: {..30: KEY_NOT_FOUND, 31..33: KEY_NOT_FOUND, 34..: KEY_NOT_FOUND}
  - expect_key: {alias: k, state: {..30: valid, 31..: valid}}
  - lock: {expect: {23..35: ok}}
YAML
expect_status 0 "$kssim" run both.yaml
has_line out "# both.yaml @ api_level 34: expectations per release (seed 1)"
has_line out "1 passed, 0 failed"
expect_status 0 "$kssim" run --api-level 35,23,31 both.yaml
grep '^# ' out | sed 's/:.*//' >levels
printf '# both.yaml @ api_level 35\n# both.yaml @ api_level 23\n# both.yaml @ api_level 31\n' | cmp -s - levels ||
    fail "--api-level 35,23,31 did not run 35, 23, 31 in that order: $(cat levels)"
has_line out "3 expect_key alias=k state=valid -> valid"
has_line out "3 passed, 0 failed"
expect_status 0 "$kssim" run --api-level=29..31 both.yaml
has_line out "3 passed, 0 failed"
expect_status 0 "$kssim" run --api-level ..24 both.yaml
has_line out "2 passed, 0 failed"
expect_status 0 "$kssim" run --api-level 33.. both.yaml
has_line out "3 passed, 0 failed"

# expect_key's state per release: the entry of the level run is judged, and shown.
cat >state.yaml <<'YAML'
name: a state written per release
device: {api_level: [30, 34]}
steps:
  - generate_key: {alias: k, algorithm: ec, purposes: [sign]}
  - expect_key: {alias: k, state: {..30: invalidated, 31..: valid}}
YAML
expect_status 1 "$kssim" run state.yaml
has_line out "2 expect_key alias=k state=invalidated -> valid   <-- expected invalidated"
has_line out "2 expect_key alias=k state=valid -> valid"
has_line out "1 passed, 1 failed"

# ---- Every format names the level of each run; the summary counts runs ----
expect_status 0 "$kssim" run --format tap "$legacy" both.yaml
has_line out "1..3"
has_line out "ok 1 - $legacy @ api_level 30: A new fingerprint kills biometric-bound keys - Android 11 says so for timeout keys too, Android 12+ does not (seed 1)"
has_line out "ok 3 - both.yaml @ api_level 34: expectations per release (seed 1)"
has_line out "# 3 passed, 0 failed"
expect_status 0 "$kssim" run --format junit --api-level 30,34 both.yaml
[ "$(grep -c '<testsuite name="both.yaml @ api_level 3[04]"' out)" -eq 2 ] || fail "JUnit: not one suite per level"
grep -qF '<property name="api_level" value="30"/>' out || fail "JUnit: no api_level property"
grep -qF '<testcase classname="both.yaml @ api_level 34" name="4 lock"/>' out || fail "JUnit: testcase not named by level"
has_line out "<!-- 2 passed, 0 failed -->"

# Same input, same bytes.
"$kssim" run --api-level 30,34 "$legacy" both.yaml >again.1 2>/dev/null
"$kssim" run --api-level 30,34 "$legacy" both.yaml >again.2 2>/dev/null
cmp -s again.1 again.2 || fail "two multi-level runs differ"

# ---- A level that no entry covers: an error naming the level, before anything runs ----
cat >gap.yaml <<'YAML'
name: a gap
steps:
  - lock: {expect: {..30: ok, 34: ok}}
YAML
expect_status 0 "$kssim" run gap.yaml
expect_status 2 "$kssim" run --api-level 30,31 gap.yaml
[ -s out ] && fail "a run with an uncovered level ran something"
grep -qF "gap.yaml:3:21: 'expect' has no entry for API level 31, which this run covers (levels run: 30, 31)" err ||
    fail "uncovered level: message; got: $(cat err)"
expect_status 2 "$kssim" run --api-level 30,31 gap.yaml both.yaml
[ -s out ] && fail "a valid file ran although another misses a level"

# ---- Levels kssim does not model are refused everywhere ----
for bad in 22 36 99 0 abc 30,,34 34..30 30,30 '' 0x1e 30..40; do
    expect_status 2 "$kssim" run --api-level "$bad" both.yaml
    [ -s out ] && fail "--api-level '$bad' ran something"
    grep -q -- "--api-level: " err || fail "--api-level '$bad': no message naming the option"
done
expect_status 2 "$kssim" run --api-level 36 both.yaml
grep -qF "API level 36 is not a release kssim models; supported: 23 to 35 (Android 6.0 to Android 15)" err ||
    fail "--api-level 36: message; got: $(cat err)"
expect_status 2 "$kssim" run --api-level 30,30 both.yaml
grep -qF "API level 30 is named twice" err || fail "--api-level 30,30: message; got: $(cat err)"
expect_status 2 "$kssim" run both.yaml --api-level
grep -qF -- "--api-level needs a value" err || fail "--api-level without a value: message"

cat >beyond.yaml <<'YAML'
name: beyond
device: {api_level: [34, 36]}
steps:
  - lock: {}
YAML
expect_status 2 "$kssim" run beyond.yaml
grep -qF "beyond.yaml:2:26: 'api_level': API level 36 is not a release kssim models; supported: 23 to 35" err ||
    fail "a file's level 36: message; got: $(cat err)"

export KSSIM_DEVICE="$work/device"
expect_status 2 "$kssim" init --api-level 36
grep -qF "API level 36 is not a release kssim models; supported: 23 to 35" err || fail "kssim init --api-level 36: message"
expect_status 0 "$kssim" init --api-level 35
expect_status 0 "$kssim" init --force --api-level 23

# --help says how levels and directories are handled.
expect_status 0 "$kssim" run --help
grep -qF -- "--api-level LEVELS" out || fail "--help does not describe --api-level"
grep -qF "searched recursively" out || fail "--help does not say directories are searched recursively"

report_failures run_api_levels
