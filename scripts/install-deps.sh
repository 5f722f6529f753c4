#!/usr/bin/env bash
# Installs the Debian packages the project builds and tests with, when any is missing.
# Safe to run again: it does nothing when everything is present.
set -euo pipefail

# libclang-rt-14-dev: clang's sanitizer and libFuzzer runtimes (scripts/fuzz.sh, test/fuzz/), only recommended
# by clang; llvm-14: llvm-symbolizer, for sanitizer stack traces with files and lines.
# chromium: the headless browser test/shell/html_report.sh renders `kssim run --format html` pages in;
# python3: the outside JSON parser of test/shell/run_matrix.sh and the ssl client of test/shell/python_ssl.sh;
# curl: the client of test/shell/curl_client.sh (a device client certificate, docs/clients.md).
packages=(cmake make gcc pkg-config openssl libssl-dev libyaml-dev libcmocka-dev libsqlite3-dev clang clang-format valgrind
  libclang-rt-14-dev llvm-14 chromium python3 curl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node and npm run test/shell/jws.sh's outside JWS verifier. Asked for by command, not by package: a
# machine whose node comes from elsewhere (with npm bundled) must not get Debian's npm over it.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo)
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The `jose` npm packages, pinned by test/node/package-lock.json, into test/node/node_modules (ignored by
# git): the independent verifier of test/shell/jws.sh, and jose 5 (as jose5) that signs JWTs with device
# keys in test/shell/node_clients.sh. Installed once; the tests never reach the network.
node_dir="$(cd "$(dirname "$0")/.." && pwd)/test/node"
if [ ! -f "$node_dir/node_modules/jose/package.json" ] || [ ! -f "$node_dir/node_modules/jose5/package.json" ]; then
  echo "Installing the JWS verifier (jose) into $node_dir/node_modules"
  npm ci --prefix "$node_dir" --no-audit --no-fund --loglevel=error
fi
