#!/usr/bin/env python3
"""verify_jws.py - the second outside verifier of test/shell/jws.sh: Python's standard library parses
the compact JWS and turns its r || s back into DER by hand (RFC 7518 section 3.4, X.690), and the
system's openssl (default provider only) checks the signature with the public key. It shares no code
with kssim.

Usage: verify_jws.py PUBLIC_KEY_PEM ALG < JWS
Prints the payload and exits 0 when the signature verifies; exits 1 with the reason when it does not.
"""
import base64
import json
import os
import subprocess
import sys
import tempfile

ALGORITHMS = {"ES256": ("sha256", 32), "ES384": ("sha384", 48), "ES512": ("sha512", 66)}


def b64url_decode(text):
    if any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" for c in text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def der_integer(value):
    body = value.lstrip(b"\x00") or b"\x00"
    if body[0] & 0x80:
        body = b"\x00" + body  # a positive INTEGER whose first bit is set needs a leading zero
    return b"\x02" + der_length(len(body)) + body


def der_length(n):
    return bytes([n]) if n < 0x80 else bytes([0x81, n])


def fail(reason):
    print(f"verify_jws.py: {reason}", file=sys.stderr)
    sys.exit(1)


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ALGORITHMS:
        print("usage: verify_jws.py PUBLIC_KEY_PEM ES256|ES384|ES512 < JWS", file=sys.stderr)
        sys.exit(2)
    pem, alg = sys.argv[1], sys.argv[2]
    digest, half = ALGORITHMS[alg]
    parts = sys.stdin.read().strip().split(".")
    if len(parts) != 3:
        fail("not a compact JWS (three parts)")
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload = b64url_decode(parts[1])
        raw = b64url_decode(parts[2])
    except ValueError as error:
        fail(f"malformed JWS: {error}")
    if header.get("alg") != alg:
        fail(f"header alg {header.get('alg')!r}, expected {alg}")
    if len(raw) != 2 * half:
        fail(f"signature is {len(raw)} bytes, {alg} takes {2 * half} (r || s)")
    sequence = der_integer(raw[:half]) + der_integer(raw[half:])
    der = b"\x30" + der_length(len(sequence)) + sequence
    with tempfile.TemporaryDirectory() as work:
        signing_input = os.path.join(work, "input")
        signature = os.path.join(work, "sig.der")
        with open(signing_input, "wb") as f:
            f.write((parts[0] + "." + parts[1]).encode("ascii"))
        with open(signature, "wb") as f:
            f.write(der)
        checked = subprocess.run(
            ["openssl", "dgst", "-" + digest, "-verify", pem, "-signature", signature, signing_input],
            capture_output=True, text=True, env={**os.environ, "OPENSSL_CONF": "/dev/null"})
    if checked.returncode != 0:
        fail(f"openssl: {checked.stdout.strip()} {checked.stderr.strip()}".strip())
    sys.stdout.write(payload.decode("utf-8") + "\n")


main()
