#!/usr/bin/env bash
# android_versions_table.sh BUILD_DIR SOURCE_DIR - the table of Android releases and differences
# (sim/core/android_versions.c, printed by `kssim versions`), docs/android-versions.md and the scenarios
# agree: every row of the table is a row of the page and the reverse, every row is cited by a scenario
# (`# version: V-ID`), every cited ID is a row, and every scenario the page names exists. Also checks
# `kssim versions` itself: the release list, --api-level for a modelled and an unmodelled level, --json.
set -u
build=${1:?usage: android_versions_table.sh BUILD_DIR SOURCE_DIR}
source_dir=${2:?usage: android_versions_table.sh BUILD_DIR SOURCE_DIR}
# Loops read from < <(...) rather than a pipe, so that fail counts in this shell.
# shellcheck source=lib/cli_test.sh
source "$(dirname "$0")/lib/cli_test.sh"
page="$source_dir/docs/android-versions.md"
scenarios="$source_dir/scenarios"

# ---- the command ----
ok versions
grep -Eo '^  V-[A-Z0-9-]+' "$work/out" | sed 's/^  //' | sort >"$work/table_ids"
[ -s "$work/table_ids" ] || fail "kssim versions lists no rows"
grep -Eq '^  23 +Android 6\.0 +Keymaster 1, no key attestation$' "$work/out" ||
    fail "kssim versions does not list API level 23 as Android 6.0 without key attestation"
grep -Eq '^  29 +Android 10 +Keymaster 4\.1, attestation 4$' "$work/out" ||
    fail "kssim versions does not list Keymaster 4.1 / attestation 4 on API level 29"
grep -Eq '^  35 +Android 15 +KeyMint 300, attestation 300$' "$work/out" ||
    fail "kssim versions does not list KeyMint 300 on API level 35"
grep -Eo '^  [0-9]+ ' "$work/out" | tr -d ' ' >"$work/levels"
[ "$(head -1 "$work/levels")" = 23 ] || fail "the first modelled release is not API level 23"
for level in 28 29 30 31 33 34 35; do
    grep -qx "$level" "$work/levels" || fail "kssim versions does not list API level $level"
done
[ -e "$KSSIM_DEVICE" ] && fail "kssim versions created a device"
# The page's release table says what the command says, row by row.
sed -nE -e 's/^  ([0-9]+) +(Android [0-9.]+L?) +(Key(Mint|master) [0-9.]+), attestation ([0-9]+)$/| \1 | \2 | \3 | \5 |/p' \
    -e 's/^  ([0-9]+) +(Android [0-9.]+L?) +(Key(Mint|master) [0-9.]+), no key attestation$/| \1 | \2 | \3 | none |/p' \
    "$work/out" >"$work/release_rows"
[ "$(wc -l <"$work/release_rows")" -eq "$(wc -l <"$work/levels")" ] ||
    fail "kssim versions prints a release line without its Keymaster/KeyMint and attestation versions"
while IFS= read -r row; do
    grep -qxF "$row" "$page" || fail "docs/android-versions.md lacks the release row '$row' that kssim versions prints"
done <"$work/release_rows"

ok versions --api-level 30
grep -q '^Android 11 (API level 30): Keymaster 4.1, attestation 4$' "$work/out" ||
    fail "versions --api-level 30 does not name Android 11 and its Keymaster"
grep -Eq '^  no +V-KEYSTORE2 ' "$work/out" || fail "versions --api-level 30 says keystore2 holds on Android 11"
grep -Eq '^  yes +V-API-AUTH-PARAMETERS ' "$work/out" ||
    fail "versions --api-level 30 says setUserAuthenticationParameters is missing on Android 11"
