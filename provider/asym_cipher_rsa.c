/*
 * asym_cipher_rsa.c - RSA encryption with the public half and decryption on the device (OAEP, PKCS#1
 * v1.5 or none), for keys whose purposes include decrypt (genpkey -pkeyopt purposes:sign,verify,decrypt).
 *
 * As in signature.c, the padding parameters go to a shadow context on the public half in the provider's
 * own library context, which parses them and encrypts; decryption reads them back and asks the device,
 * whose policy decides whether the key may decrypt at all. The device runs OAEP with one digest for the
 * label hash and MGF1 and no label (KeyMint's default, the framework's choice): other combinations are
 * refused rather than decrypted differently. A per-operation key's decryption needs the user to
 * authenticate with the operation's challenge (KSSIM_PROVIDER_PARAM_CHALLENGE) before the final call; a
 * refused one ends the operation and the next call begins a new one, as for signatures.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include "keystore_provider.h"

/* The entry points in this file's dispatch tables, typed as core_dispatch.h declares them, so that a
 * definition whose signature differs from OpenSSL's fails to compile. */
static OSSL_FUNC_asym_cipher_newctx_fn keystore_asym_cipher_rsa_newctx;
static OSSL_FUNC_asym_cipher_freectx_fn keystore_asym_cipher_rsa_freectx;
static OSSL_FUNC_asym_cipher_dupctx_fn keystore_asym_cipher_rsa_dupctx;
static OSSL_FUNC_asym_cipher_encrypt_init_fn keystore_asym_cipher_rsa_encrypt_init;
static OSSL_FUNC_asym_cipher_encrypt_fn keystore_asym_cipher_rsa_encrypt;
static OSSL_FUNC_asym_cipher_decrypt_init_fn keystore_asym_cipher_rsa_decrypt_init;
static OSSL_FUNC_asym_cipher_decrypt_fn keystore_asym_cipher_rsa_decrypt;
static OSSL_FUNC_asym_cipher_get_ctx_params_fn keystore_asym_cipher_rsa_get_ctx_params;
static OSSL_FUNC_asym_cipher_gettable_ctx_params_fn keystore_asym_cipher_rsa_gettable_ctx_params;
static OSSL_FUNC_asym_cipher_set_ctx_params_fn keystore_asym_cipher_rsa_set_ctx_params;
static OSSL_FUNC_asym_cipher_settable_ctx_params_fn keystore_asym_cipher_rsa_settable_ctx_params;

/* base.purpose is KSSIM_PURPOSE_ENCRYPT or KSSIM_PURPOSE_DECRYPT; base.shadow encrypts with the public
 * half. */
typedef struct keystore_cipher_context {
    keystore_device_context base;
} keystore_cipher_context;

static void *keystore_asym_cipher_rsa_newctx(void *provctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    keystore_cipher_context *ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL) {
        keystore_raise_result(provctx, KSSIM_SYSTEM_ERROR, "out of memory for a cipher context");
        return NULL;
    }
    ctx->base.provider = provctx;
    return ctx;
}

static void reset(keystore_cipher_context *ctx)
{
    keystore_device_context_reset(&ctx->base);
}

static void keystore_asym_cipher_rsa_freectx(void *vctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    keystore_cipher_context *ctx = vctx;
    reset(ctx);
    free(ctx);
}

static void *keystore_asym_cipher_rsa_dupctx(void *vctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    const keystore_cipher_context *from = vctx;
    keystore_cipher_context *ctx = keystore_asym_cipher_rsa_newctx(from->base.provider);
    if (ctx == NULL)
        return NULL;
    if (!keystore_device_context_copy(&ctx->base, &from->base)) {
        keystore_raise(from->base.provider, KEYSTORE_R_OPENSSL_FAILURE, "cannot copy a cipher context");
        keystore_asym_cipher_rsa_freectx(ctx);
        return NULL;
    }
    return ctx;
}

