#!/usr/bin/env bash
# cli_faults.sh BUILD_DIR SOURCE_DIR - `kssim inject-fault` (docs/faults.md): each fault is stored with the
# device, so the next kssim processes meet it: keystore unavailable for N binder calls (Android 12+ retries a
# service call once), a failing StrongBox, a delayed token, blobs that need an upgrade or no longer decrypt,
# a wall clock jump; and bad command lines are usage errors.
set -u
build=${1:?usage: cli_faults.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=lib/cli_test.sh
source "$(dirname "$0")/lib/cli_test.sh"

# ---- keystore unavailable, across processes ----
ok init --seed 3
ok generate-key k
ok inject-fault keystore_unavailable --calls 2
ok status
grep -q '^fault  *keystore_unavailable: 2 binder calls left$' "$work/out" || fail "status does not show the fault: $(cat "$work/out")"
ok status --json
grep -q '"keystore_unavailable_calls": 2' "$work/out" || fail "status --json does not show the fault: $(cat "$work/out")"
# getKeyEntry and the framework's retry both meet the dead binder.
refused SYSTEM_ERROR 4 sign k --data x
grep -q 'DeadObjectException' "$work/err" || fail "the refusal does not name DeadObjectException: $(cat "$work/err")"
expect 0 sign k --data x
ok status
grep -q '^fault' "$work/out" && fail "status still shows a spent fault: $(cat "$work/out")"

# ---- Android 11: no retry ----
ok init --force --seed 3 --api-level 30
ok generate-key k
ok inject-fault keystore_unavailable --calls 1
refused SYSTEM_ERROR 4 sign k --data x
expect 0 sign k --data x

# ---- StrongBox present but failing ----
ok init --force --seed 3 --security-level strongbox
ok inject-fault strongbox_failing --calls 1
refused HARDWARE_TYPE_UNAVAILABLE -68 generate-key sb --security-level strongbox
ok generate-key sb --security-level strongbox
ok init --force --seed 3
refused INVALID_ARGUMENT -38 inject-fault strongbox_failing

# ---- a delayed token ----
ok init --force --seed 3
ok set-credential --type pin --secret 1234
ok generate-key timed --timeout 30 --auth device_credential
ok inject-fault token_delayed --delay 2s
ok verify-credential --secret 1234
refused KEY_USER_NOT_AUTHENTICATED -26 sign timed --data x
ok advance 2s
expect 0 sign timed --data x

# ---- blobs ----
ok generate-key plain
ok inject-fault key_blob_requires_upgrade
expect 0 sign plain --data x
ok inject-fault key_blob_undecryptable --alias plain
refused INVALID_KEY_BLOB -33 sign plain --data x
refused KEY_NOT_FOUND 7 inject-fault key_blob_undecryptable --alias missing

# ---- the wall clock ----
ok generate-key dated --origination-expire 2026-06-01T00:00:00Z
expect 0 sign dated --data x
ok inject-fault wall_clock_jump --by 200d
refused KEY_EXPIRED -25 sign dated --data x
ok inject-fault wall_clock_jump --by 200d --direction backward
expect 0 sign dated --data x

# ---- usage errors ----
expect 2 inject-fault no_such_fault
expect 2 inject-fault wall_clock_jump --by sideways
refused INVALID_ARGUMENT -38 inject-fault keystore_unavailable
refused INVALID_ARGUMENT -38 inject-fault token_delayed

[ "$failures" -eq 0 ] || {
    echo "$failures failure(s)"
    exit 1
}
echo "cli_faults: ok"
