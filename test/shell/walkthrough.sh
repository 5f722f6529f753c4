#!/usr/bin/env bash
# walkthrough.sh BUILD_DIR SOURCE_DIR - the README's main job ends with the openssl walk-through; it must
# keep giving Android's results (the script exits non-zero at the first step that does not).
set -euo pipefail
"$2/scripts/walkthrough.sh" "$1" >/dev/null
echo "walkthrough: ok"
