#!/usr/bin/env bash
# curl_client.sh BUILD_DIR SOURCE_DIR - curl with a device client certificate (the recipe of
# docs/clients.md: `curl --cert cert.pem --key keyref.pem` with OPENSSL_CONF loading the keystore
# provider) against openssl s_server -Verify with a software server key: EC and RSA client keys, and
# a per-operation key refused in the handshake, whose reason `kssim last-refusal` gives afterwards
# (curl prints the result name only).
source "$2/test/provider/provider_common.bash" "$@"
# shellcheck source=lib/clients_common.bash
source "$source_dir/test/shell/lib/clients_common.bash"
cd "$work" || exit 1
command -v curl >/dev/null || { echo "Bail out! curl is missing: run scripts/install-deps.sh"; exit 1; }
setup_phone
write_client_openssl_cnf openssl.cnf

ok "genpkey the CA key" genkey ca.pem -algorithm EC -pkeyopt alias:ca
ok "the CA certificate" openssl req "${PROV[@]}" -new -x509 -key ca.pem -subj "/CN=kssim curl CA" -days 30 -out ca.crt
ok "genpkey an EC client key" genkey ec.pem -algorithm EC -pkeyopt group:P-256 -pkeyopt alias:ec
ok "genpkey an RSA client key" genkey rsa.pem -algorithm RSA -pkeyopt bits:2048 -pkeyopt alias:rsa
ok "genpkey a per-operation client key" genkey perop.pem -algorithm EC -pkeyopt alias:perop \
    -pkeyopt user-auth:biometric_strong -pkeyopt auth-timeout:0
ok "a software key for the server" openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out soft.key
certify() {
    ok "request for $1" openssl req "${PROV[@]}" -new -key "$2" -subj "/CN=$3" -out "$1.csr"
    ok "certificate for $1" openssl x509 "${PROV[@]}" -req -in "$1.csr" -CA ca.crt -CAkey ca.pem -CAcreateserial \
        -days 30 -out "$1.crt"
}
certify ec ec.pem "curl ec client"
certify rsa rsa.pem "curl rsa client"
certify soft soft.key localhost
ok "arm the prompt for the per-operation key's request" "$kssim" prompt --respond biometric:1 --count 1
certify perop perop.pem "curl per-operation client"

# curl_to_s_server NAME CERT KEY [CURL-OPTIONS...]: one request; curl's status in $status.
curl_to_s_server() {
    local name=$1 cert=$2 key=$3
    shift 3
    if ! start_s_server "$name.server.log" -key soft.key -cert soft.crt -CAfile ca.crt -Verify 1 -www; then
        fail "$name: s_server did not start: $(cat "$name.server.log")"
        status=99
        return
    fi
    OPENSSL_CONF="$work/openssl.cnf" timeout 60 curl -sS --cacert ca.crt --cert "$cert" --key "$key" \
        --resolve "localhost:$server_port:127.0.0.1" "$@" "https://localhost:$server_port/" >"$work/out" 2>"$work/err"
    status=$?
    stop_s_server
}

for case in "ec curl ec client" "rsa curl rsa client"; do
    read -r name cn <<<"$case"
    checks=$((checks + 1))
    curl_to_s_server "$name" "$name.crt" "$name.pem"
    if [ "$status" -eq 0 ] && grep -q 's_server -accept' "$work/out" && grep -q "^depth=0 CN = $cn\$" "$name.server.log"; then
        echo "ok - curl with the $name device client certificate: s_server -Verify accepted it"
    else
        fail "curl with $name (exit $status): $(cat "$work/err"); s_server: $(cat "$name.server.log")"
    fi
done
checks=$((checks + 1))
curl_to_s_server ec-tls12 ec.crt ec.pem --tlsv1.2 --tls-max 1.2
if [ "$status" -eq 0 ] && grep -q 'Protocol  *: TLSv1.2' "$work/out"; then
    echo "ok - curl with the EC device key over TLS 1.2"
else
    fail "curl TLS 1.2 (exit $status): $(cat "$work/err") $(grep -i protocol "$work/out")"
fi

# A refusal: curl exits 35 naming the result; kssim last-refusal has the sentence.
checks=$((checks + 1))
curl_to_s_server refused perop.crt perop.pem
if [ "$status" -eq 35 ] && grep -q 'KEY_USER_NOT_AUTHENTICATED' "$work/err"; then
    echo "ok - the per-operation key without the prompt: curl refuses ($(head -n 1 "$work/err"))"
else
    fail "the per-operation key without the prompt (exit $status): $(cat "$work/err")"
fi
ok "kssim last-refusal after curl" "$kssim" last-refusal
grep -q '^KEY_USER_NOT_AUTHENTICATED (-26): .*BiometricPrompt' "$work/out" ||
    fail "last-refusal does not give the device's reason: $(cat "$work/out")"
ok "arm the prompt for one request" "$kssim" prompt --respond biometric:1 --count 1
checks=$((checks + 1))
curl_to_s_server armed perop.crt perop.pem
if [ "$status" -eq 0 ] && grep -q '^depth=0 CN = curl per-operation client$' armed.server.log; then
    echo "ok - the per-operation key signs curl's handshake once the prompt is armed"
else
    fail "curl with the armed per-operation key (exit $status): $(cat "$work/err")"
fi
finish
