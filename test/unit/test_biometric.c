/*
 * test_biometric.c - the biometric TA (biometric.c): templates, per-modality authenticator IDs,
 * FINGERPRINT tokens for strong matches only, and LockoutFrameworkImpl's timed and permanent lockout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "secure_world_fixture.h"

#define ROOT_SID   UINT64_C(0x5EC0DE)
#define UNKNOWN_ID 99u

static void enroll(secure_world_fixture *f, uint32_t id, kssim_modality modality, kssim_biometric_class cls)
{
    assert_int_equal(sim_biometric_enroll(&f->sw, id, modality, cls), KSSIM_OK);
}

static kssim_result authenticate(secure_world_fixture *f, uint32_t id)
{
    kssim_auth_token token;
    bool issued;
    return sim_biometric_authenticate(&f->sw, id, 0, ROOT_SID, &token, &issued);
}

static uint64_t fingerprint_id(secure_world_fixture *f)
{
    return f->sw.biometric.authenticator_ids[KSSIM_MODALITY_FINGERPRINT];
}

static uint64_t face_id(secure_world_fixture *f)
{
    return f->sw.biometric.authenticator_ids[KSSIM_MODALITY_FACE];
}

static void strong_enrollment_draws_a_new_authenticator_id(void **state)
{
    secure_world_fixture *f = *state;
    assert_int_equal(fingerprint_id(f), 0);
    enroll(f, 1, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_STRONG);
    uint64_t first = fingerprint_id(f);
    assert_int_not_equal(first, 0);
    enroll(f, 2, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_STRONG);
    assert_int_not_equal(fingerprint_id(f), 0);
    assert_int_not_equal(fingerprint_id(f), first);
    assert_int_equal(face_id(f), 0); /* each modality has its own ID */
    enroll(f, 3, KSSIM_MODALITY_FACE, KSSIM_BIOMETRIC_STRONG);
    assert_int_not_equal(face_id(f), 0);
    assert_int_equal(f->sw.biometric.count, 3);
}

static void weak_enrollment_keeps_the_authenticator_id(void **state)
{
    secure_world_fixture *f = *state;
    enroll(f, 1, KSSIM_MODALITY_FACE, KSSIM_BIOMETRIC_WEAK);
    assert_int_equal(face_id(f), 0);
    enroll(f, 2, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_STRONG);
    uint64_t strong = fingerprint_id(f);
    enroll(f, 3, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_WEAK);
    assert_int_equal(fingerprint_id(f), strong);
}

static void removal_keeps_the_id_until_the_last_strong_template_goes(void **state)
{
    secure_world_fixture *f = *state;
    enroll(f, 1, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_STRONG);
    enroll(f, 2, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_STRONG);
    enroll(f, 3, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_WEAK);
    enroll(f, 4, KSSIM_MODALITY_FACE, KSSIM_BIOMETRIC_STRONG);
    uint64_t fingerprint = fingerprint_id(f), face = face_id(f);

    assert_int_equal(sim_biometric_remove(&f->sw, 1), KSSIM_OK);
    assert_int_equal(fingerprint_id(f), fingerprint);
    assert_int_equal(sim_biometric_remove(&f->sw, 2), KSSIM_OK);
    assert_int_equal(fingerprint_id(f), 0); /* only a weak fingerprint is left */
    assert_int_equal(face_id(f), face);
    assert_int_equal(f->sw.biometric.count, 2);
    assert_int_equal(authenticate(f, 3), KSSIM_OK);
    assert_int_equal(authenticate(f, 4), KSSIM_OK);
    assert_int_equal(authenticate(f, 1), KSSIM_NO_MATCH);
}

