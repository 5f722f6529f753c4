/*
 * fuzz_keystore_uri.c - libFuzzer target: any bytes as a `keystore:` URI (`-inkey keystore:ALIAS`,
 * OSSL_STORE_open), through the provider's URI parser (keystore_uri_alias) and its OSSL_STORE loader
 * (provider/store_loader.c: open, set_ctx_params, load, eof, close) on an in-process provider.
 *
 * The URI is typed by users and scripts, so it is outside input to the provider. The parser is checked
 * against its contract: it accepts exactly "keystore:" followed by 1..127 bytes without '/', and gives
 * back those bytes. The loader is called through its dispatch table, as libcrypto calls it (but without
 * libcrypto's fallback to the file: loader, which would read files named by the fuzzer), on a memory:
 * device holding keys of three kinds: it must open exactly the URIs that name one of them, and hand
 * OpenSSL a well-formed reference or public key for each.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/core_object.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/store.h>

#include "fuzz_provider.h"

#define URI_PREFIX KEYSTORE_URI_SCHEME ":"

/* The device's keys: two the provider can use (EC, Ed25519) and one it refuses to load (AES). No alias
 * holds '/': the device refuses one (kssim_check_alias), and a URI with '/' names no key. */
static const struct {
    const char *alias;
    kssim_algorithm algorithm;
} device_keys[] = {
    {"login", KSSIM_ALGORITHM_EC}, {"a key with spaces", KSSIM_ALGORITHM_ED25519}, {"secret", KSSIM_ALGORITHM_AES}};
#define DEVICE_KEY_COUNT (sizeof(device_keys) / sizeof(device_keys[0]))

static fuzz_provider provider;
static OSSL_FUNC_store_open_fn *store_open;
static OSSL_FUNC_store_set_ctx_params_fn *store_set_ctx_params;
static OSSL_FUNC_store_load_fn *store_load;
static OSSL_FUNC_store_eof_fn *store_eof;
static OSSL_FUNC_store_close_fn *store_close;

static kssim_result generate(kssim_device *device, void *arg)
{
    const size_t *index = arg;
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, device_keys[*index].algorithm);
    strcpy(spec.alias, device_keys[*index].alias);
    return kssim_generate_key(device, &spec);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_provider_load(&provider);
    for (size_t i = 0; i < DEVICE_KEY_COUNT; i++)
        if (keystore_device_run(provider.context, NULL, generate, &i) != KSSIM_OK)
            abort();
    for (const OSSL_DISPATCH *f = keystore_store_loader_functions; f->function_id != 0; f++) {
        if (f->function_id == OSSL_FUNC_STORE_OPEN)
            store_open = OSSL_FUNC_store_open(f);
        else if (f->function_id == OSSL_FUNC_STORE_SET_CTX_PARAMS)
            store_set_ctx_params = OSSL_FUNC_store_set_ctx_params(f);
        else if (f->function_id == OSSL_FUNC_STORE_LOAD)
            store_load = OSSL_FUNC_store_load(f);
        else if (f->function_id == OSSL_FUNC_STORE_EOF)
            store_eof = OSSL_FUNC_store_eof(f);
        else if (f->function_id == OSSL_FUNC_STORE_CLOSE)
            store_close = OSSL_FUNC_store_close(f);
    }
    if (store_open == NULL || store_set_ctx_params == NULL || store_load == NULL || store_eof == NULL ||
        store_close == NULL)
        abort();
    return 0;
}

/* The parser against its contract, with the alias buffer the loader uses and a smaller one. */
static void check_parser(const char *uri, size_t alias_size)
{
    char alias[KSSIM_ALIAS_MAX];
    memset(alias, 0x5a, sizeof(alias));
    bool accepted = keystore_uri_alias(uri, alias, alias_size);
    bool has_prefix = strncmp(uri, URI_PREFIX, strlen(URI_PREFIX)) == 0;
    const char *rest = has_prefix ? uri + strlen(URI_PREFIX) : "";
    bool expected = has_prefix && rest[0] != '\0' && strlen(rest) < alias_size && strchr(rest, '/') == NULL;
    if (accepted != expected || (accepted && strcmp(alias, rest) != 0))
        abort();
    /* Nothing past the buffer it was given. */
    for (size_t i = alias_size; i < sizeof(alias); i++)
        if (alias[i] != 0x5a)
            abort();
}

static bool names_device_key(const char *uri, bool *usable)
{
    if (strncmp(uri, URI_PREFIX, strlen(URI_PREFIX)) != 0)
        return false;
    for (size_t i = 0; i < DEVICE_KEY_COUNT; i++) {
        if (strcmp(uri + strlen(URI_PREFIX), device_keys[i].alias) == 0) {
            *usable = device_keys[i].algorithm != KSSIM_ALGORITHM_AES;
            return true;
        }
    }
    return false;
}

/* What the loader hands OpenSSL: a reference this provider's key manager will accept, or the public key. */
static int check_object(const OSSL_PARAM params[], void *arg)
{
    (void)arg;
    const OSSL_PARAM *reference = OSSL_PARAM_locate_const(params, OSSL_OBJECT_PARAM_REFERENCE);
    const OSSL_PARAM *data = OSSL_PARAM_locate_const(params, OSSL_OBJECT_PARAM_DATA);
    const OSSL_PARAM *type = OSSL_PARAM_locate_const(params, OSSL_OBJECT_PARAM_DATA_TYPE);
    if (type == NULL || type->data_type != OSSL_PARAM_UTF8_STRING || keystore_type_index(type->data) < 0)
        abort();
    if (reference != NULL) {
        const keystore_object_reference *object = reference->data;
        if (reference->data_size != sizeof(*object) ||
            memcmp(object->magic, KEYSTORE_OBJECT_REFERENCE_MAGIC, sizeof(object->magic)) != 0 ||
            object->provider != provider.context ||
            memchr(object->key.alias, '\0', sizeof(object->key.alias)) == NULL ||
            memchr(object->key.device, '\0', sizeof(object->key.device)) == NULL)
            abort();
    } else if (data == NULL || data->data_type != OSSL_PARAM_OCTET_STRING || data->data_size == 0) {
        abort();
    }
    return 1;
}

static void load_as(const char *uri, int expected_type)
{
    void *loader = store_open(provider.context, uri);
    if (loader == NULL)
        abort(); /* it opened a moment ago */
    OSSL_PARAM params[] = {OSSL_PARAM_int(OSSL_STORE_PARAM_EXPECT, &expected_type), OSSL_PARAM_END};
    if (!store_set_ctx_params(loader, params))
        abort();
    for (int i = 0; i < 3 && !store_eof(loader); i++)
        store_load(loader, check_object, NULL, NULL, NULL);
    store_close(loader);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *uri = malloc(size + 1);
    if (uri == NULL)
        return 0;
    memcpy(uri, data, size);
    uri[size] = '\0';
    check_parser(uri, KSSIM_ALIAS_MAX);
    check_parser(uri, 8);
    bool usable = false;
    bool names_key = names_device_key(uri, &usable);
    void *loader = store_open(provider.context, uri);
    if ((loader != NULL) != (names_key && usable))
        abort();
    if (loader != NULL) {
        store_close(loader);
        load_as(uri, 0);
        load_as(uri, OSSL_STORE_INFO_PKEY);
        load_as(uri, OSSL_STORE_INFO_PUBKEY);
        load_as(uri, OSSL_STORE_INFO_CERT);
    }
    ERR_clear_error();
    free(uri);
    return 0;
}
