# shell_test.sh - what every shell test shares: the kssim under test, a work directory removed on exit,
# the failure count and its report, and the assertions on a command's exit status and on an output file's
# lines. Sourced by test/shell/*.sh after setting $build (test/shell/lib/cli_test.sh adds a device).
kssim="$(cd "$build" && pwd)/kssim"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# expect_status STATUS COMMAND...: runs the command (stdout in $work/out, stderr in $work/err); another
# exit status fails, with what the command printed.
expect_status() {
    local expected=$1 status
    shift
    "$@" >"$work/out" 2>"$work/err"
    status=$?
    [ "$status" -eq "$expected" ] || {
        fail "'$*' exited $status, expected $expected"
        sed 's/^/    /' "$work/out" "$work/err" | head -n 20
    }
}

# The path of an output file: FILE as given when absolute, else FILE in $work.
output_file() {
    case $1 in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s\n' "$work/$1" ;;
    esac
}

# has_line FILE LINE: FILE has exactly this line.
has_line() {
    local file
    file=$(output_file "$1")
    grep -qxF -- "$2" "$file" || {
        fail "no line '$2' in $1; got:"
        sed 's/^/    /' "$file" | head -n 30
    }
}

# has_text FILE TEXT: some line of FILE holds TEXT.
has_text() {
    local file
    file=$(output_file "$1")
    grep -qF -- "$2" "$file" || {
        fail "no '$2' in $1; got:"
        sed 's/^/    /' "$file" | head -n 30
    }
}

# report_failures NAME: "NAME: N failures", and the test's status (0 when there were none).
report_failures() {
    echo "$1: $failures failures"
    [ "$failures" -eq 0 ]
}
