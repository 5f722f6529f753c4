/*
 * public_key_verify.h - what the app's framework does with a key's public half, in software, without
 * the keystore: verify a signature, and encrypt to an RSA key.
 *
 * On Android, Signature.initVerify and Cipher.init(ENCRYPT_MODE) with an AndroidKeyStore public key
 * run in the app's process (AndroidKeyStoreProvider hands them to the platform's software provider):
 * no keystore operation, no user authentication. The simulator does the same with the key's
 * SubjectPublicKeyInfo, in its own OSSL_LIB_CTX.
 *
 * digest and padding are one KSSIM_DIGEST_* / KSSIM_PADDING_* bit each, and must be what the signing
 * or decrypting KeyMint operation used; 0 means sha256 (none for Ed25519) and, for RSA, pkcs1 when
 * verifying and oaep when encrypting. PSS uses MGF1 with the same digest and a salt as long as the
 * digest; OAEP uses the digest for both the label hash and MGF1 - as the simulated KeyMint does.
 */
#ifndef SIM_FRAMEWORK_PUBLIC_KEY_VERIFY_H
#define SIM_FRAMEWORK_PUBLIC_KEY_VERIFY_H

#include "core/env.h"

/* KSSIM_OK when the signature is right, VERIFICATION_FAILED when not; INVALID_ARGUMENT for a public
 * key that does not decode or is not of this algorithm; INCOMPATIBLE_DIGEST or
 * INCOMPATIBLE_PADDING_MODE for a combination no signature can have. */
kssim_result sim_public_key_verify(sim_env *env, kssim_algorithm algorithm, const uint8_t *spki, size_t spki_len,
                                   uint32_t digest, uint32_t padding, const uint8_t *data, size_t len,
                                   const uint8_t *sig, size_t sig_len);

/* RSA encryption with the public key; *out is malloc'd (kssim_free). UNSUPPORTED_PURPOSE for keys
 * that do not encrypt (EC, Ed25519: use AES keys in the keystore for that). */
kssim_result sim_public_key_encrypt(sim_env *env, kssim_algorithm algorithm, const uint8_t *spki, size_t spki_len,
                                    uint32_t digest, uint32_t padding, const uint8_t *data, size_t len, uint8_t **out,
                                    size_t *out_len);

#endif
