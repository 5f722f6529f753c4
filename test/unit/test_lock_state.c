/*
 * test_lock_state.c - the lock state as keystore2 sees it, per Android release: unlocked-device-required
 * keys (no lock without a secure lock screen, the token Android 12-14 also wants, biometric and weak
 * unlocks restoring their super key), keystore1's token replacement and the empty biometric list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "keystore2/keystore2.h"
#include "store/device_image.h"
#include "../device_fixture.h"

static const uint8_t data[] = "unlocked only";

static kssim_device *new_device(int api_level)
{
    kssim_config config;
    kssim_config_default(&config);
    config.seed = 11;
    config.api_level = api_level;
    kssim_device *device = NULL;
    assert_int_equal(kssim_device_create(&config, &device), KSSIM_OK);
    return device;
}

static void generate_unlocked_only(kssim_device *device, const char *alias)
{
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    strcpy(spec.alias, alias);
    spec.unlocked_device_required = true;
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
}

/* A PIN, a strong fingerprint (id 1), a key "udr", and a credential unlock (a token in the cache). */
static kssim_device *unlocked_device_with_udr_key(int api_level)
{
    kssim_device *device = new_device(api_level);
    fixture_set_pin_and_strong_fingerprint(device);
    generate_unlocked_only(device, "udr");
    assert_int_equal(kssim_unlock(device, "1234"), KSSIM_OK);
    return device;
}

static kssim_result sign(kssim_device *device, const char *alias)
{
    return fixture_sign_once(device, alias, data, sizeof(data), NULL, NULL);
}

static void without_a_secure_lock_screen_the_device_is_never_locked(void **state)
{
    (void)state;
    kssim_device *device = new_device(35);
    generate_unlocked_only(device, "udr");
    assert_int_equal(kssim_lock(device), KSSIM_OK);
    kssim_status status;
    assert_int_equal(kssim_status_get(device, &status), KSSIM_OK);
    assert_false(status.locked);
    assert_int_equal(sign(device, "udr"), KSSIM_OK);
    assert_int_equal(kssim_reboot(device), KSSIM_OK);
    assert_int_equal(sign(device, "udr"), KSSIM_OK);
    kssim_device_free(device);
}

static void unlocked_device_required_keys_need_a_token_on_android_12_to_14(void **state)
{
    (void)state;
    for (int api_level = 31; api_level <= 35; api_level++) {
        kssim_device *device = new_device(api_level);
        assert_int_equal(kssim_set_credential(device, KSSIM_CREDENTIAL_PIN, "1234"), KSSIM_OK);
        generate_unlocked_only(device, "udr");
        assert_int_equal(sign(device, "udr"), api_level <= 34 ? KSSIM_KEY_USER_NOT_AUTHENTICATED : KSSIM_OK);
        assert_int_equal(kssim_verify_credential(device, "1234", 0, NULL), KSSIM_OK);
        assert_int_equal(sign(device, "udr"), KSSIM_OK);
        kssim_device_free(device);
    }
    /* keystore1 is not modelled as asking for a token. */
    kssim_device *device = new_device(30);
    generate_unlocked_only(device, "udr");
    assert_int_equal(sign(device, "udr"), KSSIM_OK);
    kssim_device_free(device);
}

static void a_listed_biometric_restores_the_keys_and_an_unlisted_one_does_not(void **state)
{
    (void)state;
    kssim_device *device = unlocked_device_with_udr_key(34);
    assert_int_equal(kssim_lock(device), KSSIM_OK);
    assert_int_equal(sign(device, "udr"), KSSIM_DEVICE_LOCKED);
    assert_int_equal(kssim_unlock_with_biometric(device, 7), KSSIM_NO_MATCH);
    assert_int_equal(kssim_unlock_with_biometric(device, 1), KSSIM_OK);
    assert_int_equal(sign(device, "udr"), KSSIM_OK);
    /* The fingerprint token ages past 15 s; a face enrolled after the lock was not listed. */
    assert_int_equal(kssim_advance(device, 16000), KSSIM_OK);
    assert_int_equal(kssim_lock(device), KSSIM_OK);
    assert_int_equal(kssim_enroll_biometric(device, 2, KSSIM_MODALITY_FACE, KSSIM_BIOMETRIC_STRONG), KSSIM_OK);
    assert_int_equal(kssim_unlock_with_biometric(device, 2), KSSIM_OK);
    assert_int_equal(sign(device, "udr"), KSSIM_LOCKED);
    assert_true(strstr(kssim_device_message(device), "unlock with the credential") != NULL);
    assert_int_equal(kssim_unlock(device, "1234"), KSSIM_OK);
    assert_int_equal(sign(device, "udr"), KSSIM_OK);
    kssim_device_free(device);
}

