/*
 * signature.c - signing on the device and verifying with the public half: ECDSA, RSA (PKCS#1 v1.5 and
 * PSS) and Ed25519, both as digest-sign (EVP_DigestSign*, the device hashes) and as plain sign
 * (EVP_PKEY_sign of a digest computed by the caller, which the device signs with digest none).
 *
 * Parameters (digest, padding, salt length, MGF1 digest) are handed to a "shadow" verification context
 * on the public half in the provider's own library context: OpenSSL's default provider parses and
 * checks them exactly as it would for its own keys, computes the AlgorithmIdentifier that certificates
 * and CMS need, and verifies. Signing reads the settled values back and asks the device.
 *
 * The keystore operation begins when the challenge parameter (KSSIM_PROVIDER_PARAM_CHALLENGE) is asked
 * for, or otherwise at the final call. A per-operation key's user authenticates with that challenge
 * before the final call: a final refused with KEY_USER_NOT_AUTHENTICATED ends the operation (keystore2
 * operation.rs with_locked_operation), and the context's next challenge query or final call begins a
 * new one, which needs a new authentication. Digest-sign with a key that needs no per-operation
 * authentication streams instead: past a chunk (1 MiB) the operation begins and the data goes to the
 * device in kssim_update calls, so a message of any size signs (streams_to_device).
 *
 * The device signs PSS with a salt as long as the digest and MGF1 over the signing digest (as KeyMint
 * does): other salt lengths and MGF1 digests are refused rather than silently changed; "auto" is taken
 * to leave the choice to the signer.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "keystore_provider.h"

/* The entry points in this file's dispatch tables, typed as core_dispatch.h declares them, so that a
 * definition whose signature differs from OpenSSL's fails to compile. */
static OSSL_FUNC_signature_freectx_fn keystore_signature_freectx;
static OSSL_FUNC_signature_dupctx_fn keystore_signature_dupctx;
static OSSL_FUNC_signature_digest_sign_init_fn keystore_signature_digest_sign_init;
static OSSL_FUNC_signature_digest_sign_fn keystore_signature_digest_sign;
static OSSL_FUNC_signature_digest_verify_init_fn keystore_signature_digest_verify_init;
static OSSL_FUNC_signature_digest_verify_fn keystore_signature_digest_verify;
static OSSL_FUNC_signature_get_ctx_params_fn keystore_signature_get_ctx_params;
static OSSL_FUNC_signature_gettable_ctx_params_fn keystore_signature_gettable_ctx_params;
static OSSL_FUNC_signature_sign_init_fn keystore_signature_sign_init;
static OSSL_FUNC_signature_sign_fn keystore_signature_sign;
static OSSL_FUNC_signature_verify_init_fn keystore_signature_verify_init;
static OSSL_FUNC_signature_verify_fn keystore_signature_verify;
static OSSL_FUNC_signature_digest_sign_update_fn keystore_signature_digest_sign_update;
static OSSL_FUNC_signature_digest_sign_final_fn keystore_signature_digest_sign_final;
static OSSL_FUNC_signature_digest_verify_update_fn keystore_signature_digest_verify_update;
static OSSL_FUNC_signature_newctx_fn keystore_signature_ecdsa_newctx;
static OSSL_FUNC_signature_settable_ctx_params_fn keystore_signature_ecdsa_settable_ctx_params;
static OSSL_FUNC_signature_newctx_fn keystore_signature_rsa_newctx;
static OSSL_FUNC_signature_settable_ctx_params_fn keystore_signature_rsa_settable_ctx_params;
static OSSL_FUNC_signature_newctx_fn keystore_signature_ed25519_newctx;
static OSSL_FUNC_signature_settable_ctx_params_fn keystore_signature_ed25519_settable_ctx_params;

typedef enum signature_algorithm {
    SIGNATURE_ECDSA,
    SIGNATURE_RSA,
    SIGNATURE_ED25519,
} signature_algorithm;

/* base.purpose is KSSIM_PURPOSE_SIGN or KSSIM_PURPOSE_VERIFY; base.shadow verifies with the public
 * half (NULL for Ed25519); base.operation is the keystore signing operation, once begun. */
typedef struct keystore_signature_context {
    keystore_device_context base;
    signature_algorithm algorithm;
    bool digest_mode;      /* EVP_DigestSign*, or EVP_PKEY_sign of a precomputed digest */
    EVP_MD_CTX *verify_md; /* digest-verify: the running digest */
    unsigned char *data;   /* digest-sign: the message so far (not yet streamed) */
    size_t data_len, data_capacity;
    bool streamed;           /* digest-sign: part of the message went to the operation (see streams_to_device) */
    uint64_t streamed_bytes; /* how much of it this context sent; its copies share the operation */
} keystore_signature_context;

/* Digest-sign data kept in the context before it goes to the device in one kssim_update. */
#define STREAM_CHUNK ((size_t)1024 * 1024)

static void *new_context(void *provctx, signature_algorithm algorithm)
{
    keystore_signature_context *ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL) {
        keystore_raise_result(provctx, KSSIM_SYSTEM_ERROR, "out of memory for a signature context");
        return NULL;
    }
    ctx->base.provider = provctx;
    ctx->algorithm = algorithm;
    return ctx;
}

static void *keystore_signature_ecdsa_newctx(void *provctx, const char *propq)
{
    KEYSTORE_DEBUG_CALL("propq=%s", propq != NULL ? propq : "(none)");
    (void)propq;
    return new_context(provctx, SIGNATURE_ECDSA);
}

