#!/usr/bin/env bash
# provider_ecdh.sh BUILD_DIR SOURCE_DIR - ECDH on the device (`pkeyutl -derive`) for EC keys made with the
# agree_key purpose: the secret equals what the default provider alone derives on the peer's side, by
# URI and by key-reference file, with either provider loaded first; a per-operation agreement key
# answered by the armed prompt; and the refusals (a signing key, a peer on another curve, a KDF, a
# per-operation key without the prompt).
source "$2/test/provider/provider_common.bash" "$@"
cd "$work" || exit 1
setup_phone

ok "genpkey an ECDH key" genkey agree.pem -algorithm EC -pkeyopt group:P-256 -pkeyopt alias:agree \
    -pkeyopt purposes:agree_key
ok "genpkey a P-384 ECDH key" genkey agree384.pem -algorithm EC -pkeyopt group:P-384 -pkeyopt alias:agree384 \
    -pkeyopt purposes:agree_key
ok "genpkey a signing key" genkey sign.pem -algorithm EC -pkeyopt group:P-256 -pkeyopt alias:sign
ok "genpkey a per-operation ECDH key" genkey perop.pem -algorithm EC -pkeyopt alias:perop \
    -pkeyopt purposes:agree_key -pkeyopt user-auth:biometric_strong -pkeyopt auth-timeout:0
ok "public half" openssl pkey "${PROV[@]}" -in agree.pem -pubout -out agree.pub
ok "a software peer (default provider)" openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out peer.pem
ok "its public half" openssl pkey -in peer.pem -pubout -out peer.pub
ok "a P-384 software peer" openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out peer384.pem
ok "its public half" openssl pkey -in peer384.pem -pubout -out peer384.pub

ok "the device derives by URI" openssl pkeyutl "${PROV[@]}" -derive -inkey keystore:agree -peerkey peer.pub \
    -out device.secret
ok "the peer derives with the default provider alone" openssl pkeyutl -derive -inkey peer.pem -peerkey agree.pub \
    -out peer.secret
same_file "both sides hold the same secret" device.secret peer.secret
ok "the device derives by key-reference file" openssl pkeyutl "${PROV[@]}" -derive -inkey agree.pem \
    -peerkey peer.pub -out file.secret
same_file "the same secret by file" device.secret file.secret
ok "with the default provider loaded first" openssl pkeyutl -provider-path "$build" -provider default \
    -provider keystore -derive -inkey keystore:agree -peerkey peer.pub -out default-first.secret
same_file "the same secret with default first" device.secret default-first.secret
ok "P-384 on the device" openssl pkeyutl "${PROV[@]}" -derive -inkey keystore:agree384 -peerkey peer384.pub \
    -out device384.secret
checks=$((checks + 1))
if [ "$(stat -c %s device384.secret)" -eq 48 ]; then echo "ok - a P-384 secret is 48 bytes"; else
    fail "a P-384 secret is $(stat -c %s device384.secret) bytes"
fi

refused INCOMPATIBLE_PURPOSE "a signing key does not agree" \
    openssl pkeyutl "${PROV[@]}" -derive -inkey keystore:sign -peerkey peer.pub
refused KEY_USER_NOT_AUTHENTICATED "a per-operation key without the prompt" \
    openssl pkeyutl "${PROV[@]}" -derive -inkey keystore:perop -peerkey peer.pub
ok "arm the prompt for one operation" "$kssim" prompt --respond biometric:1 --count 1
ok "a per-operation key with the prompt" openssl pkeyutl "${PROV[@]}" -derive -inkey keystore:perop \
    -peerkey peer.pub -out perop.secret
refused UNSUPPORTED_PARAMETER "a KDF: the device gives the raw secret" \
    openssl pkeyutl "${PROV[@]}" -derive -inkey keystore:agree -peerkey peer.pub -pkeyopt kdf-type:X963KDF
# libcrypto checks the peer's curve against ours before the device sees it (EVP_PKEY_derive_set_peer);
# the device's own INVALID_ARGUMENT for a foreign curve is covered by scenarios/ecdh-key-agreement.yaml.
checks=$((checks + 1))
if openssl pkeyutl "${PROV[@]}" -derive -inkey keystore:agree -peerkey peer384.pub >"$work/out" 2>"$work/err"; then
    fail "a P-384 peer for a P-256 key was accepted"
else
    echo "ok - a P-384 peer for a P-256 key is refused"
fi
finish
