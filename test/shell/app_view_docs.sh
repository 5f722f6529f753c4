#!/usr/bin/env bash
# app_view_docs.sh - docs/app-view.md carries the table sim/framework/app_view.c produces (test_app_view
# --print-table), so the page cannot drift from the code; and the formats that name the app's view agree:
# the text suffix, TAP's YAML block, JUnit's properties and the JSON document (checked with python3, which
# scripts/install-deps.sh installs: without it this test fails, as the other JSON checks do).
set -u
build=${1:?usage: app_view_docs.sh BUILD_DIR SOURCE_DIR}
source_dir=${2:?usage: app_view_docs.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=lib/shell_test.sh
source "$(dirname "$0")/lib/shell_test.sh"

"$build/test/test_app_view" --print-table >"$work/table" || fail "test_app_view --print-table failed"
sed -n '/<!-- app-view-table: begin -->/,/<!-- app-view-table: end -->/p' "$source_dir/docs/app-view.md" |
    sed '1d;$d' >"$work/page"
diff -u "$work/page" "$work/table" >"$work/diff" ||
    fail "docs/app-view.md's table differs from the code: regenerate it with build/test/test_app_view --print-table
$(head -40 "$work/diff")"

scenario="$source_dir/scenarios/app-view/finish-exceptions.yaml"
"$kssim" run "$scenario" >"$work/text" || fail "kssim run $scenario failed"
# Step 7's refused update ended the operation (V-OP-FAILED-CALL-ENDS): Signature.sign then meets a lost handle.
grep -qF '8 finish op=op1 data="10 EUR" -> INVALID_OPERATION_HANDLE (-28) [SignatureException from Signature.sign]' \
    "$work/text" || fail "the text transcript lacks the app's view of step 8: $(sed -n 9p "$work/text")"
grep -qF '1 set_credential type=pin secret=1234 -> ok (0)' "$work/text" ||
    fail "a successful step has a suffix: $(sed -n 2p "$work/text")"

"$kssim" run "$scenario" --format tap >"$work/tap" || fail "kssim run --format tap failed"
grep -qF '      app_exception: "javax.crypto.IllegalBlockSizeException"' "$work/tap" ||
    fail "TAP's YAML block lacks the fully qualified IllegalBlockSizeException"

"$kssim" run "$scenario" --format junit >"$work/junit" || fail "kssim run --format junit failed"
grep -qF '<property name="app_call" value="Mac.doFinal"/>' "$work/junit" || fail "JUnit lacks the app_call property"

# A prompt that cannot start (R-BIO-NONE-ENROLLED, PreAuthInfo): its two codes, and no attempt counted.
prompt_scenario="$source_dir/scenarios/app-view/prompt-cannot-start.yaml"
"$kssim" run "$prompt_scenario" >"$work/prompt" || fail "kssim run $prompt_scenario failed"
grep -qF '2 authenticate_biometric id=1 -> NO_BIOMETRIC_ENROLLED (1005) [onAuthenticationError(BIOMETRIC_ERROR_NO_BIOMETRICS=11) from BiometricPrompt.AuthenticationCallback]' \
    "$work/prompt" || fail "no BIOMETRIC_ERROR_NO_BIOMETRICS for a prompt with nothing enrolled: $(sed -n 3p "$work/prompt")"
grep -qF '1 prompt respond=credential secret=1234 -> NO_CREDENTIAL (1003) [onAuthenticationError(BIOMETRIC_ERROR_NO_DEVICE_CREDENTIAL=14) from BiometricPrompt.AuthenticationCallback]' \
    "$work/prompt" || fail "no BIOMETRIC_ERROR_NO_DEVICE_CREDENTIAL for a credential prompt without a credential"
grep -qF '11 authenticate_biometric id=1 -> ok (0)' "$work/prompt" ||
    fail "tries with nothing enrolled were counted as failures (a lockout followed)"

for level in 32 33; do
    "$kssim" run "$source_dir/scenarios/app-view/generation-exceptions.yaml" --api-level "$level" --format json \
        >"$work/json.$level" || fail "kssim run --format json failed on $level"
done
python3 - "$work/json.32" "$work/json.33" <<'PY' || fail "the JSON transcripts are not what they should be"
import json, sys
old, new = (json.load(open(path)) for path in sys.argv[1:3])
step = lambda doc, n: next(s for s in doc["runs"][0]["steps"] if s.get("number") == n)
assert step(new, 5)["app_exception"] == "java.security.ProviderException", step(new, 5)
assert step(new, 5)["app_call"] == "KeyGenerator.generateKey", step(new, 5)
assert step(new, 5)["app_numeric_code"] == -6, step(new, 5)
assert step(old, 5)["app_numeric_code"] is None, step(old, 5)
assert step(new, 1)["app_exception"] == "java.security.InvalidAlgorithmParameterException", step(new, 1)
assert new["passed"] == 1 and new["failed"] == 0, new
PY

# An expectation by exception can fail: the same step expecting another class is unmet.
sed 's/expect: ProviderException}/expect: SignatureException}/' \
    "$source_dir/scenarios/app-view/generation-exceptions.yaml" >"$work/wrong.yaml"
"$kssim" run "$work/wrong.yaml" >"$work/wrong" 2>&1 && fail "a wrong expected exception passed"
grep -qF '<-- expected SignatureException' "$work/wrong" || fail "the unmet exception is not named: $(cat "$work/wrong")"

report_failures app_view_docs
