/*
 * test_gatekeeper.c - the lock-screen credential (gatekeeper.c, gatekeeper_throttle.c): enrollment and
 * the SID, verification and its PASSWORD token, and gatekeeper.cpp's throttling attempt by attempt.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>

#include "secure_world_fixture.h"

#define PIN       "1234"
#define WRONG_PIN "0000"

static kssim_result verify(secure_world_fixture *f, const char *secret)
{
    kssim_auth_token token;
    return sim_gatekeeper_verify(&f->sw, secret, 0, &token);
}

static void enroll_pin(secure_world_fixture *f)
{
    assert_int_equal(sim_gatekeeper_enroll(&f->sw, KSSIM_CREDENTIAL_PIN, PIN, NULL), KSSIM_OK);
}

static void enrolled_credential_verifies_with_a_password_token(void **state)
{
    secure_world_fixture *f = *state;
    enroll_pin(f);
    assert_true(f->sw.gatekeeper.enrolled);
    assert_int_equal(f->sw.gatekeeper.type, KSSIM_CREDENTIAL_PIN);
    assert_int_not_equal(f->sw.gatekeeper.sid, 0);

    secure_world_fixture_advance(f, 1500);
    kssim_auth_token token;
    assert_int_equal(sim_gatekeeper_verify(&f->sw, PIN, UINT64_C(0xC0FFEE), &token), KSSIM_OK);
    assert_int_equal(token.challenge, UINT64_C(0xC0FFEE));
    assert_int_equal(token.user_id, f->sw.gatekeeper.sid);
    assert_int_equal(token.authenticator_id, 0);
    assert_int_equal(token.authenticator_type, KSSIM_AUTHENTICATOR_PASSWORD);
    assert_int_equal(token.timestamp_ms, 1500);
    assert_true(sim_auth_token_is_authentic(&f->sw, &token));
}

static void wrong_secret_gives_no_token(void **state)
{
    secure_world_fixture *f = *state;
    enroll_pin(f);
    kssim_auth_token token;
    memset(&token, 0x5A, sizeof(token));
    assert_int_equal(sim_gatekeeper_verify(&f->sw, WRONG_PIN, 9, &token), KSSIM_WRONG_CREDENTIAL);
    kssim_auth_token zero;
    memset(&zero, 0, sizeof(zero));
    assert_memory_equal(&token, &zero, sizeof(token));
    assert_string_equal(f->env.message, "wrong PIN; 4 attempts left before a 30 s wait");
}

static void empty_or_missing_secret_cannot_be_enrolled(void **state)
{
    secure_world_fixture *f = *state;
    assert_int_equal(sim_gatekeeper_enroll(&f->sw, KSSIM_CREDENTIAL_PIN, "", NULL), KSSIM_INVALID_ARGUMENT);
    assert_true(f->env.message[0] != '\0');
    assert_int_equal(sim_gatekeeper_enroll(&f->sw, KSSIM_CREDENTIAL_PIN, NULL, NULL), KSSIM_INVALID_ARGUMENT);
    assert_int_equal(sim_gatekeeper_enroll(&f->sw, KSSIM_CREDENTIAL_NONE, PIN, NULL), KSSIM_INVALID_ARGUMENT);
    assert_false(f->sw.gatekeeper.enrolled);
}

static void nothing_enrolled_means_no_credential(void **state)
{
    secure_world_fixture *f = *state;
    assert_int_equal(verify(f, PIN), KSSIM_NO_CREDENTIAL);
    assert_true(f->env.message[0] != '\0');
    assert_int_equal(sim_gatekeeper_enroll(&f->sw, KSSIM_CREDENTIAL_PIN, "5678", PIN), KSSIM_NO_CREDENTIAL);
    assert_false(f->sw.gatekeeper.enrolled);
    assert_int_equal(f->sw.gatekeeper.failure_count, 0);
}

static void trusted_change_keeps_the_sid(void **state)
{
    secure_world_fixture *f = *state;
    enroll_pin(f);
    uint64_t sid = f->sw.gatekeeper.sid;
    uint8_t old_salt[16];
    memcpy(old_salt, f->sw.gatekeeper.salt, sizeof(old_salt));

    assert_int_equal(sim_gatekeeper_enroll(&f->sw, KSSIM_CREDENTIAL_PASSWORD, "hunter22", PIN), KSSIM_OK);
    assert_int_equal(f->sw.gatekeeper.sid, sid);
    assert_int_equal(f->sw.gatekeeper.type, KSSIM_CREDENTIAL_PASSWORD);
    assert_memory_not_equal(f->sw.gatekeeper.salt, old_salt, sizeof(old_salt));
    assert_int_equal(verify(f, PIN), KSSIM_WRONG_CREDENTIAL);
    assert_string_equal(f->env.message, "wrong password; 4 attempts left before a 30 s wait");
    assert_int_equal(verify(f, "hunter22"), KSSIM_OK);
}

static void trusted_change_with_a_wrong_current_secret_is_a_counted_failure(void **state)
{
    secure_world_fixture *f = *state;
    enroll_pin(f);
    uint8_t hash[32];
    memcpy(hash, f->sw.gatekeeper.hash, sizeof(hash));
    assert_int_equal(sim_gatekeeper_enroll(&f->sw, KSSIM_CREDENTIAL_PIN, "5678", WRONG_PIN), KSSIM_WRONG_CREDENTIAL);
    assert_int_equal(f->sw.gatekeeper.failure_count, 1);
    assert_memory_equal(f->sw.gatekeeper.hash, hash, sizeof(hash));
    assert_int_equal(verify(f, PIN), KSSIM_OK);
}

static void trusted_change_is_throttled_like_verify(void **state)
{
    secure_world_fixture *f = *state;
    enroll_pin(f);
    for (int i = 0; i < 4; i++)
        assert_int_equal(verify(f, WRONG_PIN), KSSIM_WRONG_CREDENTIAL);
    secure_world_fixture_advance(f, 10);
    assert_int_equal(verify(f, WRONG_PIN), KSSIM_RETRY_TIMEOUT);
    secure_world_fixture_advance(f, 10);
    assert_int_equal(sim_gatekeeper_enroll(&f->sw, KSSIM_CREDENTIAL_PIN, "5678", PIN), KSSIM_RETRY_TIMEOUT);
    assert_int_equal(f->sw.gatekeeper.failure_count, 5);
    secure_world_fixture_advance(f, 30000);
    assert_int_equal(sim_gatekeeper_enroll(&f->sw, KSSIM_CREDENTIAL_PIN, "5678", PIN), KSSIM_OK);
    assert_int_equal(f->sw.gatekeeper.failure_count, 0);
}

static void untrusted_enrollment_draws_a_new_sid(void **state)
{
    secure_world_fixture *f = *state;
    enroll_pin(f);
    uint64_t sid = f->sw.gatekeeper.sid;
    assert_int_equal(sim_gatekeeper_enroll(&f->sw, KSSIM_CREDENTIAL_PIN, "5678", NULL), KSSIM_OK);
    assert_int_not_equal(f->sw.gatekeeper.sid, 0);
    assert_int_not_equal(f->sw.gatekeeper.sid, sid);
    kssim_auth_token token;
    assert_int_equal(sim_gatekeeper_verify(&f->sw, "5678", 0, &token), KSSIM_OK);
    assert_int_equal(token.user_id, f->sw.gatekeeper.sid);
}

static void enrollment_clears_the_failure_record(void **state)
{
    secure_world_fixture *f = *state;
    enroll_pin(f);
    for (int i = 0; i < 5; i++)
        verify(f, WRONG_PIN);
    assert_int_equal(f->sw.gatekeeper.failure_count, 5);
    assert_int_equal(sim_gatekeeper_enroll(&f->sw, KSSIM_CREDENTIAL_PIN, "5678", NULL), KSSIM_OK);
    assert_int_equal(f->sw.gatekeeper.failure_count, 0);
    assert_int_equal(verify(f, "5678"), KSSIM_OK);
}

/* R-GK-THROTTLE-SCHEDULE on Android 7.0 to 15 (gatekeeper.cpp ComputeRetryTimeout): the contract's schedule. */
static void retry_timeout_follows_the_doubling_schedule_from_android_7(void **state)
{
    (void)state;
    const uint64_t s30 = 30000;
    for (int api = 24; api <= 35; api++) {
        assert_int_equal(sim_gatekeeper_retry_timeout_ms(api, 0), 0);
        for (uint32_t n = 1; n <= 4; n++)
            assert_int_equal(sim_gatekeeper_retry_timeout_ms(api, n), 0);
        assert_int_equal(sim_gatekeeper_retry_timeout_ms(api, 5), s30);
        for (uint32_t n = 6; n <= 9; n++)
            assert_int_equal(sim_gatekeeper_retry_timeout_ms(api, n), 0);
        for (uint32_t n = 10; n <= 39; n++)
            assert_int_equal(sim_gatekeeper_retry_timeout_ms(api, n), s30);
        assert_int_equal(sim_gatekeeper_retry_timeout_ms(api, 40), 2 * s30);
        assert_int_equal(sim_gatekeeper_retry_timeout_ms(api, 49), 2 * s30);
        assert_int_equal(sim_gatekeeper_retry_timeout_ms(api, 50), 4 * s30);
        assert_int_equal(sim_gatekeeper_retry_timeout_ms(api, 139), s30 << 10);
        assert_int_equal(sim_gatekeeper_retry_timeout_ms(api, 140), UINT64_C(86400000));
        assert_int_equal(sim_gatekeeper_retry_timeout_ms(api, UINT32_MAX), UINT64_C(86400000));
    }
}

