/*
 * test_keymint_auth.c - KeyMint's check of auth tokens: timeout keys at begin (the token's MAC,
 * secure ID, authenticator type and age, to the millisecond at the edge) and per-operation keys at
 * every update and finish (the challenge too, and one token serving every step).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_keymint_fixture.h"

static kssim_result begin_with(keymint_fixture *f, const test_key *k, const kssim_auth_token *token,
                               kssim_operation *op)
{
    kssim_operation ignored;
    return sim_keymint_begin(&f->sw, &k->blob, KSSIM_PURPOSE_SIGN, NULL, token, op != NULL ? op : &ignored);
}

static void begin_and_abort_with(keymint_fixture *f, const test_key *k, const kssim_auth_token *token,
                                 kssim_result expected)
{
    kssim_operation op;
    kssim_result r = begin_with(f, k, token, &op);
    expect_result(f, r, expected);
    if (r == KSSIM_OK)
        assert_int_equal(sim_keymint_abort(&f->sw, op.handle), KSSIM_OK);
}

static test_key timeout_key(keymint_fixture *f, uint32_t types, uint32_t timeout_s)
{
    sim_auth_list auth = with_user_auth(auth_for(KSSIM_ALGORITHM_EC, 256), types, timeout_s);
    return generate_ok(f, &auth);
}

static void a_timeout_key_needs_a_token(void **state)
{
    keymint_fixture *f = *state;
    test_key k = timeout_key(f, KSSIM_AUTHENTICATOR_PASSWORD, 30);
    begin_and_abort_with(f, &k, NULL, KSSIM_KEY_USER_NOT_AUTHENTICATED);
    assert_non_null(strstr(f->env.message, "the device credential within the last 30 s"));
    kssim_auth_token token = token_for(f, KSSIM_AUTHENTICATOR_PASSWORD, TEST_SID, 0);
    kssim_operation op;
    expect_result(f, begin_with(f, &k, &token, &op), KSSIM_OK);
    assert_false(op.needs_per_op_auth);
    /* Authentication was settled at begin: finish needs no token. */
    uint8_t *sig;
    size_t sig_len;
    expect_result(f, sim_keymint_finish(&f->sw, op.handle, (const uint8_t *)"m", 1, NULL, 0, NULL, &sig, &sig_len),
                  KSSIM_OK);
    free(sig);
    test_key_free(&k);
}

static void the_timeout_edge_is_inclusive_to_the_millisecond(void **state)
{
    keymint_fixture *f = *state;
    test_key k = timeout_key(f, KSSIM_AUTHENTICATOR_PASSWORD, 30);
    kssim_auth_token token = token_for(f, KSSIM_AUTHENTICATOR_PASSWORD, TEST_SID, 0);
    uint64_t issued = f->env.clock.boot_ms;
    f->env.clock.boot_ms = issued + 30000;
    begin_and_abort_with(f, &k, &token, KSSIM_OK);
    f->env.clock.boot_ms = issued + 30001;
    begin_and_abort_with(f, &k, &token, KSSIM_KEY_USER_NOT_AUTHENTICATED);
    assert_non_null(strstr(f->env.message, "is 30.001 s old"));
    f->env.clock.boot_ms = issued + 31200;
    begin_and_abort_with(f, &k, &token, KSSIM_KEY_USER_NOT_AUTHENTICATED);
    assert_non_null(strstr(f->env.message, "is 31.2 s old"));
    /* A token stamped after now is no token of this boot. */
    f->env.clock.boot_ms = issued + 5000;
    kssim_auth_token future = token;
    future.timestamp_ms = issued + 6000;
    sim_auth_token_compute_mac(&f->sw, f->sw.hmac_key, &future, future.mac);
    begin_and_abort_with(f, &k, &future, KSSIM_KEY_USER_NOT_AUTHENTICATED);
    test_key_free(&k);
}

