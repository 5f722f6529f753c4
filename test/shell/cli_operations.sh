#!/usr/bin/env bash
# cli_operations.sh BUILD_DIR SOURCE_DIR - using keys from a shell: sign, verify, encrypt and decrypt
# (hex on stdout, raw with --out, input from --data, --data-hex and --in); the system prompt answering
# per-operation keys across processes; timeout keys, reboots, the lock screen and validity dates; and
# the attacks (forge-token, tamper-key-blob, callback-without-crypto).
set -u
build=${1:?usage: cli_operations.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=lib/cli_test.sh
source "$(dirname "$0")/lib/cli_test.sh"

is_hex_line() {
    grep -Eqx '[0-9a-f]+' "$work/out" || fail "$1: output is not one line of hex: $(cat "$work/out")"
}

# ---- sign and verify ----
ok generate-key ec
ok sign ec --data "invoice 42"
is_hex_line "sign"
signature=$(cat "$work/out")
ok verify ec --data "invoice 42" --signature-hex "$signature"
[ -s "$work/out" ] && fail "verify printed something"
refused VERIFICATION_FAILED -30 verify ec --data "invoice 43" --signature-hex "$signature"
ok verify --key ec --data-hex 696e766f696365203432 --signature-hex "$signature"
printf 'invoice 42' >"$work/data"
ok sign ec --in "$work/data" --out "$work/sig.der"
[ -s "$work/out" ] && fail "sign --out also printed on stdout"
[ -s "$work/sig.der" ] || fail "sign --out wrote nothing"
ok verify ec --in - --signature "$work/sig.der" <"$work/data"
if command -v openssl >/dev/null; then
    ok export-public ec
    cp "$work/out" "$work/ec.pub"
    openssl dgst -sha256 -verify "$work/ec.pub" -signature "$work/sig.der" "$work/data" >/dev/null 2>&1 ||
        fail "openssl does not verify kssim's ECDSA signature"
fi
ok generate-key rsa --algorithm rsa
ok sign rsa --data x --padding pss --digest sha256
ok verify rsa --data x --padding pss --signature-hex "$(cat "$work/out")"
refused INCOMPATIBLE_DIGEST -13 sign rsa --data x --digest sha512
refused KEY_NOT_FOUND 7 sign nothing --data x
ok generate-key hmac --algorithm hmac
ok sign hmac --data x
ok verify hmac --data x --signature-hex "$(cat "$work/out")"

# ---- encrypt and decrypt ----
ok generate-key aes --algorithm aes
ok encrypt aes --data "kept for a long time"
is_hex_line "encrypt"
ok decrypt aes --ciphertext-hex "$(cat "$work/out")"
[ "$(cat "$work/out")" = "$(printf 'kept for a long time' | od -An -tx1 | tr -d ' \n')" ] ||
    fail "decrypt did not give the plaintext back in hex: $(cat "$work/out")"
ok encrypt aes --data "raw" --out "$work/ct.bin"
ok decrypt aes --ciphertext "$work/ct.bin" --out "$work/pt.bin"
[ "$(cat "$work/pt.bin")" = raw ] || fail "decrypt --out did not write the raw plaintext"
ok decrypt aes --ciphertext "$work/ct.bin" --out -
[ "$(cat "$work/out")" = raw ] || fail "decrypt --out - did not print the raw plaintext"
printf '\x00' | cat - "$work/ct.bin" >"$work/ct-bad.bin"
expect 1 decrypt aes --ciphertext "$work/ct-bad.bin"
[ -s "$work/out" ] && fail "a failed decryption printed something"
ok generate-key cbc --algorithm aes --block-modes cbc --paddings pkcs7
ok encrypt cbc --data "sixteen+ bytes of text"
ok decrypt cbc --ciphertext-hex "$(cat "$work/out")" --out -
[ "$(cat "$work/out")" = "sixteen+ bytes of text" ] || fail "aes-cbc round trip failed"
ok generate-key two_modes --algorithm aes --block-modes gcm,cbc --paddings none,pkcs7
ok encrypt two_modes --data x --block-mode cbc
ciphertext=$(cat "$work/out")
expect 2 decrypt two_modes --ciphertext-hex "$ciphertext"
grep -q -- "--block-mode" "$work/err" || fail "decrypt with an ambiguous block mode does not ask for --block-mode"
ok decrypt two_modes --ciphertext-hex "$ciphertext" --block-mode cbc --out -
[ "$(cat "$work/out")" = x ] || fail "decrypt --block-mode cbc failed"
ok generate-key oaep --algorithm rsa --purposes encrypt,decrypt --paddings oaep
ok encrypt oaep --data "for rsa"
ok decrypt oaep --ciphertext-hex "$(cat "$work/out")" --out -
[ "$(cat "$work/out")" = "for rsa" ] || fail "rsa-oaep round trip failed"
refused UNSUPPORTED_PURPOSE -2 encrypt ec --data x

# ---- the system prompt answers per-operation keys, from one process to the next ----
ok set-credential --type pin --secret 1234
ok enroll-biometric --id 1
ok generate-key pay --auth biometric_strong --timeout 0
refused KEY_USER_NOT_AUTHENTICATED -26 sign pay --data "pay 10 EUR"
grep -q "^kssim: hint: .*kssim prompt --respond" "$work/err" || fail "no hint to arm the prompt: $(cat "$work/err")"
ok prompt --respond biometric:1 --count 1
[ -s "$work/out" ] && fail "prompt printed something"
ok status --json
python3 -c 'import json,sys; p=json.load(sys.stdin)["prompt"]; assert p=={"response":"biometric","biometric_id":1,"remaining":1}, p' \
    <"$work/out" || fail "status does not show the armed prompt: $(cat "$work/out")"
ok sign pay --data "pay 10 EUR"
is_hex_line "sign with the prompt armed"
ok verify pay --data "pay 10 EUR" --signature-hex "$(cat "$work/out")"
refused KEY_USER_NOT_AUTHENTICATED -26 sign pay --data "pay 10 EUR"
ok prompt --respond biometric:1 --count 2
ok sign pay --data one
ok sign pay --data two
refused KEY_USER_NOT_AUTHENTICATED -26 sign pay --data three
ok prompt --respond biometric:1 --count 3
ok prompt --respond none
refused KEY_USER_NOT_AUTHENTICATED -26 sign pay --data disarmed
ok status
grep -q '^prompt *unarmed$' "$work/out" || fail "prompt --respond none did not disarm"
# A credential prompt, for a key that accepts the credential; a wrong one is refused when armed.
ok generate-key confirm --auth device_credential --timeout 0
refused WRONG_CREDENTIAL 1001 prompt --respond credential:0000
ok prompt --respond credential:1234
ok sign confirm --data "transfer"
refused KEY_USER_NOT_AUTHENTICATED -26 sign confirm --data "transfer"
# A biometric answer does not satisfy a credential-only key.
ok prompt --respond biometric:1
refused KEY_USER_NOT_AUTHENTICATED -26 sign confirm --data x
ok prompt --respond none

# ---- timeout keys, reboots, the lock screen ----
# The credential prompt's token is in keystore's cache, where any timeout key would accept it: let it age.
ok advance 31s
ok generate-key timed --auth device_credential --timeout 30
refused KEY_USER_NOT_AUTHENTICATED -26 sign timed --data x
ok verify-credential --secret 1234
ok sign timed --data x
ok advance 30s
ok sign timed --data x
ok advance 1s
refused KEY_USER_NOT_AUTHENTICATED -26 sign timed --data x
ok reboot
# keystore2 looks for the timeout key's token (none since the reboot) before it asks for the super key.
refused KEY_USER_NOT_AUTHENTICATED -26 sign timed --data x
ok sign ec --data "keys without authentication work at once"
ok unlock --secret 1234
ok sign timed --data x
ok generate-key awake --unlocked-device-required
ok lock
refused DEVICE_LOCKED -72 sign awake --data x
ok unlock --secret 1234
ok sign awake --data x

# ---- validity dates follow the wall clock ----
ok generate-key dated --active 2026-02-01T00:00:00Z --origination-expire 2027-01-01T00:00:00Z
refused KEY_NOT_YET_VALID -24 sign dated --data x
ok set-wall-clock 2026-06-01T00:00:00Z
ok sign dated --data x
ok set-wall-clock 2027-06-01T00:00:00Z
refused KEY_EXPIRED -25 sign dated --data x

# ---- attacks ----
ok verify-credential --secret 1234
ok advance 1m
refused KEY_USER_NOT_AUTHENTICATED -26 sign timed --data x
ok forge-token --type password --sid root --mac corrupt
refused KEY_USER_NOT_AUTHENTICATED -26 sign timed --data x
ok forge-token --type password --mac previous_boot
refused KEY_USER_NOT_AUTHENTICATED -26 sign timed --data x
ok forge-token --type password --age 10s --challenge 0x0
ok sign timed --data "a compromised HAL's token is accepted"
ok callback-without-crypto
refused KEY_USER_NOT_AUTHENTICATED -26 sign pay --data "the callback produced no token"
ok generate-key victim
ok tamper-key-blob victim --field key_material
refused INVALID_KEY_BLOB -33 sign victim --data x
ok generate-key victim2
ok tamper-key-blob --alias victim2 --field purposes
refused INVALID_KEY_BLOB -33 sign victim2 --data x
refused KEY_NOT_FOUND 7 tamper-key-blob nothing --field auth_timeout

[ "$failures" -eq 0 ] || {
    echo "$failures failure(s)"
    exit 1
}
echo "cli_operations: ok"
