#!/usr/bin/env bash
# lint.sh BUILD_DIR SOURCE_DIR - `kssim lint` (docs/lint.md): the exact findings of each purpose-built fixture
# (test/shell/lint_fixtures/), the bundled scenarios linted (valid, with the findings they are known to show),
# a key on the device and --key-spec, --json, --fail-on and the exit statuses 0/1/2.
# JSON is read with python3, as the other shell tests do.
set -u
build=${1:?usage: lint.sh BUILD_DIR SOURCE_DIR}
source_dir=${2:?usage: lint.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=lib/cli_test.sh
source "$(dirname "$0")/lib/cli_test.sh"
fixtures="$source_dir/test/shell/lint_fixtures"

# The findings of $work/out (--json) as sorted "LINE ID KEY" lines (LINE is - outside files).
findings() {
    python3 -c '
import json, sys
doc = json.load(sys.stdin)
rows = ["%s %s %s" % (f["line"] if f["line"] is not None else "-", f["id"], f["key"]) for f in doc["findings"]]
for row in sorted(rows):
    print(row)' <"$work/out"
}

# expect_findings FIXTURE STATUS "LINE ID KEY"...: exactly these findings, and this exit status.
expect_findings() {
    local fixture=$1 status=$2
    shift 2
    expect "$status" lint --json "$fixtures/$fixture"
    local want got
    want=$(printf '%s\n' "$@" | sed '/^$/d' | sort)
    got=$(findings)
    [ "$got" = "$want" ] || fail "$fixture: findings are [$got], expected [$want]"
}

# ---- Each fixture: its findings exactly ----
expect_findings no-user-auth.yaml 1 "6 L-NO-USER-AUTH login"
expect_findings invalidation-off.yaml 1 "7 L-INVALIDATION-OFF sticky"
expect_findings long-timeout.yaml 1 "6 L-LONG-BIOMETRIC-TIMEOUT hour"
expect_findings timeout-cryptoobject.yaml 1 "7 L-TIMEOUT-ON-PER-OPERATION-FLOW login"
expect_findings credential-allowed.yaml 1 "9 L-DEVICE-CREDENTIAL-ALLOWED marked" "10 L-DEVICE-CREDENTIAL-ALLOWED by_flow"
expect_findings secret-at-rest.yaml 1 "5 L-NO-UNLOCKED-DEVICE-REQUIRED vault"
expect_findings secret-at-rest-api27.yaml 0 ""
expect_findings strongbox-fallback.yaml 1 "8 L-STRONGBOX-SILENT-FALLBACK id"
expect_findings hygiene.yaml 0 "6 L-SHA1-DIGEST legacy" "7 L-AES-ECB ecb" "8 L-RSA-PKCS1-ENCRYPTION wrapper"
expect_findings clean.yaml 0 ""

# Every fixture is a scenario that runs, not only text that parses.
"$kssim" run "$fixtures" >"$work/out" 2>&1 || fail "the lint fixtures do not run: $(tail -5 "$work/out")"

# ---- --fail-on ----
expect 1 lint --fail-on note "$fixtures/hygiene.yaml"
expect 0 lint --fail-on error "$fixtures/secret-at-rest.yaml"
expect 1 lint --fail-on=error "$fixtures/credential-allowed.yaml"
expect 2 lint --fail-on fatal "$fixtures/clean.yaml"
grep -q "note, warning or error" "$work/err" || fail "--fail-on fatal: no sentence naming the levels: $(cat "$work/err")"

# ---- Text: one compiler-style line per finding, then why / instead / source, then the summary ----
expect 1 lint "$fixtures/invalidation-off.yaml"
grep -q "^$fixtures/invalidation-off.yaml:7:5: warning L-INVALIDATION-OFF: key 'sticky' (generate_key): " "$work/out" ||
    fail "text finding line: $(head -1 "$work/out")"
for label in why instead source; do
    grep -q "^    $label: " "$work/out" || fail "text output has no '$label:' line"
done
grep -q "^lint: 1 finding in 2 keys (0 error, 1 warning, 0 note); 1 at or above warning$" "$work/out" ||
    fail "text summary: $(tail -1 "$work/out")"
expect 0 lint "$fixtures/clean.yaml"
[ "$(cat "$work/out")" = "lint: no findings in 1 key" ] || fail "clean summary: $(cat "$work/out")"
expect 1 lint --brief "$fixtures/credential-allowed.yaml"
[ "$(wc -l <"$work/out")" -eq 3 ] || fail "--brief: not one line per finding and the summary: $(cat "$work/out")"
grep -q "why:" "$work/out" && fail "--brief printed the explanations"

# ---- The JSON document ----
expect 1 lint --json "$fixtures/secret-at-rest.yaml"
python3 -c '
import json, sys
doc = json.load(sys.stdin)
f = doc["findings"][0]
assert set(f) == {"id", "severity", "key", "file", "line", "column", "step", "title", "reason", "instead", "source"}, f
assert f["severity"] == "warning" and f["step"] == "generate_key" and f["column"] == 5, f
assert "\n" not in f["reason"] and "setUnlockedDeviceRequired" in f["source"], f
assert doc["keys"] == 3 and doc["counts"] == {"note": 0, "warning": 1, "error": 0}, doc
assert doc["fail_on"] == "warning" and doc["failed"] is True, doc' <"$work/out" || fail "lint --json document: $(cat "$work/out")"

# ---- The bundled scenarios: all valid (never 2), with the findings they are known to show ----
expect 1 lint --json "$source_dir/scenarios"
[ -s "$work/err" ] && fail "linting the bundled scenarios wrote to stderr: $(cat "$work/err")"
python3 -c '
import json, sys
doc = json.load(sys.stdin)
def has(file, line, finding, key):
    return any(f["file"].endswith(file) and f["line"] == line and f["id"] == finding and f["key"] == key
               for f in doc["findings"])
assert has("/strongbox-unavailable.yaml", 24, "L-STRONGBOX-SILENT-FALLBACK", "sb")
assert has("/invalidation-opt-out-survives.yaml", 15, "L-INVALIDATION-OFF", "sticky")
# A per-operation key the armed prompt answers by fingerprint and by PIN: the credential was meant.
assert not any(f["file"].endswith("/system-prompt-answers-per-operation-keys.yaml")
               and f["id"] == "L-DEVICE-CREDENTIAL-ALLOWED" for f in doc["findings"])
# The recommended CryptoObject login key is clean.
assert not any(f["file"].endswith("/cryptoobject-biometric-login.yaml") for f in doc["findings"])
assert doc["keys"] > 100' <"$work/out" || fail "bundled scenarios: expected findings missing"

# ---- A wrong lint-intent line is an input error naming its line ----
printf '# lint-intent: k logn\nname: x\nsteps:\n  - generate_key: {alias: k}\n' >"$work/bad.yaml"
expect 2 lint "$work/bad.yaml"
grep -q "bad.yaml:1: 'logn' is not a lint intent" "$work/err" || fail "bad intent: $(cat "$work/err")"
printf 'name: x\nsteps:\n  - generate_key: {alias: k, size: lots}\n' >"$work/invalid.yaml"
expect 2 lint "$work/invalid.yaml"
grep -q "invalid.yaml:3:" "$work/err" || fail "invalid scenario: no FILE:LINE:COL error: $(cat "$work/err")"

# ---- A key on the device ----
"$kssim" init >/dev/null 2>&1 || fail "kssim init"
"$kssim" generate-key vault --algorithm aes --purposes encrypt,decrypt || fail "generate-key vault"
expect 1 lint vault --json
[ "$(findings)" = "- L-NO-UNLOCKED-DEVICE-REQUIRED vault" ] || fail "lint vault: $(findings)"
expect 0 lint vault --fail-on error
"$kssim" generate-key guarded --algorithm aes --purposes encrypt,decrypt --unlocked-device-required ||
    fail "generate-key guarded"
expect 0 lint guarded
expect 1 lint --json guarded --intent login
[ "$(findings)" = "- L-NO-USER-AUTH guarded" ] || fail "lint guarded --intent login: $(findings)"
expect 2 lint missing
grep -q "KEY_NOT_FOUND" "$work/err" || fail "lint missing: $(cat "$work/err")"

# ---- --key-spec: the generate-key options, no device ----
expect 1 --device "$work/none" lint --json --key-spec --alias login --auth biometric_strong --timeout 60 \
    --no-invalidate-on-enrollment
[ "$(findings | tr '\n' ' ')" = "- L-INVALIDATION-OFF login - L-LONG-BIOMETRIC-TIMEOUT login " ] ||
    fail "--key-spec: $(findings)"
[ -e "$work/none" ] && fail "lint --key-spec created a device"
expect 1 lint --json --key-spec --auth biometric_strong,device_credential --intent biometric-only
[ "$(findings)" = "- L-DEVICE-CREDENTIAL-ALLOWED key" ] || fail "--key-spec --intent biometric-only: $(findings)"
expect 0 lint --key-spec --algorithm aes --purposes encrypt,decrypt --api-level 27
expect 1 lint --key-spec --algorithm aes --purposes encrypt,decrypt --api-level 28
expect 2 lint --key-spec --intent bogus
grep -q "'bogus' is not an intent" "$work/err" || fail "--intent bogus: $(cat "$work/err")"
expect 2 lint --key-spec --purposes fly

# ---- Usage ----
expect 2 lint
expect 2 lint --intent login "$fixtures/clean.yaml"
expect 0 lint --help
grep -q "L-STRONGBOX-SILENT-FALLBACK" "$work/out" || fail "lint --help does not list the findings"
"$kssim" --help | grep -q "kssim lint" || fail "kssim --help does not list lint"

[ "$failures" -eq 0 ] || {
    echo "$failures failure(s)"
    exit 1
}
echo "lint: all checks passed"
