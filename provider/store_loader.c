/*
 * store_loader.c - the OSSL_STORE loader for the URI scheme keystore: (`-inkey keystore:login`,
 * `storeutl keystore:login`, OSSL_STORE_open("keystore:login")).
 *
 * A URI names one key by its alias on the provider's device (KSSIM_DEVICE, the `device` parameter, or
 * the per-user default). Opening asks the device for the key, so an unknown alias fails at once with the
 * device's KEY_NOT_FOUND; loading hands OpenSSL a reference to it, which the key manager of the same
 * provider loads. A caller that expects a public key (dgst -verify keystore:login) gets the public half
 * itself, by value. There is deliberately no export_object: libcrypto would use it to copy the key into
 * another provider's key manager, and what it got there (a public half) could not sign.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/core_object.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/store.h>
#include <openssl/x509.h>

#include "keystore_provider.h"

/* The entry points in this file's dispatch tables, typed as core_dispatch.h declares them, so that a
 * definition whose signature differs from OpenSSL's fails to compile. */
static OSSL_FUNC_store_open_fn keystore_store_open;
static OSSL_FUNC_store_settable_ctx_params_fn keystore_store_settable_ctx_params;
static OSSL_FUNC_store_set_ctx_params_fn keystore_store_set_ctx_params;
static OSSL_FUNC_store_load_fn keystore_store_load;
static OSSL_FUNC_store_eof_fn keystore_store_eof;
static OSSL_FUNC_store_close_fn keystore_store_close;

typedef struct keystore_store_context {
    keystore_provider *provider;
    keystore_object_reference object;
    unsigned char *public_der; /* the SubjectPublicKeyInfo, for callers that expect a public key */
    size_t public_der_len;
    keystore_key *key; /* loaded at open (the alias must exist), handed to the key manager by reference */
    int expected_type; /* OSSL_STORE_INFO_*, 0 for any */
    bool done;         /* the key was handed over (or is not wanted) */
    /* The key's attestation chain (concatenated DER, leaf first; NULL without one), handed over after the
     * key as OSSL_OBJECT_CERT objects (storeutl -certs); chain_at is where the next certificate starts.
     * Read from the device when certificates are first wanted (chain_read): a caller that expects only a
     * key, as `pkeyutl -inkey` does, never pays that device call. */
    bool chain_read;
    uint8_t *chain;
    size_t chain_len, chain_at;
} keystore_store_context;

struct read_chain_call {
    const char *alias;
    uint8_t *chain;
    size_t chain_len;
};

/* Only a key that has a chain is asked for it, so a key without one raises no error. */
static kssim_result read_chain(kssim_device *device, void *arg)
{
    struct read_chain_call *call = arg;
    kssim_key_info info;
    kssim_result r = kssim_key_info_get(device, call->alias, &info);
    size_t count = 0;
    if (r == KSSIM_OK && info.has_attestation_chain)
        r = kssim_attestation_chain(device, call->alias, &call->chain, &call->chain_len, &count);
    return r;
}

kssim_result keystore_read_attestation_chain(keystore_provider *provider, const char *location, const char *alias,
                                             uint8_t **chain, size_t *chain_len)
{
    struct read_chain_call call = {.alias = alias};
    kssim_result r = keystore_device_run(provider, location, read_chain, &call);
    *chain = call.chain;
    *chain_len = call.chain_len;
    return r;
}

/* "keystore:ALIAS": the alias is what follows the scheme, as the app wrote it. A pure function, apart
 * from OpenSSL's callback, so that test/fuzz/fuzz_keystore_uri.c can feed it any bytes. */
bool keystore_uri_alias(const char *uri, char *alias, size_t alias_size)
{
    static const char prefix[] = KEYSTORE_URI_SCHEME ":";
    if (strncmp(uri, prefix, sizeof(prefix) - 1) != 0)
        return false;
    const char *name = uri + sizeof(prefix) - 1;
    size_t len = strlen(name);
    if (len == 0 || len >= alias_size || strchr(name, '/') != NULL)
        return false;
    memcpy(alias, name, len + 1);
    return true;
}

