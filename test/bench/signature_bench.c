/*
 * signature_bench.c - what a signature costs through the `keystore` provider, next to the same
 * signature by OpenSSL's default provider, measured in one run (issue #6; docs/performance.md).
 *
 * For ECDSA P-256 (SHA-256), RSA-2048 PSS (SHA-256, salt = digest length) and Ed25519, each row times
 * EVP_DigestSignInit_ex + EVP_DigestSign with a fresh context per signature, as an application signing
 * one message at a time does, on both sides:
 *
 *   provider  memory  no auth      a key on KSSIM_DEVICE=memory:, no user authentication
 *   provider  disk    no auth      a key on a device directory (SQLite), one transaction per signature
 *   provider  disk    auth 1h      a biometric timeout key after a fingerprint: the token-cache path
 *   ... and the same with 2 threads signing at once (total throughput against the default provider's)
 *   C API     memory/disk ...      kssim_begin + kssim_finish without OpenSSL's EVP layer in front,
 *                                  which separates the simulator's cost from the provider's
 *   provider  disk    1000 keys    ECDSA only (issue 17): the signing key on a device directory that holds
 *   provider  disk    10000 keys   that many other keys (bench_fill.h), goal the empty device's bound 1.60;
 *   provider  memory  10000 keys   and on a memory: device holding 10000 others, goal 1.10
 *   C API     memory  no auth  2   two threads sharing one device behind the caller's mutex, each
 *                                  signature completed outside it (kssim_finish_deferred)
 *
 * Then a second table, two threads against one (issue 17): for the memory rows, each round times one
 * batch on one thread and one on two, for the keystore and for the default provider (the order rotates),
 * and the gain is the median one-thread time per signature over the median two-thread time, i.e. how
 * much the total throughput grows with the second thread; the default provider's gain is what the
 * machine allows at that moment. Goal: a keystore gain of at least 1.80. On a loaded machine neither side
 * scales, so the C API row also gives what the load does not change: the share of a signature's CPU time
 * spent under the device's lock (one thread, calls under the lock only against whole signatures,
 * interleaved), and the gain two threads can reach with it, min(2, 1 / share) (Amdahl).
 *
 * (An auth-bound key on the provider's memory: device cannot be measured through the provider: nothing
 * outside the provider can authenticate on a device that lives inside it, so that row uses the C API.)
 *
 * Interleaving: every row runs R rounds; each round times one batch of keystore signatures and one
 * batch of default-provider signatures (alternating which goes first), and the ratio is the median
 * keystore time per signature over the median default time per signature. A batch lasts about
 * --batch-ms on the default side.
 *
 * Usage: signature_bench [--rounds R] [--batch-ms MS] [--smoke] [--only ecdsa|rsa|ed25519] BUILD_DIR
 *   --smoke: three rounds of one signature per batch, to prove the benchmark works (ctest bench.smoke); the
 *            grown devices hold 10 and 20 keys then.
 * Exit status 0 whatever the ratios: a benchmark measures, it does not judge.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include <kssim/kssim.h>
#include <kssim/provider.h>

#include "bench_common.h"
#include "bench_fill.h"

static const char usage[] =
    "usage: signature_bench [--rounds R] [--batch-ms MS] [--smoke] [--only ecdsa|rsa|ed25519] BUILD_DIR\n";

typedef enum bench_algorithm {
    BENCH_ECDSA_P256,
    BENCH_RSA_PSS_2048,
    BENCH_ED25519,
    BENCH_ALGORITHM_COUNT
} bench_algorithm;

static const struct {
    const char *label;
    const char *option; /* --only */
    const char *key_type;
    kssim_algorithm device_algorithm;
    double memory_goal, disk_goal; /* issue #6: ratio against the default provider, in-process */
} algorithms[BENCH_ALGORITHM_COUNT] = {
    [BENCH_ECDSA_P256] = {"ECDSA P-256", "ecdsa", "EC", KSSIM_ALGORITHM_EC, 1.10, 1.50},
    [BENCH_RSA_PSS_2048] = {"RSA-2048 PSS", "rsa", "RSA", KSSIM_ALGORITHM_RSA, 1.05, 1.30},
    [BENCH_ED25519] = {"Ed25519", "ed25519", "ED25519", KSSIM_ALGORITHM_ED25519, 1.05, 1.30},
};

/* One way of making a signature: through EVP with a key (libctx set), or through the C API on a
 * device (device set). */
