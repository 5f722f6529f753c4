/*
 * test_key_lint.c - the table of weak key settings `kssim lint` names (sim/framework/key_lint.c): every row
 * is complete and its ID stable in form, each finding holds exactly where docs/lint.md says (one case that
 * raises it, the nearest case that does not), and the scenario walk (sim/runner/scenario_lint.c) sees a
 * CryptoObject flow, a StrongBox fallback and `# lint-intent:` lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "framework/key_lint.h"
#include "runner/scenario_lint.h"
#include <kssim/kssim.h>

/* ---- The table ---- */

static void every_row_is_complete_and_its_id_unique(void **state)
{
    (void)state;
    size_t count;
    const key_lint_rule *rules = key_lint_rules(&count);
    assert_int_equal(count, KEY_LINT_FINDING_COUNT);
    for (size_t i = 0; i < count; i++) {
        assert_int_equal(rules[i].finding, (key_lint_finding)i);
        assert_ptr_equal(key_lint_rule_of((key_lint_finding)i), &rules[i]);
        assert_true(strncmp(rules[i].id, "L-", 2) == 0);
        for (const char *c = rules[i].id; *c != '\0'; c++)
            assert_true((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-');
        assert_true(rules[i].severity <= KEY_LINT_ERROR);
        assert_true(strlen(rules[i].title) > 0 && strlen(rules[i].reason) > 0);
        assert_true(strlen(rules[i].instead) > 0 && strlen(rules[i].source) > 0);
        assert_ptr_equal(key_lint_rule_by_id(rules[i].id), &rules[i]);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(rules[i].id, rules[j].id);
    }
    assert_null(key_lint_rule_by_id("L-NOT-A-FINDING"));
}

static void severities_and_intents_read_their_words(void **state)
{
    (void)state;
    key_lint_severity severity;
    assert_true(key_lint_severity_parse("error", &severity));
    assert_int_equal(severity, KEY_LINT_ERROR);
    assert_true(key_lint_severity_parse("note", &severity));
    assert_int_equal(severity, KEY_LINT_NOTE);
    assert_false(key_lint_severity_parse("fatal", &severity));
    assert_string_equal(key_lint_severity_name(KEY_LINT_WARNING), "warning");

    uint32_t intents;
    char unknown[16];
    assert_true(key_lint_intents_parse("login,biometric_only", &intents, unknown, sizeof(unknown)));
    assert_int_equal(intents, KEY_LINT_INTENT_LOGIN | KEY_LINT_INTENT_BIOMETRIC_ONLY);
    assert_true(key_lint_intents_parse("secret-at-rest", &intents, unknown, sizeof(unknown)));
    assert_int_equal(intents, KEY_LINT_INTENT_SECRET_AT_REST);
    assert_false(key_lint_intents_parse("login,logn", &intents, unknown, sizeof(unknown)));
    assert_string_equal(unknown, "logn");
    assert_false(key_lint_intents_parse("", &intents, unknown, sizeof(unknown)));
}

/* ---- Each finding: where it holds, and the nearest case where it does not ---- */

static bool holds(const kssim_key_spec *spec, const key_lint_context *context, key_lint_finding wanted)
{
    key_lint_finding findings[KEY_LINT_FINDING_COUNT];
    size_t count = key_lint_check(spec, context, findings);
    for (size_t i = 0; i < count; i++)
        if (findings[i] == wanted)
            return true;
    return false;
}

static kssim_key_spec biometric_key(uint32_t timeout_s)
{
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    spec.user_auth = true;
    spec.auth_types = KSSIM_AUTH_BIOMETRIC_STRONG;
    spec.auth_timeout_s = timeout_s;
    return spec;
}

static void a_signing_key_without_auth_is_taken_for_a_login_key(void **state)
{
    (void)state;
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    key_lint_context context = {0};
    assert_true(holds(&spec, NULL, KEY_LINT_NO_USER_AUTH));
    context.intents = KEY_LINT_INTENT_UNATTENDED;
    assert_false(holds(&spec, &context, KEY_LINT_NO_USER_AUTH));
    spec = biometric_key(0);
    assert_false(holds(&spec, NULL, KEY_LINT_NO_USER_AUTH));
    /* An encryption key is no login key unless the app says it is. */
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_AES);
    assert_false(holds(&spec, NULL, KEY_LINT_NO_USER_AUTH));
    context.intents = KEY_LINT_INTENT_LOGIN;
    assert_true(holds(&spec, &context, KEY_LINT_NO_USER_AUTH));
}

static void invalidation_off_matters_on_biometric_only_keys_from_api_24(void **state)
{
    (void)state;
    kssim_key_spec spec = biometric_key(0);
    spec.invalidated_by_biometric_enrollment = false;
    assert_true(holds(&spec, NULL, KEY_LINT_INVALIDATION_OFF));
    key_lint_context api23 = {.api_level = 23};
    assert_false(holds(&spec, &api23, KEY_LINT_INVALIDATION_OFF));
    spec.auth_types |= KSSIM_AUTH_DEVICE_CREDENTIAL; /* root SID anyway: the flag changes nothing */
    assert_false(holds(&spec, NULL, KEY_LINT_INVALIDATION_OFF));
    spec = biometric_key(0);
    assert_false(holds(&spec, NULL, KEY_LINT_INVALIDATION_OFF));
}

static void a_biometric_timeout_over_30_seconds_is_long(void **state)
{
    (void)state;
    kssim_key_spec spec = biometric_key(31);
    assert_true(holds(&spec, NULL, KEY_LINT_LONG_BIOMETRIC_TIMEOUT));
    spec = biometric_key(30);
    assert_false(holds(&spec, NULL, KEY_LINT_LONG_BIOMETRIC_TIMEOUT));
    spec = biometric_key(300);
    spec.auth_types = KSSIM_AUTH_DEVICE_CREDENTIAL;
    assert_false(holds(&spec, NULL, KEY_LINT_LONG_BIOMETRIC_TIMEOUT));
}

static void any_timeout_defeats_a_per_operation_flow(void **state)
{
    (void)state;
    kssim_key_spec spec = biometric_key(5);
    key_lint_context context = {0};
    assert_false(holds(&spec, &context, KEY_LINT_TIMEOUT_ON_PER_OP_FLOW));
    context.used_per_operation = true;
    assert_true(holds(&spec, &context, KEY_LINT_TIMEOUT_ON_PER_OP_FLOW));
    spec = biometric_key(0);
    assert_false(holds(&spec, &context, KEY_LINT_TIMEOUT_ON_PER_OP_FLOW));
    spec = biometric_key(5);
    key_lint_context login = {.intents = KEY_LINT_INTENT_LOGIN};
    assert_true(holds(&spec, &login, KEY_LINT_TIMEOUT_ON_PER_OP_FLOW));
}

static void device_credential_is_flagged_only_where_biometric_only_was_meant(void **state)
{
    (void)state;
    kssim_key_spec spec = biometric_key(0);
    spec.auth_types |= KSSIM_AUTH_DEVICE_CREDENTIAL;
    key_lint_context context = {0};
    assert_false(holds(&spec, &context, KEY_LINT_DEVICE_CREDENTIAL_ALLOWED));
    context.intents = KEY_LINT_INTENT_BIOMETRIC_ONLY;
    assert_true(holds(&spec, &context, KEY_LINT_DEVICE_CREDENTIAL_ALLOWED));
    key_lint_context flow = {.authorized_only_by_biometric = true};
    assert_true(holds(&spec, &flow, KEY_LINT_DEVICE_CREDENTIAL_ALLOWED));
    spec = biometric_key(0);
    assert_false(holds(&spec, &context, KEY_LINT_DEVICE_CREDENTIAL_ALLOWED));
}

static void an_aes_decrypt_key_without_unlocked_device_required(void **state)
{
    (void)state;
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_AES);
    assert_true(holds(&spec, NULL, KEY_LINT_NO_UNLOCKED_DEVICE));
    key_lint_context api27 = {.api_level = 27}; /* V-API-UNLOCKED-DEVICE-REQUIRED: API 28 */
    assert_false(holds(&spec, &api27, KEY_LINT_NO_UNLOCKED_DEVICE));
    spec.unlocked_device_required = true;
    assert_false(holds(&spec, NULL, KEY_LINT_NO_UNLOCKED_DEVICE));
    spec.unlocked_device_required = false;
    spec.purposes = KSSIM_PURPOSE_ENCRYPT;
    assert_false(holds(&spec, NULL, KEY_LINT_NO_UNLOCKED_DEVICE));
    /* A key that needs the user for every use is not usable behind the lock screen either; a timeout key is. */
    spec.purposes = KSSIM_PURPOSE_DECRYPT;
    spec.user_auth = true;
    spec.auth_types = KSSIM_AUTH_BIOMETRIC_STRONG;
    assert_false(holds(&spec, NULL, KEY_LINT_NO_UNLOCKED_DEVICE));
    spec.auth_timeout_s = 60;
    assert_true(holds(&spec, NULL, KEY_LINT_NO_UNLOCKED_DEVICE));
    /* HMAC keys decrypt nothing; marked secret-at-rest, any key counts. */
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_HMAC);
    assert_false(holds(&spec, NULL, KEY_LINT_NO_UNLOCKED_DEVICE));
    key_lint_context at_rest = {.intents = KEY_LINT_INTENT_SECRET_AT_REST};
    assert_true(holds(&spec, &at_rest, KEY_LINT_NO_UNLOCKED_DEVICE));
}

