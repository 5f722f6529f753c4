/*
 * test_device_rules.c - the framework and keystore2 rules, through the public device API.
 *
 * Each test is one of the outcome rules of shared/spec/scenario-format.md, named for what it shows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <kssim/kssim.h>
#include "../device_fixture.h"

static const uint8_t data[] = "server challenge";

static kssim_device *new_device(int api_level)
{
    kssim_config config;
    kssim_config_default(&config);
    config.seed = 7;
    config.api_level = api_level;
    kssim_device *device = NULL;
    assert_int_equal(kssim_device_create(&config, &device), KSSIM_OK);
    return device;
}

static kssim_device *device_with_pin_and_fingerprint(int api_level)
{
    kssim_device *device = new_device(api_level);
    fixture_set_pin_and_strong_fingerprint(device);
    return device;
}

static void generate_ec(kssim_device *device, const char *alias, bool user_auth, uint32_t timeout, uint32_t types)
{
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    strcpy(spec.alias, alias);
    spec.user_auth = user_auth;
    spec.auth_timeout_s = timeout;
    if (types)
        spec.auth_types = types;
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
}

static kssim_result sign(kssim_device *device, const char *alias)
{
    kssim_operation op;
    bool begun;
    kssim_result r = fixture_sign_once(device, alias, data, sizeof(data), &op, &begun);
    if (begun && r == KSSIM_KEY_USER_NOT_AUTHENTICATED)
        kssim_abort(device, op.handle);
    return r;
}

static void auth_keys_need_a_secure_lock_screen(void **state)
{
    (void)state;
    kssim_device *device = new_device(34);
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    strcpy(spec.alias, "k");
    spec.user_auth = true;
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_NO_SECURE_LOCK_SCREEN);
    assert_true(strstr(kssim_device_message(device), "lock screen") != NULL);
    assert_int_equal(kssim_set_credential(device, KSSIM_CREDENTIAL_PIN, "1234"), KSSIM_OK);
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_NO_BIOMETRIC_ENROLLED);
    spec.auth_types = KSSIM_AUTH_BIOMETRIC_STRONG | KSSIM_AUTH_DEVICE_CREDENTIAL;
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
    kssim_device_free(device);
}

static void sids_are_bound_as_the_framework_binds_them(void **state)
{
    (void)state;
    kssim_device *device = device_with_pin_and_fingerprint(34);
    kssim_status status;
    kssim_status_get(device, &status);
    generate_ec(device, "bio", true, 0, KSSIM_AUTH_BIOMETRIC_STRONG);
    generate_ec(device, "both", true, 0, KSSIM_AUTH_BIOMETRIC_STRONG | KSSIM_AUTH_DEVICE_CREDENTIAL);
    kssim_key_info info;
    kssim_key_info_get(device, "bio", &info);
    assert_int_equal(info.sid_count, 1);
    assert_true(info.sids[0] == status.authenticator_ids[KSSIM_MODALITY_FINGERPRINT]);
    kssim_key_info_get(device, "both", &info);
    assert_true(info.sids[0] == status.root_sid);
    kssim_device_free(device);
}

static void per_operation_key_needs_a_token_for_its_challenge_before_the_call(void **state)
{
    (void)state;
    kssim_device *device = device_with_pin_and_fingerprint(34);
    generate_ec(device, "login", true, 0, 0);
    kssim_operation op, other;
    assert_int_equal(kssim_begin(device, "login", KSSIM_PURPOSE_SIGN, NULL, &op), KSSIM_OK);
    assert_true(op.needs_per_op_auth);
    assert_int_equal(kssim_begin(device, "login", KSSIM_PURPOSE_SIGN, NULL, &other), KSSIM_OK);
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    assert_int_equal(kssim_finish(device, op.handle, data, sizeof(data), NULL, 0, &sig, &sig_len),
                     KSSIM_KEY_USER_NOT_AUTHENTICATED);
    assert_true(strstr(kssim_device_message(device), "challenge") != NULL);
    /* The refused finish ended the operation (keystore2 operation.rs with_locked_operation). */
    assert_int_equal(kssim_finish(device, op.handle, data, sizeof(data), NULL, 0, &sig, &sig_len),
                     KSSIM_INVALID_OPERATION_HANDLE);
    /* A token for another operation does not help. */
    assert_int_equal(kssim_begin(device, "login", KSSIM_PURPOSE_SIGN, NULL, &op), KSSIM_OK);
    assert_int_equal(kssim_authenticate_biometric(device, 1, other.challenge, NULL), KSSIM_OK);
    assert_int_equal(kssim_finish(device, op.handle, data, sizeof(data), NULL, 0, &sig, &sig_len),
                     KSSIM_KEY_USER_NOT_AUTHENTICATED);
    assert_int_equal(kssim_begin(device, "login", KSSIM_PURPOSE_SIGN, NULL, &op), KSSIM_OK);
    assert_int_equal(kssim_authenticate_biometric(device, 1, op.challenge, NULL), KSSIM_OK);
    assert_int_equal(kssim_finish(device, op.handle, data, sizeof(data), NULL, 0, &sig, &sig_len), KSSIM_OK);
    assert_true(sig_len > 0);
    kssim_free(sig);
    /* Finished: the handle is gone. */
    assert_int_equal(kssim_finish(device, op.handle, data, sizeof(data), NULL, 0, &sig, &sig_len),
                     KSSIM_INVALID_OPERATION_HANDLE);
    kssim_device_free(device);
}