/* V-GATEKEEPER-FLAT-SCHEDULE: Android 6.0 (API 23) as released never doubles and never waits a day. */
static void retry_timeout_stays_30_s_on_android_6(void **state)
{
    (void)state;
    const uint64_t s30 = 30000;
    assert_int_equal(sim_gatekeeper_retry_timeout_ms(23, 0), 0);
    for (uint32_t n = 1; n <= 4; n++)
        assert_int_equal(sim_gatekeeper_retry_timeout_ms(23, n), 0);
    assert_int_equal(sim_gatekeeper_retry_timeout_ms(23, 5), s30);
    for (uint32_t n = 6; n <= 9; n++)
        assert_int_equal(sim_gatekeeper_retry_timeout_ms(23, n), 0);
    for (uint32_t n = 10; n <= 300; n++)
        assert_int_equal(sim_gatekeeper_retry_timeout_ms(23, n), s30);
    assert_int_equal(sim_gatekeeper_retry_timeout_ms(23, UINT32_MAX), s30);
    /* The row is Android 6.0's alone. */
    assert_int_equal(sim_gatekeeper_retry_timeout_ms(24, 40), 2 * s30);
}

/* One wrong attempt now; checks the result and how many failures the record then holds. */
static void expect_attempt(secure_world_fixture *f, kssim_result expected, uint32_t failures_after)
{
    assert_int_equal(verify(f, WRONG_PIN), expected);
    assert_int_equal(f->sw.gatekeeper.failure_count, failures_after);
}

