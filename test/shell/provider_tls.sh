#!/usr/bin/env bash
# provider_tls.sh BUILD_DIR SOURCE_DIR - TLS handshakes whose server key is on the device: s_server
# with -key keystore:ALIAS (or the key-reference file), s_client from the default provider alone
# checking the certificate: TLS 1.3 with RSA (PSS) and EC server keys, TLS 1.2 with RSA and EC server
# keys, and a per-operation key answered by the armed system prompt. TLS 1.2 with an EC key needs the provider's TLS-GROUP
# capability (provider.c): without it libssl drops P-256 and finds no ECDSA cipher suite.
# An attested key is its own certificate: s_server -cert keystore:ALIAS loads the attestation leaf
# through the store loader (-cert_chain keystore:ALIAS the rest), verified by a client that trusts
# only `kssim attestation-root`; and s_client -cert keystore:ALIAS authenticates to a server that does.
source "$2/test/provider/provider_common.bash" "$@"
cd "$work" || exit 1
setup_phone

ok "genpkey the CA key" genkey ca.pem -algorithm EC -pkeyopt alias:ca
ok "the CA certificate" openssl req "${PROV[@]}" -new -x509 -key ca.pem -subj "/CN=kssim TLS CA" -days 30 -out ca.crt
for server in rsa ec perop; do
    case $server in
    rsa) ok "genpkey the RSA server key" genkey rsa.pem -algorithm RSA -pkeyopt bits:2048 -pkeyopt alias:rsa ;;
    ec) ok "genpkey the EC server key" genkey ec.pem -algorithm EC -pkeyopt group:P-256 -pkeyopt alias:ec ;;
    perop) ok "genpkey a per-operation server key" genkey perop.pem -algorithm EC -pkeyopt alias:perop \
        -pkeyopt user-auth:biometric_strong -pkeyopt auth-timeout:0 ;;
    esac
    # Certificates are signed here with the CA's device key; a per-operation server key signs its
    # request through the prompt.
    [ "$server" = perop ] && "$kssim" prompt --respond biometric:1 --count 1 >/dev/null
    ok "request for $server" openssl req "${PROV[@]}" -new -key "keystore:$server" -subj "/CN=localhost" \
        -out "$server.csr"
    ok "certificate for $server" openssl x509 "${PROV[@]}" -req -in "$server.csr" -CA ca.crt -CAkey keystore:ca \
        -CAcreateserial -days 30 -out "$server.crt"
done

# handshake NAME KEY CERT PROTOCOL-OPTION EXPECTED-PROTOCOL [SIGNATURE-TYPE]; the client takes
# client_options (none: the default provider alone) and trusts ca_file, the server takes server_options.
client_options=()
server_options=()
ca_file=ca.crt
handshake() {
    local name=$1 key=$2 cert=$3 protocol=$4 expected=$5 signature=${6:-}
    local port log="$work/server.$name.log"
    checks=$((checks + 1))
    for attempt in 1 2 3 4 5; do
        port=$((20000 + RANDOM % 30000))
        openssl s_server "${PROV[@]}" -accept "127.0.0.1:$port" -naccept 1 -key "$key" -cert "$cert" "$protocol" \
            "${server_options[@]}" -www >"$log" 2>&1 &
        local server=$!
        for _ in $(seq 50); do
            grep -q ACCEPT "$log" 2>/dev/null && break
            kill -0 "$server" 2>/dev/null || break
            sleep 0.1
        done
        if grep -q ACCEPT "$log"; then
            break
        fi
        wait "$server" 2>/dev/null
        grep -q "Address already in use" "$log" || break
    done
    printf 'GET / HTTP/1.0\r\n\r\n' | timeout 30 openssl s_client "${client_options[@]}" -connect "127.0.0.1:$port" -CAfile "$ca_file" \
        -verify_return_error -brief "$protocol" >"$work/client.$name.log" 2>&1
    local client=$?
    wait "$server" 2>/dev/null
    local client_log="$work/client.$name.log"
    if [ "$client" -eq 0 ] && grep -q "Protocol version: $expected" "$client_log" &&
        grep -q "Verification: OK" "$client_log" &&
        { [ -z "$signature" ] || grep -q "Signature type: $signature" "$client_log"; }; then
        echo "ok - $name: $expected handshake with the device key"
    else
        fail "$name: client: $(cat "$client_log"); server: $(cat "$log")"
    fi
}