static void strongbox_fallback_sha1_and_ecb(void **state)
{
    (void)state;
    kssim_key_spec spec = biometric_key(0);
    key_lint_context fell_back = {.strongbox_fell_back = true};
    assert_true(holds(&spec, &fell_back, KEY_LINT_STRONGBOX_FALLBACK));
    assert_false(holds(&spec, NULL, KEY_LINT_STRONGBOX_FALLBACK));
    spec.security_level = KSSIM_SECURITY_STRONGBOX;
    assert_false(holds(&spec, &fell_back, KEY_LINT_STRONGBOX_FALLBACK));

    spec = biometric_key(0);
    assert_false(holds(&spec, NULL, KEY_LINT_WEAK_DIGEST));
    spec.digests |= KSSIM_DIGEST_SHA1;
    assert_true(holds(&spec, NULL, KEY_LINT_WEAK_DIGEST));
    spec.purposes = KSSIM_PURPOSE_VERIFY; /* verifying old signatures is no new SHA-1 signature */
    assert_false(holds(&spec, NULL, KEY_LINT_WEAK_DIGEST));

    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_AES);
    assert_false(holds(&spec, NULL, KEY_LINT_ECB_MODE));
    spec.block_modes |= KSSIM_BLOCK_MODE_ECB;
    assert_true(holds(&spec, NULL, KEY_LINT_ECB_MODE));
}

