/*
 * test_invariant_images.c - encode-then-decode equality for every kind of stored image, and the input
 * checks that keep a damaged image from reaching an invariant.
 *
 * Each layer's image (the environment's clocks and DRBG, the secure world with KeyMint's records,
 * keystore2's state and token cache, one key-database row) is encoded from a device that has something
 * in every part, decoded, and encoded again: the bytes must be the same, which is what the capture's
 * round-trip invariant (sim/store/device_image.c) relies on. A restored DRBG snapshot must draw what the
 * original draws next. An image whose token cache breaks the cache's rules, or whose DRBG state is not a
 * seeded one, is refused: trusting it would trip the invariants of token_cache.c and crypto.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/device_image.h"
#include "../device_fixture.h"

static const uint8_t message[] = "round trip";

static kssim_device *new_device(int api_level)
{
    kssim_config config;
    kssim_config_default(&config);
    config.seed = 29;
    config.api_level = api_level;
    kssim_device *device = NULL;
    assert_int_equal(kssim_device_create(&config, &device), KSSIM_OK);
    return device;
}

static void generate(kssim_device *device, const char *alias, kssim_algorithm algorithm, bool user_auth,
                     uint32_t timeout_s)
{
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, algorithm);
    strcpy(spec.alias, alias);
    if (user_auth) {
        spec.user_auth = true;
        spec.auth_types = KSSIM_AUTH_BIOMETRIC_STRONG | KSSIM_AUTH_DEVICE_CREDENTIAL;
        spec.auth_timeout_s = timeout_s;
    }
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
}

/* A device with a credential, biometrics, keys of several kinds (one used up: a tombstone), tokens in
 * the cache, a reboot and time behind it, and the device locked with a biometric-encrypted copy. */
static kssim_device *device_with_everything(void)
{
    kssim_device *device = new_device(KSSIM_API_LEVEL_MAX);
    fixture_set_pin_and_strong_fingerprint(device);
    generate(device, "ec", KSSIM_ALGORITHM_EC, false, 0);
    generate(device, "aes", KSSIM_ALGORITHM_AES, false, 0);
    generate(device, "per_op", KSSIM_ALGORITHM_EC, true, 0);
    generate(device, "timeout", KSSIM_ALGORITHM_EC, true, 30);
    kssim_key_spec once;
    kssim_key_spec_default(&once, KSSIM_ALGORITHM_EC);
    strcpy(once.alias, "once");
    once.usage_count_limit = 1;
    assert_int_equal(kssim_generate_key(device, &once), KSSIM_OK);
    kssim_operation op;
    uint8_t *signature = NULL;
    size_t signature_len = 0;
    assert_int_equal(kssim_begin(device, "once", KSSIM_PURPOSE_SIGN, NULL, &op), KSSIM_OK);
    assert_int_equal(kssim_finish(device, op.handle, message, sizeof(message), NULL, 0, &signature, &signature_len),
                     KSSIM_OK);
    kssim_free(signature);
    assert_int_equal(kssim_advance(device, 4000), KSSIM_OK);
    assert_int_equal(kssim_reboot(device), KSSIM_OK);
    assert_int_equal(kssim_unlock(device, "1234"), KSSIM_OK);
    assert_int_equal(kssim_verify_credential(device, "1234", 0x5151, NULL), KSSIM_OK);
    assert_int_equal(kssim_authenticate_biometric(device, 1, 0x7777, NULL), KSSIM_OK);
    assert_int_equal(kssim_lock(device), KSSIM_OK);
    assert_true(device->ks.tokens.count >= 2);
    return device;
}

static uint8_t *finish(sim_writer *w, size_t *len)
{
    uint8_t *bytes = sim_writer_finish(w, len);
    assert_non_null(bytes);
    return bytes;
}

static void assert_same_bytes(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
    assert_int_equal(a_len, b_len);
    assert_memory_equal(a, b, a_len);
}

static void the_environment_image_round_trips(void **state)
{
    (void)state;
    kssim_device *device = device_with_everything();
    sim_writer w;
    sim_writer_init(&w);
    sim_env_image_encode(&device->env, &w);
    size_t len, again_len;
    uint8_t *bytes = finish(&w, &len);
    sim_reader r;
    sim_reader_init(&r, bytes, len);
    sim_env decoded;
    sim_env_image_decode(&r, &decoded);
    sim_reader_expect_end(&r);
    assert_false(sim_reader_failed(&r));
    assert_memory_equal(&decoded.crypto.drbg, &device->env.crypto.drbg, sizeof(decoded.crypto.drbg));
    assert_int_equal(decoded.clock.boot_ms, device->env.clock.boot_ms);
    sim_writer_init(&w);
    sim_env_image_encode(&decoded, &w);
    uint8_t *again = finish(&w, &again_len);
    assert_same_bytes(bytes, len, again, again_len);
    free(bytes);
    free(again);
    kssim_device_free(device);
}