typedef struct bench_signer {
    bench_algorithm algorithm;
    OSSL_LIB_CTX *libctx;
    const char *propq;
    EVP_PKEY *pkey;
    kssim_device *device;
    const char *alias;
    pthread_mutex_t *lock; /* C API on several threads: the caller's lock around the device's calls */
    bool locked_part_only; /* with lock: the calls under it only, the signature left unmade */
} bench_signer;

static struct {
    int rounds;
    double batch_seconds;
    bool smoke;
    int only; /* -1: every algorithm */
    const char *build_directory;
} settings = {.rounds = 21, .batch_seconds = 0.02, .smoke = false, .only = -1};

/* ---- One signature ---- */

/* Different messages for every signature of every thread, as ECDSA nonces must differ per message. */
static size_t message_for(unsigned char *out, size_t size, unsigned long thread, unsigned long counter)
{
    int len = snprintf((char *)out, size, "kssim benchmark, thread %lu, signature %lu, padded to 64 bytes......",
                       thread, counter);
    return len > 64 ? 64 : (size_t)len;
}

static bool sign_with_evp(const bench_signer *signer, const unsigned char *message, size_t len, unsigned char *sig,
                          size_t *sig_len)
{
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    OSSL_PARAM pss[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, (char *)OSSL_PKEY_RSA_PAD_MODE_PSS, 0),
        OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, (char *)OSSL_PKEY_RSA_PSS_SALT_LEN_DIGEST,
                                         0),
        OSSL_PARAM_construct_end(),
    };
    const char *digest = signer->algorithm == BENCH_ED25519 ? NULL : "SHA256";
    bool ok = mctx != NULL &&
              EVP_DigestSignInit_ex(mctx, NULL, digest, signer->libctx, signer->propq, signer->pkey,
                                    signer->algorithm == BENCH_RSA_PSS_2048 ? pss : NULL) == 1 &&
              EVP_DigestSign(mctx, sig, sig_len, message, len) == 1;
    EVP_MD_CTX_free(mctx);
    return ok;
}

/* As an application whose threads share one device: every device call under its lock, the signature
 * made after it (kssim_finish_deferred). */
static bool sign_with_shared_device(const bench_signer *signer, const kssim_op_params *params,
                                    const unsigned char *message, size_t len)
{
    kssim_deferred_output *deferred = NULL;
    pthread_mutex_lock(signer->lock);
    kssim_result r = kssim_device_begin(signer->device);
    kssim_operation op;
    if (r == KSSIM_OK) {
        r = kssim_begin(signer->device, signer->alias, KSSIM_PURPOSE_SIGN, params, &op);
        if (r == KSSIM_OK)
            r = kssim_finish_deferred(signer->device, op.handle, message, len, NULL, 0, &deferred);
        kssim_result committed = kssim_device_commit(signer->device);
        if (r == KSSIM_OK)
            r = committed;
    }
    if (r != KSSIM_OK)
        fprintf(stderr, "%s: %s\n", kssim_result_name(r), kssim_device_message(signer->device));
    pthread_mutex_unlock(signer->lock);
    if (r != KSSIM_OK || signer->locked_part_only) {
        kssim_deferred_output_free(deferred);
        return r == KSSIM_OK;
    }
    uint8_t *out = NULL;
    size_t out_len = 0;
    r = kssim_deferred_output_complete(deferred, &out, &out_len);
    kssim_free(out);
    return r == KSSIM_OK && out_len > 0;
}

static bool sign_with_device(const bench_signer *signer, const unsigned char *message, size_t len)
{
    kssim_op_params params = {.digest = KSSIM_DIGEST_SHA256};
    if (signer->algorithm == BENCH_RSA_PSS_2048)
        params.padding = KSSIM_PADDING_PSS;
    if (signer->algorithm == BENCH_ED25519)
        params.digest = KSSIM_DIGEST_NONE;
    if (signer->lock != NULL)
        return sign_with_shared_device(signer, &params, message, len);
    if (kssim_device_begin(signer->device) != KSSIM_OK)
        return false;
    kssim_operation op;
    uint8_t *out = NULL;
    size_t out_len = 0;
    kssim_result r = kssim_begin(signer->device, signer->alias, KSSIM_PURPOSE_SIGN, &params, &op);
    if (r == KSSIM_OK)
        r = kssim_finish(signer->device, op.handle, message, len, NULL, 0, &out, &out_len);
    kssim_free(out);
    kssim_result committed = kssim_device_commit(signer->device);
    if (r != KSSIM_OK)
        fprintf(stderr, "%s: %s\n", kssim_result_name(r), kssim_device_message(signer->device));
    return r == KSSIM_OK && committed == KSSIM_OK;
}

