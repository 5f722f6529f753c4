#!/usr/bin/env bash
# bad_scenarios.sh BUILD_DIR SOURCE_DIR - every file of test/bad_scenarios is refused by `kssim run`
# with exit status 2, nothing on stdout (nothing ran), and the FILE:LINE:COL: message its header's
# "# expect: LINE:COL FRAGMENT" line names. Inputs that cannot live in the repository (an empty file,
# binary garbage, 10000 levels of nesting) are made on the fly. A crash (status >= 128) always fails.
set -u
build=${1:?usage: bad_scenarios.sh BUILD_DIR SOURCE_DIR}
source_dir=${2:?usage: bad_scenarios.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=lib/shell_test.sh
source "$(dirname "$0")/lib/shell_test.sh"
checked=0

# run_refused FILE LINE:COL FRAGMENT: kssim run FILE must exit 2 with that diagnostic on stderr.
run_refused() {
    local file=$1 position=$2 fragment=$3 status
    "$kssim" run "$file" >"$work/out" 2>"$work/err"
    status=$?
    checked=$((checked + 1))
    if [ "$status" -ge 128 ]; then
        fail "$file: kssim crashed (status $status)"
    elif [ "$status" -ne 2 ]; then
        fail "$file: exit status $status, expected 2"
    fi
    if [ -s "$work/out" ]; then
        fail "$file: something ran (stdout not empty)"
    fi
    if ! grep -F -- "$file:$position: " "$work/err" | grep -qF -- "$fragment"; then
        fail "$file: no '$file:$position: ...$fragment...' on stderr; got:"
        sed 's/^/    /' "$work/err"
    fi
}

for file in "$source_dir"/test/bad_scenarios/*.yaml; do
    expectation=$(sed -n 's/^# expect: //p' "$file" | head -n 1)
    if [ -z "$expectation" ]; then
        fail "$file: no '# expect: LINE:COL FRAGMENT' header"
        continue
    fi
    run_refused "$file" "${expectation%% *}" "${expectation#* }"
done

# All of them at once: every file is validated (each reports its own errors) and nothing runs.
"$kssim" run "$source_dir/test/bad_scenarios" >"$work/out" 2>"$work/err"
status=$?
[ "$status" -eq 2 ] || fail "the whole directory: exit status $status, expected 2"
[ -s "$work/out" ] && fail "the whole directory: something ran"
for file in "$source_dir"/test/bad_scenarios/*.yaml; do
    grep -qF -- "$file:" "$work/err" || fail "the whole directory: no error reported for $file"
done

# A valid scenario beside an invalid one: still nothing runs.
cat >"$work/good.yaml" <<'YAML'
name: fine on its own
steps:
  - lock: {}
YAML
"$kssim" run "$work/good.yaml" "$source_dir/test/bad_scenarios/unknown_key.yaml" >"$work/out" 2>"$work/err"
status=$?
[ "$status" -eq 2 ] || fail "valid + invalid: exit status $status, expected 2"
[ -s "$work/out" ] && fail "valid + invalid: the valid scenario ran although another file is invalid"

# Made on the fly.
: >"$work/empty.yaml"
run_refused "$work/empty.yaml" 1:1 "empty file"

printf '\x00\x01\x02\xff\xfe\x7fELF\x01\x01\x01\x00garbage\x80\x81' >"$work/binary.yaml"
run_refused "$work/binary.yaml" 1:1 "not a YAML text file"

printf 'name: x\nsteps: [\x01]\n' >"$work/control.yaml"
run_refused "$work/control.yaml" 2:9 "control characters are not allowed"

head -c 1000 /dev/urandom >"$work/random.yaml"
"$kssim" run "$work/random.yaml" >/dev/null 2>"$work/err"
status=$?
checked=$((checked + 1))
[ "$status" -eq 2 ] || fail "random bytes: exit status $status, expected 2"
grep -qE "^$work/random.yaml:[0-9]+:[0-9]+: " "$work/err" || fail "random bytes: no FILE:LINE:COL on stderr"

{
    printf 'name: deep\nsteps: '
    head -c 10000 /dev/zero | tr '\0' '['
    head -c 10000 /dev/zero | tr '\0' ']'
    printf '\n'
} >"$work/deep.yaml"
run_refused "$work/deep.yaml" 2:39 "nesting deeper than 32 levels"

{
    printf 'name: deep maps\nsteps: '
    printf '{a: %.0s' $(seq 1 10000)
    printf '1'
    printf '}%.0s' $(seq 1 10000)
    printf '\n'
} >"$work/deep_maps.yaml"
run_refused "$work/deep_maps.yaml" 2:132 "nesting deeper than 32 levels"

head -c 2000000 /dev/zero | tr '\0' '#' >"$work/huge.yaml"
run_refused "$work/huge.yaml" 1:1 "the file is larger than"

"$kssim" run "$work/no-such-file.yaml" >/dev/null 2>"$work/err"
status=$?
[ "$status" -eq 2 ] || fail "a missing file: exit status $status, expected 2"
grep -qF "$work/no-such-file.yaml: " "$work/err" || fail "a missing file: not named on stderr"

echo "bad_scenarios: $checked inputs checked, $failures failures"
[ "$failures" -eq 0 ]
