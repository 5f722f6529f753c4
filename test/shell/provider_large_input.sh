#!/usr/bin/env bash
# provider_large_input.sh BUILD_DIR SOURCE_DIR - files larger than one operation's input bound (16 MiB)
# signed from the shell (issue 18, item 12): `openssl dgst -sha256 -sign keystore:ALIAS` and `pkeyutl
# -rawin` of 20 MiB sign what the public key verifies (the device hashes the data as it streams in).
source "$2/test/provider/provider_common.bash" "$@"
cd "$work" || exit 1
setup_phone
head -c $((20 * 1024 * 1024)) /dev/zero | tr '\0' 'k' >large.bin

ok "an EC key" genkey login.pem -algorithm EC -pkeyopt alias:login
ok "an RSA key" genkey rsa.pem -algorithm RSA -pkeyopt alias:rsa
ok "the public halves" openssl pkey "${PROV[@]}" -in login.pem -pubout -out login.pub
ok "the RSA public half" openssl pkey "${PROV[@]}" -in rsa.pem -pubout -out rsa.pub
ok "dgst -sign of 20 MiB with an EC key" openssl dgst "${PROV[@]}" -sha256 -sign keystore:login -out large.sig large.bin
ok "verifies with the default provider alone" openssl dgst -sha256 -verify login.pub -signature large.sig large.bin
ok "dgst -sign of 20 MiB with an RSA key" openssl dgst "${PROV[@]}" -sha384 -sign rsa.pem -out rsa.sig large.bin
ok "verifies" openssl dgst -sha384 -verify rsa.pub -signature rsa.sig large.bin
ok "pkeyutl -rawin of 20 MiB" openssl pkeyutl "${PROV[@]}" -sign -inkey keystore:login -rawin -digest sha256 \
    -in large.bin -out rawin.sig
ok "verifies" openssl pkeyutl -verify -pubin -inkey login.pub -rawin -digest sha256 -in large.bin -sigfile rawin.sig
finish
