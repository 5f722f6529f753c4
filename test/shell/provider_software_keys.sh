#!/usr/bin/env bash
# provider_software_keys.sh BUILD_DIR SOURCE_DIR - software keys keep working with keystore loaded first.
# libcrypto offers a default-provider key pair to the first provider's key manager; keystore declines
# it (keymgmt_core.c keystore_keymgmt_import), so the key's own provider signs. Checked for EC, RSA,
# RSA-PSS and Ed25519 PEM keys with pkeyutl -sign and req -new, and for a software CA signing a device
# key's request (x509 -req -CAkey ca.pem) next to a device CA doing the same.
source "$2/test/provider/provider_common.bash" "$@"
cd "$work" || exit 1
setup_phone
printf 'data signed by a software key\n' >data.txt

for type in EC RSA RSA-PSS ED25519; do
    case $type in
    EC) ok "a software $type key" openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$type.pem" ;;
    *) ok "a software $type key" openssl genpkey -algorithm "$type" -out "$type.pem" ;;
    esac
    ok "its public half" openssl pkey -in "$type.pem" -pubout -out "$type.pub"
    digest=(-digest sha256)
    [ "$type" = ED25519 ] && digest=()
    ok "pkeyutl -sign with the software $type key, keystore first" openssl pkeyutl "${PROV[@]}" -sign \
        -inkey "$type.pem" -rawin -in data.txt "${digest[@]}" -out "$type.sig"
    ok "the default provider alone verifies it" openssl pkeyutl -verify -pubin -inkey "$type.pub" -rawin \
        -in data.txt "${digest[@]}" -sigfile "$type.sig"
    ok "req -new with the software $type key, keystore first" openssl req "${PROV[@]}" -new -key "$type.pem" \
        -subj "/CN=software $type" -out "$type.csr"
    ok "its self-signature verifies" openssl req -in "$type.csr" -verify -noout
done

ok "a device key" genkey device.pem -algorithm EC -pkeyopt alias:device
ok "its request" openssl req "${PROV[@]}" -new -key keystore:device -subj "/CN=device" -out device.csr
ok "a software CA certificate" openssl req "${PROV[@]}" -new -x509 -key EC.pem -subj "/CN=software CA" -days 3 \
    -out ca.crt
ok "the software CA signs the device key's request" openssl x509 "${PROV[@]}" -req -in device.csr -CA ca.crt \
    -CAkey EC.pem -CAcreateserial -days 3 -out device.crt
ok "the default provider alone verifies the chain" openssl verify -CAfile ca.crt device.crt
finish