static void tokens_must_be_authentic(void **state)
{
    keymint_fixture *f = *state;
    test_key k = timeout_key(f, KSSIM_AUTHENTICATOR_PASSWORD, 600);
    kssim_auth_token token = token_for(f, KSSIM_AUTHENTICATOR_PASSWORD, TEST_SID, 0);
    kssim_auth_token corrupt = token;
    corrupt.mac[0] ^= 1;
    begin_and_abort_with(f, &k, &corrupt, KSSIM_KEY_USER_NOT_AUTHENTICATED);
    assert_non_null(strstr(f->env.message, "MAC does not verify"));
    kssim_auth_token younger = token; /* the fields are MAC'd too */
    younger.timestamp_ms += 1;
    begin_and_abort_with(f, &k, &younger, KSSIM_KEY_USER_NOT_AUTHENTICATED);
    begin_and_abort_with(f, &k, &token, KSSIM_OK);
    /* After a reboot the per-boot key is new: the old token is refused even though it is young. */
    fixture_reboot(f);
    token.timestamp_ms = 0;
    sim_auth_token_compute_mac(&f->sw, f->sw.previous_hmac_key, &token, token.mac);
    begin_and_abort_with(f, &k, &token, KSSIM_KEY_USER_NOT_AUTHENTICATED);
    assert_non_null(strstr(f->env.message, "before a reboot"));
    test_key_free(&k);
}

static void tokens_must_match_the_keys_sids_and_types(void **state)
{
    keymint_fixture *f = *state;
    test_key password_key = timeout_key(f, KSSIM_AUTHENTICATOR_PASSWORD, 30);
    test_key biometric_key = timeout_key(f, KSSIM_AUTHENTICATOR_FINGERPRINT, 30);
    test_key either_key = timeout_key(f, KSSIM_AUTHENTICATOR_PASSWORD | KSSIM_AUTHENTICATOR_FINGERPRINT, 30);
    kssim_auth_token password = token_for(f, KSSIM_AUTHENTICATOR_PASSWORD, TEST_SID, 0);
    kssim_auth_token fingerprint = token_for(f, KSSIM_AUTHENTICATOR_FINGERPRINT, TEST_SID, 0);
    kssim_auth_token stranger = token_for(f, KSSIM_AUTHENTICATOR_PASSWORD, TEST_OTHER_SID + 1, 0);
    begin_and_abort_with(f, &password_key, &password, KSSIM_OK);
    begin_and_abort_with(f, &password_key, &fingerprint, KSSIM_KEY_USER_NOT_AUTHENTICATED);
    assert_non_null(strstr(f->env.message, "accepts only the device credential"));
    begin_and_abort_with(f, &biometric_key, &fingerprint, KSSIM_OK); /* matched by authenticator_id */
    begin_and_abort_with(f, &biometric_key, &password, KSSIM_KEY_USER_NOT_AUTHENTICATED);
    begin_and_abort_with(f, &either_key, &password, KSSIM_OK);
    begin_and_abort_with(f, &either_key, &fingerprint, KSSIM_OK);
    begin_and_abort_with(f, &password_key, &stranger, KSSIM_KEY_USER_NOT_AUTHENTICATED);
    assert_non_null(strstr(f->env.message, "bound to others"));
    test_key_free(&password_key);
    test_key_free(&biometric_key);
    test_key_free(&either_key);
}

/* A secure ID of 0 stands for "none": a Gatekeeper token's authenticator_id is 0, and must not match a
 * key that somehow holds SID 0. */
static void a_zero_sid_matches_nothing(void **state)
{
    keymint_fixture *f = *state;
    sim_auth_list auth = with_user_auth(auth_for(KSSIM_ALGORITHM_EC, 256), KSSIM_AUTHENTICATOR_PASSWORD, 30);
    auth.sids[0] = 0;
    test_key k = generate_ok(f, &auth);
    kssim_auth_token token = token_for(f, KSSIM_AUTHENTICATOR_PASSWORD, TEST_SID, 0);
    begin_and_abort_with(f, &k, &token, KSSIM_KEY_USER_NOT_AUTHENTICATED);
    test_key_free(&k);
}

