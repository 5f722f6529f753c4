/*
 * test_decision.c - the decision record behind --explain (sim/core/decision.c, docs/explain.md): nothing is
 * recorded with explain off; lines append in order, each ending in a newline; a full record ends with the
 * marker and takes no more; switching explain clears it; and through the device, a timeout key's refusal
 * names R-TIMEOUT-CACHE-NEWEST with the too-old token, without changing any result or random draw.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/env.h"

static void nothing_is_recorded_with_explain_off(void **state)
{
    (void)state;
    static sim_env env;
    memset(&env, 0, sizeof(env));
    sim_explain(&env, "R-X: %d", 1);
    assert_string_equal(sim_decision_text(&env), "");
    assert_false(sim_explaining(&env));
}

static void lines_append_in_order(void **state)
{
    (void)state;
    static sim_env env;
    memset(&env, 0, sizeof(env));
    sim_decision_enable(&env, true);
    sim_explain(&env, "R-FIRST: %s", "one");
    sim_explain(&env, "  detail %u", 2u);
    assert_string_equal(sim_decision_text(&env), "R-FIRST: one\n  detail 2\n");
    sim_decision_clear(&env);
    assert_string_equal(sim_decision_text(&env), "");
    assert_true(sim_explaining(&env)); /* clearing keeps explain on */
}

static void a_full_record_ends_with_the_marker(void **state)
{
    (void)state;
    static sim_env env;
    memset(&env, 0, sizeof(env));
    sim_decision_enable(&env, true);
    for (int i = 0; i < 1000; i++)
        sim_explain(&env, "line %04d of a long decision path that does not fit", i);
    const char *text = sim_decision_text(&env);
    assert_true(strlen(text) < SIM_DECISION_MAX);
    assert_non_null(strstr(text, "line 0000"));
    assert_null(strstr(text, "line 0999"));
    const char *marker = "... (decision record full: later lines left out)\n";
    assert_string_equal(text + strlen(text) - strlen(marker), marker);
    size_t length = strlen(text);
    sim_explain(&env, "more");
    assert_int_equal(strlen(sim_decision_text(&env)), length);
    sim_decision_enable(&env, false);
    assert_string_equal(sim_decision_text(&env), "");
}

static void token_text_names_type_ids_challenge_and_age(void **state)
{
    (void)state;
    kssim_auth_token token;
    memset(&token, 0, sizeof(token));
    token.challenge = 0x2a;
    token.user_id = 0x11;
    token.authenticator_id = 0x22;
    token.authenticator_type = KSSIM_AUTHENTICATOR_FINGERPRINT;
    token.timestamp_ms = 1000;
    char text[256];
    sim_explain_token_text(&token, 46500, text, sizeof(text));
    assert_string_equal(text, "fingerprint user 0x0000000000000011 authenticator 0x0000000000000022 challenge "
                              "0x000000000000002a issued 45.500 s ago");
}

static kssim_device *device_with_timeout_key(void)
{
    kssim_config config;
    kssim_config_default(&config);
    kssim_device *device = NULL;
    assert_int_equal(kssim_device_create(&config, &device), KSSIM_OK);
    assert_int_equal(kssim_set_credential(device, KSSIM_CREDENTIAL_PIN, "1234"), KSSIM_OK);
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    strcpy(spec.alias, "timed");
    spec.user_auth = true;
    spec.auth_timeout_s = 30;
    spec.auth_types = KSSIM_AUTH_DEVICE_CREDENTIAL;
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
    assert_int_equal(kssim_verify_credential(device, "1234", 0, NULL), KSSIM_OK);
    assert_int_equal(kssim_advance(device, 45000), KSSIM_OK);
    return device;
}

/* The same refusal with explain on and off, the same next random value (the handle of a later begin), and the
 * rule and the token named only with it on. */
static void a_too_old_token_is_named_and_nothing_else_changes(void **state)
{
    (void)state;
    kssim_device *quiet = device_with_timeout_key();
    kssim_device *explained = device_with_timeout_key();
    kssim_set_explain(explained, true);
    kssim_operation a, b;
    assert_int_equal(kssim_begin(quiet, "timed", KSSIM_PURPOSE_SIGN, NULL, &a), KSSIM_KEY_USER_NOT_AUTHENTICATED);
    assert_int_equal(kssim_begin(explained, "timed", KSSIM_PURPOSE_SIGN, NULL, &b), KSSIM_KEY_USER_NOT_AUTHENTICATED);
    assert_string_equal(kssim_device_decision(quiet), "");
    const char *why = kssim_device_decision(explained);
    assert_non_null(strstr(why, "begin on API level 34 (Android 14)\n"));
    assert_non_null(strstr(why, "key policy: accepts the device credential, timeout 30 s"));
    assert_non_null(strstr(why, "password user 0x"));
    assert_non_null(strstr(why, "issued 45.000 s ago, received 45 s ago, MAC valid"));
    assert_non_null(strstr(why, "R-TIMEOUT-CACHE-NEWEST: the newest matching token was received 45 s ago, timeout "
                                "30 s: too old, KEY_USER_NOT_AUTHENTICATED\n"));
    assert_string_equal(kssim_device_message(quiet), kssim_device_message(explained));
    /* The record spans calls until the caller clears it. */
    assert_int_equal(kssim_verify_credential(explained, "1234", 0, NULL), KSSIM_OK);
    assert_non_null(strstr(kssim_device_decision(explained), "R-TIMEOUT-CACHE-NEWEST"));
    kssim_device_decision_clear(explained);
    assert_string_equal(kssim_device_decision(explained), "");
    assert_int_equal(kssim_verify_credential(quiet, "1234", 0, NULL), KSSIM_OK);
    assert_int_equal(kssim_begin(quiet, "timed", KSSIM_PURPOSE_SIGN, NULL, &a), KSSIM_OK);
    assert_int_equal(kssim_begin(explained, "timed", KSSIM_PURPOSE_SIGN, NULL, &b), KSSIM_OK);
    assert_int_equal(a.handle, b.handle);
    assert_non_null(strstr(kssim_device_decision(explained), "R-TIMEOUT-WINDOW: token issued 0.000 s ago on the "
                                                             "boot clock, timeout 30 s: within the window\n"));
    kssim_device_free(quiet);
    kssim_device_free(explained);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nothing_is_recorded_with_explain_off),
        cmocka_unit_test(lines_append_in_order),
        cmocka_unit_test(a_full_record_ends_with_the_marker),
        cmocka_unit_test(token_text_names_type_ids_challenge_and_age),
        cmocka_unit_test(a_too_old_token_is_named_and_nothing_else_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