ok versions --api-level 31
grep -Eq '^  yes +V-KEYSTORE2 ' "$work/out" || fail "versions --api-level 31 says keystore2 is missing on Android 12"
ok versions --api-level 33 --json
grep -q '"api_level": 33' "$work/out" || fail "versions --json lacks the api_level"
grep -q '"attestation_version": 200' "$work/out" || fail "versions --api-level 33 --json lacks attestation 200"
grep -q '"holds": true' "$work/out" || fail "versions --api-level --json lacks holds"
ok versions --json
cp "$work/out" "$work/table.json"
grep -q '"releases": \[' "$work/out" || fail "versions --json lacks the releases"
[ "$(grep -c '"id": "V-' "$work/out")" -eq "$(wc -l <"$work/table_ids")" ] ||
    fail "versions --json does not list every row the text lists"
for level in 22 36 99; do
    expect 2 versions --api-level "$level"
    grep -q "not a release the simulator models; it models API levels 23 (Android 6.0) to" "$work/err" ||
        fail "versions --api-level $level: the error does not name the modelled range: $(cat "$work/err")"
    [ -s "$work/out" ] && fail "versions --api-level $level printed on stdout"
done

# ---- kssim generate-key asks the same table (R-KEYGEN-OPTION-NEEDS-RELEASE) ----
ok init --force --api-level 30
ok set-credential --type pin --secret 1234
refused INVALID_ARGUMENT -38 generate-key once --algorithm ec --usage-count-limit 1
grep -q "setMaxUsageCount needs Android 12 (API level 31); this device is Android 11 (API level 30)" "$work/err" ||
    fail "generate-key --usage-count-limit on API level 30 does not name Android 12: $(cat "$work/err")"
ok generate-key pin --algorithm ec --auth device_credential --timeout 0
ok init --force --api-level 29
ok set-credential --type pin --secret 1234
refused INVALID_ARGUMENT -38 generate-key pin --algorithm ec --auth device_credential --timeout 0
grep -q "needs Android 11 (API level 30); this device is Android 10 (API level 29)" "$work/err" ||
    fail "a per-operation credential key on API level 29 does not name Android 11: $(cat "$work/err")"
ok init --force --api-level 31
ok generate-key once --algorithm ec --usage-count-limit 1
rm -rf "$KSSIM_DEVICE"

# ---- the page and the table ----
grep -Eo '^\| V-[A-Z0-9-]+ \|' "$page" | sed 's/^| //; s/ |$//' | sort >"$work/page_ids"
[ -s "$work/page_ids" ] || fail "docs/android-versions.md has no rows"
while read -r id; do fail "docs/android-versions.md lists $id twice"; done < <(uniq -d "$work/page_ids")
while read -r id; do
    fail "row $id of sim/core/android_versions.c is not in docs/android-versions.md"
done < <(comm -23 "$work/table_ids" "$work/page_ids")
while read -r id; do
    fail "docs/android-versions.md lists $id, which sim/core/android_versions.c does not have"
done < <(comm -13 "$work/table_ids" "$work/page_ids")
# The page's since and until columns are the table's.
while read -r id; do
    json_row=$(grep -A3 "\"id\": \"$id\"" "$work/table.json")
    since=$(sed -n 's/.*"since_api_level": \([0-9]*\).*/\1/p' <<<"$json_row")
    until=$(sed -n 's/.*"until_api_level": \([0-9a-z]*\).*/\1/p' <<<"$json_row")
    [ "$until" = null ] && until=-
    grep -q "^| $id | $since | $until |" "$page" ||
        fail "docs/android-versions.md row $id does not say since $since, until $until"
done <"$work/table_ids"

# ---- the scenarios ----
grep -rhoE --include='*.yaml' '^# version: V-[A-Z0-9-]+' "$scenarios" | sed 's/^# version: //' | sort -u \
    >"$work/cited_ids"
while read -r id; do
    fail "no scenario cites row $id (a '# version: $id' line in scenarios/**.yaml)"
done < <(comm -23 "$work/table_ids" "$work/cited_ids")
while read -r id; do
    fail "a scenario cites $id, which sim/core/android_versions.c does not have"
done < <(comm -13 "$work/table_ids" "$work/cited_ids")
# Every scenario the page names (last column, relative to scenarios/versions/) exists and cites the row.
while IFS= read -r line; do
    id=$(sed 's/^| \(V-[A-Z0-9-]*\) |.*/\1/' <<<"$line")
    names=$(sed 's/.*| \([^|]*\) |$/\1/' <<<"$line" | tr ',' ' ')
    for name in $names; do
        file="$scenarios/versions/$name.yaml"
        if [ ! -f "$file" ]; then
            fail "docs/android-versions.md row $id names $name, which is not scenarios/versions/$name.yaml"
        elif ! grep -qx "# version: $id" "$file"; then
            fail "scenarios/versions/$name.yaml, named for $id, has no '# version: $id' line"
        fi
    done
done < <(grep -E '^\| V-[A-Z0-9-]+ \|' "$page")

[ "$failures" -eq 0 ] || {
    echo "$failures failure(s)"
    exit 1
}
echo "android_versions_table: ok"