static void sign_one(const bench_signer *signer, unsigned long thread, unsigned long counter)
{
    unsigned char message[80], sig[512];
    size_t len = message_for(message, sizeof(message), thread, counter);
    size_t sig_len = sizeof(sig);
    bool ok = signer->device != NULL ? sign_with_device(signer, message, len)
                                     : sign_with_evp(signer, message, len, sig, &sig_len);
    CHECK(ok);
}

/* ---- Batches, on one thread or two ---- */

#define WORKERS 2

static struct {
    pthread_barrier_t start, done;
    const bench_signer *signer;
    size_t count;
    unsigned long counter_base;
    bool stop;
} pool;

static void *worker(void *arg)
{
    unsigned long index = (unsigned long)(uintptr_t)arg;
    for (;;) {
        pthread_barrier_wait(&pool.start);
        if (pool.stop)
            return NULL;
        for (size_t i = 0; i < pool.count; i++)
            sign_one(pool.signer, index, pool.counter_base + i);
        pthread_barrier_wait(&pool.done);
    }
}

static unsigned long counter;

/* One batch's seconds per signature: wall time (total throughput's inverse) and the process's CPU time,
 * which other programs on a shared machine disturb less. */
typedef struct batch_time {
    double wall, cpu;
} batch_time;

static batch_time time_batch(const bench_signer *signer, size_t count, int threads)
{
    double started = bench_now(), cpu_started = bench_cpu_now();
    if (threads == 1) {
        for (size_t i = 0; i < count; i++)
            sign_one(signer, 0, counter++);
    } else {
        pool.signer = signer;
        pool.count = count;
        pool.counter_base = counter;
        counter += count;
        pthread_barrier_wait(&pool.start);
        pthread_barrier_wait(&pool.done);
    }
    double signatures = (double)(count * (size_t)threads);
    return (batch_time){(bench_now() - started) / signatures, (bench_cpu_now() - cpu_started) / signatures};
}

/* ---- Rows ---- */

static void print_header(void)
{
    printf("%-13s %-9s %-7s %-9s %3s %12s %12s %7s %15s %9s %6s\n", "algorithm", "path", "device", "key", "thr",
           "keystore us", "default us", "ratio", "round ratios", "cpu ratio", "goal");
}

/* Times keystore against software in interleaved rounds and prints one row; goal 0 means none. */
static void compare(const char *path, const char *device, const char *key, int threads, const bench_signer *keystore,
                    const bench_signer *software, double goal)
{
    /* Warm-up (first-use costs: loading, session opening) and calibration of the batch size. */
    time_batch(software, 1, threads);
    time_batch(keystore, 1, threads);
    double default_each = time_batch(software, 2, threads).wall;
    size_t count = 1;
    if (!settings.smoke && default_each > 0)
        count = (size_t)(settings.batch_seconds / default_each / threads) + 1;
    double *keystore_times = calloc((size_t)settings.rounds, sizeof(double));
    double *default_times = calloc((size_t)settings.rounds, sizeof(double));
    double *round_ratios = calloc((size_t)settings.rounds, sizeof(double));
    double *keystore_cpu = calloc((size_t)settings.rounds, sizeof(double));
    double *default_cpu = calloc((size_t)settings.rounds, sizeof(double));
    CHECK(keystore_times != NULL && default_times != NULL && round_ratios != NULL && keystore_cpu != NULL &&
          default_cpu != NULL);
    for (int r = 0; r < settings.rounds; r++) {
        batch_time k, d;
        if (r % 2 == 0) {
            k = time_batch(keystore, count, threads);
            d = time_batch(software, count, threads);
        } else {
            d = time_batch(software, count, threads);
            k = time_batch(keystore, count, threads);
        }
        keystore_times[r] = k.wall;
        default_times[r] = d.wall;
        keystore_cpu[r] = k.cpu;
        default_cpu[r] = d.cpu;
        round_ratios[r] = k.wall / d.wall;
    }
    double keystore_median = bench_median(keystore_times, (size_t)settings.rounds);
    double default_median = bench_median(default_times, (size_t)settings.rounds);
    double cpu_ratio =
        bench_median(keystore_cpu, (size_t)settings.rounds) / bench_median(default_cpu, (size_t)settings.rounds);
    bench_median(round_ratios, (size_t)settings.rounds); /* sorts them, for the quartiles */
    double ratio = keystore_median / default_median;
    char spread[32];
    snprintf(spread, sizeof(spread), "%.2f-%.2f", round_ratios[settings.rounds / 4],
             round_ratios[(3 * settings.rounds) / 4]);
    char goal_text[16] = "-";
    if (goal > 0)
        snprintf(goal_text, sizeof(goal_text), "%.2f%s", goal, ratio <= goal ? "" : "!");
    printf("%-13s %-9s %-7s %-9s %3d %12.1f %12.1f %6.2fx %15s %8.2fx %6s\n", algorithms[keystore->algorithm].label,
           path, device, key, threads, keystore_median * 1e6, default_median * 1e6, ratio, spread, cpu_ratio,
           goal_text);
    fflush(stdout);
    free(keystore_times);
    free(default_times);
    free(round_ratios);
    free(keystore_cpu);
    free(default_cpu);
}