static void *keystore_signature_rsa_newctx(void *provctx, const char *propq)
{
    KEYSTORE_DEBUG_CALL("propq=%s", propq != NULL ? propq : "(none)");
    (void)propq;
    return new_context(provctx, SIGNATURE_RSA);
}

static void *keystore_signature_ed25519_newctx(void *provctx, const char *propq)
{
    KEYSTORE_DEBUG_CALL("propq=%s", propq != NULL ? propq : "(none)");
    (void)propq;
    return new_context(provctx, SIGNATURE_ED25519);
}

/* Forgets the previous operation's key, data and parameters (an init on a used context). */
static void reset(keystore_signature_context *ctx)
{
    keystore_device_context_reset(&ctx->base);
    EVP_MD_CTX_free(ctx->verify_md);
    ctx->verify_md = NULL;
    OPENSSL_clear_free(ctx->data, ctx->data_capacity);
    ctx->data = NULL;
    ctx->data_len = ctx->data_capacity = 0;
    ctx->streamed = false;
    ctx->streamed_bytes = 0;
}

static void keystore_signature_freectx(void *vctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    keystore_signature_context *ctx = vctx;
    reset(ctx);
    free(ctx);
}

static void *keystore_signature_dupctx(void *vctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    const keystore_signature_context *from = vctx;
    keystore_signature_context *ctx = new_context(from->base.provider, from->algorithm);
    if (ctx == NULL)
        return NULL;
    ctx->digest_mode = from->digest_mode;
    ctx->streamed = from->streamed;
    ctx->streamed_bytes = from->streamed_bytes;
    bool ok = keystore_device_context_copy(&ctx->base, &from->base);
    if (ok && from->verify_md != NULL)
        ok = (ctx->verify_md = EVP_MD_CTX_new()) != NULL && EVP_MD_CTX_copy_ex(ctx->verify_md, from->verify_md);
    if (ok && from->data_len > 0) {
        ok = (ctx->data = malloc(from->data_len)) != NULL;
        if (ok) {
            memcpy(ctx->data, from->data, from->data_len);
            ctx->data_len = ctx->data_capacity = from->data_len;
        }
    }
    if (!ok) {
        keystore_raise(from->base.provider, KEYSTORE_R_OPENSSL_FAILURE, "cannot copy a signature context");
        keystore_signature_freectx(ctx);
        return NULL;
    }
    return ctx;
}

/* ---- Parameters, through the shadow context ---- */

static int keystore_signature_set_ctx_params(void *vctx, const OSSL_PARAM params[]);

static const char *shadow_digest(const keystore_signature_context *ctx, char *name, size_t size)
{
    name[0] = '\0';
    OSSL_PARAM query[] = {OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, name, size), OSSL_PARAM_END};
    if (ctx->base.shadow != NULL)
        EVP_PKEY_CTX_get_params(ctx->base.shadow, query);
    return name;
}

/* Builds the shadow as an init leaves it before its parameters: a verification context on the public
 * half, PSS for an RSA-PSS key, the init's digest. *out gets the context even when a step fails (with its
 * error raised), as the context's shadow until the next init. */
static bool build_shadow(const keystore_signature_context *ctx, const char *mdname, EVP_PKEY_CTX **out)
{
    const keystore_key *key = ctx->base.key;
    EVP_PKEY_CTX *shadow = EVP_PKEY_CTX_new_from_pkey(key->public_context, key->public_key, NULL);
    *out = shadow;
    if (shadow == NULL || EVP_PKEY_verify_init(shadow) != 1) {
        keystore_raise(ctx->base.provider, KEYSTORE_R_OPENSSL_FAILURE, "cannot prepare the public half of the key");
        return false;
    }
    if (strcmp(key->type_name, "RSA-PSS") == 0 && EVP_PKEY_CTX_set_rsa_padding(shadow, RSA_PKCS1_PSS_PADDING) != 1) {
        keystore_raise(ctx->base.provider, KEYSTORE_R_OPENSSL_FAILURE, "cannot select PSS for an RSA-PSS key");
        return false;
    }
    if (mdname[0] != '\0') {
        OSSL_PARAM digest[] = {OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, (char *)mdname, 0),
                               OSSL_PARAM_END};
        if (EVP_PKEY_CTX_set_params(shadow, digest) != 1)
            return false;
    }
    return true;
}

static int copy_shadow(keystore_signature_context *ctx, const EVP_PKEY_CTX *template)
{
    ctx->base.shadow = EVP_PKEY_CTX_dup(template);
    if (ctx->base.shadow == NULL) {
        keystore_raise(ctx->base.provider, KEYSTORE_R_OPENSSL_FAILURE, "cannot prepare the public half of the key");
        return 0;
    }
    return 1;
}

/* The init's shadow: a copy of the key's template for this digest, which the first init with it builds
 * (key->shadow_templates). Building one every time cost about 8% of an ECDSA signature; a copy holds the
 * same state, so the parameters, errors and AlgorithmIdentifier that follow are the same. A digest the
 * shadow refuses leaves no template, so each init with it raises the same errors again. */