static void rsa_decryption_with_pkcs1_padding(void **state)
{
    (void)state;
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_RSA);
    spec.purposes = KSSIM_PURPOSE_ENCRYPT | KSSIM_PURPOSE_DECRYPT;
    spec.paddings = KSSIM_PADDING_PKCS1 | KSSIM_PADDING_OAEP;
    assert_true(holds(&spec, NULL, KEY_LINT_RSA_PKCS1_ENCRYPTION));
    spec.paddings = KSSIM_PADDING_OAEP;
    assert_false(holds(&spec, NULL, KEY_LINT_RSA_PKCS1_ENCRYPTION));
    /* PKCS#1 v1.5 signatures are another matter. */
    spec.purposes = KSSIM_PURPOSE_SIGN;
    spec.paddings = KSSIM_PADDING_PKCS1;
    assert_false(holds(&spec, NULL, KEY_LINT_RSA_PKCS1_ENCRYPTION));
}

static void a_well_made_login_key_has_no_finding(void **state)
{
    (void)state;
    kssim_key_spec spec = biometric_key(0);
    key_lint_context context = {.intents = KEY_LINT_INTENT_LOGIN | KEY_LINT_INTENT_BIOMETRIC_ONLY,
                                .used_per_operation = true,
                                .authorized_only_by_biometric = true};
    key_lint_finding findings[KEY_LINT_FINDING_COUNT];
    assert_int_equal(key_lint_check(&spec, &context, findings), 0);
}

