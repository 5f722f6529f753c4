/*
 * keyexch_ecdh.c - ECDH with a device key: `openssl pkeyutl -derive -inkey keystore:ALIAS -peerkey
 * peer.pem`, or EVP_PKEY_derive, for EC keys generated with the agree_key purpose
 * (genpkey -pkeyopt purposes:agree_key).
 *
 * The device's AGREE_KEY operation takes the peer's public key as a DER SubjectPublicKeyInfo and gives
 * the raw shared secret (the x coordinate), so the peer is encoded at set_peer and sent in one
 * kssim_finish at derive. KeyMint applies no key derivation function, so none is offered here: a KDF
 * (X9.63 through the kdf-type parameter) is refused, and the caller derives its keys from the secret
 * itself. A per-operation key's derivation needs the user to authenticate with the operation's challenge
 * (KSSIM_PROVIDER_PARAM_CHALLENGE) before derive; a refused one ends the operation, as for signatures.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "keystore_provider.h"

/* The entry points in this file's dispatch tables, typed as core_dispatch.h declares them, so that a
 * definition whose signature differs from OpenSSL's fails to compile. */
static OSSL_FUNC_keyexch_newctx_fn keystore_ecdh_newctx;
static OSSL_FUNC_keyexch_freectx_fn keystore_ecdh_freectx;
static OSSL_FUNC_keyexch_dupctx_fn keystore_ecdh_dupctx;
static OSSL_FUNC_keyexch_init_fn keystore_ecdh_init;
static OSSL_FUNC_keyexch_set_peer_fn keystore_ecdh_set_peer;
static OSSL_FUNC_keyexch_derive_fn keystore_ecdh_derive;
static OSSL_FUNC_keyexch_set_ctx_params_fn keystore_ecdh_set_ctx_params;
static OSSL_FUNC_keyexch_settable_ctx_params_fn keystore_ecdh_settable_ctx_params;
static OSSL_FUNC_keyexch_get_ctx_params_fn keystore_ecdh_get_ctx_params;
static OSSL_FUNC_keyexch_gettable_ctx_params_fn keystore_ecdh_gettable_ctx_params;

typedef struct keystore_ecdh_context {
    keystore_device_context base; /* purpose KSSIM_PURPOSE_AGREE_KEY */
    unsigned char *peer;          /* the peer's SubjectPublicKeyInfo */
    size_t peer_len;
} keystore_ecdh_context;

static void *keystore_ecdh_newctx(void *provctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    keystore_ecdh_context *ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL) {
        keystore_raise_result(provctx, KSSIM_SYSTEM_ERROR, "out of memory for a key-agreement context");
        return NULL;
    }
    ctx->base.provider = provctx;
    ctx->base.purpose = KSSIM_PURPOSE_AGREE_KEY;
    return ctx;
}

static void forget_peer(keystore_ecdh_context *ctx)
{
    OPENSSL_free(ctx->peer);
    ctx->peer = NULL;
    ctx->peer_len = 0;
}

static void keystore_ecdh_freectx(void *vctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    keystore_ecdh_context *ctx = vctx;
    keystore_device_context_reset(&ctx->base);
    forget_peer(ctx);
    free(ctx);
}

static void *keystore_ecdh_dupctx(void *vctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    const keystore_ecdh_context *from = vctx;
    keystore_ecdh_context *ctx = keystore_ecdh_newctx(from->base.provider);
    if (ctx == NULL)
        return NULL;
    bool ok = keystore_device_context_copy(&ctx->base, &from->base);
    if (ok && from->peer != NULL) {
        ctx->peer = OPENSSL_memdup(from->peer, from->peer_len);
        ctx->peer_len = from->peer_len;
        ok = ctx->peer != NULL;
    }
    if (!ok) {
        keystore_raise(from->base.provider, KEYSTORE_R_OPENSSL_FAILURE, "cannot copy a key-agreement context");
        keystore_ecdh_freectx(ctx);
        return NULL;
    }
    return ctx;
}

static int keystore_ecdh_init(void *vctx, void *provkey, const OSSL_PARAM params[])
{
    KEYSTORE_DEBUG_CALL("alias=%s, params=%s", keystore_debug_key(provkey), keystore_debug_params(params, true));
    keystore_ecdh_context *ctx = vctx;
    keystore_key *key = provkey;
    keystore_key_up_ref(key);
    keystore_device_context_reset(&ctx->base);
    forget_peer(ctx);
    ctx->base.key = key;
    if (!keystore_key_check_usable(key))
        return 0;
    if (!key->on_device) {
        keystore_raise(ctx->base.provider, KEYSTORE_R_NOT_A_DEVICE_KEY,
                       "this is a public key only (not a key on the device): it can be the peer of a key agreement, "
                       "not its own side");
        return 0;
    }
    return keystore_ecdh_set_ctx_params(ctx, params);
}

static int keystore_ecdh_set_peer(void *vctx, void *provkey)
{
    KEYSTORE_DEBUG_CALL("peer=%s", keystore_debug_key(provkey));
    keystore_ecdh_context *ctx = vctx;
    const keystore_key *peer = provkey;
    forget_peer(ctx);
    if (peer == NULL || peer->public_key == NULL || !peer->has_public) {
        keystore_raise(ctx->base.provider, KEYSTORE_R_NOT_A_DEVICE_KEY, "the peer key object holds no public key");
        return 0;
    }
    int len = i2d_PUBKEY(peer->public_key, &ctx->peer);
    if (len <= 0) {
        keystore_raise(ctx->base.provider, KEYSTORE_R_OPENSSL_FAILURE, "cannot encode the peer's public key");
        return 0;
    }
    ctx->peer_len = (size_t)len;
    return 1;
}