static int prepare_shadow(keystore_signature_context *ctx, const char *mdname)
{
    keystore_key *key = ctx->base.key;
    const size_t slots = sizeof(key->shadow_templates) / sizeof(key->shadow_templates[0]);
    const char *digest = mdname != NULL ? mdname : "";
    size_t seen = 0;
    for (; seen < slots; seen++) {
        EVP_PKEY_CTX *template = atomic_load_explicit(&key->shadow_templates[seen].shadow, memory_order_acquire);
        if (template == NULL)
            break;
        if (strcmp(key->shadow_templates[seen].digest, digest) == 0)
            return copy_shadow(ctx, template);
    }
    EVP_PKEY_CTX *built = NULL;
    if (!build_shadow(ctx, digest, &built)) {
        ctx->base.shadow = built;
        return 0;
    }
    bool kept = false;
    if (strlen(digest) < sizeof(key->shadow_templates[0].digest)) {
        pthread_mutex_lock(&key->shadow_lock);
        size_t i = seen;
        EVP_PKEY_CTX *other = NULL;
        /* Another thread may have added templates since, this digest's among them. */
        while (i < slots &&
               (other = atomic_load_explicit(&key->shadow_templates[i].shadow, memory_order_relaxed)) != NULL &&
               strcmp(key->shadow_templates[i].digest, digest) != 0)
            i++;
        if (i < slots && other == NULL) {
            snprintf(key->shadow_templates[i].digest, sizeof(key->shadow_templates[i].digest), "%s", digest);
            atomic_store_explicit(&key->shadow_templates[i].shadow, built, memory_order_release);
            kept = true;
        }
        pthread_mutex_unlock(&key->shadow_lock);
    }
    if (!kept) {
        ctx->base.shadow = built;
        return 1;
    }
    return copy_shadow(ctx, built);
}

static int init(keystore_signature_context *ctx, void *provkey, uint32_t purpose, bool digest_mode, const char *mdname,
                const OSSL_PARAM params[])
{
    if (provkey == NULL) {
        /* A re-init with the same key (EVP_PKEY_sign_init_ex with NULL): keep it. */
        if (ctx->base.key == NULL)
            return 0;
        keystore_key_up_ref(ctx->base.key);
        provkey = ctx->base.key;
    } else {
        keystore_key_up_ref(provkey);
    }
    reset(ctx);
    ctx->base.key = provkey;
    ctx->base.purpose = purpose;
    ctx->digest_mode = digest_mode;
    if (!keystore_key_check_usable(ctx->base.key))
        return 0;
    if (ctx->base.key->public_key == NULL) {
        keystore_raise(ctx->base.provider, KEYSTORE_R_NOT_A_DEVICE_KEY, "this key object holds no key");
        return 0;
    }
    if (ctx->algorithm == SIGNATURE_ED25519) {
        if (mdname != NULL && mdname[0] != '\0') {
            keystore_raise(ctx->base.provider, KEYSTORE_R_UNSUPPORTED_PARAMETER,
                           "Ed25519 signs the message itself: give no digest");
            return 0;
        }
        return keystore_signature_set_ctx_params(ctx, params);
    }
    if (!prepare_shadow(ctx, mdname) || !keystore_signature_set_ctx_params(ctx, params))
        return 0;
    if (digest_mode && purpose == KSSIM_PURPOSE_VERIFY) {
        char name[64];
        EVP_MD *md = EVP_MD_fetch(ctx->base.key->public_context, shadow_digest(ctx, name, sizeof(name)), NULL);
        ctx->verify_md = EVP_MD_CTX_new();
        int ok = md != NULL && ctx->verify_md != NULL && EVP_DigestInit_ex2(ctx->verify_md, md, NULL) == 1;
        EVP_MD_free(md);
        if (!ok) {
            keystore_raise(ctx->base.provider, KEYSTORE_R_UNSUPPORTED_PARAMETER, "cannot verify with the digest '%s'",
                           name);
            return 0;
        }
    }
    return 1;
}

static int keystore_signature_sign_init(void *vctx, void *provkey, const OSSL_PARAM params[])
{
    KEYSTORE_DEBUG_CALL("alias=%s, params=%s", keystore_debug_key(provkey), keystore_debug_params(params, true));
    return init(vctx, provkey, KSSIM_PURPOSE_SIGN, false, NULL, params);
}

static int keystore_signature_verify_init(void *vctx, void *provkey, const OSSL_PARAM params[])
{
    KEYSTORE_DEBUG_CALL("alias=%s, params=%s", keystore_debug_key(provkey), keystore_debug_params(params, true));
    return init(vctx, provkey, KSSIM_PURPOSE_VERIFY, false, NULL, params);
}

static int keystore_signature_digest_sign_init(void *vctx, const char *mdname, void *provkey, const OSSL_PARAM params[])
{
    KEYSTORE_DEBUG_CALL("alias=%s, digest=%s, params=%s", keystore_debug_key(provkey),
                        mdname != NULL ? mdname : "(none)", keystore_debug_params(params, true));
    return init(vctx, provkey, KSSIM_PURPOSE_SIGN, true, mdname, params);
}

static int keystore_signature_digest_verify_init(void *vctx, const char *mdname, void *provkey,
                                                 const OSSL_PARAM params[])
{
    KEYSTORE_DEBUG_CALL("alias=%s, digest=%s, params=%s", keystore_debug_key(provkey),
                        mdname != NULL ? mdname : "(none)", keystore_debug_params(params, true));
    return init(vctx, provkey, KSSIM_PURPOSE_VERIFY, true, mdname, params);
}

/* ---- Parameters ----
 * What a signature context's parameters set: all go to the shadow, which settles their values; the digest
 * and the padding's also shape the keystore operation, so once it has begun they can no longer change. */