static void *keystore_store_open(void *provctx, const char *uri)
{
    KEYSTORE_DEBUG_CALL("uri=%s", uri != NULL ? uri : "(none)");
    keystore_provider *provider = provctx;
    char alias[KSSIM_ALIAS_MAX];
    if (!keystore_uri_alias(uri, alias, sizeof(alias))) {
        keystore_raise_result(provider, KSSIM_INVALID_ARGUMENT,
                              "a keystore URI is keystore:ALIAS, the alias of a key on the device (1 to 127 bytes, "
                              "no '/'), e.g. keystore:login");
        return NULL;
    }
    keystore_key *key = keystore_key_load(provider, NULL, alias, NULL);
    if (key == NULL)
        return NULL;
    keystore_store_context *ctx = calloc(1, sizeof(*ctx));
    /* The device's SubjectPublicKeyInfo is the key's identity already: copied, not encoded again from
     * the parsed half (i2d_PUBKEY builds every encoder of the public context, a tenth of what a device
     * key adds to a process). Both are DER of the same key, so the bytes are the same. */
    unsigned char *der = ctx != NULL && key->identity_len > 0 ? OPENSSL_memdup(key->identity, key->identity_len) : NULL;
    if (der != NULL) {
        ctx->provider = provider;
        keystore_object_reference_init(&ctx->object, provider, &key->reference);
        ctx->key = key;
        ctx->object.loaded = key;
        ctx->public_der = der;
        ctx->public_der_len = key->identity_len;
    } else {
        free(ctx);
        ctx = NULL;
        keystore_raise_result(provider, KSSIM_SYSTEM_ERROR, "out of memory opening a keystore URI");
        keystore_key_free(key);
    }
    return ctx;
}

/* ---- Parameters ---- */
enum store_param_meaning {
    STORE_SETS_EXPECTED_TYPE, /* what the caller looks for: keys are all a keystore URI names */
    STORE_SETS_PROPERTIES,    /* accepted and ignored: the key managers are this provider's */
};

/* clang-format off */
#define STORE_SETTABLE(PARAM)                                                \
    PARAM(OSSL_STORE_PARAM_EXPECT, int, STORE_SETS_EXPECTED_TYPE)            \
    PARAM(OSSL_STORE_PARAM_PROPERTIES, utf8_string, STORE_SETS_PROPERTIES)
/* clang-format on */

static const keystore_param store_settable[] = {STORE_SETTABLE(KEYSTORE_PARAM_ENTRY)};

static const OSSL_PARAM *keystore_store_settable_ctx_params(void *provctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    (void)provctx;
    static const OSSL_PARAM settable[] = {STORE_SETTABLE(KEYSTORE_PARAM_DESCRIPTION) OSSL_PARAM_END};
    return settable;
}

static int keystore_store_set_ctx_params(void *loaderctx, const OSSL_PARAM params[])
{
    KEYSTORE_DEBUG_CALL("params=%s", keystore_debug_params(params, true));
    keystore_store_context *ctx = loaderctx;
    for (const OSSL_PARAM *p = params; p != NULL && p->key != NULL; p++)
        if (keystore_param_meaning(store_settable, KEYSTORE_PARAM_COUNT(store_settable), p->key) ==
                STORE_SETS_EXPECTED_TYPE &&
            !OSSL_PARAM_get_int(p, &ctx->expected_type))
            return 0;
    return 1;
}

/* A keystore URI names a key and, for an attested key, its certificate chain; CRLs are never here. */
static bool wants_keys(const keystore_store_context *ctx)
{
    return ctx->expected_type == 0 || ctx->expected_type == OSSL_STORE_INFO_PKEY ||
           ctx->expected_type == OSSL_STORE_INFO_PUBKEY;
}

static bool wants_certificates(const keystore_store_context *ctx)
{
    return ctx->expected_type == 0 || ctx->expected_type == OSSL_STORE_INFO_CERT;
}

/* Reads the chain once, when certificates are wanted. A key without one (or a device that refuses)
 * leaves no chain: the key is what the URI names, its chain only rides along. */
static void read_chain_if_wanted(keystore_store_context *ctx)
{
    if (ctx->chain_read || !wants_certificates(ctx))
        return;
    ctx->chain_read = true;
    uint8_t *chain = NULL;
    size_t chain_len = 0;
    /* Asked for at load or eof, where a caller would take a raised error for a failed load: a refusal
     * here only means no certificates. */
    ERR_set_mark();
    if (keystore_read_attestation_chain(ctx->provider, NULL, ctx->object.key.alias, &chain, &chain_len) == KSSIM_OK) {
        ctx->chain = chain;
        ctx->chain_len = chain_len;
    } else {
        kssim_free(chain);
    }
    ERR_pop_to_mark();
}