static void timeout_key_window_is_inclusive_on_the_boot_clock(void **state)
{
    (void)state;
    kssim_device *device = device_with_pin_and_fingerprint(34);
    generate_ec(device, "t", true, 30, KSSIM_AUTH_BIOMETRIC_STRONG | KSSIM_AUTH_DEVICE_CREDENTIAL);
    assert_int_equal(sign(device, "t"), KSSIM_KEY_USER_NOT_AUTHENTICATED);
    assert_int_equal(kssim_verify_credential(device, "1234", 0, NULL), KSSIM_OK);
    assert_int_equal(kssim_advance(device, 30000), KSSIM_OK);
    assert_int_equal(sign(device, "t"), KSSIM_OK);
    assert_int_equal(kssim_advance(device, 1), KSSIM_OK);
    assert_int_equal(sign(device, "t"), KSSIM_KEY_USER_NOT_AUTHENTICATED);
    /* The wall clock jumping does not matter. */
    assert_int_equal(kssim_verify_credential(device, "1234", 0, NULL), KSSIM_OK);
    assert_int_equal(kssim_set_wall_clock(device, INT64_C(4102444800000)), KSSIM_OK);
    assert_int_equal(sign(device, "t"), KSSIM_OK);
    kssim_device_free(device);
}

static void new_enrollment_kills_biometric_only_keys_as_the_api_level_reports_it(void **state)
{
    (void)state;
    int levels[] = {34, 30};
    for (int i = 0; i < 2; i++) {
        kssim_device *device = device_with_pin_and_fingerprint(levels[i]);
        generate_ec(device, "perop", true, 0, KSSIM_AUTH_BIOMETRIC_STRONG);
        generate_ec(device, "timeout", true, 60, KSSIM_AUTH_BIOMETRIC_STRONG);
        generate_ec(device, "both", true, 60, KSSIM_AUTH_BIOMETRIC_STRONG | KSSIM_AUTH_DEVICE_CREDENTIAL);
        assert_int_equal(kssim_enroll_biometric(device, 2, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_STRONG),
                         KSSIM_OK);
        kssim_key_info info;
        kssim_key_info_get(device, "perop", &info);
        assert_int_equal(info.state, KSSIM_KEY_INVALIDATED);
        assert_int_equal(info.reason, KSSIM_REASON_BIOMETRIC_ENROLLMENT_CHANGED);
        kssim_key_info_get(device, "both", &info);
        assert_int_equal(info.state, KSSIM_KEY_VALID);
        assert_int_equal(kssim_authenticate_biometric(device, 2, 0, NULL), KSSIM_OK);
        assert_int_equal(sign(device, "perop"), KSSIM_KEY_PERMANENTLY_INVALIDATED);
        assert_int_equal(sign(device, "timeout"),
                         levels[i] >= 31 ? KSSIM_KEY_USER_NOT_AUTHENTICATED : KSSIM_KEY_PERMANENTLY_INVALIDATED);
        assert_int_equal(sign(device, "both"), KSSIM_OK);
        kssim_device_free(device);
    }
}