/* The device's ECDH takes no digest, padding or block mode. */
static bool operation_params(keystore_device_context *base, kssim_op_params *params)
{
    (void)base;
    memset(params, 0, sizeof(*params));
    return true;
}

static int keystore_ecdh_derive(void *vctx, unsigned char *secret, size_t *secretlen, size_t outlen)
{
    KEYSTORE_DEBUG_CALL("outlen=%zu", outlen);
    keystore_ecdh_context *ctx = vctx;
    if (ctx->base.key == NULL || ctx->base.key->public_key == NULL)
        return 0;
    if (secret == NULL) {
        *secretlen = ((size_t)EVP_PKEY_get_bits(ctx->base.key->public_key) + 7) / 8;
        return 1;
    }
    if (ctx->peer == NULL) {
        keystore_raise(ctx->base.provider, KEYSTORE_R_UNSUPPORTED_PARAMETER,
                       "no peer key: set one (EVP_PKEY_derive_set_peer, -peerkey)");
        return 0;
    }
    return keystore_device_context_finish(&ctx->base, operation_params, ctx->peer, ctx->peer_len, secret, secretlen,
                                          outlen, "shared secret");
}

/* ---- Parameters ---- */
enum ecdh_param_meaning {
    ECDH_SETS_COFACTOR_MODE, /* accepted and ignored: NIST curves have cofactor 1, cofactor ECDH is plain ECDH */
    ECDH_SETS_KDF,           /* only none: the device gives the raw secret */
    ECDH_ANSWERS_CHALLENGE,  /* the keystore operation's challenge (gettable) */
};

/* clang-format off */
#define ECDH_SETTABLE(PARAM)                                                      \
    PARAM(OSSL_EXCHANGE_PARAM_EC_ECDH_COFACTOR_MODE, int, ECDH_SETS_COFACTOR_MODE) \
    PARAM(OSSL_EXCHANGE_PARAM_KDF_TYPE, utf8_string, ECDH_SETS_KDF)
#define ECDH_GETTABLE(PARAM) KEYSTORE_CHALLENGE_ROW(PARAM, ECDH_ANSWERS_CHALLENGE)
/* clang-format on */

static const keystore_param ecdh_settable[] = {ECDH_SETTABLE(KEYSTORE_PARAM_ENTRY)};

static int keystore_ecdh_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
    KEYSTORE_DEBUG_CALL("params=%s", keystore_debug_params(params, true));
    keystore_ecdh_context *ctx = vctx;
    for (const OSSL_PARAM *p = params; p != NULL && p->key != NULL; p++) {
        if (keystore_param_meaning(ecdh_settable, KEYSTORE_PARAM_COUNT(ecdh_settable), p->key) != ECDH_SETS_KDF)
            continue;
        const char *kdf = NULL;
        if (!OSSL_PARAM_get_utf8_string_ptr(p, &kdf) || (kdf != NULL && kdf[0] != '\0')) {
            keystore_raise(ctx->base.provider, KEYSTORE_R_UNSUPPORTED_PARAMETER,
                           "the device gives the raw ECDH secret and applies no KDF: derive keys from the secret "
                           "yourself (openssl kdf)");
            return 0;
        }
    }
    return 1;
}

static const OSSL_PARAM *keystore_ecdh_settable_ctx_params(void *vctx, void *provctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    (void)vctx;
    (void)provctx;
    static const OSSL_PARAM settable[] = {ECDH_SETTABLE(KEYSTORE_PARAM_DESCRIPTION) OSSL_PARAM_END};
    return settable;
}

static int keystore_ecdh_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
    KEYSTORE_DEBUG_CALL("params=%s", keystore_debug_params(params, false));
    keystore_ecdh_context *ctx = vctx;
    return keystore_device_context_get_challenge(&ctx->base, params, KSSIM_PURPOSE_AGREE_KEY, operation_params);
}

static const OSSL_PARAM *keystore_ecdh_gettable_ctx_params(void *vctx, void *provctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    (void)vctx;
    (void)provctx;
    static const OSSL_PARAM gettable[] = {ECDH_GETTABLE(KEYSTORE_PARAM_DESCRIPTION) OSSL_PARAM_END};
    return gettable;
}

/* clang-format off */
const OSSL_DISPATCH keystore_keyexch_ecdh_functions[] = {
    {OSSL_FUNC_KEYEXCH_NEWCTX, (void (*)(void))keystore_ecdh_newctx},
    {OSSL_FUNC_KEYEXCH_FREECTX, (void (*)(void))keystore_ecdh_freectx},
    {OSSL_FUNC_KEYEXCH_DUPCTX, (void (*)(void))keystore_ecdh_dupctx},
    {OSSL_FUNC_KEYEXCH_INIT, (void (*)(void))keystore_ecdh_init},
    {OSSL_FUNC_KEYEXCH_SET_PEER, (void (*)(void))keystore_ecdh_set_peer},
    {OSSL_FUNC_KEYEXCH_DERIVE, (void (*)(void))keystore_ecdh_derive},
    {OSSL_FUNC_KEYEXCH_SET_CTX_PARAMS, (void (*)(void))keystore_ecdh_set_ctx_params},
    {OSSL_FUNC_KEYEXCH_SETTABLE_CTX_PARAMS, (void (*)(void))keystore_ecdh_settable_ctx_params},
    {OSSL_FUNC_KEYEXCH_GET_CTX_PARAMS, (void (*)(void))keystore_ecdh_get_ctx_params},
    {OSSL_FUNC_KEYEXCH_GETTABLE_CTX_PARAMS, (void (*)(void))keystore_ecdh_gettable_ctx_params},
    {0, NULL},
};
/* clang-format on */
