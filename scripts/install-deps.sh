#!/usr/bin/env bash
# Installs the Debian packages the project builds and tests with, when any is missing.
# Safe to run again: it does nothing when everything is present.
set -euo pipefail

# libclang-rt-14-dev: clang's sanitizer and libFuzzer runtimes (scripts/fuzz.sh, test/fuzz/), only recommended
# by clang; llvm-14: llvm-symbolizer, for sanitizer stack traces with files and lines.
packages=(cmake make gcc pkg-config openssl libssl-dev libyaml-dev libcmocka-dev libsqlite3-dev clang clang-format valgrind python3
  libclang-rt-14-dev llvm-14)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing: ${missing[*]}"
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