static void untrusted_reset_kills_root_sid_keys_trusted_change_keeps_them(void **state)
{
    (void)state;
    kssim_device *device = device_with_pin_and_fingerprint(34);
    generate_ec(device, "root", true, 60, KSSIM_AUTH_DEVICE_CREDENTIAL);
    assert_int_equal(kssim_change_credential(device, "1234", "5678"), KSSIM_OK);
    assert_int_equal(kssim_verify_credential(device, "5678", 0, NULL), KSSIM_OK);
    assert_int_equal(sign(device, "root"), KSSIM_OK);
    assert_int_equal(kssim_reset_credential(device, "0000"), KSSIM_OK);
    kssim_key_info info;
    kssim_key_info_get(device, "root", &info);
    assert_int_equal(info.state, KSSIM_KEY_INVALIDATED);
    assert_int_equal(info.reason, KSSIM_REASON_CREDENTIAL_RESET);
    /* keystore2 does not flush its token cache on a credential change: the token issued under the old SID a
     * moment ago still satisfies the key until its window ends. */
    assert_int_equal(sign(device, "root"), KSSIM_OK);
    assert_int_equal(kssim_advance(device, 61000), KSSIM_OK);
    assert_int_equal(kssim_verify_credential(device, "0000", 0, NULL), KSSIM_OK);
    assert_int_equal(sign(device, "root"), KSSIM_KEY_USER_NOT_AUTHENTICATED);
    assert_true(strstr(kssim_device_message(device), "generating a new key") != NULL);
    kssim_device_free(device);
}

/* Android 15: the surviving unlocked-device-required key works without any token (on 12-14 it would need
 * one: test_lock_state.c unlocked_device_required_keys_need_a_token_on_android_12_to_14). */
static void removing_the_lock_screen_deletes_auth_keys_but_not_unlocked_device_keys(void **state)
{
    (void)state;
    kssim_device *device = device_with_pin_and_fingerprint(35);
    generate_ec(device, "auth", true, 0, KSSIM_AUTH_DEVICE_CREDENTIAL);
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    strcpy(spec.alias, "unlocked");
    spec.unlocked_device_required = true;
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
    generate_ec(device, "gone", false, 0, 0);
    assert_int_equal(kssim_delete_key(device, "gone"), KSSIM_OK);
    assert_int_equal(kssim_remove_credential(device, "1234"), KSSIM_OK);
    kssim_key_info info;
    kssim_key_info_get(device, "auth", &info);
    assert_int_equal(info.state, KSSIM_KEY_INVALIDATED);
    assert_int_equal(info.reason, KSSIM_REASON_LOCK_SCREEN_REMOVED);
    assert_int_equal(sign(device, "auth"), KSSIM_KEY_PERMANENTLY_INVALIDATED);
    assert_int_equal(sign(device, "unlocked"), KSSIM_OK);
    assert_int_equal(sign(device, "gone"), KSSIM_KEY_NOT_FOUND);
    assert_int_equal(sign(device, "never"), KSSIM_KEY_NOT_FOUND);
    kssim_status status;
    kssim_status_get(device, &status);
    assert_int_equal(status.biometric_count, 0);
    kssim_device_free(device);
}

