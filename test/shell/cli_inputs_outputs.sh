#!/usr/bin/env bash
# cli_inputs_outputs.sh BUILD_DIR SOURCE_DIR - what kssim reads and writes around the device: secrets from
# standard input and files instead of the command line; --out prepared before a use is spent, write failures
# reported and rolled back, a failed commit reported alone; inputs bounded (/dev/zero is refused at once).
set -u
build=${1:?usage: cli_inputs_outputs.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=lib/cli_test.sh
source "$(dirname "$0")/lib/cli_test.sh"

# usage_error TEXT ARGS...: exit 2 and TEXT (an extended regex) on stderr.
usage_error() {
    local text=$1
    shift
    expect 2 "$@"
    grep -Eq -- "$text" "$work/err" || fail "kssim $*: stderr does not say '$text': $(cat "$work/err")"
}

# uses_left ALIAS N: kssim keys shows N uses left for the key.
uses_left() {
    "$kssim" keys >"$work/keys" 2>&1 || fail "keys failed: $(cat "$work/keys")"
    grep -Eq "^$1 .* $2/[0-9]+ uses left" "$work/keys" || fail "key '$1' should have $2 uses left: $(cat "$work/keys")"
}

# bounded STATUS TEXT ARGS...: like usage_error with STATUS, but a kssim that reads without end is stopped
# after 20 s (and fails) instead of hanging the test.
bounded() {
    local expected=$1 text=$2 status
    shift 2
    timeout 20 "$kssim" "$@" >"$work/out" 2>"$work/err"
    status=$?
    [ "$status" -eq "$expected" ] || fail "kssim $* exited $status (124: stopped after 20 s), expected $expected"
    grep -Eq -- "$text" "$work/err" || fail "kssim $*: stderr does not say '$text': $(cat "$work/err")"
    [ -s "$work/out" ] && fail "kssim $*: printed something: $(head -c 200 "$work/out")"
    return 0
}

# no_file_left PATH: neither PATH nor a temporary file beside it (.NAME.XXXXXX) exists.
no_file_left() {
    [ -e "$1" ] && fail "$1 exists, but no result should have been written"
    ls -A "$(dirname "$1")" | grep -q "^\.$(basename "$1")\." && fail "a temporary file for $1 was left behind"
    return 0
}

# ---- 6. secrets from standard input and files ----
printf '1234\n' >"$work/pin"
printf '5678\r\n' >"$work/pin-crlf"
ok set-credential --type pin --secret-file "$work/pin"
ok verify-credential --secret 1234
expect 0 verify-credential --secret - <"$work/pin"
expect 0 verify-credential --secret-file - <"$work/pin"
echo 9999 | "$kssim" verify-credential --secret - >"$work/out" 2>"$work/err"
[ $? -eq 1 ] && grep -q '^kssim: WRONG_CREDENTIAL (1001): ' "$work/err" ||
    fail "a wrong PIN on standard input was not WRONG_CREDENTIAL: $(cat "$work/err")"
ok change-credential --old-file "$work/pin" --new-file "$work/pin-crlf"
ok verify-credential --secret 5678
expect 0 unlock --secret - <"$work/pin-crlf"
expect 0 unlock --secret-file "$work/pin-crlf"
expect 0 change-credential --old 5678 --new - <"$work/pin"
ok verify-credential --secret 1234
ok reset-credential --new-file "$work/pin-crlf"
ok verify-credential --secret 5678
ok enroll-biometric --id 1
ok generate-key per-op --auth device_credential --timeout 0
ok prompt --respond credential --secret-file "$work/pin-crlf"
ok sign per-op --data x
expect 0 prompt --respond credential:- <"$work/pin-crlf"
ok sign per-op --data x
refused KEY_USER_NOT_AUTHENTICATED -26 sign per-op --data x
expect 0 remove-credential --old - <"$work/pin-crlf"
ok status
grep -q '^credential *none$' "$work/out" || fail "remove-credential --old - did not remove the credential"
ok set-credential --type password --secret-file "$work/pin"
# Mistakes are usage errors, found before the device is touched (no failed attempt is counted).
printf '' >"$work/empty"
printf '\n1234\n' >"$work/empty-line"
printf '12\0003\n' >"$work/nul"
head -c 5000 /dev/zero | tr '\0' 7 >"$work/long"
usage_error "first line of '$work/empty' is empty" verify-credential --secret-file "$work/empty"
usage_error "first line of standard input is empty" verify-credential --secret - <"$work/empty-line"
usage_error "holds a NUL byte" verify-credential --secret-file "$work/nul"
usage_error "longer than 4 KiB" verify-credential --secret - <"$work/long"
usage_error "longer than 4 KiB" verify-credential --secret-file /dev/zero
usage_error "cannot open '$work/missing'" verify-credential --secret-file "$work/missing"
usage_error "--old and --new both read standard input" change-credential --old - --new - <"$work/pin"
usage_error "--secret and --secret-file both give the secret" verify-credential --secret 1 --secret-file "$work/pin"
usage_error "--secret is required: --secret SECRET, --secret - \(standard input\) or --secret-file FILE" \
    verify-credential
usage_error "--new is required" reset-credential
usage_error "the credential is given twice" prompt --respond credential:1234 --secret-file "$work/pin"
usage_error "--secret-file goes with --respond credential only" prompt --respond biometric:1 --secret-file "$work/pin"
usage_error "--respond credential --secret-file FILE" prompt --respond credential
ok status
grep -q '^failed attempts *0$' "$work/out" || fail "a usage error counted as a failed attempt: $(cat "$work/out")"
# Raw key bytes stay off the command line too: --pem-file - instead of --key-hex.
head -c 32 /dev/urandom >"$work/raw-aes"
expect 0 import-key raw-aes --pem-file - --algorithm aes <"$work/raw-aes"
ok encrypt raw-aes --data x
for command in set-credential change-credential reset-credential remove-credential verify-credential unlock prompt; do
    ok "$command" --help
    grep -q -- '-file FILE' "$work/out" || fail "kssim $command --help does not offer a secret file"
done

# ---- 11. output: prepared before the use, written before the commit, put in place after it ----
export KSSIM_DEVICE="$work/device-11" # a device of its own: this part proves itself without part 6
ok set-credential --type pin --secret 1234
ok generate-key once --usage-count-limit 1
# Standard output that cannot be written is an error (exit 1), not a success with the signature lost.
"$kssim" sign once --data x >/dev/full 2>"$work/err"
[ $? -eq 1 ] || fail "sign > /dev/full did not exit 1"
grep -q 'standard output could not be written' "$work/err" || fail "sign > /dev/full said: $(cat "$work/err")"
"$kssim" status >/dev/full 2>"$work/err" && fail "status > /dev/full succeeded"
# A reader that went away before the signature came (a pipe closed early) is the same failure, not a silent
# death by SIGPIPE (status 141): kssim ignores the signal, exits 1 and says the use was spent. The signal is
# reset to its default first, as a shell started with it ignored would pass it on ignored.
ok generate-key once --usage-count-limit 1
{
    sleep 0.5 # the reader has exited by then
    env --default-signal=PIPE "$kssim" sign once --data x 2>"$work/err"
    echo $? >"$work/status"
} | true
[ "$(cat "$work/status")" = 1 ] || fail "sign into a closed pipe exited $(cat "$work/status"), expected 1"
grep -q '^kssim: SYSTEM_ERROR (4): the signature was made and the device has recorded the operation (a limited key.s use is spent), but standard output could not be written: Broken pipe' "$work/err" ||
    fail "sign into a closed pipe said: $(cat "$work/err")"
uses_left once 0
# A device as --out is written after the commit, like standard output (a result is never released before its
# use is recorded): its failure exits 1 and says the use was spent.
ok generate-key once --usage-count-limit 1
expect 1 sign once --data x --out /dev/full
grep -q '^kssim: SYSTEM_ERROR (4): the signature was made .* but /dev/full could not be written' "$work/err" ||
    fail "sign --out /dev/full said: $(cat "$work/err")"
ok generate-key once --usage-count-limit 1
# An --out that cannot be written fails before the use is spent.
usage_error "--out: cannot create '/nonexistent/dir/sig': No such file or directory" \
    sign once --data x --out /nonexistent/dir/sig
uses_left once 1
touch "$work/regular"
usage_error "--out: cannot write '$work/regular/sig': Not a directory" sign once --data x --out "$work/regular/sig"
uses_left once 1
mkdir "$work/directory"
usage_error "is a directory" sign once --data x --out "$work/directory"
uses_left once 1
usage_error "--out: cannot create '/proc/kssim-sig'" sign once --data x --out /proc/kssim-sig
uses_left once 1
ok sign once --data x --out "$work/sig"
[ -s "$work/sig" ] || fail "sign --out wrote nothing"
ls -A "$work" | grep -q '^\.sig\.' && fail "sign --out left its temporary file"
uses_left once 0
# An existing file is replaced; a symbolic link keeps pointing at it.
ok generate-key ec
printf 'old' >"$work/target"
ln -s "$work/target" "$work/link"
ok sign ec --data x --out "$work/link"
[ -L "$work/link" ] || fail "sign --out replaced the symbolic link instead of the file it names"
cmp -s "$work/target" <(printf old) && fail "sign --out through a link did not write the file"
ok verify ec --data x --signature "$work/target"
# A link to nothing is refused before the use (issue 18 round two): writing where it points would create a
# file wherever whoever made the link chose, and replacing the link would break the promise above.
ok generate-key once --usage-count-limit 1
ln -s "$work/no-such-target" "$work/dangling"
usage_error "--out: '$work/dangling' is a symbolic link to a file that does not exist" \
    sign once --data x --out "$work/dangling"
[ -L "$work/dangling" ] || fail "sign --out replaced a link to nothing"
[ -e "$work/no-such-target" ] && fail "sign --out created the file a link to nothing names"
uses_left once 1
# The replaced file's permissions are kept, but never its setuid, setgid or sticky bit: a result is no program.
printf 'old' >"$work/setuid"
chmod 6755 "$work/setuid"
ok sign ec --data x --out "$work/setuid"
[ "$(stat -c %a "$work/setuid")" = 755 ] || fail "sign --out kept special mode bits: $(stat -c %a "$work/setuid")"
# In a sticky directory (/tmp) the kernel refuses to rename over another user's file: that would fail after the
# commit, the use spent. So such a file is refused before (as root: root may, but it is someone else's file).
if [ "$(id -u)" -eq 0 ]; then
    mkdir "$work/sticky"
    chmod 1777 "$work/sticky"
    printf 'theirs' >"$work/sticky/theirs"
    chmod 666 "$work/sticky/theirs"
    chown 65534 "$work/sticky/theirs"
    usage_error "--out: '$work/sticky/theirs' belongs to another user \(uid 65534\) and lies in a directory with the sticky bit" \
        sign once --data x --out "$work/sticky/theirs"
    cmp -s "$work/sticky/theirs" <(printf theirs) || fail "sign --out changed another user's file"
    no_file_left "$work/sticky/.theirs"
    uses_left once 1
    ok sign ec --data x --out "$work/sticky/mine"
    [ -s "$work/sticky/mine" ] || fail "sign --out into a sticky directory wrote nothing"
else
    echo "cli_inputs_outputs: the sticky-directory check needs root (chown); skipped"
fi
# The temporary file is made only once the result exists: none lies beside FILE while kssim waits for the
# device's lock (here held by another SQLite connection for 2 s).
{
    echo "BEGIN IMMEDIATE;"
    sleep 2
    echo "COMMIT;"
} | sqlite3 "$KSSIM_DEVICE/device.sqlite3" &
holder=$!
sleep 0.5
"$kssim" sign ec --data x --out "$work/waited.sig" >"$work/out" 2>"$work/err" &
signer=$!
sleep 0.8
ls -A "$work" | grep -q '^\.waited\.sig\.' && fail "a temporary file lay beside --out while kssim waited for the lock"
wait "$signer" || fail "sign --out after the lock wait failed: $(cat "$work/err")"
wait "$holder"
[ -s "$work/waited.sig" ] || fail "sign --out after the lock wait wrote nothing"

# A write that fails, and a commit that fails: SQLite's files and the result file share the file-size limit.
# With the limit at the size of the device's index (device.sqlite3-shm, which every command maps whole)
# and below the end of its log (device.sqlite3-wal, appended at each commit), a command opens the device
# but cannot commit; a result larger than the limit cannot be written. SIGXFSZ ignored: write fails EFBIG.
shm_kib=$((($(stat -c %s "$KSSIM_DEVICE/device.sqlite3-shm") + 1023) / 1024))
for _ in $(seq 200); do
    [ "$(stat -c %s "$KSSIM_DEVICE/device.sqlite3-wal")" -gt $(((shm_kib + 16) * 1024)) ] && break
    "$kssim" advance 1s || break
done
limited() {
    (
        trap '' XFSZ
        ulimit -f "$shm_kib"
        exec "$kssim" "$@"
    ) >"$work/out" 2>"$work/err"
}
ok generate-key aes --algorithm aes --usage-count-limit 3
head -c $(((shm_kib + 8) * 1024)) /dev/zero >"$work/large"
ok encrypt aes --in "$work/large" --out "$work/large.ct"
uses_left aes 2
limited decrypt aes --ciphertext "$work/large.ct" --out "$work/large.pt"
[ $? -eq 2 ] || fail "decrypt --out to a file that cannot be written did not exit 2: $(cat "$work/err")"
grep -q "cannot write $work/large.pt: File too large; nothing was spent" "$work/err" ||
    fail "the failed write said: $(cat "$work/err")"
uses_left aes 2
no_file_left "$work/large.pt"
ok decrypt aes --ciphertext "$work/large.ct" --out "$work/large.pt"
cmp -s "$work/large" "$work/large.pt" || fail "decrypt --out did not write the plaintext"
uses_left aes 1
# A failed commit reports only itself: the refusal it undid never happened (a PIN oracle otherwise).
limited verify-credential --secret 0000
[ $? -eq 1 ] || fail "verify-credential with a failing commit did not exit 1"
grep -q '^kssim: DEVICE_UNAVAILABLE (1101): .*while committing' "$work/err" ||
    fail "the failed commit said: $(cat "$work/err")"
grep -q WRONG_CREDENTIAL "$work/err" && fail "a rolled-back verify-credential told its result: $(cat "$work/err")"
limited verify-credential --secret 1234
grep -q '^kssim: DEVICE_UNAVAILABLE (1101): ' "$work/err" && [ "$(wc -l <"$work/err")" -eq 1 ] ||
    fail "a rolled-back right PIN said more than the failed commit: $(cat "$work/err")"
ok generate-key once --usage-count-limit 1
limited sign once --data x --out "$work/uncommitted.sig"
[ $? -eq 1 ] || fail "sign --out with a failing commit did not exit 1"
no_file_left "$work/uncommitted.sig"
uses_left once 1
ok check

# ---- 12. inputs are bounded ----
bounded 2 "--in: '/dev/zero': the input is larger than 16 MiB, the most one keystore operation takes" \
    sign ec --in /dev/zero
bounded 2 "--in: standard input: the input is larger than 16 MiB" sign ec --in - </dev/zero
bounded 2 "--pem-file: '/dev/zero': the input is larger than 1 MiB" import-key zero --pem-file /dev/zero
bounded 2 "--pem-file: standard input: the input is larger than 1 MiB" import-key zero --pem-file - </dev/zero
bounded 2 "--signature: '/dev/zero': the input is larger than 64 KiB" verify ec --data x --signature /dev/zero
bounded 2 "--ciphertext: '/dev/zero': the input is larger than 16 MiB" decrypt aes --ciphertext /dev/zero
bounded 2 "--in and --signature both read standard input" verify ec --in - --signature - </dev/null
head -c $((16 * 1024 * 1024)) /dev/zero >"$work/16mib"
ok sign ec --in "$work/16mib"
printf x >>"$work/16mib"
usage_error "the input is larger than 16 MiB" sign ec --in "$work/16mib"
rm -f "$work/16mib" "$work/large" "$work/large.ct" "$work/large.pt"

[ "$failures" -eq 0 ] || {
    echo "$failures failure(s)"
    exit 1
}
echo "cli_inputs_outputs: ok"
