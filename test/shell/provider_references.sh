#!/usr/bin/env bash
# provider_references.sh BUILD_DIR SOURCE_DIR - key-reference files that do not lead to a key (issue 18,
# items 2 and 14): a reference never creates a device (only the configured device is created at first
# use), a reference to a deleted or moved device names it, a relative device is refused, and a damaged
# reference (truncated, a byte changed, a bad field, an alias no key can have) gets the keystore reason
# INVALID_KEY_REFERENCE saying what is wrong, while PEM that is not a reference is still left to the other
# decoders.
source "$2/test/provider/provider_common.bash" "$@"
cd "$work" || exit 1
work=$(pwd -P) # references record devices without symbolic links
export KSSIM_DEVICE="$work/device"
setup_phone
printf 'data\n' >data.txt

# reference_der ALIAS TYPE DEVICE: the DER genpkey writes (key_reference.c), every length below 128.
reference_der() {
    local description="kssim key reference v1"
    printf "\\x30\\x$(printf %02x $((8 + ${#description} + ${#1} + ${#2} + ${#3})))"
    printf "\\x1a\\x$(printf %02x ${#description})%s" "$description"
    printf "\\x0c\\x$(printf %02x ${#1})%s" "$1"
    printf "\\x0c\\x$(printf %02x ${#2})%s" "$2"
    printf "\\x0c\\x$(printf %02x ${#3})%s" "$3"
}

# pem_of DER_FILE PEM_FILE
pem_of() {
    { echo "-----BEGIN KSSIM KEY REFERENCE-----"; openssl base64 -in "$1"; echo "-----END KSSIM KEY REFERENCE-----"; } >"$2"
}

# says DESCRIPTION PATTERN: the last command's output or error output holds PATTERN (fixed string).
says() {
    checks=$((checks + 1))
    if cat "$work/out" "$work/err" | grep -qF -- "$2"; then echo "ok - $1"; else fail "$1: no '$2' in: $(head -c 2000 "$work/err")"; fi
}

absent() {
    checks=$((checks + 1))
    if [ ! -e "$2" ]; then echo "ok - $1"; else fail "$1: $2 exists"; fi
}

ok "a key on the configured device" genkey login.pem -algorithm EC -pkeyopt alias:login
ok "its reference signs" sign_data login.pem

# ---- Item 2: where devices are created ----

ok "genpkey with a relative KSSIM_DEVICE" env KSSIM_DEVICE=relphone \
    openssl genpkey "${PROV[@]}" "${PROPQ[@]}" -algorithm EC -pkeyopt alias:rel -out rel.pem
ok "the reference it wrote" openssl asn1parse -in rel.pem
says "records the device as an absolute directory" ":$work/relphone"

reference_der login EC "$work/nowhere/deep/phone" >nowhere.der
pem_of nowhere.der nowhere.pem
refused DEVICE_UNAVAILABLE "a reference to a device that does not exist" sign_data nowhere.pem
says "the sentence names the device" "names the device $work/nowhere/deep/phone, which does not exist"
says "and says what to do" "generate the key again"
absent "the reference created no directory" "$work/nowhere"

mkdir empty
reference_der login EC "$work/empty" >empty.der
pem_of empty.der empty.pem
refused DEVICE_UNAVAILABLE "a reference to a directory that holds no device" sign_data empty.pem
says "the sentence names the directory" "names the device $work/empty"
absent "no device was made in it" "$work/empty/device.sqlite3"

ok "a key on a second device" env KSSIM_DEVICE="$work/other" \
    openssl genpkey "${PROV[@]}" "${PROPQ[@]}" -algorithm EC -pkeyopt alias:other -out other.pem
ok "its reference signs from anywhere" sign_data other.pem
rm -rf "$work/other"
refused DEVICE_UNAVAILABLE "the second device was deleted" sign_data other.pem
says "the sentence names the deleted device" "names the device $work/other, which does not exist"
absent "the deleted device was not made again" "$work/other"

reference_der login EC "$work/fresh" >fresh.der
pem_of fresh.der fresh.pem
checks=$((checks + 1))
if KSSIM_DEVICE="$work/fresh" sign_data fresh.pem >"$work/out" 2>"$work/err"; then
    fail "a reference to the configured, new device signed with a key it cannot hold"
