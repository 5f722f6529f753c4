/*
 * provider.c - the entry point of the OpenSSL 3 provider `keystore` (build/keystore.so): its algorithm
 * tables, its parameters and its reason strings.
 *
 * Nothing touches the device here: OSSL_provider_init only reads the `device` configuration parameter
 * and creates the provider's own library context, so `openssl list -providers` stays cheap. OpenSSL's
 * default provider is loaded in that context at the first key (keystore_public_ready), and the device is
 * opened at the first call that needs it (device_session.c).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include "keystore_provider.h"
#include "kssim_version.h"

/* The entry points in this file's dispatch tables, typed as core_dispatch.h declares them, so that a
 * definition whose signature differs from OpenSSL's fails to compile. */
static OSSL_FUNC_provider_teardown_fn keystore_teardown;
static OSSL_FUNC_provider_gettable_params_fn keystore_gettable_params;
static OSSL_FUNC_provider_get_params_fn keystore_get_params;
static OSSL_FUNC_provider_query_operation_fn keystore_query_operation;
static OSSL_FUNC_provider_get_reason_strings_fn keystore_get_reason_strings;
static OSSL_FUNC_provider_get_capabilities_fn keystore_get_capabilities;

#define KEYSTORE_ALGORITHM(names, properties, functions)                                                               \
    {                                                                                                                  \
        names, properties, functions, NULL                                                                             \
    }
#define EC_NAMES      "EC:id-ecPublicKey:1.2.840.10045.2.1"
#define RSA_NAMES     "RSA:rsaEncryption:1.2.840.113549.1.1.1"
#define RSA_PSS_NAMES "RSA-PSS:RSASSA-PSS:1.2.840.113549.1.1.10"
#define ED25519_NAMES "ED25519:1.3.101.112"

static const OSSL_ALGORITHM keymgmt_algorithms[] = {
    KEYSTORE_ALGORITHM(EC_NAMES, KEYSTORE_PROPERTIES, keystore_keymgmt_ec_functions),
    KEYSTORE_ALGORITHM(RSA_NAMES, KEYSTORE_PROPERTIES, keystore_keymgmt_rsa_functions),
    KEYSTORE_ALGORITHM(RSA_PSS_NAMES, KEYSTORE_PROPERTIES, keystore_keymgmt_rsa_pss_functions),
    KEYSTORE_ALGORITHM(ED25519_NAMES, KEYSTORE_PROPERTIES, keystore_keymgmt_ed25519_functions),
    {NULL, NULL, NULL, NULL},
};

/* Each operation also under a name of the provider's own (KEYSTORE_OPERATION_*), which the key managers
 * give libcrypto as the operation of a device key (query_operation_name): libcrypto fetches that name
 * first, and only this provider has it, so a sign, decrypt or derive with a device key comes here even
 * when an openssl.cnf loads the default provider first. Under the common names libcrypto would fetch the
 * default provider's algorithm and copy the key there, and that public-only copy cannot sign. */
static const OSSL_ALGORITHM signature_algorithms[] = {
    KEYSTORE_ALGORITHM("ECDSA", KEYSTORE_PROPERTIES, keystore_signature_ecdsa_functions),
    KEYSTORE_ALGORITHM(RSA_NAMES, KEYSTORE_PROPERTIES, keystore_signature_rsa_functions),
    KEYSTORE_ALGORITHM(ED25519_NAMES, KEYSTORE_PROPERTIES, keystore_signature_ed25519_functions),
    KEYSTORE_ALGORITHM(KEYSTORE_OPERATION_ECDSA, KEYSTORE_PROPERTIES, keystore_signature_ecdsa_functions),
    KEYSTORE_ALGORITHM(KEYSTORE_OPERATION_RSA, KEYSTORE_PROPERTIES, keystore_signature_rsa_functions),
    KEYSTORE_ALGORITHM(KEYSTORE_OPERATION_ED25519, KEYSTORE_PROPERTIES, keystore_signature_ed25519_functions),
    {NULL, NULL, NULL, NULL},
};