/* The message of a counted wrong attempt that imposes a wait. */
static void expect_wrong_attempt_wait(secure_world_fixture *f, uint32_t failures, const char *wait)
{
    char expected[128];
    snprintf(expected, sizeof(expected), "wrong PIN; too many wrong attempts (%u): wait %s (", failures, wait);
    assert_non_null(strstr(f->env.message, expected));
}

static void throttling_schedule_attempt_by_attempt(void **state)
{
    secure_world_fixture *f = *state;
    enroll_pin(f);
    secure_world_fixture_advance(f, 1000);

    for (uint32_t n = 1; n <= 3; n++)
        expect_attempt(f, KSSIM_WRONG_CREDENTIAL, n);
    expect_attempt(f, KSSIM_WRONG_CREDENTIAL, 4);
    assert_string_equal(f->env.message, "wrong PIN; 1 attempt left before a 30 s wait");
    expect_attempt(f, KSSIM_RETRY_TIMEOUT, 5);
    expect_wrong_attempt_wait(f, 5, "30 s");

    /* During the wait: refused with the time left, and not counted. */
    secure_world_fixture_advance(f, 17500);
    expect_attempt(f, KSSIM_RETRY_TIMEOUT, 5);
    assert_non_null(strstr(f->env.message, "wait 12.5 s more"));
    assert_non_null(strstr(f->env.message, "not counted"));
    secure_world_fixture_advance(f, 12499);
    expect_attempt(f, KSSIM_RETRY_TIMEOUT, 5);
    assert_non_null(strstr(f->env.message, "wait 0.001 s more"));

    /* The wait ends exactly 30 s after the 5th failure; 6-9 fail plainly again. */
    secure_world_fixture_advance(f, 1);
    for (uint32_t n = 6; n <= 8; n++)
        expect_attempt(f, KSSIM_WRONG_CREDENTIAL, n);
    expect_attempt(f, KSSIM_WRONG_CREDENTIAL, 9);
    assert_string_equal(f->env.message, "wrong PIN; 1 attempt left before a 30 s wait");
    expect_attempt(f, KSSIM_RETRY_TIMEOUT, 10);
    expect_wrong_attempt_wait(f, 10, "30 s");

    /* From the 11th on, every failure imposes a 30 s wait; attempts inside it are not counted. */
    for (uint32_t n = 11; n <= 39; n++) {
        secure_world_fixture_advance(f, 10000);
        expect_attempt(f, KSSIM_RETRY_TIMEOUT, n - 1);
        assert_non_null(strstr(f->env.message, "wait 20 s more"));
        secure_world_fixture_advance(f, 20000);
        expect_attempt(f, KSSIM_RETRY_TIMEOUT, n);
        expect_wrong_attempt_wait(f, n, "30 s");
    }

    /* From the 40th failure the wait doubles to 60 s. */
    secure_world_fixture_advance(f, 30000);
    expect_attempt(f, KSSIM_RETRY_TIMEOUT, 40);
    expect_wrong_attempt_wait(f, 40, "60 s");
    secure_world_fixture_advance(f, 30000);
    expect_attempt(f, KSSIM_RETRY_TIMEOUT, 40);
    assert_non_null(strstr(f->env.message, "wait 30 s more"));
    secure_world_fixture_advance(f, 30000);
    expect_attempt(f, KSSIM_RETRY_TIMEOUT, 41);
    expect_wrong_attempt_wait(f, 41, "60 s");
}

