#!/usr/bin/env bash
# Installs the Debian packages the project builds and tests with, when any is missing.
# Safe to run again: it does nothing when everything is present.
set -euo pipefail

# libclang-rt-14-dev: clang's sanitizer and libFuzzer runtimes (scripts/fuzz.sh, test/fuzz/), only recommended
# by clang; llvm-14: llvm-symbolizer, for sanitizer stack traces with files and lines.
# chromium: the headless browser test/shell/html_report.sh renders `kssim run --format html` pages in;
# python3: the outside JSON parser of test/shell/run_matrix.sh and the ssl client of test/shell/python_ssl.sh,
# and the zip reader of test/shell/clusterfuzzlite_build.sh (zipfile; .clusterfuzzlite/build.sh zips with it too
# where zip is not installed, so zip is not needed here);
# curl: the client of test/shell/curl_client.sh (a device client certificate, docs/clients.md).
# ruby + ruby-android-key-attestation (the android_key_attestation gem): an outside attestation parser
# for test/shell/attestation_parsers.sh; the Debian package does not pull ruby in by itself.
packages=(cmake make gcc pkg-config openssl libssl-dev libyaml-dev libcmocka-dev libsqlite3-dev clang clang-format valgrind
  libclang-rt-14-dev llvm-14 chromium python3 curl ruby ruby-android-key-attestation)
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

# The npm packages pinned by test/node/package-lock.json, into test/node/node_modules (ignored by git):
# `jose`, the independent verifier of test/shell/jws.sh; jose 5 (as jose5), which signs JWTs with device
# keys in test/shell/node_clients.sh; @peculiar/asn1-android (+ asn1-schema, asn1-x509), the outside
# KeyDescription parser of test/shell/attestation_parsers.sh. Installed once (and again when a package is
# missing); the tests never reach the network.
node_dir="$(cd "$(dirname "$0")/.." && pwd)/test/node"
if [ ! -f "$node_dir/node_modules/jose/package.json" ] || [ ! -f "$node_dir/node_modules/jose5/package.json" ] ||
  [ ! -f "$node_dir/node_modules/@peculiar/asn1-android/package.json" ]; then
  echo "Installing the outside clients and verifiers (jose, jose5, @peculiar/asn1-android) into $node_dir/node_modules"
  npm ci --prefix "$node_dir" --no-audit --no-fund --loglevel=error
fi
