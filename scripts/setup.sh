#!/usr/bin/env bash
# Quick start, step one: install what is missing, build, and run the main job - the scenario library
# through the runner, each scenario a rule of Android's key authorization with its expected results, then
# the openssl walk-through (a biometric login through the keystore provider, docs/openssl.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
echo
echo "== The scenario library (build/kssim run scenarios/) =="
"$root/build/kssim" run "$root/scenarios"
echo
echo "== The openssl walk-through (scripts/walkthrough.sh, docs/openssl.md) =="
"$root/scripts/walkthrough.sh" "$root/build"