static void remove_all_clears_templates_and_ids(void **state)
{
    secure_world_fixture *f = *state;
    enroll(f, 1, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_STRONG);
    enroll(f, 2, KSSIM_MODALITY_FACE, KSSIM_BIOMETRIC_STRONG);
    sim_biometric_remove_all(&f->sw);
    assert_int_equal(f->sw.biometric.count, 0);
    assert_int_equal(fingerprint_id(f), 0);
    assert_int_equal(face_id(f), 0);
    assert_int_equal(authenticate(f, 1), KSSIM_NO_MATCH);
}

static void invalid_enrollments_and_removals_are_refused(void **state)
{
    secure_world_fixture *f = *state;
    enroll(f, 1, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_STRONG);
    uint64_t id = fingerprint_id(f);
    f->env.message[0] = '\0';
    assert_int_equal(sim_biometric_enroll(&f->sw, 1, KSSIM_MODALITY_FACE, KSSIM_BIOMETRIC_STRONG),
                     KSSIM_INVALID_ARGUMENT);
    assert_true(f->env.message[0] != '\0');
    assert_int_equal(fingerprint_id(f), id);
    assert_int_equal(face_id(f), 0);
    assert_int_equal(sim_biometric_enroll(&f->sw, 2, (kssim_modality)KSSIM_MODALITY_COUNT, KSSIM_BIOMETRIC_STRONG),
                     KSSIM_INVALID_ARGUMENT);
    assert_int_equal(sim_biometric_enroll(&f->sw, 2, KSSIM_MODALITY_FACE, (kssim_biometric_class)7),
                     KSSIM_INVALID_ARGUMENT);
    f->env.message[0] = '\0';
    assert_int_equal(sim_biometric_remove(&f->sw, UNKNOWN_ID), KSSIM_INVALID_ARGUMENT);
    assert_true(f->env.message[0] != '\0');
    assert_int_equal(fingerprint_id(f), id);
    assert_int_equal(f->sw.biometric.count, 1);
}

static void the_template_table_has_a_limit(void **state)
{
    secure_world_fixture *f = *state;
    for (uint32_t i = 0; i < SIM_MAX_BIOMETRIC_TEMPLATES; i++)
        enroll(f, 100 + i, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_WEAK);
    assert_int_equal(sim_biometric_enroll(&f->sw, 1, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_STRONG),
                     KSSIM_INVALID_ARGUMENT);
    assert_int_equal(fingerprint_id(f), 0);
    assert_int_equal(sim_biometric_remove(&f->sw, 100), KSSIM_OK);
    enroll(f, 1, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_STRONG);
}

static void strong_match_mints_a_fingerprint_token(void **state)
{
    secure_world_fixture *f = *state;
    enroll(f, 1, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_STRONG);
    enroll(f, 2, KSSIM_MODALITY_FACE, KSSIM_BIOMETRIC_STRONG);
    secure_world_fixture_advance(f, 777);

    kssim_auth_token token;
    bool issued = false;
    assert_int_equal(sim_biometric_authenticate(&f->sw, 1, UINT64_C(0xABCD), ROOT_SID, &token, &issued), KSSIM_OK);
    assert_true(issued);
    assert_int_equal(token.challenge, UINT64_C(0xABCD));
    assert_int_equal(token.user_id, ROOT_SID);
    assert_int_equal(token.authenticator_id, fingerprint_id(f));
    assert_int_equal(token.authenticator_type, KSSIM_AUTHENTICATOR_FINGERPRINT);
    assert_int_equal(token.timestamp_ms, 777);
    assert_true(sim_auth_token_is_authentic(&f->sw, &token));

    issued = false;
    assert_int_equal(sim_biometric_authenticate(&f->sw, 2, 5, ROOT_SID, &token, &issued), KSSIM_OK);
    assert_true(issued);
    assert_int_equal(token.authenticator_id, face_id(f));
    assert_int_equal(token.authenticator_type, KSSIM_AUTHENTICATOR_FINGERPRINT);
}