static void the_biometric_copy_accepts_a_token_up_to_15_seconds_old(void **state)
{
    (void)state;
    for (uint64_t age_ms = 15000; age_ms <= 15001; age_ms++) {
        kssim_device *device = unlocked_device_with_udr_key(35);
        assert_int_equal(kssim_lock(device), KSSIM_OK);
        assert_int_equal(kssim_authenticate_biometric(device, 1, 0, NULL), KSSIM_OK);
        assert_int_equal(kssim_advance(device, age_ms), KSSIM_OK);
        assert_int_equal(kssim_unlock_with_trust_agent(device), KSSIM_OK);
        assert_int_equal(sign(device, "udr"), age_ms <= 15000 ? KSSIM_OK : KSSIM_LOCKED);
        kssim_device_free(device);
    }
}

static void after_a_reboot_only_the_credential_unlocks(void **state)
{
    (void)state;
    kssim_device *device = unlocked_device_with_udr_key(35);
    assert_int_equal(kssim_reboot(device), KSSIM_OK);
    assert_int_equal(kssim_unlock_with_biometric(device, 1), KSSIM_LOCKED);
    assert_int_equal(kssim_unlock_with_trust_agent(device), KSSIM_LOCKED);
    assert_int_equal(sign(device, "udr"), KSSIM_DEVICE_LOCKED);
    kssim_device_free(device);
    device = new_device(35);
    assert_int_equal(kssim_unlock_with_trust_agent(device), KSSIM_NO_SECURE_LOCK_SCREEN);
    kssim_device_free(device);
}

static void a_weak_unlock_method_keeps_the_keys_only_on_android_15(void **state)
{
    (void)state;
    for (int api_level = 34; api_level <= 35; api_level++) {
        kssim_device *device = unlocked_device_with_udr_key(api_level);
        assert_int_equal(kssim_lock_with_trust_agent(device), KSSIM_OK);
        assert_int_equal(sign(device, "udr"), KSSIM_DEVICE_LOCKED);
        assert_int_equal(kssim_advance(device, 60000), KSSIM_OK); /* no cached token can help */
        assert_int_equal(kssim_unlock_with_trust_agent(device), KSSIM_OK);
        assert_int_equal(sign(device, "udr"), api_level == 35 ? KSSIM_OK : KSSIM_LOCKED);
        /* Without a weak method enabled at lock, a trust-agent unlock leaves them wiped on both. */
        assert_int_equal(kssim_unlock(device, "1234"), KSSIM_OK);
        assert_int_equal(kssim_advance(device, 60000), KSSIM_OK);
        assert_int_equal(kssim_lock(device), KSSIM_OK);
        assert_int_equal(kssim_unlock_with_trust_agent(device), KSSIM_OK);
        assert_int_equal(sign(device, "udr"), KSSIM_LOCKED);
        kssim_device_free(device);
    }
}

/* An empty unlocking-SID list keeps the earlier biometric copy before the fix flag, forgets it on 15. */
static void an_empty_sid_list_forgets_the_biometric_copy_only_on_android_15(void **state)
{
    (void)state;
    for (int api_level = 34; api_level <= 35; api_level++) {
        kssim_device *device = unlocked_device_with_udr_key(api_level);
        assert_int_equal(kssim_lock(device), KSSIM_OK); /* copy for the fingerprint */
        assert_int_equal(kssim_unlock(device, "1234"), KSSIM_OK);
        assert_int_equal(kssim_authenticate_biometric(device, 1, 0, NULL), KSSIM_OK);
        assert_int_equal(kssim_remove_biometric(device, 1), KSSIM_OK);
        assert_int_equal(kssim_lock(device), KSSIM_OK); /* no strong biometric: empty list */
        assert_int_equal(kssim_unlock_with_trust_agent(device), KSSIM_OK);
        assert_int_equal(sign(device, "udr"), api_level == 34 ? KSSIM_OK : KSSIM_LOCKED);
        kssim_device_free(device);
    }
}