/* ---- A scenario's keys ---- */

static const char fixture[] = "# lint-intent: login login\n"
                              "name: lint fixture\n"
                              "device: {api_level: 34}\n"
                              "steps:\n"
                              "  - set_credential: {type: pin, secret: \"1234\"}\n"
                              "  - enroll_biometric: {id: 1}\n"
                              "  - generate_key:\n"
                              "      alias: login\n"
                              "      purposes: [sign]\n"
                              "      user_auth: {timeout: 10, types: [biometric_strong, device_credential]}\n"
                              "  - begin: {key: login, purpose: sign, as: op}\n"
                              "  - authenticate_biometric: {id: 1, challenge: op}\n"
                              "  - finish: {op: op, data: \"nonce\"}\n"
                              "  - generate_key: {alias: sb, purposes: [sign], security_level: strongbox,\n"
                              "                   expect: HARDWARE_TYPE_UNAVAILABLE}\n"
                              "  - generate_key: {alias: sb, purposes: [sign], security_level: tee}\n";

static scenario_lint_key *lint_fixture(const char *text, scenario **parsed, scenario_lint_result *result, bool *ok)
{
    *parsed = scenario_parse_text("fixture.yaml", text, strlen(text));
    assert_non_null(*parsed);
    if (!scenario_is_valid(*parsed))
        scenario_print_diagnostics(*parsed, stderr);
    assert_true(scenario_is_valid(*parsed));
    FILE *err = tmpfile();
    assert_non_null(err);
    *ok = scenario_lint(*parsed, text, strlen(text), result, err);
    fclose(err);
    return result->keys;
}

static bool key_has(const scenario_lint_key *key, key_lint_finding wanted)
{
    for (size_t i = 0; i < key->finding_count; i++)
        if (key->findings[i] == wanted)
            return true;
    return false;
}

static void the_scenario_walk_sees_the_flow_the_fallback_and_the_intents(void **state)
{
    (void)state;
    scenario *parsed;
    scenario_lint_result result;
    bool ok;
    scenario_lint_key *keys = lint_fixture(fixture, &parsed, &result, &ok);
    assert_true(ok);
    assert_int_equal(result.key_count, 3);
    assert_string_equal(keys[0].alias, "login");
    assert_int_equal(keys[0].position.line, 7);
    assert_true(keys[0].context.used_per_operation);
    assert_true(keys[0].context.authorized_only_by_biometric);
    assert_int_equal(keys[0].context.intents, KEY_LINT_INTENT_LOGIN);
    assert_true(key_has(&keys[0], KEY_LINT_TIMEOUT_ON_PER_OP_FLOW));
    assert_true(key_has(&keys[0], KEY_LINT_DEVICE_CREDENTIAL_ALLOWED));
    assert_false(key_has(&keys[0], KEY_LINT_NO_USER_AUTH));
    /* The StrongBox request itself is not the fallback; the TEE key made after its refusal is. */
    assert_false(key_has(&keys[1], KEY_LINT_STRONGBOX_FALLBACK));
    assert_true(key_has(&keys[2], KEY_LINT_STRONGBOX_FALLBACK));
    scenario_lint_free(&result);
    scenario_free(parsed);
}

/* An armed prompt answers the per-operation operations after it (sign is one); which kinds it answered with
 * decides whether the credential was ever used. A timeout key is not answered by it at all. */
