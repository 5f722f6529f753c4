#!/usr/bin/env bash
# explain.sh BUILD_DIR SOURCE_DIR - --explain (docs/explain.md): the decision path names the deciding rule IDs and
# the tokens considered for a timeout key whose token is too old, a per-operation key with no routed token and with
# a token for another challenge, an invalidated key and a device not unlocked since boot, on keystore2 and keystore1;
# the path is deterministic and changes no result; TAP and JUnit carry it; `kssim sign --explain` prints it on
# stderr only; and the provider prints it under KSSIM_EXPLAIN=1 through `openssl pkeyutl`.
source "$2/test/provider/provider_common.bash" "$@"
cd "$work" || exit 1

# has DESCRIPTION FILE TEXT: FILE contains TEXT (fixed string).
has() {
    checks=$((checks + 1))
    if grep -qF -- "$3" "$2"; then echo "ok - $1"; else fail "$1: no '$3' in $(head -c 3000 "$2")"; fi
}
hasnt() {
    checks=$((checks + 1))
    if grep -qF -- "$3" "$2"; then fail "$1: '$3' found in $2"; else echo "ok - $1"; fi
}

cat >timeout.yaml <<'YAML'
name: explain - a timeout key whose token is too old
steps:
  - set_credential: {type: pin, secret: "1234"}
  - generate_key: {alias: timed, algorithm: ec, purposes: [sign], user_auth: {timeout: 30, types: [device_credential]}}
  - verify_credential: {secret: "1234"}
  - advance: 45s
  - sign: {key: timed, data: "late", expect: KEY_USER_NOT_AUTHENTICATED}
YAML
cat >perop.yaml <<'YAML'
name: explain - a per-operation key without its token, then with another challenge's
steps:
  - set_credential: {type: pin, secret: "1234"}
  - enroll_biometric: {id: 1}
  - generate_key: {alias: k, algorithm: ec, purposes: [sign], user_auth: {timeout: 0, types: [biometric_strong]}}
  # Since Android 10 a failed finish ends the operation (V-OP-FAILED-CALL-ENDS): each try begins anew.
  - begin: {key: k, purpose: sign, as: op1}
  - finish: {op: op1, data: "x", expect: KEY_USER_NOT_AUTHENTICATED}
  - begin: {key: k, purpose: sign, as: op2}
  - authenticate_biometric: {id: 1, challenge: 42}
  - finish: {op: op2, data: "x", expect: KEY_USER_NOT_AUTHENTICATED}
  - begin: {key: k, purpose: sign, as: op}
  - authenticate_biometric: {id: 1, challenge: op}
  - finish: {op: op, data: "x", expect: ok}
YAML
cat >invalidated.yaml <<'YAML'
name: explain - a per-operation key invalidated by a new enrollment
steps:
  - set_credential: {type: pin, secret: "1234"}
  - enroll_biometric: {id: 1}
  - generate_key: {alias: k, algorithm: ec, purposes: [sign], user_auth: {timeout: 0, types: [biometric_strong]}}
  - enroll_biometric: {id: 2}
  - begin: {key: k, purpose: sign, expect: KEY_PERMANENTLY_INVALIDATED}
YAML
cat >locked.yaml <<'YAML'
name: explain - after a reboot, before the first unlock
device: {api_level: [30, 34]}
steps:
  - set_credential: {type: pin, secret: "1234"}
  - generate_key: {alias: timed, algorithm: ec, purposes: [sign], user_auth: {timeout: 300, types: [device_credential]}}
  - reboot: {}
  - verify_credential: {secret: "1234"}
  - sign: {key: timed, data: "x", expect: {..30: KEY_USER_NOT_AUTHENTICATED, 31..: LOCKED}}
YAML

cat >limits.yaml <<'YAML'
name: explain - validity dates, an unlocked-device key, use limits, pruned and ended operations
device: {api_level: [28, 34]}
steps:
  - set_credential: {type: pin, secret: "1234"}
  - generate_key: {alias: dated, algorithm: ec, purposes: [sign], active: "2026-02-01T00:00:00Z", origination_expire: "2027-01-01T00:00:00Z"}
  - sign: {key: dated, data: "early", expect: KEY_NOT_YET_VALID}
  - set_wall_clock: "2026-03-01T00:00:00Z"
  - sign: {key: dated, data: "inside"}
  - generate_key: {alias: udr, algorithm: aes, purposes: [encrypt, decrypt], unlocked_device_required: true}
  - lock: {}
  - encrypt: {key: udr, data: "secret", expect: DEVICE_LOCKED}
  - unlock: {secret: "1234"}
  - encrypt: {key: udr, data: "secret"}
  - generate_key: {alias: per_boot, algorithm: ec, purposes: [sign], max_uses_per_boot: 1}
  - sign: {key: per_boot, data: "one"}
  - sign: {key: per_boot, data: "two", expect: KEY_MAX_OPS_EXCEEDED}
  - enroll_biometric: {id: 1}
  - generate_key: {alias: per_op, algorithm: ec, purposes: [sign], user_auth: {timeout: 0, types: [biometric_strong]}}
  - begin: {key: per_op, purpose: sign, as: op}
  - finish: {op: op, data: "x", expect: KEY_USER_NOT_AUTHENTICATED}
  - finish: {op: op, data: "x", expect: {..29: KEY_USER_NOT_AUTHENTICATED, 30..: INVALID_OPERATION_HANDLE}}
