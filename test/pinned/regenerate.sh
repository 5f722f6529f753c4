#!/usr/bin/env bash
# regenerate.sh [BUILD_DIR] - rewrites the pinned transcripts test/pinned/NAME.txt from BUILD/kssim
# (default build/). Run it only when a change of the transcripts is intended, and say in the commit
# which lines changed and why: the files exist so that an unintended change is noticed.
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$source_dir/build}
kssim=$(cd "$build" && pwd)/kssim
[ -x "$kssim" ] || { echo "regenerate.sh: $kssim is not built" >&2; exit 2; }
# shellcheck source=pinned_lib.sh
source "$source_dir/test/pinned/pinned_lib.sh"
while read -r name arguments; do
    # shellcheck disable=SC2086 # the arguments are words by design
    pinned_transcript $arguments >"$source_dir/test/pinned/$name.txt"
    echo "wrote test/pinned/$name.txt"
done < <(pinned_entries)