static void weak_match_succeeds_without_a_token(void **state)
{
    secure_world_fixture *f = *state;
    enroll(f, 1, KSSIM_MODALITY_FACE, KSSIM_BIOMETRIC_WEAK);
    kssim_auth_token token, zero;
    memset(&token, 0x77, sizeof(token));
    memset(&zero, 0, sizeof(zero));
    bool issued = true;
    assert_int_equal(sim_biometric_authenticate(&f->sw, 1, 5, ROOT_SID, &token, &issued), KSSIM_OK);
    assert_false(issued);
    assert_memory_equal(&token, &zero, sizeof(token));
    assert_int_equal(token.authenticator_type, KSSIM_AUTHENTICATOR_NONE);
}

static void fail_times(secure_world_fixture *f, uint32_t from, uint32_t to)
{
    for (uint32_t n = from; n <= to; n++) {
        assert_int_equal(authenticate(f, UNKNOWN_ID), KSSIM_NO_MATCH);
        assert_int_equal(f->sw.biometric.failed_attempts, n);
    }
}

static void fifth_failure_locks_for_30_seconds(void **state)
{
    secure_world_fixture *f = *state;
    enroll(f, 1, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_STRONG);
    secure_world_fixture_advance(f, 1000);
    fail_times(f, 1, 4);
    assert_non_null(strstr(f->env.message, "1 more failure locks biometrics for 30 s"));
    assert_int_equal(authenticate(f, UNKNOWN_ID), KSSIM_LOCKOUT);
    assert_int_equal(f->sw.biometric.failed_attempts, 5);
    assert_int_equal(f->sw.biometric.lockout_until_ms, 31000);

    /* Locked: even the right finger is refused, and nothing is counted. */
    secure_world_fixture_advance(f, 29999);
    assert_int_equal(authenticate(f, 1), KSSIM_LOCKOUT);
    assert_non_null(strstr(f->env.message, "0.001 s more"));
    assert_int_equal(authenticate(f, UNKNOWN_ID), KSSIM_LOCKOUT);
    assert_int_equal(f->sw.biometric.failed_attempts, 5);

    secure_world_fixture_advance(f, 1);
    assert_int_equal(authenticate(f, 1), KSSIM_OK);
    assert_int_equal(f->sw.biometric.failed_attempts, 0);
    fail_times(f, 1, 4);
}

static void twentieth_failure_locks_until_the_credential(void **state)
{
    secure_world_fixture *f = *state;
    enroll(f, 1, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_STRONG);
    /* The timed lockout expiring does not clear the count (LockoutFrameworkImpl's alarm only clears the
     * timed lockout), so every 5th failure locks again until the 20th locks for good. */
    for (uint32_t round = 0; round < 3; round++) {
        fail_times(f, round * 5 + 1, round * 5 + 4);
        assert_int_equal(authenticate(f, UNKNOWN_ID), KSSIM_LOCKOUT);
        secure_world_fixture_advance(f, 30000);
    }
    fail_times(f, 16, 19);
    assert_non_null(strstr(f->env.message, "until the lock-screen credential is verified"));
    assert_int_equal(authenticate(f, UNKNOWN_ID), KSSIM_LOCKOUT_PERMANENT);
    assert_true(f->sw.biometric.permanent_lockout);

    secure_world_fixture_advance(f, UINT64_C(86400000));
    assert_int_equal(authenticate(f, 1), KSSIM_LOCKOUT_PERMANENT);
    assert_int_equal(f->sw.biometric.failed_attempts, 20);

    sim_biometric_reset_lockout(&f->sw);
    assert_false(f->sw.biometric.permanent_lockout);
    assert_int_equal(f->sw.biometric.failed_attempts, 0);
    assert_int_equal(authenticate(f, 1), KSSIM_OK);
}

