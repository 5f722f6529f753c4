/*
 * keymgmt_rsa.c - the key managers for RSA keys on the device: "RSA" (PKCS#1 v1.5 and PSS signing,
 * OAEP decryption when generated with purpose decrypt) and "RSA-PSS" (a key that may only sign with
 * PSS). What is particular to RSA is the modulus size (bits) and the public exponent, which KeyMint
 * fixes at 65537 here.
 */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include "keystore_provider.h"

/* The entry points in this file's dispatch tables, typed as core_dispatch.h declares them, so that a
 * definition whose signature differs from OpenSSL's fails to compile. */
static OSSL_FUNC_keymgmt_gen_set_params_fn keystore_keymgmt_rsa_gen_set_params;
static OSSL_FUNC_keymgmt_gen_settable_params_fn keystore_keymgmt_rsa_gen_settable_params;
static OSSL_FUNC_keymgmt_import_types_fn keystore_keymgmt_rsa_public_types;
static OSSL_FUNC_keymgmt_new_fn keystore_keymgmt_rsa_new;
static OSSL_FUNC_keymgmt_gen_init_fn keystore_keymgmt_rsa_gen_init;
static OSSL_FUNC_keymgmt_gettable_params_fn keystore_keymgmt_rsa_gettable_params;
static OSSL_FUNC_keymgmt_new_fn keystore_keymgmt_rsa_pss_new;
static OSSL_FUNC_keymgmt_gen_init_fn keystore_keymgmt_rsa_pss_gen_init;
static OSSL_FUNC_keymgmt_gettable_params_fn keystore_keymgmt_rsa_pss_gettable_params;

static void *keystore_keymgmt_rsa_new(void *provctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    return keystore_key_new(provctx, "RSA");
}

static void *keystore_keymgmt_rsa_pss_new(void *provctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    return keystore_key_new(provctx, "RSA-PSS");
}

static int keystore_keymgmt_rsa_gen_set_params(void *genctx, const OSSL_PARAM params[])
{
    KEYSTORE_DEBUG_CALL("params=%s", keystore_debug_params(params, true));
    keystore_generation *generation = genctx;
    const OSSL_PARAM *p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_BITS);
    if (p != NULL && !OSSL_PARAM_get_uint32(p, &generation->spec.size)) {
        keystore_raise(generation->provider, KEYSTORE_R_UNSUPPORTED_PARAMETER,
                       "bits must be a number, such as 2048, 3072 or 4096");
        return 0;
    }
    p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_PRIMES);
    size_t primes = 2;
    if (p != NULL && (!OSSL_PARAM_get_size_t(p, &primes) || primes != 2)) {
        keystore_raise(generation->provider, KEYSTORE_R_UNSUPPORTED_PARAMETER,
                       "the device makes two-prime RSA keys only");
        return 0;
    }
    p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_E);
    if (p != NULL) {
        BIGNUM *e = NULL;
        int f4 = OSSL_PARAM_get_BN(p, &e) && BN_is_word(e, RSA_F4);
        BN_free(e);
        if (!f4) {
            keystore_raise(generation->provider, KEYSTORE_R_UNSUPPORTED_PARAMETER,
                           "the device makes RSA keys with the exponent 65537 only");
            return 0;
        }
    }
    return keystore_generation_set_policy_params(generation, params);
}

static const OSSL_PARAM *keystore_keymgmt_rsa_gen_settable_params(void *genctx, void *provctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    (void)genctx;
    (void)provctx;
    static const OSSL_PARAM settable[] = {
        OSSL_PARAM_size_t(OSSL_PKEY_PARAM_RSA_BITS, NULL),
        OSSL_PARAM_size_t(OSSL_PKEY_PARAM_RSA_PRIMES, NULL),
        OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0),
        KEYSTORE_POLICY_SETTABLE_PARAMS,
        OSSL_PARAM_END,
    };
    return settable;
}

static void *generation_init(void *provctx, const char *type_name, int selection, const OSSL_PARAM params[])
{
    if ((selection & OSSL_KEYMGMT_SELECT_KEYPAIR) == 0) {
        keystore_raise(provctx, KEYSTORE_R_UNSUPPORTED_PARAMETER, "RSA has no domain parameters to generate");
        return NULL;
    }
    keystore_generation *generation = keystore_generation_new(provctx, type_name, KSSIM_ALGORITHM_RSA);
    if (generation != NULL && !keystore_keymgmt_rsa_gen_set_params(generation, params)) {
        keystore_generation_free(generation);
        return NULL;
    }
    return generation;
}

static void *keystore_keymgmt_rsa_gen_init(void *provctx, int selection, const OSSL_PARAM params[])
{
    KEYSTORE_DEBUG_CALL("selection=%d, params=%s", selection, keystore_debug_params(params, true));
    return generation_init(provctx, "RSA", selection, params);
}

