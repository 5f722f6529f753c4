#!/usr/bin/env bash
# cli_unlock.sh BUILD_DIR SOURCE_DIR - the ways to unlock from the command line: kssim unlock with the
# credential, --biometric ID or --trust-agent, and kssim lock --trust-agent, each a separate process,
# so the unlocked-device-required super-key state (what the lock wiped, the biometric copy) must travel
# in the stored device. Android 15 (api level 35) and 14 differ on weak unlocks.
set -u
build=${1:?usage: cli_unlock.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=lib/cli_test.sh
source "$(dirname "$0")/lib/cli_test.sh"

ok init --api-level 35 --force
ok set-credential --type pin --secret 1234
ok enroll-biometric --id 1
ok generate-key notes --unlocked-device-required
ok unlock --secret 1234
ok sign notes --data a
# A listed fingerprint restores the key; a face enrolled after the lock does not.
ok lock
refused DEVICE_LOCKED -72 sign notes --data b
refused NO_MATCH 1006 unlock --biometric 9
ok unlock --biometric 1
ok sign notes --data c
ok advance 20s
ok lock
ok enroll-biometric --id 2 --modality face
ok unlock --biometric 2
refused LOCKED 2 sign notes --data d
ok unlock --secret 1234
# A trust agent enabled at lock keeps the key on Android 15.
ok advance 20s
ok lock --trust-agent
ok unlock --trust-agent
ok sign notes --data e
# One way of unlocking at a time.
expect 2 unlock --secret 1234 --trust-agent
grep -q "one way of unlocking" "$work/err" || fail "two unlock methods: $(cat "$work/err")"
# After a reboot only the credential.
ok reboot
refused LOCKED 2 unlock --biometric 1

# Android 14: the trust agent does not keep it.
ok init --api-level 34 --force
ok set-credential --type pin --secret 1234
ok generate-key notes --unlocked-device-required
refused KEY_USER_NOT_AUTHENTICATED -26 sign notes --data f
ok unlock --secret 1234
ok lock --trust-agent
ok unlock --trust-agent
refused LOCKED 2 sign notes --data g

[ "$failures" -eq 0 ] || {
    echo "$failures failure(s)"
    exit 1
}
echo "cli_unlock: ok"
