#!/usr/bin/env bash
# provider_debug.sh BUILD_DIR SOURCE_DIR - KSSIM_PROVIDER_DEBUG=1 (issue 13): through the openssl CLI,
# each call into the provider's dispatch tables is one "keystore: call(arguments)" line on stderr, with
# the key's alias, the digest and the parameters set; without the variable (or with another value) the
# provider prints nothing, and what openssl writes is the same either way.
source "$2/test/provider/provider_common.bash" "$@"
cd "$work" || exit 1
setup_phone
printf 'the message\n' >data.txt

# trace_lines FILE: the provider's trace lines in an error output.
trace_lines() {
    grep -c '^keystore: ' "$1"
}

# has_line DESCRIPTION FILE FIXED-TEXT: a trace line of FILE contains FIXED-TEXT.
has_line() {
    checks=$((checks + 1))
    if grep '^keystore: ' "$2" | grep -qF -- "$3"; then
        echo "ok - $1"
    else
        fail "$1: no trace line with '$3' in: $(head -c 2000 "$2")"
    fi
}

# no_lines DESCRIPTION FILE
no_lines() {
    checks=$((checks + 1))
    local n
    n=$(trace_lines "$2")
    if [ "$n" -eq 0 ]; then echo "ok - $1"; else fail "$1: $n trace lines: $(head -c 500 "$2")"; fi
}

sign() {
    openssl dgst -sha256 "${PROV[@]}" -sign keystore:login -out "$1" data.txt
}
verify() {
    openssl dgst -sha256 -verify login.pub -signature "$1" data.txt
}

# Generation, traced: the alias reaches the key manager as a parameter.
KSSIM_PROVIDER_DEBUG=1 genkey login.pem -algorithm EC -pkeyopt group:P-256 -pkeyopt alias:login 2>gen.err
checks=$((checks + 1))
if [ -s login.pem ]; then echo "ok - genpkey with the trace on"; else fail "genpkey with the trace on: $(cat gen.err)"; fi
has_line "the generation's parameters are traced with their values" gen.err "gen_set_params(params=["
has_line "the alias set is in the trace" gen.err "alias=login"
openssl pkey "${PROV[@]}" -in login.pem -pubout -out login.pub 2>/dev/null

# Signing, traced.
KSSIM_PROVIDER_DEBUG=1 sign traced.sig 2>traced.err
ok "a signature made with the trace on verifies" verify traced.sig
has_line "the store opens the keystore: URI" traced.err "keystore: store_open(uri=keystore:login)"
has_line "digest-sign init names the alias and the digest" traced.err \
    "keystore: signature_digest_sign_init(alias=login, digest=sha256"
has_line "the update carries its length" traced.err "keystore: signature_digest_sign_update(datalen=12)"
has_line "the final call is traced" traced.err "keystore: signature_digest_sign_final("
checks=$((checks + 1))
if grep -v '^keystore: ' traced.err | grep -q . || grep '^keystore: ' traced.err | grep -qv ')$'; then
    fail "every stderr line is one whole trace line: $(head -c 2000 traced.err)"
else
    echo "ok - every stderr line is one whole trace line ($(trace_lines traced.err) lines)"
fi

# Off by default, and for any value but 1.
sign quiet.sig 2>quiet.err
ok "a signature made with the trace off verifies" verify quiet.sig
no_lines "no trace without KSSIM_PROVIDER_DEBUG" quiet.err
checks=$((checks + 1))
if [ -s quiet.err ]; then fail "nothing at all on stderr without the trace: $(head -c 500 quiet.err)"; else
    echo "ok - nothing at all on stderr without the trace"
fi
KSSIM_PROVIDER_DEBUG=0 sign zero.sig 2>zero.err
no_lines "no trace with KSSIM_PROVIDER_DEBUG=0" zero.err
KSSIM_PROVIDER_DEBUG=yes sign yes.sig 2>yes.err
no_lines "no trace with KSSIM_PROVIDER_DEBUG=yes" yes.err

# A refusal is traced and still reported as the contract says.
"$kssim" generate-key perop --algorithm ec --auth device_credential --timeout 0 >/dev/null
export KSSIM_PROVIDER_DEBUG=1
refused KEY_USER_NOT_AUTHENTICATED "a refusal with the trace on keeps its error" \
    openssl dgst -sha256 "${PROV[@]}" -sign keystore:perop -out perop.sig data.txt
cp "$work/err" refused.err
has_line "the refused key's init is traced" refused.err "signature_digest_sign_init(alias=perop, digest=sha256"
unset KSSIM_PROVIDER_DEBUG
finish
