# provider_common.bash - what the provider's shell tests (test/shell/provider_*.sh) share: a fresh
# device per test, the openssl options that load build/keystore.so, and assertions that print one line
# per check. Sourced, not run: test/CMakeLists.txt runs test/shell/*.sh only.
#
# Usage in a test: source "$2/test/provider/provider_common.bash" "$@"; ...; finish
set -u
build=$(cd "${1:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
source_dir=$(cd "${2:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
kssim="$build/kssim"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KSSIM_DEVICE="$work/device"
export OPENSSL_MODULES="$build"
# The contract's way to load the provider; PROPQ prefers it for key generation and loading.
PROV=(-provider-path "$build" -provider keystore -provider default)
PROPQ=(-propquery '?provider=keystore')
failures=0
checks=0

fail() {
    echo "not ok - $*"
    failures=$((failures + 1))
}

# ok DESCRIPTION COMMAND...: the command succeeds (stdout in $work/out, stderr in $work/err).
ok() {
    local description=$1
    shift
    checks=$((checks + 1))
    if "$@" >"$work/out" 2>"$work/err"; then
        echo "ok - $description"
    else
        fail "$description: $(head -c 2000 "$work/err")"
    fi
}

# refused RESULT DESCRIPTION COMMAND...: the command fails, and its error output carries the result
# name as the reason (":RESULT:") and at the start of the message ("RESULT (code): ..." for the device's
# results, "REASON: ..." for the provider's own reasons).
refused() {
    local result=$1 description=$2
    shift 2
    checks=$((checks + 1))
    if "$@" >"$work/out" 2>"$work/err"; then
        fail "$description: succeeded, expected $result"
    elif grep -q ":$result:" "$work/err" && grep -Eq ":$result( \(-?[0-9]+\))?: .+" "$work/err"; then
        echo "ok - $description ($result)"
    else
        fail "$description: expected $result in: $(head -c 2000 "$work/err")"
    fi
}

# same_file DESCRIPTION A B
same_file() {
    checks=$((checks + 1))
    if cmp -s "$2" "$3"; then echo "ok - $1"; else fail "$1: $2 and $3 differ"; fi
}

# The phone every test starts from: a PIN and fingerprint 1.
setup_phone() {
    "$kssim" set-credential --type pin --secret 1234 >/dev/null &&
        "$kssim" enroll-biometric --id 1 >/dev/null ||
        { echo "Bail out! cannot set up the device with $kssim"; exit 1; }
}

# genkey FILE ALGORITHM-OPTIONS...: the contract's genpkey command.
genkey() {
    local out=$1
    shift
    openssl genpkey "${PROV[@]}" "${PROPQ[@]}" "$@" -out "$out"
}

# sign_data KEY: signs data.txt (in the current directory) with KEY (a PEM file or a keystore: URI) by
# the contract's pkeyutl command; the signature goes to $work/sig.
sign_data() {
    openssl pkeyutl "${PROV[@]}" -sign -inkey "$1" -rawin -in data.txt -digest sha256 -out "$work/sig"
}

finish() {
    echo "1..$checks"
    if [ "$failures" -ne 0 ]; then
        echo "# $failures of $checks checks failed"
        exit 1
    fi
}