/* V-GATEKEEPER-FLAT-SCHEDULE through the device: on API 23 the 40th and 140th failures still wait 30 s. */
static void android_6_gatekeeper_never_doubles_the_wait(void **state)
{
    secure_world_fixture *f = *state;
    f->sw.api_level = 23;
    enroll_pin(f);
    secure_world_fixture_advance(f, 1000);
    for (uint32_t n = 1; n <= 139; n++) {
        secure_world_fixture_advance(f, 30000);
        verify(f, WRONG_PIN);
        assert_int_equal(f->sw.gatekeeper.failure_count, n);
    }
    secure_world_fixture_advance(f, 30000);
    expect_attempt(f, KSSIM_RETRY_TIMEOUT, 140);
    expect_wrong_attempt_wait(f, 140, "30 s");
    secure_world_fixture_advance(f, 29999);
    expect_attempt(f, KSSIM_RETRY_TIMEOUT, 140);
    secure_world_fixture_advance(f, 1);
    assert_int_equal(verify(f, "1234"), KSSIM_OK);
    assert_int_equal(f->sw.gatekeeper.failure_count, 0);
}

static void correct_secret_clears_the_failures(void **state)
{
    secure_world_fixture *f = *state;
    enroll_pin(f);
    for (uint32_t n = 1; n <= 4; n++)
        expect_attempt(f, KSSIM_WRONG_CREDENTIAL, n);
    assert_int_equal(verify(f, PIN), KSSIM_OK);
    assert_int_equal(f->sw.gatekeeper.failure_count, 0);
    for (uint32_t n = 1; n <= 4; n++)
        expect_attempt(f, KSSIM_WRONG_CREDENTIAL, n);
    expect_attempt(f, KSSIM_RETRY_TIMEOUT, 5);
}

