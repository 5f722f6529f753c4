#!/usr/bin/env bash
# attestation_parsers.sh BUILD_DIR SOURCE_DIR - key attestation read by code nobody here wrote
# (docs/attestation.md): the backend verifier example (examples/attestation_verify, OpenSSL alone),
# Debian's android_key_attestation gem (test/attestation/parse_ruby.rb) and npm's @peculiar/asn1-android
# (test/attestation/parse_node.mjs), first on real phones' chains (test/attestation/samples/, from
# Google's android/keyattestation test data), then, once `kssim attestation` exists, on chains the
# simulator makes for several key kinds, every API level and every attested key of the scenario library,
# compared field by field with `kssim keys --json`, with each tag in the list that enforces it and the
# application ID's package and signature digest; `kssim attestation --attack` chains are refused.
# Each accepting check has refusing twins (another root, another challenge, another key, a chain
# extended with another leaf, an expired intermediate), so no check passes whatever it is given.
# A missing parser fails the test (scripts/install-deps.sh installs them), never skips it.
set -u
build=${1:?usage: attestation_parsers.sh BUILD_DIR SOURCE_DIR}
source_dir=${2:?usage: attestation_parsers.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=lib/cli_test.sh
source "$(dirname "$0")/lib/cli_test.sh"
verifier="$(cd "$build" && pwd)/examples/attestation_verify"
harness="$source_dir/test/attestation"
samples="$harness/samples"
google_roots="$samples/google_attestation_roots.pem"

missing=""
command -v ruby >/dev/null || missing+=" ruby"
ruby -e 'require "android_key_attestation"' 2>/dev/null || missing+=" ruby-android-key-attestation"
command -v node >/dev/null || missing+=" node"
[ -f "$source_dir/test/node/node_modules/@peculiar/asn1-android/package.json" ] ||
    missing+=" @peculiar/asn1-android(test/node/node_modules)"
command -v python3 >/dev/null || missing+=" python3"
command -v openssl >/dev/null || missing+=" openssl"
[ -x "$verifier" ] || missing+=" $verifier(cmake --build)"
if [ -n "$missing" ]; then
    echo "attestation_parsers: the outside parsers are missing:$missing; run scripts/install-deps.sh (and build)" >&2
    exit 1
fi

# verifier_says WANT WHAT ARGS...: the verifier's one line starts with WANT ("accepted" or
# "refused: FIELD"), with exit status 0 for accepted and 1 for refused.
verifier_says() {
    local want=$1 what=$2 out status want_status=1
    shift 2
    out=$("$verifier" "$@" 2>&1)
    status=$?
    [ "$want" = accepted ] && want_status=0
    if [ "$status" -ne "$want_status" ] || [ "${out#"$want"}" = "$out" ]; then
        fail "$what: verifier exit $status, said '$out'; wanted '$want...' (exit $want_status)"
    fi
}

# agree MODE FILES... WHAT: compare_fields.py finds no disagreement.
agree() {
    local what=${*: -1} out
    if ! out=$(python3 "$harness/compare_fields.py" "${@:1:$#-1}" 2>&1); then
        fail "$what: $out"
    fi
}

# --- real phones' chains -------------------------------------------------------------------------
# name|security level|a verification time when every intermediate was valid (see samples/SOURCE.md),
# the same in seconds|whether the chain has expired since (akita's RKP intermediates live for weeks)
for sample in "akita_sdk34_TEE_RSA_NONE_USERAUTH|tee|2024-09-27T00:00:00Z|1727395200|expired" \
    "blueline_sdk28_SB_RSA_NONE_USERAUTH|strongbox|2023-01-01T00:00:00Z|1672531200|valid until 2028"; do
    IFS='|' read -r name level at at_epoch expired <<<"$sample"
    chain="$samples/$name.pem"
    common=(--chain "$chain" --root "$google_roots" --at "$at")
    openssl x509 -in "$chain" -pubkey -noout >"$work/$name.pub"

    verifier_says accepted "$name" "${common[@]}" --challenge challenge --security-level "$level" \
        --expect-public-key "$work/$name.pub"
    verifier_says accepted "$name, challenge in hex" "${common[@]}" --challenge-hex 6368616c6c656e6765
    verifier_says "refused: attestationChallenge" "$name, another challenge" "${common[@]}" --challenge challengf
    verifier_says "refused: attestationChallenge" "$name, a prefix of the challenge" "${common[@]}" --challenge challeng
    other_level=tee
    [ "$level" = tee ] && other_level=strongbox
    verifier_says "refused: attestationSecurityLevel" "$name, wants $other_level" "${common[@]}" \
        --challenge challenge --security-level "$other_level"
    # Both keys accept the device credential and last 2^31-1 seconds: neither is a biometric login key.
    verifier_says "refused: hardwareEnforced.userAuthType" "$name, biometric-strong" "${common[@]}" \
        --challenge challenge --require biometric-strong
    verifier_says "refused: hardwareEnforced.authTimeout" "$name, per-operation" "${common[@]}" \
        --challenge challenge --require per-operation
    verifier_says "refused: unlockedDeviceRequired" "$name, unlocked-device" "${common[@]}" \
        --challenge challenge --require unlocked-device
    verifier_says "refused: invalidated-by-enrollment" "$name, invalidated-by-enrollment" "${common[@]}" \
        --challenge challenge --require invalidated-by-enrollment
    if [ "$expired" = expired ]; then
        verifier_says "refused: chain" "$name, today: its intermediates have expired" \
            --chain "$chain" --root "$google_roots" --challenge challenge
        verifier_says "refused: chain" "$name, a year before the key" \
            --chain "$chain" --root "$google_roots" --at 2023-09-27T00:00:00Z --challenge challenge
    fi
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null -subj /CN=other \
        -days 1 -out "$work/other_root.pem" 2>/dev/null
    verifier_says "refused: chain" "$name, another root" --chain "$chain" --root "$work/other_root.pem" \
        --at "$at" --challenge challenge
    awk '/BEGIN CERT/{n++} n>=2' "$chain" >"$work/no_leaf.pem"
    verifier_says "refused: KeyDescription" "$name, the leaf removed" --chain "$work/no_leaf.pem" \
        --root "$google_roots" --at "$at" --challenge challenge

    node "$harness/parse_node.mjs" "$chain" >"$work/$name.node.json" || fail "$name: @peculiar/asn1-android refused it"
    ruby "$harness/parse_ruby.rb" "$chain" "$google_roots" "$at_epoch" >"$work/$name.ruby.json" ||
        fail "$name: the gem refused the chain to Google's root"
    agree upstream "$work/$name.node.json" "$samples/$name.json" "$name: @peculiar vs upstream's decoding"
    agree ruby "$work/$name.ruby.json" "$work/$name.node.json" "$name: the gem vs @peculiar"
    ruby "$harness/parse_ruby.rb" "$chain" "$work/other_root.pem" "$at_epoch" >/dev/null 2>&1 &&
        fail "$name: the gem accepted the chain to another root"
done

# A leaf pushed in front of another phone's whole chain: the verifier refuses the extension after the
# leaf; the comparison of a tampered upstream decoding must disagree (the comparer can fail).
cat <(awk '/BEGIN CERT/{n++} n==1' "$samples/akita_sdk34_TEE_RSA_NONE_USERAUTH.pem") \
    "$samples/blueline_sdk28_SB_RSA_NONE_USERAUTH.pem" >"$work/extended.pem"
verifier_says "refused: chain" "a chain extended with another phone's attestation" --chain "$work/extended.pem" \
    --root "$google_roots" --at 2024-09-27T00:00:00Z --challenge challenge
# A real KeyDescription copied into a forger's leaf (test/attestation/forge_leaf.rb): with the forger's own
# root pinned (what a backend that does not pin the maker's root would do) the chain verifies, and only
# the record's RSA algorithm beside the leaf's EC key gives it away; refused against Google's at the chain;
# copied twice, refused whatever the root, and @peculiar's harness refuses it too.
akita="$samples/akita_sdk34_TEE_RSA_NONE_USERAUTH.pem"
ruby "$harness/forge_leaf.rb" "$akita" 1 "$work/forged1.pem" "$work/forger_root1.pem" || fail "forge_leaf.rb (1 copy)"
ruby "$harness/forge_leaf.rb" "$akita" 2 "$work/forged2.pem" "$work/forger_root2.pem" || fail "forge_leaf.rb (2 copies)"
verifier_says "refused: hardwareEnforced.algorithm" "a copied KeyDescription, the forger's root pinned" \
    --chain "$work/forged1.pem" --root "$work/forger_root1.pem" --challenge challenge
verifier_says "refused: chain" "a copied KeyDescription, Google's root pinned" --chain "$work/forged1.pem" \
    --root "$google_roots" --challenge challenge
verifier_says "refused: KeyDescription" "the KeyDescription twice in the leaf" --chain "$work/forged2.pem" \
    --root "$work/forger_root2.pem" --challenge challenge
node "$harness/parse_node.mjs" "$work/forged2.pem" >/dev/null 2>&1 &&
    fail "parse_node.mjs decoded a leaf with the KeyDescription twice"
sed 's/"keySize": "2048"/"keySize": "3072"/' "$samples/akita_sdk34_TEE_RSA_NONE_USERAUTH.json" >"$work/tampered.json"
python3 "$harness/compare_fields.py" upstream "$work/akita_sdk34_TEE_RSA_NONE_USERAUTH.node.json" "$work/tampered.json" \
    >/dev/null && fail "compare_fields.py agreed with a tampered keySize"

# The `kssim keys --json` comparison itself, on akita's decoding and the keys --json entry that key
# would have: agree as it is, disagree with its size, auth type and timeout changed.
cat >"$work/akita.keys.json" <<'KEYS'
[{"alias": "akita", "algorithm": "rsa", "size": 2048, "security_level": "tee", "purposes": ["sign"],
  "digests": [], "auth": {"types": ["device_credential"], "timeout": 2147483647, "per_operation": false},
  "limits": {"unlocked_device_required": false}}]
KEYS
agree kssim "$work/akita_sdk34_TEE_RSA_NONE_USERAUTH.node.json" "$work/akita.keys.json" akita \
    "akita: @peculiar vs its keys --json entry"
sed 's/"size": 2048/"size": 4096/; s/"device_credential"/"biometric_strong"/; s/2147483647/0/' \
    "$work/akita.keys.json" >"$work/akita.other.keys.json"
disagreements=$(python3 "$harness/compare_fields.py" kssim "$work/akita_sdk34_TEE_RSA_NONE_USERAUTH.node.json" \
    "$work/akita.other.keys.json" akita | grep -c -E '^(keySize|userAuthType|authTimeout):')
[ "$disagreements" = 3 ] || fail "compare_fields.py kssim found $disagreements of 3 changed fields"

# --- the simulator's chains ------------------------------------------------------------------------
if ! "$kssim" help attestation >/dev/null 2>&1; then
    fail "this kssim has no 'attestation' command: the simulator's chains cannot be checked"
else
    # kind: device security level, alias, generate-key options, verifier policy
    kinds=(
        "tee|login|--algorithm ec --purposes sign --auth biometric_strong --timeout 0|--security-level tee --require biometric-strong --require per-operation"
        "tee|rsa_cred|--algorithm rsa --size 2048 --purposes sign --paddings pkcs1 --digests sha256 --auth device_credential --timeout 300|--security-level tee"
        "tee|plain|--algorithm ec --size 384 --purposes sign,verify|--security-level tee"
        "tee|unlocked|--algorithm ec --purposes sign --auth biometric_strong,device_credential --timeout 0 --unlocked-device-required|--security-level tee --require per-operation --require unlocked-device"
        "strongbox|sb_login|--algorithm ec --purposes sign --auth biometric_strong --timeout 0 --security-level strongbox|--security-level strongbox --require biometric-strong --require per-operation"
        "tee|dated|--algorithm ec --purposes sign --active 2026-01-01T00:00:00Z --origination-expire 2027-01-01T00:00:00Z --usage-expire 2028-01-01T00:00:00Z --usage-count-limit 5|--security-level tee"
        "tee|single|--algorithm rsa --size 2048 --purposes sign --paddings pss --usage-count-limit 1 --attestation-application-id com.example.pay --attestation-app-signature-digest ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100|--security-level tee"
        "software|soft|--algorithm ec --purposes sign --security-level software --unlocked-device-required|--require unlocked-device"
    )
    for kind in "${kinds[@]}"; do
        IFS='|' read -r level alias options policy <<<"$kind"
        export KSSIM_DEVICE="$work/device-$alias"
        "$kssim" init --security-level "$level" --wall-clock 2026-01-01T00:00:00Z >/dev/null &&
            "$kssim" set-credential --type pin --secret 1234 >/dev/null &&
            "$kssim" enroll-biometric --id 1 >/dev/null || fail "$alias: device setup"
        # shellcheck disable=SC2086 # the options are words
        "$kssim" generate-key "$alias" $options --attestation-challenge "nonce-$alias" >/dev/null ||
            fail "$alias: generate-key with a challenge"
        "$kssim" attestation "$alias" >"$work/$alias.pem" || fail "$alias: kssim attestation"
        "$kssim" attestation-root >"$work/$alias.root.pem" || fail "$alias: kssim attestation-root"
        "$kssim" export-public "$alias" >"$work/$alias.pub" || fail "$alias: export-public"
        "$kssim" keys --json >"$work/$alias.keys.json" || fail "$alias: keys --json"
        common=(--chain "$work/$alias.pem" --root "$work/$alias.root.pem" --at 2026-01-02T00:00:00Z)
        if [ "$level" = software ]; then
            # the verifier never accepts a software key, whatever else it is asked
            # shellcheck disable=SC2086
            verifier_says "refused: attestationSecurityLevel" "kssim $alias" "${common[@]}" \
                --challenge "nonce-$alias" --expect-public-key "$work/$alias.pub" $policy
        else
            # shellcheck disable=SC2086
            verifier_says accepted "kssim $alias" "${common[@]}" --challenge "nonce-$alias" \
                --expect-public-key "$work/$alias.pub" $policy
            verifier_says "refused: attestationChallenge" "kssim $alias, a replayed challenge" "${common[@]}" \
                --challenge nonce-other
            verifier_says "refused: leaf public key" "kssim $alias, another key" "${common[@]}" \
                --challenge "nonce-$alias" --expect-public-key "$work/akita_sdk34_TEE_RSA_NONE_USERAUTH.pub"
        fi
        verifier_says "refused: chain" "kssim $alias, Google's root pinned" --chain "$work/$alias.pem" \
            --root "$google_roots" --at 2026-01-02T00:00:00Z --challenge "nonce-$alias"
        node "$harness/parse_node.mjs" "$work/$alias.pem" >"$work/$alias.node.json" ||
            fail "kssim $alias: @peculiar/asn1-android refused it"
        ruby "$harness/parse_ruby.rb" "$work/$alias.pem" "$work/$alias.root.pem" 1767312000 \
            >"$work/$alias.ruby.json" || fail "kssim $alias: the gem refused the chain to kssim's root"
        agree kssim "$work/$alias.node.json" "$work/$alias.keys.json" "$alias" "kssim $alias: @peculiar vs kssim keys --json"
        package=com.example.kssim digest=""
        case $alias in single) package=com.example.pay digest=ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100 ;; esac
        [ -n "$digest" ] || digest=$(printf 'kssim test signing certificate of %s' "$package" | openssl dgst -sha256 -r | cut -d' ' -f1)
        agree appid "$work/$alias.node.json" "$work/$alias.ruby.json" "$package" "$digest" "kssim $alias: attestationApplicationId"
        agree ruby "$work/$alias.ruby.json" "$work/$alias.node.json" "kssim $alias: the gem vs @peculiar"
    done

    # `kssim attestation --attack` artifacts on the last device (sb_login, other as the copied key): each
    # is refused by the verifier at the check its attack is about (resign-root at the pinned root,
    # wrong-key at the public key, copy-extension at the challenge), with the key's own challenge and
    # public key asked for, so only the alteration can be what it refuses (the chain unaltered was
    # accepted above).
    export KSSIM_DEVICE="$work/device-sb_login"
    "$kssim" generate-key other --algorithm ec --purposes sign --security-level strongbox \
        --attestation-challenge nonce-other >/dev/null || fail "attacks: generate-key other"
    for case in "resign-root:chain" "wrong-key:leaf public key" "copy-extension --from other:attestationChallenge"; do
        attack=${case%%:*}
        # shellcheck disable=SC2086 # the attack is words
        "$kssim" attestation sb_login --attack $attack >"$work/attack.pem" || fail "attack $attack: kssim attestation"
        verifier_says "refused: ${case#*:}" "kssim attack $attack" --chain "$work/attack.pem" \
            --root "$work/sb_login.root.pem" --at 2026-01-02T00:00:00Z --challenge nonce-sb_login \
            --expect-public-key "$work/sb_login.pub"
    done

    # Every API level `kssim versions` lists (attestation version 1 to 300: the legacy KeyDescription
    # of parse_node.mjs below 300, KeyMint's from 300), for the biometric-login EC key and an RSA key;
    # API level 23 has no attestation and refuses the challenge (V-API-ATTESTATION).
    levels=$("$kssim" versions | awk '/^releases/{on=1; next} on && /^ *[0-9]+ /{print $1; next} on && NF==0{exit}')
    [ "$(wc -w <<<"$levels")" -ge 10 ] || fail "kssim versions listed too few API levels: $levels"
    # R-ATTEST-VERSIONS-PER-RELEASE: attestationVersion and keyMintVersion of each level (android_versions.c)
    declare -A want_versions=([24]="1 2" [25]="1 2" [26]="2 3" [27]="2 3" [28]="3 4" [29]="4 41" [30]="4 41"
        [31]="100 100" [32]="100 100" [33]="200 200" [34]="300 300" [35]="300 300")
    seen_versions=""
    for level in $levels; do
        export KSSIM_DEVICE="$work/device-api$level"
        "$kssim" init --api-level "$level" --wall-clock 2026-01-01T00:00:00Z >/dev/null &&
            "$kssim" set-credential --type pin --secret 1234 >/dev/null &&
            "$kssim" enroll-biometric --id 1 >/dev/null || fail "api $level: device setup"
        if [ "$level" -lt 24 ]; then
            "$kssim" generate-key login --algorithm ec --attestation-challenge "nonce-$level" >/dev/null 2>"$work/err23" &&
                fail "api $level: a challenge was accepted before Android 7.0"
            grep -q "INVALID_ARGUMENT (-38): a key attestation (setAttestationChallenge) needs Android 7.0" "$work/err23" ||
                fail "api $level: the refusal does not name Android 7.0: $(cat "$work/err23")"
            continue
        fi
        [ -n "${want_versions[$level]:-}" ] || fail "api $level: no expected attestation version in this test"
        "$kssim" generate-key login --algorithm ec --purposes sign --auth biometric_strong --timeout 0 \
            --attestation-challenge "nonce-$level" >/dev/null || fail "api $level: generate-key login"
        "$kssim" generate-key rsa --algorithm rsa --size 2048 --purposes sign --paddings pkcs1 --digests sha256 \
            --auth biometric_strong,device_credential --timeout 300 --attestation-challenge "nonce-$level" >/dev/null ||
            fail "api $level: generate-key rsa"
        "$kssim" attestation-root >"$work/api$level.root.pem" || fail "api $level: attestation-root"
        "$kssim" keys --json >"$work/api$level.keys.json" || fail "api $level: keys --json"
        for alias in login rsa; do
            name="api $level $alias"
            "$kssim" attestation "$alias" >"$work/api$level.$alias.pem" || fail "$name: kssim attestation"
            verifier_says accepted "$name" --chain "$work/api$level.$alias.pem" --root "$work/api$level.root.pem" \
                --at 2026-01-02T00:00:00Z --challenge "nonce-$level" --security-level tee
            node "$harness/parse_node.mjs" "$work/api$level.$alias.pem" >"$work/api$level.$alias.node.json" ||
                fail "$name: @peculiar/asn1-android refused it"
            ruby "$harness/parse_ruby.rb" "$work/api$level.$alias.pem" "$work/api$level.root.pem" 1767312000 \
                >"$work/api$level.$alias.ruby.json" || fail "$name: the gem refused the chain to kssim's root"
            agree kssim "$work/api$level.$alias.node.json" "$work/api$level.keys.json" "$alias" \
                "$name: @peculiar vs kssim keys --json"
            agree ruby "$work/api$level.$alias.ruby.json" "$work/api$level.$alias.node.json" "$name: the gem vs @peculiar"
        done
        got_versions=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["attestationVersion"], d["keyMintVersion"])' \
            "$work/api$level.login.node.json" 2>/dev/null)
        [ "$got_versions" = "${want_versions[$level]:-}" ] ||
            fail "api $level: attestationVersion and keyMintVersion are '$got_versions', wanted '${want_versions[$level]:-}'"
        seen_versions+=" ${got_versions%% *}"
    done
    # The loop must have crossed both KeyDescription schemas, or it did not test the legacy path.
    grep -qw 1 <<<"$seen_versions" && grep -qw 100 <<<"$seen_versions" && grep -qw 300 <<<"$seen_versions" ||
        fail "the API levels gave attestation versions '$seen_versions': wanted 1, 100 and 300 among them"

    # Every attested key the scenario library makes (scenarios/attestation/, the V-API-ATTESTATION
    # scenarios), at every API level its file runs on, made again through the CLI
    # (test/attestation/scenario_keys.py) and read by both parsers: the verifier accepts it, the fields
    # agree with `kssim keys --json`, each tag sits in the list that enforces it, and
    # attestationApplicationId names the package with its signature digest (by default the SHA-256 of
    # "kssim test signing certificate of PACKAGE", docs/attestation.md).
    scenario_files=("$source_dir"/scenarios/attestation/*.yaml "$source_dir"/scenarios/versions/attestation-option-*.yaml)
    python3 "$harness/scenario_keys.py" "${scenario_files[@]}" >"$work/scenario_keys" ||
        fail "scenario_keys.py cannot translate the attestation scenarios"
    for file in "${scenario_files[@]}"; do
        grep -q "attestation_challenge" "$file" || fail "$file: an attestation scenario without a challenge"
    done
    covered=$(cut -d'|' -f1 "$work/scenario_keys" | sort -u | wc -l)
    # symmetric-refused and input-checks (and API 23) make no chain; every other file must give keys
    [ "$covered" -ge $((${#scenario_files[@]} - 3)) ] ||
        fail "only $covered of ${#scenario_files[@]} attestation scenarios gave keys to check"
    n=0
    while IFS='|' read -r file level device_level alias challenge options; do
        n=$((n + 1))
        name="$(basename "$file" .yaml) @ $level $alias"
        export KSSIM_DEVICE="$work/device-scenario$n"
        "$kssim" init --api-level "$level" --security-level "$device_level" --wall-clock 2026-01-01T00:00:00Z \
            >/dev/null && "$kssim" set-credential --type pin --secret 1234 >/dev/null &&
            "$kssim" enroll-biometric --id 1 >/dev/null || fail "$name: device setup"
        # shellcheck disable=SC2086 # the options are words
        "$kssim" generate-key "$alias" $options --attestation-challenge "$challenge" >/dev/null ||
            fail "$name: generate-key $options"
        "$kssim" attestation "$alias" >"$work/s$n.pem" || fail "$name: kssim attestation"
        "$kssim" attestation-root >"$work/s$n.root.pem" || fail "$name: attestation-root"
        "$kssim" keys --json >"$work/s$n.keys.json" || fail "$name: keys --json"
        key_level=$(python3 -c 'import json,sys; print(next(k for k in json.load(open(sys.argv[1])) if k["alias"] == sys.argv[2])["security_level"])' \
            "$work/s$n.keys.json" "$alias")
        verifier_args=(--chain "$work/s$n.pem" --root "$work/s$n.root.pem" --at 2026-01-02T00:00:00Z --challenge "$challenge")
        if [ "$key_level" = software ]; then
            verifier_says "refused: attestationSecurityLevel" "$name" "${verifier_args[@]}"
        else
            verifier_says accepted "$name" "${verifier_args[@]}" --security-level "$key_level"
        fi
        node "$harness/parse_node.mjs" "$work/s$n.pem" >"$work/s$n.node.json" || fail "$name: @peculiar refused it"
        ruby "$harness/parse_ruby.rb" "$work/s$n.pem" "$work/s$n.root.pem" 1767312000 >"$work/s$n.ruby.json" ||
            fail "$name: the gem refused the chain to kssim's root"
        agree kssim "$work/s$n.node.json" "$work/s$n.keys.json" "$alias" "$name: @peculiar vs kssim keys --json"
        agree ruby "$work/s$n.ruby.json" "$work/s$n.node.json" "$name: the gem vs @peculiar"
        if [ "$level" -ge 26 ]; then
            package=com.example.kssim digest=""
            read -ra words <<<"$options"
            for ((i = 0; i < ${#words[@]}; i++)); do
                [ "${words[i]}" = --attestation-application-id ] && package=${words[i + 1]}
                [ "${words[i]}" = --attestation-app-signature-digest ] && digest=${words[i + 1]}
            done
            [ -n "$digest" ] || digest=$(printf 'kssim test signing certificate of %s' "$package" | openssl dgst -sha256 -r | cut -d' ' -f1)
            agree appid "$work/s$n.node.json" "$work/s$n.ruby.json" "$package" "$digest" "$name: attestationApplicationId"
            if [ "$key_level" != software ]; then
                verifier_says accepted "$name, its app's digest" "${verifier_args[@]}" --expect-app-digest "$digest"
                verifier_says "refused: softwareEnforced.attestationApplicationId" "$name, another app's digest" \
                    "${verifier_args[@]}" --expect-app-digest "$(printf '%064d' 0)"
            fi
        fi
    done <"$work/scenario_keys"
    [ "$n" -ge 10 ] || fail "the scenarios gave only $n attested keys"
    # the placement and application-ID checks can fail: a record with creationDateTime moved to
    # hardwareEnforced, or another digest, is a disagreement
    python3 - "$work/s1.node.json" "$work/moved.node.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["hardwareEnforced"]["creationDateTime"] = d["softwareEnforced"].pop("creationDateTime")
json.dump(d, open(sys.argv[2], "w"))
PY
    python3 "$harness/compare_fields.py" kssim "$work/moved.node.json" "$work/s1.keys.json" login 2>&1 |
        grep -q "hardwareEnforced.creationDateTime: keystore enforces it" ||
        fail "compare_fields.py did not see creationDateTime in the wrong list"
    python3 "$harness/compare_fields.py" appid "$work/s1.node.json" "$work/s1.ruby.json" com.example.bank \
        "$(printf '%064d' 0)" >/dev/null && fail "compare_fields.py appid agreed with another digest"
fi

if [ "$failures" -ne 0 ]; then
    echo "attestation_parsers: $failures check(s) failed"
    exit 1
fi
echo "attestation_parsers: all checks passed"