elif grep -q ":KEY_NOT_FOUND:" "$work/err" && [ -e "$work/fresh" ]; then
    echo "ok - the configured device is still created at first use (then the key is not found)"
else
    fail "the configured device named by a reference: $(head -c 2000 "$work/err")"
fi

# ---- Item 14: damaged references ----

reference_der login EC relative/phone >relative.der
pem_of relative.der relative.pem
refused INVALID_KEY_REFERENCE "a reference with a relative device" sign_data relative.pem
says "the sentence says why" "its device 'relative/phone' is a relative path"
absent "the relative device was not created" "$work/relative"

openssl base64 -d -in <(sed '1d;$d' login.pem) >login.der
head -c 40 login.der >truncated.der
pem_of truncated.der truncated.pem
refused INVALID_KEY_REFERENCE "a truncated reference" sign_data truncated.pem
says "the sentence says it is truncated" "it is truncated (40 of its"
says "and what to do" "generate the key again with openssl genpkey, or use keystore:"

cp login.der flipped.der
printf '\x7f' | dd of=flipped.der bs=1 seek=25 conv=notrunc 2>/dev/null # the alias's length
pem_of flipped.der flipped.pem
refused INVALID_KEY_REFERENCE "a reference with a changed byte" sign_data flipped.pem
says "the sentence says it does not parse" "this key reference is damaged: "

reference_der login DSA "$work/device" >dsa.der
pem_of dsa.der dsa.pem
refused INVALID_KEY_REFERENCE "a reference with a key type kssim does not make" sign_data dsa.pem
says "the sentence names the field" "its key type is not EC, RSA, RSA-PSS or ED25519"
says "and the alias to use instead" "use keystore:login"

{ cat login.der; printf 'extra'; } >trailing.der
pem_of trailing.der trailing.pem
refused INVALID_KEY_REFERENCE "a reference with bytes after its end" sign_data trailing.pem
says "the sentence says so" "5 bytes follow its end"

# The alias of a reference keeps the device's one alias rule (kssim_check_alias): one no key can have is a
# damaged reference, and the file's control characters never reach the error's text.
reference_der $'lo\x1b[31mgin' EC "$work/device" >escape.der
pem_of escape.der escape.pem
refused INVALID_KEY_REFERENCE "a reference whose alias holds a control character" sign_data escape.pem
says "the sentence applies the alias rule" "its alias is one no key can have (the alias has the control character 0x1b at byte 2"
checks=$((checks + 1))
if cat "$work/out" "$work/err" | grep -q $'\x1b'; then
    fail "the alias's control character reached the error: $(cat -v "$work/err" | head -c 2000)"
else
    echo "ok - and the control character is not in the error"
fi
# The same for its device: a control character there never reaches the error's text either.
reference_der login EC $'/tmp/\x1b[31mdevice' >device-escape.der
pem_of device-escape.der device-escape.pem
refused INVALID_KEY_REFERENCE "a reference whose device holds a control character" sign_data device-escape.pem
says "the sentence says so" "its device holds a control character"
checks=$((checks + 1))
if cat "$work/out" "$work/err" | grep -q $'\x1b'; then
    fail "the device's control character reached the error: $(cat -v "$work/err" | head -c 2000)"
else
    echo "ok - and the device's control character is not in the error"
fi
reference_der "a/b" EC "$work/device" >slash.der
pem_of slash.der slash.pem
refused INVALID_KEY_REFERENCE "a reference whose alias holds '/'" sign_data slash.pem
says "the sentence says so" "the alias has '/' at byte 1"

# Not ours: other PEM is still left to the other decoders, without a keystore error.
ok "a software key" openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out software.pem
ok "signs with the keystore provider loaded" sign_data software.pem
{ echo "-----BEGIN SOMETHING ELSE-----"; openssl base64 -in login.der; echo "-----END SOMETHING ELSE-----"; } >foreign.pem
checks=$((checks + 1))
if sign_data foreign.pem >"$work/out" 2>"$work/err"; then
    fail "a foreign PEM signed"
elif grep -q "keystore" "$work/err"; then
    fail "a foreign PEM got a keystore error: $(head -c 2000 "$work/err")"
else
    echo "ok - a foreign PEM fails as OpenSSL fails it, without a keystore reason"
fi
finish
