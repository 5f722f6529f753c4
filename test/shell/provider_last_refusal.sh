#!/usr/bin/env bash
# provider_last_refusal.sh BUILD_DIR SOURCE_DIR - the device keeps the last operation refused through the provider,
# so that a user whose client hides OpenSSL's error data (Python's ssl, curl) can ask `kssim last-refusal` (and
# see it in `kssim status`) why: a per-operation key's sign without the armed prompt, read by another process.
source "$2/test/provider/provider_common.bash" "$@"
cd "$work" || exit 1
setup_phone
printf 'data\n' >data.txt

ok "nothing refused yet" "$kssim" last-refusal
grep -q '^none: no operation through the OpenSSL provider has been refused' "$work/out" ||
    fail "a fresh device reports a refusal: $(cat "$work/out")"
ok "nothing refused yet, as JSON" "$kssim" last-refusal --json
grep -q '"present": *false' "$work/out" || fail "JSON of no refusal: $(cat "$work/out")"
ok "status of a device that refused nothing" "$kssim" status
grep -q '^last refusal' "$work/out" && fail "status shows a refusal that did not happen"

ok "a per-operation fingerprint key" genkey perop.pem -algorithm EC -pkeyopt alias:perop \
    -pkeyopt user-auth:biometric_strong -pkeyopt auth-timeout:0
ok "5 seconds pass" "$kssim" advance 5s
refused KEY_USER_NOT_AUTHENTICATED "sign without the armed prompt" sign_data perop.pem
openssl_sentence=$(grep -o 'KEY_USER_NOT_AUTHENTICATED (-26): [^;]*' "$work/err" | head -n 1)

ok "the reason, from another process" "$kssim" last-refusal
grep -q '^KEY_USER_NOT_AUTHENTICATED (-26): ' "$work/out" || fail "last-refusal lacks the result: $(cat "$work/out")"
# The same sentence openssl printed (the provider's error data), not a paraphrase.
[ -n "$openssl_sentence" ] && ! grep -qF "$openssl_sentence" "$work/out" &&
    fail "last-refusal's sentence is not the provider's: '$openssl_sentence' vs $(cat "$work/out")"
grep -qi 'prompt' "$work/out" || fail "the sentence does not say what would help: $(cat "$work/out")"
grep -qx "refused           sign with key 'perop'" "$work/out" || fail "last-refusal does not name the operation: $(cat "$work/out")"
grep -q '^when              boot 1, boot clock 5s' "$work/out" || fail "last-refusal lacks the virtual time: $(cat "$work/out")"
ok "as JSON" "$kssim" last-refusal --json
grep -q '"result": *"KEY_USER_NOT_AUTHENTICATED"' "$work/out" || fail "JSON lacks the result: $(cat "$work/out")"
grep -q '"code": *-26' "$work/out" || fail "JSON lacks the code: $(cat "$work/out")"
grep -q '"alias": *"perop"' "$work/out" || fail "JSON lacks the alias: $(cat "$work/out")"
ok "status names it" "$kssim" status
grep -q "^last refusal      KEY_USER_NOT_AUTHENTICATED (-26) to sign with key 'perop'" "$work/out" ||
    fail "status lacks the last refusal: $(cat "$work/out")"

# A later refusal replaces it; a success leaves it (it is the last refusal, not the last call).
refused KEY_NOT_FOUND "an unknown alias" sign_data keystore:nosuchkey
ok "the newer reason" "$kssim" last-refusal
grep -q '^KEY_NOT_FOUND (7): ' "$work/out" || fail "the later refusal did not replace the record: $(cat "$work/out")"
ok "a key without authentication" genkey plain.pem -algorithm EC -pkeyopt alias:plain
ok "it signs" sign_data plain.pem
ok "still the last refusal" "$kssim" last-refusal
grep -q '^KEY_NOT_FOUND (7): ' "$work/out" || fail "a success erased the last refusal: $(cat "$work/out")"

# A refusal of the kssim command line itself is no provider refusal: the record stays.
expect_refused() { "$@" >"$work/out" 2>"$work/err"; [ $? -eq 1 ] || fail "'$*' was not refused"; }
expect_refused "$kssim" sign perop --data x
ok "the CLI's refusal is not recorded" "$kssim" last-refusal
grep -q '^KEY_NOT_FOUND (7): ' "$work/out" || fail "kssim sign's refusal replaced the provider's: $(cat "$work/out")"

# A timeout key's refusal says how to authenticate from the shell, with the CLI's real command.
ok "a key needing a fingerprint within 30 s" genkey timed.pem -algorithm EC -pkeyopt alias:timed \
    -pkeyopt user-auth:biometric_strong -pkeyopt auth-timeout:30
refused KEY_USER_NOT_AUTHENTICATED "no fingerprint yet" sign_data timed.pem
grep -qF 'from a shell: `kssim authenticate-biometric --id ID`' "$work/err" ||
    fail "the timeout key's sentence does not say how to authenticate from a shell: $(cat "$work/err")"
ok "the shell command it names works" "$kssim" authenticate-biometric --id 1
ok "then it signs" sign_data timed.pem
ok "a key needing the credential within 30 s" genkey pin.pem -algorithm EC -pkeyopt alias:pin \
    -pkeyopt user-auth:device_credential -pkeyopt auth-timeout:30
ok "31 seconds pass" "$kssim" advance 31s
refused KEY_USER_NOT_AUTHENTICATED "the credential's window has passed" sign_data pin.pem
grep -qF 'from a shell: `kssim verify-credential --secret SECRET`' "$work/err" ||
    fail "the credential key's sentence does not name kssim verify-credential: $(cat "$work/err")"
ok "the last refusal carries the same advice" "$kssim" last-refusal
grep -qF 'kssim verify-credential --secret SECRET' "$work/out" || fail "last-refusal lacks the advice: $(cat "$work/out")"
ok "the shell command it names works" "$kssim" verify-credential --secret 1234
ok "then it signs" sign_data pin.pem

finish