static const OSSL_ALGORITHM asym_cipher_algorithms[] = {
    KEYSTORE_ALGORITHM(RSA_NAMES, KEYSTORE_PROPERTIES, keystore_asym_cipher_rsa_functions),
    KEYSTORE_ALGORITHM(KEYSTORE_OPERATION_RSA, KEYSTORE_PROPERTIES, keystore_asym_cipher_rsa_functions),
    {NULL, NULL, NULL, NULL},
};

static const OSSL_ALGORITHM keyexch_algorithms[] = {
    KEYSTORE_ALGORITHM("ECDH", KEYSTORE_PROPERTIES, keystore_keyexch_ecdh_functions),
    KEYSTORE_ALGORITHM(KEYSTORE_OPERATION_ECDH, KEYSTORE_PROPERTIES, keystore_keyexch_ecdh_functions),
    {NULL, NULL, NULL, NULL},
};

static const OSSL_ALGORITHM store_algorithms[] = {
    KEYSTORE_ALGORITHM(KEYSTORE_URI_SCHEME, KEYSTORE_PROPERTIES, keystore_store_loader_functions),
    {NULL, NULL, NULL, NULL},
};

/* OpenSSL asks for a private key as PrivateKeyInfo (PEM_write_bio_PrivateKey, genpkey) or in the
 * type-specific form (the traditional PEM), and an encoder that names no structure does not count as
 * producing the one asked for; the reference is what this provider writes for either. libcrypto tries
 * candidates from the end of the list and uses the first that fits, so the structured ones come last. */
#define REFERENCE_ENCODERS_OF(names, output, functions)                                                                \
    KEYSTORE_ALGORITHM(names, KEYSTORE_PROPERTIES ",output=" output, functions),                                       \
        KEYSTORE_ALGORITHM(names, KEYSTORE_PROPERTIES ",output=" output ",structure=type-specific", functions),        \
        KEYSTORE_ALGORITHM(names, KEYSTORE_PROPERTIES ",output=" output ",structure=PrivateKeyInfo", functions)
#define REFERENCE_ENCODERS(names)                                                                                      \
    REFERENCE_ENCODERS_OF(names, "der", keystore_encoder_reference_der_functions),                                     \
        REFERENCE_ENCODERS_OF(names, "pem", keystore_encoder_reference_pem_functions)
static const OSSL_ALGORITHM encoder_algorithms[] = {
    REFERENCE_ENCODERS(EC_NAMES),      REFERENCE_ENCODERS(RSA_NAMES), REFERENCE_ENCODERS(RSA_PSS_NAMES),
    REFERENCE_ENCODERS(ED25519_NAMES), {NULL, NULL, NULL, NULL},
};

#define DECODER_DER KEYSTORE_PROPERTIES ",input=der,structure=" KEYSTORE_REFERENCE_STRUCT
static const OSSL_ALGORITHM decoder_algorithms[] = {
    KEYSTORE_ALGORITHM("DER", KEYSTORE_PROPERTIES ",input=pem", keystore_decoder_reference_pem_functions),
    KEYSTORE_ALGORITHM(EC_NAMES, DECODER_DER, keystore_decoder_reference_ec_functions),
    KEYSTORE_ALGORITHM(RSA_NAMES, DECODER_DER, keystore_decoder_reference_rsa_functions),
    KEYSTORE_ALGORITHM(RSA_PSS_NAMES, DECODER_DER, keystore_decoder_reference_rsa_pss_functions),
    KEYSTORE_ALGORITHM(ED25519_NAMES, DECODER_DER, keystore_decoder_reference_ed25519_functions),
    {NULL, NULL, NULL, NULL},
};

