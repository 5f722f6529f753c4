/*
 * test_gatekeeper_durability.c - Gatekeeper counts an attempt on its storage before it answers
 * (sim_gatekeeper_charge_attempt, after system/gatekeeper gatekeeper.cpp GateKeeper::Verify:
 * IncrementFailureRecord writes the failure record before DoVerify, and a failed write is ERROR_UNKNOWN
 * with no comparison). The storage here is a hook of the test's own in place of the device store's.
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
#define NEW_PIN   "5678"

#define MAX_WRITES 8

/* What the storage saw: Gatekeeper's record at each write, and what to do on each. */
typedef struct storage {
    secure_world_fixture *f;
    int writes;
    uint32_t failure_count_written[MAX_WRITES];
    uint64_t last_checked_written[MAX_WRITES];
    bool full;                           /* every write fails, as on a full disk */
    const char *replace_credential_with; /* at the first write, another process sets this credential */
    bool remove_credential;              /* at the first write, another process removes the lock screen */
} storage;

static kssim_result write_to_storage(sim_env *env, void *context)
{
    storage *s = context;
    sim_gatekeeper *gk = &s->f->sw.gatekeeper;
    if (s->full)
        return sim_refuse(env, KSSIM_DEVICE_UNAVAILABLE, "the disk is full: free some space and retry");
    if (s->writes < MAX_WRITES) {
        s->failure_count_written[s->writes] = gk->failure_count;
        s->last_checked_written[s->writes] = gk->last_checked_ms;
    }
    s->writes++;
    /* What a reload after another process's commit brings in. */
    if (s->writes == 1 && s->replace_credential_with != NULL)
        assert_int_equal(sim_gatekeeper_enroll(&s->f->sw, KSSIM_CREDENTIAL_PIN, s->replace_credential_with, NULL),
                         KSSIM_OK);
    if (s->writes == 1 && s->remove_credential)
        sim_gatekeeper_delete(&s->f->sw);
    return KSSIM_OK;
}

static void attach(secure_world_fixture *f, storage *s)
{
    memset(s, 0, sizeof(*s));
    s->f = f;
    f->env.persist = write_to_storage;
    f->env.persist_context = s;
}

static void enroll_pin(secure_world_fixture *f)
{
    assert_int_equal(sim_gatekeeper_enroll(&f->sw, KSSIM_CREDENTIAL_PIN, PIN, NULL), KSSIM_OK);
}

static kssim_result verify(secure_world_fixture *f, const char *secret, kssim_auth_token *token)
{
    return sim_gatekeeper_verify(&f->sw, secret, 7, token);
}

static bool is_zero(const kssim_auth_token *token)
{
    kssim_auth_token zero;
    memset(&zero, 0, sizeof(zero));
    return memcmp(token, &zero, sizeof(zero)) == 0;
}

static void an_attempt_that_cannot_be_recorded_gets_the_same_refusal_right_or_wrong(void **state)
{
    secure_world_fixture *f = *state;
    enroll_pin(f);
    storage s;
    attach(f, &s);
    s.full = true;
    secure_world_fixture_advance(f, 1000);

    kssim_auth_token token;
    assert_int_equal(verify(f, WRONG_PIN, &token), KSSIM_DEVICE_UNAVAILABLE);
    char wrong_message[SIM_MESSAGE_MAX];
    snprintf(wrong_message, sizeof(wrong_message), "%s", f->env.message);
    assert_non_null(strstr(wrong_message, "the disk is full"));
    assert_non_null(strstr(wrong_message, "not checked"));
    assert_true(is_zero(&token));

    assert_int_equal(verify(f, PIN, &token), KSSIM_DEVICE_UNAVAILABLE);
    assert_string_equal(f->env.message, wrong_message);
    assert_true(is_zero(&token));
    /* Not compared: a right PIN that had been compared would have cleared the record. */
    assert_int_equal(f->sw.gatekeeper.failure_count, 2);

    /* A trusted change and the armed prompt are attempts too: no new credential, no token. */
    uint64_t sid = f->sw.gatekeeper.sid;
    uint8_t salt[16];
    memcpy(salt, f->sw.gatekeeper.salt, sizeof(salt));
    assert_int_equal(sim_gatekeeper_enroll(&f->sw, KSSIM_CREDENTIAL_PIN, NEW_PIN, PIN), KSSIM_DEVICE_UNAVAILABLE);
    assert_int_equal(f->sw.gatekeeper.sid, sid);
    assert_memory_equal(f->sw.gatekeeper.salt, salt, sizeof(salt));
    assert_int_equal(sim_gatekeeper_verify_armed(&f->sw, sim_gatekeeper_enrollment_tag(&f->sw), 7, &token),
                     KSSIM_DEVICE_UNAVAILABLE);
    assert_true(is_zero(&token));
}

