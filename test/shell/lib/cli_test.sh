# cli_test.sh - what the kssim command-line tests share: a fresh device directory per test and the
# assertions on exit status, stdout and stderr. Sourced by test/shell/cli_*.sh after setting $build.
# shellcheck source=shell_test.sh
source "$(dirname "${BASH_SOURCE[0]}")/shell_test.sh"
export KSSIM_DEVICE="$work/device"

# expect STATUS ARGS...: runs kssim ARGS (stdout in $work/out, stderr in $work/err).
expect() {
    local expected=$1 status
    shift
    "$kssim" "$@" >"$work/out" 2>"$work/err"
    status=$?
    [ "$status" -eq "$expected" ] || fail "kssim $* exited $status, expected $expected; stderr: $(cat "$work/err")"
}

# ok ARGS...: succeeds and prints nothing on stderr.
ok() {
    expect 0 "$@"
    [ -s "$work/err" ] && fail "kssim $*: unexpected stderr: $(cat "$work/err")"
}

# refused RESULT CODE ARGS...: exit 1 with "kssim: RESULT (CODE): <sentence>" on stderr, nothing on stdout.
refused() {
    local result=$1 code=$2
    shift 2
    expect 1 "$@"
    grep -Eq "^kssim: $result \\($code\\): .+" "$work/err" ||
        fail "kssim $*: stderr is not 'kssim: $result ($code): ...': $(cat "$work/err")"
    [ -s "$work/out" ] && fail "kssim $*: a refusal printed on stdout: $(cat "$work/out")"
}