static const OSSL_ALGORITHM *keystore_query_operation(void *provctx, int operation_id, int *no_cache)
{
    KEYSTORE_DEBUG_CALL("operation_id=%d", operation_id);
    (void)provctx;
    *no_cache = 0;
    switch (operation_id) {
    case OSSL_OP_KEYMGMT:
        return keymgmt_algorithms;
    case OSSL_OP_SIGNATURE:
        return signature_algorithms;
    case OSSL_OP_ASYM_CIPHER:
        return asym_cipher_algorithms;
    case OSSL_OP_KEYEXCH:
        return keyexch_algorithms;
    case OSSL_OP_STORE:
        return store_algorithms;
    case OSSL_OP_ENCODER:
        return encoder_algorithms;
    case OSSL_OP_DECODER:
        return decoder_algorithms;
    default:
        return NULL;
    }
}

/* The provider's own parameters, for `openssl list -providers -verbose`. */
enum provider_param_meaning {
    PROVIDER_ANSWERS_NAME,
    PROVIDER_ANSWERS_VERSION,
    PROVIDER_ANSWERS_BUILDINFO,
    PROVIDER_ANSWERS_STATUS,
};

/* clang-format off */
#define PROVIDER_GETTABLE(PARAM)                                          \
    PARAM(OSSL_PROV_PARAM_NAME, utf8_ptr, PROVIDER_ANSWERS_NAME)           \
    PARAM(OSSL_PROV_PARAM_VERSION, utf8_ptr, PROVIDER_ANSWERS_VERSION)     \
    PARAM(OSSL_PROV_PARAM_BUILDINFO, utf8_ptr, PROVIDER_ANSWERS_BUILDINFO) \
    PARAM(OSSL_PROV_PARAM_STATUS, int, PROVIDER_ANSWERS_STATUS)
/* clang-format on */

static const keystore_param provider_gettable[] = {PROVIDER_GETTABLE(KEYSTORE_PARAM_ENTRY)};

static const OSSL_PARAM *keystore_gettable_params(void *provctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    (void)provctx;
    static const OSSL_PARAM gettable[] = {PROVIDER_GETTABLE(KEYSTORE_PARAM_DESCRIPTION) OSSL_PARAM_END};
    return gettable;
}

static int keystore_get_params(void *provctx, OSSL_PARAM params[])
{
    KEYSTORE_DEBUG_CALL("params=%s", keystore_debug_params(params, false));
    (void)provctx;
    for (OSSL_PARAM *p = params; p != NULL && p->key != NULL; p++) {
        int ok = 1;
        switch (keystore_param_meaning(provider_gettable, KEYSTORE_PARAM_COUNT(provider_gettable), p->key)) {
        case PROVIDER_ANSWERS_NAME:
            ok = OSSL_PARAM_set_utf8_ptr(p, "kssim keystore provider");
            break;
        case PROVIDER_ANSWERS_VERSION:
            ok = OSSL_PARAM_set_utf8_ptr(p, KSSIM_VERSION_STRING);
            break;
        case PROVIDER_ANSWERS_BUILDINFO:
            ok = OSSL_PARAM_set_utf8_ptr(p, "kssim " KSSIM_VERSION_STRING ": keys on a simulated Android device");
            break;
        case PROVIDER_ANSWERS_STATUS:
            ok = OSSL_PARAM_set_int(p, 1);
            break;
        default:
            break; /* not ours to answer */
        }
        if (!ok)
            return 0;
    }
    return 1;
}

/*
 * The TLS groups of the curves device keys are on (P-256, P-384, P-521), for libssl. libssl keeps a
 * group that a provider lists only if EVP_KEYMGMT_fetch of the group's algorithm ("EC", without a
 * property query) answers with that same provider's key manager. When this provider is loaded before
 * the default provider, that fetch answers with the keystore EC key manager, so the default provider's
 * EC groups are dropped; without these entries a TLS 1.2 server then finds its ECDSA certificate's
 * curve unknown (tls1_check_cert_param) and offers no ECDSA cipher suite ("no shared cipher").
 * The device has no key agreement and keeps no ephemeral keys, so the groups are listed as unusable
 * for the key exchange itself (every TLS/DTLS version -1): they only name the curves of certificates
 * and signatures, and the exchange uses another shared group (X25519 from the default provider).
 */