enum signature_param_meaning {
    SIGNATURE_SETS_DIGEST,          /* the operation's digest; chosen at init in digest-sign mode */
    SIGNATURE_SETS_OPERATION_SHAPE, /* the padding, the PSS salt and MGF1 digest */
    SIGNATURE_SETS_SHADOW_ONLY,     /* property queries: how the shadow fetches, nothing the device sees */
    SIGNATURE_ANSWERS_CHALLENGE,    /* the keystore operation's challenge (gettable) */
    SIGNATURE_ANSWERS_ALGORITHM_ID, /* the AlgorithmIdentifier (gettable) */
    SIGNATURE_ANSWERS_FROM_SHADOW,  /* what the shadow settled (gettable) */
};

/* clang-format off */
#define SIGNATURE_SETTABLE_COMMON(PARAM)                                                   \
    PARAM(OSSL_SIGNATURE_PARAM_DIGEST, utf8_string, SIGNATURE_SETS_DIGEST)                 \
    PARAM(OSSL_SIGNATURE_PARAM_PROPERTIES, utf8_string, SIGNATURE_SETS_SHADOW_ONLY)
#define SIGNATURE_SETTABLE_RSA(PARAM)                                                      \
    PARAM(OSSL_SIGNATURE_PARAM_PAD_MODE, utf8_string, SIGNATURE_SETS_OPERATION_SHAPE)      \
    PARAM(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, utf8_string, SIGNATURE_SETS_OPERATION_SHAPE)   \
    PARAM(OSSL_SIGNATURE_PARAM_MGF1_DIGEST, utf8_string, SIGNATURE_SETS_OPERATION_SHAPE)   \
    PARAM(OSSL_SIGNATURE_PARAM_MGF1_PROPERTIES, utf8_string, SIGNATURE_SETS_SHADOW_ONLY)
#define SIGNATURE_GETTABLE(PARAM)                                                          \
    KEYSTORE_CHALLENGE_ROW(PARAM, SIGNATURE_ANSWERS_CHALLENGE)                             \
    PARAM(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, octet_string, SIGNATURE_ANSWERS_ALGORITHM_ID) \
    PARAM(OSSL_SIGNATURE_PARAM_DIGEST, utf8_string, SIGNATURE_ANSWERS_FROM_SHADOW)         \
    PARAM(OSSL_SIGNATURE_PARAM_PAD_MODE, utf8_string, SIGNATURE_ANSWERS_FROM_SHADOW)       \
    PARAM(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, utf8_string, SIGNATURE_ANSWERS_FROM_SHADOW)    \
    PARAM(OSSL_SIGNATURE_PARAM_MGF1_DIGEST, utf8_string, SIGNATURE_ANSWERS_FROM_SHADOW)
/* clang-format on */

/* Every parameter a signature context sets, whatever its algorithm: an ECDSA context refuses a padding
 * change after its begin as an RSA one does (the shadow then refuses the padding itself). */
static const keystore_param signature_settable[] = {SIGNATURE_SETTABLE_COMMON(KEYSTORE_PARAM_ENTRY)
                                                        SIGNATURE_SETTABLE_RSA(KEYSTORE_PARAM_ENTRY)};

static int keystore_signature_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
    KEYSTORE_DEBUG_CALL("params=%s", keystore_debug_params(params, true));
    keystore_signature_context *ctx = vctx;
    if (params == NULL || params[0].key == NULL)
        return 1;
    bool begun = ctx->base.operation != NULL && keystore_operation_is_live(ctx->base.operation);
    for (const OSSL_PARAM *p = params; p->key != NULL; p++) {
        int meaning = keystore_param_meaning(signature_settable, KEYSTORE_PARAM_COUNT(signature_settable), p->key);
        bool shapes_operation = meaning == SIGNATURE_SETS_DIGEST || meaning == SIGNATURE_SETS_OPERATION_SHAPE;
        if (begun && shapes_operation) {
            keystore_raise(ctx->base.provider, KEYSTORE_R_OPERATION_ALREADY_BEGUN,
                           "the keystore operation has begun (its challenge was read) with the digest and padding "
                           "set before: set %s before asking for the challenge",
                           p->key);
            return 0;
        }
        if (ctx->digest_mode && meaning == SIGNATURE_SETS_DIGEST) {
            keystore_raise(ctx->base.provider, KEYSTORE_R_UNSUPPORTED_PARAMETER,
                           "the digest of a digest-sign operation is chosen at its init");
            return 0;
        }
    }
    if (ctx->base.shadow == NULL)
        return 1; /* Ed25519 has no parameters; others' are ignored, as OpenSSL ignores unknown ones */
    return EVP_PKEY_CTX_set_params(ctx->base.shadow, params) == 1;
}

static const OSSL_PARAM *keystore_signature_ecdsa_settable_ctx_params(void *vctx, void *provctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    (void)vctx;
    (void)provctx;
    static const OSSL_PARAM settable[] = {SIGNATURE_SETTABLE_COMMON(KEYSTORE_PARAM_DESCRIPTION) OSSL_PARAM_END};
    return settable;
}

static const OSSL_PARAM *keystore_signature_rsa_settable_ctx_params(void *vctx, void *provctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    (void)vctx;
    (void)provctx;
    static const OSSL_PARAM settable[] = {SIGNATURE_SETTABLE_COMMON(KEYSTORE_PARAM_DESCRIPTION)
                                              SIGNATURE_SETTABLE_RSA(KEYSTORE_PARAM_DESCRIPTION) OSSL_PARAM_END};
    return settable;
}