static void reset_lockout_lifts_a_timed_lockout(void **state)
{
    secure_world_fixture *f = *state;
    enroll(f, 1, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_STRONG);
    fail_times(f, 1, 4);
    assert_int_equal(authenticate(f, UNKNOWN_ID), KSSIM_LOCKOUT);
    sim_biometric_reset_lockout(&f->sw);
    assert_int_equal(f->sw.biometric.lockout_until_ms, 0);
    fail_times(f, 1, 4);
    sim_biometric_reset_lockout(&f->sw);
    assert_int_equal(authenticate(f, 1), KSSIM_OK);
}

static void reboot_forgets_the_timed_lockout_but_not_the_permanent_one(void **state)
{
    secure_world_fixture *f = *state;
    enroll(f, 1, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_STRONG);
    uint64_t id = fingerprint_id(f);
    secure_world_fixture_advance(f, 50000);
    fail_times(f, 1, 4);
    assert_int_equal(authenticate(f, UNKNOWN_ID), KSSIM_LOCKOUT);

    secure_world_fixture_reboot(f);
    assert_int_equal(f->sw.biometric.failed_attempts, 0);
    assert_int_equal(f->sw.biometric.lockout_until_ms, 0);
    assert_int_equal(fingerprint_id(f), id); /* templates and IDs persist */
    assert_int_equal(authenticate(f, 1), KSSIM_OK);

    f->sw.biometric.failed_attempts = 19;
    assert_int_equal(authenticate(f, UNKNOWN_ID), KSSIM_LOCKOUT_PERMANENT);
    secure_world_fixture_reboot(f);
    assert_int_equal(authenticate(f, 1), KSSIM_LOCKOUT_PERMANENT);
}

static void token_from_the_previous_boot_is_void(void **state)
{
    secure_world_fixture *f = *state;
    enroll(f, 1, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_STRONG);
    kssim_auth_token token;
    bool issued;
    assert_int_equal(sim_biometric_authenticate(&f->sw, 1, 0, ROOT_SID, &token, &issued), KSSIM_OK);
    secure_world_fixture_reboot(f);
    assert_false(sim_auth_token_is_authentic(&f->sw, &token));
}

static uint64_t first_authenticator_id_for_seed(uint64_t seed)
{
    secure_world_fixture *f = secure_world_fixture_new(seed);
    assert_non_null(f);
    enroll(f, 1, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_STRONG);
    uint64_t id = fingerprint_id(f);
    secure_world_fixture_free(f);
    return id;
}

static void authenticator_ids_follow_the_seed(void **state)
{
    (void)state;
    uint64_t a = first_authenticator_id_for_seed(42), b = first_authenticator_id_for_seed(42);
    uint64_t c = first_authenticator_id_for_seed(43);
    assert_int_equal(a, b);
    assert_int_not_equal(a, c);
}

#define BIOMETRIC_TEST(name)                                                                                           \
    cmocka_unit_test_setup_teardown(name, secure_world_fixture_setup, secure_world_fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        BIOMETRIC_TEST(strong_enrollment_draws_a_new_authenticator_id),
        BIOMETRIC_TEST(weak_enrollment_keeps_the_authenticator_id),
        BIOMETRIC_TEST(removal_keeps_the_id_until_the_last_strong_template_goes),
        BIOMETRIC_TEST(remove_all_clears_templates_and_ids),
        BIOMETRIC_TEST(invalid_enrollments_and_removals_are_refused),
        BIOMETRIC_TEST(the_template_table_has_a_limit),
        BIOMETRIC_TEST(strong_match_mints_a_fingerprint_token),
        BIOMETRIC_TEST(weak_match_succeeds_without_a_token),
        BIOMETRIC_TEST(fifth_failure_locks_for_30_seconds),
        BIOMETRIC_TEST(twentieth_failure_locks_until_the_credential),
        BIOMETRIC_TEST(reset_lockout_lifts_a_timed_lockout),
        BIOMETRIC_TEST(reboot_forgets_the_timed_lockout_but_not_the_permanent_one),
        BIOMETRIC_TEST(token_from_the_previous_boot_is_void),
        cmocka_unit_test(authenticator_ids_follow_the_seed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
