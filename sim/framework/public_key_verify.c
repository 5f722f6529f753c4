/*
 * public_key_verify.c - the framework's software operations with a key's public half: signature
 * verification (ECDSA, RSA PKCS#1 v1.5 and PSS, Ed25519) and RSA encryption, as the app's process
 * does them without asking keystore2 (see public_key_verify.h).
 *
 * Each mirrors the KeyMint operation it pairs with (sim/secure/keymint_signing.c and
 * keymint_encryption.c): digest none means ECDSA over the data truncated to the order's length, RSA
 * PKCS#1 over the data itself, raw RSA over the data as a modulus-sized integer.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "core/names.h"
#include "framework/public_key_verify.h"

static const char *openssl_key_type(kssim_algorithm algorithm)
{
    switch (algorithm) {
    case KSSIM_ALGORITHM_EC:
        return "EC";
    case KSSIM_ALGORITHM_RSA:
        return "RSA";
    case KSSIM_ALGORITHM_ED25519:
        return "ED25519";
    default:
        return NULL;
    }
}

/* The public key, if it decodes and is of the algorithm the caller names. */
static kssim_result decode_public_key(sim_env *env, kssim_algorithm algorithm, const uint8_t *spki, size_t spki_len,
                                      EVP_PKEY **key)
{
    const char *type = openssl_key_type(algorithm);
    const unsigned char *p = spki;
    *key = NULL;
    if (type == NULL)
        return sim_refuse(env, KSSIM_INVALID_ARGUMENT,
                          "only ec, rsa and ed25519 keys have a public half to use outside the keystore; hmac and "
                          "aes keys verify and encrypt through it");
    if (spki != NULL && spki_len > 0 && spki_len <= LONG_MAX)
        *key = d2i_PUBKEY_ex(NULL, &p, (long)spki_len, env->crypto.libctx, NULL);
    if (*key == NULL || (size_t)(p - spki) != spki_len || !EVP_PKEY_is_a(*key, type)) {
        EVP_PKEY_free(*key);
        *key = NULL;
        return sim_refuse(env, KSSIM_INVALID_ARGUMENT,
                          "the public key is not a %s SubjectPublicKeyInfo: export it from the key itself", type);
    }
    return KSSIM_OK;
}

static size_t modulus_bytes(EVP_PKEY *key)
{
    return ((size_t)EVP_PKEY_get_bits(key) + 7) / 8;
}

/* The digest and padding the signature was made with; 0 means the framework's usual choice. */
static kssim_result settle_signature_scheme(sim_env *env, kssim_algorithm algorithm, uint32_t *digest,
                                            uint32_t *padding)
{
    if (algorithm == KSSIM_ALGORITHM_ED25519) {
        if (*digest != 0 && *digest != KSSIM_DIGEST_NONE)
            return sim_refuse(env, KSSIM_INCOMPATIBLE_DIGEST, "Ed25519 signs the message itself: use digest none");
        *digest = KSSIM_DIGEST_NONE;
    }
    if (*digest == 0)
        *digest = KSSIM_DIGEST_SHA256;
    if (*digest != KSSIM_DIGEST_NONE && sim_openssl_digest_name(*digest) == NULL) {
        char digests[96];
        sim_vocabulary_list(&sim_digests, ", ", digests, sizeof(digests));
        return sim_refuse(env, KSSIM_INCOMPATIBLE_DIGEST, "use one digest: %s", digests);
    }
    if (algorithm != KSSIM_ALGORITHM_RSA) {
        if (*padding != 0 && *padding != KSSIM_PADDING_NONE)
            return sim_refuse(env, KSSIM_INCOMPATIBLE_PADDING_MODE, "only rsa signatures have a padding");
        return KSSIM_OK;
    }
    if (*padding == 0)
        *padding = KSSIM_PADDING_PKCS1;
    if (*padding != KSSIM_PADDING_PKCS1 && *padding != KSSIM_PADDING_PSS && *padding != KSSIM_PADDING_NONE)
        return sim_refuse(env, KSSIM_INCOMPATIBLE_PADDING_MODE, "rsa signatures use padding pkcs1, pss or none");
    if (*padding == KSSIM_PADDING_PSS && *digest == KSSIM_DIGEST_NONE)
        return sim_refuse(env, KSSIM_INCOMPATIBLE_DIGEST, "pss padding needs a digest such as sha256");
    if (*padding == KSSIM_PADDING_NONE && *digest != KSSIM_DIGEST_NONE)
        return sim_refuse(env, KSSIM_INCOMPATIBLE_DIGEST,
                          "raw rsa (padding none) signs the data as given: use digest none");
    return KSSIM_OK;
}

