#!/usr/bin/env bash
# cli_device.sh BUILD_DIR SOURCE_DIR - the device commands that are not about keys: init, status
# (table and --json), check, the credential, biometrics and time-and-power commands; each one's success,
# its refusals (exit 1, `kssim: RESULT (CODE): sentence` on stderr, nothing on stdout), and state that
# persists from one process to the next.
set -u
build=${1:?usage: cli_device.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=lib/cli_test.sh
source "$(dirname "$0")/lib/cli_test.sh"

# status_field KEY: the value of KEY in `kssim status --json` (nested keys with dots).
status_field() {
    "$kssim" status --json | python3 -c '
import json, sys
value = json.load(sys.stdin)
for part in sys.argv[1].split("."):
    value = value[part]
print(str(value).lower() if isinstance(value, bool) else value)' "$1"
}

# check_field KEY EXPECTED
check_field() {
    local actual
    actual=$(status_field "$1")
    [ "$actual" = "$2" ] || fail "status $1 is '$actual', expected '$2'"
}

# ---- init, status, check ----
ok init --seed 7 --api-level 30 --security-level strongbox --wall-clock 2030-05-01T12:00:00Z
[ -s "$work/out" ] && fail "init printed something: $(cat "$work/out")"
expect 2 init
grep -q "add --force" "$work/err" || fail "init on an existing device does not say to add --force"
ok status
for label in 'device' 'api level *30' 'security level *strongbox' 'clocks *virtual' 'credential *none' \
    'root SID *0x0000000000000000' 'biometrics *0 templates' 'lock state *unlocked' 'boot clock *0s' \
    'wall clock *2030-05-01T12:00:00Z' 'boot count' 'failed attempts *0' 'prompt *unarmed'; do
    grep -Eq "^$label" "$work/out" || fail "status has no line '$label': $(cat "$work/out")"
done
expect 0 status --json
python3 -m json.tool <"$work/out" >/dev/null || fail "status --json is not JSON: $(cat "$work/out")"
check_field api_level 30
check_field security_level strongbox
check_field clocks virtual
check_field wall_clock 2030-05-01T12:00:00Z
ok check
[ "$(cat "$work/out")" = ok ] || fail "check printed '$(cat "$work/out")', expected ok"
refused DEVICE_UNAVAILABLE 1101 check --device "$work/nothing"
[ -e "$work/nothing" ] && fail "check created the device it was asked about"

# The seed decides every random value: two devices with one seed draw the same root SID.
ok init --force --seed 7
ok set-credential --type pin --secret 1234
first_sid=$(status_field root_sid)
ok --device "$work/twin" init --seed 7
ok --device "$work/twin" set-credential --type pin --secret 1234
[ "$("$kssim" --device "$work/twin" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["root_sid"])')" = "$first_sid" ] ||
    fail "two devices with seed 7 drew different root SIDs"
grep -Eq '^0x[0-9a-f]{16}$' <<<"$first_sid" || fail "root SID '$first_sid' is not 0x and 16 hex digits"
ok init --force
check_field credential none
check_field api_level 34

# ---- credential ----
refused NO_CREDENTIAL 1003 verify-credential --secret 1234
ok set-credential --type pin --secret 1234
check_field credential pin
ok verify-credential --secret 1234 --challenge 0x10
[ -s "$work/out" ] && fail "verify-credential printed something"
ok verify-credential --secret 1234 --challenge 18446744073709551615
refused WRONG_CREDENTIAL 1001 verify-credential --secret 9999
check_field failed_attempts 1
refused WRONG_CREDENTIAL 1001 change-credential --old 9999 --new 5678
ok change-credential --old 1234 --new 5678
sid=$(status_field root_sid)
ok reset-credential --new 0000
[ "$(status_field root_sid)" != "$sid" ] || fail "reset-credential kept the root SID"
refused WRONG_CREDENTIAL 1001 remove-credential --old 5678
ok remove-credential --old 0000
check_field credential none

# Throttling counts failures across processes: the 5th failure starts a 30 s wait.
ok set-credential --type password --secret hunter2
for attempt in 1 2 3 4; do
    refused WRONG_CREDENTIAL 1001 verify-credential --secret wrong
done
refused RETRY_TIMEOUT 1002 verify-credential --secret wrong
refused RETRY_TIMEOUT 1002 verify-credential --secret hunter2
check_field failed_attempts 5
ok advance 30s
ok verify-credential --secret hunter2
check_field failed_attempts 0

# ---- biometrics ----
ok --device "$work/bare" init
refused NO_SECURE_LOCK_SCREEN 1004 --device "$work/bare" enroll-biometric --id 1
ok enroll-biometric --id 1
ok enroll-biometric --id 2 --modality face --class weak
check_field biometrics.templates 2
fingerprint_id=$(status_field biometrics.authenticator_ids.fingerprint)
[ "$fingerprint_id" != 0x0000000000000000 ] || fail "a strong enrollment left the fingerprint authenticator ID 0"
ok authenticate-biometric --id 1 --challenge 42
ok authenticate-biometric --id 2
refused NO_MATCH 1006 authenticate-biometric --id 9
ok remove-biometric --id 2
check_field biometrics.templates 1

# ---- time and power ----
ok advance 90s
check_field boot_clock_ms 120000
ok set-wall-clock 2027-06-01T00:00:00Z
check_field wall_clock 2027-06-01T00:00:00Z
check_field boot_clock_ms 120000
ok lock
check_field locked true
refused WRONG_CREDENTIAL 1001 unlock --secret nope
ok unlock --secret hunter2
check_field locked false
ok reboot
check_field boot_count 2
check_field boot_clock_ms 0
check_field locked true
check_field unlocked_since_boot false
expect 0 status
grep -q '^lock state *locked (not unlocked since boot)$' "$work/out" || fail "status does not show locked before first unlock"
ok unlock --secret hunter2
check_field unlocked_since_boot true
ok remove-credential --old hunter2
ok lock
ok unlock

# ---- many processes, one device: no update is lost ----
for i in 1 2 3 4 5 6 7 8; do
    "$kssim" advance 1s &
done
wait
check_field boot_clock_ms 8000

[ "$failures" -eq 0 ] || {
    echo "$failures failure(s)"
    exit 1
}
echo "cli_device: ok"
