#!/usr/bin/env bash
# cli_rollback.sh BUILD_DIR SOURCE_DIR - rollback detection (docs/device.md, "Rollback"): a device
# directory restored from a copy revives spent single-use keys and Gatekeeper's failure count, but a
# rollback-resistant key refuses, `kssim status` says so and `kssim check` names both generations; a
# flipped byte in a WAL frame (SQLite then drops that commit) is caught the same way; a changed byte
# inside a stored row fails the row's checksum; software KeyMint refuses rollback resistance.
set -u
build=${1:?usage: cli_rollback.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=lib/cli_test.sh
source "$(dirname "$0")/lib/cli_test.sh"

storage="$KSSIM_DEVICE.rpmb"

# ---- a restored copy of the directory ----
ok init --seed 5
[ -f "$storage" ] || fail "init wrote no rollback-protected storage at $storage"
[ "$(stat -c %a "$storage")" = 600 ] || fail "$storage has mode $(stat -c %a "$storage"), expected 600"
ok set-credential --type pin --secret 1234
# Two uses are keystore2's to count (a copy of its database brings them back); one use is the TEE's too: its
# secure record is erased by the use (system/keymint common/src/keyblob.rs, ta/src/operation.rs), so it never comes back.
ok generate-key once --usage-count-limit 2
ok generate-key single --usage-count-limit 1
ok generate-key guarded --usage-count-limit 1 --rollback-resistant
ok generate-key plain
ok keys
grep -Eq '^guarded .*1/1 uses left, rollback-resistant +valid$' "$work/out" || fail "keys does not show the tag: $(cat "$work/out")"
ok check
cp -a "$KSSIM_DEVICE" "$work/saved"

expect 0 sign once --data x
expect 0 sign single --data x
expect 0 sign guarded --data x
expect 0 sign plain --data x
refused WRONG_CREDENTIAL 1001 verify-credential --secret 0000
refused WRONG_CREDENTIAL 1001 verify-credential --secret 0000
ok status --json
grep -q '"failed_attempts": 2' "$work/out" || fail "two wrong PINs are not counted: $(cat "$work/out")"

rm -rf "$KSSIM_DEVICE"
cp -a "$work/saved" "$KSSIM_DEVICE"
refused DEVICE_DAMAGED 1102 check
grep -Eq 'rolled back: it holds generation [0-9]+ .* is at generation [0-9]+' "$work/err" ||
    fail "check does not name both generations: $(cat "$work/err")"
# What a rollback brings back, as on a phone whose userdata was restored: documented, not prevented.
expect 0 sign once --data x
ok status --json
grep -q '"failed_attempts": 0' "$work/out" || fail "the restored copy does not have its own failure count"
grep -q '"rollback_detected": true' "$work/out" || fail "status --json does not say the device was rolled back"
ok status
grep -q 'rollback detected' "$work/out" || fail "status does not show 'rollback detected': $(cat "$work/out")"
# The spent single-use key does not come back.
refused INVALID_KEY_BLOB -33 sign single --data x
grep -q "single-use key 'single'" "$work/err" || fail "the refusal does not name the single-use key: $(cat "$work/err")"
# The rollback-resistant key does not come back.
refused INVALID_KEY_BLOB -33 sign guarded --data x
grep -q "rollback-resistant key 'guarded' can no longer be used; delete it and generate a new one" "$work/err" ||
    fail "the refusal does not say what happened: $(cat "$work/err")"
ok keys
grep -Eq '^guarded .*rolled back: refuses' "$work/out" || fail "keys does not show the rolled-back key"
# Once the device has caught its storage up, a new rollback-resistant key is vouched for again.
ok generate-key fresh --rollback-resistant
expect 0 sign fresh --data x
refused INVALID_KEY_BLOB -33 sign guarded --data x
refused DEVICE_DAMAGED 1102 check
grep -q 'found rolled back earlier' "$work/err" || fail "check forgets the rollback: $(cat "$work/err")"
# A new phone starts clean.
ok init --force --seed 5
ok check
ok status --json
grep -q '"rollback_detected": false' "$work/out" || fail "init --force keeps the rollback mark"

# ---- the directory moved without its storage ----
ok generate-key guarded --rollback-resistant
mv "$storage" "$work/storage.away"
refused DEVICE_DAMAGED 1102 check
grep -q 'that storage is missing' "$work/err" || fail "check does not report the missing storage: $(cat "$work/err")"
refused INVALID_KEY_BLOB -33 sign guarded --data x

# ---- one flipped byte in a WAL frame ----
ok init --force --seed 6
ok generate-key once --usage-count-limit 2
expect 0 sign once --data x
ok check
python3 - "$KSSIM_DEVICE/device.sqlite3-wal" <<'PY' || fail "could not damage the log"
import struct, sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
page_size = struct.unpack(">I", data[8:12])[0]
frame = 24 + page_size
frames = (len(data) - 32) // frame
assert frames > 0
# A byte inside the page of the last frame: the commit of the signature. SQLite's frame checksum no
# longer matches, so it ignores that frame and the commit it ends.
data[32 + (frames - 1) * frame + 24 + page_size // 2] ^= 0x01
open(path, "wb").write(bytes(data))
PY
refused DEVICE_DAMAGED 1102 check
grep -q 'rolled back' "$work/err" || fail "a damaged log frame is not reported: $(cat "$work/err")"

# ---- a changed byte inside a stored row ----
ok init --force --seed 7
ok generate-key plain
python3 - "$KSSIM_DEVICE/device.sqlite3" <<'PY' || fail "could not edit the row"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
image = bytearray(db.execute("SELECT image FROM keyentry WHERE alias = 'plain'").fetchone()[0])
# Inside the public key (SubjectPublicKeyInfo of a P-256 key): still a row that decodes.
at = image.find(bytes([0x30, 0x59, 0x30, 0x13]))
assert at >= 0
image[at + 80] ^= 0x01
db.execute("UPDATE keyentry SET image = ? WHERE alias = 'plain'", (bytes(image),))
db.commit()
db.close()
PY
refused DEVICE_DAMAGED 1102 check
grep -q "stored key 'plain' is damaged (its checksum does not match" "$work/err" ||
    fail "a changed row is not reported by its checksum: $(cat "$work/err")"

# ---- software KeyMint has no rollback-protected storage ----
ok init --force --security-level software
refused ROLLBACK_RESISTANCE_UNAVAILABLE -67 generate-key guarded --rollback-resistant
grep -q 'tee or strongbox' "$work/err" || fail "the refusal does not say what would work: $(cat "$work/err")"

[ "$failures" -eq 0 ] || {
    echo "$failures failure(s)"
    exit 1
}
echo "cli_rollback: ok"
