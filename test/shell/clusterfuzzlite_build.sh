#!/usr/bin/env bash
# clusterfuzzlite_build.sh BUILD_DIR SOURCE_DIR - .clusterfuzzlite/build.sh run as OSS-Fuzz and ClusterFuzzLite run
# it (docs/ci.md), with their variables set by hand for libFuzzer and ASan: it must write every fuzz target of
# test/fuzz/ with its seed corpus zip (when the target has seeds), its dictionary (when test/fuzz has one) and its
# options file, and every target must run over its unzipped seed corpus without a finding. A separate clang build
# of the fuzz targets only, kept in BUILD_DIR/clusterfuzzlite/ so that a second run rebuilds only what changed.
# Exit 77 (skipped) without clang.
set -u
build=${1:?usage: clusterfuzzlite_build.sh BUILD_DIR SOURCE_DIR}
source_dir=${2:?usage: clusterfuzzlite_build.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=lib/shell_test.sh
source "$(dirname "$0")/lib/shell_test.sh"
source_dir=$(cd "$source_dir" && pwd)
if ! command -v clang >/dev/null || ! command -v clang++ >/dev/null; then
    echo "clusterfuzzlite_build: clang is not installed (scripts/install-deps.sh installs it); skipped"
    exit 77
fi
cfl=$(cd "$build" && pwd)/clusterfuzzlite
out="$work/out"
mkdir -p "$cfl/work" "$cfl/src" "$out"

# $SRC/kssim is where OSS-Fuzz's Dockerfile puts the checkout.
ln -sfn "$source_dir" "$cfl/src/kssim"
env CC=clang CXX=clang++ \
    CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope" \
    LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT="$out" SRC="$cfl/src" WORK="$cfl/work" KSSIM_BUILD_JOBS=2 \
    bash "$source_dir/.clusterfuzzlite/build.sh" >"$work/build.log" 2>&1 || {
    fail "build.sh failed:"
    tail -n 30 "$work/build.log" | sed 's/^/    /'
    report_failures clusterfuzzlite_build
    exit 1
}

unzip_to() {
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$1" "$2"
}

targets=0
for source in "$source_dir"/test/fuzz/fuzz_*.c; do
    target=$(basename "$source" .c)
    targets=$((targets + 1))
    [ -x "$out/$target" ] || {
        fail "$target was not built into \$OUT"
        continue
    }
    [ -f "$out/$target.options" ] || fail "$target has no $target.options"
    grep -qx '\[libfuzzer\]' "$out/$target.options" || fail "$target.options has no [libfuzzer] section"
    dictionary=$("$source_dir/scripts/fuzz_seeds.sh" dict "$target")
    if [ -n "$dictionary" ]; then
        cmp -s "$dictionary" "$out/$target.dict" || fail "$target.dict is not $dictionary"
        grep -qx "dict = $target.dict" "$out/$target.options" || fail "$target.options does not name $target.dict"
    fi
    corpus="$work/corpus/$target"
    mkdir -p "$corpus"
    "$source_dir/scripts/fuzz_seeds.sh" corpus "$target" "$work/expected-seeds/$target" "$cfl/work/kssim-fuzz/fuzz"
    if [ -n "$(ls -A "$work/expected-seeds/$target")" ]; then
        if [ -f "$out/${target}_seed_corpus.zip" ]; then
            unzip_to "$out/${target}_seed_corpus.zip" "$corpus"
            [ "$(ls "$corpus" | wc -l)" -eq "$(ls "$work/expected-seeds/$target" | wc -l)" ] ||
                fail "${target}_seed_corpus.zip does not hold every seed"
        else
            fail "$target has seeds but no ${target}_seed_corpus.zip"
        fi
    fi
    # Every seed once (-runs=0 runs the corpus and stops), from $OUT as the runner image has it: the libraries
    # come from $OUT/lib.
    (cd "$out" && ASAN_OPTIONS=detect_leaks=1 "./$target" -runs=0 -timeout=60 "$corpus") >"$work/$target.log" 2>&1 || {
        fail "$target failed on its seed corpus:"
        tail -n 20 "$work/$target.log" | sed 's/^/    /'
    }
    grep -q 'Done [0-9]* runs\|INITED' "$work/$target.log" || fail "$target did not run its corpus"
done
[ "$targets" -gt 0 ] || fail "no fuzz targets found in test/fuzz/"
echo "clusterfuzzlite_build: $targets targets built and run over their seeds"
report_failures clusterfuzzlite_build
