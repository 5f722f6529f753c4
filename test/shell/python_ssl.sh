#!/usr/bin/env bash
# python_ssl.sh BUILD_DIR SOURCE_DIR - Python's ssl module with device keys (SSLContext.load_cert_chain
# with the key-reference PEM, the keystore provider loaded by OPENSSL_CONF: the recipe of
# docs/clients.md), through test/shell/lib/tls_python.py:
# - as a TLS server (EC and RSA device keys), reached by openssl s_client with the default provider
#   alone, TLS 1.3 and 1.2;
# - as a mutual-TLS client (device client key) of openssl s_server -Verify with a software key;
# - a per-operation client key refused in the handshake: Python shows only "[SSL] EVP lib", and
#   `kssim last-refusal` (another process, afterwards) says why, with the device's sentence.
source "$2/test/provider/provider_common.bash" "$@"
# shellcheck source=lib/clients_common.bash
source "$source_dir/test/shell/lib/clients_common.bash"
cd "$work" || exit 1
python_tls="$source_dir/test/shell/lib/tls_python.py"
command -v python3 >/dev/null || { echo "Bail out! python3 is missing: run scripts/install-deps.sh"; exit 1; }
setup_phone
write_client_openssl_cnf openssl.cnf

ok "genpkey the CA key" genkey ca.pem -algorithm EC -pkeyopt alias:ca
ok "the CA certificate" openssl req "${PROV[@]}" -new -x509 -key ca.pem -subj "/CN=kssim Python CA" -days 30 -out ca.crt
ok "genpkey an EC key" genkey ec.pem -algorithm EC -pkeyopt group:P-256 -pkeyopt alias:ec
ok "genpkey an RSA key" genkey rsa.pem -algorithm RSA -pkeyopt bits:2048 -pkeyopt alias:rsa
ok "genpkey a per-operation key" genkey perop.pem -algorithm EC -pkeyopt alias:perop \
    -pkeyopt user-auth:biometric_strong -pkeyopt auth-timeout:0
ok "a software key for the openssl side" openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out soft.key
# certify NAME KEY CN: NAME.crt for KEY, signed by the device CA.
certify() {
    ok "request for $1" openssl req "${PROV[@]}" -new -key "$2" -subj "/CN=$3" -out "$1.csr"
    ok "certificate for $1" openssl x509 "${PROV[@]}" -req -in "$1.csr" -CA ca.crt -CAkey ca.pem -CAcreateserial \
        -days 30 -out "$1.crt"
}
certify ec ec.pem localhost
certify rsa-server rsa.pem localhost
certify rsa rsa.pem "python client"
certify soft soft.key localhost
ok "arm the prompt for the per-operation key's request" "$kssim" prompt --respond biometric:1 --count 1
certify perop perop.pem "per-operation client"

# ---- Python as the server: s_client (default provider only) checks the certificate ----
# python_server NAME CERT KEY PROTOCOL-OPTION EXPECTED-PROTOCOL
python_server() {
    local name=$1 cert=$2 key=$3 protocol=$4 expected=$5
    checks=$((checks + 1))
    rm -f "$name.port"
    OPENSSL_CONF="$work/openssl.cnf" python3 "$python_tls" server "$name.port" "$cert" "$key" \
        >"$name.server.out" 2>"$name.server.err" &
    local server=$!
    for _ in $(seq 100); do
        [ -s "$name.port" ] && break
        sleep 0.1
    done
    printf 'hello\n' | timeout 30 openssl s_client -connect "127.0.0.1:$(cat "$name.port" 2>/dev/null)" -CAfile ca.crt \
        -verify_hostname localhost -verify_return_error -brief "$protocol" >"$name.client.log" 2>&1
    # s_client's own status is not asked: Python closes without close_notify, which s_client reports
    # as an unexpected EOF under TLS 1.2; what it saw of the handshake is checked instead.
    wait "$server"
    local status=$?
    if [ "$status" -eq 0 ] && grep -q "Protocol version: $expected" "$name.client.log" &&
        grep -q "Verification: OK" "$name.client.log" &&
        grep -qx "server: $expected client certificate (no certificate)" "$name.server.out"; then
        echo "ok - $name: Python's ssl serves $expected with the device key"
    else
        fail "$name: python (exit $status): $(cat "$name.server.out" "$name.server.err"); s_client: $(cat "$name.client.log")"
    fi
}
python_server ec-tls13 ec.crt ec.pem -tls1_3 TLSv1.3
python_server ec-tls12 ec.crt ec.pem -tls1_2 TLSv1.2
python_server rsa-tls13 rsa-server.crt rsa.pem -tls1_3 TLSv1.3

# ---- Python as a mutual-TLS client: s_server -Verify checks the device client certificate ----
# python_client NAME CERT KEY CN: exits with Python's status in $status.
python_client() {
    local name=$1 cert=$2 key=$3
    if ! start_s_server "$name.server.log" -key soft.key -cert soft.crt -CAfile ca.crt -Verify 1 -www; then
        fail "$name: s_server did not start: $(cat "$name.server.log")"
        status=99
        return
    fi
    OPENSSL_CONF="$work/openssl.cnf" timeout 60 python3 "$python_tls" client "$server_port" ca.crt "$cert" "$key" \
        >"$work/out" 2>"$work/err"
    status=$?
    stop_s_server
}
checks=$((checks + 1))
python_client mutual rsa.crt rsa.pem
if [ "$status" -eq 0 ] && grep -qx 'client: TLSv1.3 server certificate localhost; first line: HTTP/1.0 200 ok' "$work/out" &&
    grep -q '^depth=0 CN = python client$' mutual.server.log; then
    echo "ok - mutual TLS: s_server -Verify accepted Python's device client certificate"
else
    fail "mutual TLS (exit $status): $(cat "$work/out" "$work/err"); s_server: $(cat mutual.server.log)"
fi

# ---- a refusal in the handshake: Python hides the reason, kssim last-refusal tells it ----
checks=$((checks + 1))
python_client refused perop.crt perop.pem
if [ "$status" -eq 3 ] && grep -q '^ssl error: ' "$work/err"; then
    echo "ok - the per-operation key without the prompt fails the handshake in Python: $(head -n 1 "$work/err")"
else
    fail "the per-operation client key signed without the prompt (exit $status): $(cat "$work/out" "$work/err")"
fi
grep -q KEY_USER_NOT_AUTHENTICATED "$work/err" &&
    echo "# Python now shows the result name itself: $(head -n 1 "$work/err")"
ok "kssim last-refusal after the handshake" "$kssim" last-refusal
grep -q '^KEY_USER_NOT_AUTHENTICATED (-26): .*BiometricPrompt' "$work/out" ||
    fail "last-refusal does not give the device's reason: $(cat "$work/out")"
grep -qx "refused           sign with key 'perop'" "$work/out" ||
    fail "last-refusal does not name the key: $(cat "$work/out")"

# Armed, the same handshake succeeds.
ok "arm the prompt for one handshake" "$kssim" prompt --respond biometric:1 --count 1
checks=$((checks + 1))
python_client armed perop.crt perop.pem
if [ "$status" -eq 0 ] && grep -q '^depth=0 CN = per-operation client$' armed.server.log; then
    echo "ok - the per-operation key signs the handshake once the prompt is armed"
else
    fail "the armed per-operation key (exit $status): $(cat "$work/out" "$work/err"); s_server: $(cat armed.server.log)"
fi
finish