static void every_attempt_is_recorded_as_a_failure_before_its_answer(void **state)
{
    secure_world_fixture *f = *state;
    enroll_pin(f);
    storage s;
    attach(f, &s);

    secure_world_fixture_advance(f, 1000);
    assert_int_equal(verify(f, WRONG_PIN, NULL), KSSIM_WRONG_CREDENTIAL);
    assert_int_equal(s.writes, 1);
    assert_int_equal(s.failure_count_written[0], 1);
    assert_int_equal(s.last_checked_written[0], 1000);

    /* The right PIN is charged too, and cleared only after the comparison (in the command's commit). */
    secure_world_fixture_advance(f, 1000);
    kssim_auth_token token;
    assert_int_equal(verify(f, PIN, &token), KSSIM_OK);
    assert_int_equal(s.writes, 2);
    assert_int_equal(s.failure_count_written[1], 2);
    assert_int_equal(s.last_checked_written[1], 2000);
    assert_int_equal(f->sw.gatekeeper.failure_count, 0);
    assert_int_equal(f->sw.gatekeeper.last_checked_ms, 0);
    assert_true(sim_auth_token_is_authentic(&f->sw, &token));

    /* The armed prompt's answer is recorded first as well. */
    assert_int_equal(sim_gatekeeper_verify_armed(&f->sw, sim_gatekeeper_enrollment_tag(&f->sw), 7, &token), KSSIM_OK);
    assert_int_equal(s.writes, 3);
    assert_int_equal(s.failure_count_written[2], 1);
}

static void the_schedule_is_the_one_without_storage(void **state)
{
    secure_world_fixture *f = *state;
    enroll_pin(f);
    storage s;
    attach(f, &s);
    secure_world_fixture_advance(f, 1000);
    for (int i = 1; i <= 4; i++)
        assert_int_equal(verify(f, WRONG_PIN, NULL), KSSIM_WRONG_CREDENTIAL);
    assert_int_equal(verify(f, WRONG_PIN, NULL), KSSIM_RETRY_TIMEOUT);
    assert_int_equal(s.writes, 5);
    /* Inside the wait nothing is counted, so nothing is written. */
    secure_world_fixture_advance(f, 1000);
    assert_int_equal(verify(f, PIN, NULL), KSSIM_RETRY_TIMEOUT);
    assert_int_equal(s.writes, 5);
    assert_int_equal(f->sw.gatekeeper.failure_count, 5);
    secure_world_fixture_advance(f, 30000);
    assert_int_equal(verify(f, PIN, NULL), KSSIM_OK);
    assert_int_equal(s.writes, 6);
    assert_int_equal(s.failure_count_written[5], 6);
}

static void a_credential_replaced_while_recording_is_charged_before_it_is_compared(void **state)
{
    secure_world_fixture *f = *state;
    enroll_pin(f);
    storage s;
    attach(f, &s);
    s.replace_credential_with = NEW_PIN;
    secure_world_fixture_advance(f, 1000);
    /* The new credential's record is charged (a second write) before the new hash is compared. */
    assert_int_equal(verify(f, PIN, NULL), KSSIM_WRONG_CREDENTIAL);
    assert_int_equal(s.writes, 2);
    assert_int_equal(s.failure_count_written[1], 1);
    assert_int_equal(f->sw.gatekeeper.failure_count, 1);

    attach(f, &s);
    s.remove_credential = true;
    assert_int_equal(verify(f, NEW_PIN, NULL), KSSIM_NO_CREDENTIAL);
    assert_int_equal(s.writes, 1);
}

static void without_storage_nothing_changes(void **state)
{
    secure_world_fixture *f = *state;
    enroll_pin(f);
    assert_null(f->env.persist);
    assert_int_equal(sim_env_persist_now(&f->env), KSSIM_OK);
    assert_int_equal(verify(f, WRONG_PIN, NULL), KSSIM_WRONG_CREDENTIAL);
    assert_string_equal(f->env.message, "wrong PIN; 4 attempts left before a 30 s wait");
    assert_int_equal(verify(f, PIN, NULL), KSSIM_OK);
}

#define DURABILITY_TEST(name)                                                                                          \
    cmocka_unit_test_setup_teardown(name, secure_world_fixture_setup, secure_world_fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        DURABILITY_TEST(an_attempt_that_cannot_be_recorded_gets_the_same_refusal_right_or_wrong),
        DURABILITY_TEST(every_attempt_is_recorded_as_a_failure_before_its_answer),
        DURABILITY_TEST(the_schedule_is_the_one_without_storage),
        DURABILITY_TEST(a_credential_replaced_while_recording_is_charged_before_it_is_compared),
        DURABILITY_TEST(without_storage_nothing_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