static const OSSL_PARAM *keystore_signature_ed25519_settable_ctx_params(void *vctx, void *provctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    (void)vctx;
    (void)provctx;
    static const OSSL_PARAM settable[] = {OSSL_PARAM_END};
    return settable;
}

/* The kssim_op_params the shadow's settled parameters stand for; false (with an error) for values the
 * device cannot sign with. */
static bool operation_params(keystore_device_context *base, kssim_op_params *params)
{
    keystore_signature_context *ctx = (keystore_signature_context *)base;
    memset(params, 0, sizeof(*params));
    if (ctx->algorithm == SIGNATURE_ED25519) {
        params->digest = KSSIM_DIGEST_NONE;
        return true;
    }
    char name[64];
    shadow_digest(ctx, name, sizeof(name));
    uint32_t digest = keystore_digest_bit(ctx->base.provider, ctx->base.key->public_context, name);
    if (digest == 0) {
        keystore_raise(base->provider, KEYSTORE_R_UNSUPPORTED_PARAMETER,
                       "the device signs with sha1, sha224, sha256, sha384 or sha512, not %s", name);
        return false;
    }
    /* A precomputed digest is signed as it is: the device must not hash it again. */
    params->digest = ctx->digest_mode ? digest : KSSIM_DIGEST_NONE;
    if (ctx->algorithm != SIGNATURE_RSA)
        return true;
    /* Read with EVP_PKEY_CTX_get_params: OpenSSL 3.0's EVP_PKEY_CTX_get_rsa_padding and
     * EVP_PKEY_CTX_get_rsa_pss_saltlen do not return the values on provider contexts. */
    int padding = RSA_PKCS1_PADDING, saltlen = RSA_PSS_SALTLEN_AUTO;
    OSSL_PARAM rsa_query[] = {OSSL_PARAM_int(OSSL_SIGNATURE_PARAM_PAD_MODE, &padding),
                              OSSL_PARAM_int(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, &saltlen), OSSL_PARAM_END};
    EVP_PKEY_CTX_get_params(ctx->base.shadow, rsa_query);
    params->padding = keystore_padding_bit(padding);
    if (params->padding != KSSIM_PADDING_PSS && params->padding != KSSIM_PADDING_PKCS1 &&
        params->padding != KSSIM_PADDING_NONE) {
        keystore_raise(base->provider, KEYSTORE_R_UNSUPPORTED_PARAMETER,
                       "the device signs RSA with pkcs1, pss or none padding");
        return false;
    }
    if (params->padding != KSSIM_PADDING_PSS)
        return true;
    EVP_MD *md = EVP_MD_fetch(ctx->base.key->public_context, name, NULL);
    int md_size = md != NULL ? EVP_MD_get_size(md) : -1;
    EVP_MD_free(md);
    if (saltlen != RSA_PSS_SALTLEN_AUTO && saltlen != RSA_PSS_SALTLEN_DIGEST && saltlen != md_size) {
        keystore_raise(base->provider, KEYSTORE_R_UNSUPPORTED_PARAMETER,
                       "the device signs PSS with a salt as long as the digest (%d bytes): set rsa_pss_saltlen to "
                       "digest",
                       md_size);
        return false;
    }
    char mgf1[64] = "";
    OSSL_PARAM query[] = {OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_DIGEST, mgf1, sizeof(mgf1)), OSSL_PARAM_END};
    EVP_PKEY_CTX_get_params(ctx->base.shadow, query);
    if (mgf1[0] != '\0' && keystore_digest_bit(ctx->base.provider, ctx->base.key->public_context, mgf1) != digest) {
        keystore_raise(base->provider, KEYSTORE_R_UNSUPPORTED_PARAMETER,
                       "the device signs PSS with MGF1 over the signing digest %s, not %s", name, mgf1);
        return false;
    }
    /* Make the shadow describe what the device signs, for the AlgorithmIdentifier. */
    if (ctx->base.purpose == KSSIM_PURPOSE_SIGN && saltlen == RSA_PSS_SALTLEN_AUTO) {
        int digest_length = RSA_PSS_SALTLEN_DIGEST;
        OSSL_PARAM set[] = {OSSL_PARAM_int(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, &digest_length), OSSL_PARAM_END};
        EVP_PKEY_CTX_set_params(ctx->base.shadow, set);
    }
    return true;
}

/* Ed25519's AlgorithmIdentifier (RFC 8410): SEQUENCE { OID 1.3.101.112 }, without parameters. */
static const unsigned char ed25519_algorithm_id[] = {0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70};

static int keystore_signature_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
    KEYSTORE_DEBUG_CALL("params=%s", keystore_debug_params(params, false));
    keystore_signature_context *ctx = vctx;
    if (!keystore_device_context_get_challenge(&ctx->base, params, KSSIM_PURPOSE_SIGN, operation_params))
        return 0;
    if (ctx->algorithm == SIGNATURE_ED25519) {
        OSSL_PARAM *p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_ALGORITHM_ID);
        return p == NULL || OSSL_PARAM_set_octet_string(p, ed25519_algorithm_id, sizeof(ed25519_algorithm_id));
    }
    if (ctx->base.shadow == NULL)
        return 1;
    if (OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_ALGORITHM_ID) != NULL &&
        ctx->base.purpose == KSSIM_PURPOSE_SIGN) {
        kssim_op_params settled;
        if (!operation_params(&ctx->base, &settled))
            return 0;
    }
    keystore_device_context_get_shadow_params(&ctx->base, params);
    return 1;
}

