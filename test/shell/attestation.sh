#!/usr/bin/env bash
# attestation.sh BUILD_DIR SOURCE_DIR - key attestation from the shell, checked with openssl's own
# parsers: `kssim attestation ALIAS` prints leaf, intermediate, root; `openssl verify` chains the leaf to
# `kssim attestation-root`; the leaf's key is the key's (`kssim export-public`); `openssl asn1parse` decodes
# the KeyDescription and finds the challenge, the versions and the auth policy; the chain survives the
# device store; the same seed gives the same chain bytes and another seed another root; symmetric keys and
# keys without a challenge are refused with a named result; each `--attack` chain is refused by
# examples/attestation_verify at the check its attack is about, and is the same bytes for the same device.
set -u
build=${1:?usage: attestation.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=lib/cli_test.sh
source "$(dirname "$0")/lib/cli_test.sh"

split_chain() { # split_chain FILE PREFIX: PREFIX0, PREFIX1, PREFIX2
    awk -v prefix="$2" '/BEGIN CERTIFICATE/ {n++} {print > (prefix (n - 1))}' "$1"
}

ok init --seed 5 --api-level 34 --force
ok set-credential --type pin --secret 1234
ok generate-key login --auth device_credential --timeout 30 --attestation-challenge server-nonce-1 \
    --attestation-application-id com.example.bank
ok generate-key rsa --algorithm rsa --paddings pss --attestation-challenge-hex 00ff10
ok generate-key plain
ok attestation login
cp "$work/out" "$work/login.pem"
[ "$(grep -c 'BEGIN CERTIFICATE' "$work/login.pem")" = 3 ] || fail "the chain is not three certificates"
ok attestation-root
cp "$work/out" "$work/root.pem"
split_chain "$work/login.pem" "$work/login"
cmp -s "$work/login2" "$work/root.pem" || fail "the chain's last certificate is not kssim attestation-root"
openssl verify -CAfile "$work/root.pem" -untrusted "$work/login1" "$work/login0" >"$work/verify" 2>&1 ||
    fail "openssl verify refused the leaf: $(cat "$work/verify")"

# the leaf carries the key's own public key
ok export-public login
openssl x509 -in "$work/login0" -noout -pubkey >"$work/leaf_pub.pem"
cmp -s "$work/out" "$work/leaf_pub.pem" || fail "the leaf's public key is not the key's"
openssl x509 -in "$work/login0" -noout -text >"$work/leaf.txt"
grep -q 'Subject: CN *= *Android Keystore Key' "$work/leaf.txt" || fail "the leaf's subject is not KeyMint's"
grep -q 'Serial Number: 1 (0x1)' "$work/leaf.txt" || fail "the leaf's serial is not 1"
grep -q '1.3.6.1.4.1.11129.2.1.17' "$work/leaf.txt" || fail "the leaf has no KeyDescription extension"

# the KeyDescription, through openssl asn1parse: find the extension's OCTET STRING and parse inside it
openssl x509 -in "$work/login0" -outform der -out "$work/login0.der"
offset=$(openssl asn1parse -inform der -in "$work/login0.der" |
    awk '/11129.2.1.17/ {found = 1; next} found && /OCTET STRING/ {sub(":.*", "", $1); print $1; exit}')
[ -n "$offset" ] || fail "asn1parse does not find the extension's value"
openssl asn1parse -inform der -in "$work/login0.der" -strparse "$offset" >"$work/description" 2>&1 ||
    fail "asn1parse cannot decode the KeyDescription: $(cat "$work/description")"
head -3 "$work/description" | grep -q 'INTEGER *:012C' || fail "attestationVersion is not 300 on API level 34"
grep -q "$(printf 'server-nonce-1' | xxd -p -u)" "$work/description" ||
    grep -q 'OCTET STRING *:server-nonce-1' "$work/description" || fail "the challenge is not in the record"
grep -q 'com.example.bank' "$work/description" ||
    grep -q "$(printf 'com.example.bank' | xxd -p -u)" "$work/description" || fail "the application ID is missing"
# userAuthType PASSWORD (1) and authTimeout 30 (0x1E) are in the hardware list
grep -Eq 'INTEGER +:1E$' "$work/description" || fail "authTimeout 30 is not in the record"

# the RSA key's chain verifies too, and its challenge is the hex bytes
ok attestation rsa
split_chain "$work/out" "$work/rsa"
openssl verify -CAfile "$work/root.pem" -untrusted "$work/rsa1" "$work/rsa0" >/dev/null 2>&1 ||
    fail "openssl verify refused the RSA leaf"

# refusals: no challenge, symmetric
refused INVALID_ARGUMENT -38 attestation plain
refused INVALID_ARGUMENT -38 generate-key vault --algorithm aes --attestation-challenge x
expect 2 generate-key both --attestation-challenge a --attestation-challenge-hex 00
# R-ATTEST-APP-ID-NEEDS-CHALLENGE: an application ID or digest without a challenge is the library's refusal
refused INVALID_ARGUMENT -38 generate-key app --attestation-application-id com.example.other
grep -q "needs an attestation challenge" "$work/err" || fail "the app-id refusal does not say it needs a challenge"
refused INVALID_ARGUMENT -38 generate-key app --attestation-app-signature-digest "$(printf '%064d' 0)"
refused INVALID_ARGUMENT -38 generate-key app --attestation-challenge x --attestation-app-signature-digest 00ff
grep -q "32 bytes" "$work/err" || fail "a short digest's refusal does not name 32 bytes: $(cat "$work/err")"
# R-ATTEST-CHALLENGE-LENGTH: 128 bytes are taken, 129 refused by KeyMint with INVALID_INPUT_LENGTH, and
# nothing is stored
long128=$(head -c 128 /dev/zero | tr '\0' a)
ok generate-key c128 --attestation-challenge "$long128"
refused INVALID_INPUT_LENGTH -21 generate-key c129 --attestation-challenge "${long128}a"
grep -q "129 bytes; KeyMint takes at most 128" "$work/err" || fail "the 129-byte refusal: $(cat "$work/err")"
refused INVALID_INPUT_LENGTH -21 generate-key c129 --attestation-challenge-hex "$(printf '%0258d' 0)"
refused KEY_NOT_FOUND 7 attestation c129
ok keys --json
grep -q '"attestation_chain": true' "$work/out" || fail "keys --json does not show the chain"
grep -q '"attestation_chain": false' "$work/out" || fail "keys --json shows a chain for every key"

# attack artifacts (docs/attestation.md, "Attacks a verifier must catch"): the verifier refuses each at
# the check its attack is about, given login's own challenge and public key, so the alteration is the only
# thing it can refuse; openssl verify shows which chains are correctly signed by the device's intermediate
verify=("$build/examples/attestation_verify" --root "$work/root.pem" --challenge server-nonce-1
    --expect-public-key "$work/leaf_pub.pem")
verifier_refuses() { # verifier_refuses CHAIN REFUSAL_PREFIX WHAT [extra options]
    local chain=$1 wanted=$2 what=$3
    shift 3
    "${verify[@]}" --chain "$chain" "$@" >"$work/verify.out" 2>&1
    local status=$?
    [ "$status" = 1 ] && grep -q "^$wanted" "$work/verify.out" ||
        fail "$what: the verifier said '$(cat "$work/verify.out")' (exit $status), wanted '$wanted...'"
}
"${verify[@]}" --chain "$work/login.pem" >"$work/verify.out" 2>&1 ||
    fail "the verifier refused login's own chain: $(cat "$work/verify.out")"
ok enroll-biometric --id 1
ok generate-key strong --auth biometric_strong --timeout 0 --attestation-challenge server-nonce-2
for case in "resign-root:refused: chain: does not verify to the given root:no" \
    "wrong-key:refused: leaf public key: is not the expected key:yes" \
    "copy-extension --from strong:refused: attestationChallenge: is not the challenge this server issued:yes"; do
    attack=${case%%:*}
    rest=${case#*:}
    refusal=${rest%:*}
    signed=${rest##*:}
    # shellcheck disable=SC2086 # the attack is words
    ok attestation login --attack $attack
    cp "$work/out" "$work/attack.pem"
    split_chain "$work/attack.pem" "$work/attack"
    if openssl verify -CAfile "$work/root.pem" -untrusted "$work/attack1" "$work/attack0" >/dev/null 2>&1; then
        [ "$signed" = yes ] || fail "openssl verify accepted the $attack chain to the device's root"
    else
        [ "$signed" = no ] || fail "the $attack chain is not signed by the device's intermediate"
    fi
    verifier_refuses "$work/attack.pem" "$refusal" "$attack"
    # determinism: the same device and command give the same bytes
    # shellcheck disable=SC2086
    ok attestation login --attack $attack
    cmp -s "$work/out" "$work/attack.pem" || fail "the $attack chain differs between two runs"
    cp "$work/attack.pem" "$work/attack-${attack%% *}.pem"
done
# copy-extension keeps login's key, carries strong's challenge and its biometric policy
openssl x509 -in "$work/attack0" -noout -pubkey | cmp -s - "$work/leaf_pub.pem" ||
    fail "copy-extension changed the leaf's key"
openssl x509 -in "$work/attack0" -outform der | grep -q server-nonce-2 ||
    fail "copy-extension's leaf does not carry the other key's challenge"
# What no check finds: an attacker holding the intermediate's key who also writes this registration's
# challenge into a record of the same kind of key (here strong's own challenge is the one asked for).
"${verify[@]}" --chain "$work/attack.pem" --challenge server-nonce-2 --require biometric-strong \
    >"$work/verify.out" 2>&1 || fail "the documented limit changed: $(cat "$work/verify.out")"
# a record of another kind of key (RSA beside login's EC key) is found even with its own challenge
ok attestation login --attack copy-extension --from rsa
cp "$work/out" "$work/attack-rsa.pem"
verifier_refuses "$work/attack-rsa.pem" "refused: hardwareEnforced.algorithm: does not describe the leaf" \
    "copy-extension from an RSA key" --challenge-hex 00ff10
# the replayed challenge needs no artifact: the key's own chain with another registration's nonce
verifier_refuses "$work/login.pem" "refused: attestationChallenge:" "a replayed challenge" --challenge server-nonce-0
expect 2 attestation login --attack copy-extension
expect 2 attestation login --attack wrong-key --from rsa
expect 2 attestation login --attack bogus
refused INVALID_ARGUMENT -38 attestation login --attack copy-extension --from plain

# the provider's store loader hands the chain over after the key: storeutl -certs finds the same three
storeutl=(openssl storeutl -provider-path "$build" -provider keystore -provider default)
OPENSSL_MODULES="$build" "${storeutl[@]}" -certs keystore:login >"$work/store.out" 2>&1 ||
    fail "storeutl -certs keystore:login failed: $(cat "$work/store.out")"
[ "$(grep -c 'BEGIN CERTIFICATE' "$work/store.out")" = 3 ] || fail "storeutl -certs does not give the three certificates"
sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' "$work/store.out" | cmp -s - "$work/login.pem" ||
    fail "storeutl's chain is not kssim attestation's"
OPENSSL_MODULES="$build" "${storeutl[@]}" -certs keystore:plain >"$work/store.out" 2>&1 ||
    fail "storeutl -certs keystore:plain failed: $(cat "$work/store.out")"
grep -q 'Total found: 0' "$work/store.out" || fail "a key without a chain gave certificates"

# genpkey -pkeyopt attestation-challenge: the provider's key is attested like generate-key's; the
# verifier finds the challenge abc in its chain (and refuses another), to the device's own root
OPENSSL_MODULES="$build" openssl genpkey -provider-path "$build" -provider keystore -provider default \
    -propquery '?provider=keystore' -algorithm EC -pkeyopt group:P-256 -pkeyopt alias:genpkey_attested \
    -pkeyopt attestation-challenge:abc -pkeyopt attestation-application-id:com.example.bank \
    -out "$work/genpkey_ref.pem" >"$work/genpkey.out" 2>&1 || fail "genpkey with attestation-challenge: $(cat "$work/genpkey.out")"
ok attestation genpkey_attested
cp "$work/out" "$work/genpkey_chain.pem"
ok attestation-root
cp "$work/out" "$work/genpkey_root.pem"
"$build/examples/attestation_verify" --chain "$work/genpkey_chain.pem" --root "$work/genpkey_root.pem" \
    --challenge abc >"$work/verify.out" 2>&1 || fail "the verifier refused genpkey's chain: $(cat "$work/verify.out")"
"$build/examples/attestation_verify" --chain "$work/genpkey_chain.pem" --root "$work/genpkey_root.pem" \
    --challenge abd >/dev/null 2>&1 && fail "the verifier accepted genpkey's chain with another challenge"
grep -q "com.example.bank" "$work/genpkey_chain.pem" ||
    openssl x509 -in "$work/genpkey_chain.pem" -outform der | grep -q com.example.bank ||
    fail "genpkey's attestation-application-id is not in the leaf"

# genpkey goes through the same rules: a challenge over 128 bytes (INVALID_INPUT_LENGTH), an application
# ID without a challenge
genpkey_refused() { # genpkey_refused WHAT PATTERN PKEYOPT...: genpkey fails and says PATTERN
    local what=$1 pattern=$2
    shift 2
    local opts=() o
    for o in "$@"; do opts+=(-pkeyopt "$o"); done
    OPENSSL_MODULES="$build" openssl genpkey -provider-path "$build" -provider keystore -provider default \
        -propquery '?provider=keystore' -algorithm EC -pkeyopt group:P-256 "${opts[@]}" \
        -out "$work/genpkey_refused.pem" >"$work/genpkey.out" 2>&1 && fail "genpkey accepted $what"
    grep -q "$pattern" "$work/genpkey.out" || fail "genpkey's refusal of $what does not say '$pattern': $(cat "$work/genpkey.out")"
}
genpkey_refused "a 129-byte challenge" "INVALID_INPUT_LENGTH" alias:g129 "attestation-challenge:${long128}a"
genpkey_refused "an application ID without a challenge" "needs an attestation challenge" alias:gapp \
    attestation-application-id:com.example.bank
genpkey_refused "a digest without a challenge" "needs an attestation challenge" alias:gdig \
    "attestation-app-signature-digest:$(printf '%064d' 0)"

# V-API-ATTESTATION: Android 6.0 has no attestation: generate-key and genpkey refuse a challenge alike
mv "$work/device" "$work/device-34"
ok init --seed 5 --api-level 23 --force
refused INVALID_ARGUMENT -38 generate-key old --attestation-challenge x
grep -q "needs Android 7.0 (API level 24); this device is Android 6.0 (API level 23)" "$work/err" ||
    fail "the API 23 refusal does not name Android 7.0: $(cat "$work/err")"
genpkey_refused "a challenge on API level 23" "Android 7.0" alias:gold attestation-challenge:x
rm -rf "$work/device"
mv "$work/device-34" "$work/device"

# determinism: the same seed and calls give the same bytes; another seed another root
mv "$work/device" "$work/device-first"
ok init --seed 5 --api-level 34 --force
ok set-credential --type pin --secret 1234
ok generate-key login --auth device_credential --timeout 30 --attestation-challenge server-nonce-1 \
    --attestation-application-id com.example.bank
ok attestation login
cmp -s "$work/out" "$work/login.pem" || fail "the same seed gave another chain"
ok enroll-biometric --id 1
ok generate-key strong --auth biometric_strong --timeout 0 --attestation-challenge server-nonce-2
for attack in resign-root wrong-key "copy-extension --from strong"; do
    # shellcheck disable=SC2086
    ok attestation login --attack $attack
    cmp -s "$work/out" "$work/attack-${attack%% *}.pem" || fail "the same seed gave another $attack chain"
done
ok init --seed 6 --api-level 34 --force
ok attestation-root
cmp -s "$work/out" "$work/root.pem" && fail "another seed gave the same root"
ok set-credential --type pin --secret 1234
ok generate-key login --auth device_credential --timeout 30 --attestation-challenge server-nonce-1 \
    --attestation-application-id com.example.bank
for attack in resign-root wrong-key; do
    ok attestation login --attack $attack
    cmp -s "$work/out" "$work/attack-$attack.pem" && fail "another seed gave the same $attack chain"
done

[ "$failures" -eq 0 ] && echo "attestation: all checks passed"
exit "$failures"
