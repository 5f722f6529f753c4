#!/usr/bin/env bash
# input_checks.sh BUILD_DIR SOURCE_DIR - what users type that the device cannot take, refused on every
# path with the device's one sentence (issue 18, items 4 and 14): usage limits of 0 (kssim, genpkey),
# aliases with control characters, invalid UTF-8 or '/', advances beyond the clocks' range, API levels
# outside the device's; `kssim keys --json` stays valid UTF-8 for an alias an older kssim stored; on a
# realtime device `kssim advance` and `kssim set-wall-clock` keep their effect on the wall clock.
source "$2/test/provider/provider_common.bash" "$@"
cd "$work" || exit 1

# usage STATUS FRAGMENT DESCRIPTION COMMAND...: exit STATUS with FRAGMENT on stderr and nothing on stdout.
usage() {
    local expected=$1 fragment=$2 description=$3 status
    shift 3
    checks=$((checks + 1))
    "$@" >"$work/out" 2>"$work/err"
    status=$?
    if [ "$status" -ne "$expected" ]; then
        fail "$description: exit status $status, expected $expected; stderr: $(head -c 1000 "$work/err")"
    elif ! grep -qF -- "$fragment" "$work/err"; then
        fail "$description: no '$fragment' on stderr: $(head -c 1000 "$work/err")"
    elif [ -s "$work/out" ]; then
        fail "$description: something on stdout: $(head -c 200 "$work/out")"
    else
        echo "ok - $description"
    fi
}

"$kssim" init --seed 5 >/dev/null || { echo "Bail out! kssim init failed"; exit 1; }

# ---- Item 4: a limit of 0 is refused, not taken for "no limit" ----
zero_uses="a usage count limit of 0 would allow no use at all"
zero_per_boot="a per-boot use limit of 0 would allow no use at all"
usage 2 "--usage-count-limit: $zero_uses" "kssim generate-key --usage-count-limit 0" \
    "$kssim" generate-key once --usage-count-limit 0
usage 2 "--max-uses-per-boot: $zero_per_boot" "kssim generate-key --max-uses-per-boot 0" \
    "$kssim" generate-key once --max-uses-per-boot 0
usage 2 "$zero_uses" "kssim import-key --usage-count-limit 0" \
    "$kssim" import-key once --algorithm aes --key-hex 000102030405060708090a0b0c0d0e0f --usage-count-limit 0
"$kssim" keys --json >keys.json
checks=$((checks + 1))
if grep -q '"alias"' keys.json; then fail "a refused generate-key left a key: $(cat keys.json)"; else echo "ok - no key made"; fi
ok "kssim generate-key --usage-count-limit 1 is a one-use key" "$kssim" generate-key once --usage-count-limit 1
refused INVALID_ARGUMENT "genpkey -pkeyopt usage-count-limit:0" \
    genkey zero.pem -algorithm EC -pkeyopt alias:zero -pkeyopt usage-count-limit:0
grep -qF "$zero_uses" "$work/err" || fail "genpkey usage-count-limit:0: not the device's sentence: $(cat "$work/err")"
refused INVALID_ARGUMENT "genpkey -pkeyopt max-uses-per-boot:0" \
    genkey zero.pem -algorithm EC -pkeyopt alias:zero -pkeyopt max-uses-per-boot:0
grep -qF "$zero_per_boot" "$work/err" || fail "genpkey max-uses-per-boot:0: not the device's sentence"
ok "genpkey -pkeyopt usage-count-limit:2 works" genkey two.pem -algorithm EC -pkeyopt alias:two -pkeyopt usage-count-limit:2

# ---- Item 14: aliases ----
alias_rule="an alias is 1 to 127 bytes of UTF-8 text without control characters or '/'"
usage 2 "the alias has '/' at byte 1: $alias_rule" "kssim generate-key with '/' in the alias" \
    "$kssim" generate-key 'a/b/c'
usage 2 "the alias has the control character 0x0a at byte 1" "kssim generate-key with a newline in the alias" \
    "$kssim" generate-key $'x\ny'
usage 2 "the alias has the control character 0x7f at byte 0" "kssim generate-key with DEL in the alias" \
    "$kssim" generate-key $'\x7f'
usage 2 "the alias is not valid UTF-8 at byte 3 (0xff)" "kssim generate-key with invalid UTF-8" \
    "$kssim" generate-key $'key\xff'
usage 2 "the alias is not valid UTF-8 at byte 0 (0xc0)" "kssim generate-key with an overlong UTF-8 form" \
    "$kssim" generate-key $'\xc0\xaf'