static void reboot_voids_tokens_and_locks_auth_keys_until_first_unlock(void **state)
{
    (void)state;
    kssim_device *device = device_with_pin_and_fingerprint(34);
    generate_ec(device, "t", true, 300, KSSIM_AUTH_DEVICE_CREDENTIAL);
    generate_ec(device, "per_op", true, 0, KSSIM_AUTH_DEVICE_CREDENTIAL);
    generate_ec(device, "plain", false, 0, 0);
    kssim_operation op;
    assert_int_equal(kssim_begin(device, "plain", KSSIM_PURPOSE_SIGN, NULL, &op), KSSIM_OK);
    kssim_auth_token old;
    assert_int_equal(kssim_verify_credential(device, "1234", 0, &old), KSSIM_OK);
    assert_int_equal(kssim_reboot(device), KSSIM_OK);
    assert_int_equal(kssim_finish(device, op.handle, data, sizeof(data), NULL, 0, NULL, NULL),
                     KSSIM_INVALID_OPERATION_HANDLE);
    assert_int_equal(sign(device, "plain"), KSSIM_OK);
    /* R-BEGIN-ORDER: the timeout key fails authorize_create's token check (the cache is empty) before the
     * super key is asked for; the per-operation key passes authorize_create and meets LOCKED. */
    assert_int_equal(sign(device, "t"), KSSIM_KEY_USER_NOT_AUTHENTICATED);
    kssim_operation per_op;
    assert_int_equal(kssim_begin(device, "per_op", KSSIM_PURPOSE_SIGN, NULL, &per_op), KSSIM_LOCKED);
    assert_int_equal(kssim_unlock(device, "1234"), KSSIM_OK);
    assert_int_equal(sign(device, "t"), KSSIM_OK);
    /* A token of the previous boot, replayed, replaces the unlock token in the cache (same SID and type)
     * and is rejected by KeyMint's MAC check, though it is young enough by its timestamp. */
    assert_int_equal(kssim_inject_token(device, &old), KSSIM_OK);
    assert_int_equal(sign(device, "t"), KSSIM_KEY_USER_NOT_AUTHENTICATED);
    kssim_device_free(device);
}

static void unlocked_device_keys_refuse_while_locked(void **state)
{
    (void)state;
    kssim_device *device = device_with_pin_and_fingerprint(34);
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    strcpy(spec.alias, "u");
    spec.unlocked_device_required = true;
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
    assert_int_equal(kssim_lock(device), KSSIM_OK);
    assert_int_equal(sign(device, "u"), KSSIM_DEVICE_LOCKED);
    assert_int_equal(kssim_unlock(device, "9999"), KSSIM_WRONG_CREDENTIAL);
    assert_int_equal(kssim_unlock(device, "1234"), KSSIM_OK);
    assert_int_equal(sign(device, "u"), KSSIM_OK);
    kssim_device_free(device);
}

static void usage_count_limit_deletes_the_key_on_its_last_use(void **state)
{
    (void)state;
    kssim_device *device = new_device(34);
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    strcpy(spec.alias, "twice");
    spec.usage_count_limit = 2;
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
    assert_int_equal(sign(device, "twice"), KSSIM_OK);
    kssim_key_info info;
    kssim_key_info_get(device, "twice", &info);
    assert_int_equal(info.uses_remaining, 1);
    assert_int_equal(sign(device, "twice"), KSSIM_OK);
    kssim_key_info_get(device, "twice", &info);
    assert_int_equal(info.state, KSSIM_KEY_INVALIDATED);
    assert_int_equal(info.reason, KSSIM_REASON_USAGE_EXHAUSTED);
    assert_int_equal(sign(device, "twice"), KSSIM_KEY_PERMANENTLY_INVALIDATED);
    /* A new key under the alias replaces the tombstone. */
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
    assert_int_equal(sign(device, "twice"), KSSIM_OK);
    kssim_device_free(device);
}

