#!/usr/bin/env bash
# cli_device_files.sh BUILD_DIR SOURCE_DIR - the device directory as files (issue 18, items 5, 9, 10, 14):
# who may use them (0700/0600 whatever the umask, refused when others may, or another user owns them),
# what is not a whole device (refused by every command, nothing changed, until `init --force`), read
# commands that create and write nothing, and device choices that are mistakes (empty, repeated).
set -u
build=${1:?usage: cli_device_files.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=lib/cli_test.sh
source "$(dirname "$0")/lib/cli_test.sh"

mode() { stat -c %a "$1"; }
# The device files' names and contents; "-shm" (SQLite's shared-memory index) only when asked.
checksum() {
    local dir=$1 with_index=${2:-yes} name
    for name in device.sqlite3 device.sqlite3-wal device.sqlite3-shm; do
        [ "$name" = device.sqlite3-shm ] && [ "$with_index" != yes ] && continue
        if [ -s "$dir/$name" ]; then sha256sum <"$dir/$name"; else echo "$name absent or empty"; fi
    done
}
stderr_says() { grep -qF -- "$1" "$work/err" || fail "stderr does not say '$1': $(cat "$work/err")"; }

# ---- item 5: private files, whatever the umask ----
(umask 000 && "$kssim" --device "$work/open/phone" init) || fail "init under umask 000 failed"
[ "$(mode "$work/open")" = 700 ] || fail "a parent kssim made is $(mode "$work/open"), expected 700"
[ "$(mode "$work/open/phone")" = 700 ] || fail "the device directory is $(mode "$work/open/phone"), expected 700"
for file in device.sqlite3 device.sqlite3-wal device.sqlite3-shm; do
    [ "$(mode "$work/open/phone/$file")" = 600 ] || fail "$file is $(mode "$work/open/phone/$file"), expected 600"
done
(umask 000 && "$kssim" --device "$work/open/phone" set-credential --type pin --secret 1234) || fail "set-credential"
[ "$(mode "$work/open/phone/device.sqlite3-wal")" = 600 ] || fail "the log became $(mode "$work/open/phone/device.sqlite3-wal")"

# An empty directory made for the device under the usual umask becomes private when the device is made
# in it; a read command leaves it as it is (it creates nothing).
(umask 022 && mkdir "$work/made-by-hand")
"$kssim" --device "$work/made-by-hand" status >/dev/null 2>&1 || fail "status on an empty 0755 directory"
[ "$(mode "$work/made-by-hand")" = 755 ] || fail "a read command changed the empty directory's mode"
"$kssim" --device "$work/made-by-hand" set-credential --type pin --secret 1234 ||
    fail "set-credential in an empty 0755 directory made for the device"
[ "$(mode "$work/made-by-hand")" = 700 ] || fail "the device's empty directory stayed $(mode "$work/made-by-hand")"

chmod 755 "$work/open/phone"
refused DEVICE_UNAVAILABLE 1101 --device "$work/open/phone" status
stderr_says "$work/open/phone has mode 0755"
stderr_says "chmod 700 $work/open/phone && chmod 600 $work/open/phone/device.sqlite3*"
refused DEVICE_UNAVAILABLE 1101 --device "$work/open/phone" set-credential --type pin --secret 1234
chmod 700 "$work/open/phone"
chmod 644 "$work/open/phone/device.sqlite3"
refused DEVICE_UNAVAILABLE 1101 --device "$work/open/phone" keys
stderr_says "device.sqlite3 has mode 0644"
chmod 600 "$work/open/phone/device.sqlite3"
ok --device "$work/open/phone" status

# A symbolic link in place of the database is refused, whatever it points at.
mkdir -m 700 "$work/linked"
ln -s "$work/open/phone/device.sqlite3" "$work/linked/device.sqlite3"
refused DEVICE_UNAVAILABLE 1101 --device "$work/linked" status
stderr_says "symbolic link"

# Owned by another user: refused unless asked for explicitly.
if [ "$(id -u)" -eq 0 ]; then
    ok --device "$work/theirs" init
    chown -R 65534:65534 "$work/theirs"
    refused DEVICE_UNAVAILABLE 1101 --device "$work/theirs" status
    stderr_says "is owned by"
    stderr_says "KSSIM_ALLOW_OTHER_OWNER=1"
    KSSIM_ALLOW_OTHER_OWNER=1 "$kssim" --device "$work/theirs" status >/dev/null 2>"$work/err" ||
        fail "KSSIM_ALLOW_OTHER_OWNER=1 did not open another user's device: $(cat "$work/err")"
else
    echo "skipped: a device owned by another user (only root can chown one away)"
fi

# ---- item 9: what is not a whole device is refused by every command, and nothing changes ----
commands=("status" "keys" "check" "export-public login" "expect-key login --state valid" "set-credential --type pin --secret 1"
    "advance 1s" "reboot" "generate-key other --algorithm ec" "init")

# damaged NAME WITH_INDEX PHRASE: every command refuses DEVICE_DAMAGED naming PHRASE, the files stay as
# they were, and init --force then makes a working phone.
damaged() {
    local dir=$1 with_index=$2 phrase=$3 before command
    before=$(checksum "$dir" "$with_index")
    for command in "${commands[@]}"; do
        # shellcheck disable=SC2086 # each entry is a command and its arguments
        refused DEVICE_DAMAGED 1102 --device "$dir" $command
        stderr_says "$phrase"
        stderr_says "kssim init --force"
    done
    [ "$(checksum "$dir" "$with_index")" = "$before" ] || fail "$dir changed while it was refused ($phrase)"
    ok --device "$dir" init --force
    ok --device "$dir" check
    ok --device "$dir" generate-key login --algorithm ec
    ok --device "$dir" export-public login
}

make_phone() {
    ok --device "$1" init
    ok --device "$1" set-credential --type pin --secret 1234
    ok --device "$1" generate-key login --algorithm ec
}

make_phone "$work/deleted"
rm "$work/deleted/device.sqlite3"
damaged "$work/deleted" yes "log but no device.sqlite3"

make_phone "$work/truncated"
: >"$work/truncated/device.sqlite3"
damaged "$work/truncated" yes "empty (0 bytes)"

make_phone "$work/stateless"
python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("DELETE FROM state")
db.commit()
db.close()' "$work/stateless/device.sqlite3" || fail "python3 could not delete the state row"
# SQLite opens this one to find the missing row, and keeps its index (-shm) as any reader does.
damaged "$work/stateless" no "no state row, so it holds no phone (1 key row without one)"

# ---- item 9 and 14: read commands write nothing, and answer for a device that does not exist yet ----
ok --device "$work/new" status
grep -Eq '^credential *none$' "$work/out" || fail "status of a new device: $(cat "$work/out")"
grep -Eq "^device *$work/new$" "$work/out" || fail "status does not name the device it answers for: $(cat "$work/out")"
ok --device "$work/new" keys
refused KEY_NOT_FOUND 7 --device "$work/new" export-public login
[ -e "$work/new" ] && fail "a read command created the device directory"
ok --device "$work/new" set-credential --type pin --secret 1234
ok --device "$work/new" status
grep -Eq '^credential *pin$' "$work/out" || fail "status after set-credential: $(cat "$work/out")"
before=$(checksum "$work/new" no)
for command in "status" "status --json" "keys" "keys --json" "export-public login" "check"; do
    # shellcheck disable=SC2086
    "$kssim" --device "$work/new" $command >/dev/null 2>&1
done
[ "$(checksum "$work/new" no)" = "$before" ] || fail "read commands changed the device files"

# A device its user may not write still answers the read commands.
make_phone "$work/readonly"
if [ "$(id -u)" -eq 0 ]; then
    # Root may write anything, so the reader is uid 65534, owning a device it may not write.
    chmod 711 "$work"
    chown -R 65534:65534 "$work/readonly" "$work/readonly.rpmb"
    as_reader=(setpriv --reuid=65534 --regid=65534 --clear-groups)
else
    as_reader=()
fi
chmod 400 "$work/readonly"/device.sqlite3*
chmod 500 "$work/readonly"
for command in "status" "keys" "check" "export-public login" "expect-key login --state valid"; do
    # shellcheck disable=SC2086
    "${as_reader[@]}" "$kssim" --device "$work/readonly" $command >"$work/out" 2>"$work/err" ||
        fail "$command on a read-only device: $(cat "$work/err")"
done
"${as_reader[@]}" "$kssim" --device "$work/readonly" advance 1s >"$work/out" 2>"$work/err"
[ $? -eq 1 ] && grep -q "DEVICE_UNAVAILABLE (1101)" "$work/err" ||
    fail "advance on a read-only device was not refused with DEVICE_UNAVAILABLE: $(cat "$work/err")"
if [ "$(id -u)" -eq 0 ]; then
    # Its rollback-protected storage unreadable to it (root's, 0600): no evidence of a rollback either way,
    # so the device is refused, read commands too, naming the file; nothing is marked for good.
    chown 0:0 "$work/readonly.rpmb"
    chmod 600 "$work/readonly.rpmb"
    for command in status check; do
        # shellcheck disable=SC2086
        "${as_reader[@]}" "$kssim" --device "$work/readonly" $command >"$work/out" 2>"$work/err"
        [ $? -eq 1 ] || fail "$command with an unreadable DIR.rpmb did not exit 1"
        stderr_says "DEVICE_UNAVAILABLE (1101): the device's rollback-protected storage tells whether the device was rolled back, but $work/readonly.rpmb cannot be read (Permission denied): make it readable by you (chmod 600 $work/readonly.rpmb)"
    done
    chown 65534:65534 "$work/readonly.rpmb"
    "${as_reader[@]}" "$kssim" --device "$work/readonly" status >"$work/out" 2>"$work/err" ||
        fail "status once DIR.rpmb is the reader's again: $(cat "$work/err")"
    grep -q "rollback detected" "$work/out" && fail "an unreadable DIR.rpmb was taken for a rollback"
fi
chmod 700 "$work/readonly"
[ "$(id -u)" -eq 0 ] && chown -R 0:0 "$work/readonly" "$work/readonly.rpmb" && chmod 700 "$work"

# ---- item 10: an empty device is a usage error, never the default device ----
export XDG_STATE_HOME="$work/state"
unset KSSIM_DEVICE
make_phone "$work/state/kssim/device"
before=$(checksum "$work/state/kssim/device")
KSSIM_DEVICE='' "$kssim" init --force >"$work/out" 2>"$work/err"
[ $? -eq 2 ] || fail "KSSIM_DEVICE= kssim init --force did not exit 2"
stderr_says "KSSIM_DEVICE is empty"
expect 2 --device '' init --force
stderr_says '--device "" is empty'
expect 2 --device= init --force
stderr_says "--device= is empty"
expect 2 init --force --device ''
stderr_says '--device "" is empty'
expect 2 init --force --device=
stderr_says "--device= is empty"
# The provider's `device` parameter set but empty is refused the same way, not taken for the default.
cat >"$work/empty-device.cnf" <<EOF
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
default = default_sect
keystore = keystore_sect
[default_sect]
activate = 1
[keystore_sect]
module = $(cd "$build" && pwd)/keystore.so
device =
activate = 1
EOF
printf 'data' >"$work/data"
OPENSSL_CONF="$work/empty-device.cnf" openssl pkeyutl -sign -inkey keystore:login -rawin -in "$work/data" \
    -digest sha256 -out "$work/sig" >"$work/out" 2>"$work/err" && fail "openssl signed with an empty device parameter"
stderr_says "the provider's device parameter is empty"
[ "$(checksum "$work/state/kssim/device")" = "$before" ] || fail "an empty device location touched the default device"
ok keys
grep -q '^login' "$work/out" || fail "the default device lost its key: $(cat "$work/out")"

# ---- item 14: --device twice, and init options that cannot be leave nothing behind ----
expect 2 --device "$work/a" --device "$work/b" status
stderr_says "--device is given twice"
expect 2 --device "$work/a" status --device "$work/b"
stderr_says "--device is given twice"
expect 2 status --device "$work/a" --device="$work/b"
stderr_says "--device is given twice"
expect 2 --device "$work/refused" init --api-level 0
stderr_says "API level 0 is not a release kssim models; supported: 23 to 35"
expect 2 --device "$work/refused" init --security-level titanium
[ -e "$work/refused" ] && fail "a refused init left $work/refused behind"

[ "$failures" -eq 0 ] || {
    echo "$failures failure(s)"
    exit 1
}
echo "cli_device_files: ok"