static void the_biometric_copy_survives_a_stored_device(void **state)
{
    (void)state;
    kssim_device *source = unlocked_device_with_udr_key(35);
    assert_int_equal(kssim_lock(source), KSSIM_OK);
    sim_device_image image;
    assert_int_equal(sim_device_image_capture(source, &image), KSSIM_OK);
    kssim_device *restored = new_device(35);
    assert_int_equal(sim_device_image_restore(restored, &image), KSSIM_OK);
    assert_int_equal(sign(restored, "udr"), KSSIM_DEVICE_LOCKED);
    assert_int_equal(kssim_unlock_with_biometric(restored, 1), KSSIM_OK);
    assert_int_equal(sign(restored, "udr"), KSSIM_OK);
    sim_device_image_free(&image);
    kssim_device_free(restored);
    kssim_device_free(source);
}

static kssim_auth_token password_token(uint64_t timestamp_ms)
{
    kssim_auth_token t = {0};
    t.user_id = 42;
    t.authenticator_type = KSSIM_AUTHENTICATOR_PASSWORD;
    t.timestamp_ms = timestamp_ms;
    return t;
}

static void keystore1_replaces_a_token_only_by_a_newer_one(void **state)
{
    (void)state;
    sim_token_cache cache = {0};
    kssim_auth_token newer = password_token(10000), older = password_token(0);
    sim_token_cache_add_keystore1(&cache, &newer, 10000);
    sim_token_cache_add_keystore1(&cache, &older, 11000); /* a replay: kept beside, never preferred */
    assert_int_equal(cache.count, 2);
    assert_int_equal(cache.tokens[cache.count - 1].token.timestamp_ms, 10000);
    kssim_auth_token newest = password_token(20000);
    sim_token_cache_add_keystore1(&cache, &newest, 20000); /* supersedes both */
    assert_int_equal(cache.count, 1);
    assert_int_equal(cache.tokens[0].token.timestamp_ms, 20000);
    /* The same timestamp received later is newer (is_newer_than's stuck-clock case). */
    sim_token_cache_add_keystore1(&cache, &newest, 25000);
    assert_int_equal(cache.count, 1);
    assert_int_equal(cache.tokens[0].received_ms, 25000);
    /* keystore2 replaces by arrival. */
    sim_token_cache_add(&cache, &older, 26000);
    assert_int_equal(cache.count, 1);
    assert_int_equal(cache.tokens[0].token.timestamp_ms, 0);
    free(cache.tokens);
}

static void an_empty_biometric_list_keeps_keys_on_android_11(void **state)
{
    (void)state;
    for (int api_level = 30; api_level <= 31; api_level++) {
        kssim_device *device = new_device(api_level);
        assert_int_equal(kssim_set_credential(device, KSSIM_CREDENTIAL_PIN, "1234"), KSSIM_OK);
        assert_int_equal(kssim_enroll_biometric(device, 1, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_STRONG),
                         KSSIM_OK);
        kssim_key_spec spec;
        kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
        strcpy(spec.alias, "bio");
        spec.user_auth = true;
        spec.auth_types = KSSIM_AUTH_BIOMETRIC_STRONG;
        assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
        assert_int_equal(kssim_remove_biometric(device, 1), KSSIM_OK);
        kssim_key_info info;
        assert_int_equal(kssim_key_info_get(device, "bio", &info), KSSIM_OK);
        assert_int_equal(info.state, api_level == 30 ? KSSIM_KEY_VALID : KSSIM_KEY_INVALIDATED);
        kssim_device_free(device);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(without_a_secure_lock_screen_the_device_is_never_locked),
        cmocka_unit_test(unlocked_device_required_keys_need_a_token_on_android_12_to_14),
        cmocka_unit_test(a_listed_biometric_restores_the_keys_and_an_unlisted_one_does_not),
        cmocka_unit_test(the_biometric_copy_accepts_a_token_up_to_15_seconds_old),
        cmocka_unit_test(after_a_reboot_only_the_credential_unlocks),
        cmocka_unit_test(a_weak_unlock_method_keeps_the_keys_only_on_android_15),
        cmocka_unit_test(an_empty_sid_list_forgets_the_biometric_copy_only_on_android_15),
        cmocka_unit_test(the_biometric_copy_survives_a_stored_device),
        cmocka_unit_test(keystore1_replaces_a_token_only_by_a_newer_one),
        cmocka_unit_test(an_empty_biometric_list_keeps_keys_on_android_11),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
