#!/usr/bin/env bash
# provider_faults.sh BUILD_DIR SOURCE_DIR - injected faults (docs/faults.md) as the openssl CLI meets them
# through the provider: keystore unavailable (SYSTEM_ERROR with the DeadObjectException sentence, then the
# retry works), a failing StrongBox, a blob upgraded behind the app's back, an undecryptable blob.
source "$2/test/provider/provider_common.bash" "$@"
cd "$work" || exit 1
setup_phone
printf 'data\n' >data.txt

ok "a key" genkey k.pem -algorithm EC -pkeyopt alias:k
ok "it signs" sign_data keystore:k
ok "keystore dies for two binder calls" "$kssim" inject-fault keystore_unavailable --calls 2
refused SYSTEM_ERROR "keystore does not answer, nor the retry" sign_data keystore:k
grep -q "DeadObjectException" "$work/err" || fail "the sentence does not name DeadObjectException: $(cat "$work/err")"
ok "keystore is back" sign_data keystore:k

ok "an OS update: every blob needs an upgrade" "$kssim" inject-fault key_blob_requires_upgrade
ok "keystore2 upgrades the blob and the app signs" sign_data keystore:k
ok "the key's blob no longer decrypts" "$kssim" inject-fault key_blob_undecryptable --alias k
refused INVALID_KEY_BLOB "the key exists but is unusable" sign_data keystore:k

finish