typedef struct keystore_tls_group {
    const char *name;     /* the TLS name */
    const char *internal; /* OpenSSL's curve name */
    unsigned int id;      /* the TLS NamedGroup */
    unsigned int security_bits;
} keystore_tls_group;

static const keystore_tls_group tls_groups[] = {
    {"secp256r1", "prime256v1", 23, 128}, {"P-256", "prime256v1", 23, 128},    {"secp384r1", "secp384r1", 24, 192},
    {"P-384", "secp384r1", 24, 192},      {"secp521r1", "secp521r1", 25, 256}, {"P-521", "secp521r1", 25, 256},
};

static int keystore_get_capabilities(void *provctx, const char *capability, OSSL_CALLBACK *cb, void *arg)
{
    KEYSTORE_DEBUG_CALL("capability=%s", capability != NULL ? capability : "(none)");
    (void)provctx;
    /* Nothing to say about other capabilities is no failure: libssl fails SSL_CTX_new otherwise. */
    if (capability == NULL || strcasecmp(capability, "TLS-GROUP") != 0)
        return 1;
    for (size_t i = 0; i < sizeof(tls_groups) / sizeof(tls_groups[0]); i++) {
        unsigned int id = tls_groups[i].id, bits = tls_groups[i].security_bits, is_kem = 0;
        int unusable = -1;
        OSSL_PARAM params[] = {
            OSSL_PARAM_utf8_string(OSSL_CAPABILITY_TLS_GROUP_NAME, (char *)tls_groups[i].name, 0),
            OSSL_PARAM_utf8_string(OSSL_CAPABILITY_TLS_GROUP_NAME_INTERNAL, (char *)tls_groups[i].internal, 0),
            OSSL_PARAM_uint(OSSL_CAPABILITY_TLS_GROUP_ID, &id),
            OSSL_PARAM_utf8_string(OSSL_CAPABILITY_TLS_GROUP_ALG, (char *)"EC", 0),
            OSSL_PARAM_uint(OSSL_CAPABILITY_TLS_GROUP_SECURITY_BITS, &bits),
            OSSL_PARAM_uint(OSSL_CAPABILITY_TLS_GROUP_IS_KEM, &is_kem),
            OSSL_PARAM_int(OSSL_CAPABILITY_TLS_GROUP_MIN_TLS, &unusable),
            OSSL_PARAM_int(OSSL_CAPABILITY_TLS_GROUP_MAX_TLS, &unusable),
            OSSL_PARAM_int(OSSL_CAPABILITY_TLS_GROUP_MIN_DTLS, &unusable),
            OSSL_PARAM_int(OSSL_CAPABILITY_TLS_GROUP_MAX_DTLS, &unusable),
            OSSL_PARAM_END,
        };
        for (OSSL_PARAM *p = params; p->key != NULL; p++)
            if (p->data_type == OSSL_PARAM_UTF8_STRING)
                p->data_size = strlen(p->data);
        if (!cb(params, arg))
            return 0;
    }
    return 1;
}

static const OSSL_ITEM *keystore_get_reason_strings(void *provctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    (void)provctx;
    return keystore_reason_strings();
}

bool keystore_public_ready(keystore_provider *provider)
{
    if (atomic_load_explicit(&provider->public_loaded, memory_order_acquire))
        return true;
    pthread_mutex_lock(&provider->public_lock);
    if (!atomic_load_explicit(&provider->public_loaded, memory_order_relaxed)) {
        provider->public_default = OSSL_PROVIDER_load(provider->public_libctx, "default");
        if (provider->public_default != NULL)
            atomic_store_explicit(&provider->public_loaded, true, memory_order_release);
    }
    bool loaded = atomic_load_explicit(&provider->public_loaded, memory_order_relaxed);
    pthread_mutex_unlock(&provider->public_lock);
    if (!loaded)
        keystore_raise(provider, KEYSTORE_R_OPENSSL_FAILURE,
                       "cannot load OpenSSL's default provider for the public halves");
    return loaded;
}

