#!/bin/bash -eu
# Builds every fuzz target of test/fuzz/ the way OSS-Fuzz and ClusterFuzzLite expect (docs/fuzzing.md, docs/ci.md):
# compiled with $CC and $CFLAGS (the sanitizer and coverage flags are theirs, the project adds none), linked by
# $CXX with $CXXFLAGS and $LIB_FUZZING_ENGINE. The shared libraries they need beyond the C library (OpenSSL,
# libyaml, SQLite) are copied to $OUT/lib, where the targets look first (rpath $ORIGIN/lib), so that a target runs
# where only $OUT is copied (OSS-Fuzz's runner image). For each target TARGET it writes to $OUT:
#   TARGET                  the fuzzer
#   TARGET_seed_corpus.zip  its seeds (scripts/fuzz_seeds.sh: test/fuzz/corpus/TARGET/, the scenario files, what a
#                           seed writer of test/fuzz/seeds/ makes), when it has any
#   TARGET.dict             its dictionary (test/fuzz/dict/), when it has one
#   TARGET.options          libFuzzer's options: the dictionary, and the per-input timeout scripts/fuzz.sh uses
# Inside OSS-Fuzz's image the checkout is $SRC/kssim and the build directory goes under $WORK; run by hand (CTest
# shell.clusterfuzzlite_build) the same variables are set by the caller, and KSSIM_BUILD_JOBS bounds the build.
set -eu # also when run as `bash build.sh`, which ignores the options of the first line
script_dir=$(cd "$(dirname "$0")" && pwd)
if [ -f "${SRC:-/nonexistent}/kssim/CMakeLists.txt" ]; then
    root="$SRC/kssim"
else
    root=$(cd "$script_dir/.." && pwd)
fi
: "${CC:?} ${CXX:?} ${OUT:?} ${WORK:?}"
CFLAGS=${CFLAGS:-}
CXXFLAGS=${CXXFLAGS:-$CFLAGS}
LIB_FUZZING_ENGINE=${LIB_FUZZING_ENGINE:--fsanitize=fuzzer}
# OSS-Fuzz puts libFuzzer's coverage hooks in CFLAGS (-fsanitize=fuzzer-no-link); a caller who names only the
# sanitizers still gets a coverage-guided fuzzer, since the engine links libFuzzer.
if [ "$LIB_FUZZING_ENGINE" = "-fsanitize=fuzzer" ] && [[ $CFLAGS != *fuzzer* ]]; then
    CFLAGS="$CFLAGS -fsanitize=fuzzer-no-link"
    CXXFLAGS="$CXXFLAGS -fsanitize=fuzzer-no-link"
fi
export CFLAGS CXXFLAGS
mkdir -p "$WORK/kssim-fuzz" "$OUT"
build=$(cd "$WORK/kssim-fuzz" && pwd)
OUT=$(cd "$OUT" && pwd)

# Build type None: no optimisation or debug flags of CMake's own next to the caller's.
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=None -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
    -DKSSIM_FUZZ=ON -DKSSIM_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" -DKSSIM_WERROR=OFF -DKSSIM_TESTS=OFF \
    >"$build/configure.log" || {
    cat "$build/configure.log" >&2
    exit 1
}
cmake --build "$build" --target fuzz_targets -j "${KSSIM_BUILD_JOBS:-$(nproc)}"

# A zip of a directory's files, flat; python3's zipfile where zip is not installed.
zip_directory() {
    local directory=$1 archive=$2
    rm -f "$archive"
    if command -v zip >/dev/null; then
        (cd "$directory" && zip -q -X -r "$archive" .)
    else
        python3 - "$directory" "$archive" <<'PYTHON'
import os, sys, zipfile
directory, archive = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
    for name in sorted(os.listdir(directory)):
        out.write(os.path.join(directory, name), name)
PYTHON
    fi
}

# The libraries of a target that the runner image may lack: everything ldd finds but the C runtime's own (and
# what an earlier target brought to $OUT/lib already, where this one's rpath finds it).
copy_libraries() {
    mkdir -p "$OUT/lib"
    ldd "$1" | awk '$3 ~ /^\// { print $3 }' | while read -r library; do
        case $(basename "$library") in
        libc.so* | libm.so* | libdl.so* | libpthread.so* | librt.so* | libgcc_s.so* | libstdc++.so* | ld-linux*) ;;
        *) [ "$(dirname "$library")" = "$OUT/lib" ] || cp -fL "$library" "$OUT/lib/" ;;
        esac
    done
}

for source in "$root"/test/fuzz/fuzz_*.c; do
    target=$(basename "$source" .c)
    cp -f "$build/fuzz/$target" "$OUT/$target"
    copy_libraries "$OUT/$target"
    seeds="$build/seeds/$target"
    rm -rf "$seeds"
    "$root/scripts/fuzz_seeds.sh" corpus "$target" "$seeds" "$build/fuzz"
    if [ -n "$(ls -A "$seeds")" ]; then
        zip_directory "$seeds" "$OUT/${target}_seed_corpus.zip"
    fi
    dictionary=$("$root/scripts/fuzz_seeds.sh" dict "$target")
    {
        echo "[libfuzzer]"
        if [ -n "$dictionary" ]; then
            cp -f "$dictionary" "$OUT/$target.dict"
            echo "dict = $target.dict"
        fi
        echo "timeout = 30"
    } >"$OUT/$target.options"
    echo "build.sh: $target"
done