static void validity_dates_follow_the_wall_clock(void **state)
{
    (void)state;
    kssim_device *device = new_device(34);
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    strcpy(spec.alias, "dated");
    spec.has_active = true;
    spec.active_ms = KSSIM_DEFAULT_WALL_CLOCK_MS + 1000;
    spec.has_origination_expire = true;
    spec.origination_expire_ms = KSSIM_DEFAULT_WALL_CLOCK_MS + 5000;
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
    assert_int_equal(sign(device, "dated"), KSSIM_KEY_NOT_YET_VALID);
    assert_int_equal(kssim_set_wall_clock(device, KSSIM_DEFAULT_WALL_CLOCK_MS + 1000), KSSIM_OK);
    assert_int_equal(sign(device, "dated"), KSSIM_OK);
    assert_int_equal(kssim_advance(device, 4001), KSSIM_OK);
    assert_int_equal(sign(device, "dated"), KSSIM_KEY_EXPIRED);
    kssim_device_free(device);
}

static void forged_tokens_pass_only_with_this_boots_mac(void **state)
{
    (void)state;
    kssim_device *device = device_with_pin_and_fingerprint(34);
    generate_ec(device, "t", true, 30, KSSIM_AUTH_DEVICE_CREDENTIAL);
    kssim_status status;
    kssim_status_get(device, &status);
    assert_int_equal(
        kssim_forge_token(device, KSSIM_AUTHENTICATOR_PASSWORD, status.root_sid, 0, 0, KSSIM_MAC_CORRUPT, NULL),
        KSSIM_OK);
    assert_int_equal(sign(device, "t"), KSSIM_KEY_USER_NOT_AUTHENTICATED);
    assert_int_equal(
        kssim_forge_token(device, KSSIM_AUTHENTICATOR_PASSWORD, status.root_sid, 0, 0, KSSIM_MAC_PREVIOUS_BOOT, NULL),
        KSSIM_OK);
    assert_int_equal(sign(device, "t"), KSSIM_KEY_USER_NOT_AUTHENTICATED);
    assert_int_equal(
        kssim_forge_token(device, KSSIM_AUTHENTICATOR_PASSWORD, status.root_sid, 0, 0, KSSIM_MAC_VALID, NULL),
        KSSIM_OK);
    assert_int_equal(sign(device, "t"), KSSIM_OK);
    kssim_device_free(device);
}

static void same_seed_same_device(void **state)
{
    (void)state;
    kssim_device *a = device_with_pin_and_fingerprint(34);
    kssim_device *b = device_with_pin_and_fingerprint(34);
    generate_ec(a, "k", false, 0, 0);
    generate_ec(b, "k", false, 0, 0);
    uint8_t *pa = NULL, *pb = NULL;
    size_t la = 0, lb = 0;
    assert_int_equal(kssim_export_public(a, "k", &pa, &la), KSSIM_OK);
    assert_int_equal(kssim_export_public(b, "k", &pb, &lb), KSSIM_OK);
    assert_int_equal(la, lb);
    assert_memory_equal(pa, pb, la);
    kssim_status sa, sb;
    kssim_status_get(a, &sa);
    kssim_status_get(b, &sb);
    assert_true(sa.root_sid == sb.root_sid);
    kssim_free(pa);
    kssim_free(pb);
    kssim_device_free(a);
    kssim_device_free(b);
}

/* The framework names an imported key's algorithm from the key itself (AndroidKeyStoreSpi takes it from
 * the PrivateKey object); raw symmetric bytes carry none, and the caller must name it. */
