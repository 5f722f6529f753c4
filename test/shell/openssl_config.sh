#!/usr/bin/env bash
# openssl_config.sh BUILD_DIR SOURCE_DIR - the openssl.cnf that `kssim openssl-config` prints works with
# OPENSSL_CONF and no -provider flags (issue 16): keystore is listed with its version; a device key is
# generated (-propquery '?provider=keystore'), signs through keystore:ALIAS and its key-reference file and
# verifies; software keys (EC, RSA, Ed25519) are generated and sign in the default provider; openssl req
# with both; TLS 1.2 and 1.3 servers with a software key and with a device key, to a client using the same
# config. Then the wrong order (keystore first): software genpkey fails with a sentence naming
# `kssim openssl-config`; and a wrong module line is seen at the "check it loaded" step.
# shellcheck source=../provider/provider_common.bash
source "$2/test/provider/provider_common.bash" "$@"
cd "$work" || exit 1
setup_phone
# Nothing but the printed file tells openssl where keystore.so is.
unset OPENSSL_MODULES
ok "kssim openssl-config" "$kssim" openssl-config
cp "$work/out" "$work/kssim.cnf"
export OPENSSL_CONF="$work/kssim.cnf"
same_line() { # same_line DESCRIPTION FILE LINE
    checks=$((checks + 1))
    if grep -qxF "$3" "$2"; then echo "ok - $1"; else fail "$1: no line '$3' in $(cat "$2")"; fi
}
same_line "the module line names build/keystore.so" kssim.cnf "module = $build/keystore.so"
same_line "the device line names this test's device" kssim.cnf "device = $KSSIM_DEVICE"
ok "openssl list -providers" openssl list -providers
checks=$((checks + 1))
if grep -A3 '^  keystore' "$work/out" | grep -q "version: $("$kssim" --version | sed 's/^kssim //')" &&
    grep -A3 '^  keystore' "$work/out" | grep -q "status: active"; then
    echo "ok - keystore is loaded and active, with kssim's version"
else
    fail "keystore not listed: $(cat "$work/out")"
fi

printf 'a message\n' >message
ok "genpkey a device EC key" openssl genpkey -propquery '?provider=keystore' -algorithm EC -pkeyopt alias:dev -out dev.pem
ok "the device key is on the device" "$kssim" expect-key dev --state valid
ok "sign with keystore:dev" openssl dgst -sha256 -sign keystore:dev -out dev.sig message
ok "sign with the key-reference file" openssl dgst -sha256 -sign dev.pem -out dev2.sig message
ok "the device key's public half" openssl pkey -in keystore:dev -pubout -out dev.pub
ok "verify the keystore:dev signature" openssl dgst -sha256 -verify dev.pub -signature dev.sig message
ok "verify the key-reference signature" openssl dgst -sha256 -verify dev.pub -signature dev2.sig message
for algorithm in EC RSA ED25519; do
    digest=(-digest sha256)
    case $algorithm in
    EC) options=(-pkeyopt group:P-256) ;;
    RSA) options=(-pkeyopt rsa_keygen_bits:2048) ;;
    ED25519) options=() digest=() ;;
    esac
    ok "genpkey a software $algorithm key" openssl genpkey -algorithm "$algorithm" "${options[@]}" -out "sw-$algorithm.pem"
    checks=$((checks + 1))
    if grep -q "BEGIN PRIVATE KEY" "sw-$algorithm.pem"; then echo "ok - the $algorithm key is a software key"
    else fail "sw-$algorithm.pem is not a software private key: $(head -2 "sw-$algorithm.pem")"; fi
    ok "pkeyutl signs with the software $algorithm key" openssl pkeyutl -sign -rawin -inkey "sw-$algorithm.pem" \
        -in message -out "sw-$algorithm.sig" "${digest[@]}"
done
checks=$((checks + 1))
if [ "$("$kssim" keys | tail -n +2 | awk '{print $1}' | tr '\n' ' ')" = "dev " ]; then
    echo "ok - software genpkey added no key to the device"
else
    fail "the device holds other keys than dev: $("$kssim" keys)"
fi
ok "req -x509 with a software key" openssl req -new -x509 -key sw-EC.pem -subj "/CN=software" -days 2 -out sw.crt
ok "req -x509 with a device key" openssl req -new -x509 -key keystore:dev -subj "/CN=localhost" -days 2 -out dev.crt
ok "the device certificate verifies against itself" openssl verify -CAfile dev.crt dev.crt
ok "req for a software RSA server" openssl req -new -x509 -key sw-RSA.pem -subj "/CN=localhost" -days 2 -out sw-rsa.crt
ok "req for a software EC server" openssl req -new -x509 -key sw-EC.pem -subj "/CN=localhost" -days 2 -out sw-ec.crt

