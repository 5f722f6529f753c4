# clients_common.bash - what the client tests (test/shell/node_clients.sh, python_ssl.sh, curl_client.sh)
# share on top of test/provider/provider_common.bash: the openssl.cnf of docs/clients.md that they
# write themselves, and an openssl s_server started on a free loopback port. Sourced, not run.

# write_client_openssl_cnf FILE: the openssl.cnf users are told to use, as `kssim openssl-config` prints it
# (default provider first and preferred, so software keys keep working in the same process; keystore
# second, its module in the build tree). --no-device: each test's KSSIM_DEVICE picks the device.
write_client_openssl_cnf() {
    "$build/kssim" openssl-config --no-device >"$1"
}

# start_s_server LOG S_SERVER-OPTIONS...: openssl s_server on 127.0.0.1 for one connection, in the
# background; sets $server_port and $server_pid once it accepts, or returns 1 (LOG says why). A port
# already in use is tried again elsewhere.
start_s_server() {
    local log=$1 attempt
    shift
    for attempt in 1 2 3 4 5; do
        server_port=$((20000 + RANDOM % 30000))
        openssl s_server -accept "127.0.0.1:$server_port" -naccept 1 "$@" >"$log" 2>&1 &
        server_pid=$!
        for _ in $(seq 50); do
            grep -q ACCEPT "$log" 2>/dev/null && return 0
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        wait "$server_pid" 2>/dev/null
        grep -q "Address already in use" "$log" || return 1
    done
    return 1
}

# stop_s_server: waits for the server (it ends after its one connection), or ends it after 10 s.
stop_s_server() {
    for _ in $(seq 100); do
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
}
