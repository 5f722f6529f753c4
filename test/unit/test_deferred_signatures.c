/*
 * test_deferred_signatures.c - kssim_finish_deferred and kssim_deferred_output_complete (issue 17;
 * docs/device.md "Threads"): a signature completed later, on another thread, in another order, is byte
 * for byte the one kssim_finish gives at the same point of the same calls, and the device's stream ends
 * where it would; two threads sharing one device behind a mutex, completing outside it, make signatures
 * that all verify; refusals leave no deferred output behind.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <kssim/kssim.h>

/* The signatures the tests make: each kind of signing the finish may defer or make at once. */
typedef struct signing_kind {
    const char *alias;
    kssim_algorithm algorithm;
    kssim_op_params params;
} signing_kind;

static const signing_kind kinds[] = {
    {"ec", KSSIM_ALGORITHM_EC, {.digest = KSSIM_DIGEST_SHA256}},                                   /* deferred */
    {"rsa", KSSIM_ALGORITHM_RSA, {.digest = KSSIM_DIGEST_SHA256, .padding = KSSIM_PADDING_PSS}},   /* deferred */
    {"rsa", KSSIM_ALGORITHM_RSA, {.digest = KSSIM_DIGEST_SHA256, .padding = KSSIM_PADDING_PKCS1}}, /* deferred */
    {"ed", KSSIM_ALGORITHM_ED25519, {.digest = KSSIM_DIGEST_NONE}}, /* made under the lock */
    {"ec", KSSIM_ALGORITHM_EC, {.digest = KSSIM_DIGEST_SHA256}},    /* a second nonce */
};
#define KINDS (sizeof(kinds) / sizeof(kinds[0]))

static const uint8_t message[] = "deferred signatures sign what they were given";

static kssim_device *device_with_keys(uint64_t seed)
{
    kssim_config config;
    kssim_config_default(&config);
    config.seed = seed;
    kssim_device *device = NULL;
    assert_int_equal(kssim_device_create(&config, &device), KSSIM_OK);
    const struct {
        const char *alias;
        kssim_algorithm algorithm;
    } keys[] = {{"ec", KSSIM_ALGORITHM_EC}, {"rsa", KSSIM_ALGORITHM_RSA}, {"ed", KSSIM_ALGORITHM_ED25519}};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        kssim_key_spec spec;
        kssim_key_spec_default(&spec, keys[i].algorithm);
        snprintf(spec.alias, sizeof(spec.alias), "%s", keys[i].alias);
        assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
    }
    return device;
}

typedef struct signature {
    uint8_t *bytes;
    size_t len;
} signature;

static uint64_t next_challenge(kssim_device *device)
{
    kssim_operation op;
    assert_int_equal(kssim_begin(device, "ec", KSSIM_PURPOSE_SIGN, &kinds[0].params, &op), KSSIM_OK);
    assert_int_equal(kssim_abort(device, op.handle), KSSIM_OK);
    return op.challenge;
}

/* The deferred outputs of one thread's work, completed by another. */
typedef struct completion {
    kssim_deferred_output *deferred[KINDS];
    signature made[KINDS];
} completion;

/* Completes them last first: the order of completions must not matter. */
static void *complete_in_reverse(void *arg)
{
    completion *c = arg;
    for (size_t i = KINDS; i-- > 0;)
        if (kssim_deferred_output_complete(c->deferred[i], &c->made[i].bytes, &c->made[i].len) != KSSIM_OK)
            c->made[i].bytes = NULL;
    return NULL;
}

static void deferred_signatures_are_the_ones_finish_makes(void **state)
{
    (void)state;
    kssim_device *at_once = device_with_keys(7), *deferred = device_with_keys(7);
    signature expected[KINDS];
    completion c;
    memset(&c, 0, sizeof(c));
    for (size_t i = 0; i < KINDS; i++) {
        kssim_operation op;
        assert_int_equal(kssim_begin(at_once, kinds[i].alias, KSSIM_PURPOSE_SIGN, &kinds[i].params, &op), KSSIM_OK);
        assert_int_equal(
            kssim_finish(at_once, op.handle, message, sizeof(message), NULL, 0, &expected[i].bytes, &expected[i].len),
            KSSIM_OK);
        assert_int_equal(kssim_begin(deferred, kinds[i].alias, KSSIM_PURPOSE_SIGN, &kinds[i].params, &op), KSSIM_OK);
        assert_int_equal(kssim_finish_deferred(deferred, op.handle, message, sizeof(message), NULL, 0, &c.deferred[i]),
                         KSSIM_OK);
        assert_non_null(c.deferred[i]);
    }
    /* The device's stream is where kssim_finish left it before any signature is made. */
    assert_true(next_challenge(at_once) == next_challenge(deferred));
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, complete_in_reverse, &c), 0);
    assert_int_equal(pthread_join(thread, NULL), 0);
    for (size_t i = 0; i < KINDS; i++) {
        assert_non_null(c.made[i].bytes);
        assert_int_equal(c.made[i].len, expected[i].len);
        assert_memory_equal(c.made[i].bytes, expected[i].bytes, expected[i].len);
        assert_int_equal(kssim_verify(deferred, kinds[i].alias, &kinds[i].params, message, sizeof(message),
                                      c.made[i].bytes, c.made[i].len),
                         KSSIM_OK);
    }
    /* Each ECDSA signature has its own nonce: the two of the same message differ. */
    assert_int_equal(
        expected[0].len == expected[4].len && memcmp(expected[0].bytes, expected[4].bytes, expected[0].len) == 0, 0);
    for (size_t i = 0; i < KINDS; i++) {
        kssim_free(expected[i].bytes);
        kssim_free(c.made[i].bytes);
    }
    kssim_device_free(at_once);
    kssim_device_free(deferred);
}

