/*
 * private_key.h - decoding private keys and naming their algorithm and size (see private_key.c).
 */
#ifndef SIM_CORE_PRIVATE_KEY_H
#define SIM_CORE_PRIVATE_KEY_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "kssim/kssim.h"

/* The key in bytes, decoded in libctx; NULL when the bytes are not a private key OpenSSL can read. */
EVP_PKEY *sim_private_key_decode(OSSL_LIB_CTX *libctx, const uint8_t *bytes, size_t len);

/* The same for bytes expected to be PKCS#8 PrivateKeyInfo DER of key_type ("EC", "RSA", "ED25519"), as
 * KeyMint's blobs hold them: OpenSSL then tries one decoder rather than all of them, about four times
 * faster (docs/performance.md). Bytes of any other form are decoded as sim_private_key_decode does. */
EVP_PKEY *sim_private_key_decode_pkcs8(OSSL_LIB_CTX *libctx, const uint8_t *bytes, size_t len, const char *key_type);

/* RSA (modulus bits), EC (256, 384, 521; 0 for a curve KeyMint does not hold) or Ed25519 (256);
 * -1 for any other kind of key. */
int sim_private_key_describe(EVP_PKEY *key, kssim_algorithm *algorithm, uint32_t *key_size);

#endif
