#!/usr/bin/env bash
# The openssl walk-through (docs/openssl.md): a biometric login as an app and its server do it, with the
# phone simulated by kssim and every private-key operation going through the `keystore` provider. The
# server registers the key only if examples/attestation_verify accepts its attestation (biometric-strong,
# per-operation) and refuses a weaker key the same way.
# Usage: walkthrough.sh [BUILD_DIR]   (default: build/). Uses a fresh device in a temporary directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export KSSIM_DEVICE="$work/phone" OPENSSL_MODULES="$build"
kssim="$build/kssim"
prov=(-provider-path "$build" -provider keystore -provider default)

# Shown as typed from the project's root: build/kssim, -provider-path build.
step() {
    local line="$*"
    printf '\n$ %s\n' "${line//$build/build}"
}
run() { step "$*"; "$@"; }
# refused RESULT COMMAND...: the command must fail with RESULT in its error output.
refused() {
    local result=$1
    shift
    step "$*"
    if "$@" >out 2>err; then
        echo "walk-through: '$*' succeeded but Android would refuse it with $result" >&2
        exit 1
    fi
    grep -o "$result[^:]*: [^:]*" err | head -1
    grep -q "$result" err || { cat err >&2; exit 1; }
}
# verifier WANTED OPTIONS...: the server's attestation check (examples/attestation_verify) must answer a
# line starting with WANTED ("accepted", or "refused: FIELD") and the matching exit status.
verifier() {
    local wanted=$1 status=0
    shift
    step "$build/examples/attestation_verify $*"
    "$build/examples/attestation_verify" "$@" >verdict 2>&1 || status=$?
    cat verdict
    if ! grep -q "^$wanted" verdict || { [ "$wanted" = accepted ] && [ "$status" != 0 ]; } ||
        { [ "$wanted" != accepted ] && [ "$status" != 1 ]; }; then
        echo "walk-through: the verifier said the above (exit $status), not '$wanted...'" >&2
        exit 1
    fi
}

echo "== The phone: a PIN and one fingerprint =="
run "$kssim" init --seed 7
run "$kssim" set-credential --type pin --secret 1234
run "$kssim" enroll-biometric --id 1

echo
echo "== Enrollment: the server sends a registration nonce; the app makes an attested per-operation key =="
openssl rand -hex 16 >registration-nonce
run openssl genpkey "${prov[@]}" -propquery '?provider=keystore' -algorithm EC -pkeyopt group:P-256 \
    -pkeyopt alias:login -pkeyopt user-auth:biometric_strong -pkeyopt auth-timeout:0 \
    -pkeyopt attestation-challenge:"$(cat registration-nonce)" -out login.pem
run openssl pkey "${prov[@]}" -in login.pem -pubout -out login.pub
head -c 72 login.pem && echo " ..."
# what the app sends beside the public key: KeyStore.getCertificateChain, leaf first
step "openssl storeutl ${prov[*]} -certs keystore:login   # the chain, leaf first"
openssl storeutl "${prov[@]}" -certs keystore:login | sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' >login-chain.pem
grep -c 'BEGIN CERTIFICATE' login-chain.pem

echo
echo "== The server registers the key only if its attestation proves the policy =="
# A real server pins Google's attestation roots; the simulated phone's root is a test root of its own.
step "$kssim attestation-root > test-root.pem"
"$kssim" attestation-root >test-root.pem
policy=(--root test-root.pem --security-level tee --require biometric-strong --require per-operation)
verifier accepted --chain login-chain.pem --challenge "$(cat registration-nonce)" --expect-public-key login.pub \
    "${policy[@]}"
# Invalidation on a new enrollment is not in the attestation record: no server can require it.
verifier "refused: invalidated-by-enrollment" --chain login-chain.pem --challenge "$(cat registration-nonce)" \
    --root test-root.pem --require invalidated-by-enrollment
# What the app asked for is visible on the simulated phone only (a test's view, not a server's):
step "$kssim keys --json   # login: invalidated_by_biometric_enrollment"
"$kssim" keys --json | grep -o '"invalidated_by_biometric_enrollment": *[a-z]*' | head -1
# The same chain sent again for another registration is a replay.
verifier "refused: attestationChallenge" --chain login-chain.pem --challenge "$(openssl rand -hex 16)" \
    --expect-public-key login.pub "${policy[@]}"

echo
echo "== A weaker key (the PIN also unlocks it, for 5 minutes) is refused at registration =="
openssl rand -hex 16 >weak-nonce
run openssl genpkey "${prov[@]}" -propquery '?provider=keystore' -algorithm EC -pkeyopt group:P-256 \
    -pkeyopt alias:weak -pkeyopt user-auth:biometric_strong,device_credential -pkeyopt auth-timeout:300 \
    -pkeyopt attestation-challenge:"$(cat weak-nonce)" -out weak.pem
run openssl pkey "${prov[@]}" -in weak.pem -pubout -out weak.pub
openssl storeutl "${prov[@]}" -certs keystore:weak | sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' >weak-chain.pem
verifier "refused: hardwareEnforced.userAuthType" --chain weak-chain.pem --challenge "$(cat weak-nonce)" \
    --expect-public-key weak.pub "${policy[@]}"

echo
echo "== Login: the server sends a nonce; signing it needs a fingerprint for this very operation =="
openssl rand -hex 16 >nonce
refused KEY_USER_NOT_AUTHENTICATED openssl pkeyutl "${prov[@]}" -sign -inkey keystore:login -rawin -digest sha256 \
    -in nonce -out nonce.sig
run "$kssim" prompt --respond biometric:1
run openssl pkeyutl "${prov[@]}" -sign -inkey keystore:login -rawin -digest sha256 -in nonce -out nonce.sig
echo
echo "== The server verifies with the registered public key (default provider only) =="
run openssl pkeyutl -verify -pubin -inkey login.pub -rawin -digest sha256 -in nonce -sigfile nonce.sig

echo
echo "== Someone adds a fingerprint: the key is gone for good; the app must enroll the user again =="
run "$kssim" enroll-biometric --id 2
run "$kssim" prompt --respond biometric:2
refused KEY_PERMANENTLY_INVALIDATED openssl pkeyutl "${prov[@]}" -sign -inkey keystore:login -rawin \
    -digest sha256 -in nonce -out again.sig
run "$kssim" keys
echo
echo "walk-through: every step gave the result Android gives"
