/*
 * provider_test.h - what the provider's C tests share: a fresh device directory, a library context
 * with the keystore and default providers, a key generated through EVP_PKEY_keygen with the
 * contract's parameters, verification by the default provider alone, and (from test/check.h) the CHECK
 * macro that reports the OpenSSL error queue.
 */
#ifndef KSSIM_TEST_PROVIDER_TEST_H
#define KSSIM_TEST_PROVIDER_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/store.h>
#include <openssl/x509.h>

#include <kssim/kssim.h>
#include <kssim/provider.h>

#include "../check.h"

/* A new device directory, named by KSSIM_DEVICE for the provider; returns its path. */
static inline const char *test_device_directory(void)
{
    static char directory[] = "/tmp/kssim-provider-test-XXXXXX";
    CHECK(mkdtemp(directory) != NULL);
    static char device[sizeof(directory) + 8];
    snprintf(device, sizeof(device), "%s/device", directory);
    CHECK(setenv("KSSIM_DEVICE", device, 1) == 0);
    return device;
}

/* One transaction on a device handle of the test's own (the phone's user, in another app). */
#define ON_DEVICE(device, call)                                                                                        \
    do {                                                                                                               \
        CHECK(kssim_device_begin(device) == KSSIM_OK);                                                                 \
        kssim_result on_device_result = (call);                                                                        \
        CHECK(kssim_device_commit(device) == KSSIM_OK);                                                                \
        if (on_device_result != KSSIM_OK)                                                                              \
            fprintf(stderr, "%s: %s\n", kssim_result_name(on_device_result), kssim_device_message(device));            \
        CHECK(on_device_result == KSSIM_OK);                                                                           \
    } while (0)

/* A library context with only OpenSSL's default provider: it checks the device's results as a server
 * that never saw the keystore provider would. */
static inline OSSL_LIB_CTX *test_default_only_context(void)
{
    OSSL_LIB_CTX *default_only = OSSL_LIB_CTX_new();
    CHECK(default_only != NULL && OSSL_PROVIDER_load(default_only, "default") != NULL);
    return default_only;
}