static void correct_secret_waits_out_a_pending_timeout(void **state)
{
    secure_world_fixture *f = *state;
    enroll_pin(f);
    for (uint32_t n = 1; n <= 5; n++)
        verify(f, WRONG_PIN);
    secure_world_fixture_advance(f, 1);
    assert_int_equal(verify(f, PIN), KSSIM_RETRY_TIMEOUT);
    assert_int_equal(f->sw.gatekeeper.failure_count, 5);
    secure_world_fixture_advance(f, 30000);
    assert_int_equal(verify(f, PIN), KSSIM_OK);
    assert_int_equal(f->sw.gatekeeper.failure_count, 0);
}

static void reboot_restarts_the_full_wait(void **state)
{
    secure_world_fixture *f = *state;
    enroll_pin(f);
    secure_world_fixture_advance(f, 10000);
    for (uint32_t n = 1; n <= 5; n++)
        verify(f, WRONG_PIN);
    secure_world_fixture_advance(f, 25000); /* 5 s of the wait left */

    secure_world_fixture_reboot(f);
    assert_int_equal(f->sw.gatekeeper.failure_count, 5); /* the failure record survives */
    assert_int_equal(verify(f, PIN), KSSIM_RETRY_TIMEOUT);
    assert_int_equal(f->sw.gatekeeper.failure_count, 5);
    assert_int_equal(f->sw.gatekeeper.last_checked_ms, 0);
    assert_non_null(strstr(f->env.message, "wait 30 s"));
    assert_non_null(strstr(f->env.message, "reboot"));

    secure_world_fixture_advance(f, 15000);
    assert_int_equal(verify(f, PIN), KSSIM_RETRY_TIMEOUT);
    assert_non_null(strstr(f->env.message, "wait 15 s more"));
    secure_world_fixture_advance(f, 15000);
    assert_int_equal(verify(f, PIN), KSSIM_OK);
}

static void reboot_without_a_pending_wait_counts_normally(void **state)
{
    secure_world_fixture *f = *state;
    enroll_pin(f);
    secure_world_fixture_advance(f, 10000);
    for (uint32_t n = 1; n <= 3; n++)
        verify(f, WRONG_PIN);
    secure_world_fixture_reboot(f);
    expect_attempt(f, KSSIM_WRONG_CREDENTIAL, 4);
    expect_attempt(f, KSSIM_RETRY_TIMEOUT, 5);
}

static bool contains(const void *haystack, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp((const uint8_t *)haystack + i, needle, n) == 0)
            return true;
    return false;
}

