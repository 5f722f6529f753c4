#!/usr/bin/env bash
# install_deb.sh BUILD_DIR SOURCE_DIR - `cpack -G DEB` builds a Debian package that installs and works
# (issue 16). Installing it for real needs root and would change this machine, so the honest check here
# is extraction: `dpkg-deb -x` into a temporary root, then the package's own kssim runs from there, openssl
# loads the package's keystore.so from <root>/<OpenSSL's modules directory>, and the packaged kssim's
# openssl-config names that module, which signs with a device key through keystore:ALIAS.
set -u
build=$(cd "${1:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset OPENSSL_MODULES OPENSSL_CONF
export KSSIM_DEVICE="$work/device"
checks=0
failures=0
fail() { echo "not ok - $*"; failures=$((failures + 1)); }
check() { # check DESCRIPTION COMMAND...: the command succeeds (stdout in $work/out)
    local description=$1
    shift
    checks=$((checks + 1))
    if "$@" >"$work/out" 2>"$work/err"; then echo "ok - $description"; else fail "$description: $(head -c 1500 "$work/err")"; fi
}

check "cpack -G DEB" bash -c "cd '$build' && cpack -G DEB -B '$work/package'"
deb=$(ls "$work"/package/kssim_*.deb 2>/dev/null | head -1)
checks=$((checks + 1))
[ -n "$deb" ] && echo "ok - the package is $(basename "$deb")" || { fail "no .deb in $work/package"; echo "1..$checks"; exit 1; }
check "dpkg-deb --info: package kssim" bash -c "dpkg-deb -f '$deb' Package | grep -qx kssim"
check "the package depends on libssl3" bash -c "dpkg-deb -f '$deb' Depends | grep -q libssl3"
root="$work/root"
check "dpkg-deb -x into a temporary root" dpkg-deb -x "$deb" "$root"
modulesdir=$(pkg-config --variable=modulesdir libcrypto)
for file in usr/bin/kssim "${modulesdir#/}/keystore.so" usr/include/kssim/kssim.h usr/lib/pkgconfig/kssim.pc \
    usr/share/man/man1/kssim.1 usr/share/doc/kssim/openssl.md; do
    checks=$((checks + 1))
    [ -e "$root/$file" ] && echo "ok - the package holds /$file" || fail "the package lacks /$file"
done
check "libkssim.so's soname link is in the package" test -e "$(ls "$root"/usr/lib/libkssim.so.*.* | head -1)"
check "the packaged kssim runs" "$root/usr/bin/kssim" --version
check "the packaged kssim sets up a phone" "$root/usr/bin/kssim" set-credential --type pin --secret 1234
check "openssl list -providers -provider-path <root>$modulesdir -provider keystore" \
    openssl list -providers -provider-path "$root$modulesdir" -provider keystore
checks=$((checks + 1))
grep -A3 '^  keystore' "$work/out" | grep -q "status: active" && echo "ok - the packaged keystore is active" ||
    fail "keystore not active: $(cat "$work/out")"
check "the packaged kssim's openssl-config" "$root/usr/bin/kssim" openssl-config
cp "$work/out" "$work/kssim.cnf"
checks=$((checks + 1))
grep -qxF "module = $root$modulesdir/keystore.so" "$work/kssim.cnf" && echo "ok - its module line names the packaged keystore.so" ||
    fail "module line: $(grep '^module' "$work/kssim.cnf")"
export OPENSSL_CONF="$work/kssim.cnf"
check "genpkey a device key through the packaged provider" openssl genpkey -propquery '?provider=keystore' \
    -algorithm EC -pkeyopt alias:packaged -out "$work/packaged.pem"
printf 'data\n' >"$work/data"
check "sign with keystore:packaged" openssl dgst -sha256 -sign keystore:packaged -out "$work/sig" "$work/data"
check "the packaged kssim sees the key" "$root/usr/bin/kssim" expect-key packaged --state valid
echo "1..$checks"
[ "$failures" -eq 0 ] || { echo "# $failures of $checks checks failed"; exit 1; }