static int verify_with_digest(sim_env *env, EVP_PKEY *key, uint32_t digest, uint32_t padding, const uint8_t *data,
                              size_t len, const uint8_t *sig, size_t sig_len)
{
    const char *md = digest == KSSIM_DIGEST_NONE ? NULL : sim_openssl_digest_name(digest);
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int ok = mctx != NULL && EVP_DigestVerifyInit_ex(mctx, &pctx, md, env->crypto.libctx, NULL, key, NULL);
    if (ok && EVP_PKEY_is_a(key, "RSA")) {
        bool pss = padding == KSSIM_PADDING_PSS;
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING) > 0;
        if (ok && pss)
            ok = EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0 &&
                 EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, md, NULL) > 0;
    }
    ok = ok && EVP_DigestVerify(mctx, sig, sig_len, data, len) == 1;
    EVP_MD_CTX_free(mctx);
    return ok;
}

/* ECDSA over the leading order-length bytes, RSA PKCS#1 over the data, raw RSA over the data as a
 * left-zero-padded modulus-sized integer. */
static int verify_without_digest(sim_env *env, EVP_PKEY *key, uint32_t padding, const uint8_t *data, size_t len,
                                 const uint8_t *sig, size_t sig_len)
{
    size_t key_bytes = modulus_bytes(key);
    bool rsa = EVP_PKEY_is_a(key, "RSA");
    size_t tbs_len = !rsa ? (len < key_bytes ? len : key_bytes) : padding == KSSIM_PADDING_NONE ? key_bytes : len;
    if (rsa && len > key_bytes)
        return 0;
    uint8_t *tbs = calloc(1, tbs_len + 1);
    if (tbs == NULL)
        return 0;
    if (rsa && padding == KSSIM_PADDING_NONE)
        memcpy(tbs + (key_bytes - len), data, len);
    else if (tbs_len > 0)
        memcpy(tbs, data, tbs_len);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(env->crypto.libctx, key, NULL);
    int ok = ctx != NULL && EVP_PKEY_verify_init(ctx) > 0;
    if (ok && rsa)
        ok = EVP_PKEY_CTX_set_rsa_padding(ctx, padding == KSSIM_PADDING_NONE ? RSA_NO_PADDING : RSA_PKCS1_PADDING) > 0;
    ok = ok && EVP_PKEY_verify(ctx, sig, sig_len, tbs, tbs_len) == 1;
    EVP_PKEY_CTX_free(ctx);
    free(tbs);
    return ok;
}

kssim_result sim_public_key_verify(sim_env *env, kssim_algorithm algorithm, const uint8_t *spki, size_t spki_len,
                                   uint32_t digest, uint32_t padding, const uint8_t *data, size_t len,
                                   const uint8_t *sig, size_t sig_len)
{
    EVP_PKEY *key;
    kssim_result r = decode_public_key(env, algorithm, spki, spki_len, &key);
    if (r == KSSIM_OK)
        r = settle_signature_scheme(env, algorithm, &digest, &padding);
    if (r != KSSIM_OK) {
        EVP_PKEY_free(key);
        return r;
    }
    static const uint8_t empty[1] = {0};
    if (data == NULL)
        data = empty, len = 0;
    int ok = sig != NULL && sig_len > 0;
    if (ok && (algorithm == KSSIM_ALGORITHM_ED25519 || digest != KSSIM_DIGEST_NONE))
        ok = verify_with_digest(env, key, digest, padding, data, len, sig, sig_len);
    else if (ok)
        ok = verify_without_digest(env, key, padding, data, len, sig, sig_len);
    EVP_PKEY_free(key);
    if (!ok)
        return sim_refuse(env, KSSIM_VERIFICATION_FAILED,
                          "the signature does not match the data under this public key: check that both are the ones "
                          "that were signed, with the same digest and padding");
    return KSSIM_OK;
}

