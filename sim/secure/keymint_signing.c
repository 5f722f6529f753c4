/*
 * keymint_signing.c - the finish of signing operations: ECDSA, Ed25519, RSA PKCS#1 v1.5 and PSS, and
 * HMAC sign and verify, over everything the operation accumulated.
 *
 * Signatures are what OpenSSL produces, as KeyMint's BoringSSL-backed TAs produce them: ECDSA as a DER
 * SEQUENCE of r and s, RSA as a modulus-sized big-endian integer. PSS uses MGF1 with the signing
 * digest and a salt as long as the digest (keymaster rsa_operation.cpp; KeyMintTest.cpp RsaPssSha256*).
 * With digest none, ECDSA signs the data truncated to the curve order's length and RSA PKCS#1 pads the
 * data itself, as KeyMint's "NONEwith..." signatures do. ECDSA and RSA with a digest hash their input
 * as update and finish bring it (keymint_signing_update), so their input has no size limit.
 *
 * Those ECDSA and RSA signatures are made in two steps, so that threads sharing a device can sign at the
 * same time (docs/device.md "Threads"): under the device's lock keymint_sign_deferred draws the
 * signature's seed and takes the operation's signing context; then keymint_deferred_signature_make, on
 * any thread, signs with every random byte OpenSSL asks for taken from a stream of that seed alone (the
 * nonce, the salt, blinding). kssim_finish runs both at once, so every path signs alike. Ed25519 and
 * undigested signatures are made under the lock.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include "core/invariant.h"
#include "secure/keymint_internal.h"

int keymint_signing_context_init(sim_env *env, const keymint_operation *op, EVP_PKEY *key, EVP_MD_CTX *mctx)
{
    const char *md = sim_openssl_digest_name(op->choice.digest);
    EVP_PKEY_CTX *pctx = NULL;
    int ok = EVP_DigestSignInit_ex(mctx, &pctx, md, env->crypto.libctx, NULL, key, NULL) > 0;
    if (ok && op->auth.algorithm == KSSIM_ALGORITHM_RSA) {
        bool pss = op->choice.padding == KSSIM_PADDING_PSS;
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING) > 0;
        if (ok && pss)
            ok = EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0 &&
                 EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, md, NULL) > 0;
    }
    return ok ? 0 : -1;
}

bool keymint_streams_input(const keymint_operation *op)
{
    return op->purpose == KSSIM_PURPOSE_SIGN && op->choice.digest != KSSIM_DIGEST_NONE &&
           (op->auth.algorithm == KSSIM_ALGORITHM_EC || op->auth.algorithm == KSSIM_ALGORITHM_RSA);
}

/* A digesting signer hashes what it is given and keeps only the digest's state, as a real KeyMint does:
 * no input limit, the memory of one digest. The signature is the one a single EVP_DigestSign over all
 * the input gives (OpenSSL's ECDSA and RSA signers do exactly this update-then-final). */
static kssim_result start_streaming(sim_env *env, keymint_operation *op)
{
    if (op->streaming != NULL)
        return KSSIM_OK;
    bool shared = false; /* never for ECDSA and RSA: the key cache hands out a copy */
    EVP_MD_CTX *prepared = keymint_key_cache_signing_context(env, op, &shared);
    op->streaming = prepared != NULL ? prepared : EVP_MD_CTX_new();
    if (op->streaming == NULL ||
        (prepared == NULL && keymint_signing_context_init(env, op, op->private_key, op->streaming) != 0))
        return sim_refuse(env, KSSIM_SYSTEM_ERROR, "OpenSSL failed to start signing with the %s key",
                          sim_algorithm_name(op->auth.algorithm));
    return KSSIM_OK;
}

kssim_result keymint_signing_update(sim_env *env, keymint_operation *op, const uint8_t *data, size_t len)
{
    kssim_result r = start_streaming(env, op);
    if (r != KSSIM_OK)
        return r;
    if (EVP_DigestSignUpdate(op->streaming, data, len) <= 0)
        return sim_refuse(env, KSSIM_SYSTEM_ERROR, "OpenSSL failed to hash the data to sign");
    return KSSIM_OK;
}

bool keymint_signature_defers(const keymint_operation *op)
{
    return keymint_streams_input(op);
}

/* The signature's randomness (docs/device.md "Threads"): one fixed draw of the device's stream when the
 * signature depends on it (ECDSA's nonce, PSS's salt); otherwise (RSA PKCS#1 v1.5, whose only randomness
 * is the blinding that changes no result) derived without moving the device's stream, so such a
 * signature leaves the device's later values where they were. */
static bool signature_is_randomized(const keymint_operation *op)
{
    return op->auth.algorithm == KSSIM_ALGORITHM_EC || op->choice.padding == KSSIM_PADDING_PSS;
}

