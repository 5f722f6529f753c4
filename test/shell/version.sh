#!/usr/bin/env bash
# version.sh BUILD_DIR SOURCE_DIR - one version string, from project(VERSION) in CMakeLists.txt through
# build/generated/kssim_version.h: `kssim --version`, the provider's version parameter (as `openssl list
# -providers` shows it) and the created_by a new device's store records all say the same version.
set -u
build=${1:?usage: version.sh BUILD_DIR SOURCE_DIR}
source_dir=${2:?usage: version.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=lib/cli_test.sh
source "$(dirname "$0")/lib/cli_test.sh"

declared=$(sed -n 's/^project(kssim VERSION \([0-9.]*\) .*/\1/p' "$source_dir/CMakeLists.txt")
[ -n "$declared" ] || fail "CMakeLists.txt declares no project(kssim VERSION ...)"

ok --version
[ "$(cat "$work/out")" = "kssim $declared" ] || fail "kssim --version printed '$(cat "$work/out")', not 'kssim $declared'"
[ -e "$KSSIM_DEVICE" ] && fail "kssim --version created a device"

openssl list -providers -provider-path "$build" -provider keystore >"$work/providers" 2>&1 ||
    fail "openssl list -providers could not load keystore: $(cat "$work/providers")"
provider_version=$(awk '/^  keystore$/ {found = 1} found && /version:/ {print $2; exit}' "$work/providers")
[ "$provider_version" = "$declared" ] ||
    fail "the keystore provider reports version '$provider_version', kssim --version '$declared'"

ok init
if command -v sqlite3 >/dev/null; then
    created_by=$(sqlite3 "file:$KSSIM_DEVICE/device.sqlite3?mode=ro" "SELECT value FROM meta WHERE name = 'created_by'")
    [ "$created_by" = "kssim $declared" ] || fail "a new device records created_by '$created_by', not 'kssim $declared'"
else
    echo "note: no sqlite3 command, the device's created_by is not checked"
fi

[ "$failures" -eq 0 ] && echo "version $declared everywhere"
[ "$failures" -eq 0 ]