static void the_secure_world_image_round_trips(void **state)
{
    (void)state;
    kssim_device *device = device_with_everything();
    sim_writer w;
    sim_writer_init(&w);
    sim_secure_world_image_encode(&device->sw, &w);
    size_t len, again_len;
    uint8_t *bytes = finish(&w, &len);
    sim_reader r;
    sim_reader_init(&r, bytes, len);
    sim_secure_world decoded;
    sim_secure_world_image_decode(&r, &decoded);
    sim_reader_expect_end(&r);
    assert_false(sim_reader_failed(&r));
    assert_true(decoded.gatekeeper.enrolled);
    sim_writer_init(&w);
    sim_secure_world_image_encode(&decoded, &w);
    uint8_t *again = finish(&w, &again_len);
    assert_same_bytes(bytes, len, again, again_len);
    sim_secure_world_cleanup(&decoded);
    free(bytes);
    free(again);
    kssim_device_free(device);
}

static void the_keystore2_image_round_trips(void **state)
{
    (void)state;
    kssim_device *device = device_with_everything();
    sim_writer w;
    sim_writer_init(&w);
    sim_keystore2_image_encode(&device->ks, &w);
    sim_keystore2_udr_image_encode(&device->ks, &w);
    size_t len, again_len;
    uint8_t *bytes = finish(&w, &len);
    sim_reader r;
    sim_reader_init(&r, bytes, len);
    sim_keystore2 decoded;
    sim_keystore2_image_decode(&r, &decoded);
    sim_keystore2_udr_image_decode(&r, &decoded, true);
    sim_reader_expect_end(&r);
    assert_false(sim_reader_failed(&r));
    assert_int_equal(decoded.tokens.count, device->ks.tokens.count);
    assert_memory_equal(decoded.tokens.tokens, device->ks.tokens.tokens,
                        device->ks.tokens.count * sizeof(*decoded.tokens.tokens));
    assert_int_equal(decoded.locked, device->ks.locked);
    assert_int_equal(decoded.biometric_unlock_sid_count, device->ks.biometric_unlock_sid_count);
    sim_writer_init(&w);
    sim_keystore2_image_encode(&decoded, &w);
    sim_keystore2_udr_image_encode(&decoded, &w);
    uint8_t *again = finish(&w, &again_len);
    assert_same_bytes(bytes, len, again, again_len);
    sim_keystore2_cleanup(&decoded);
    free(bytes);
    free(again);
    kssim_device_free(device);
}

static void every_key_row_round_trips(void **state)
{
    (void)state;
    kssim_device *device = device_with_everything();
    size_t tombstones = 0;
    assert_true(device->ks.db.count >= 5);
    for (size_t i = 0; i < device->ks.db.count; i++) {
        const sim_key_entry *entry = device->ks.db.entries[i];
        tombstones += entry->deleted_because != KSSIM_REASON_NONE;
        sim_writer w;
        sim_writer_init(&w);
        sim_key_entry_image_encode(entry, &w);
        size_t len, again_len;
        uint8_t *bytes = finish(&w, &len);
        sim_reader r;
        sim_reader_init(&r, bytes, len);
        sim_key_database db = {0};
        sim_key_database_image_decode_row(&r, &db, entry->alias, 3); /* rows as written now */
        assert_false(sim_reader_failed(&r));
        assert_int_equal(db.count, 1);
        sim_writer_init(&w);
        sim_key_entry_image_encode(db.entries[0], &w);
        uint8_t *again = finish(&w, &again_len);
        assert_same_bytes(bytes, len, again, again_len);
        sim_key_database_cleanup(&db);
        free(bytes);
        free(again);
    }
    assert_int_equal(tombstones, 1); /* the used-up key's row is among them */
    kssim_device_free(device);
}

/* The whole device, through capture (which checks its own round trip) and restore into another one. */
static void the_device_image_round_trips(void **state)
{
    (void)state;
    kssim_device *device = device_with_everything();
    sim_device_image image, again;
    assert_int_equal(sim_device_image_capture(device, &image), KSSIM_OK);
    kssim_device *restored = new_device(KSSIM_API_LEVEL_MAX);
    assert_int_equal(sim_device_image_restore(restored, &image), KSSIM_OK);
    assert_int_equal(sim_device_image_capture(restored, &again), KSSIM_OK);
    assert_same_bytes(image.state, image.state_len, again.state, again.state_len);
    assert_int_equal(image.key_count, again.key_count);
    for (size_t i = 0; i < image.key_count; i++)
        assert_same_bytes(image.keys[i].bytes, image.keys[i].len, again.keys[i].bytes, again.keys[i].len);
    sim_device_image_free(&image);
    sim_device_image_free(&again);
    kssim_device_free(restored);
    kssim_device_free(device);
}

/* TigerBeetle's PRNG snapshot test, for the device DRBG: a restored snapshot draws the same bytes the
 * original draws next, and the stream then moves on. */
