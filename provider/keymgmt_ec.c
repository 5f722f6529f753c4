/*
 * keymgmt_ec.c - the key manager for EC keys on the device (OpenSSL's "EC", signing with "ECDSA"):
 * what is particular to EC is the curve to generate on, given as OpenSSL's group parameter and turned
 * into the key size KeyGenParameterSpec takes (P-224, P-256, P-384, P-521).
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "keystore_provider.h"

/* The entry points in this file's dispatch tables, typed as core_dispatch.h declares them, so that a
 * definition whose signature differs from OpenSSL's fails to compile. */
static OSSL_FUNC_keymgmt_new_fn keystore_keymgmt_ec_new;
static OSSL_FUNC_keymgmt_gen_init_fn keystore_keymgmt_ec_gen_init;
static OSSL_FUNC_keymgmt_gen_set_params_fn keystore_keymgmt_ec_gen_set_params;
static OSSL_FUNC_keymgmt_gen_settable_params_fn keystore_keymgmt_ec_gen_settable_params;
static OSSL_FUNC_keymgmt_gettable_params_fn keystore_keymgmt_ec_gettable_params;
static OSSL_FUNC_keymgmt_import_types_fn keystore_keymgmt_ec_public_types;
static OSSL_FUNC_keymgmt_query_operation_name_fn keystore_keymgmt_ec_query_operation_name;

#define EC_TYPE "EC"

static void *keystore_keymgmt_ec_new(void *provctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    return keystore_key_new(provctx, EC_TYPE);
}

static int keystore_keymgmt_ec_gen_set_params(void *genctx, const OSSL_PARAM params[])
{
    KEYSTORE_DEBUG_CALL("params=%s", keystore_debug_params(params, true));
    keystore_generation *generation = genctx;
    const OSSL_PARAM *p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_GROUP_NAME);
    if (p != NULL) {
        const char *name = NULL;
        uint32_t size = OSSL_PARAM_get_utf8_string_ptr(p, &name) ? kssim_ec_curve_size(name) : 0;
        if (size == 0) {
            keystore_raise(generation->provider, KEYSTORE_R_UNSUPPORTED_PARAMETER,
                           "the device makes EC keys on P-224, P-256, P-384 or P-521, not on %s",
                           name != NULL ? name : "that group");
            return 0;
        }
        generation->spec.size = size;
    }
    return keystore_generation_set_policy_params(generation, params);
}

static const OSSL_PARAM *keystore_keymgmt_ec_gen_settable_params(void *genctx, void *provctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    (void)genctx;
    (void)provctx;
    static const OSSL_PARAM settable[] = {
        OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
        KEYSTORE_POLICY_SETTABLE_PARAMS,
        OSSL_PARAM_END,
    };
    return settable;
}

static void *keystore_keymgmt_ec_gen_init(void *provctx, int selection, const OSSL_PARAM params[])
{
    KEYSTORE_DEBUG_CALL("selection=%d, params=%s", selection, keystore_debug_params(params, true));
    if ((selection & OSSL_KEYMGMT_SELECT_KEYPAIR) == 0) {
        keystore_raise(provctx, KEYSTORE_R_UNSUPPORTED_PARAMETER,
                       "the device generates key pairs, not domain parameters alone: generate a key");
        return NULL;
    }
    keystore_generation *generation = keystore_generation_new(provctx, EC_TYPE, KSSIM_ALGORITHM_EC);
    if (generation != NULL && !keystore_keymgmt_ec_gen_set_params(generation, params)) {
        keystore_generation_free(generation);
        return NULL;
    }
    return generation;
}

static const OSSL_PARAM *keystore_keymgmt_ec_gettable_params(void *provctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    return keystore_keymgmt_gettable_params_of(provctx, EC_TYPE);
}

static const OSSL_PARAM ec_public_types[] = {
    OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
    OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_EC_ENCODING, NULL, 0),
    OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, NULL, 0),
    OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0),
    OSSL_PARAM_END,
};

static const OSSL_PARAM *keystore_keymgmt_ec_public_types(int selection)
{
    KEYSTORE_DEBUG_CALL("selection=%d", selection);
    (void)selection;
    return ec_public_types;
}

static const char *keystore_keymgmt_ec_query_operation_name(int operation_id)
{
    KEYSTORE_DEBUG_CALL("operation_id=%d", operation_id);
    /* The provider's own names (provider.c), so that libcrypto never fetches the default provider's. */
    return operation_id == OSSL_OP_SIGNATURE ? KEYSTORE_OPERATION_ECDSA
           : operation_id == OSSL_OP_KEYEXCH ? KEYSTORE_OPERATION_ECDH
                                             : NULL;
}

/* clang-format off */
const OSSL_DISPATCH keystore_keymgmt_ec_functions[] = {
    {OSSL_FUNC_KEYMGMT_NEW, (void (*)(void))keystore_keymgmt_ec_new},
    {OSSL_FUNC_KEYMGMT_FREE, (void (*)(void))keystore_keymgmt_free},
    {OSSL_FUNC_KEYMGMT_DUP, (void (*)(void))keystore_keymgmt_dup},
    {OSSL_FUNC_KEYMGMT_GEN_INIT, (void (*)(void))keystore_keymgmt_ec_gen_init},
    {OSSL_FUNC_KEYMGMT_GEN_SET_PARAMS, (void (*)(void))keystore_keymgmt_ec_gen_set_params},
    {OSSL_FUNC_KEYMGMT_GEN_SETTABLE_PARAMS, (void (*)(void))keystore_keymgmt_ec_gen_settable_params},
    {OSSL_FUNC_KEYMGMT_GEN, (void (*)(void))keystore_keymgmt_gen},
    {OSSL_FUNC_KEYMGMT_GEN_CLEANUP, (void (*)(void))keystore_keymgmt_gen_cleanup},
    {OSSL_FUNC_KEYMGMT_LOAD, (void (*)(void))keystore_keymgmt_load},
    {OSSL_FUNC_KEYMGMT_GET_PARAMS, (void (*)(void))keystore_keymgmt_get_params},
    {OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS, (void (*)(void))keystore_keymgmt_ec_gettable_params},
    {OSSL_FUNC_KEYMGMT_HAS, (void (*)(void))keystore_keymgmt_has},
    {OSSL_FUNC_KEYMGMT_MATCH, (void (*)(void))keystore_keymgmt_match},
    {OSSL_FUNC_KEYMGMT_IMPORT, (void (*)(void))keystore_keymgmt_import},
    {OSSL_FUNC_KEYMGMT_IMPORT_TYPES, (void (*)(void))keystore_keymgmt_ec_public_types},
    {OSSL_FUNC_KEYMGMT_EXPORT, (void (*)(void))keystore_keymgmt_export},
    {OSSL_FUNC_KEYMGMT_EXPORT_TYPES, (void (*)(void))keystore_keymgmt_ec_public_types},
    {OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME, (void (*)(void))keystore_keymgmt_ec_query_operation_name},
    {0, NULL},
};
/* clang-format on */