static bool certificates_left(keystore_store_context *ctx)
{
    read_chain_if_wanted(ctx);
    return wants_certificates(ctx) && ctx->chain != NULL && ctx->chain_at < ctx->chain_len;
}

/* The next certificate of the chain, by value, for OpenSSL's decoders. */
static int load_next_certificate(keystore_store_context *ctx, OSSL_CALLBACK *object_cb, void *object_cbarg)
{
    const unsigned char *start = ctx->chain + ctx->chain_at, *p = start;
    X509 *cert = d2i_X509(NULL, &p, (long)(ctx->chain_len - ctx->chain_at));
    X509_free(cert);
    if (cert == NULL) {
        ctx->chain_at = ctx->chain_len;
        return 0;
    }
    size_t len = (size_t)(p - start);
    ctx->chain_at += len;
    int object_type = OSSL_OBJECT_CERT;
    OSSL_PARAM params[] = {
        OSSL_PARAM_int(OSSL_OBJECT_PARAM_TYPE, &object_type),
        OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DATA_TYPE, "CERTIFICATE", 0),
        OSSL_PARAM_octet_string(OSSL_OBJECT_PARAM_DATA, (void *)start, len),
        OSSL_PARAM_END,
    };
    return object_cb(params, object_cbarg);
}

static int keystore_store_load(void *loaderctx, OSSL_CALLBACK *object_cb, void *object_cbarg,
                               OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    (void)pw_cb;
    (void)pw_cbarg;
    keystore_store_context *ctx = loaderctx;
    if (ctx->done || !wants_keys(ctx)) {
        ctx->done = true;
        return certificates_left(ctx) ? load_next_certificate(ctx, object_cb, object_cbarg) : 0;
    }
    ctx->done = true;
    int object_type = OSSL_OBJECT_PKEY;
    if (ctx->expected_type == OSSL_STORE_INFO_PUBKEY) {
        /* Only the public half is wanted (dgst -verify, pkeyutl -pubin): hand it over by value, for
         * OpenSSL's own decoders to make a public key of. */
        OSSL_PARAM params[] = {
            OSSL_PARAM_int(OSSL_OBJECT_PARAM_TYPE, &object_type),
            OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DATA_TYPE, ctx->object.key.type_name, 0),
            OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DATA_STRUCTURE, "SubjectPublicKeyInfo", 0),
            OSSL_PARAM_octet_string(OSSL_OBJECT_PARAM_DATA, ctx->public_der, ctx->public_der_len),
            OSSL_PARAM_END,
        };
        return object_cb(params, object_cbarg);
    }
    char description[KSSIM_ALIAS_MAX + KEYSTORE_LOCATION_MAX + 64];
    snprintf(description, sizeof(description), "keystore key '%s' on the device %s", ctx->object.key.alias,
             ctx->object.key.device);
    OSSL_PARAM params[] = {
        OSSL_PARAM_int(OSSL_OBJECT_PARAM_TYPE, &object_type),
        OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DATA_TYPE, ctx->object.key.type_name, 0),
        OSSL_PARAM_octet_string(OSSL_OBJECT_PARAM_REFERENCE, &ctx->object, sizeof(ctx->object)),
        OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DESC, description, 0),
        OSSL_PARAM_END,
    };
    return object_cb(params, object_cbarg);
}

static int keystore_store_eof(void *loaderctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    keystore_store_context *ctx = loaderctx;
    return (ctx->done || !wants_keys(ctx)) && !certificates_left(ctx);
}

static int keystore_store_close(void *loaderctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    keystore_store_context *ctx = loaderctx;
    OPENSSL_free(ctx->public_der);
    kssim_free(ctx->chain);
    keystore_key_free(ctx->key);
    free(ctx);
    return 1;
}

/* clang-format off */
const OSSL_DISPATCH keystore_store_loader_functions[] = {
    {OSSL_FUNC_STORE_OPEN, (void (*)(void))keystore_store_open},
    {OSSL_FUNC_STORE_SETTABLE_CTX_PARAMS, (void (*)(void))keystore_store_settable_ctx_params},
    {OSSL_FUNC_STORE_SET_CTX_PARAMS, (void (*)(void))keystore_store_set_ctx_params},
    {OSSL_FUNC_STORE_LOAD, (void (*)(void))keystore_store_load},
    {OSSL_FUNC_STORE_EOF, (void (*)(void))keystore_store_eof},
    {OSSL_FUNC_STORE_CLOSE, (void (*)(void))keystore_store_close},
    {0, NULL},
};
/* clang-format on */
