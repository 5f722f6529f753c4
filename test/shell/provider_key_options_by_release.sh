#!/usr/bin/env bash
# provider_key_options_by_release.sh BUILD_DIR SOURCE_DIR - openssl genpkey goes through the device's one
# key generation, so an option the device's Android release does not have is refused there too, naming
# the release that added it (R-KEYGEN-OPTION-NEEDS-RELEASE, docs/android-versions.md), and works on the
# release that has it.
source "$2/test/provider/provider_common.bash" "$@"
cd "$work" || exit 1

device_of_api_level() {
    "$kssim" init --force --api-level "$1" >/dev/null && setup_phone ||
        { echo "Bail out! cannot make an API level $1 device"; exit 1; }
}

device_of_api_level 30
refused INVALID_ARGUMENT "usage-count-limit on Android 11" genkey once.pem -algorithm EC -pkeyopt alias:once \
    -pkeyopt usage-count-limit:1
checks=$((checks + 1))
if grep -q "setMaxUsageCount needs Android 12 (API level 31); this device is Android 11 (API level 30)" "$work/err"
then echo "ok - the refusal names the release that added setMaxUsageCount"; else
    fail "the refusal does not name Android 12: $(head -c 2000 "$work/err")"
fi
device_of_api_level 31
ok "usage-count-limit on Android 12" genkey once.pem -algorithm EC -pkeyopt alias:once -pkeyopt usage-count-limit:1

device_of_api_level 32
refused UNSUPPORTED_ALGORITHM "Ed25519 on Android 12L" genkey ed.pem -algorithm ED25519 -pkeyopt alias:ed
device_of_api_level 33
ok "Ed25519 on Android 13" genkey ed.pem -algorithm ED25519 -pkeyopt alias:ed
finish
