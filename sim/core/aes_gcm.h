/*
 * aes_gcm.h - AES-256-GCM with a 12-byte nonce and a 16-byte tag in the simulator's own library context,
 * for the secure world's key blobs.
 */
#ifndef SIM_CORE_AES_GCM_H
#define SIM_CORE_AES_GCM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/env.h"

#define SIM_AES_GCM_KEY_BYTES   32
#define SIM_AES_GCM_NONCE_BYTES 12
#define SIM_AES_GCM_TAG_BYTES   16

/* Encrypts (tag written) or decrypts and authenticates (tag read) in_len bytes of in to out under key and
 * nonce, with aad as the additional data. 0 on success; -1 if OpenSSL fails or, decrypting, the tag does
 * not authenticate (out then holds nothing the caller may use). */
int sim_aes_256_gcm(const sim_crypto *crypto, bool encrypt, const uint8_t key[SIM_AES_GCM_KEY_BYTES],
                    const uint8_t nonce[SIM_AES_GCM_NONCE_BYTES], const uint8_t *aad, size_t aad_len, const uint8_t *in,
                    size_t in_len, uint8_t *out, uint8_t tag[SIM_AES_GCM_TAG_BYTES]);

#endif
