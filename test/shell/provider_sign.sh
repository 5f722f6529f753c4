#!/usr/bin/env bash
# provider_sign.sh BUILD_DIR SOURCE_DIR - signing on the device through the provider, every signature
# checked by the default provider alone on the exported public key: pkeyutl -sign of a message (-rawin,
# digest-sign) and of a precomputed digest (plain sign), dgst -sign with several digests, RSA PKCS#1
# v1.5 and PSS, an RSA-PSS key, Ed25519; a per-operation key answered by the armed system prompt; and
# the provider's own verification.
source "$2/test/provider/provider_common.bash" "$@"
cd "$work" || exit 1
setup_phone
printf 'the message to sign\n' >data.txt
openssl dgst -sha256 -binary data.txt >data.sha256

ok "genpkey EC P-256" genkey ec.pem -algorithm EC -pkeyopt group:P-256 -pkeyopt alias:ec
ok "genpkey EC P-384" genkey p384.pem -algorithm EC -pkeyopt group:P-384 -pkeyopt alias:p384
ok "genpkey EC P-521" genkey p521.pem -algorithm EC -pkeyopt group:P-521 -pkeyopt alias:p521
ok "genpkey EC P-224 (a TEE must hold it: IKeyMintDevice.aidl)" genkey p224.pem -algorithm EC -pkeyopt group:P-224 \
    -pkeyopt alias:p224
ok "genpkey RSA 2048" genkey rsa.pem -algorithm RSA -pkeyopt bits:2048 -pkeyopt alias:rsa
ok "genpkey RSA 3072" genkey rsa3072.pem -algorithm RSA -pkeyopt bits:3072 -pkeyopt alias:rsa3072
ok "genpkey RSA-PSS" genkey pss.pem -algorithm RSA-PSS -pkeyopt bits:2048 -pkeyopt alias:pss
ok "genpkey ED25519" genkey ed.pem -algorithm ED25519 -pkeyopt alias:ed
for key in ec p224 p384 p521 rsa rsa3072 pss ed; do
    ok "public half of $key" openssl pkey "${PROV[@]}" -in "$key.pem" -pubout -out "$key.pub"
done

# Digest-sign of a message, verified by the default provider alone.
for key in ec p224 p384 p521 rsa rsa3072; do
    ok "pkeyutl -sign -rawin with $key" openssl pkeyutl "${PROV[@]}" -sign -inkey "$key.pem" -rawin -in data.txt \
        -digest sha256 -out "$key.rawin.sig"
    ok "default provider verifies $key's signature" openssl pkeyutl -verify -pubin -inkey "$key.pub" -rawin \
        -in data.txt -digest sha256 -sigfile "$key.rawin.sig"
done
ok "pkeyutl -sign with keystore:ec" openssl pkeyutl "${PROV[@]}" -sign -inkey keystore:ec -rawin -in data.txt \
    -digest sha256 -out uri.sig
ok "default provider verifies it" openssl pkeyutl -verify -pubin -inkey ec.pub -rawin -in data.txt -digest sha256 \
    -sigfile uri.sig
ok "Ed25519 signs the message" openssl pkeyutl "${PROV[@]}" -sign -inkey ed.pem -rawin -in data.txt -out ed.sig
ok "default provider verifies Ed25519" openssl pkeyutl -verify -pubin -inkey ed.pub -rawin -in data.txt -sigfile ed.sig

# Plain sign of a precomputed digest: the device signs it with digest none.
for key in ec p384 rsa; do
    ok "pkeyutl -sign of a SHA-256 digest with $key" openssl pkeyutl "${PROV[@]}" -sign -inkey "$key.pem" \
        -in data.sha256 -pkeyopt digest:sha256 -out "$key.plain.sig"
    ok "default provider verifies the $key digest signature" openssl pkeyutl -verify -pubin -inkey "$key.pub" \
        -in data.sha256 -pkeyopt digest:sha256 -sigfile "$key.plain.sig"
done
refused INCOMPATIBLE_DIGEST "PSS over a precomputed digest needs the device to hash" \
    openssl pkeyutl "${PROV[@]}" -sign -inkey rsa.pem -in data.sha256 -pkeyopt digest:sha256 \
    -pkeyopt rsa_padding_mode:pss -out never.sig

