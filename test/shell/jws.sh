#!/usr/bin/env bash
# jws.sh BUILD_DIR SOURCE_DIR - JWS for backends (docs/jws.md): real per-operation ES256/ES384/ES512
# signatures, made by the device through examples/jws_sign (the keystore provider, in two phases, the
# user authenticating with kssim in between) and by `kssim sign --encoding p1363`, checked by two
# verifiers that share no code with kssim: the `jose` npm package (test/node, installed by
# scripts/install-deps.sh) and Python's standard library with the system's openssl
# (test/shell/lib/verify_jws.py). Then what must fail: a tampered payload, a DER signature where JWS
# wants r||s, another key, another algorithm, and signatures that the device refuses to make at all
# (no authentication, or one bound to another challenge).
# A missing verifier fails the test (it is installed by scripts/install-deps.sh), never skips it.
set -u
build=${1:?usage: jws.sh BUILD_DIR SOURCE_DIR}
source_dir=${2:?usage: jws.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=lib/cli_test.sh
source "$(dirname "$0")/lib/cli_test.sh"
export OPENSSL_MODULES=${OPENSSL_MODULES:-$(cd "$build" && pwd)}
jws_sign="$(cd "$build" && pwd)/examples/jws_sign"
node_verifier="$source_dir/test/node/verify_jws.mjs"
python_verifier="$source_dir/test/shell/lib/verify_jws.py"

missing=""
command -v node >/dev/null || missing+=" node"
[ -f "$source_dir/test/node/node_modules/jose/package.json" ] || missing+=" jose(test/node/node_modules)"
command -v python3 >/dev/null || missing+=" python3"
command -v openssl >/dev/null || missing+=" openssl"
command -v basenc >/dev/null || missing+=" basenc(coreutils)"
[ -x "$jws_sign" ] || missing+=" $jws_sign(cmake --build)"
if [ -n "$missing" ]; then
    echo "jws: the outside verifiers are missing:$missing; run scripts/install-deps.sh (and build)" >&2
    exit 1
fi

b64url() { basenc --base64url -w0 | tr -d '='; }
# unb64url TEXT: the bytes of unpadded base64url, on standard output.
unb64url() { python3 -c 'import base64,sys; t=sys.argv[1]; sys.stdout.buffer.write(base64.urlsafe_b64decode(t+"="*(-len(t)%4)))' "$1"; }

# verified_by_both JWS_FILE PEM ALG PAYLOAD WHAT: both verifiers accept and return the payload.
verified_by_both() {
    local jws_file=$1 pem=$2 alg=$3 payload=$4 what=$5 verifier got
    for verifier in "node $node_verifier" "python3 $python_verifier"; do
        if ! got=$($verifier "$pem" "$alg" <"$jws_file" 2>"$work/verifier.err"); then
            fail "$what: ${verifier%% *} refuses a JWS the device signed: $(cat "$work/verifier.err")"
        elif [ "$got" != "$payload" ]; then
            fail "$what: ${verifier%% *} returned the payload '$got', expected '$payload'"
        fi
    done
}

# refused_by_both JWS_FILE PEM ALG WHAT: both verifiers refuse (exit 1) and print no payload.
refused_by_both() {
    local jws_file=$1 pem=$2 alg=$3 what=$4 verifier status
    for verifier in "node $node_verifier" "python3 $python_verifier"; do
        $verifier "$pem" "$alg" <"$jws_file" >"$work/verifier.out" 2>"$work/verifier.err"
        status=$?
        [ "$status" -eq 1 ] || fail "$what: ${verifier%% *} exited $status, expected 1 (refused)"
        [ -s "$work/verifier.out" ] && fail "$what: ${verifier%% *} printed a payload: $(cat "$work/verifier.out")"
    done
}

# sign_in_two_phases KEY PAYLOAD OFFSET: runs the example, waits for the challenge it prints, lets
# kssim authenticate the fingerprint with challenge + OFFSET (0: the right one) as another process, then
# lets the example finish. Its output is in $work/signer.out and signer.err; returns its exit status.
sign_in_two_phases() {
    local key=$1 payload=$2 offset=$3 pid challenge="" tries=0
    rm -f "$work/answer" && mkfifo "$work/answer"
    "$jws_sign" "$key" "$payload" <"$work/answer" >"$work/signer.out" 2>"$work/signer.err" &
    pid=$!
    exec 3>"$work/answer" # the example's standard input stays open until the user has authenticated
    while [ -z "$challenge" ] && [ "$tries" -lt 200 ] && kill -0 "$pid" 2>/dev/null; do
        challenge=$(sed -n 's/^challenge \([0-9]*\)$/\1/p' "$work/signer.out")
        [ -n "$challenge" ] || sleep 0.05
        tries=$((tries + 1))
    done
    if [ -z "$challenge" ]; then
        fail "jws_sign $key did not print its challenge: $(cat "$work/signer.err")"
    else
        challenge=$(python3 -c "import sys; print((int(sys.argv[1]) + int(sys.argv[2])) % 2**64)" "$challenge" "$offset")
        ok authenticate-biometric --id 1 --challenge "$challenge"
    fi
    echo >&3
    exec 3>&-
    wait "$pid"
}

# ---- the phone and its per-operation keys, one per JWS algorithm ----
ok set-credential --type pin --secret 1234
ok enroll-biometric --id 1
ok generate-key es256 --algorithm ec --size 256 --digests sha256 --auth biometric_strong,device_credential --timeout 0
ok generate-key es384 --algorithm ec --size 384 --digests sha384 --auth biometric_strong,device_credential --timeout 0
ok generate-key es512 --algorithm ec --size 521 --digests sha512 --auth biometric_strong,device_credential --timeout 0
for key in es256 es384 es512; do
    ok export-public "$key"
    cp "$work/out" "$work/$key.pem"
done

# ---- two phases, kssim in between: the example prints the challenge and waits; another process
# authenticates with it (as BiometricPrompt would); then the example finishes ----
payload='{"sub":"alice","nonce":"server-nonce-1"}'
sign_in_two_phases es256 "$payload" 0
status=$?
[ "$status" -eq 0 ] || fail "jws_sign exited $status after the user authenticated: $(cat "$work/signer.err")"
jws=$(tail -n 1 "$work/signer.out")
printf '%s\n' "$jws" >"$work/es256.jws"
IFS=. read -r header64 payload64 signature64 <<<"$jws"
[ "$(unb64url "$header64")" = '{"alg":"ES256","typ":"JWT","kid":"es256"}' ] ||
    fail "the JWS header is not the ES256 one: $header64"
[ "$(unb64url "$signature64" | wc -c)" -eq 64 ] ||
    fail "an ES256 signature is 64 bytes of r||s: $signature64"
verified_by_both "$work/es256.jws" "$work/es256.pem" ES256 "$payload" "two-phase ES256 (kssim authenticate-biometric)"

# The same, the example authenticating itself: with the PIN (ES384) and the fingerprint (ES512).
for case in "es384 ES384 credential:1234" "es512 ES512 biometric:1"; do
    read -r key alg how <<<"$case"
    "$jws_sign" --authenticate "$how" "$key" "$payload" >"$work/signer.out" 2>"$work/signer.err" ||
        fail "jws_sign --authenticate $how $key: $(cat "$work/signer.err")"
    tail -n 1 "$work/signer.out" >"$work/$key.jws"
    verified_by_both "$work/$key.jws" "$work/$key.pem" "$alg" "$payload" "two-phase $alg ($how)"
done

# ---- kssim sign --encoding p1363: the signing input built by the shell, the prompt armed first ----
for case in "es256 ES256 64" "es384 ES384 96" "es512 ES512 132"; do
    read -r key alg length <<<"$case"
    input="$(printf '{"alg":"%s"}' "$alg" | b64url).$(printf '%s' "$payload" | b64url)"
    ok prompt --respond biometric:1
    ok sign "$key" --data "$input" --encoding p1363 --out "$work/$key.raw"
    [ "$(wc -c <"$work/$key.raw")" -eq "$length" ] || fail "kssim sign $key --encoding p1363: not $length bytes"
    printf '%s.%s\n' "$input" "$(b64url <"$work/$key.raw")" >"$work/$key-cli.jws"
    verified_by_both "$work/$key-cli.jws" "$work/$key.pem" "$alg" "$payload" "kssim sign --encoding p1363 ($alg)"
    ok verify "$key" --data "$input" --encoding p1363 --signature "$work/$key.raw"
    refused VERIFICATION_FAILED -30 verify "$key" --data "$input." --encoding p1363 --signature "$work/$key.raw"
done

# ---- what the verifiers must refuse ----
IFS=. read -r header64 payload64 signature64 <"$work/es256.jws"
printf '%s.%s.%s\n' "$header64" "$(printf '{"sub":"mallory","nonce":"server-nonce-1"}' | b64url)" "$signature64" \
    >"$work/tampered.jws"
refused_by_both "$work/tampered.jws" "$work/es256.pem" ES256 "a tampered payload"
refused_by_both "$work/es256.jws" "$work/es384.pem" ES256 "another key's public key"
refused_by_both "$work/es384.jws" "$work/es384.pem" ES256 "a JWS whose header says ES384, checked as ES256"
# Android's own encoding (DER) where JWS wants r||s: what a backend gets when the app forgets to convert.
input="$(printf '{"alg":"ES256"}' | b64url).$(printf '%s' "$payload" | b64url)"
ok prompt --respond biometric:1
ok sign es256 --data "$input" --out "$work/es256.der"
printf '%s.%s\n' "$input" "$(b64url <"$work/es256.der")" >"$work/der.jws"
refused_by_both "$work/der.jws" "$work/es256.pem" ES256 "a DER signature in a JWS"

# ---- what the device refuses to sign at all: no signature exists to verify ----
echo | "$jws_sign" es256 "$payload" >"$work/signer.out" 2>"$work/signer.err"
status=$?
[ "$status" -eq 1 ] || fail "jws_sign without authentication exited $status, expected 1"
grep -q '^jws_sign: signing: KEY_USER_NOT_AUTHENTICATED (-26): ' "$work/signer.err" ||
    fail "jws_sign without authentication: not KEY_USER_NOT_AUTHENTICATED: $(cat "$work/signer.err")"
[ "$(grep -vc '^challenge ' "$work/signer.out")" -eq 0 ] || fail "jws_sign printed a JWS without authentication"

# A fingerprint bound to another challenge (a replayed or stale one) does not sign this operation.
sign_in_two_phases es256 "$payload" 1
status=$?
[ "$status" -eq 1 ] || fail "jws_sign after authenticating another challenge exited $status, expected 1"
grep -q 'KEY_USER_NOT_AUTHENTICATED' "$work/signer.err" ||
    fail "another challenge: not KEY_USER_NOT_AUTHENTICATED: $(cat "$work/signer.err")"
[ "$(grep -vc '^challenge ' "$work/signer.out")" -eq 0 ] || fail "jws_sign printed a JWS after authenticating another challenge"

refused KEY_USER_NOT_AUTHENTICATED -26 sign es256 --data "$input" --encoding p1363
ok generate-key rsa --algorithm rsa
expect 2 sign rsa --data x --encoding p1363
grep -q 'p1363 is for ECDSA signatures' "$work/err" || fail "sign rsa --encoding p1363: $(cat "$work/err")"
expect 2 sign es256 --data x --encoding jose
[ -s "$work/out" ] && fail "a refused encoding printed a signature"

[ "$failures" -eq 0 ] || {
    echo "$failures failure(s)"
    exit 1
}
echo "jws: ok"