YAML
cat >counted.yaml <<'YAML'
name: explain - a key with a usage count
device: {api_level: 34}
steps:
  - generate_key: {alias: twice, algorithm: ec, purposes: [sign], usage_count_limit: 2}
  - sign: {key: twice, data: "one"}
  - sign: {key: twice, data: "two"}
  - sign: {key: twice, data: "three", expect: KEY_PERMANENTLY_INVALIDATED}
YAML

explain() { "$kssim" run --explain "$@"; }

ok "the timeout scenario runs explained" explain timeout.yaml
cp "$work/out" timeout.txt
has "the step is followed by its decision path" timeout.txt "      why: begin on API level 34 (Android 14)"
has "the key's policy" timeout.txt "why:   key policy: accepts the device credential, timeout 30 s"
has "the key's SIDs" timeout.txt "why:   key SIDs: 0x"
has "the lock state" timeout.txt "why:   device: unlocked, unlocked since boot, boot clock 45.000 s"
has "the cached token, its age and MAC" timeout.txt "password user 0x"
has "the token's age on the boot clock" timeout.txt "issued 45.000 s ago, received 45 s ago, MAC valid, matches the key's SIDs and types <- chosen"
has "the deciding rule" timeout.txt "why: R-TIMEOUT-CACHE-NEWEST: the newest matching token was received 45 s ago, timeout 30 s: too old, KEY_USER_NOT_AUTHENTICATED"
has "the order of checks" timeout.txt "why: R-BEGIN-ORDER: keystore2 authorize_create"

ok "the per-operation scenario runs explained" explain perop.yaml
cp "$work/out" perop.txt
has "no token has reached the operation" perop.txt "R-OP-TOKEN-CHALLENGE-REQUIRED: no token carrying the operation's challenge 0x"
has "the empty cache is said" perop.txt "token cache: empty"
has "a token with another challenge is shown as such" perop.txt "challenge 0x000000000000002a issued 0.000 s ago, received 0 s ago, MAC valid, matches the key's SIDs and types, carries another challenge than the operation's"
has "the routed token is kept" perop.txt "R-OP-TOKEN-KEPT: the operation's token (routed at its challenge)"
has "KeyMint's checks of it" perop.txt "R-TOKEN-KEYMINT-VERIFIES: KeyMint checks fingerprint user"
has "... all passing" perop.txt "MAC valid, challenge matches, SID matches, type accepted"
has "begin says what the operation needs" perop.txt "a per-operation key: its update and finish need a token carrying challenge 0x"

ok "the invalidated scenario runs explained" explain invalidated.yaml
cp "$work/out" invalidated.txt
has "canUserAuthorizationSucceed's verdict" invalidated.txt "R-INVALIDATED-NO-SID-LEFT: none of the key's SIDs is the current root SID and it does not hold every current strong biometric ID (biometric enrollment changed)"
has "the operation dropped after createOperation" invalidated.txt "R-BEGIN-INVALIDATION-AFTER-CREATE"
has "the user's current biometric IDs" invalidated.txt "strong biometric IDs: 0x"

ok "the locked scenario runs explained on 30 and 34" explain locked.yaml
cp "$work/out" locked.txt
has "not unlocked since boot" locked.txt "why:   device: locked, NOT unlocked since boot"
has "keystore2 answers LOCKED after its token check" locked.txt "why: R-REBOOT-LOCKED-UNTIL-FIRST-UNLOCK: the key is super-encrypted and the device has not been unlocked since boot: LOCKED"
has "keystore1's order" locked.txt "why: R-BEGIN-ORDER: keystore1 order: locked key, timeout token, then the key's parameters"
has "keystore1 answers not authenticated first" locked.txt "why: R-BEGIN-KEYSTORE1-LOCKED-NOT-AUTHENTICATED"
has "the release is named" locked.txt "why: begin on API level 30 (Android 11)"