# dgst -sign with several digests and paddings.
for md in sha1 sha224 sha256 sha384 sha512; do
    ok "dgst -$md -sign with EC" openssl dgst "${PROV[@]}" "-$md" -sign ec.pem -out "ec.$md.sig" data.txt
    ok "dgst -$md -verify (default provider)" openssl dgst "-$md" -verify ec.pub -signature "ec.$md.sig" data.txt
done
ok "dgst -sign RSA PKCS#1 v1.5" openssl dgst "${PROV[@]}" -sha384 -sign rsa.pem -out rsa.pkcs1.sig data.txt
ok "dgst -verify RSA PKCS#1 v1.5" openssl dgst -sha384 -verify rsa.pub -signature rsa.pkcs1.sig data.txt
ok "dgst -sign RSA PSS" openssl dgst "${PROV[@]}" -sha256 -sigopt rsa_padding_mode:pss -sign rsa3072.pem \
    -out rsa.pss.sig data.txt
ok "dgst -verify RSA PSS, salt as long as the digest" openssl dgst -sha256 -sigopt rsa_padding_mode:pss \
    -sigopt rsa_pss_saltlen:32 -verify rsa3072.pub -signature rsa.pss.sig data.txt
ok "dgst -sign with an RSA-PSS key" openssl dgst "${PROV[@]}" -sha512 -sign pss.pem -out pss.sig data.txt
ok "dgst -verify RSA-PSS" openssl dgst -sha512 -verify pss.pub -signature pss.sig data.txt
refused UNSUPPORTED_PARAMETER "a PSS salt the device does not make" \
    openssl dgst "${PROV[@]}" -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:max -sign rsa.pem \
    -out never.sig data.txt
refused INCOMPATIBLE_PADDING_MODE "an RSA-PSS key refuses PKCS#1 v1.5" \
    openssl dgst "${PROV[@]}" -sha256 -sigopt rsa_padding_mode:pkcs1 -sign pss.pem -out never.sig data.txt

# The provider verifies too, with the public half (no device operation, no authentication).
ok "dgst -prverify with the reference" openssl dgst "${PROV[@]}" -sha256 -prverify ec.pem -signature ec.sha256.sig \
    data.txt
ok "dgst -verify with keystore:ec (public half by value)" openssl dgst "${PROV[@]}" -sha256 -verify keystore:ec \
    -signature ec.sha256.sig data.txt
checks=$((checks + 1))
printf 'another message\n' >other.txt
if openssl dgst "${PROV[@]}" -sha256 -prverify ec.pem -signature ec.sha256.sig other.txt >"$work/out" 2>&1; then
    fail "a signature over another message verified"
else
    echo "ok - a wrong message does not verify"
fi

# A per-operation key from the CLI: the armed prompt answers right after begin.
ok "genpkey a per-operation key" genkey perop.pem -algorithm EC -pkeyopt alias:perop \
    -pkeyopt user-auth:biometric_strong -pkeyopt auth-timeout:0
ok "public half of perop" openssl pkey "${PROV[@]}" -in perop.pem -pubout -out perop.pub
refused KEY_USER_NOT_AUTHENTICATED "per-operation key with nobody to answer" \
    openssl pkeyutl "${PROV[@]}" -sign -inkey perop.pem -rawin -in data.txt -digest sha256 -out never.sig
ok "kssim prompt arms the system prompt" "$kssim" prompt --respond biometric:1 --count 2
for n in 1 2; do
    ok "per-operation signature $n answered by the prompt" openssl pkeyutl "${PROV[@]}" -sign -inkey perop.pem \
        -rawin -in data.txt -digest sha256 -out "perop.$n.sig"
    ok "default provider verifies it" openssl pkeyutl -verify -pubin -inkey perop.pub -rawin -in data.txt \
        -digest sha256 -sigfile "perop.$n.sig"
done
refused KEY_USER_NOT_AUTHENTICATED "the prompt answered its count" \
    openssl pkeyutl "${PROV[@]}" -sign -inkey perop.pem -rawin -in data.txt -digest sha256 -out never.sig
finish