/* Two threads against one, interleaved (see the top of the file); the line goes to the second table. */
#define SCALING_GOAL 1.80
static char scaling_table[4096];

/* The share of a signature's CPU time spent under the lock, for a signer with one (see the top). */
static double locked_share(const bench_signer *keystore, size_t count)
{
    bench_signer locked = *keystore;
    locked.locked_part_only = true;
    size_t rounds = (size_t)settings.rounds;
    double *shares = calloc(rounds, sizeof(double));
    CHECK(shares != NULL);
    for (size_t r = 0; r < rounds; r++) {
        double part = r % 2 == 0 ? time_batch(&locked, count, 1).cpu : 0;
        double whole = time_batch(keystore, count, 1).cpu;
        if (r % 2 != 0)
            part = time_batch(&locked, count, 1).cpu;
        shares[r] = whole > 0 ? part / whole : 1;
    }
    double share = bench_median(shares, rounds);
    free(shares);
    return share;
}

static void compare_scaling(const char *path, const char *device, const bench_signer *keystore,
                            const bench_signer *software)
{
    time_batch(keystore, 1, WORKERS);
    time_batch(software, 1, WORKERS);
    double default_each = time_batch(software, 2, 1).wall;
    size_t count = 1;
    if (!settings.smoke && default_each > 0)
        count = (size_t)(settings.batch_seconds / default_each / WORKERS) + 1;
    size_t rounds = (size_t)settings.rounds;
    double *times[4]; /* keystore 1, keystore 2, default 1, default 2: seconds per signature */
    for (int i = 0; i < 4; i++)
        CHECK((times[i] = calloc(rounds, sizeof(double))) != NULL);
    for (size_t r = 0; r < rounds; r++) {
        for (int step = 0; step < 4; step++) {
            int which = (int)((step + r) % 4);
            const bench_signer *signer = which < 2 ? keystore : software;
            int threads = which % 2 == 0 ? 1 : WORKERS;
            /* The same number of signatures per thread: a two-thread batch makes twice as many. */
            times[which][r] = time_batch(signer, count, threads).wall;
        }
    }
    double median[4];
    for (int i = 0; i < 4; i++) {
        median[i] = bench_median(times[i], rounds);
        free(times[i]);
    }
    double keystore_gain = median[0] / median[1], default_gain = median[2] / median[3];
    char share_text[16] = "-", bound_text[16] = "-";
    if (keystore->lock != NULL) {
        double share = locked_share(keystore, count);
        snprintf(share_text, sizeof(share_text), "%.0f%%", share * 100);
        snprintf(bound_text, sizeof(bound_text), "%.2fx", share > 0.5 ? 1 / share : 2.0);
    }
    size_t used = strlen(scaling_table);
    snprintf(scaling_table + used, sizeof(scaling_table) - used,
             "%-13s %-9s %-7s %11.1f %11.1f %7.2fx %10.1f %10.1f %7.2fx %7s %7s %6.2f%s\n",
             algorithms[keystore->algorithm].label, path, device, median[0] * 1e6, median[1] * 1e6, keystore_gain,
             median[2] * 1e6, median[3] * 1e6, default_gain, share_text, bound_text, SCALING_GOAL,
             keystore_gain >= SCALING_GOAL ? "" : "!");
}