static void an_imported_key_names_its_own_algorithm(void **state)
{
    (void)state;
    static const char ed25519_pem[] = "-----BEGIN PRIVATE KEY-----\n"
                                      "MC4CAQAwBQYDK2VwBCIEIKaZ4zlLJBtf2Rh8MwNcVlYuBPOL0MJ3OrlSh0X6ABmT\n"
                                      "-----END PRIVATE KEY-----\n";
    kssim_device *device = new_device(34);
    kssim_algorithm algorithm = KSSIM_ALGORITHM_RSA;
    assert_int_equal(kssim_import_key_algorithm(device, (const uint8_t *)ed25519_pem, strlen(ed25519_pem), &algorithm),
                     KSSIM_OK);
    assert_int_equal(algorithm, KSSIM_ALGORITHM_ED25519);
    static const uint8_t raw[16] = {1, 2, 3};
    assert_int_equal(kssim_import_key_algorithm(device, raw, sizeof(raw), &algorithm), KSSIM_INVALID_ARGUMENT);
    assert_non_null(strstr(kssim_device_message(device), "name the algorithm"));
    kssim_device_free(device);
}

/* The armed prompt answers per-operation begins with the operation's own challenge, through Gatekeeper:
 * a credential changed after arming is a wrong one, counted as a failed attempt, and begin itself still
 * succeeds with no message (the failure shows at finish, as on a phone). */
static void armed_prompt_answers_through_gatekeeper(void **state)
{
    (void)state;
    kssim_device *device = device_with_pin_and_fingerprint(34);
    generate_ec(device, "per_op", true, 0, KSSIM_AUTH_DEVICE_CREDENTIAL);
    assert_int_equal(kssim_prompt_arm(device, KSSIM_PROMPT_CREDENTIAL, 0, "1234", 2), KSSIM_OK);
    kssim_status status;
    kssim_status_get(device, &status);
    assert_int_equal(status.prompt, KSSIM_PROMPT_CREDENTIAL);
    assert_int_equal(status.prompt_remaining, 2);
    assert_int_equal(sign(device, "per_op"), KSSIM_OK);

    assert_int_equal(kssim_change_credential(device, "1234", "5678"), KSSIM_OK);
    kssim_operation op;
    assert_int_equal(kssim_begin(device, "per_op", KSSIM_PURPOSE_SIGN, NULL, &op), KSSIM_OK);
    assert_string_equal(kssim_device_message(device), "");
    kssim_status_get(device, &status);
    assert_int_equal(status.failed_attempts, 1);
    assert_int_equal(status.prompt, KSSIM_PROMPT_NONE);
    assert_int_equal(kssim_finish(device, op.handle, data, sizeof(data), NULL, 0, NULL, NULL),
                     KSSIM_KEY_USER_NOT_AUTHENTICATED);
    kssim_abort(device, op.handle);
    assert_int_equal(kssim_prompt_arm(device, KSSIM_PROMPT_BIOMETRIC, 1, NULL, 0), KSSIM_INVALID_ARGUMENT);
    kssim_device_free(device);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(auth_keys_need_a_secure_lock_screen),
        cmocka_unit_test(sids_are_bound_as_the_framework_binds_them),
        cmocka_unit_test(per_operation_key_needs_a_token_for_its_challenge_before_the_call),
        cmocka_unit_test(timeout_key_window_is_inclusive_on_the_boot_clock),
        cmocka_unit_test(new_enrollment_kills_biometric_only_keys_as_the_api_level_reports_it),
        cmocka_unit_test(untrusted_reset_kills_root_sid_keys_trusted_change_keeps_them),
        cmocka_unit_test(removing_the_lock_screen_deletes_auth_keys_but_not_unlocked_device_keys),
        cmocka_unit_test(reboot_voids_tokens_and_locks_auth_keys_until_first_unlock),
        cmocka_unit_test(unlocked_device_keys_refuse_while_locked),
        cmocka_unit_test(usage_count_limit_deletes_the_key_on_its_last_use),
        cmocka_unit_test(validity_dates_follow_the_wall_clock),
        cmocka_unit_test(forged_tokens_pass_only_with_this_boots_mac),
        cmocka_unit_test(same_seed_same_device),
        cmocka_unit_test(an_imported_key_names_its_own_algorithm),
        cmocka_unit_test(armed_prompt_answers_through_gatekeeper),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
