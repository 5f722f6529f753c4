/*
 * provider.h - what a C program needs to use the OpenSSL 3 provider `keystore` (build/keystore.so)
 * beyond the ordinary EVP API: the names of its parameters and of its key-generation options.
 *
 * Per-operation keys (auth-timeout 0) need an authentication bound to each operation's challenge:
 *
 *     EVP_DigestSignInit_ex(mctx, &pctx, "SHA256", libctx, "?provider=keystore", pkey, NULL);
 *     uint64_t challenge = 0;
 *     OSSL_PARAM query[] = {OSSL_PARAM_uint64(KSSIM_PROVIDER_PARAM_CHALLENGE, &challenge), OSSL_PARAM_END};
 *     EVP_PKEY_CTX_get_params(pctx, query);       // begins the keystore operation, gives its challenge
 *     kssim_authenticate_biometric(device, 1, challenge, NULL);   // or kssim_verify_credential
 *     EVP_DigestSignUpdate(mctx, data, len);
 *     EVP_DigestSignFinal(mctx, sig, &siglen);     // succeeds
 *
 * Authenticate before the final call: a final call without the token fails with
 * KEY_USER_NOT_AUTHENTICATED and ends the operation (keystore2 ends an operation on every failed update
 * or finish, operation.rs KeystoreOperation::with_locked_operation); the context then begins a new
 * operation, with a new challenge, at its next challenge query or final call.
 *
 * The device handle used to authenticate is any kssim_device opened (kssim_device_open) on the same
 * device directory; the provider sees what it committed at its next call.
 *
 * The keystore operation begins when the challenge is asked for, or otherwise at the first final call
 * (EVP_DigestSignFinal, EVP_DigestSign, EVP_PKEY_sign, EVP_PKEY_decrypt). Setting the digest or the
 * padding after the challenge was read is refused: the operation was begun with the earlier ones.
 * The same parameter is gettable on decryption contexts (EVP_PKEY_decrypt_init).
 */
#ifndef KSSIM_PROVIDER_H
#define KSSIM_PROVIDER_H

#include <kssim/kssim.h>

/* OSSL_PARAM (unsigned 64-bit integer), gettable on signature and decryption contexts: the challenge
 * of the keystore operation behind the context (kssim_operation.challenge). */
#define KSSIM_PROVIDER_PARAM_CHALLENGE "keystore-challenge"

/* The provider's configuration parameter (openssl.cnf provider section) naming the device directory;
 * KSSIM_DEVICE overrides it (kssim_device_location). */
#define KSSIM_PROVIDER_PARAM_DEVICE "device"

/* Key-generation parameters (`genpkey -pkeyopt NAME:VALUE`, or OSSL_PARAMs to EVP_PKEY_CTX_set_params
 * after EVP_PKEY_keygen_init), all UTF-8 strings or integers as noted. */
#define KSSIM_PROVIDER_PARAM_ALIAS                     "alias"        /* string, required */
#define KSSIM_PROVIDER_PARAM_USER_AUTH                 "user-auth"    /* "biometric_strong,device_credential" */
#define KSSIM_PROVIDER_PARAM_AUTH_TIMEOUT              "auth-timeout" /* seconds; 0 = every operation */
#define KSSIM_PROVIDER_PARAM_INVALIDATED_BY_ENROLLMENT "invalidated-by-biometric-enrollment" /* yes|no */
#define KSSIM_PROVIDER_PARAM_UNLOCKED_DEVICE_REQUIRED  "unlocked-device-required"            /* yes|no */
#define KSSIM_PROVIDER_PARAM_USAGE_COUNT_LIMIT         "usage-count-limit"                   /* integer */
#define KSSIM_PROVIDER_PARAM_MAX_USES_PER_BOOT         "max-uses-per-boot"                   /* integer */
#define KSSIM_PROVIDER_PARAM_SECURITY_LEVEL            "security-level" /* tee|strongbox|software */
#define KSSIM_PROVIDER_PARAM_PURPOSES                  "purposes" /* "sign,verify,encrypt,decrypt"; default sign,verify */
#define KSSIM_PROVIDER_PARAM_DIGESTS                   "digests" /* "none,sha1,sha224,sha256,sha384,sha512" */
#define KSSIM_PROVIDER_PARAM_ROLLBACK_RESISTANT        "rollback-resistant" /* yes|no (Tag::ROLLBACK_RESISTANCE) */
#define KSSIM_PROVIDER_PARAM_ATTESTATION_CHALLENGE                                                                     \
    "attestation-challenge" /* text: attest the key (over 128 bytes: INVALID_INPUT_LENGTH) */
#define KSSIM_PROVIDER_PARAM_ATTESTATION_APPLICATION_ID                                                                \
    "attestation-application-id" /* package name (needs a challenge) */
#define KSSIM_PROVIDER_PARAM_ATTESTATION_APP_SIGNATURE_DIGEST                                                          \
    "attestation-app-signature-digest" /* 64 hex digits: the package's signing-certificate SHA-256 */

/* OSSL_PARAM (octet string), gettable on a device key (EVP_PKEY_get_octet_string_param): the key's
 * attestation chain, DER certificates concatenated, leaf first (the leaf, the intermediate, the device's
 * test root), as KeyStore.getCertificateChain gives it. Absent (the getter fails) for a key generated
 * without an attestation challenge. docs/openssl.md. */
#define KSSIM_PROVIDER_PARAM_ATTESTATION_CHAIN "attestation-chain"

/* The PEM label of the key-reference files genpkey writes: the alias and the device, never key material. */
#define KSSIM_PROVIDER_REFERENCE_PEM_LABEL "KSSIM KEY REFERENCE"

#endif