static void inconsistent_auth_lists_never_authorize(void **state)
{
    keymint_fixture *f = *state;
    sim_auth_list both = with_user_auth(auth_for(KSSIM_ALGORITHM_EC, 256), KSSIM_AUTHENTICATOR_PASSWORD, 30);
    both.no_auth_required = true;
    test_key k = generate_ok(f, &both);
    kssim_auth_token token = token_for(f, KSSIM_AUTHENTICATOR_PASSWORD, TEST_SID, 0);
    begin_and_abort_with(f, &k, &token, KSSIM_INVALID_KEY_BLOB);
    test_key_free(&k);
    sim_auth_list no_type = with_user_auth(auth_for(KSSIM_ALGORITHM_EC, 256), 0, 30);
    k = generate_ok(f, &no_type);
    begin_and_abort_with(f, &k, &token, KSSIM_KEY_USER_NOT_AUTHENTICATED);
    test_key_free(&k);
}

static void a_refused_authentication_is_not_a_use(void **state)
{
    keymint_fixture *f = *state;
    sim_auth_list auth = with_user_auth(auth_for(KSSIM_ALGORITHM_EC, 256), KSSIM_AUTHENTICATOR_PASSWORD, 30);
    auth.max_uses_per_boot = 1;
    test_key k = generate_ok(f, &auth);
    begin_and_abort_with(f, &k, NULL, KSSIM_KEY_USER_NOT_AUTHENTICATED);
    kssim_auth_token token = token_for(f, KSSIM_AUTHENTICATOR_PASSWORD, TEST_SID, 0);
    begin_and_abort_with(f, &k, &token, KSSIM_OK);
    begin_and_abort_with(f, &k, &token, KSSIM_KEY_MAX_OPS_EXCEEDED);
    test_key_free(&k);
}

/* ---- per-operation keys ---- */

static test_key per_operation_key(keymint_fixture *f)
{
    sim_auth_list auth = with_user_auth(auth_for(KSSIM_ALGORITHM_EC, 256), KSSIM_AUTHENTICATOR_FINGERPRINT, 0);
    return generate_ok(f, &auth);
}

static void a_per_operation_key_begins_without_a_token(void **state)
{
    keymint_fixture *f = *state;
    test_key k = per_operation_key(f);
    kssim_operation op;
    expect_result(f, begin_with(f, &k, NULL, &op), KSSIM_OK);
    assert_true(op.needs_per_op_auth);
    assert_int_equal(op.challenge, op.handle);
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    expect_result(f, sim_keymint_finish(&f->sw, op.handle, (const uint8_t *)"m", 1, NULL, 0, NULL, &sig, &sig_len),
                  KSSIM_KEY_USER_NOT_AUTHENTICATED);
    assert_non_null(strstr(f->env.message, "challenge"));
    assert_null(sig);
    /* As KeyMint does, the refusal ended the operation. */
    kssim_auth_token token = token_for(f, KSSIM_AUTHENTICATOR_FINGERPRINT, TEST_SID, op.challenge);
    expect_result(f, sim_keymint_finish(&f->sw, op.handle, NULL, 0, NULL, 0, &token, &sig, &sig_len),
                  KSSIM_INVALID_OPERATION_HANDLE);
    test_key_free(&k);
}

static void one_token_serves_every_update_and_the_finish(void **state)
{
    keymint_fixture *f = *state;
    test_key k = per_operation_key(f);
    kssim_operation op;
    expect_result(f, begin_with(f, &k, NULL, &op), KSSIM_OK);
    kssim_auth_token token = token_for(f, KSSIM_AUTHENTICATOR_FINGERPRINT, TEST_SID, op.challenge);
    f->env.clock.boot_ms += 3600 * 1000; /* per-operation tokens have no age limit in KeyMint */
    for (int i = 0; i < 3; i++)
        expect_result(f, sim_keymint_update(&f->sw, op.handle, (const uint8_t *)"abc", 3, &token), KSSIM_OK);
    uint8_t *sig;
    size_t sig_len;
    expect_result(f, sim_keymint_finish(&f->sw, op.handle, NULL, 0, NULL, 0, &token, &sig, &sig_len), KSSIM_OK);
    expect_result(f, verify_public(f, KSSIM_ALGORITHM_EC, &k, KSSIM_DIGEST_SHA256, 0, "abcabcabc", sig, sig_len),
                  KSSIM_OK);
    free(sig);
    test_key_free(&k);
}

