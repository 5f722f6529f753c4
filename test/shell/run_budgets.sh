#!/usr/bin/env bash
# run_budgets.sh BUILD_DIR SOURCE_DIR - `kssim run`'s budgets (issue 18, item 13): --max-steps and
# --max-virtual-time per scenario, --timeout (real time) per run. A scenario that would exceed one stops
# before that step with a line naming the budget and how to raise it, in the transcript and on stderr;
# the run exits 3. Within its budgets a run prints exactly what it prints without them.
set -u
build=${1:?usage: run_budgets.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=lib/shell_test.sh
source "$(dirname "$0")/lib/shell_test.sh"
cd "$work" || exit 1

cat >far.yaml <<'YAML'
name: a month and a day
steps:
  - advance: 1d
  - advance: 30d
  - lock: {}
YAML
cat >slow.yaml <<'YAML'
name: RSA keys take real time
steps:
  - generate_key: {alias: a, algorithm: rsa, size: 4096}
  - generate_key: {alias: b, algorithm: rsa, size: 4096}
  - lock: {}
YAML

expect_status 0 "$kssim" run far.yaml
cp out unbudgeted

# Within every budget: the same transcript, byte for byte.
expect_status 0 "$kssim" run far.yaml --max-steps 3 --max-virtual-time 31d --timeout 1h
cmp -s out unbudgeted || fail "a run within its budgets printed something else: $(cat out)"
[ -s err ] && fail "a run within its budgets wrote to stderr: $(cat err)"

# --max-steps: per scenario; each scenario stops before its step N+1, and the next one still runs.
expect_status 3 "$kssim" run far.yaml slow.yaml --max-steps 1
has_line out "# stopped before step 2: a scenario may execute 1 steps (--max-steps 1); raise --max-steps to run it to its end"
has_line out "1 generate_key alias=a algorithm=rsa size=4096 -> ok (0)"
has_line out "0 passed, 2 failed"
grep -q '^2 ' out && fail "--max-steps 1: a second step ran"
has_line err "kssim run: far.yaml @ api_level 34: stopped before step 2: a scenario may execute 1 steps (--max-steps 1); raise --max-steps to run it to its end"
has_line err "kssim run: slow.yaml @ api_level 34: stopped before step 2: a scenario may execute 1 steps (--max-steps 1); raise --max-steps to run it to its end"

# --max-virtual-time: the advance that would go beyond it does not run.
expect_status 3 "$kssim" run far.yaml --max-virtual-time 30d
has_line out "1 advance 1d -> ok (0)"
has_line out "# stopped before step 2: advance 30d would bring this scenario's virtual time to 31d, beyond its budget (--max-virtual-time 30d); raise --max-virtual-time to run it to its end"
grep -q '^2 advance' out && fail "--max-virtual-time 30d: the advance beyond it ran"
expect_status 0 "$kssim" run far.yaml --max-virtual-time 31d
# A huge advance is stopped before the device sees it.
printf 'name: ages\nsteps:\n  - advance: 100000000d\n' >ages.yaml
expect_status 3 "$kssim" run ages.yaml --max-virtual-time 1d
has_line err "kssim run: ages.yaml @ api_level 34: stopped before step 1: advance 100000000d would bring this scenario's virtual time to 100000000d, beyond its budget (--max-virtual-time 1d); raise --max-virtual-time to run it to its end"

# --timeout: real time for the whole run. A 4096-bit RSA key takes far longer than 1 ms, so the run
# stops before slow.yaml's second step (or its first, on a loaded machine) and far.yaml does not run.
expect_status 3 "$kssim" run slow.yaml far.yaml --timeout 1ms
grep -qF "the run took its whole real-time budget (--timeout 1ms); raise --timeout, or run fewer scenarios at once" out ||
    fail "--timeout 1ms: no stop line in the transcript: $(cat out)"
has_line out "# not run: the run took its whole real-time budget (--timeout 1ms) before this scenario; raise --timeout"
has_line out "0 passed, 2 failed"
grep -q '^3 lock' out && fail "--timeout 1ms: slow.yaml ran to its end"
has_line err "kssim run: 1 scenario not run: the run took its whole real-time budget (--timeout)"
grep -qF "kssim run: slow.yaml @ api_level 34: stopped before step" err || fail "--timeout 1ms: no stop line on stderr: $(cat err)"
# TAP still reports every test point it announced.
expect_status 3 "$kssim" run --format tap slow.yaml far.yaml --timeout 1ms
has_line out "1..2"
has_line out "not ok 2 - far.yaml @ api_level 34: a month and a day (seed 1)"
expect_status 3 "$kssim" run --format junit slow.yaml far.yaml --timeout 1ms
grep -q "not run: the run took its whole real-time budget" out || fail "JUnit: the scenario not run is not reported"

# An invalid file is still status 2, before any budget matters.
printf 'name: bad\nsteps: [{nope: {}}]\n' >bad.yaml
expect_status 2 "$kssim" run bad.yaml far.yaml --max-steps 1

# Usage errors.
expect_status 2 "$kssim" run far.yaml --max-steps 0
has_line err "kssim run: --max-steps: a budget of 0 would run nothing; give 1 or more, or leave --max-steps out for none"
expect_status 2 "$kssim" run far.yaml --timeout 0s
grep -qF -- "--timeout: a budget of 0 would run nothing; give 1ms or more" err || fail "--timeout 0s: $(cat err)"
expect_status 2 "$kssim" run far.yaml --timeout 5
grep -qF -- "--timeout: '5' has no unit" err || fail "--timeout 5: $(cat err)"
expect_status 2 "$kssim" run far.yaml --max-virtual-time=forever
grep -qF -- "--max-virtual-time: 'forever' does not start with a number" err || fail "--max-virtual-time=forever: $(cat err)"
expect_status 2 "$kssim" run far.yaml --max-steps
grep -qF -- "--max-steps needs a value" err || fail "--max-steps without a value: $(cat err)"

# After a restore_snapshot the clocks are the snapshot's: the parser stops following them (issue 18 round two).
# A restore that brings back an early boot clock leaves room for an advance the linear count would refuse...
cat >restored_early.yaml <<'YAML'
name: a restore brings back an early boot clock
steps:
  - snapshot: {as: early}
  - advance: 100000000000d
  - restore_snapshot: {from: early}
  - advance: 6751991168d
  - lock: {}
YAML
expect_status 0 "$kssim" run restored_early.yaml
has_line out "4 advance 6751991168d -> ok (0)"
# ...and one that brings back a late wall clock gets the run-time check's refusal, in the device's words.
cat >restored_late.yaml <<'YAML'
name: a restore brings back a late wall clock
steps:
  - set_wall_clock: "9999-12-31T00:00:00Z"
  - snapshot: {as: late}
  - set_wall_clock: "1970-01-01T00:00:00Z"
  - restore_snapshot: {from: late}
  - advance: 106750000000d
    expect: INVALID_ARGUMENT
YAML
expect_status 0 "$kssim" run restored_late.yaml
has_line out "5 advance 106750000000d -> INVALID_ARGUMENT (-38)"

# The help names the budgets and the exit status.
expect_status 0 "$kssim" run --help
for word in "--max-steps N" "--timeout DURATION" "--max-virtual-time DURATION" "3 a budget stopped a scenario"; do
    grep -qF -- "$word" out || fail "kssim run --help does not mention '$word'"
done

report_failures run_budgets
