#!/usr/bin/env bash
# provider_x509.sh BUILD_DIR SOURCE_DIR - certificates and CMS with keys on the device: req -new and
# req -x509, x509 -req with -CAkey keystore:..., cms -sign checked by cms -verify, each result checked
# by the default provider alone; EC, RSA (PKCS#1 v1.5 and PSS) and Ed25519 signers.
source "$2/test/provider/provider_common.bash" "$@"
cd "$work" || exit 1
setup_phone

ok "genpkey the CA key (EC P-384)" genkey ca.pem -algorithm EC -pkeyopt group:P-384 -pkeyopt alias:ca
ok "genpkey a server key (RSA 2048)" genkey server.pem -algorithm RSA -pkeyopt bits:2048 -pkeyopt alias:server
ok "genpkey a signer key (Ed25519)" genkey ed.pem -algorithm ED25519 -pkeyopt alias:ed

ok "req -x509: a self-signed CA" openssl req "${PROV[@]}" -new -x509 -key ca.pem -subj "/CN=kssim test CA" -days 30 \
    -addext basicConstraints=critical,CA:TRUE -out ca.crt
ok "the default provider verifies the CA" openssl verify -CAfile ca.crt ca.crt
ok "the CA certificate holds the device's public key" sh -c "openssl x509 -in ca.crt -pubkey -noout > ca.cert.pub"
ok "kssim export-public ca" sh -c "'$kssim' export-public ca > ca.device.pub"
same_file "certificate key = device key" ca.cert.pub ca.device.pub

ok "req -new with keystore:server" openssl req "${PROV[@]}" -new -key keystore:server -subj "/CN=localhost" \
    -out server.csr
ok "the request's self-signature verifies" openssl req -in server.csr -noout -verify
ok "x509 -req signed with -CAkey keystore:ca" openssl x509 "${PROV[@]}" -req -in server.csr -CA ca.crt \
    -CAkey keystore:ca -CAcreateserial -days 30 -out server.crt
ok "the default provider verifies the chain" openssl verify -CAfile ca.crt server.crt
ok "req -new with RSA-PSS signing" openssl req "${PROV[@]}" -new -key server.pem -subj "/CN=pss" \
    -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest -out pss.csr
ok "the PSS request verifies" openssl req -in pss.csr -noout -verify
grep -q "rsassaPss" <(openssl req -in pss.csr -noout -text) || fail "pss.csr is not signed with RSASSA-PSS"
ok "req -x509 with Ed25519" openssl req "${PROV[@]}" -new -x509 -key ed.pem -subj "/CN=ed" -days 1 -out ed.crt
ok "the Ed25519 certificate verifies" openssl verify -CAfile ed.crt ed.crt

printf 'signed content\n' >content.txt
ok "cms -sign with the CA key" openssl cms "${PROV[@]}" -sign -in content.txt -signer ca.crt -inkey ca.pem -md sha384 \
    -nodetach -binary -outform PEM -out signed.pem
ok "cms -verify (default provider)" openssl cms -verify -in signed.pem -inform PEM -binary -CAfile ca.crt -out verified.txt
same_file "the verified content" content.txt verified.txt
ok "cms -sign with keystore:server, detached" openssl cms "${PROV[@]}" -sign -in content.txt -signer server.crt \
    -inkey keystore:server -certfile ca.crt -outform DER -out detached.der
ok "cms -verify the detached signature" openssl cms -verify -in detached.der -inform DER -content content.txt \
    -CAfile ca.crt -out /dev/null
printf 'other content\n' >other.txt
checks=$((checks + 1))
if openssl cms -verify -in detached.der -inform DER -content other.txt -CAfile ca.crt -out /dev/null 2>/dev/null; then
    fail "a detached signature verified other content"
else
    echo "ok - other content does not verify"
fi

# Refusals reach the certificate tools too.
ok "a CA key that needs a fingerprint" genkey guarded.pem -algorithm EC -pkeyopt alias:guarded \
    -pkeyopt user-auth:biometric_strong -pkeyopt auth-timeout:60
refused KEY_USER_NOT_AUTHENTICATED "req -x509 before the fingerprint" \
    openssl req "${PROV[@]}" -new -x509 -key guarded.pem -subj "/CN=guarded" -out guarded.crt
ok "the fingerprint" "$kssim" authenticate-biometric --id 1
ok "req -x509 after it" openssl req "${PROV[@]}" -new -x509 -key guarded.pem -subj "/CN=guarded" -out guarded.crt
finish