handshake rsa-tls13 keystore:rsa rsa.crt -tls1_3 TLSv1.3 RSA-PSS
handshake rsa-tls12 rsa.pem rsa.crt -tls1_2 TLSv1.2
handshake ec-tls13 keystore:ec ec.crt -tls1_3 TLSv1.3 ECDSA
handshake ec-tls12 ec.pem ec.crt -tls1_2 TLSv1.2 ECDSA
# A TLS 1.2 client with keystore loaded first offers no P-curve (the provider makes no ephemeral keys:
# provider/README.md, TLS groups); with the default provider preferred by propquery it connects.
client_options=("${PROV[@]}" -propquery '?provider=default')
handshake ec-tls12-keystore-client ec.pem ec.crt -tls1_2 TLSv1.2 ECDSA
client_options=()
ok "arm the prompt for one handshake" "$kssim" prompt --respond biometric:1 --count 1
handshake perop-tls13 perop.pem perop.crt -tls1_3 TLSv1.3 ECDSA

# The attested key's own chain as the server's certificate: leaf by -cert, the rest by -cert_chain, both
# from the keystore URI; the client trusts the device's attestation root alone.
ok "genpkey an attested server key" genkey att.pem -algorithm EC -pkeyopt group:P-256 -pkeyopt alias:att \
    -pkeyopt attestation-challenge:tls-nonce
"$kssim" attestation-root >att-root.pem || fail "kssim attestation-root"
ca_file=att-root.pem
server_options=(-cert_chain keystore:att)
handshake attested-server-tls13 keystore:att keystore:att -tls1_3 TLSv1.3 ECDSA
grep -q "Peer certificate: CN = Android Keystore Key" "$work/client.attested-server-tls13.log" ||
    fail "the server did not present the attestation leaf: $(cat "$work/client.attested-server-tls13.log")"
# without -cert_chain the client has no intermediate: the check can fail
server_options=()
checks=$((checks + 1))
port=$((20000 + RANDOM % 30000))
openssl s_server "${PROV[@]}" -accept "127.0.0.1:$port" -naccept 1 -key keystore:att -cert keystore:att -www \
    >"$work/server.nochain.log" 2>&1 &
server=$!
for _ in $(seq 50); do grep -q ACCEPT "$work/server.nochain.log" 2>/dev/null && break; sleep 0.1; done
if timeout 30 openssl s_client -connect "127.0.0.1:$port" -CAfile att-root.pem -verify_return_error -brief \
    </dev/null >"$work/client.nochain.log" 2>&1; then
    fail "a client verified the leaf without its intermediate"
else
    echo "ok - attested-server without -cert_chain: the client cannot verify the leaf alone"
fi
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null
ca_file=ca.crt

# The attested key as a client certificate (s_client -cert/-key/-cert_chain keystore:att), to a server
# that trusts only the device's attestation root and requires a client certificate.
checks=$((checks + 1))
port=$((20000 + RANDOM % 30000))
openssl s_server "${PROV[@]}" -accept "127.0.0.1:$port" -naccept 1 -key ec.pem -cert ec.crt -Verify 2 \
    -CAfile att-root.pem -verify_return_error -tls1_3 -www >"$work/server.client-cert.log" 2>&1 &
server=$!
for _ in $(seq 50); do grep -q ACCEPT "$work/server.client-cert.log" 2>/dev/null && break; sleep 0.1; done
printf 'GET / HTTP/1.0\r\n\r\n' | timeout 30 openssl s_client "${PROV[@]}" -propquery '?provider=default' \
    -cert keystore:att -key keystore:att -cert_chain keystore:att -connect "127.0.0.1:$port" -CAfile ca.crt \
    -verify_return_error -brief -tls1_3 >"$work/client.client-cert.log" 2>&1
client=$?
wait "$server" 2>/dev/null
if [ "$client" -eq 0 ] && grep -q "depth=0 CN = Android Keystore Key" "$work/server.client-cert.log" &&
    grep -q "depth=2 O = kssim, CN = kssim test attestation root" "$work/server.client-cert.log"; then
    echo "ok - attested-client: the server verified the attestation chain as the client's certificate"
else
    fail "attested-client: client: $(cat "$work/client.client-cert.log"); server: $(cat "$work/server.client-cert.log")"
fi
finish
