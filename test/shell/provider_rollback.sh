#!/usr/bin/env bash
# provider_rollback.sh BUILD_DIR SOURCE_DIR - genpkey -pkeyopt rollback-resistant:yes makes a
# Tag::ROLLBACK_RESISTANCE key (docs/device.md, "Rollback"), which signs through the provider until the
# device directory is restored from a copy, and then refuses with INVALID_KEY_BLOB while an ordinary key
# goes on signing; a value other than yes or no is refused.
source "$2/test/provider/provider_common.bash" "$@"
cd "$work" || exit 1
setup_phone
printf 'payload' >data

ok "genpkey with rollback-resistant:yes" genkey guarded.pem -algorithm EC -pkeyopt alias:guarded \
    -pkeyopt rollback-resistant:yes
ok "genpkey with rollback-resistant:no" genkey plain.pem -algorithm EC -pkeyopt alias:plain \
    -pkeyopt rollback-resistant:no
ok "kssim keys" "$kssim" keys
grep "^guarded " "$work/out" | grep -q "rollback-resistant" || fail "guarded is not rollback-resistant: $(cat "$work/out")"
grep "^plain " "$work/out" | grep -q "rollback-resistant" && fail "plain is rollback-resistant"
ok "the rollback-resistant key signs" openssl pkeyutl "${PROV[@]}" -sign -inkey keystore:guarded -in data -out sig

cp -a "$KSSIM_DEVICE" saved
# A use charged to a limited key moves the device's rollback-protected storage on.
ok "a single-use key" "$kssim" generate-key once --usage-count-limit 1
ok "its one use" "$kssim" sign once --data x
rm -rf "$KSSIM_DEVICE"
cp -a saved "$KSSIM_DEVICE"

refused INVALID_KEY_BLOB "the rollback-resistant key after the directory was restored" \
    openssl pkeyutl "${PROV[@]}" -sign -inkey keystore:guarded -in data -out sig
ok "an ordinary key still signs" openssl pkeyutl "${PROV[@]}" -sign -inkey keystore:plain -in data -out sig
refused UNSUPPORTED_PARAMETER "rollback-resistant:maybe" genkey maybe.pem -algorithm EC -pkeyopt alias:maybe \
    -pkeyopt rollback-resistant:maybe
finish