/* ---- Two threads, one device ---- */

#define SIGNATURES_PER_THREAD 40

static struct {
    kssim_device *device;
    pthread_mutex_t lock;
} shared;

static void *sign_on_shared_device(void *arg)
{
    long thread = (long)arg;
    long verified = 0;
    for (long n = 0; n < SIGNATURES_PER_THREAD; n++) {
        const signing_kind *kind = &kinds[n % 2]; /* ECDSA and RSA-PSS: both deferred */
        char text[64];
        int len = snprintf(text, sizeof(text), "thread %ld, signature %ld", thread, n);
        kssim_deferred_output *deferred = NULL;
        kssim_operation op;
        pthread_mutex_lock(&shared.lock);
        kssim_result r = kssim_begin(shared.device, kind->alias, KSSIM_PURPOSE_SIGN, &kind->params, &op);
        if (r == KSSIM_OK)
            r = kssim_finish_deferred(shared.device, op.handle, (const uint8_t *)text, (size_t)len, NULL, 0, &deferred);
        pthread_mutex_unlock(&shared.lock);
        uint8_t *sig = NULL;
        size_t sig_len = 0;
        if (r == KSSIM_OK)
            r = kssim_deferred_output_complete(deferred, &sig, &sig_len); /* outside the lock */
        pthread_mutex_lock(&shared.lock);
        if (r == KSSIM_OK && kssim_verify(shared.device, kind->alias, &kind->params, (const uint8_t *)text, (size_t)len,
                                          sig, sig_len) == KSSIM_OK)
            verified++;
        pthread_mutex_unlock(&shared.lock);
        kssim_free(sig);
    }
    return (void *)verified;
}

static void two_threads_sign_on_one_device(void **state)
{
    (void)state;
    shared.device = device_with_keys(3);
    assert_int_equal(pthread_mutex_init(&shared.lock, NULL), 0);
    pthread_t threads[2];
    for (long i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, sign_on_shared_device, (void *)i), 0);
    long verified = 0;
    for (int i = 0; i < 2; i++) {
        void *count = NULL;
        assert_int_equal(pthread_join(threads[i], &count), 0);
        verified += (long)count;
    }
    assert_int_equal(verified, 2 * SIGNATURES_PER_THREAD);
    pthread_mutex_destroy(&shared.lock);
    kssim_device_free(shared.device);
}

static void refusals_leave_no_deferred_output(void **state)
{
    (void)state;
    kssim_device *device = device_with_keys(5);
    kssim_deferred_output *deferred = (kssim_deferred_output *)&deferred; /* not NULL: the call must clear it */
    assert_int_equal(kssim_finish_deferred(device, 0x1234, message, sizeof(message), NULL, 0, &deferred),
                     KSSIM_INVALID_OPERATION_HANDLE);
    assert_null(deferred);
    assert_int_equal(kssim_finish_deferred(device, 0x1234, message, sizeof(message), NULL, 0, NULL),
                     KSSIM_INVALID_ARGUMENT);
    uint8_t *out = (uint8_t *)&out;
    size_t out_len = 1;
    assert_int_equal(kssim_deferred_output_complete(NULL, &out, &out_len), KSSIM_INVALID_ARGUMENT);
    assert_null(out);
    assert_int_equal(out_len, 0);
    kssim_deferred_output_free(NULL);
    /* A deferred output dropped unmade frees what it holds (the ASan and valgrind stages see leaks). */
    kssim_operation op;
    assert_int_equal(kssim_begin(device, "ec", KSSIM_PURPOSE_SIGN, &kinds[0].params, &op), KSSIM_OK);
    assert_int_equal(kssim_finish_deferred(device, op.handle, message, sizeof(message), NULL, 0, &deferred), KSSIM_OK);
    kssim_deferred_output_free(deferred);
    /* The operation ended at kssim_finish_deferred, whatever becomes of its output. */
    assert_int_equal(kssim_finish_deferred(device, op.handle, message, sizeof(message), NULL, 0, &deferred),
                     KSSIM_INVALID_OPERATION_HANDLE);
    kssim_device_free(device);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(deferred_signatures_are_the_ones_finish_makes),
        cmocka_unit_test(two_threads_sign_on_one_device),
        cmocka_unit_test(refusals_leave_no_deferred_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