static const OSSL_PARAM *keystore_signature_gettable_ctx_params(void *vctx, void *provctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    (void)vctx;
    (void)provctx;
    static const OSSL_PARAM gettable[] = {SIGNATURE_GETTABLE(KEYSTORE_PARAM_DESCRIPTION) OSSL_PARAM_END};
    return gettable;
}

/* ---- Signing on the device ---- */

/* kssim_finish over input, the signature copied out. */
/* Only the operation that took the start of the message may take the rest and sign its end (a new one
 * would sign the tail alone), and only while it holds exactly what this context sent: OpenSSL copies
 * contexts, the copies share the operation (begun by the first stream, or by a query of its challenge),
 * and one copy's data must never be signed as another's. */
static bool streamed_operation_holds_this_message(keystore_signature_context *ctx)
{
    if (ctx->streamed && !keystore_device_context_has_live_operation(&ctx->base)) {
        keystore_raise_result(ctx->base.provider, KSSIM_INVALID_OPERATION_HANDLE,
                              "the message so far went to a keystore operation that has ended (it signed or was "
                              "refused): init the context again and sign the whole message");
        return false;
    }
    if (ctx->base.operation != NULL && ctx->base.operation->bytes_streamed != ctx->streamed_bytes) {
        keystore_raise_result(ctx->base.provider, KSSIM_INVALID_OPERATION_HANDLE,
                              "this signature context was copied in the middle of a long message, and another copy "
                              "has sent more of its own message to the keystore operation they share since: init "
                              "the context again and sign the whole message");
        return false;
    }
    return true;
}

static int sign_on_device(keystore_signature_context *ctx, unsigned char *sig, size_t *siglen, size_t sigsize,
                          const unsigned char *input, size_t input_len)
{
    if (!streamed_operation_holds_this_message(ctx))
        return 0;
    return keystore_device_context_finish(&ctx->base, operation_params, input, input_len, sig, siglen, sigsize,
                                          "signature");
}

static size_t signature_size(const keystore_signature_context *ctx)
{
    return (size_t)EVP_PKEY_get_size(ctx->base.key->public_key);
}

/* RSA PKCS#1 v1.5 over a precomputed digest signs its DigestInfo; the device, with digest none, pads
 * whatever it is given (KeyMint's NONEwithRSA), so the DigestInfo is built here. */
static bool digest_info(keystore_signature_context *ctx, const unsigned char *digest, size_t digest_len,
                        unsigned char **out, size_t *out_len)
{
    char name[64];
    EVP_MD *md = EVP_MD_fetch(ctx->base.key->public_context, shadow_digest(ctx, name, sizeof(name)), NULL);
    int nid = md != NULL ? EVP_MD_get_type(md) : NID_undef;
    int md_size = md != NULL ? EVP_MD_get_size(md) : -1;
    EVP_MD_free(md);
    if (nid == NID_undef || (size_t)md_size != digest_len) {
        keystore_raise(ctx->base.provider, KEYSTORE_R_UNSUPPORTED_PARAMETER, "the input is %zu bytes, not a %s digest",
                       digest_len, name);
        return false;
    }
    X509_SIG *sig = X509_SIG_new();
    X509_ALGOR *algorithm = NULL;
    ASN1_OCTET_STRING *octets = NULL;
    unsigned char *der = NULL;
    int len = -1;
    if (sig != NULL) {
        X509_SIG_getm(sig, &algorithm, &octets);
        if (X509_ALGOR_set0(algorithm, OBJ_nid2obj(nid), V_ASN1_NULL, NULL) &&
            ASN1_OCTET_STRING_set(octets, digest, (int)digest_len))
            len = i2d_X509_SIG(sig, &der);
    }
    X509_SIG_free(sig);
    if (len <= 0) {
        keystore_raise(ctx->base.provider, KEYSTORE_R_OPENSSL_FAILURE, "cannot encode the DigestInfo");
        return false;
    }
    *out = der;
    *out_len = (size_t)len;
    return true;
}

static int keystore_signature_sign(void *vctx, unsigned char *sig, size_t *siglen, size_t sigsize,
                                   const unsigned char *tbs, size_t tbslen)
{
    KEYSTORE_DEBUG_CALL("sigsize=%zu, tbslen=%zu", sigsize, tbslen);
    keystore_signature_context *ctx = vctx;
    if (sig == NULL) {
        *siglen = signature_size(ctx);
        return 1;
    }
    kssim_op_params params;
    if (!operation_params(&ctx->base, &params))
        return 0;
    char name[64];
    if (params.padding == KSSIM_PADDING_PKCS1 && shadow_digest(ctx, name, sizeof(name))[0] != '\0') {
        unsigned char *info = NULL;
        size_t info_len = 0;
        if (!digest_info(ctx, tbs, tbslen, &info, &info_len))
            return 0;
        int ok = sign_on_device(ctx, sig, siglen, sigsize, info, info_len);
        OPENSSL_free(info);
        return ok;
    }
    return sign_on_device(ctx, sig, siglen, sigsize, tbs, tbslen);
}

/* A per-operation key's operation refuses every update until the user authenticated with its challenge,
 * and the final call is repeated after that (the two-phase flow): its message must stay in the context. */