static void a_restored_drbg_snapshot_draws_the_same_bytes(void **state)
{
    (void)state;
    kssim_device *device = device_with_everything();
    sim_writer w;
    sim_writer_init(&w);
    sim_env_image_encode(&device->env, &w);
    size_t len;
    uint8_t *snapshot = finish(&w, &len);
    uint8_t first[80], replayed[80], next[80];
    sim_random_bytes(&device->env.crypto, first, sizeof(first));
    sim_reader r;
    sim_reader_init(&r, snapshot, len);
    sim_env decoded;
    sim_env_image_decode(&r, &decoded);
    assert_false(sim_reader_failed(&r));
    sim_env_image_apply(&device->env, &decoded);
    sim_random_bytes(&device->env.crypto, replayed, sizeof(replayed));
    assert_memory_equal(first, replayed, sizeof(first));
    sim_random_bytes(&device->env.crypto, next, sizeof(next));
    assert_memory_not_equal(first, next, sizeof(first));
    free(snapshot);
    kssim_device_free(device);
}

static void an_unseeded_drbg_state_is_refused(void **state)
{
    (void)state;
    sim_env env;
    memset(&env, 0, sizeof(env));
    for (int instantiated = 0; instantiated < 2; instantiated++) {
        memset(env.crypto.drbg.value, instantiated, sizeof(env.crypto.drbg.value)); /* 0x00, or Instantiate's 0x01 */
        sim_writer w;
        sim_writer_init(&w);
        sim_env_image_encode(&env, &w);
        size_t len;
        uint8_t *bytes = finish(&w, &len);
        sim_reader r;
        sim_reader_init(&r, bytes, len);
        sim_env decoded;
        sim_env_image_decode(&r, &decoded);
        assert_true(sim_reader_failed(&r));
        assert_non_null(strstr(r.problem, "not a seeded one"));
        free(bytes);
    }
}

static sim_cached_token cached(uint64_t authenticator_id, uint64_t timestamp_ms, uint64_t received_ms)
{
    sim_cached_token t;
    memset(&t, 0, sizeof(t));
    t.token.user_id = 0x1111;
    t.token.authenticator_id = authenticator_id;
    t.token.authenticator_type = KSSIM_AUTHENTICATOR_PASSWORD;
    t.token.timestamp_ms = timestamp_ms;
    t.received_ms = received_ms;
    return t;
}

/* Encodes a keystore2 of api_level holding tokens and decodes it; the problem, or NULL if accepted. */
static const char *decode_tokens(int api_level, const sim_cached_token *tokens, size_t count, char *problem,
                                 size_t problem_size)
{
    sim_keystore2 ks;
    memset(&ks, 0, sizeof(ks));
    ks.api_level = api_level;
    ks.tokens.tokens = (sim_cached_token *)tokens;
    ks.tokens.count = ks.tokens.capacity = count;
    sim_writer w;
    sim_writer_init(&w);
    sim_keystore2_image_encode(&ks, &w);
    size_t len;
    uint8_t *bytes = finish(&w, &len);
    sim_reader r;
    sim_reader_init(&r, bytes, len);
    sim_keystore2 decoded;
    sim_keystore2_image_decode(&r, &decoded);
    const char *result = NULL;
    if (sim_reader_failed(&r)) {
        strncpy(problem, r.problem, problem_size - 1);
        problem[problem_size - 1] = '\0';
        result = problem;
    }
    sim_keystore2_cleanup(&decoded);
    free(bytes);
    return result;
}

static void a_stored_token_cache_that_breaks_its_rules_is_refused(void **state)
{
    (void)state;
    char problem[256];
    /* keystore2 (Android 12 and later): arrival order, one token per authenticator. */
    const sim_cached_token in_order[] = {cached(1, 500, 1000), cached(2, 400, 2000)};
    assert_null(decode_tokens(KSSIM_API_LEVEL_MAX, in_order, 2, problem, sizeof(problem)));
    const sim_cached_token out_of_order[] = {cached(1, 500, 2000), cached(2, 400, 1000)};
    assert_non_null(decode_tokens(KSSIM_API_LEVEL_MAX, out_of_order, 2, problem, sizeof(problem)));
    assert_non_null(strstr(problem, "arrival order"));
    const sim_cached_token twice[] = {cached(1, 500, 1000), cached(1, 600, 2000)};
    assert_non_null(decode_tokens(KSSIM_API_LEVEL_MAX, twice, 2, problem, sizeof(problem)));
    assert_non_null(strstr(problem, "two tokens of one"));
    /* keystore1 (Android 11 and earlier): ordered by timestamp; two of one authenticator may coexist. */
    assert_null(decode_tokens(30, twice, 2, problem, sizeof(problem)));
    assert_non_null(decode_tokens(30, out_of_order, 2, problem, sizeof(problem)));
    assert_non_null(strstr(problem, "ordered oldest first"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_environment_image_round_trips),
        cmocka_unit_test(the_secure_world_image_round_trips),
        cmocka_unit_test(the_keystore2_image_round_trips),
        cmocka_unit_test(every_key_row_round_trips),
        cmocka_unit_test(the_device_image_round_trips),
        cmocka_unit_test(a_restored_drbg_snapshot_draws_the_same_bytes),
        cmocka_unit_test(an_unseeded_drbg_state_is_refused),
        cmocka_unit_test(a_stored_token_cache_that_breaks_its_rules_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