kssim_result keymint_sign_deferred(sim_env *env, keymint_operation *op, kssim_deferred_output **deferred)
{
    *deferred = NULL;
    KSSIM_INVARIANT(keymint_signature_defers(op), "only a signature that needs no more checks is deferred");
    kssim_result r = start_streaming(env, op);
    if (r != KSSIM_OK)
        return r;
    kssim_deferred_output *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return sim_refuse(env, KSSIM_SYSTEM_ERROR, "out of memory for the signature");
    sim_random_operation_seed(&env->crypto, signature_is_randomized(op), d->seed);
    d->crypto = &env->crypto;
    d->signing = op->streaming; /* the operation ends with this finish: its context is the signature's now */
    op->streaming = NULL;
    *deferred = d;
    return KSSIM_OK;
}

int keymint_deferred_signature_make(kssim_deferred_output *deferred, uint8_t **out, size_t *out_len)
{
    KSSIM_INVARIANT(deferred->signing != NULL, "a deferred signature is made once");
    size_t len = 0;
    uint8_t *sig = NULL;
    sim_operation_stream stream;
    int ok = EVP_DigestSignFinal(deferred->signing, NULL, &len) > 0 && (sig = malloc(len)) != NULL;
    if (ok) {
        ok = sim_random_begin_operation_stream(deferred->crypto, deferred->seed, &stream) == 0;
        if (ok) {
            ok = EVP_DigestSignFinal(deferred->signing, sig, &len) > 0;
            sim_random_end_operation_stream(&stream);
        }
    }
    EVP_MD_CTX_free(deferred->signing);
    deferred->signing = NULL;
    OPENSSL_cleanse(deferred->seed, sizeof(deferred->seed));
    if (!ok) {
        free(sig);
        return -1;
    }
    *out = sig;
    *out_len = len;
    return 0;
}

/* Sizes the output, signs into malloc'd memory; returns 0 on success. */
static int sign_with_digest(sim_env *env, const keymint_operation *op, uint8_t **out, size_t *out_len)
{
    /* A context the key cache keeps initialised saves the initialisation, the costliest part of a P-256
     * or Ed25519 signature after the signing itself (keymint_key_cache.c). */
    bool shared = false;
    EVP_MD_CTX *prepared = keymint_key_cache_signing_context(env, op, &shared);
    EVP_MD_CTX *mctx = prepared != NULL ? prepared : EVP_MD_CTX_new();
    size_t len = 0;
    uint8_t *sig = NULL;
    int ok = mctx != NULL && (prepared != NULL || keymint_signing_context_init(env, op, op->private_key, mctx) == 0);
    ok = ok && EVP_DigestSign(mctx, NULL, &len, op->input, op->input_len) > 0;
    ok = ok && (sig = malloc(len)) != NULL;
    ok = ok && EVP_DigestSign(mctx, sig, &len, op->input, op->input_len) > 0;
    if (!shared)
        EVP_MD_CTX_free(mctx);
    else if (!ok)
        keymint_key_cache_forget_signing_context(op);
    if (!ok) {
        free(sig);
        return -1;
    }
    *out = sig;
    *out_len = len;
    return 0;
}

/* The data as the undigested signature takes it: ECDSA's leftmost order-length bytes; raw RSA's
 * modulus-length integer, zero-padded on the left. Returns 0, or -1 when the data cannot fit. */
static int undigested_input(const keymint_operation *op, uint8_t **prepared, size_t *prepared_len)
{
    size_t key_bytes = ((size_t)EVP_PKEY_get_bits(op->private_key) + 7) / 8;
    if (op->auth.algorithm == KSSIM_ALGORITHM_EC) {
        *prepared_len = op->input_len < key_bytes ? op->input_len : key_bytes;
        *prepared = malloc(*prepared_len + 1);
        if (*prepared != NULL && *prepared_len > 0)
            memcpy(*prepared, op->input, *prepared_len);
        return *prepared != NULL ? 0 : -1;
    }
    size_t limit = op->choice.padding == KSSIM_PADDING_PKCS1 ? key_bytes - 11 : key_bytes;
    if (op->input_len > limit)
        return -1;
    bool raw = op->choice.padding == KSSIM_PADDING_NONE;
    *prepared_len = raw ? key_bytes : op->input_len;
    *prepared = calloc(1, *prepared_len + 1);
    if (*prepared != NULL && op->input_len > 0)
        memcpy(*prepared + (*prepared_len - op->input_len), op->input, op->input_len);
    return *prepared != NULL ? 0 : -1;
}

