#!/usr/bin/env bash
# cli_usage.sh BUILD_DIR SOURCE_DIR - the kssim command line itself: --help for every command, the
# grouped command list, usage errors (exit 2, a message that names the fix, nothing on stdout), the
# scenario-only steps, and how the device is chosen (--device before or after the command, KSSIM_DEVICE,
# memory:, the per-user default).
set -u
build=${1:?usage: cli_usage.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=lib/cli_test.sh
source "$(dirname "$0")/lib/cli_test.sh"

# expect_usage PATTERN ARGS...: exit 2, PATTERN (grep -E) on stderr, nothing on stdout.
expect_usage() {
    local pattern=$1
    shift
    expect 2 "$@"
    grep -Eq -- "$pattern" "$work/err" || fail "kssim $*: stderr lacks /$pattern/: $(cat "$work/err")"
    [ -s "$work/out" ] && fail "kssim $*: a usage error printed on stdout: $(cat "$work/out")"
}

commands="init status check set-credential change-credential reset-credential remove-credential
verify-credential enroll-biometric remove-biometric authenticate-biometric prompt advance set-wall-clock
reboot lock unlock generate-key import-key delete-key keys export-public expect-key sign verify encrypt
decrypt forge-token tamper-key-blob callback-without-crypto run begin update finish abort replay-token
openssl-config"

# ---- help ----
expect 0 --help
cp "$work/out" "$work/help"
for group in Device 'Credential (Gatekeeper)' Biometrics 'System prompt' 'Time and power' Keys Operations \
    Attacks Scenarios; do
    grep -qx "$group:" "$work/help" || fail "kssim --help has no group '$group'"
done
for command in $commands; do
    grep -q "^  kssim $command\b" "$work/help" || fail "kssim --help does not list $command"
    expect 0 "$command" --help
    grep -q "^usage: kssim $command" "$work/out" || fail "kssim $command --help has no usage line"
    cp "$work/out" "$work/command-help"
    # `kssim help COMMAND` is the same text as `kssim COMMAND --help`, not the general help.
    expect 0 help "$command"
    cmp -s "$work/out" "$work/command-help" || fail "kssim help $command differs from kssim $command --help"
done
expect 0 help
cmp -s "$work/out" "$work/help" || fail "kssim help alone is not the general help"
expect_usage "unknown command 'sing'; did you mean 'sign'\\? commands: init status" help sing
expect_usage "takes at most one command name" help sign verify
# Help wins over mistakes on the same line, and no device is touched by it.
expect 0 sign --bogus --help
[ -e "$KSSIM_DEVICE" ] && fail "--help created the device"
expect 0 generate-key --help
grep -q -- '--usage-count-limit N' "$work/out" || fail "generate-key --help does not list --usage-count-limit"
grep -q '^On Android:' "$work/out" || fail "generate-key --help gives no Android equivalent"

# ---- usage errors ----
expect_usage "usage: kssim \[--device DIR\] COMMAND"
expect_usage "did you mean 'set-credential'" set_credential --type pin --secret 1
expect_usage "did you mean '--secret'\\?" set-credential --type pin --secert 1234
expect_usage "--type is required" set-credential --secret 1234
expect_usage "--secret needs a value" verify-credential --secret
expect_usage "unknown credential type 'pni'; did you mean 'pin'\\? --type takes pin, password, pattern" \
    set-credential --type pni --secret 1
expect_usage "'-5' is negative" verify-credential --secret 1 --challenge -5
expect_usage "'12x' is not a whole number" enroll-biometric --id 12x
expect_usage "out of range" enroll-biometric --id 4294967296
expect_usage "options are written with dashes: --type" set-credential type pin
expect_usage "no ALIAS given" generate-key
expect_usage "unknown purpose 'sing'; did you mean 'sign'\\?" generate-key k --purposes sing,verify
expect_usage "unknown algorithm" generate-key k --algorithm dsa
expect_usage "--timeout: " generate-key k --timeout soon
expect_usage "is a flag and takes no value" generate-key k --unlocked-device-required=yes
expect_usage "--alias is given twice|ALIAS is given twice" generate-key k --alias k2
expect_usage "has no unit" advance 30
expect_usage "no DURATION given" advance
expect_usage "not a date-time" set-wall-clock 2026-13-01
expect_usage "not a date-time" generate-key k --active tomorrow
expect_usage "--respond biometric needs the template's id" prompt --respond biometric
expect_usage "unknown prompt response 'finger'" prompt --respond finger:1
expect_usage "--count must be at least 1" prompt --respond biometric:1 --count 0
expect_usage "the data is missing: give it with --data, --data-hex or --in" sign k
expect_usage "the data is given more than once" sign k --data a --data-hex 00
expect_usage "the signature is missing" verify k --data a
expect_usage "not a hex digit" sign k --data-hex zz
expect_usage "not a whole number of bytes" sign k --data-hex abc
expect_usage "cannot open '$work/missing'" sign k --in "$work/missing"
expect_usage "the key material is missing" import-key k
expect_usage "--state is required" expect-key k
expect_usage "unknown key state 'gone'" expect-key k --state gone
expect_usage "unknown mac" forge-token --type password --mac broken
expect_usage "--field is required" tamper-key-blob k
expect_usage "--device needs a value" --device
# Nothing above reached a device.
[ -e "$KSSIM_DEVICE" ] && fail "a usage error created the device"

# ---- scenario-only steps ----
for step in begin update finish abort replay-token; do
    expect_usage "$step is a scenario step only" "$step" --key k
    grep -q "kssim run" "$work/err" || fail "kssim $step does not point to kssim run"
done
expect_usage "kssim prompt --respond biometric:1 && kssim sign" begin

# ---- choosing the device ----
expect 0 set-credential --type pin --secret 1234
expect 0 status --json
python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["credential"]=="pin", d' <"$work/out" ||
    fail "the KSSIM_DEVICE device does not keep the credential"
expect 0 --device "$work/other" status --json
python3 -c "import json,sys; d=json.load(sys.stdin); assert d['device']=='$work/other' and d['credential']=='none', d" \
    <"$work/out" || fail "kssim --device DIR COMMAND does not use DIR"
expect 0 status --device="$work/other" --json
grep -q "\"device\": \"$work/other\"" "$work/out" || fail "COMMAND --device=DIR does not use DIR"
KSSIM_DEVICE=memory: expect 0 set-credential --type pin --secret 1234
KSSIM_DEVICE=memory: expect 0 status
grep -q '^credential *none$' "$work/out" || fail "a memory: device outlived its process"
(unset KSSIM_DEVICE XDG_STATE_HOME && HOME="$work/home" "$kssim" status >"$work/out" 2>"$work/err") ||
    fail "status on the default device failed: $(cat "$work/err")"
grep -q "^device *$work/home/.local/state/kssim/device$" "$work/out" ||
    fail "the default device is not ~/.local/state/kssim/device: $(head -1 "$work/out")"

[ "$failures" -eq 0 ] || {
    echo "$failures failure(s)"
    exit 1
}
echo "cli_usage: ok"
