#!/usr/bin/env bash
# provider_oaep.sh BUILD_DIR SOURCE_DIR - RSA decryption on the device: OAEP (and PKCS#1 v1.5) for a key
# generated with purpose decrypt, the ciphertext made by the default provider alone from the exported
# public key or by the provider's own public-half encryption; a key without that purpose, and OAEP
# parameters the device does not run, refused.
source "$2/test/provider/provider_common.bash" "$@"
cd "$work" || exit 1
setup_phone
printf 'a secret for the device\n' >plain.txt

ok "genpkey an RSA key for decryption" genkey dec.pem -algorithm RSA -pkeyopt bits:2048 -pkeyopt alias:dec \
    -pkeyopt purposes:encrypt,decrypt
ok "genpkey an RSA signing key" genkey sign.pem -algorithm RSA -pkeyopt bits:2048 -pkeyopt alias:sign
ok "public half" openssl pkey "${PROV[@]}" -in dec.pem -pubout -out dec.pub

for md in sha1 sha256 sha512; do
    ok "default provider encrypts with OAEP $md" openssl pkeyutl -encrypt -pubin -inkey dec.pub -in plain.txt \
        -pkeyopt rsa_padding_mode:oaep -pkeyopt "rsa_oaep_md:$md" -out "cipher.$md"
    ok "the device decrypts OAEP $md" openssl pkeyutl "${PROV[@]}" -decrypt -inkey dec.pem -in "cipher.$md" \
        -pkeyopt rsa_padding_mode:oaep -pkeyopt "rsa_oaep_md:$md" -out "plain.$md"
    same_file "OAEP $md round trip" plain.txt "plain.$md"
done
ok "the provider encrypts with the public half" openssl pkeyutl "${PROV[@]}" -encrypt -inkey keystore:dec \
    -in plain.txt -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -out cipher.own
ok "and the device decrypts it" openssl pkeyutl "${PROV[@]}" -decrypt -inkey keystore:dec -in cipher.own \
    -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -out plain.own
same_file "own round trip" plain.txt plain.own
ok "PKCS#1 v1.5 encryption" openssl pkeyutl -encrypt -pubin -inkey dec.pub -in plain.txt \
    -pkeyopt rsa_padding_mode:pkcs1 -out cipher.pkcs1
ok "PKCS#1 v1.5 decryption on the device" openssl pkeyutl "${PROV[@]}" -decrypt -inkey dec.pem -in cipher.pkcs1 \
    -pkeyopt rsa_padding_mode:pkcs1 -out plain.pkcs1
same_file "PKCS#1 v1.5 round trip" plain.txt plain.pkcs1

refused INCOMPATIBLE_PURPOSE "a signing key does not decrypt" \
    openssl pkeyutl "${PROV[@]}" -decrypt -inkey sign.pem -in cipher.sha256 -pkeyopt rsa_padding_mode:oaep \
    -pkeyopt rsa_oaep_md:sha256
refused UNSUPPORTED_PARAMETER "an MGF1 digest other than the OAEP digest" \
    openssl pkeyutl "${PROV[@]}" -decrypt -inkey dec.pem -in cipher.sha256 -pkeyopt rsa_padding_mode:oaep \
    -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha1
refused UNSUPPORTED_PARAMETER "an OAEP label" \
    openssl pkeyutl "${PROV[@]}" -decrypt -inkey dec.pem -in cipher.sha256 -pkeyopt rsa_padding_mode:oaep \
    -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_oaep_label:0011
finish