static void *keystore_keymgmt_rsa_pss_gen_init(void *provctx, int selection, const OSSL_PARAM params[])
{
    KEYSTORE_DEBUG_CALL("selection=%d, params=%s", selection, keystore_debug_params(params, true));
    return generation_init(provctx, "RSA-PSS", selection, params);
}

static const OSSL_PARAM *keystore_keymgmt_rsa_gettable_params(void *provctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    return keystore_keymgmt_gettable_params_of(provctx, "RSA");
}

static const OSSL_PARAM *keystore_keymgmt_rsa_pss_gettable_params(void *provctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    return keystore_keymgmt_gettable_params_of(provctx, "RSA-PSS");
}

static const OSSL_PARAM *keystore_keymgmt_rsa_public_types(int selection)
{
    KEYSTORE_DEBUG_CALL("selection=%d", selection);
    (void)selection;
    static const OSSL_PARAM types[] = {
        OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_N, NULL, 0),
        OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0),
        OSSL_PARAM_END,
    };
    return types;
}

static const char *keystore_keymgmt_rsa_query_operation_name(int operation_id)
{
    KEYSTORE_DEBUG_CALL("operation_id=%d", operation_id);
    /* The provider's own name (provider.c), so that libcrypto never fetches the default provider's. */
    return operation_id == OSSL_OP_SIGNATURE || operation_id == OSSL_OP_ASYM_CIPHER ? KEYSTORE_OPERATION_RSA : NULL;
}

/* clang-format off */
#define RSA_KEYMGMT_COMMON_FUNCTIONS                                                                    \
    {OSSL_FUNC_KEYMGMT_FREE, (void (*)(void))keystore_keymgmt_free},                                    \
    {OSSL_FUNC_KEYMGMT_DUP, (void (*)(void))keystore_keymgmt_dup},                                      \
    {OSSL_FUNC_KEYMGMT_GEN_SET_PARAMS, (void (*)(void))keystore_keymgmt_rsa_gen_set_params},            \
    {OSSL_FUNC_KEYMGMT_GEN_SETTABLE_PARAMS, (void (*)(void))keystore_keymgmt_rsa_gen_settable_params},  \
    {OSSL_FUNC_KEYMGMT_GEN, (void (*)(void))keystore_keymgmt_gen},                                      \
    {OSSL_FUNC_KEYMGMT_GEN_CLEANUP, (void (*)(void))keystore_keymgmt_gen_cleanup},                      \
    {OSSL_FUNC_KEYMGMT_LOAD, (void (*)(void))keystore_keymgmt_load},                                    \
    {OSSL_FUNC_KEYMGMT_GET_PARAMS, (void (*)(void))keystore_keymgmt_get_params},                        \
    {OSSL_FUNC_KEYMGMT_HAS, (void (*)(void))keystore_keymgmt_has},                                      \
    {OSSL_FUNC_KEYMGMT_MATCH, (void (*)(void))keystore_keymgmt_match},                                  \
    {OSSL_FUNC_KEYMGMT_IMPORT, (void (*)(void))keystore_keymgmt_import},                                \
    {OSSL_FUNC_KEYMGMT_IMPORT_TYPES, (void (*)(void))keystore_keymgmt_rsa_public_types},                \
    {OSSL_FUNC_KEYMGMT_EXPORT, (void (*)(void))keystore_keymgmt_export},                                \
    {OSSL_FUNC_KEYMGMT_EXPORT_TYPES, (void (*)(void))keystore_keymgmt_rsa_public_types},                \
    {OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME, (void (*)(void))keystore_keymgmt_rsa_query_operation_name}
/* clang-format on */

/* clang-format off */
const OSSL_DISPATCH keystore_keymgmt_rsa_functions[] = {
    {OSSL_FUNC_KEYMGMT_NEW, (void (*)(void))keystore_keymgmt_rsa_new},
    {OSSL_FUNC_KEYMGMT_GEN_INIT, (void (*)(void))keystore_keymgmt_rsa_gen_init},
    {OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS, (void (*)(void))keystore_keymgmt_rsa_gettable_params},
    RSA_KEYMGMT_COMMON_FUNCTIONS,
    {0, NULL},
};
/* clang-format on */

/* clang-format off */
const OSSL_DISPATCH keystore_keymgmt_rsa_pss_functions[] = {
    {OSSL_FUNC_KEYMGMT_NEW, (void (*)(void))keystore_keymgmt_rsa_pss_new},
    {OSSL_FUNC_KEYMGMT_GEN_INIT, (void (*)(void))keystore_keymgmt_rsa_pss_gen_init},
    {OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS, (void (*)(void))keystore_keymgmt_rsa_pss_gettable_params},
    RSA_KEYMGMT_COMMON_FUNCTIONS,
    {0, NULL},
};
/* clang-format on */
