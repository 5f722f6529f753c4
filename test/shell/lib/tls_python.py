"""tls_python.py - Python's ssl module as a TLS server or client whose key is on the device (the key
reference PEM given to SSLContext.load_cert_chain, the keystore provider loaded by OPENSSL_CONF), for
test/shell/python_ssl.sh and the recipes of docs/clients.md.

  tls_python.py server PORT_FILE CERT KEY [CA]   one connection on 127.0.0.1 (port written to PORT_FILE);
                                                 with CA the client must show a certificate it signed
  tls_python.py client PORT CA [CERT KEY]        connects to 127.0.0.1:PORT, checks the server
                                                 (name localhost) against CA; with CERT KEY, mutual TLS

Prints one line of what the handshake gave. An ssl error is printed as "ssl error: ..." and the exit
status is 3, so that the test tells a refusal from a crash.
"""
import socket
import ssl
import sys


def subject_cn(certificate):
    for rdn in certificate.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return value
    return "(none)"


def serve(port_file, cert, key, ca=None):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    if ca is not None:
        context.load_verify_locations(ca)
        context.verify_mode = ssl.CERT_REQUIRED
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(30)
        with open(port_file, "w") as f:
            f.write(f"{listener.getsockname()[1]}\n")
        connection, _ = listener.accept()
        connection.settimeout(30)
        with context.wrap_socket(connection, server_side=True) as tls:
            peer = tls.getpeercert()
            client = subject_cn(peer) if peer else "(no certificate)"
            tls.sendall(f"hello from python over {tls.version()}\n".encode())
            print(f"server: {tls.version()} client certificate {client}")


def connect(port, ca, cert=None, key=None):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(ca)
    if cert is not None:
        context.load_cert_chain(cert, key)
    with socket.create_connection(("127.0.0.1", int(port)), timeout=30) as connection:
        with context.wrap_socket(connection, server_hostname="localhost") as tls:
            tls.sendall(b"GET / HTTP/1.0\r\n\r\n")
            answer = tls.recv(4096).decode(errors="replace").splitlines()
            print(f"client: {tls.version()} server certificate {subject_cn(tls.getpeercert())}; "
                  f"first line: {answer[0] if answer else ''}")


def main(argv):
    try:
        if argv[1] == "server":
            serve(*argv[2:])
        elif argv[1] == "client":
            connect(*argv[2:])
        else:
            raise SystemExit(__doc__)
    except ssl.SSLError as error:
        print(f"ssl error: {error}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