static void secret_is_never_stored_or_echoed(void **state)
{
    secure_world_fixture *f = *state;
    const char *secret = "correct horse battery staple", *guess = "Tr0ub4dor&3";
    assert_int_equal(sim_gatekeeper_enroll(&f->sw, KSSIM_CREDENTIAL_PASSWORD, secret, NULL), KSSIM_OK);
    assert_int_equal(verify(f, guess), KSSIM_WRONG_CREDENTIAL);
    assert_int_equal(sim_gatekeeper_enroll(&f->sw, KSSIM_CREDENTIAL_PASSWORD, secret, guess), KSSIM_WRONG_CREDENTIAL);
    assert_int_equal(verify(f, secret), KSSIM_OK);

    const char *needles[] = {secret, guess, "horse", "Tr0ub"};
    for (size_t i = 0; i < sizeof(needles) / sizeof(*needles); i++) {
        assert_false(contains(&f->sw, sizeof(f->sw), needles[i]));
        assert_false(contains(&f->env, sizeof(f->env), needles[i]));
    }
    uint8_t zero[32] = {0};
    assert_memory_not_equal(f->sw.gatekeeper.hash, zero, sizeof(zero));
}

static void delete_forgets_the_whole_record(void **state)
{
    secure_world_fixture *f = *state;
    enroll_pin(f);
    verify(f, WRONG_PIN);
    sim_gatekeeper_delete(&f->sw);
    sim_gatekeeper cleared;
    memset(&cleared, 0, sizeof(cleared));
    assert_memory_equal(&f->sw.gatekeeper, &cleared, sizeof(cleared));
    assert_int_equal(verify(f, PIN), KSSIM_NO_CREDENTIAL);
    assert_int_equal(sim_gatekeeper_enroll(&f->sw, KSSIM_CREDENTIAL_PIN, PIN, PIN), KSSIM_NO_CREDENTIAL);
}

static uint64_t first_sid_for_seed(uint64_t seed)
{
    secure_world_fixture *f = secure_world_fixture_new(seed);
    assert_non_null(f);
    enroll_pin(f);
    uint64_t sid = f->sw.gatekeeper.sid;
    secure_world_fixture_free(f);
    return sid;
}

static void sids_follow_the_seed(void **state)
{
    (void)state;
    uint64_t a = first_sid_for_seed(42), b = first_sid_for_seed(42), c = first_sid_for_seed(43);
    assert_int_equal(a, b);
    assert_int_not_equal(a, c);
}

#define GATEKEEPER_TEST(name)                                                                                          \
    cmocka_unit_test_setup_teardown(name, secure_world_fixture_setup, secure_world_fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        GATEKEEPER_TEST(enrolled_credential_verifies_with_a_password_token),
        GATEKEEPER_TEST(wrong_secret_gives_no_token),
        GATEKEEPER_TEST(empty_or_missing_secret_cannot_be_enrolled),
        GATEKEEPER_TEST(nothing_enrolled_means_no_credential),
        GATEKEEPER_TEST(trusted_change_keeps_the_sid),
        GATEKEEPER_TEST(trusted_change_with_a_wrong_current_secret_is_a_counted_failure),
        GATEKEEPER_TEST(trusted_change_is_throttled_like_verify),
        GATEKEEPER_TEST(untrusted_enrollment_draws_a_new_sid),
        GATEKEEPER_TEST(enrollment_clears_the_failure_record),
        cmocka_unit_test(retry_timeout_follows_the_doubling_schedule_from_android_7),
        cmocka_unit_test(retry_timeout_stays_30_s_on_android_6),
        GATEKEEPER_TEST(android_6_gatekeeper_never_doubles_the_wait),
        GATEKEEPER_TEST(throttling_schedule_attempt_by_attempt),
        GATEKEEPER_TEST(correct_secret_clears_the_failures),
        GATEKEEPER_TEST(correct_secret_waits_out_a_pending_timeout),
        GATEKEEPER_TEST(reboot_restarts_the_full_wait),
        GATEKEEPER_TEST(reboot_without_a_pending_wait_counts_normally),
        GATEKEEPER_TEST(secret_is_never_stored_or_echoed),
        GATEKEEPER_TEST(delete_forgets_the_whole_record),
        cmocka_unit_test(sids_follow_the_seed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
