#!/usr/bin/env bash
# The seeds and the dictionary of one fuzz target (test/fuzz/, docs/fuzzing.md), in one place for the two
# builds that use them: scripts/fuzz.sh (build-fuzz/) and .clusterfuzzlite/build.sh (OSS-Fuzz's contract).
#
# Usage: scripts/fuzz_seeds.sh corpus TARGET DIR [WRITERS]  copy TARGET's seeds into DIR: test/fuzz/corpus/TARGET/,
#                                                            the scenario files for the scenario targets, and what
#                                                            WRITERS/seeds_NAME (a built seed writer) writes
#        scripts/fuzz_seeds.sh dict TARGET                   print TARGET's dictionary's path, or nothing
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

case ${1:-} in
dict)
    target=${2:?fuzz_seeds.sh dict TARGET}
    # A target's own, or the one the scenario targets share.
    if [ -f "$root/test/fuzz/dict/$target.dict" ]; then
        echo "$root/test/fuzz/dict/$target.dict"
    elif [[ $target == fuzz_scenario_* ]]; then
        echo "$root/test/fuzz/dict/scenario.dict"
    fi
    ;;
corpus)
    target=${2:?fuzz_seeds.sh corpus TARGET DIR [WRITERS]} corpus=${3:?fuzz_seeds.sh corpus TARGET DIR [WRITERS]}
    writers=${4:-}
    mkdir -p "$corpus"
    if [ -d "$root/test/fuzz/corpus/$target" ]; then
        cp -f "$root/test/fuzz/corpus/$target"/* "$corpus"/ 2>/dev/null || true
    fi
    if [[ $target == fuzz_scenario_* ]]; then
        # scenarios/ with its subdirectories (scenarios/aosp/), as kssim run reads it.
        for file in $(find "$root/scenarios" -name '*.yaml' | LC_ALL=C sort) "$root"/test/shell/runner_fixtures/*.yaml \
            "$root"/test/bad_scenarios/*.yaml; do
            if [ -f "$file" ]; then
                cp -f "$file" "$corpus/seed-$(basename "$(dirname "$file")")-$(basename "$file")"
            fi
        done
    fi
    writer="$writers/seeds_${target#fuzz_}"
    if [ -n "$writers" ] && [ -x "$writer" ]; then
        "$writer" "$corpus"
    fi
    ;;
*)
    sed -n '5,9p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