static int init(keystore_cipher_context *ctx, void *provkey, uint32_t purpose, const OSSL_PARAM params[])
{
    keystore_key *key = provkey;
    keystore_key_up_ref(key);
    reset(ctx);
    ctx->base.key = key;
    ctx->base.purpose = purpose;
    if (!keystore_key_check_usable(key))
        return 0;
    if (key->public_key == NULL) {
        keystore_raise(ctx->base.provider, KEYSTORE_R_NOT_A_DEVICE_KEY, "this key object holds no key");
        return 0;
    }
    /* In public_libctx even for a device key: padding draws random bytes, which must come from OpenSSL's
     * own RAND and never from the device's DRBG (the RAND of the key's own context, when that is a
     * device's). The public half is exported there. */
    if (!keystore_public_ready(ctx->base.provider))
        return 0;
    ctx->base.shadow = EVP_PKEY_CTX_new_from_pkey(ctx->base.provider->public_libctx, key->public_key, NULL);
    if (ctx->base.shadow == NULL || EVP_PKEY_encrypt_init(ctx->base.shadow) != 1) {
        keystore_raise(ctx->base.provider, KEYSTORE_R_OPENSSL_FAILURE, "cannot prepare the public half of the key");
        return 0;
    }
    return keystore_asym_cipher_rsa_set_ctx_params(ctx, params);
}

static int keystore_asym_cipher_rsa_encrypt_init(void *vctx, void *provkey, const OSSL_PARAM params[])
{
    KEYSTORE_DEBUG_CALL("alias=%s, params=%s", keystore_debug_key(provkey), keystore_debug_params(params, true));
    return init(vctx, provkey, KSSIM_PURPOSE_ENCRYPT, params);
}

static int keystore_asym_cipher_rsa_decrypt_init(void *vctx, void *provkey, const OSSL_PARAM params[])
{
    KEYSTORE_DEBUG_CALL("alias=%s, params=%s", keystore_debug_key(provkey), keystore_debug_params(params, true));
    return init(vctx, provkey, KSSIM_PURPOSE_DECRYPT, params);
}

/* ---- Parameters ----
 * Every settable parameter goes to the shadow, which settles the padding; none may change once the keystore
 * operation has begun (its challenge was read), since together they are the operation's padding. */
enum cipher_param_meaning {
    CIPHER_SETS_PADDING,      /* the padding mode, OAEP's digests and label */
    CIPHER_SETS_SHADOW_ONLY,  /* property queries: how the shadow fetches its digests */
    CIPHER_ANSWERS_CHALLENGE, /* the keystore operation's challenge (gettable) */
    CIPHER_ANSWERS_FROM_SHADOW,
};

/* clang-format off */
#define CIPHER_SETTABLE(PARAM)                                                                   \
    PARAM(OSSL_ASYM_CIPHER_PARAM_PAD_MODE, utf8_string, CIPHER_SETS_PADDING)                    \
    PARAM(OSSL_ASYM_CIPHER_PARAM_OAEP_DIGEST, utf8_string, CIPHER_SETS_PADDING)                 \
    PARAM(OSSL_ASYM_CIPHER_PARAM_OAEP_DIGEST_PROPS, utf8_string, CIPHER_SETS_SHADOW_ONLY)       \
    PARAM(OSSL_ASYM_CIPHER_PARAM_MGF1_DIGEST, utf8_string, CIPHER_SETS_PADDING)                 \
    PARAM(OSSL_ASYM_CIPHER_PARAM_MGF1_DIGEST_PROPS, utf8_string, CIPHER_SETS_SHADOW_ONLY)       \
    PARAM(OSSL_ASYM_CIPHER_PARAM_OAEP_LABEL, octet_string, CIPHER_SETS_PADDING)
#define CIPHER_GETTABLE(PARAM)                                                                   \
    KEYSTORE_CHALLENGE_ROW(PARAM, CIPHER_ANSWERS_CHALLENGE)                                      \
    PARAM(OSSL_ASYM_CIPHER_PARAM_PAD_MODE, utf8_string, CIPHER_ANSWERS_FROM_SHADOW)             \
    PARAM(OSSL_ASYM_CIPHER_PARAM_OAEP_DIGEST, utf8_string, CIPHER_ANSWERS_FROM_SHADOW)          \
    PARAM(OSSL_ASYM_CIPHER_PARAM_MGF1_DIGEST, utf8_string, CIPHER_ANSWERS_FROM_SHADOW)