static bool keeps_whole_message(const keystore_signature_context *ctx)
{
    const kssim_key_spec *spec = &ctx->base.key->spec;
    return spec->user_auth && spec->auth_timeout_s == 0;
}

/* Digest-sign of other keys sends the message to the device as it comes, a chunk at a time: the device
 * hashes it (KeyMint's digesting signers keep no input), so neither side holds more than a chunk and the
 * message has no size limit. Ed25519 signs the whole message at once and has no update. */
static bool streams_to_device(const keystore_signature_context *ctx)
{
    return ctx->digest_mode && ctx->base.purpose == KSSIM_PURPOSE_SIGN && ctx->algorithm != SIGNATURE_ED25519 &&
           !keeps_whole_message(ctx);
}

static int append(keystore_signature_context *ctx, const unsigned char *data, size_t len)
{
    if (len == 0)
        return 1;
    if (len > KSSIM_OPERATION_INPUT_MAX - ctx->data_len) {
        if (ctx->algorithm == SIGNATURE_ED25519)
            keystore_raise_result(ctx->base.provider, KSSIM_INVALID_ARGUMENT,
                                  "Ed25519 signs the whole message at once, so the context keeps it until the final "
                                  "call, and it may be at most 16777216 bytes (KSSIM_OPERATION_INPUT_MAX): sign a "
                                  "digest of the data instead, or use an ECDSA or RSA key, whose messages stream");
        else
            keystore_raise_result(ctx->base.provider, KSSIM_INVALID_ARGUMENT,
                                  "a per-operation key's message is kept in the context until the user has "
                                  "authenticated (the two-phase flow), and it may be at most 16777216 bytes "
                                  "(KSSIM_OPERATION_INPUT_MAX): sign a digest of the data (pkeyutl -sign without "
                                  "-rawin), or use a key with an authentication window (-pkeyopt auth-timeout:N)");
        return 0;
    }
    if (ctx->data_len + len > ctx->data_capacity) {
        size_t capacity = ctx->data_capacity == 0 ? 1024 : ctx->data_capacity;
        while (capacity < ctx->data_len + len)
            capacity *= 2;
        unsigned char *grown = realloc(ctx->data, capacity);
        if (grown == NULL) {
            keystore_raise_result(ctx->base.provider, KSSIM_SYSTEM_ERROR, "out of memory keeping the data to sign");
            return 0;
        }
        ctx->data = grown;
        ctx->data_capacity = capacity;
    }
    memcpy(ctx->data + ctx->data_len, data, len);
    ctx->data_len += len;
    return 1;
}

/* Sends what the context kept, then data, to the operation (begun now if it has not been). */
static int stream(keystore_signature_context *ctx, const unsigned char *data, size_t len)
{
    if (!streamed_operation_holds_this_message(ctx) || !keystore_device_context_begin(&ctx->base, operation_params))
        return 0;
    ctx->streamed = true;
    kssim_result r = keystore_operation_update(ctx->base.operation, ctx->data, ctx->data_len, data, len);
    OPENSSL_cleanse(ctx->data, ctx->data_len);
    if (r == KSSIM_OK)
        ctx->streamed_bytes += (uint64_t)ctx->data_len + len;
    ctx->data_len = 0;
    return r == KSSIM_OK;
}

static int keystore_signature_digest_sign_update(void *vctx, const unsigned char *data, size_t datalen)
{
    KEYSTORE_DEBUG_CALL("datalen=%zu", datalen);
    keystore_signature_context *ctx = vctx;
    if (streams_to_device(ctx) && ctx->data_len + datalen >= STREAM_CHUNK)
        return stream(ctx, data, datalen);
    return append(ctx, data, datalen);
}

static int keystore_signature_digest_sign_final(void *vctx, unsigned char *sig, size_t *siglen, size_t sigsize)
{
    KEYSTORE_DEBUG_CALL("sigsize=%zu", sigsize);
    keystore_signature_context *ctx = vctx;
    if (sig == NULL) {
        *siglen = signature_size(ctx);
        return 1;
    }
    return sign_on_device(ctx, sig, siglen, sigsize, ctx->data, ctx->data_len);
}

/* One-shot: the message is tbs alone, so a repeated call after an authentication signs the same. */
static int keystore_signature_digest_sign(void *vctx, unsigned char *sig, size_t *siglen, size_t sigsize,
                                          const unsigned char *tbs, size_t tbslen)
{
    KEYSTORE_DEBUG_CALL("sigsize=%zu, tbslen=%zu", sigsize, tbslen);
    keystore_signature_context *ctx = vctx;
    if (sig == NULL) {
        *siglen = signature_size(ctx);
        return 1;
    }
    return sign_on_device(ctx, sig, siglen, sigsize, tbs, tbslen);
}

/* ---- Verifying with the public half ---- */

static int keystore_signature_verify(void *vctx, const unsigned char *sig, size_t siglen, const unsigned char *tbs,
                                     size_t tbslen)
{
    KEYSTORE_DEBUG_CALL("siglen=%zu, tbslen=%zu", siglen, tbslen);
    keystore_signature_context *ctx = vctx;
    if (ctx->base.shadow == NULL)
        return 0;
    /* A mismatch is an answer, not an error: the caller reports it, so no error is left behind. */
    ERR_set_mark();
    int result = EVP_PKEY_verify(ctx->base.shadow, sig, siglen, tbs, tbslen);
    ERR_pop_to_mark();
    return result == 1;
}

