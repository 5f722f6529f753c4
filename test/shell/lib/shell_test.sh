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

# file_has GREP_FLAGS WHAT FILE TEXT: grep GREP_FLAGS finds TEXT in FILE, or the test fails naming WHAT
# was missing and showing the file.
file_has() {
    local flags=$1 what=$2 file
    file=$(output_file "$3")
    grep "$flags" -- "$4" "$file" || {
        fail "no $what '$4' in $3; got:"
        sed 's/^/    /' "$file" | head -n 30
    }
}

# has_line FILE LINE: FILE has exactly this line.
has_line() { file_has -qxF line "$1" "$2"; }

# has_text FILE TEXT: some line of FILE holds TEXT.
has_text() { file_has -qF text "$1" "$2"; }

# report_failures NAME: "NAME: N failures", and the test's status (0 when there were none).
report_failures() {
    echo "$1: $failures failures"
    [ "$failures" -eq 0 ]
}