/* clang-format on */

static int keystore_asym_cipher_rsa_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
    KEYSTORE_DEBUG_CALL("params=%s", keystore_debug_params(params, true));
    keystore_cipher_context *ctx = vctx;
    if (params == NULL || params[0].key == NULL)
        return 1;
    if (ctx->base.operation != NULL && keystore_operation_is_live(ctx->base.operation)) {
        keystore_raise(ctx->base.provider, KEYSTORE_R_OPERATION_ALREADY_BEGUN,
                       "the keystore operation has begun (its challenge was read) with the padding set before: "
                       "set %s before asking for the challenge",
                       params[0].key);
        return 0;
    }
    return ctx->base.shadow != NULL && EVP_PKEY_CTX_set_params(ctx->base.shadow, params) == 1;
}

static const OSSL_PARAM *keystore_asym_cipher_rsa_settable_ctx_params(void *vctx, void *provctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    (void)vctx;
    (void)provctx;
    static const OSSL_PARAM settable[] = {CIPHER_SETTABLE(KEYSTORE_PARAM_DESCRIPTION) OSSL_PARAM_END};
    return settable;
}

/* The kssim_op_params of the shadow's settled padding; false (with an error) when the device cannot
 * decrypt that way. */
static bool operation_params(keystore_device_context *base, kssim_op_params *params)
{
    keystore_cipher_context *ctx = (keystore_cipher_context *)base;
    memset(params, 0, sizeof(*params));
    /* Read with EVP_PKEY_CTX_get_params: OpenSSL 3.0's EVP_PKEY_CTX_get_rsa_* getters do not return
     * the values on provider contexts. */
    int padding = RSA_PKCS1_PADDING;
    char oaep[64] = "", mgf1[64] = "";
    void *label = NULL;
    size_t label_len = 0;
    OSSL_PARAM query[] = {
        OSSL_PARAM_int(OSSL_ASYM_CIPHER_PARAM_PAD_MODE, &padding),
        OSSL_PARAM_utf8_string(OSSL_ASYM_CIPHER_PARAM_OAEP_DIGEST, oaep, sizeof(oaep)),
        OSSL_PARAM_utf8_string(OSSL_ASYM_CIPHER_PARAM_MGF1_DIGEST, mgf1, sizeof(mgf1)),
        OSSL_PARAM_octet_ptr(OSSL_ASYM_CIPHER_PARAM_OAEP_LABEL, &label, 0),
        OSSL_PARAM_END,
    };
    EVP_PKEY_CTX_get_params(ctx->base.shadow, query);
    if (OSSL_PARAM_modified(&query[3]))
        label_len = query[3].return_size;
    params->padding = keystore_padding_bit(padding);
    if (params->padding != KSSIM_PADDING_OAEP && params->padding != KSSIM_PADDING_PKCS1 &&
        params->padding != KSSIM_PADDING_NONE) {
        keystore_raise(base->provider, KEYSTORE_R_UNSUPPORTED_PARAMETER,
                       "the device decrypts RSA with oaep, pkcs1 or none padding");
        return false;
    }
    if (params->padding != KSSIM_PADDING_OAEP)
        return true;
    params->digest = keystore_digest_bit(ctx->base.provider, ctx->base.key->public_context, oaep);
    if (params->digest == 0 || params->digest == KSSIM_DIGEST_NONE) {
        keystore_raise(base->provider, KEYSTORE_R_UNSUPPORTED_PARAMETER,
                       "the device runs OAEP with sha1, sha224, sha256, sha384 or sha512, not %s", oaep);
        return false;
    }
    if (mgf1[0] != '\0' &&
        keystore_digest_bit(ctx->base.provider, ctx->base.key->public_context, mgf1) != params->digest) {
        keystore_raise(base->provider, KEYSTORE_R_UNSUPPORTED_PARAMETER,
                       "the device runs OAEP with MGF1 over the OAEP digest %s, not %s: set rsa_mgf1_md to %s", oaep,
                       mgf1, oaep);
        return false;
    }
    if (label != NULL && label_len > 0) {
        keystore_raise(base->provider, KEYSTORE_R_UNSUPPORTED_PARAMETER, "the device runs OAEP without a label");
        return false;
    }
    return true;
}

