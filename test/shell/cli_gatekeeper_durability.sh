#!/usr/bin/env bash
# cli_gatekeeper_durability.sh BUILD_DIR SOURCE_DIR - no PIN oracle when the device cannot record an
# attempt. Gatekeeper counts every attempt on disk before it compares the credential (system/gatekeeper
# gatekeeper.cpp GateKeeper::Verify: IncrementFailureRecord writes the failure record before DoVerify,
# and a failed write answers ERROR_UNKNOWN without comparing). With the device's log unable to grow
# (`ulimit -f` at its size), a wrong and a right credential must give the same DEVICE_UNAVAILABLE and
# the same exit status, for every command that checks one; with the limit lifted, no attempt was
# answered and none is counted.
set -u
build=${1:?usage: cli_gatekeeper_durability.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=lib/cli_test.sh
source "$(dirname "$0")/lib/cli_test.sh"

failed_attempts() {
    "$kssim" status --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["failed_attempts"])'
}

# with_full_log NAME ARGS...: runs kssim ARGS with the device's log unable to grow; the exit status in
# $work/NAME.status, stdout and stderr in $work/NAME.out and $work/NAME.err.
with_full_log() {
    local name=$1 size
    shift
    size=$(stat -c %s "$KSSIM_DEVICE/device.sqlite3-wal")
    (
        trap '' XFSZ
        ulimit -f $((size / 1024))
        "$kssim" "$@" >"$work/$name.out" 2>"$work/$name.err"
        echo $? >"$work/$name.status"
    )
}

# same_answer WHAT WRONG_ARGS -- RIGHT_ARGS: the wrong and the right credential, each with a full log,
# give one and the same refusal, DEVICE_UNAVAILABLE, and count nothing.
same_answer() {
    local what=$1 wrong=() right=()
    shift
    while [ "$1" != -- ]; do
        wrong+=("$1")
        shift
    done
    shift
    right=("$@")
    with_full_log wrong "${wrong[@]}"
    with_full_log right "${right[@]}"
    [ "$(cat "$work/wrong.status")" = 1 ] || fail "$what, wrong secret, full log: exit $(cat "$work/wrong.status"), expected 1"
    [ "$(cat "$work/right.status")" = 1 ] || fail "$what, right secret, full log: exit $(cat "$work/right.status"), expected 1"
    cmp -s "$work/wrong.err" "$work/right.err" ||
        fail "$what tells a wrong secret from the right one with a full log: '$(cat "$work/wrong.err")' vs '$(cat "$work/right.err")'"
    grep -Eq '^kssim: DEVICE_UNAVAILABLE \(1101\): .+' "$work/wrong.err" ||
        fail "$what, full log: not DEVICE_UNAVAILABLE: $(cat "$work/wrong.err")"
    grep -Eq 'WRONG_CREDENTIAL|RETRY_TIMEOUT|wrong PIN' "$work/wrong.err" &&
        fail "$what, full log: the wrong secret was answered: $(cat "$work/wrong.err")"
    [ -s "$work/wrong.out" ] || [ -s "$work/right.out" ] && fail "$what, full log: printed on stdout"
    local count
    count=$(failed_attempts)
    [ "$count" = 0 ] || fail "$what, full log: $count failed attempts on the device, expected 0 (nothing was answered)"
}

ok init --seed 5
ok set-credential --type pin --secret 1234

same_answer verify-credential verify-credential --secret 0000 -- verify-credential --secret 1234
same_answer unlock unlock --secret 0000 -- unlock --secret 1234
same_answer "prompt --respond credential:" prompt --respond credential:0000 -- prompt --respond credential:1234
same_answer "change-credential --old" change-credential --old 0000 --new 5678 -- change-credential --old 1234 --new 5678
same_answer "remove-credential --old" remove-credential --old 0000 -- remove-credential --old 1234

# Nothing changed meanwhile: the PIN is still 1234, the prompt unarmed, and the schedule is the usual one.
ok status
grep -Eq '^prompt *unarmed' "$work/out" || fail "a prompt was armed by an attempt that was not checked: $(cat "$work/out")"
for _ in 1 2 3 4; do
    refused WRONG_CREDENTIAL 1001 verify-credential --secret 0000
done
refused RETRY_TIMEOUT 1002 verify-credential --secret 0000
[ "$(failed_attempts)" = 5 ] || fail "five wrong PINs are $(failed_attempts) failed attempts"
ok advance 31s
ok verify-credential --secret 1234
[ "$(failed_attempts)" = 0 ] || fail "the right PIN left $(failed_attempts) failed attempts"

# Processes guessing at once each record their attempt (a commit inside the command) and lose none of
# the others': the count reaches the 5th failure's wait and stops there, whatever the order.
for _ in 1 2 3 4 5 6 7 8; do
    "$kssim" verify-credential --secret 0000 >/dev/null 2>&1 &
done
wait
[ "$(failed_attempts)" = 5 ] || fail "eight concurrent wrong PINs left $(failed_attempts) failed attempts, expected 5"
ok check

[ "$failures" -eq 0 ] || {
    echo "$failures failure(s)"
    exit 1
}
echo "cli_gatekeeper_durability: ok"
