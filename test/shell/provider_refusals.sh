#!/usr/bin/env bash
# provider_refusals.sh BUILD_DIR SOURCE_DIR - what the device refuses, as the openssl CLI shows it:
# each case fails and its error output carries the result name (the reason) and the device's sentence.
# Not authenticated, an expired authentication window, a key invalidated by a new enrollment, a key
# used after a reboot before the first unlock, an unknown alias, a malformed URI, a locked device for
# an unlocked-device-required key, an exhausted usage count, and a key reference to a deleted key.
source "$2/test/provider/provider_common.bash" "$@"
cd "$work" || exit 1
setup_phone
printf 'data\n' >data.txt

ok "a key needing a fingerprint within 30 s" genkey login.pem -algorithm EC -pkeyopt alias:login \
    -pkeyopt user-auth:biometric_strong -pkeyopt auth-timeout:30
refused KEY_USER_NOT_AUTHENTICATED "no authentication yet" sign_data login.pem
grep -q "authenticate" "$work/err" || fail "the sentence does not say what would help: $(cat "$work/err")"
grep -qF "an app sees android.security.keystore.UserNotAuthenticatedException from Signature.initSign on API level" \
    "$work/err" || fail "the refusal does not name what an app sees: $(cat "$work/err")"
ok "the user touches the sensor" "$kssim" authenticate-biometric --id 1
ok "within the window it signs" sign_data login.pem
ok "29 seconds later" "$kssim" advance 29s
ok "still within the window" sign_data keystore:login
ok "2 more seconds" "$kssim" advance 2s
refused KEY_USER_NOT_AUTHENTICATED "the window has expired" sign_data login.pem

ok "reboot" "$kssim" reboot
ok "the user authenticates after the reboot" "$kssim" authenticate-biometric --id 1
refused LOCKED "after a reboot, before the first unlock" sign_data login.pem
ok "the first unlock" "$kssim" unlock --secret 1234
ok "a fresh fingerprint" "$kssim" authenticate-biometric --id 1
ok "it signs again" sign_data login.pem

ok "a per-operation fingerprint key" genkey perop.pem -algorithm EC -pkeyopt alias:perop \
    -pkeyopt user-auth:biometric_strong -pkeyopt auth-timeout:0
ok "a new fingerprint is enrolled" "$kssim" enroll-biometric --id 2
refused KEY_PERMANENTLY_INVALIDATED "the enrollment invalidated the per-operation key" sign_data perop.pem

ok "an unlocked-device-required key" genkey unlocked.pem -algorithm EC -pkeyopt alias:unlocked \
    -pkeyopt unlocked-device-required:yes
ok "lock the screen" "$kssim" lock
refused DEVICE_LOCKED "the screen is locked" sign_data unlocked.pem
ok "unlock" "$kssim" unlock --secret 1234
ok "unlocked, it signs" sign_data unlocked.pem

ok "a key with one use" genkey once.pem -algorithm EC -pkeyopt alias:once -pkeyopt usage-count-limit:1
ok "its one use" sign_data once.pem
refused KEY_PERMANENTLY_INVALIDATED "no use left" sign_data keystore:once

ok "a key with two uses per boot" genkey twice.pem -algorithm EC -pkeyopt alias:twice -pkeyopt max-uses-per-boot:2
ok "first use" sign_data twice.pem
ok "second use" sign_data twice.pem
refused KEY_MAX_OPS_EXCEEDED "third use in this boot" sign_data twice.pem

refused KEY_NOT_FOUND "an unknown alias" sign_data keystore:nosuchkey
refused INVALID_ARGUMENT "a URI without an alias" sign_data keystore:
refused INVALID_ARGUMENT "a URI with a path" sign_data keystore:a/b
ok "delete a key" "$kssim" delete-key unlocked
refused KEY_NOT_FOUND "a reference to a deleted key" sign_data unlocked.pem

ok "remove the lock screen" "$kssim" remove-credential --old 1234
refused KEY_PERMANENTLY_INVALIDATED "removing the lock screen invalidated auth-bound keys" sign_data login.pem
finish
