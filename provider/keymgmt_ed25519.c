/*
 * keymgmt_ed25519.c - the key manager for Ed25519 keys on the device (KeyMint's EC keys on curve 25519
 * with purpose sign; OpenSSL's "ED25519"). Ed25519 has one size and no parameters of its own: only the
 * shared policy parameters apply.
 */
#include <openssl/core_names.h>
#include <openssl/params.h>

#include "keystore_provider.h"

/* The entry points in this file's dispatch tables, typed as core_dispatch.h declares them, so that a
 * definition whose signature differs from OpenSSL's fails to compile. */
static OSSL_FUNC_keymgmt_new_fn keystore_keymgmt_ed25519_new;
static OSSL_FUNC_keymgmt_gen_init_fn keystore_keymgmt_ed25519_gen_init;
static OSSL_FUNC_keymgmt_gen_settable_params_fn keystore_keymgmt_ed25519_gen_settable_params;
static OSSL_FUNC_keymgmt_gettable_params_fn keystore_keymgmt_ed25519_gettable_params;
static OSSL_FUNC_keymgmt_import_types_fn keystore_keymgmt_ed25519_public_types;
static OSSL_FUNC_keymgmt_query_operation_name_fn keystore_keymgmt_ed25519_query_operation_name;

#define ED25519_TYPE "ED25519"

static void *keystore_keymgmt_ed25519_new(void *provctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    return keystore_key_new(provctx, ED25519_TYPE);
}

static void *keystore_keymgmt_ed25519_gen_init(void *provctx, int selection, const OSSL_PARAM params[])
{
    KEYSTORE_DEBUG_CALL("selection=%d, params=%s", selection, keystore_debug_params(params, true));
    if ((selection & OSSL_KEYMGMT_SELECT_KEYPAIR) == 0) {
        keystore_raise(provctx, KEYSTORE_R_UNSUPPORTED_PARAMETER, "Ed25519 has no domain parameters to generate");
        return NULL;
    }
    keystore_generation *generation = keystore_generation_new(provctx, ED25519_TYPE, KSSIM_ALGORITHM_ED25519);
    if (generation != NULL && !keystore_generation_set_policy_params(generation, params)) {
        keystore_generation_free(generation);
        return NULL;
    }
    return generation;
}

static const OSSL_PARAM *keystore_keymgmt_ed25519_gen_settable_params(void *genctx, void *provctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    (void)genctx;
    (void)provctx;
    static const OSSL_PARAM settable[] = {
        KEYSTORE_POLICY_SETTABLE_PARAMS,
        OSSL_PARAM_END,
    };
    return settable;
}

static const OSSL_PARAM *keystore_keymgmt_ed25519_gettable_params(void *provctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    return keystore_keymgmt_gettable_params_of(provctx, ED25519_TYPE);
}

static const OSSL_PARAM *keystore_keymgmt_ed25519_public_types(int selection)
{
    KEYSTORE_DEBUG_CALL("selection=%d", selection);
    (void)selection;
    static const OSSL_PARAM types[] = {
        OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0),
        OSSL_PARAM_END,
    };
    return types;
}

static const char *keystore_keymgmt_ed25519_query_operation_name(int operation_id)
{
    KEYSTORE_DEBUG_CALL("operation_id=%d", operation_id);
    /* The provider's own name (provider.c), so that libcrypto never fetches the default provider's. */
    return operation_id == OSSL_OP_SIGNATURE ? KEYSTORE_OPERATION_ED25519 : NULL;
}

/* clang-format off */
const OSSL_DISPATCH keystore_keymgmt_ed25519_functions[] = {
    {OSSL_FUNC_KEYMGMT_NEW, (void (*)(void))keystore_keymgmt_ed25519_new},
    {OSSL_FUNC_KEYMGMT_FREE, (void (*)(void))keystore_keymgmt_free},
    {OSSL_FUNC_KEYMGMT_DUP, (void (*)(void))keystore_keymgmt_dup},
    {OSSL_FUNC_KEYMGMT_GEN_INIT, (void (*)(void))keystore_keymgmt_ed25519_gen_init},
    {OSSL_FUNC_KEYMGMT_GEN_SET_PARAMS, (void (*)(void))keystore_keymgmt_gen_set_policy_params},
    {OSSL_FUNC_KEYMGMT_GEN_SETTABLE_PARAMS, (void (*)(void))keystore_keymgmt_ed25519_gen_settable_params},
    {OSSL_FUNC_KEYMGMT_GEN, (void (*)(void))keystore_keymgmt_gen},
    {OSSL_FUNC_KEYMGMT_GEN_CLEANUP, (void (*)(void))keystore_keymgmt_gen_cleanup},
    {OSSL_FUNC_KEYMGMT_LOAD, (void (*)(void))keystore_keymgmt_load},
    {OSSL_FUNC_KEYMGMT_GET_PARAMS, (void (*)(void))keystore_keymgmt_get_params},
    {OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS, (void (*)(void))keystore_keymgmt_ed25519_gettable_params},
    {OSSL_FUNC_KEYMGMT_HAS, (void (*)(void))keystore_keymgmt_has},
    {OSSL_FUNC_KEYMGMT_MATCH, (void (*)(void))keystore_keymgmt_match},
    {OSSL_FUNC_KEYMGMT_IMPORT, (void (*)(void))keystore_keymgmt_import},
    {OSSL_FUNC_KEYMGMT_IMPORT_TYPES, (void (*)(void))keystore_keymgmt_ed25519_public_types},
    {OSSL_FUNC_KEYMGMT_EXPORT, (void (*)(void))keystore_keymgmt_export},
    {OSSL_FUNC_KEYMGMT_EXPORT_TYPES, (void (*)(void))keystore_keymgmt_ed25519_public_types},
    {OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME, (void (*)(void))keystore_keymgmt_ed25519_query_operation_name},
    {0, NULL},
};
/* clang-format on */