/* Begins an operation and offers token to its update, re-MAC'd for the operation's challenge when asked. */
static void per_operation_token_is_refused(keymint_fixture *f, const test_key *k, kssim_auth_token token,
                                           bool bind_to_operation, const char *why)
{
    kssim_operation op;
    expect_result(f, begin_with(f, k, NULL, &op), KSSIM_OK);
    if (bind_to_operation) {
        token.challenge = op.challenge;
        sim_auth_token_compute_mac(&f->sw, f->sw.hmac_key, &token, token.mac);
    }
    expect_result(f, sim_keymint_update(&f->sw, op.handle, (const uint8_t *)"m", 1, &token),
                  KSSIM_KEY_USER_NOT_AUTHENTICATED);
    if (strstr(f->env.message, why) == NULL)
        fail_msg("the refusal should say '%s': %s", why, f->env.message);
    expect_result(f, sim_keymint_abort(&f->sw, op.handle), KSSIM_INVALID_OPERATION_HANDLE);
}

static void per_operation_tokens_must_carry_the_challenge_sid_type_and_mac(void **state)
{
    keymint_fixture *f = *state;
    test_key k = per_operation_key(f);
    kssim_auth_token good = token_for(f, KSSIM_AUTHENTICATOR_FINGERPRINT, TEST_SID, 0);
    per_operation_token_is_refused(f, &k, good, false, "not this operation's");
    kssim_auth_token wrong_sid = token_for(f, KSSIM_AUTHENTICATOR_FINGERPRINT, TEST_OTHER_SID + 1, 0);
    per_operation_token_is_refused(f, &k, wrong_sid, true, "bound to others");
    kssim_auth_token wrong_type = token_for(f, KSSIM_AUTHENTICATOR_PASSWORD, TEST_SID, 0);
    per_operation_token_is_refused(f, &k, wrong_type, true, "accepts only a strong biometric");

    kssim_operation op;
    expect_result(f, begin_with(f, &k, NULL, &op), KSSIM_OK);
    kssim_auth_token corrupt = token_for(f, KSSIM_AUTHENTICATOR_FINGERPRINT, TEST_SID, op.challenge);
    corrupt.mac[31] ^= 0x80;
    expect_result(f, sim_keymint_update(&f->sw, op.handle, (const uint8_t *)"m", 1, &corrupt),
                  KSSIM_KEY_USER_NOT_AUTHENTICATED);
    assert_non_null(strstr(f->env.message, "MAC does not verify"));
    /* A token for one operation does not serve the next. */
    expect_result(f, begin_with(f, &k, NULL, &op), KSSIM_OK);
    kssim_auth_token first = token_for(f, KSSIM_AUTHENTICATOR_FINGERPRINT, TEST_SID, op.challenge);
    uint8_t *sig;
    size_t sig_len;
    expect_result(f, sim_keymint_finish(&f->sw, op.handle, NULL, 0, NULL, 0, &first, &sig, &sig_len), KSSIM_OK);
    free(sig);
    expect_result(f, begin_with(f, &k, NULL, &op), KSSIM_OK);
    expect_result(f, sim_keymint_finish(&f->sw, op.handle, NULL, 0, NULL, 0, &first, &sig, &sig_len),
                  KSSIM_KEY_USER_NOT_AUTHENTICATED);
    test_key_free(&k);
}

int main(void)
{
#define TEST(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        TEST(a_timeout_key_needs_a_token),
        TEST(the_timeout_edge_is_inclusive_to_the_millisecond),
        TEST(tokens_must_be_authentic),
        TEST(tokens_must_match_the_keys_sids_and_types),
        TEST(a_zero_sid_matches_nothing),
        TEST(inconsistent_auth_lists_never_authorize),
        TEST(a_refused_authentication_is_not_a_use),
        TEST(a_per_operation_key_begins_without_a_token),
        TEST(one_token_serves_every_update_and_the_finish),
        TEST(per_operation_tokens_must_carry_the_challenge_sid_type_and_mac),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
