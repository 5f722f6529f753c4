#!/usr/bin/env bash
# source_lists.sh BUILD_DIR SOURCE_DIR - the layers' source lists are explicit (CMakeLists.txt,
# provider/CMakeLists.txt: no GLOB), so a new file is a decision about its layer. This names a .c file
# of sim/<layer>/ or provider/ that no list holds (it would be silently left out of the build), and a
# listed file that no longer exists.
set -u
source_dir=${2:?usage: source_lists.sh BUILD_DIR SOURCE_DIR}
cd "$source_dir" || exit 1
failures=0
for file in sim/*/*.c; do
    grep -qF "    $file" CMakeLists.txt ||
        { echo "FAIL: $file is in no source list of CMakeLists.txt (add it to its layer's KSSIM_<LAYER>_SOURCES)"; failures=$((failures + 1)); }
done
for file in provider/*.c; do
    grep -qF "\${CMAKE_CURRENT_SOURCE_DIR}/$(basename "$file")" provider/CMakeLists.txt ||
        { echo "FAIL: $file is not in KSSIM_PROVIDER_SOURCES (provider/CMakeLists.txt)"; failures=$((failures + 1)); }
done
while read -r listed; do
    [ -f "$listed" ] || { echo "FAIL: CMakeLists.txt lists $listed, which does not exist"; failures=$((failures + 1)); }
done < <(grep -Eo '^    sim/[a-z0-9_]+/[a-z0-9_]+\.c' CMakeLists.txt | sed 's/^ *//')
count=$(ls sim/*/*.c provider/*.c | wc -l)
echo "$count sources, $failures not matching their lists"
[ "$failures" -eq 0 ]