static const char prompt_fixture[] = "name: prompt fixture\n"
                                     "steps:\n"
                                     "  - set_credential: {type: pin, secret: \"1234\"}\n"
                                     "  - enroll_biometric: {id: 1}\n"
                                     "  - generate_key: {alias: both, purposes: [sign],\n"
                                     "                   user_auth: {types: [biometric_strong, device_credential]}}\n"
                                     "  - generate_key: {alias: bio, purposes: [sign],\n"
                                     "                   user_auth: {types: [biometric_strong, device_credential]}}\n"
                                     "  - generate_key: {alias: timed, purposes: [sign],\n"
                                     "                   user_auth: {timeout: 5, types: [biometric_strong]}}\n"
                                     "  - prompt: {respond: biometric, id: 1}\n"
                                     "  - sign: {key: both, data: x}\n"
                                     "  - sign: {key: bio, data: x}\n"
                                     "  - sign: {key: timed, data: x}\n"
                                     "  - prompt: {respond: credential, secret: \"1234\"}\n"
                                     "  - sign: {key: both, data: x}\n";

static void an_armed_prompt_answers_the_per_operation_keys_after_it(void **state)
{
    (void)state;
    scenario *parsed;
    scenario_lint_result result;
    bool ok;
    scenario_lint_key *keys = lint_fixture(prompt_fixture, &parsed, &result, &ok);
    assert_true(ok);
    assert_int_equal(result.key_count, 3);
    assert_true(keys[0].context.used_per_operation);
    assert_false(keys[0].context.authorized_only_by_biometric);
    assert_false(key_has(&keys[0], KEY_LINT_DEVICE_CREDENTIAL_ALLOWED));
    assert_true(keys[1].context.authorized_only_by_biometric);
    assert_true(key_has(&keys[1], KEY_LINT_DEVICE_CREDENTIAL_ALLOWED));
    assert_false(keys[2].context.used_per_operation);
    assert_false(key_has(&keys[2], KEY_LINT_TIMEOUT_ON_PER_OP_FLOW));
    scenario_lint_free(&result);
    scenario_free(parsed);
}

static void a_wrong_intent_line_is_an_input_error(void **state)
{
    (void)state;
    static const char *const wrong[] = {
        "# lint-intent: k loggin\nname: x\nsteps:\n  - generate_key: {alias: k}\n",
        "# lint-intent: nobody login\nname: x\nsteps:\n  - generate_key: {alias: k}\n",
        "# lint-intent: k\nname: x\nsteps:\n  - generate_key: {alias: k}\n",
        "# lint-intent: k login, per-operation\nname: x\nsteps:\n  - generate_key: {alias: k}\n",
    };
    for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
        scenario *parsed;
        scenario_lint_result result;
        bool ok;
        lint_fixture(wrong[i], &parsed, &result, &ok);
        assert_false(ok);
        assert_int_equal(result.key_count, 0);
        scenario_free(parsed);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_row_is_complete_and_its_id_unique),
        cmocka_unit_test(severities_and_intents_read_their_words),
        cmocka_unit_test(a_signing_key_without_auth_is_taken_for_a_login_key),
        cmocka_unit_test(invalidation_off_matters_on_biometric_only_keys_from_api_24),
        cmocka_unit_test(a_biometric_timeout_over_30_seconds_is_long),
        cmocka_unit_test(any_timeout_defeats_a_per_operation_flow),
        cmocka_unit_test(device_credential_is_flagged_only_where_biometric_only_was_meant),
        cmocka_unit_test(an_aes_decrypt_key_without_unlocked_device_required),
        cmocka_unit_test(strongbox_fallback_sha1_and_ecb),
        cmocka_unit_test(rsa_decryption_with_pkcs1_padding),
        cmocka_unit_test(a_well_made_login_key_has_no_finding),
        cmocka_unit_test(the_scenario_walk_sees_the_flow_the_fallback_and_the_intents),
        cmocka_unit_test(an_armed_prompt_answers_the_per_operation_keys_after_it),
        cmocka_unit_test(a_wrong_intent_line_is_an_input_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