static void print_scaling_table(void)
{
    printf("\ntwo threads against one: us per signature with 1 and 2 threads (2: the inverse of the total "
           "throughput), gain = 1-thread / 2-thread (the throughput's growth), median of interleaved rounds; locked = "
           "share of a signature's CPU time under the device's lock, bound = min(2, 1 / locked); goal ! = keystore "
           "gain below the goal\n");
    printf("%-13s %-9s %-7s %11s %11s %8s %10s %10s %8s %7s %7s %6s\n", "algorithm", "path", "device", "keystore 1",
           "keystore 2", "gain", "default 1", "default 2", "gain", "locked", "bound", "goal");
    printf("%s", scaling_table);
}

/* ---- Keys and devices ---- */

#define AUTH_TIMEOUT_S 3600u /* virtual clocks never move here: the token stays valid for the run */
#define PIN            "1234"
#define FINGER         1u

static void on_device(kssim_device *device, kssim_result (*call)(kssim_device *, void *), void *arg)
{
    CHECK(kssim_device_begin(device) == KSSIM_OK);
    kssim_result r = call(device, arg);
    CHECK(kssim_device_commit(device) == KSSIM_OK);
    if (r != KSSIM_OK)
        fprintf(stderr, "%s: %s\n", kssim_result_name(r), kssim_device_message(device));
    CHECK(r == KSSIM_OK);
}

/* A PIN and a strong fingerprint, as an auth-bound key needs. */
static kssim_result secure_lock_screen(kssim_device *device, void *arg)
{
    (void)arg;
    kssim_result r = kssim_set_credential(device, KSSIM_CREDENTIAL_PIN, PIN);
    if (r == KSSIM_OK)
        r = kssim_enroll_biometric(device, FINGER, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_STRONG);
    return r;
}

/* The fingerprint the timeout keys' window opens with: a token in keystore2's cache. */
static kssim_result touch_sensor(kssim_device *device, void *arg)
{
    (void)arg;
    return kssim_authenticate_biometric(device, FINGER, 0, NULL);
}

struct device_key {
    const char *alias;
    bench_algorithm algorithm;
    bool auth;
};

static kssim_result generate_on_device(kssim_device *device, void *arg)
{
    const struct device_key *key = arg;
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, algorithms[key->algorithm].device_algorithm);
    snprintf(spec.alias, sizeof(spec.alias), "%s", key->alias);
    if (key->auth) {
        spec.user_auth = true;
        spec.auth_types = KSSIM_AUTH_BIOMETRIC_STRONG;
        spec.auth_timeout_s = AUTH_TIMEOUT_S;
    }
    return kssim_generate_key(device, &spec);
}

static EVP_PKEY *generate_in_provider(OSSL_LIB_CTX *libctx, bench_algorithm algorithm, const char *alias, bool auth)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(libctx, algorithms[algorithm].key_type, "provider=keystore");
    CHECK(ctx != NULL && EVP_PKEY_keygen_init(ctx) == 1);
    OSSL_PARAM params[6];
    size_t n = 0;
    unsigned int bits = 2048, timeout = AUTH_TIMEOUT_S;
    params[n++] = OSSL_PARAM_construct_utf8_string(KSSIM_PROVIDER_PARAM_ALIAS, (char *)alias, 0);
    if (algorithm == BENCH_ECDSA_P256)
        params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0);
    if (algorithm == BENCH_RSA_PSS_2048)
        params[n++] = OSSL_PARAM_construct_uint(OSSL_PKEY_PARAM_RSA_BITS, &bits);
    if (auth) {
        params[n++] = OSSL_PARAM_construct_utf8_string(KSSIM_PROVIDER_PARAM_USER_AUTH, "biometric_strong", 0);
        params[n++] = OSSL_PARAM_construct_uint(KSSIM_PROVIDER_PARAM_AUTH_TIMEOUT, &timeout);
    }
    params[n] = OSSL_PARAM_construct_end();
    CHECK(EVP_PKEY_CTX_set_params(ctx, params) == 1);
    EVP_PKEY *pkey = NULL;
    CHECK(EVP_PKEY_generate(ctx, &pkey) == 1);
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

static EVP_PKEY *generate_in_software(OSSL_LIB_CTX *libctx, bench_algorithm algorithm)
{
    EVP_PKEY *pkey = NULL;
    switch (algorithm) {
    case BENCH_ECDSA_P256:
        pkey = EVP_PKEY_Q_keygen(libctx, "provider=default", "EC", "P-256");
        break;
    case BENCH_RSA_PSS_2048:
        pkey = EVP_PKEY_Q_keygen(libctx, "provider=default", "RSA", (size_t)2048);
        break;
    default:
        pkey = EVP_PKEY_Q_keygen(libctx, "provider=default", "ED25519");
        break;
    }
    CHECK(pkey != NULL);
    return pkey;
}