ok "kssim generate-key with a UTF-8 alias" "$kssim" generate-key $'caf\xc3\xa9'
refused INVALID_ARGUMENT "genpkey -pkeyopt alias: with '/'" genkey slash.pem -algorithm EC -pkeyopt alias:a/b
grep -qF "$alias_rule" "$work/err" || fail "genpkey alias a/b: not the device's sentence: $(cat "$work/err")"

# A device an older kssim wrote may hold any alias bytes: its JSON must still be valid UTF-8.
cp -r "$KSSIM_DEVICE" old-device
python3 - old-device/device.sqlite3 <<'PY' || fail "could not plant an old alias"
import sqlite3, sys, zlib
db = sqlite3.connect(sys.argv[1])
(image,) = db.execute("select image from keyentry where alias = 'once'").fetchone()
old = b"o\xffc\x01"
# A key image ends with the CRC-32 of its other bytes (sim/store/device_image.c): written again, as an
# older kssim that let such an alias in would have written it.
body = image[:-4].replace(b"once", old)
db.execute("update keyentry set alias = cast(? as text), image = ? where alias = 'once'",
           (old, body + zlib.crc32(body).to_bytes(4, "big")))
db.commit()
PY
checks=$((checks + 1))
if KSSIM_DEVICE=old-device "$kssim" keys --json >old.json 2>"$work/err" &&
    python3 -c 'import json, sys; aliases = [k["alias"] for k in json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))]; sys.exit(0 if "o\ufffdc\x01" in aliases else 1)' old.json; then
    echo "ok - kssim keys --json of an old alias is valid UTF-8 JSON"
else
    fail "kssim keys --json of an old alias: $(cat "$work/err") $(od -c old.json | head -5)"
fi
# ... and its table carries no raw control character or broken UTF-8 to the terminal.
checks=$((checks + 1))
if KSSIM_DEVICE=old-device "$kssim" keys >old.txt 2>"$work/err" && grep -qF 'o\xffc\x01 ' old.txt &&
    ! LC_ALL=C grep -q "$(printf '[\001\377]')" old.txt; then
    echo "ok - kssim keys writes an old alias's bytes as \\xNN"
else
    fail "kssim keys of an old alias: $(cat "$work/err") $(od -c old.txt | head -5)"
fi

# ---- Item 14: the clocks' range and the API level ----
beyond="would take the wall clock past 9223372036854775807 ms, the furthest the device's clocks go"
usage 2 "$beyond" "kssim advance beyond the clocks' range" "$kssim" advance 106751991167d
usage 2 "API level 22 is not a release kssim models; supported: 23 to 35" "kssim init --api-level 22" \
    "$kssim" init --force --api-level 22
usage 2 "API level 36 is not a release kssim models; supported: 23 to 35 (Android 6.0 to Android 15)" \
    "kssim init --api-level 36" "$kssim" init --force --api-level 36
usage 2 "API level 100 is not a release kssim models" "kssim init --api-level 100" "$kssim" init --force --api-level 100
cat >beyond.yaml <<'YAML'
name: beyond the clocks
steps:
  - advance: 106751000000d
  - reboot: {}
  - advance: 991167d
YAML
usage 2 "beyond.yaml:5:14: 'advance': advancing by 85636828800000 ms $beyond" \
    "an advance beyond the clocks' range is an error of the file" "$kssim" run beyond.yaml

# ---- Item 14: a realtime device keeps what advance and set-wall-clock did ----
export KSSIM_DEVICE="$work/realtime"
"$kssim" init --realtime >/dev/null || fail "kssim init --realtime"
wall_ms() { "$kssim" status --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["wall_clock_ms"])'; }
ok "kssim advance 1d on a realtime device" "$kssim" advance 1d
checks=$((checks + 1))
drift=$(($(wall_ms) - $(date +%s%3N) - 86400000))
if [ "${drift#-}" -lt 5000 ]; then echo "ok - the wall clock kept the day"; else fail "wall clock off by $drift ms after advance 1d"; fi
ok "kssim set-wall-clock on a realtime device" "$kssim" set-wall-clock 2030-01-01T00:00:00Z
checks=$((checks + 1))
since=$(($(wall_ms) - 1893456000000))
if [ "$since" -ge 0 ] && [ "$since" -lt 5000 ]; then echo "ok - set-wall-clock took effect"; else fail "wall clock $since ms from 2030"; fi
# Advanced to the end of the clocks' range, a realtime device stays usable: the clocks stay there.
room=$("$kssim" advance 106751991167d 2>&1 | sed -n 's/.*advance by at most \([0-9]*\) ms.*/\1/p')
ok "kssim advance a realtime device to the end of the clocks' range" "$kssim" advance "$((room - 1000))ms"
sleep 1.5 # past the end of the range
ok "a realtime device at the end of the clocks' range still takes commands" "$kssim" status

finish
