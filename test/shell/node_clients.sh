#!/usr/bin/env bash
# node_clients.sh BUILD_DIR SOURCE_DIR - Node (the machine's node, --openssl-shared-config, OPENSSL_CONF
# naming an openssl.cnf that loads default first and keystore second) on device keys read from their
# key-reference PEMs: crypto.sign with ieee-p1363 and DER, crypto.verify, asymmetricKeyDetails, public
# export as SPKI and JWK, jose's SignJWT with ES256 checked by jose's jwtVerify, a per-operation key that
# refuses with a JS error naming the result, and tls.createServer / tls.connect with device keys (mutual
# TLS). Every call must work or throw a JS error (the scripts exit 3); a process killed by a signal (an
# abort or a segfault in Node or libcrypto, as before the provider exported a legacy key's public half)
# fails the test. The scripts are test/node/*.mjs; docs/clients.md has the recipe.
# A missing client fails the test (scripts/install-deps.sh installs them), never skips it.
source "$2/test/provider/provider_common.bash" "$@"
cd "$work" || exit 1
node_dir="$source_dir/test/node"
missing=""
command -v node >/dev/null || missing+=" node"
[ -f "$node_dir/node_modules/jose/package.json" ] || missing+=" jose(test/node/node_modules)"
[ -f "$node_dir/node_modules/jose5/package.json" ] || missing+=" jose5(test/node/node_modules)"
if [ -n "$missing" ]; then
    echo "Bail out! the Node clients are missing:$missing; run scripts/install-deps.sh"
    exit 1
fi
setup_phone

# shellcheck source=lib/clients_common.bash
source "$source_dir/test/shell/lib/clients_common.bash"
write_client_openssl_cnf openssl.cnf

ok "genpkey an EC key" genkey ec.pem -algorithm EC -pkeyopt group:P-256 -pkeyopt alias:ec
ok "genpkey an RSA key" genkey rsa.pem -algorithm RSA -pkeyopt bits:2048 -pkeyopt alias:rsa
ok "genpkey an Ed25519 key" genkey ed.pem -algorithm ED25519 -pkeyopt alias:ed
ok "genpkey a per-operation key" genkey perop.pem -algorithm EC -pkeyopt alias:perop \
    -pkeyopt user-auth:biometric_strong -pkeyopt auth-timeout:0
ok "genpkey the CA key" genkey ca.pem -algorithm EC -pkeyopt alias:ca
ok "the CA certificate" openssl req "${PROV[@]}" -new -x509 -key ca.pem -subj "/CN=kssim Node CA" -days 30 -out ca.crt
for name in ec rsa; do
    ok "request for $name" openssl req "${PROV[@]}" -new -key "$name.pem" -subj "/CN=localhost" -out "$name.csr"
    ok "certificate for $name" openssl x509 "${PROV[@]}" -req -in "$name.csr" -CA ca.crt -CAkey ca.pem \
        -CAcreateserial -days 30 -out "$name.crt"
done

# node_call SCRIPT ARGS...: runs test/node/SCRIPT under the recipe's environment; output in $work/out
# and $work/err, the exit status in $status. A signal's status (128 + n) is reported as a kill.
node_call() {
    local script=$1
    shift
    OPENSSL_CONF="$work/openssl.cnf" timeout 60 node --openssl-shared-config "$node_dir/$script" "$@" \
        >"$work/out" 2>"$work/err"
    status=$?
}

# node_ok DESCRIPTION PATTERN SCRIPT ARGS...: exits 0 and prints a line matching the extended regex.
node_ok() {
    local description=$1 pattern=$2
    shift 2
    checks=$((checks + 1))
    node_call "$@"
    if [ "$status" -ge 128 ] && [ "$status" -ne 124 ]; then
        fail "$description: node was killed (status $status): $(head -c 3000 "$work/err")"
    elif [ "$status" -ne 0 ]; then
        fail "$description: exit $status: $(head -c 2000 "$work/err")"
    elif ! grep -Eq "$pattern" "$work/out"; then
        fail "$description: expected /$pattern/ in: $(cat "$work/out")"
    else
        echo "ok - $description"
    fi
}

# node_refused DESCRIPTION RESULT SCRIPT ARGS...: a JS error (exit 3) whose text names RESULT.
node_refused() {
    local description=$1 result=$2
    shift 2
    checks=$((checks + 1))
    node_call "$@"
    if [ "$status" -eq 3 ] && grep -q "$result" "$work/err"; then
        echo "ok - $description (a JS error: $(head -n 1 "$work/err"))"
    elif [ "$status" -ge 128 ]; then
        fail "$description: node was killed (status $status) instead of throwing: $(head -c 3000 "$work/err")"
    else
        fail "$description: exit $status, expected a JS error naming $result: $(cat "$work/out" "$work/err")"
    fi
}

