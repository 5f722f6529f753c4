#!/usr/bin/env bash
# install_prefix.sh BUILD_DIR SOURCE_DIR - the done-when check of issue 16: `cmake --install` into a
# prefix that is not /usr (no root needed) puts every promised file in place; libkssim.so exports only
# kssim_* under its versioned soname; an outside C program (test/install/outside.c) builds with
# `pkg-config kssim` against the shared library and with `pkg-config --static` against the archive, and
# runs; the installed kssim finds the installed provider for `kssim openssl-config`, and openssl loads it.
set -u
build=$(cd "${1:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
source_dir=$(cd "${2:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset OPENSSL_MODULES OPENSSL_CONF
export KSSIM_DEVICE="$work/device"
checks=0
failures=0
fail() { echo "not ok - $*"; failures=$((failures + 1)); }
pass() { echo "ok - $*"; }
check() { # check DESCRIPTION COMMAND...: the command succeeds
    local description=$1
    shift
    checks=$((checks + 1))
    if "$@" >"$work/out" 2>"$work/err"; then pass "$description"; else fail "$description: $(head -c 1500 "$work/err")"; fi
}

# The outside program is built by the build's compiler, and with its sanitizers in a KSSIM_SANITIZE build
# (the installed libraries are instrumented then, and ASan's runtime must come first in the program).
cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
[ -n "$cc" ] || cc=cc
cc() { command "$cc" "${sanitize[@]}" "$@"; }
sanitize=()
grep -q '^KSSIM_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" && sanitize=(-fsanitize=address,undefined)
prefix="$work/prefix"
check "cmake --install into a prefix" cmake --install "$build" --prefix "$prefix"
version=$(sed -n 's/^project(kssim VERSION \([0-9.]*\).*/\1/p' "$source_dir/CMakeLists.txt")
multiarch=$(pkg-config --variable=modulesdir libcrypto | sed -n 's|^/usr/||p')
for file in bin/kssim lib/libkssim.a lib/libkssim.so "lib/libkssim.so.$version" include/kssim/kssim.h \
    include/kssim/result.h lib/pkgconfig/kssim.pc "$multiarch/keystore.so" share/doc/kssim/README.md \
    share/doc/kssim/openssl.md share/man/man1/kssim.1 share/man/man5/kssim-scenario.5 \
    share/man/man7/keystore-provider.7; do
    checks=$((checks + 1))
    if [ -e "$prefix/$file" ]; then pass "installed $file"; else fail "$file is not in the prefix"; fi
done

# Only kssim_* (and the version node KSSIM_0, an absolute symbol) is exported.
checks=$((checks + 1))
others=$(nm -D --defined-only "$prefix/lib/libkssim.so" | awk '$2 != "A" {print $3}' | grep -v '^kssim_')
exported=$(nm -D --defined-only "$prefix/lib/libkssim.so" | awk '$2 != "A"' | wc -l)
if [ -z "$others" ] && [ "$exported" -gt 50 ]; then pass "libkssim.so exports only its $exported kssim_* symbols"
else fail "libkssim.so exports other symbols: $(echo "$others" | head -20 | tr '\n' ' ')"; fi
checks=$((checks + 1))
others=$(nm -g --defined-only "$prefix/lib/libkssim.a" | awk 'NF == 3 && $2 != "A" {print $3}' | grep -v '^kssim_')
archived=$(nm -g --defined-only "$prefix/lib/libkssim.a" | awk 'NF == 3 && $2 != "A"' | wc -l)
if [ -z "$others" ] && [ "$archived" -eq "$exported" ]; then pass "libkssim.a's global symbols are the same $archived kssim_*"
else fail "libkssim.a: $archived global symbols, others: $(echo "$others" | head -20 | tr '\n' ' ')"; fi
checks=$((checks + 1))
soname=$(readelf -d "$prefix/lib/libkssim.so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
case $soname in
libkssim.so.0.*|libkssim.so.[1-9]*) [ -e "$prefix/lib/$soname" ] && pass "soname $soname" || fail "soname $soname is not installed" ;;
*) fail "unexpected soname '$soname'" ;;
esac
# Every function the public header declares is in the library (an outside program can call it).
checks=$((checks + 1))
missing=""
for name in $(grep -Eo '\bkssim_[a-z0-9_]+\(' "$prefix/include/kssim/kssim.h" "$prefix/include/kssim/result.h" | sed 's/.*://; s/($//' | sort -u); do
    nm -D --defined-only "$prefix/lib/libkssim.so" | grep -qw "$name" || missing="$missing $name"
done
if [ -z "$missing" ]; then pass "every function of kssim.h is exported"; else fail "declared but not exported:$missing"; fi

export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
check "pkg-config kssim answers" pkg-config --exists --print-errors kssim
checks=$((checks + 1))
[ "$(pkg-config --modversion kssim)" = "$version" ] && pass "pkg-config version $version" ||
    fail "pkg-config --modversion kssim: $(pkg-config --modversion kssim)"
checks=$((checks + 1))
[ "$(pkg-config --variable=modulesdir kssim)" -ef "$prefix/$multiarch" ] && pass "kssim.pc names the modules directory" ||
    fail "modulesdir $(pkg-config --variable=modulesdir kssim) is not $prefix/$multiarch"
# shellcheck disable=SC2046
check "outside.c builds against libkssim.so" cc -std=c11 -Wall -Wextra -Werror "$source_dir/test/install/outside.c" \
    -o "$work/outside" $(pkg-config --cflags --libs kssim)
check "outside runs with LD_LIBRARY_PATH" env LD_LIBRARY_PATH="$prefix/lib" "$work/outside" "$work/outside-device"
checks=$((checks + 1))
grep -q "signed and verified" "$work/out" && pass "outside signed on the device" || fail "outside printed: $(cat "$work/out")"
checks=$((checks + 1))
ldd "$work/outside" | grep -q "libkssim.so.$(echo "$version" | cut -d. -f1-2)" && pass "outside links the shared libkssim" ||
    fail "outside does not link libkssim.so: $(ldd "$work/outside")"
# The static archive: -lkssim would pick the .so next to it, so the archive is named; the rest of the
# link line is pkg-config --static's (Requires.private, Libs.private).
static_libs=$(pkg-config --static --libs kssim | sed 's/-lkssim\b/-l:libkssim.a/')
# shellcheck disable=SC2046,SC2086
check "outside.c builds against libkssim.a (pkg-config --static)" cc -std=c11 -Wall -Wextra -Werror \
    "$source_dir/test/install/outside.c" -o "$work/outside-static" $(pkg-config --cflags kssim) $static_libs
check "the static outside runs without LD_LIBRARY_PATH" "$work/outside-static" "$work/outside-static-device"
checks=$((checks + 1))
! ldd "$work/outside-static" | grep -q libkssim && pass "the static outside needs no libkssim.so" ||
    fail "the static outside still needs libkssim.so"

# An outside program may use any name the layers use inside: a function named like one of theirs (taken
# from the build's core layer) links with either library and is the program's own.
internal=$(nm -g --defined-only "$build/libkssim_core.a" | awk 'NF == 3 && $2 == "T" && $3 !~ /^kssim_/ {print $3; exit}')
cat >"$work/clash.c" <<CLASH
/* clash.c - defines $internal, a name internal to libkssim, as the outside program's own function. */
#include <stdio.h>
int $internal(void);
int $internal(void) { return 42; }
int outside_main(int argc, char **argv);
int main(int argc, char **argv) { return $internal() == 42 ? outside_main(argc, argv) : 3; }
CLASH
# shellcheck disable=SC2046
check "outside.c compiles as a part" cc -std=c11 -Dmain=outside_main $(pkg-config --cflags kssim) -c \
    "$source_dir/test/install/outside.c" -o "$work/outside.o"
check "clash.c compiles" cc -std=c11 -c "$work/clash.c" -o "$work/clash.o"
# shellcheck disable=SC2046
check "an outside $internal links with libkssim.so" cc "$work/outside.o" "$work/clash.o" -o "$work/clash-shared" $(pkg-config --libs kssim)
check "and runs, its own $internal called" env LD_LIBRARY_PATH="$prefix/lib" "$work/clash-shared" "$work/clash-device"
# shellcheck disable=SC2086
check "an outside $internal links with libkssim.a" cc "$work/outside.o" "$work/clash.o" -o "$work/clash-static" $static_libs
check "and runs, its own $internal called" "$work/clash-static" "$work/clash-static-device"

# The installed kssim prints the installed provider's path, and openssl loads the provider with it.
check "installed kssim openssl-config" "$prefix/bin/kssim" openssl-config
cp "$work/out" "$work/openssl.cnf"
checks=$((checks + 1))
grep -qx "module = $prefix/$multiarch/keystore.so" "$work/openssl.cnf" && pass "the config names the installed module" ||
    fail "module line: $(grep module "$work/openssl.cnf")"
check "openssl list -providers through the printed config" env OPENSSL_CONF="$work/openssl.cnf" openssl list -providers
checks=$((checks + 1))
grep -A3 keystore "$work/out" | grep -q "version: $version" && pass "keystore $version is loaded" ||
    fail "keystore not listed: $(cat "$work/out")"
check "man kssim renders" env MANWIDTH=80 man -l "$prefix/share/man/man1/kssim.1"

echo "1..$checks"
[ "$failures" -eq 0 ] || { echo "# $failures of $checks checks failed"; exit 1; }