kssim_result sim_public_key_encrypt(sim_env *env, kssim_algorithm algorithm, const uint8_t *spki, size_t spki_len,
                                    uint32_t digest, uint32_t padding, const uint8_t *data, size_t len, uint8_t **out,
                                    size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (algorithm != KSSIM_ALGORITHM_RSA)
        return sim_refuse(env, KSSIM_UNSUPPORTED_PURPOSE,
                          "only rsa public keys encrypt: use an aes key in the keystore to encrypt with %s keys",
                          algorithm == KSSIM_ALGORITHM_EC || algorithm == KSSIM_ALGORITHM_ED25519 ? "ec" : "those");
    if (padding == 0)
        padding = KSSIM_PADDING_OAEP;
    if (digest == 0)
        digest = KSSIM_DIGEST_SHA256;
    if (padding != KSSIM_PADDING_OAEP && padding != KSSIM_PADDING_PKCS1 && padding != KSSIM_PADDING_NONE)
        return sim_refuse(env, KSSIM_INCOMPATIBLE_PADDING_MODE, "rsa encryption uses padding oaep, pkcs1 or none");
    const char *md = sim_openssl_digest_name(digest);
    if (padding == KSSIM_PADDING_OAEP && md == NULL)
        return sim_refuse(env, KSSIM_INCOMPATIBLE_DIGEST, "oaep needs a digest such as sha256");
    EVP_PKEY *key;
    kssim_result r = decode_public_key(env, algorithm, spki, spki_len, &key);
    if (r != KSSIM_OK)
        return r;
    size_t key_bytes = modulus_bytes(key);
    bool raw = padding == KSSIM_PADDING_NONE;
    uint8_t *input = calloc(1, (raw ? key_bytes : len) + 1);
    uint8_t *ciphertext = malloc(key_bytes);
    size_t input_len = raw ? key_bytes : len, ciphertext_len = key_bytes;
    bool fits = !raw || len <= key_bytes;
    if (input != NULL && fits && len > 0)
        memcpy(input + (input_len - len), data, len);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(env->crypto.libctx, key, NULL);
    int ok = fits && input != NULL && ciphertext != NULL && ctx != NULL && EVP_PKEY_encrypt_init(ctx) > 0 &&
             EVP_PKEY_CTX_set_rsa_padding(ctx, padding == KSSIM_PADDING_OAEP    ? RSA_PKCS1_OAEP_PADDING
                                               : padding == KSSIM_PADDING_PKCS1 ? RSA_PKCS1_PADDING
                                                                                : RSA_NO_PADDING) > 0;
    if (ok && padding == KSSIM_PADDING_OAEP)
        ok = EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, md, NULL) > 0 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, md, NULL) > 0;
    ok = ok && EVP_PKEY_encrypt(ctx, ciphertext, &ciphertext_len, input, input_len) > 0;
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(key);
    free(input);
    if (!ok) {
        free(ciphertext);
        return sim_refuse(env, KSSIM_INVALID_ARGUMENT,
                          "%zu bytes cannot be encrypted to this %zu-bit key with padding %s: encrypt less (a "
                          "symmetric key, for instance)",
                          len, key_bytes * 8,
                          padding == KSSIM_PADDING_OAEP    ? "oaep"
                          : padding == KSSIM_PADDING_PKCS1 ? "pkcs1"
                                                           : "none");
    }
    *out = ciphertext;
    *out_len = ciphertext_len;
    return KSSIM_OK;
}