EVP_KEYMGMT *keystore_public_keymgmt(keystore_provider *provider, int index)
{
    EVP_KEYMGMT *keymgmt = atomic_load_explicit(&provider->public_keymgmts[index], memory_order_acquire);
    if (keymgmt != NULL || !keystore_public_ready(provider))
        return keymgmt;
    pthread_mutex_lock(&provider->public_lock);
    keymgmt = atomic_load_explicit(&provider->public_keymgmts[index], memory_order_relaxed);
    if (keymgmt == NULL) {
        /* A key manager that does not fetch only leaves its type without a parameter list: its error is
         * not the error of the call that happened to ask. */
        ERR_set_mark();
        keymgmt = EVP_KEYMGMT_fetch(provider->public_libctx, keystore_type_names[index], NULL);
        ERR_pop_to_mark();
        atomic_store_explicit(&provider->public_keymgmts[index], keymgmt, memory_order_release);
    }
    pthread_mutex_unlock(&provider->public_lock);
    return keymgmt;
}

static void keystore_teardown(void *provctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    keystore_provider *provider = provctx;
    keystore_devices_close(&provider->devices);
    for (int i = 0; i < 4; i++) {
        EVP_KEYMGMT_free(atomic_load(&provider->public_keymgmts[i]));
        OPENSSL_free(atomic_load(&provider->gettable_key_params[i]));
    }
    if (provider->public_default != NULL)
        OSSL_PROVIDER_unload(provider->public_default);
    OSSL_LIB_CTX_free(provider->public_libctx);
    pthread_mutex_destroy(&provider->public_lock);
    free(provider->device_param);
    free(provider);
}

/* clang-format off */
static const OSSL_DISPATCH keystore_dispatch[] = {
    {OSSL_FUNC_PROVIDER_TEARDOWN, (void (*)(void))keystore_teardown},
    {OSSL_FUNC_PROVIDER_GETTABLE_PARAMS, (void (*)(void))keystore_gettable_params},
    {OSSL_FUNC_PROVIDER_GET_PARAMS, (void (*)(void))keystore_get_params},
    {OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))keystore_query_operation},
    {OSSL_FUNC_PROVIDER_GET_REASON_STRINGS, (void (*)(void))keystore_get_reason_strings},
    {OSSL_FUNC_PROVIDER_GET_CAPABILITIES, (void (*)(void))keystore_get_capabilities},
    {0, NULL},
};
/* clang-format on */

/* The `device` parameter of the provider's section in openssl.cnf, if any. */
static char *configured_device(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in)
{
    OSSL_FUNC_core_get_params_fn *core_get_params = NULL;
    for (; in->function_id != 0; in++)
        if (in->function_id == OSSL_FUNC_CORE_GET_PARAMS)
            core_get_params = OSSL_FUNC_core_get_params(in);
    char *value = NULL;
    OSSL_PARAM params[] = {OSSL_PARAM_utf8_ptr(KSSIM_PROVIDER_PARAM_DEVICE, &value, 0), OSSL_PARAM_END};
    /* Set but empty stays empty, so that kssim_device_location refuses it rather than choosing the
     * default device in its place. */
    if (core_get_params == NULL || !core_get_params(handle, params) || value == NULL)
        return NULL;
    return strdup(value);
}

int OSSL_provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in, const OSSL_DISPATCH **out,
                       void **provctx)
{
    keystore_provider *provider = calloc(1, sizeof(*provider));
    if (provider == NULL)
        return 0;
    provider->handle = handle;
    keystore_errors_init(provider, in);
    provider->device_param = configured_device(handle, in);
    keystore_devices_init(&provider->devices);
    pthread_mutex_init(&provider->public_lock, NULL);
    /* The provider's own context: core BIOs work in it, and only the default provider will be loaded,
     * so public-key work can never come back into this provider. */
    provider->public_libctx = OSSL_LIB_CTX_new_from_dispatch(handle, in);
    if (provider->public_libctx == NULL) {
        pthread_mutex_destroy(&provider->public_lock);
        free(provider->device_param);
        free(provider);
        return 0;
    }
    *out = keystore_dispatch;
    *provctx = provider;
    return 1;
}
