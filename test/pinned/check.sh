#!/usr/bin/env bash
# check.sh BUILD_DIR SOURCE_DIR - every pinned transcript (test/pinned/NAME.txt, commands.list) is
# byte for byte what BUILD/kssim prints today. A difference is shown as a diff; if it is intended,
# test/pinned/regenerate.sh rewrites the files (and the commit says why they changed).
set -u
build=${1:?usage: check.sh BUILD_DIR SOURCE_DIR}
source_dir=${2:?usage: check.sh BUILD_DIR SOURCE_DIR}
kssim=$(cd "$build" && pwd)/kssim
# shellcheck source=pinned_lib.sh
source "$source_dir/test/pinned/pinned_lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
checked=0
failures=0
while read -r name arguments; do
    checked=$((checked + 1))
    pinned="$source_dir/test/pinned/$name.txt"
    if [ ! -f "$pinned" ]; then
        echo "FAIL: $name: test/pinned/$name.txt is missing (test/pinned/regenerate.sh writes it)"
        failures=$((failures + 1))
        continue
    fi
    # shellcheck disable=SC2086 # the arguments are words by design
    pinned_transcript $arguments >"$work/$name.txt"
    if ! cmp -s "$pinned" "$work/$name.txt"; then
        echo "FAIL: $name: kssim $arguments no longer prints test/pinned/$name.txt:"
        diff -u "$pinned" "$work/$name.txt" | head -40
        failures=$((failures + 1))
    fi
done < <(pinned_entries)
# Every file of test/pinned/*.txt is listed, so none is silently left unchecked.
for file in "$source_dir"/test/pinned/*.txt; do
    name=$(basename "$file" .txt)
    pinned_entries | awk '{print $1}' | grep -qx "$name" || {
        echo "FAIL: test/pinned/$name.txt is not in commands.list"
        failures=$((failures + 1))
    }
done
[ "$checked" -ge 8 ] || { echo "FAIL: only $checked pinned transcripts listed"; failures=$((failures + 1)); }
echo "$checked pinned transcripts checked, $failures failures"
[ "$failures" -eq 0 ]