static kssim_result sign_without_digest(sim_env *env, const keymint_operation *op, uint8_t **out, size_t *out_len)
{
    uint8_t *prepared = NULL, *sig = NULL;
    size_t prepared_len = 0, len = 0;
    if (undigested_input(op, &prepared, &prepared_len) != 0)
        return sim_refuse(env, KSSIM_INVALID_ARGUMENT,
                          "%zu bytes are too many to sign without a digest with this %u-bit key: sign a digest of "
                          "the data, or use a digest",
                          op->input_len, op->auth.key_size);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(env->crypto.libctx, op->private_key, NULL);
    int ok = ctx != NULL && EVP_PKEY_sign_init(ctx) > 0;
    if (ok && op->auth.algorithm == KSSIM_ALGORITHM_RSA)
        ok = EVP_PKEY_CTX_set_rsa_padding(ctx, op->choice.padding == KSSIM_PADDING_NONE ? RSA_NO_PADDING
                                                                                        : RSA_PKCS1_PADDING) > 0;
    ok = ok && EVP_PKEY_sign(ctx, NULL, &len, prepared, prepared_len) > 0;
    ok = ok && (sig = malloc(len)) != NULL;
    if (ok) {
        /* RSA blinding draws from a stream derived from, not advancing, the device's DRBG; ECDSA's nonce
         * comes from the device's stream, as it always has (undigested signing stays under the lock). */
        bool rsa = op->auth.algorithm == KSSIM_ALGORITHM_RSA;
        if (rsa)
            sim_random_begin_rsa_private_key_use(&env->crypto, 0);
        ok = EVP_PKEY_sign(ctx, sig, &len, prepared, prepared_len) > 0;
        if (rsa)
            sim_random_end_rsa_private_key_use(&env->crypto);
    }
    EVP_PKEY_CTX_free(ctx);
    free(prepared);
    if (!ok) {
        free(sig);
        /* Raw RSA refuses an integer not below the modulus; KeyMint answers INVALID_ARGUMENT too. */
        return sim_refuse(env, KSSIM_INVALID_ARGUMENT,
                          "the data cannot be signed as given with padding %s: it must be smaller than the modulus; "
                          "use a padding and a digest",
                          sim_padding_name(op->choice.padding));
    }
    *out = sig;
    *out_len = len;
    return KSSIM_OK;
}

static kssim_result refuse_failed_signature(sim_env *env, const keymint_operation *op)
{
    return sim_refuse(env, KSSIM_SYSTEM_ERROR, "OpenSSL failed to sign with the %s key",
                      sim_algorithm_name(op->auth.algorithm));
}

kssim_result keymint_sign_asymmetric(sim_env *env, keymint_operation *op, uint8_t **out, size_t *out_len)
{
    /* The deferred path made at once, so kssim_finish and kssim_finish_deferred sign alike. */
    if (keymint_signature_defers(op)) {
        kssim_deferred_output *deferred = NULL;
        kssim_result r = keymint_sign_deferred(env, op, &deferred);
        if (r != KSSIM_OK)
            return r;
        int made = keymint_deferred_signature_make(deferred, out, out_len);
        sim_deferred_output_free(deferred);
        return made == 0 ? KSSIM_OK : refuse_failed_signature(env, op);
    }
    bool digested = op->auth.algorithm == KSSIM_ALGORITHM_ED25519 || op->choice.digest != KSSIM_DIGEST_NONE;
    if (!digested)
        return sign_without_digest(env, op, out, out_len);
    if (sign_with_digest(env, op, out, out_len) != 0)
        return refuse_failed_signature(env, op);
    return KSSIM_OK;
}

static int compute_hmac(sim_env *env, const keymint_operation *op, uint8_t mac[EVP_MAX_MD_SIZE], size_t *mac_len)
{
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(env->crypto.hmac);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)sim_openssl_digest_name(op->choice.digest), 0),
        OSSL_PARAM_construct_end(),
    };
    int ok = ctx != NULL && EVP_MAC_init(ctx, op->symmetric_key, op->symmetric_key_len, params) &&
             EVP_MAC_update(ctx, op->input, op->input_len) && EVP_MAC_final(ctx, mac, mac_len, EVP_MAX_MD_SIZE);
    EVP_MAC_CTX_free(ctx);
    return ok ? 0 : -1;
}

kssim_result keymint_hmac_finish(sim_env *env, const keymint_operation *op, const uint8_t *signature,
                                 size_t signature_len, uint8_t **out, size_t *out_len)
{
    uint8_t mac[EVP_MAX_MD_SIZE];
    size_t mac_len = 0;
    if (compute_hmac(env, op, mac, &mac_len) != 0)
        return sim_refuse(env, KSSIM_SYSTEM_ERROR, "OpenSSL failed to compute the HMAC");
    if (op->purpose == KSSIM_PURPOSE_SIGN) {
        *out = malloc(mac_len);
        if (*out == NULL)
            return sim_refuse(env, KSSIM_SYSTEM_ERROR, "out of memory for the MAC");
        memcpy(*out, mac, mac_len);
        *out_len = mac_len;
        return KSSIM_OK;
    }
    /* The reference TA compares in constant time (operation.rs HmacVerify, imp.compare). */
    if (signature == NULL || signature_len != mac_len)
        return sim_refuse(env, KSSIM_VERIFICATION_FAILED,
                          "the MAC to verify is %zu bytes, and this key's HMAC-%s gives %zu: pass the whole MAC that "
                          "signing produced",
                          signature_len, sim_digest_name(op->choice.digest), mac_len);
    if (!sim_equal_secret(mac, signature, mac_len))
        return sim_refuse(env, KSSIM_VERIFICATION_FAILED,
                          "the MAC does not match the data under this key: check that both are the ones that were "
                          "signed");
    return KSSIM_OK;
}