# handshake NAME KEY CERT CAFILE PROTOCOL-OPTION EXPECTED-PROTOCOL: s_server and s_client, both through the
# printed config only.
handshake() {
    local name=$1 key=$2 cert=$3 ca=$4 protocol=$5 expected=$6
    local port log="$work/server.$name.log" server client
    checks=$((checks + 1))
    for _ in 1 2 3 4 5; do
        port=$((20000 + RANDOM % 30000))
        openssl s_server -accept "127.0.0.1:$port" -naccept 1 -key "$key" -cert "$cert" "$protocol" -www >"$log" 2>&1 &
        server=$!
        for _ in $(seq 50); do
            grep -q ACCEPT "$log" 2>/dev/null && break
            kill -0 "$server" 2>/dev/null || break
            sleep 0.1
        done
        grep -q ACCEPT "$log" && break
        wait "$server" 2>/dev/null
        grep -q "Address already in use" "$log" || break
    done
    printf 'GET / HTTP/1.0\r\n\r\n' | timeout 30 openssl s_client -connect "127.0.0.1:$port" -CAfile "$ca" \
        -verify_return_error -brief "$protocol" >"$work/client.$name.log" 2>&1
    client=$?
    wait "$server" 2>/dev/null
    if [ "$client" -eq 0 ] && grep -q "Protocol version: $expected" "$work/client.$name.log" &&
        grep -q "Verification: OK" "$work/client.$name.log"; then
        echo "ok - $name: $expected handshake"
    else
        fail "$name: client: $(cat "$work/client.$name.log"); server: $(cat "$log")"
    fi
}
handshake device-ec-tls13 keystore:dev dev.crt dev.crt -tls1_3 TLSv1.3
handshake device-ec-tls12 dev.pem dev.crt dev.crt -tls1_2 TLSv1.2
handshake software-rsa-tls13 sw-RSA.pem sw-rsa.crt sw-rsa.crt -tls1_3 TLSv1.3
handshake software-rsa-tls12 sw-RSA.pem sw-rsa.crt sw-rsa.crt -tls1_2 TLSv1.2
# ECDSA over TLS 1.2 needs the client to offer a P-curve: the default provider's, since it comes first.
handshake software-ec-tls13 sw-EC.pem sw-ec.crt sw-ec.crt -tls1_3 TLSv1.3
handshake software-ec-tls12 sw-EC.pem sw-ec.crt sw-ec.crt -tls1_2 TLSv1.2

# The wrong order: keystore first, no default_properties. Software key generation is refused, and the
# sentence names the way out.
sed -e '/^\[provider_sect\]/,/^$/c\[provider_sect]\nkeystore = keystore_sect\ndefault = default_sect\n' \
    -e '/^default_properties/d' kssim.cnf >keystore-first.cnf
checks=$((checks + 1))
if OPENSSL_CONF=keystore-first.cnf openssl genpkey -algorithm EC -pkeyopt group:P-256 -out wrong.pem >"$work/out" 2>"$work/err"; then
    grep -q "BEGIN PRIVATE KEY" wrong.pem && echo "ok - keystore first: software genpkey works" ||
        fail "keystore first: genpkey wrote no software key"
elif grep -q "ALIAS_REQUIRED" "$work/err" && grep -q "kssim openssl-config" "$work/err"; then
    echo "ok - keystore first: software genpkey is refused with a sentence naming kssim openssl-config"
else
    fail "keystore first: $(cat "$work/err")"
fi
# A wrong module line: keystore is not listed as active, which the check step shows at once.
sed "s|^module = .*|module = $work/no-such-dir/keystore.so|" kssim.cnf >wrong-module.cnf
checks=$((checks + 1))
OPENSSL_CONF=wrong-module.cnf openssl list -providers >"$work/out" 2>"$work/err"
if grep -A3 '^  keystore' "$work/out" | grep -q "status: active"; then
    fail "a wrong module line still lists keystore as active: $(cat "$work/out")"
else
    echo "ok - a wrong module line: openssl list -providers shows no active keystore"
fi
checks=$((checks + 1))
if "$kssim" openssl-config --no-device | grep -q '^device ='; then fail "--no-device still prints a device line"
else echo "ok - --no-device leaves the device line out"; fi
checks=$((checks + 1))
if "$kssim" --device memory: openssl-config | grep -qx 'device = memory:'; then echo "ok - a memory: device is printed as it is"
else fail "--device memory: is not the device line"; fi
# A kssim with no keystore.so next to it or in its prefix is refused with the places it looked in (unless
# the configured modules directory of this build holds one: then that is the answer).
mkdir -p "$work/alone/bin" && cp "$kssim" "$work/alone/bin/kssim"
checks=$((checks + 1))
if "$work/alone/bin/kssim" openssl-config >"$work/out" 2>"$work/err"; then
    module=$(sed -n 's/^module = //p' "$work/out")
    [ -f "$module" ] && [ "${module#"$work"}" = "$module" ] && echo "ok - a lone kssim names the configured module $module" ||
        fail "a lone kssim printed a module that does not exist: $module"
elif grep -q "SYSTEM_ERROR (4): the provider module keystore.so is in none of $work/alone/bin/keystore.so, $work/alone/lib/" "$work/err" &&
    grep -q "cmake --install" "$work/err" && [ ! -s "$work/out" ]; then
    echo "ok - a lone kssim is refused with the places it looked in"
else
    fail "a lone kssim: $(cat "$work/out" "$work/err")"
fi
finish