/* The key a URI (keystore:ALIAS) names, loaded as openssl's -inkey loads it; propq may be NULL. */
static inline EVP_PKEY *test_load_key_uri(OSSL_LIB_CTX *libctx, const char *propq, const char *uri)
{
    OSSL_STORE_CTX *store = OSSL_STORE_open_ex(uri, libctx, propq, NULL, NULL, NULL, NULL, NULL);
    CHECK(store != NULL);
    EVP_PKEY *pkey = NULL;
    while (pkey == NULL && !OSSL_STORE_eof(store)) {
        OSSL_STORE_INFO *info = OSSL_STORE_load(store);
        if (info != NULL && OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
            pkey = OSSL_STORE_INFO_get1_PKEY(info);
        OSSL_STORE_INFO_free(info);
    }
    OSSL_STORE_close(store);
    CHECK(pkey != NULL);
    return pkey;
}

/* A library context with the provider (from OPENSSL_MODULES or argv's build directory) and default. */
static inline OSSL_LIB_CTX *test_library_context(const char *build_directory)
{
    OSSL_LIB_CTX *libctx = OSSL_LIB_CTX_new();
    CHECK(libctx != NULL);
    if (build_directory != NULL)
        CHECK(OSSL_PROVIDER_set_default_search_path(libctx, build_directory));
    CHECK(OSSL_PROVIDER_load(libctx, "keystore") != NULL);
    CHECK(OSSL_PROVIDER_load(libctx, "default") != NULL);
    return libctx;
}

static inline int test_collect_provider(OSSL_PROVIDER *provider, void *arg)
{
    OSSL_PROVIDER **loaded = arg;
    for (int i = 0; i < 7; i++)
        if (loaded[i] == NULL) {
            loaded[i] = provider;
            break;
        }
    return 1;
}

/* Frees a library context of a test. OpenSSL 3.0 frees the providers loaded into a context at
 * OSSL_PROVIDER_unload, not at OSSL_LIB_CTX_free: without this, LeakSanitizer would report them (and
 * what the keystore provider holds) as the test's leaks and hide the provider's own. Each test loads
 * each provider once. */
static inline void test_library_context_free(OSSL_LIB_CTX *libctx)
{
    OSSL_PROVIDER *loaded[8] = {NULL};
    OSSL_PROVIDER_do_all(libctx, test_collect_provider, loaded);
    for (int i = 0; loaded[i] != NULL; i++)
        OSSL_PROVIDER_unload(loaded[i]);
    OSSL_LIB_CTX_free(libctx);
}

/* EVP_PKEY_keygen through the provider with the contract's parameters. */
/* A device key of type ("EC", "RSA", "ED25519") generated through the keystore provider with the
 * contract's parameters (ending in OSSL_PARAM_END), as `openssl genpkey -pkeyopt` does. */
static inline EVP_PKEY *test_generate_key(OSSL_LIB_CTX *libctx, const char *type, const OSSL_PARAM params[])
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(libctx, type, "?provider=keystore");
    CHECK(ctx != NULL && EVP_PKEY_keygen_init(ctx) == 1);
    CHECK(EVP_PKEY_CTX_set_params(ctx, params) == 1);
    EVP_PKEY *pkey = NULL;
    CHECK(EVP_PKEY_generate(ctx, &pkey) == 1);
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

static inline EVP_PKEY *test_generate_ec_key(OSSL_LIB_CTX *libctx, const char *alias, const char *user_auth,
                                             unsigned int auth_timeout)
{
    OSSL_PARAM params[5];
    size_t n = 0;
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0);
    params[n++] = OSSL_PARAM_construct_utf8_string(KSSIM_PROVIDER_PARAM_ALIAS, (char *)alias, 0);
    if (user_auth != NULL) {
        params[n++] = OSSL_PARAM_construct_utf8_string(KSSIM_PROVIDER_PARAM_USER_AUTH, (char *)user_auth, 0);
        params[n++] = OSSL_PARAM_construct_uint(KSSIM_PROVIDER_PARAM_AUTH_TIMEOUT, &auth_timeout);
    }
    params[n] = OSSL_PARAM_construct_end();
    return test_generate_key(libctx, "EC", params);
}

/* The key's public half as the device exports it, read by the default provider in a context of its
 * own, which never sees the keystore provider. */
static inline EVP_PKEY *test_device_public_key(kssim_device *device, OSSL_LIB_CTX *default_only, const char *alias)
{
    uint8_t *der = NULL;
    size_t der_len = 0;
    ON_DEVICE(device, kssim_export_public(device, alias, &der, &der_len));
    const unsigned char *p = der;
    EVP_PKEY *pkey = d2i_PUBKEY_ex(NULL, &p, (long)der_len, default_only, NULL);
    kssim_free(der);
    CHECK(pkey != NULL);
    return pkey;
}

static inline int test_verify(OSSL_LIB_CTX *default_only, EVP_PKEY *public_key, const unsigned char *data, size_t len,
                              const unsigned char *sig, size_t sig_len)
{
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    CHECK(mctx != NULL);
    CHECK(EVP_DigestVerifyInit_ex(mctx, NULL, "SHA256", default_only, NULL, public_key, NULL) == 1);
    int result = EVP_DigestVerify(mctx, sig, sig_len, data, len);
    EVP_MD_CTX_free(mctx);
    return result == 1;
}

/* The reason string of the newest error, and whether its data starts with the result name. */
static inline int test_last_error_is(const char *result_name)
{
    const char *data = NULL;
    unsigned long error = ERR_peek_last_error_data(&data, NULL);
    const char *reason = ERR_reason_error_string(error);
    int matches = reason != NULL && strcmp(reason, result_name) == 0 && data != NULL &&
                  strncmp(data, result_name, strlen(result_name)) == 0;
    if (!matches) {
        fprintf(stderr, "expected %s, the error queue holds:\n", result_name);
        ERR_print_errors_fp(stderr);
    }
    return matches;
}

#endif
