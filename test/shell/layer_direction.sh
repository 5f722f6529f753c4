#!/usr/bin/env bash
# layer_direction.sh BUILD_DIR SOURCE_DIR - the build carries the architecture (docs/architecture.md):
# each layer's library sees only its own headers and those of the layers below it. The probes of
# test/CMakeLists.txt (listed in BUILD/layer_probes/probes.txt) each include one header with exactly a
# layer's include paths: an allowed include must compile, an upward one must fail, and fail because the
# header is not found (not for some other reason a probe could break).
set -u
build=${1:?usage: layer_direction.sh BUILD_DIR SOURCE_DIR}
probes="$build/layer_probes/probes.txt"
[ -s "$probes" ] || { echo "FAIL: $probes is missing: configure the build first"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
allowed=0
upward=0
while read -r expected layer header target; do
    if nice cmake --build "$build" --target "$target" >"$work/out" 2>&1; then
        compiled=yes
    else
        compiled=no
    fi
    case "$expected" in
    allowed)
        allowed=$((allowed + 1))
        if [ "$compiled" != yes ]; then
            echo "FAIL: $layer may include $header, but its probe did not compile:"
            sed 's/^/    /' "$work/out"
            failures=$((failures + 1))
        fi
        ;;
    upward)
        upward=$((upward + 1))
        if [ "$compiled" = yes ]; then
            echo "FAIL: $layer sees $header, a layer above it: an upward include compiles"
            failures=$((failures + 1))
        elif ! grep -q "$header: No such file or directory\|'$header' file not found" "$work/out"; then
            echo "FAIL: the probe of $layer including $header failed, but not because the header is unseen:"
            sed 's/^/    /' "$work/out"
            failures=$((failures + 1))
        else
            echo "ok: $layer cannot include $header: $(grep -m1 "$header" "$work/out")"
        fi
        ;;
    *)
        echo "FAIL: $probes: unknown expectation '$expected'"
        failures=$((failures + 1))
        ;;
    esac
done <"$probes"
[ "$allowed" -gt 0 ] && [ "$upward" -gt 0 ] || { echo "FAIL: $probes has no allowed or no upward probe"; exit 1; }
echo "$allowed allowed includes compiled, $upward upward includes refused, $failures failures"
[ "$failures" -eq 0 ]