static int keystore_asym_cipher_rsa_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
    KEYSTORE_DEBUG_CALL("params=%s", keystore_debug_params(params, false));
    keystore_cipher_context *ctx = vctx;
    if (!keystore_device_context_get_challenge(&ctx->base, params, KSSIM_PURPOSE_DECRYPT, operation_params))
        return 0;
    keystore_device_context_get_shadow_params(&ctx->base, params);
    return 1;
}

static const OSSL_PARAM *keystore_asym_cipher_rsa_gettable_ctx_params(void *vctx, void *provctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    (void)vctx;
    (void)provctx;
    static const OSSL_PARAM gettable[] = {CIPHER_GETTABLE(KEYSTORE_PARAM_DESCRIPTION) OSSL_PARAM_END};
    return gettable;
}

static int keystore_asym_cipher_rsa_encrypt(void *vctx, unsigned char *out, size_t *outlen, size_t outsize,
                                            const unsigned char *in, size_t inlen)
{
    KEYSTORE_DEBUG_CALL("outsize=%zu, inlen=%zu", outsize, inlen);
    keystore_cipher_context *ctx = vctx;
    if (ctx->base.shadow == NULL)
        return 0;
    if (out == NULL)
        return EVP_PKEY_encrypt(ctx->base.shadow, NULL, outlen, in, inlen) == 1;
    *outlen = outsize;
    return EVP_PKEY_encrypt(ctx->base.shadow, out, outlen, in, inlen) == 1;
}

static int keystore_asym_cipher_rsa_decrypt(void *vctx, unsigned char *out, size_t *outlen, size_t outsize,
                                            const unsigned char *in, size_t inlen)
{
    KEYSTORE_DEBUG_CALL("outsize=%zu, inlen=%zu", outsize, inlen);
    keystore_cipher_context *ctx = vctx;
    if (ctx->base.key == NULL)
        return 0;
    if (out == NULL) {
        *outlen = (size_t)EVP_PKEY_get_size(ctx->base.key->public_key);
        return 1;
    }
    return keystore_device_context_finish(&ctx->base, operation_params, in, inlen, out, outlen, outsize, "plaintext");
}

/* clang-format off */
const OSSL_DISPATCH keystore_asym_cipher_rsa_functions[] = {
    {OSSL_FUNC_ASYM_CIPHER_NEWCTX, (void (*)(void))keystore_asym_cipher_rsa_newctx},
    {OSSL_FUNC_ASYM_CIPHER_FREECTX, (void (*)(void))keystore_asym_cipher_rsa_freectx},
    {OSSL_FUNC_ASYM_CIPHER_DUPCTX, (void (*)(void))keystore_asym_cipher_rsa_dupctx},
    {OSSL_FUNC_ASYM_CIPHER_ENCRYPT_INIT, (void (*)(void))keystore_asym_cipher_rsa_encrypt_init},
    {OSSL_FUNC_ASYM_CIPHER_ENCRYPT, (void (*)(void))keystore_asym_cipher_rsa_encrypt},
    {OSSL_FUNC_ASYM_CIPHER_DECRYPT_INIT, (void (*)(void))keystore_asym_cipher_rsa_decrypt_init},
    {OSSL_FUNC_ASYM_CIPHER_DECRYPT, (void (*)(void))keystore_asym_cipher_rsa_decrypt},
    {OSSL_FUNC_ASYM_CIPHER_GET_CTX_PARAMS, (void (*)(void))keystore_asym_cipher_rsa_get_ctx_params},
    {OSSL_FUNC_ASYM_CIPHER_GETTABLE_CTX_PARAMS, (void (*)(void))keystore_asym_cipher_rsa_gettable_ctx_params},
    {OSSL_FUNC_ASYM_CIPHER_SET_CTX_PARAMS, (void (*)(void))keystore_asym_cipher_rsa_set_ctx_params},
    {OSSL_FUNC_ASYM_CIPHER_SETTABLE_CTX_PARAMS, (void (*)(void))keystore_asym_cipher_rsa_settable_ctx_params},
    {0, NULL},
};
/* clang-format on */