# ---- signatures ----
node_ok "EC: crypto.sign ieee-p1363, verified" '^p1363 64 bytes, verified true$' sign_p1363.mjs ec.pem
node_ok "EC: crypto.sign DER, verified" '^signature 7[0-2] bytes, verified true, tampered verified false$' \
    sign_der.mjs ec.pem
node_ok "RSA: crypto.sign, verified" '^signature 256 bytes, verified true, tampered verified false$' sign_der.mjs rsa.pem
node_ok "Ed25519: crypto.sign, verified" '^signature 64 bytes, verified true, tampered verified false$' \
    sign_der.mjs ed.pem none

# ---- key details ----
node_ok "EC: asymmetricKeyDetails" \
    '"asymmetricKeyType":"ec","details":\{"namedCurve":"prime256v1"\},"publicDetails":\{"namedCurve":"prime256v1"\}' \
    key_details.mjs ec.pem
node_ok "RSA: asymmetricKeyDetails" \
    '"details":\{"modulusLength":2048,"publicExponent":65537\},"publicDetails":\{"modulusLength":2048,"publicExponent":65537\}' \
    key_details.mjs rsa.pem
node_ok "Ed25519: asymmetricKeyDetails" '"type":"private","asymmetricKeyType":"ed25519"' key_details.mjs ed.pem

# ---- public export: Node's SPKI is the device's public key; the JWK reads back as the same key ----
for case in "ec EC P-256" "rsa RSA" "ed OKP Ed25519"; do
    read -r alias kty crv <<<"$case"
    node_ok "$alias: public export as SPKI and JWK" \
        "^jwk kty $kty${crv:+ crv $crv}, private export is the key reference$" export_public.mjs "$alias.pem" "$alias"
    "$kssim" export-public "$alias" >"$alias.device.pem" 2>"$work/err" || fail "kssim export-public $alias"
    openssl pkey -pubin -in "$alias.spki.pem" -outform DER -out "$alias.node.der" 2>/dev/null
    openssl pkey -pubin -in "$alias.device.pem" -outform DER -out "$alias.device.der" 2>/dev/null
    same_file "$alias: Node's SPKI is the device's public key" "$alias.node.der" "$alias.device.der"
done
checks=$((checks + 1))
if python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if set(j)=={"kty","crv","x","y"} else 1)' ec.jwk.json; then
    echo "ok - the EC JWK holds kty, crv, x, y and no d"
else
    fail "the EC JWK: $(cat ec.jwk.json)"
fi

# ---- jose: SignJWT ES256 with the device key, jwtVerify with the exported public JWK ----
node_ok "jose SignJWT ES256, jwtVerify with the public JWK" \
    '^verified ES256 sub=alice scope=device signature 64 bytes$' jose_es256.mjs ec.pem
grep -q '^forged claim refused: ERR_JWS_SIGNATURE_VERIFICATION_FAILED$' "$work/out" ||
    fail "jose verified a forged claim: $(cat "$work/out")"

# ---- a per-operation key: a JS error naming the result, then it signs once the prompt is armed ----
node_refused "per-operation key without the prompt: crypto.sign" KEY_USER_NOT_AUTHENTICATED sign_der.mjs perop.pem
node_refused "per-operation key without the prompt: jose SignJWT" KEY_USER_NOT_AUTHENTICATED jose_es256.mjs perop.pem
ok "arm the prompt for one signature" "$kssim" prompt --respond biometric:1 --count 1
node_ok "per-operation key with the prompt: ieee-p1363" '^p1363 64 bytes, verified true$' sign_p1363.mjs perop.pem

# ---- software keys keep working with this openssl.cnf ----
checks=$((checks + 1))
if OPENSSL_CONF="$work/openssl.cnf" node --openssl-shared-config -e '
    const c = require("node:crypto");
    for (const [type, options] of [["ec", {namedCurve: "P-256"}], ["rsa", {modulusLength: 2048}], ["ed25519", {}]]) {
      const {privateKey, publicKey} = c.generateKeyPairSync(type, options);
      const digest = type === "ed25519" ? null : "sha256";
      if (!c.verify(digest, Buffer.from("x"), publicKey, c.sign(digest, Buffer.from("x"), privateKey))) process.exit(1);
    }' >"$work/out" 2>"$work/err"; then
    echo "ok - software EC, RSA and Ed25519 keys generate and sign in the same Node"
else
    fail "software keys with this openssl.cnf: $(head -c 2000 "$work/err")"
fi

# ---- TLS: server and client in one Node process, both keys on the device, mutual TLS ----
node_ok "tls: EC server, RSA client certificate, TLS 1.3" \
    '^TLSv1\.3 server localhost authorized true; client localhost authorized true$' \
    tls_device_keys.mjs ec.pem ec.crt rsa.pem rsa.crt ca.crt
node_ok "tls: RSA server, EC client certificate, TLS 1.2" \
    '^TLSv1\.2 server localhost authorized true; client localhost authorized true$' \
    tls_device_keys.mjs rsa.pem rsa.crt ec.pem ec.crt ca.crt TLSv1.2
finish