ok "the limits scenario runs explained on 28 and 34" explain limits.yaml
cp "$work/out" limits.txt
has "the dates before activation" limits.txt "why: R-DATES-WALL-CLOCK: wall clock 2026-01-01T00:00:00Z; active from 2026-02-01T00:00:00Z, origination ends 2027-01-01T00:00:00Z, usage ends none; sign is origination, so the origination end applies: KEY_NOT_YET_VALID"
has "the dates inside the period" limits.txt "why: R-DATES-WALL-CLOCK: wall clock 2026-03-01T00:00:00Z; active from 2026-02-01T00:00:00Z, origination ends 2027-01-01T00:00:00Z, usage ends none; sign is origination, so the origination end applies: inside the validity period"
has "an unlocked-device key on a locked device" limits.txt "why: R-UDR-DEVICE-LOCKED: the key is UNLOCKED_DEVICE_REQUIRED and the device is locked: DEVICE_LOCKED"
has "... and unlocked" limits.txt "why: R-UDR-DEVICE-LOCKED: the key is UNLOCKED_DEVICE_REQUIRED and the device is unlocked: passed"
has "Android 12-14 want some token" limits.txt "why: R-UDR-NEEDS-TOKEN: this release also wants some auth token in the cache; it holds 1: passed"
has "the super key" limits.txt "why: R-UDR-SUPER-KEY-LOCKED: the UnlockedDeviceRequired super keys are in memory"
has "KeyMint's per-boot count, first use" limits.txt "why: R-RATE-MAX-USES-PER-BOOT: KeyMint counts 0 of 1 begins this boot: passed"
has "KeyMint's per-boot count, spent" limits.txt "why: R-RATE-MAX-USES-PER-BOOT: KeyMint counts 1 of 1 begins this boot: KEY_MAX_OPS_EXCEEDED"
has "a refused finish ends the operation (Android 10+)" limits.txt "why: R-OP-ENDED-INVALID-HANDLE: the refused call (KEY_USER_NOT_AUTHENTICATED) ends operation 0x"
has "... and Android 9 keeps it" limits.txt "why: R-OP-ENDED-INVALID-HANDLE: on this release a refused update or finish (KEY_USER_NOT_AUTHENTICATED) keeps operation 0x"
has "the ended operation's next call" limits.txt "(finished, aborted, ended by a failed call, or lost in a reboot): INVALID_OPERATION_HANDLE"
ok "the usage-count scenario runs explained" explain counted.yaml
cp "$work/out" counted.txt
has "uses left at begin" counted.txt "why: R-USAGE-COUNT-LIMIT: the key has 2 of 2 uses left; only a successful finish spends one, the last deletes the key"
has "a finish spends one" counted.txt "why: R-USAGE-COUNT-LIMIT: this finish spends one of the key's 2 uses: the rest stay"
has "the last use deletes the key" counted.txt "why: R-USAGE-COUNT-LIMIT: this finish spends one of the key's 2 uses: it was the last, the key is deleted"
ok "a full KeyMint prunes" explain "$source_dir/scenarios/operation-slots-prune-lru.yaml"
has "the pruning is explained" "$work/out" "why: R-OP-SLOTS-PRUNE-MALUS: KeyMint has no free slot"
has "the pruned operation's next call" "$work/out" "why: R-OP-PRUNED-INVALID-HANDLE: operation 0x"

# Determinism: the same bytes twice, and without --explain the same transcript minus the why lines.
ok "a second explained run" explain timeout.yaml perop.yaml invalidated.yaml locked.yaml limits.yaml counted.yaml
cp "$work/out" all1.txt
ok "a third explained run" explain timeout.yaml perop.yaml invalidated.yaml locked.yaml limits.yaml counted.yaml
same_file "explained runs are byte-identical" all1.txt "$work/out"
ok "the same run without --explain" "$kssim" run timeout.yaml perop.yaml invalidated.yaml locked.yaml limits.yaml counted.yaml
cp "$work/out" plain.txt
grep -v '^      why: ' all1.txt >stripped.txt
same_file "explain changes nothing but the why lines" stripped.txt plain.txt
hasnt "without --explain no decision path" plain.txt "why:"

# TAP carries it as diagnostics, JUnit as each case's system-out.
ok "TAP explained" explain --format tap timeout.yaml
has "TAP diagnostics" "$work/out" "#       why: R-TIMEOUT-CACHE-NEWEST"
ok "JUnit explained" explain --format junit timeout.yaml
cp "$work/out" junit.xml
has "JUnit system-out" junit.xml "<system-out>"
has "JUnit system-out names the rule" junit.xml "R-TIMEOUT-CACHE-NEWEST: the newest matching token"
checks=$((checks + 1))
if python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' junit.xml 2>"$work/err"; then
    echo "ok - the explained JUnit is well-formed XML"
else
    fail "the explained JUnit is not XML: $(cat "$work/err")"
fi

