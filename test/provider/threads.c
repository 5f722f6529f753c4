/*
 * threads.c - several threads signing at once with one keystore key (one EVP_PKEY), and others loading
 * their own copy of it through the keystore: URI: the provider serialises the device and keeps each
 * thread's operation apart, and every signature verifies with the default provider alone. Then threads
 * race for a key with a usage-count limit of 5: exactly 5 of them sign.
 *
 * Usage: threads [BUILD_DIR]
 */
#include <pthread.h>
#include <stdatomic.h>

#include <openssl/store.h>

#include "provider_test.h"

#define THREADS    8
#define SIGNATURES 12

static OSSL_LIB_CTX *libctx, *default_only;
static EVP_PKEY *shared_key, *public_key;

static EVP_PKEY *limited_key;
static atomic_int successes, exhausted;

/* One signature with the usage-count key; the losers hear KEY_PERMANENTLY_INVALIDATED. */
static void *sign_once(void *arg)
{
    (void)arg;
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    unsigned char sig[128];
    size_t sig_len = sizeof(sig);
    CHECK(EVP_DigestSignInit_ex(mctx, NULL, "SHA256", libctx, "?provider=keystore", limited_key, NULL) == 1);
    if (EVP_DigestSign(mctx, sig, &sig_len, (const unsigned char *)"x", 1) == 1) {
        atomic_fetch_add(&successes, 1);
    } else {
        CHECK(test_last_error_is("KEY_PERMANENTLY_INVALIDATED"));
        atomic_fetch_add(&exhausted, 1);
    }
    ERR_clear_error();
    EVP_MD_CTX_free(mctx);
    return NULL;
}

static void *sign_many(void *arg)
{
    long index = (long)arg;
    /* Half the threads share one EVP_PKEY, the others load their own. */
    EVP_PKEY *pkey = index % 2 == 0 ? shared_key : test_load_key_uri(libctx, "?provider=keystore", "keystore:shared");
    for (int i = 0; i < SIGNATURES; i++) {
        char message[64];
        int len = snprintf(message, sizeof(message), "thread %ld, signature %d", index, i);
        EVP_MD_CTX *mctx = EVP_MD_CTX_new();
        unsigned char sig[128];
        size_t sig_len = sizeof(sig);
        CHECK(EVP_DigestSignInit_ex(mctx, NULL, "SHA256", libctx, "?provider=keystore", pkey, NULL) == 1);
        CHECK(EVP_DigestSignUpdate(mctx, message, (size_t)len) == 1);
        CHECK(EVP_DigestSignFinal(mctx, sig, &sig_len) == 1);
        CHECK(test_verify(default_only, public_key, (unsigned char *)message, (size_t)len, sig, sig_len));
        EVP_MD_CTX_free(mctx);
    }
    if (pkey != shared_key)
        EVP_PKEY_free(pkey);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *location = test_device_directory();
    libctx = test_library_context(argc > 1 ? argv[1] : NULL);
    default_only = test_default_only_context();
    shared_key = test_generate_ec_key(libctx, "shared", NULL, 0);
    kssim_device *device = NULL;
    CHECK(kssim_device_open(location, NULL, &device) == KSSIM_OK);
    public_key = test_device_public_key(device, default_only, "shared");

    pthread_t threads[THREADS];
    for (long i = 0; i < THREADS; i++)
        CHECK(pthread_create(&threads[i], NULL, sign_many, (void *)i) == 0);
    for (int i = 0; i < THREADS; i++)
        CHECK(pthread_join(threads[i], NULL) == 0);
    printf("ok - %d threads signed %d times each, every signature verifies\n", THREADS, SIGNATURES);

    /* A usage-count key shared by all threads: exactly its count of signatures succeed. */
    EVP_PKEY_CTX *gen = EVP_PKEY_CTX_new_from_name(libctx, "EC", "?provider=keystore");
    unsigned int limit = 5;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(KSSIM_PROVIDER_PARAM_ALIAS, "limited", 0),
        OSSL_PARAM_construct_uint(KSSIM_PROVIDER_PARAM_USAGE_COUNT_LIMIT, &limit),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY *limited = NULL;
    CHECK(gen != NULL && EVP_PKEY_keygen_init(gen) == 1 && EVP_PKEY_CTX_set_params(gen, params) == 1 &&
          EVP_PKEY_generate(gen, &limited) == 1);
    EVP_PKEY_CTX_free(gen);
    limited_key = limited;
    for (long i = 0; i < THREADS; i++)
        CHECK(pthread_create(&threads[i], NULL, sign_once, NULL) == 0);
    for (int i = 0; i < THREADS; i++)
        CHECK(pthread_join(threads[i], NULL) == 0);
    CHECK(atomic_load(&successes) == 5);
    printf("ok - %d threads race for a key with 5 uses: exactly 5 signatures\n", THREADS);

    EVP_PKEY_free(limited);
    EVP_PKEY_free(public_key);
    EVP_PKEY_free(shared_key);
    kssim_device_free(device);
    test_library_context_free(default_only);
    test_library_context_free(libctx);
    printf("1..2\n");
    return 0;
}
