#!/usr/bin/env bash
# The openssl walk-through (docs/openssl.md): a biometric login as an app and its server do it, with the
# phone simulated by kssim and every private-key operation going through the `keystore` provider.
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

echo "== The phone: a PIN and one fingerprint =="
run "$kssim" init --seed 7
run "$kssim" set-credential --type pin --secret 1234
run "$kssim" enroll-biometric --id 1

echo
echo "== Enrollment: the app makes a per-operation key and registers its public half =="
run openssl genpkey "${prov[@]}" -propquery '?provider=keystore' -algorithm EC -pkeyopt group:P-256 \
    -pkeyopt alias:login -pkeyopt user-auth:biometric_strong -pkeyopt auth-timeout:0 -out login.pem
run openssl pkey "${prov[@]}" -in login.pem -pubout -out login.pub
head -c 72 login.pem && echo " ..."

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
