#!/usr/bin/env bash
# cli_keys.sh BUILD_DIR SOURCE_DIR - the key commands: generate-key with the policy options,
# import-key (PEM and raw), delete-key, keys (table and --json), export-public (checked with openssl)
# and expect-key; refusals with exit 1 and `kssim: RESULT (CODE): ...`; a usage-count-limited key
# counted down across processes; invalidation shown by keys and expect-key.
set -u
build=${1:?usage: cli_keys.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=lib/cli_test.sh
source "$(dirname "$0")/lib/cli_test.sh"

# key_field ALIAS PYTHON_EXPRESSION: evaluates the expression on key ALIAS of `kssim keys --json` (as k).
key_field() {
    "$kssim" keys --json | python3 -c '
import json, sys
keys = {k["alias"]: k for k in json.load(sys.stdin)}
k = keys[sys.argv[1]]
value = eval(sys.argv[2])
print(str(value).lower() if isinstance(value, bool) else value)' "$1" "$2"
}

check_key() {
    local actual
    actual=$(key_field "$1" "$2")
    [ "$actual" = "$3" ] || fail "key $1: $2 is '$actual', expected '$3'"
}

# ---- generate-key, keys ----
# Android 15: an unlocked-device-required key works on a phone without a lock screen (on Android 12-14
# keystore2 also wants an auth token, which nothing can produce there: udr-no-secure-lock-screen-api34.yaml).
ok init --api-level 35 --force
ok generate-key plain
[ -s "$work/out" ] && fail "generate-key printed something"
ok generate-key --alias rsa --algorithm rsa --size 3072 --paddings pss --digests sha256,sha512
ok generate-key ed --algorithm ed25519 --digests none
ok generate-key vault --algorithm aes --size 128 --block-modes gcm,cbc --paddings none,pkcs7
ok generate-key mac --algorithm hmac
ok generate-key limited --usage-count-limit 2 --max-uses-per-boot 5 --min-seconds-between-ops 1 \
    --unlocked-device-required --active 2026-01-01T00:00:00Z --origination-expire 2027-01-01T00:00:00Z \
    --usage-expire 2028-01-01T00:00:00Z
refused UNSUPPORTED_KEY_SIZE -6 generate-key odd --size 255
refused HARDWARE_TYPE_UNAVAILABLE -68 generate-key sb --security-level strongbox
refused NO_SECURE_LOCK_SCREEN 1004 generate-key timed --auth device_credential --timeout 30
ok keys
head -1 "$work/out" | grep -Eq '^ALIAS +ALGORITHM +PURPOSES +AUTH +SIDS +LIMITS +STATE$' ||
    fail "keys has no header line: $(head -1 "$work/out")"
grep -Eq '^plain +ec-256 +sign,verify +none +- +- +valid$' "$work/out" || fail "keys: plain row wrong: $(cat "$work/out")"
grep -Eq '^rsa +rsa-3072 ' "$work/out" || fail "keys: rsa row wrong"
grep -Eq '^ed +ed25519 ' "$work/out" || fail "keys: ed25519 row wrong"
grep -Eq '^limited .* 2/2 uses left, 5 per boot, 1s between ops, unlocked device required +valid$' "$work/out" ||
    fail "keys: limits of 'limited' wrong: $(grep '^limited' "$work/out")"
grep -Eq '^(odd|sb|timed) ' "$work/out" && fail "a refused generation created a key"
expect 0 keys --json
python3 -m json.tool <"$work/out" >/dev/null || fail "keys --json is not JSON: $(cat "$work/out")"
check_key vault 'k["algorithm"], k["size"], k["block_modes"], k["paddings"]' \
    "('aes', 128, ['gcm', 'cbc'], ['none', 'pkcs7'])"
check_key rsa 'k["digests"], k["paddings"]' "(['sha256', 'sha512'], ['pss'])"
# R-KEY-SIZE-DEFAULT: no size gives the framework's default (AES 128, HMAC the digest's output size), and the
# listing shows the size KeyMint returned; R-KEY-SIZES-TEE: P-224 and AES-192 are TEE sizes.
ok generate-key aes_default --algorithm aes
ok generate-key mac512 --algorithm hmac --digests sha512
ok generate-key p224 --algorithm ec --size 224
ok generate-key aes192 --algorithm aes --size 192
check_key aes_default 'k["size"]' 128
check_key mac 'k["size"]' 256
check_key mac512 'k["size"]' 512
check_key p224 'k["algorithm"], k["size"]' "('ec', 224)"
check_key aes192 'k["size"]' 192
check_key limited 'k["limits"]["usage_count_limit"], k["limits"]["uses_remaining"], k["limits"]["max_uses_per_boot"]' \
    "(2, 2, 5)"
check_key limited 'k["validity"]["origination_expire"]' "2027-01-01T00:00:00Z"
check_key plain 'k["auth"], k["sids"], k["state"], k["reason"]' "(None, [], 'valid', None)"
# Aliases are arbitrary strings; JSON escapes them.
ok generate-key 'we"ird\name'
expect 0 keys --json
python3 -c 'import json,sys; assert "we\"ird\\name" in [k["alias"] for k in json.load(sys.stdin)]' <"$work/out" ||
    fail "keys --json does not escape aliases"
ok delete-key 'we"ird\name'

# ---- usage count, counted down across processes ----
ok sign limited --data one
ok advance 1s
check_key limited 'k["limits"]["uses_remaining"]' 1
expect 0 keys
grep -Eq '^limited .* 1/2 uses left' "$work/out" || fail "keys does not show 1/2 uses left"
ok sign limited --data two
ok advance 1s
refused KEY_PERMANENTLY_INVALIDATED 17 sign limited --data three
ok expect-key limited --state invalidated --reason usage_exhausted
expect 0 keys
grep -Eq '^limited .* invalidated \(usage_exhausted\)$' "$work/out" || fail "keys does not show usage_exhausted"

# ---- expect-key ----
ok expect-key plain --state valid
[ -s "$work/out" ] && fail "expect-key printed on stdout"
ok expect-key nothing --state absent
expect 1 expect-key plain --state invalidated
grep -q "key 'plain' is valid, expected invalidated" "$work/err" || fail "expect-key mismatch message: $(cat "$work/err")"
expect 1 expect-key limited --state invalidated --reason credential_reset
grep -q "is invalidated (usage_exhausted), expected invalidated (credential_reset)" "$work/err" ||
    fail "expect-key reason mismatch message: $(cat "$work/err")"

# ---- delete-key ----
ok delete-key plain
refused KEY_NOT_FOUND 7 delete-key plain
refused KEY_NOT_FOUND 7 sign plain --data x
ok expect-key plain --state absent

# ---- export-public ----
ok export-public ed
head -1 "$work/out" | grep -qx -- '-----BEGIN PUBLIC KEY-----' || fail "export-public is not a PUBLIC KEY PEM"
if command -v openssl >/dev/null; then
    openssl pkey -pubin -in "$work/out" -noout 2>/dev/null || fail "openssl cannot read export-public's PEM"
fi
refused KEY_NOT_FOUND 7 export-public plain
expect 1 export-public vault
[ -s "$work/out" ] && fail "export-public of an aes key printed something"

# ---- import-key ----
if command -v openssl >/dev/null; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$work/p384.pem" 2>/dev/null
    ok import-key imported --pem-file "$work/p384.pem" --purposes sign,verify --digests sha384
    check_key imported 'k["algorithm"]' ec
    check_key imported 'k["size"]' 384
    ok sign imported --data "invoice 42" --out "$work/sig.der"
    ok export-public imported
    cp "$work/out" "$work/imported.pub"
    printf 'invoice 42' >"$work/data"
    openssl dgst -sha384 -verify "$work/imported.pub" -signature "$work/sig.der" "$work/data" >/dev/null 2>&1 ||
        fail "openssl does not verify a signature made with an imported key"
    refused UNSUPPORTED_KEY_SIZE -6 import-key wrong_size --pem-file "$work/p384.pem" --size 256
    ok import-key from_stdin --pem-file - <"$work/p384.pem"
fi
refused INVALID_ARGUMENT -38 import-key raw --key-hex 000102030405060708090a0b0c0d0e0f
ok import-key raw --key-hex 000102030405060708090a0b0c0d0e0f --algorithm aes
check_key raw 'k["algorithm"]' aes
printf 'not a key' >"$work/junk.pem"
refused INVALID_ARGUMENT -38 import-key junk --pem-file "$work/junk.pem"

# ---- invalidation shown by keys ----
ok set-credential --type pin --secret 1234
ok enroll-biometric --id 1
ok generate-key bio --auth biometric_strong --timeout 30
ok generate-key both --auth biometric_strong,device_credential --timeout 30
check_key both 'k["auth"]["types"], k["auth"]["timeout"], k["auth"]["per_operation"]' \
    "(['biometric_strong', 'device_credential'], 30, False)"
[ "$(key_field both 'len(k["sids"])')" = 1 ] || fail "a credential-or-biometric key is not bound to one SID"
ok generate-key optout --auth biometric_strong --no-invalidate-on-enrollment
check_key optout 'k["invalidated_by_biometric_enrollment"], k["auth"]["per_operation"]' "(False, True)"
expect 0 keys
grep -Eq '^both .* biometric_strong\+device_credential 30s +0x[0-9a-f]{16} ' "$work/out" ||
    fail "keys: auth/SID columns of 'both' wrong: $(grep '^both' "$work/out")"
grep -Eq '^optout .* biometric_strong per-operation ' "$work/out" || fail "keys: per-operation auth not shown"
ok enroll-biometric --id 2
ok expect-key bio --state invalidated --reason biometric_enrollment_changed
ok expect-key both --state valid
ok expect-key optout --state valid
ok reset-credential --new 0000
ok expect-key both --state invalidated --reason credential_reset
ok generate-key fresh --auth device_credential --timeout 5
ok generate-key unlocked_only --unlocked-device-required
ok remove-credential --old 0000
ok expect-key fresh --state invalidated --reason lock_screen_removed
ok expect-key unlocked_only --state valid
refused KEY_PERMANENTLY_INVALIDATED 17 sign fresh --data x

# ---- a device with StrongBox ----
ok --device "$work/strongbox" init --security-level strongbox
ok --device "$work/strongbox" generate-key sb --security-level strongbox
expect 0 --device "$work/strongbox" keys --json
python3 -c 'import json,sys; assert json.load(sys.stdin)[0]["security_level"] == "strongbox"' <"$work/out" ||
    fail "keys --json does not show the strongbox security level"

[ "$failures" -eq 0 ] || {
    echo "$failures failure(s)"
    exit 1
}
echo "cli_keys: ok"