static int keystore_signature_digest_verify_update(void *vctx, const unsigned char *data, size_t datalen)
{
    KEYSTORE_DEBUG_CALL("datalen=%zu", datalen);
    keystore_signature_context *ctx = vctx;
    return ctx->verify_md != NULL && EVP_DigestUpdate(ctx->verify_md, data, datalen) == 1;
}

static int keystore_signature_digest_verify_final(void *vctx, const unsigned char *sig, size_t siglen)
{
    KEYSTORE_DEBUG_CALL("siglen=%zu", siglen);
    keystore_signature_context *ctx = vctx;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    if (ctx->verify_md == NULL || EVP_DigestFinal_ex(ctx->verify_md, digest, &digest_len) != 1)
        return 0;
    return keystore_signature_verify(ctx, sig, siglen, digest, digest_len);
}

static int keystore_signature_digest_verify(void *vctx, const unsigned char *sig, size_t siglen,
                                            const unsigned char *tbs, size_t tbslen)
{
    KEYSTORE_DEBUG_CALL("siglen=%zu, tbslen=%zu", siglen, tbslen);
    keystore_signature_context *ctx = vctx;
    if (ctx->algorithm != SIGNATURE_ED25519)
        return keystore_signature_digest_verify_update(ctx, tbs, tbslen) &&
               keystore_signature_digest_verify_final(ctx, sig, siglen);
    ERR_set_mark();
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    int result = mctx != NULL && EVP_DigestVerifyInit_ex(mctx, NULL, NULL, ctx->base.key->public_context, NULL,
                                                         ctx->base.key->public_key, NULL) == 1
                     ? EVP_DigestVerify(mctx, sig, siglen, tbs, tbslen)
                     : 0;
    EVP_MD_CTX_free(mctx);
    ERR_pop_to_mark();
    return result == 1;
}

/* ---- Dispatch tables ---- */

/* clang-format off */
#define SIGNATURE_COMMON_FUNCTIONS                                                                     \
    {OSSL_FUNC_SIGNATURE_FREECTX, (void (*)(void))keystore_signature_freectx},                         \
    {OSSL_FUNC_SIGNATURE_DUPCTX, (void (*)(void))keystore_signature_dupctx},                           \
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT, (void (*)(void))keystore_signature_digest_sign_init},       \
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN, (void (*)(void))keystore_signature_digest_sign},                 \
    {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_INIT, (void (*)(void))keystore_signature_digest_verify_init},   \
    {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY, (void (*)(void))keystore_signature_digest_verify},             \
    {OSSL_FUNC_SIGNATURE_GET_CTX_PARAMS, (void (*)(void))keystore_signature_get_ctx_params},           \
    {OSSL_FUNC_SIGNATURE_GETTABLE_CTX_PARAMS, (void (*)(void))keystore_signature_gettable_ctx_params}, \
    {OSSL_FUNC_SIGNATURE_SET_CTX_PARAMS, (void (*)(void))keystore_signature_set_ctx_params}
/* clang-format on */

/* clang-format off */
#define SIGNATURE_STREAMING_FUNCTIONS                                                                    \
    {OSSL_FUNC_SIGNATURE_SIGN_INIT, (void (*)(void))keystore_signature_sign_init},                       \
    {OSSL_FUNC_SIGNATURE_SIGN, (void (*)(void))keystore_signature_sign},                                 \
    {OSSL_FUNC_SIGNATURE_VERIFY_INIT, (void (*)(void))keystore_signature_verify_init},                   \
    {OSSL_FUNC_SIGNATURE_VERIFY, (void (*)(void))keystore_signature_verify},                             \
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_UPDATE, (void (*)(void))keystore_signature_digest_sign_update},     \
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_FINAL, (void (*)(void))keystore_signature_digest_sign_final},       \
    {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_UPDATE, (void (*)(void))keystore_signature_digest_verify_update}, \
    {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_FINAL, (void (*)(void))keystore_signature_digest_verify_final}
/* clang-format on */

/* clang-format off */
const OSSL_DISPATCH keystore_signature_ecdsa_functions[] = {
    {OSSL_FUNC_SIGNATURE_NEWCTX, (void (*)(void))keystore_signature_ecdsa_newctx},
    {OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS, (void (*)(void))keystore_signature_ecdsa_settable_ctx_params},
    SIGNATURE_COMMON_FUNCTIONS,
    SIGNATURE_STREAMING_FUNCTIONS,
    {0, NULL},
};
/* clang-format on */

/* clang-format off */
const OSSL_DISPATCH keystore_signature_rsa_functions[] = {
    {OSSL_FUNC_SIGNATURE_NEWCTX, (void (*)(void))keystore_signature_rsa_newctx},
    {OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS, (void (*)(void))keystore_signature_rsa_settable_ctx_params},
    SIGNATURE_COMMON_FUNCTIONS,
    SIGNATURE_STREAMING_FUNCTIONS,
    {0, NULL},
};
/* clang-format on */

/* Ed25519 signs the whole message at once: no update or final, no plain sign (as in OpenSSL). */
/* clang-format off */
const OSSL_DISPATCH keystore_signature_ed25519_functions[] = {
    {OSSL_FUNC_SIGNATURE_NEWCTX, (void (*)(void))keystore_signature_ed25519_newctx},
    {OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS, (void (*)(void))keystore_signature_ed25519_settable_ctx_params},
    SIGNATURE_COMMON_FUNCTIONS,
    {0, NULL},
};
/* clang-format on */