/* A library context with the keystore provider (whose own device is location: the provider reads
 * KSSIM_DEVICE once, at its first device call, which comes before the next context is made) and
 * OpenSSL's default provider. */
static OSSL_LIB_CTX *provider_context(const char *location)
{
    CHECK(setenv("KSSIM_DEVICE", location, 1) == 0);
    OSSL_LIB_CTX *libctx = OSSL_LIB_CTX_new();
    CHECK(libctx != NULL);
    CHECK(OSSL_PROVIDER_set_default_search_path(libctx, settings.build_directory));
    CHECK(OSSL_PROVIDER_load(libctx, "keystore") != NULL);
    CHECK(OSSL_PROVIDER_load(libctx, "default") != NULL);
    return libctx;
}

static char temporary[] = "/tmp/kssim-bench-XXXXXX";

static void remove_temporary(void)
{
    char command[sizeof(temporary) + 16];
    snprintf(command, sizeof(command), "rm -rf %s", temporary);
    if (system(command) != 0)
        fprintf(stderr, "could not remove %s\n", temporary);
}

/* ---- The benchmark ---- */

typedef struct bench_setup {
    OSSL_LIB_CTX *memory_ctx, *disk_ctx;
    kssim_device *disk_handle;                    /* the disk device, as another app sees it */
    kssim_device *api_memory, *api_disk;          /* devices driven through the C API */
    pthread_mutex_t api_memory_lock;              /* api_memory's, for the rows on two threads */
    EVP_PKEY *software[2][BENCH_ALGORITHM_COUNT]; /* [0] in memory_ctx, [1] in disk_ctx */
} bench_setup;

static void run_algorithm(bench_setup *setup, bench_algorithm algorithm)
{
    char alias[32], auth_alias[32];
    snprintf(alias, sizeof(alias), "%s", algorithms[algorithm].option);
    snprintf(auth_alias, sizeof(auth_alias), "%s-auth", algorithms[algorithm].option);
    EVP_PKEY *memory_key = generate_in_provider(setup->memory_ctx, algorithm, alias, false);
    EVP_PKEY *disk_key = generate_in_provider(setup->disk_ctx, algorithm, alias, false);
    EVP_PKEY *disk_auth_key = generate_in_provider(setup->disk_ctx, algorithm, auth_alias, true);
    on_device(setup->disk_handle, touch_sensor, NULL);
    struct device_key plain = {alias, algorithm, false}, bound = {auth_alias, algorithm, true};
    on_device(setup->api_memory, generate_on_device, &plain);
    on_device(setup->api_memory, generate_on_device, &bound);
    on_device(setup->api_memory, touch_sensor, NULL);
    on_device(setup->api_disk, generate_on_device, &plain);

#define EVP_SIGNER(ctx, propq_, key) {.algorithm = algorithm, .libctx = (ctx), .propq = (propq_), .pkey = (key)}
#define API_SIGNER(device_, alias_)                                                                                    \
    {                                                                                                                  \
        .algorithm = algorithm, .device = (device_), .alias = (alias_)                                                 \
    }
    bench_signer software_memory = EVP_SIGNER(setup->memory_ctx, "provider=default", setup->software[0][algorithm]);
    bench_signer software_disk = EVP_SIGNER(setup->disk_ctx, "provider=default", setup->software[1][algorithm]);
    bench_signer provider_memory = EVP_SIGNER(setup->memory_ctx, "?provider=keystore", memory_key);
    bench_signer provider_disk = EVP_SIGNER(setup->disk_ctx, "?provider=keystore", disk_key);
    bench_signer provider_disk_auth = EVP_SIGNER(setup->disk_ctx, "?provider=keystore", disk_auth_key);
    bench_signer api_memory = API_SIGNER(setup->api_memory, alias);
    bench_signer api_memory_shared = API_SIGNER(setup->api_memory, alias);
    api_memory_shared.lock = &setup->api_memory_lock;
    bench_signer api_memory_auth = API_SIGNER(setup->api_memory, auth_alias);
    bench_signer api_disk = API_SIGNER(setup->api_disk, alias);

    double memory_goal = algorithms[algorithm].memory_goal, disk_goal = algorithms[algorithm].disk_goal;
    compare("provider", "memory", "no auth", 1, &provider_memory, &software_memory, memory_goal);
    compare("provider", "disk", "no auth", 1, &provider_disk, &software_disk, disk_goal);
    compare("provider", "disk", "auth 1h", 1, &provider_disk_auth, &software_disk, disk_goal);
    compare("provider", "memory", "no auth", WORKERS, &provider_memory, &software_memory, 0);
    compare("provider", "disk", "no auth", WORKERS, &provider_disk, &software_disk, 0);
    compare("C API", "memory", "no auth", 1, &api_memory, &software_memory, 0);
    compare("C API", "memory", "auth 1h", 1, &api_memory_auth, &software_memory, 0);
    compare("C API", "disk", "no auth", 1, &api_disk, &software_disk, 0);
    compare("C API", "memory", "no auth", WORKERS, &api_memory_shared, &software_memory, 0);
    compare_scaling("provider", "memory", &provider_memory, &software_memory);
    compare_scaling("C API", "memory", &api_memory_shared, &software_memory);

    EVP_PKEY_free(memory_key);
    EVP_PKEY_free(disk_key);
    EVP_PKEY_free(disk_auth_key);
}

