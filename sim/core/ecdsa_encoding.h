/*
 * ecdsa_encoding.h - ECDSA signatures in the two encodings apps and backends meet: DER (X9.62
 * Ecdsa-Sig-Value, what KeyMint returns and java.security.Signature hands the app) and IEEE P1363
 * (r || s, each padded to the curve's size, what JWS ES256/ES384/ES512 carry: RFC 7518 section 3.4).
 *
 * Android's keystore only ever produces DER; a backend that checks JWS needs the raw form, and the
 * conversion is where real verifiers break (a dropped leading zero, a 65-byte P-521 half), so it lives
 * in one place that the command line and the tests share.
 */
#ifndef SIM_CORE_ECDSA_ENCODING_H
#define SIM_CORE_ECDSA_ENCODING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The P1363 length of a signature on a curve of curve_bits (256, 384, 521): 64, 96 or 132 bytes; 0 for
 * any other size. */
size_t ecdsa_p1363_length(uint32_t curve_bits);

/* DER to r || s. out must hold ecdsa_p1363_length(curve_bits) bytes. False when der is not exactly one
 * DER ECDSA signature (trailing bytes included) or r or s does not fit the curve. */
bool ecdsa_der_to_p1363(const uint8_t *der, size_t der_len, uint32_t curve_bits, uint8_t *out);

/* r || s to DER, in *der (free with free()). False when raw is not ecdsa_p1363_length(curve_bits) bytes
 * or r or s is zero (no valid signature has either: the verifier would refuse it anyway). */
bool ecdsa_p1363_to_der(const uint8_t *raw, size_t raw_len, uint32_t curve_bits, uint8_t **der, size_t *der_len);

#endif