# JSON: each step's "why" is its decision path as an array of lines; [] without --explain or for no operation.
ok "JSON explained" explain --format json counted.yaml
checks=$((checks + 1))
if python3 - "$work/out" <<'PY'
import json, sys
steps = json.load(open(sys.argv[1]))["runs"][0]["steps"]
assert steps[0]["why"] == [], steps[0]["why"]  # generate_key: no operation
why = steps[1]["why"]
assert why[0] == "begin on API level 34 (Android 14)", why[0]
assert any(line.startswith("R-USAGE-COUNT-LIMIT: the key has 2 of 2 uses left") for line in why), why
assert all("\n" not in line for line in why)
PY
then echo "ok - JSON carries the decision path as an array of lines"; else fail "JSON's why is not the decision path"; fi
ok "JSON without --explain" "$kssim" run --format json counted.yaml
checks=$((checks + 1))
if python3 -c 'import json,sys; assert all(s["why"] == [] for s in json.load(open(sys.argv[1]))["runs"][0]["steps"])' "$work/out"; then
    echo "ok - without --explain every why is empty"
else
    fail "JSON without --explain has decision paths"
fi

# kssim sign --explain: the path on stderr, the signature alone on stdout, refusals explained too.
ok "a PIN" "$kssim" set-credential --type pin --secret 1234
ok "a timeout key" "$kssim" generate-key timed --algorithm ec --purposes sign --auth device_credential --timeout 30
ok "the PIN verified" "$kssim" verify-credential --secret 1234
ok "sign --explain succeeds" "$kssim" sign timed --data hello --explain
cp "$work/out" sign.out
cp "$work/err" sign.err
has "sign --explain: the rule on stderr" sign.err "why: R-TIMEOUT-CACHE-NEWEST: the newest matching token was received 0 s ago, timeout 30 s: young enough"
has "sign --explain: KeyMint's window check" sign.err "why: R-TIMEOUT-WINDOW: token issued 0.000 s ago on the boot clock, timeout 30 s: within the window"
checks=$((checks + 1))
if grep -Eq '^[0-9a-f]+$' sign.out && [ "$(wc -l <sign.out)" -eq 1 ]; then
    echo "ok - sign --explain: stdout is the signature alone"
else
    fail "sign --explain: stdout is not one hex line: $(cat sign.out)"
fi
ok "a minute later" "$kssim" advance 60s
checks=$((checks + 1))
if "$kssim" sign timed --data hello --explain >"$work/out" 2>"$work/err"; then
    fail "sign --explain with an old token succeeded"
else
    echo "ok - sign --explain with an old token is refused"
fi
has "the refusal's path" "$work/err" "why: R-TIMEOUT-CACHE-NEWEST: the newest matching token was received 60 s ago, timeout 30 s: too old"
has "the refusal's sentence still follows" "$work/err" "KEY_USER_NOT_AUTHENTICATED"
ok "the PIN again" "$kssim" verify-credential --secret 1234
ok "sign without --explain" "$kssim" sign timed --data hello
hasnt "without --explain nothing on stderr" "$work/err" "why:"

# The provider under KSSIM_EXPLAIN=1, through openssl pkeyutl.
printf 'data\n' >data.txt
pkeysign() {
    openssl pkeyutl "${PROV[@]}" -sign -inkey "$1" -rawin -in data.txt -digest sha256 -out "$work/sig"
}
pkeysign_explained() {
    KSSIM_EXPLAIN=1 openssl pkeyutl "${PROV[@]}" -sign -inkey "$1" -rawin -in data.txt -digest sha256 -out "$work/sig"
}
ok "a provider key needing the PIN within 30 s" genkey login.pem -algorithm EC -pkeyopt alias:login \
    -pkeyopt user-auth:device_credential -pkeyopt auth-timeout:30
ok "the PIN" "$kssim" verify-credential --secret 1234
ok "openssl signs with KSSIM_EXPLAIN=1" pkeysign_explained login.pem
has "the provider prints the decision path" "$work/err" "kssim explain: R-TIMEOUT-CACHE-NEWEST: the newest matching token was received 0 s ago, timeout 30 s: young enough"
has "... with the key's policy" "$work/err" "kssim explain:   key policy: accepts the device credential, timeout 30 s"
ok "31 s later" "$kssim" advance 31s
refused KEY_USER_NOT_AUTHENTICATED "the provider refuses the old token" pkeysign_explained login.pem
has "the provider explains the refusal" "$work/err" "kssim explain: R-TIMEOUT-CACHE-NEWEST: the newest matching token was received 31 s ago, timeout 30 s: too old"
refused KEY_USER_NOT_AUTHENTICATED "without KSSIM_EXPLAIN" pkeysign login.pem
hasnt "without KSSIM_EXPLAIN the provider prints no path" "$work/err" "kssim explain:"

finish