/* Issue 17: a signature's cost on a device that holds many other keys. */
#define GROWN_DISK_GOAL   1.60
#define GROWN_MEMORY_GOAL 1.10

static void run_grown_devices(bench_setup *setup)
{
    size_t fewer = settings.smoke ? 10 : 1000, more = settings.smoke ? 20 : 10000;
    size_t sizes[2] = {fewer, more};
    for (int i = 0; i < 2; i++) {
        char location[sizeof(temporary) + 32], label[32];
        snprintf(location, sizeof(location), "%s/grown-%zu", temporary, sizes[i]);
        bench_fill_location(location, sizes[i]);
        OSSL_LIB_CTX *libctx = provider_context(location);
        EVP_PKEY *software_key = generate_in_software(libctx, BENCH_ECDSA_P256);
        EVP_PKEY *key = generate_in_provider(libctx, BENCH_ECDSA_P256, "ecdsa", false);
        bench_signer software = {
            .algorithm = BENCH_ECDSA_P256, .libctx = libctx, .propq = "provider=default", .pkey = software_key};
        bench_signer provider = {
            .algorithm = BENCH_ECDSA_P256, .libctx = libctx, .propq = "?provider=keystore", .pkey = key};
        snprintf(label, sizeof(label), "%zu keys", sizes[i]);
        compare("provider", "disk", label, 1, &provider, &software, GROWN_DISK_GOAL);
        EVP_PKEY_free(key);
        EVP_PKEY_free(software_key);
        OSSL_LIB_CTX_free(libctx);
    }
    /* A memory: device lives in its provider: its other keys are generated through it. */
    OSSL_LIB_CTX *libctx = provider_context(KSSIM_MEMORY_DEVICE);
    double started = bench_now();
    for (size_t k = 0; k < more; k++) {
        char alias[32];
        snprintf(alias, sizeof(alias), "filler-%06zu", k);
        EVP_PKEY_free(generate_in_provider(libctx, BENCH_ECDSA_P256, alias, false));
    }
    if (!settings.smoke)
        fprintf(stderr, "(%zu keys generated on the provider's memory: device in %.1f s)\n", more,
                bench_now() - started);
    EVP_PKEY *software_key = generate_in_software(libctx, BENCH_ECDSA_P256);
    EVP_PKEY *key = generate_in_provider(libctx, BENCH_ECDSA_P256, "ecdsa", false);
    bench_signer software = {
        .algorithm = BENCH_ECDSA_P256, .libctx = libctx, .propq = "provider=default", .pkey = software_key};
    bench_signer provider = {
        .algorithm = BENCH_ECDSA_P256, .libctx = libctx, .propq = "?provider=keystore", .pkey = key};
    char label[32];
    snprintf(label, sizeof(label), "%zu keys", more);
    compare("provider", "memory", label, 1, &provider, &software, GROWN_MEMORY_GOAL);
    EVP_PKEY_free(key);
    EVP_PKEY_free(software_key);
    OSSL_LIB_CTX_free(libctx);
    (void)setup;
}

static void parse_arguments(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            settings.rounds = (int)bench_positive_number(argv[++i], usage);
        } else if (strcmp(argv[i], "--batch-ms") == 0 && i + 1 < argc) {
            settings.batch_seconds = (double)bench_positive_number(argv[++i], usage) / 1000.0;
        } else if (strcmp(argv[i], "--smoke") == 0) {
            settings.smoke = true;
            settings.rounds = 3;
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            i++;
            for (int a = 0; a < BENCH_ALGORITHM_COUNT; a++)
                if (strcmp(argv[i], algorithms[a].option) == 0)
                    settings.only = a;
            if (settings.only < 0) {
                fprintf(stderr, "%s", usage);
                exit(2);
            }
        } else if (argv[i][0] != '-' && settings.build_directory == NULL) {
            settings.build_directory = argv[i];
        } else {
            fprintf(stderr, "%s", usage);
            exit(2);
        }
    }
    if (settings.build_directory == NULL) {
        fprintf(stderr, "%s", usage);
        exit(2);
    }
}

int main(int argc, char **argv)
{
    parse_arguments(argc, argv);
    CHECK(mkdtemp(temporary) != NULL);
    atexit(remove_temporary);
    char provider_disk[sizeof(temporary) + 16], api_disk[sizeof(temporary) + 16];
    snprintf(provider_disk, sizeof(provider_disk), "%s/provider", temporary);
    snprintf(api_disk, sizeof(api_disk), "%s/api", temporary);

    bench_setup setup;
    memset(&setup, 0, sizeof(setup));
    CHECK(pthread_mutex_init(&setup.api_memory_lock, NULL) == 0);
    /* The provider's disk device gets its lock screen from another handle before any key needs it. */
    CHECK(kssim_device_open(provider_disk, NULL, &setup.disk_handle) == KSSIM_OK);
    on_device(setup.disk_handle, secure_lock_screen, NULL);
    CHECK(kssim_device_open(KSSIM_MEMORY_DEVICE, NULL, &setup.api_memory) == KSSIM_OK);
    on_device(setup.api_memory, secure_lock_screen, NULL);
    CHECK(kssim_device_open(api_disk, NULL, &setup.api_disk) == KSSIM_OK);
    setup.memory_ctx = provider_context(KSSIM_MEMORY_DEVICE);
    /* The first keystore key makes the provider choose (and remember) its device now. */
    EVP_PKEY *first = generate_in_provider(setup.memory_ctx, BENCH_ECDSA_P256, "first", false);
    EVP_PKEY_free(first);
    setup.disk_ctx = provider_context(provider_disk);
    for (int a = 0; a < BENCH_ALGORITHM_COUNT; a++) {
        setup.software[0][a] = generate_in_software(setup.memory_ctx, (bench_algorithm)a);
        setup.software[1][a] = generate_in_software(setup.disk_ctx, (bench_algorithm)a);
    }

    pthread_t threads[WORKERS];
    CHECK(pthread_barrier_init(&pool.start, NULL, WORKERS + 1) == 0);
    CHECK(pthread_barrier_init(&pool.done, NULL, WORKERS + 1) == 0);
    for (int i = 0; i < WORKERS; i++)
        CHECK(pthread_create(&threads[i], NULL, worker, (void *)(uintptr_t)(i + 1)) == 0);

    printf("signatures: median wall time per signature over %d interleaved rounds; ratio = keystore / default "
           "provider; round ratios = 25th-75th percentile of each round's ratio; cpu ratio = the same with the "
           "process's CPU time; goal ! = ratio above the goal\n",
           settings.rounds);
    print_header();
    for (int a = 0; a < BENCH_ALGORITHM_COUNT; a++)
        if (settings.only < 0 || settings.only == a)
            run_algorithm(&setup, (bench_algorithm)a);
    if (settings.only < 0 || settings.only == BENCH_ECDSA_P256)
        run_grown_devices(&setup);
    print_scaling_table();

    pool.stop = true;
    pthread_barrier_wait(&pool.start);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(threads[i], NULL);
    for (int a = 0; a < BENCH_ALGORITHM_COUNT; a++) {
        EVP_PKEY_free(setup.software[0][a]);
        EVP_PKEY_free(setup.software[1][a]);
    }
    kssim_device_free(setup.disk_handle);
    kssim_device_free(setup.api_memory);
    kssim_device_free(setup.api_disk);
    OSSL_LIB_CTX_free(setup.memory_ctx);
    OSSL_LIB_CTX_free(setup.disk_ctx);
    return 0;
}
