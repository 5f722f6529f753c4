/*
 * test_scenario_parse.c - the scenario parser: well-formed files give the AST the runner relies on,
 * and every kind of bad input is reported at the right LINE:COL with a message that says what is
 * accepted. No device is involved: the parser must link and run on its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runner/scenario.h"
#include "runner/scenario_render.h"
#include "runner/scenario_suggest.h"
#include "runner/scenario_values.h"

static scenario *parse(const char *text)
{
    scenario *parsed = scenario_parse_text("test.yaml", text, strlen(text));
    assert_non_null(parsed);
    return parsed;
}

/* Asserts that text is refused with a diagnostic at line:column whose message contains fragment. */
static void assert_refused_at(const char *text, uint32_t line, uint32_t column, const char *fragment)
{
    scenario *parsed = parse(text);
    bool found = false;
    for (size_t i = 0; i < parsed->diagnostic_count && !found; i++) {
        const scenario_diagnostic *d = &parsed->diagnostics[i];
        found = d->position.line == line && d->position.column == column && strstr(d->message, fragment) != NULL;
    }
    if (!found) {
        print_error("expected %u:%u '%s'; got:\n", (unsigned)line, (unsigned)column, fragment);
        scenario_print_diagnostics(parsed, stderr);
    }
    assert_false(scenario_is_valid(parsed));
    assert_true(found);
    scenario_free(parsed);
}

static const char good_file[] = "name: Per-operation key\n"
                                "description: a key that needs a fresh prompt\n"
                                "seed: 0x10\n"
                                "device:\n"
                                "  api_level: 30\n"
                                "  security_level: strongbox\n"
                                "  wall_clock: \"2026-02-01T00:00:00Z\"\n"
                                "steps:\n"
                                "  - set_credential: {type: pin, secret: \"1234\"}\n"
                                "  - enroll_biometric: {id: 1, modality: face, class: weak}\n"
                                "  - generate_key:\n"
                                "      alias: login\n"
                                "      algorithm: ec\n"
                                "      purposes: [sign, verify]\n"
                                "      user_auth: {timeout: 0, types: [biometric_strong, device_credential]}\n"
                                "      active: \"2026-01-01T00:00:00Z\"\n"
                                "      expect: ok\n"
                                "  - begin: {key: login, purpose: sign, as: op}\n"
                                "  - finish: {op: op, data: hello world, as: sig}\n"
                                "    expect: KEY_USER_NOT_AUTHENTICATED\n"
                                "  - authenticate_biometric: {id: 1, challenge: op, as: tok}\n"
                                "  - verify: {key: login, data_hex: \"00FF\", signature: sig}\n"
                                "  - advance: 90000ms\n"
                                "  - replay_token: tok\n"
                                "    expect: any\n"
                                "  - reboot:\n"
                                "  - delete_key: login\n"
                                "  - expect_key: {alias: login, state: absent}\n";

static void test_good_file_gives_the_ast(void **state)
{
    (void)state;
    scenario *parsed = parse(good_file);
    scenario_print_diagnostics(parsed, stderr);
    assert_true(scenario_is_valid(parsed));
    assert_string_equal(parsed->name, "Per-operation key");
    assert_string_equal(parsed->description, "a key that needs a fresh prompt");
    assert_true(parsed->has_seed);
    assert_int_equal(parsed->seed, 16);
    assert_int_equal(parsed->api_level, 30);
    assert_int_equal(parsed->security_level, KSSIM_SECURITY_STRONGBOX);
    assert_int_equal(parsed->wall_clock_ms, INT64_C(1769904000000));
    assert_int_equal(parsed->step_count, 12);

    const scenario_step *generate = &parsed->steps[2];
    assert_int_equal(generate->action, SCENARIO_ACTION_GENERATE_KEY);
    assert_int_equal(generate->position.line, 11);
    assert_int_equal(generate->position.column, 5);
    const scenario_arg *user_auth = scenario_step_find(generate, SCENARIO_KEY_USER_AUTH);
    assert_non_null(user_auth);
    assert_int_equal(scenario_arg_find(user_auth, SCENARIO_KEY_TYPES)->number,
                     KSSIM_AUTH_BIOMETRIC_STRONG | KSSIM_AUTH_DEVICE_CREDENTIAL);
    assert_int_equal(scenario_step_find(generate, SCENARIO_KEY_PURPOSES)->number,
                     KSSIM_PURPOSE_SIGN | KSSIM_PURPOSE_VERIFY);

    const scenario_step *finish = &parsed->steps[4];
    assert_false(finish->expect_any);
    assert_int_equal(finish->expect, KSSIM_KEY_USER_NOT_AUTHENTICATED);
    assert_true(parsed->steps[8].expect_any);
    assert_int_equal(parsed->steps[6].expect, KSSIM_OK);

    /* as: names: the operation, the signature its finish made, the token. */
    assert_int_equal(parsed->slot_count, 3);
    assert_int_equal(parsed->slots[0].kind, SCENARIO_SLOT_OPERATION);
    assert_int_equal(parsed->slots[0].purpose, KSSIM_PURPOSE_SIGN);
    assert_int_equal(parsed->slots[1].kind, SCENARIO_SLOT_SIGNATURE);
    assert_int_equal(parsed->slots[2].kind, SCENARIO_SLOT_TOKEN);
    const scenario_arg *challenge = scenario_step_find(&parsed->steps[5], SCENARIO_KEY_CHALLENGE);
    assert_int_equal(challenge->kind, SCENARIO_VALUE_NAME);
    assert_int_equal(challenge->number, 0);

    const scenario_arg *data = scenario_step_find(&parsed->steps[6], SCENARIO_KEY_DATA_HEX);
    assert_int_equal(data->length, 2);
    assert_memory_equal(data->text, "\x00\xff", 2);
    assert_int_equal(scenario_step_find(&parsed->steps[7], SCENARIO_KEY_VALUE)->number, 90000);
    scenario_free(parsed);
}

static void assert_rendered(const scenario_step *step, const char *expected)
{
    char *rendered = scenario_render_arguments(step);
    assert_non_null(rendered);
    assert_string_equal(rendered, expected);
    free(rendered);
}

static void test_arguments_render_canonically_in_written_order(void **state)
{
    (void)state;
    scenario *parsed = parse(good_file);
    assert_rendered(&parsed->steps[0], "type=pin secret=1234");
    assert_rendered(&parsed->steps[2], "alias=login algorithm=ec purposes=[sign,verify] "
                                       "user_auth={timeout=0,types=[biometric_strong,device_credential]} "
                                       "active=2026-01-01T00:00:00Z");
    assert_rendered(&parsed->steps[4], "op=op data=\"hello world\" as=sig");
    assert_rendered(&parsed->steps[6], "key=login data_hex=00ff signature=sig");
    assert_rendered(&parsed->steps[7], "90s");
    assert_rendered(&parsed->steps[9], "");
    scenario_free(parsed);

    parsed = parse("name: n\nsteps:\n"
                   "  - unlock: {secret: \"a\\\"b\\\\c\\n\"}\n"
                   "  - forge_token: {type: password, sid: 0xFF, challenge: 12, age: 0ms}\n"
                   "  - import_key: {alias: k, algorithm: ec, pem: \"-----BEGIN-----\\nAAAA\\n\"}\n");
    scenario_print_diagnostics(parsed, stderr);
    assert_true(scenario_is_valid(parsed));
    assert_rendered(&parsed->steps[0], "secret=\"a\\\"b\\\\c\\n\"");
    assert_rendered(&parsed->steps[1], "type=password sid=0xff challenge=12 age=0s");
    assert_rendered(&parsed->steps[2], "alias=k algorithm=ec pem=(21 bytes)");
    scenario_free(parsed);
}

static void test_structure_errors(void **state)
{
    (void)state;
    assert_refused_at("", 1, 1, "empty file");
    assert_refused_at("# only a comment\n", 1, 1, "empty file");
    assert_refused_at("- a\n- b\n", 1, 1, "the top level must be a map");
    assert_refused_at("just text\n", 1, 1, "not a scalar");
    assert_refused_at("name: a\nsteps: [{lock: {}}]\n---\nname: b\n", 3, 1, "a second YAML document");
    assert_refused_at("steps:\n  - lock: {}\n", 1, 1, "needs 'name'");
    assert_refused_at("name: x\n", 1, 1, "needs 'steps'");
    assert_refused_at("name: x\nsteps: []\n", 2, 8, "'steps' is empty");
    assert_refused_at("name: x\nsteps: {lock: {}}\n", 2, 8, "'steps' must be a list");
    assert_refused_at("name: x\nnmae: y\nsteps: [lock: {}]\n", 2, 1,
                      "unknown key 'nmae' in the top level (did you mean 'name'?");
    assert_refused_at("name: x\nname: y\nsteps: [lock: {}]\n", 2, 1, "key 'name' is given twice");
    assert_refused_at("name: \"\"\nsteps: [lock: {}]\n", 1, 7, "'name' must be a non-empty");
    assert_refused_at("name: [a]\nsteps: [lock: {}]\n", 1, 7, "'name' must be a string, not a list");
    assert_refused_at("name: x\nsteps:\n  - [lock]\n", 3, 5, "a step is a map with one action");
    assert_refused_at("name: x\nsteps:\n  - lock\n", 3, 5, "a colon is missing");
    assert_refused_at("name: x\nsteps:\n  - expect: ok\n", 3, 5, "this step has no action");
    assert_refused_at("name: x\nsteps:\n  - lock: {}\n    reboot: {}\n", 4, 5, "exactly one action");
    assert_refused_at("name: x\nsteps:\n  - lokc: {}\n", 3, 5, "unknown step 'lokc' (did you mean 'lock'?");
    assert_refused_at("name: x\nsteps:\n  - reboot: [a]\n", 3, 13, "reboot takes no arguments");
    assert_refused_at("name: x\nsteps:\n  - unlock: {secret: \"1\", biometric: 1}\n", 3, 38,
                      "unlock takes only one of secret, biometric, trust_agent");
    assert_refused_at("name: x\nsteps:\n  - set_credential: pin\n", 3, 21, "takes a map of arguments");
    assert_refused_at("name: x\nsteps:\n  - advance: {by: 30s}\n", 3, 14, "advance is written with its value alone");
    assert_refused_at("name: x\nsteps:\n  - delete_key:\n", 3, 16, "e.g. `delete_key: login`");
    assert_refused_at("name: x\nsteps:\n  - lock: {? [a] : b}\n", 3, 14, "must be plain words");
}

static void test_key_and_argument_errors(void **state)
{
    (void)state;
    assert_refused_at("name: x\nsteps:\n  - generate_key: {alias: a, algorithm: ec, timout: 3}\n", 3, 45,
                      "unknown key 'timout' in generate_key (did you mean 'timeout' inside 'user_auth'? keys: alias, "
                      "algorithm, size");
    assert_refused_at("name: x\nsteps:\n  - generate_key: {alias: a, algorithm: ec, user_auth: {timout: 3}}\n", 3, 57,
                      "unknown key 'timout' in user_auth (did you mean 'timeout'? keys: timeout, types)");
    assert_refused_at("name: x\nsteps:\n  - generate_key: {algorithm: ec}\n", 3, 5, "generate_key needs 'alias'");
    assert_refused_at("name: x\nsteps:\n  - sign: {key: a}\n", 3, 5, "sign needs one of data, data_hex");
    assert_refused_at("name: x\nsteps:\n  - sign: {key: a, data: x, data_hex: \"00\"}\n", 3, 39,
                      "only one of data, data_hex");
    assert_refused_at("name: x\nsteps:\n  - lock: {alias: x}\n", 3, 12, "unknown key 'alias' in lock");
    assert_refused_at("name: x\nsteps:\n  - generate_key: {alias: a, alias: b, algorithm: ec}\n", 3, 30,
                      "key 'alias' is given twice");
    assert_refused_at("name: x\nsteps:\n  - lock: {expect: ok}\n    expect: ok\n", 3, 12, "expect is given twice");
    assert_refused_at("name: x\nsteps:\n  - generate_key: {alias: a, algorithm: ec, purposes: sign}\n", 3, 55,
                      "'purposes' must be a list drawn from sign, verify, encrypt, decrypt, agree_key");
    assert_refused_at("name: x\nsteps:\n  - generate_key: {alias: a, algorithm: ec, size: {a: 1}}\n", 3, 51,
                      "'size' must be a whole number from 0 to 4294967295, not a map");
    assert_refused_at("name: x\nsteps:\n  - generate_key: {alias: a, algorithm: ec, unlocked_device_required: yes}\n",
                      3, 71, "'yes' is not a boolean; expected true or false");
    assert_refused_at("name: x\nsteps:\n  - unlock: {secret: \"a\\0b\"}\n", 3, 22, "contains a NUL character");
    char long_alias[400];
    snprintf(long_alias, sizeof(long_alias), "name: x\nsteps:\n  - delete_key: %0200d\n", 0);
    assert_refused_at(long_alias, 3, 17, "is 200 bytes long; at most 127");
}

static void test_enum_errors(void **state)
{
    (void)state;
    const struct {
        const char *step;
        const char *bad_value;
        const char *fragment;
    } cases[] = {
        {"generate_key: {alias: a, algorithm: ecc}", "ecc",
         "unknown algorithm 'ecc' in 'algorithm' (did you mean 'ec'?"},
        {"generate_key: {alias: a, algorithm: ec, purposes: [sing]}", "sing", "unknown purpose 'sing'"},
        {"generate_key: {alias: a, algorithm: ec, digests: [sha257]}", "sha257", "unknown digest 'sha257'"},
        {"generate_key: {alias: a, algorithm: aes, block_modes: [gmc]}", "gmc", "unknown block mode 'gmc'"},
        {"generate_key: {alias: a, algorithm: rsa, paddings: [pkcs]}", "pkcs", "unknown padding 'pkcs'"},
        {"generate_key: {alias: a, algorithm: ec, security_level: tea}", "tea", "unknown security level 'tea'"},
        {"generate_key: {alias: a, algorithm: ec, user_auth: {types: [face]}}", "face",
         "unknown authentication type 'face'"},
        {"enroll_biometric: {id: 1, modality: iris}", "iris",
         "unknown modality 'iris' in 'modality' (accepted: "
         "fingerprint, face)"},
        {"enroll_biometric: {id: 1, class: medium}", "medium", "unknown biometric class 'medium'"},
        {"set_credential: {type: pattern2, secret: a}", "pattern2", "unknown credential type 'pattern2'"},
        {"forge_token: {type: face}", "face", "unknown token type 'face'"},
        {"forge_token: {type: password, mac: broken}", "broken", "unknown mac 'broken'"},
        {"forge_token: {type: password, sid: user}", "user", "unknown sid 'user'"},
        {"tamper_key_blob: {alias: a, field: size}", "size", "unknown field 'size'"},
        {"expect_key: {alias: a, state: gone}", "gone", "unknown key state 'gone'"},
        {"expect_key: {alias: a, state: invalidated, reason: reset}", "reset", "unknown invalidation reason 'reset'"},
        {"lock: {expect: KEY_USR_NOT_AUTHENTICATED}", "KEY_USR_NOT_AUTHENTICATED",
         "unknown result 'KEY_USR_NOT_AUTHENTICATED' in 'expect' (did you mean 'KEY_USER_NOT_AUTHENTICATED'?"},
        {"lock: {expect: OK}", "OK", "did you mean 'ok'?"},
        {"begin: {key: a, purpose: sign, digest: md5}", "md5", "unknown digest 'md5'"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[512];
        snprintf(text, sizeof(text), "name: x\nsteps:\n  - %s\n", cases[i].step);
        uint32_t column = (uint32_t)(strstr(cases[i].step, cases[i].bad_value) - cases[i].step) + 5;
        assert_refused_at(text, 3, column, cases[i].fragment);
    }
    assert_refused_at("name: x\ndevice: {security_level: tea}\nsteps: [lock: {}]\n", 2, 26,
                      "unknown security level 'tea'");
    assert_refused_at("name: x\nsteps:\n  - lock: {}\n    expect: [ok]\n", 4, 13, "'expect' must be a result name");
}

static void test_reference_errors(void **state)
{
    (void)state;
    assert_refused_at("name: x\nsteps:\n  - finish: {op: nope}\n", 3, 18,
                      "'op' refers to 'nope', which no earlier step defines with as: (operation names defined so far: "
                      "none yet)");
    assert_refused_at("name: x\nsteps:\n  - begin: {key: k, purpose: sign, as: a}\n  - verify: {key: k, data: x, "
                      "signature: a}\n",
                      4, 42, "'signature' refers to 'a', which is an operation (as: at 3:40), not a signature");
    assert_refused_at("name: x\nsteps:\n  - finish: {op: later}\n  - begin: {key: k, purpose: sign, as: later}\n", 3,
                      18, "no earlier step defines");
    assert_refused_at("name: x\nsteps:\n  - encrypt: {key: k, data: x, as: ct}\n  - decrypt: {key: k, ciphertext: "
                      "ct2}\n",
                      4, 35, "(ciphertext names defined so far: ct)");
    assert_refused_at("name: x\nsteps:\n  - replay_token: tok\n", 3, 19, "'replay_token' refers to 'tok'");
    assert_refused_at("name: x\nsteps:\n  - verify_credential: {secret: a, challenge: op}\n", 3, 47,
                      "'challenge' refers to 'op'");
    assert_refused_at("name: x\nsteps:\n  - verify_credential: {secret: a, as: t}\n"
                      "  - authenticate_biometric: {id: 1, as: t}\n",
                      4, 41, "'t' is already defined at 3:40 (a token)");
    assert_refused_at("name: x\nsteps:\n  - begin: {key: k, purpose: sign, as: 9op}\n", 3, 40, "'9op' is not a name");
    assert_refused_at("name: x\nsteps:\n  - encrypt: {key: k, data: x, as: ct}\n"
                      "  - begin: {key: k, purpose: sign, ciphertext: ct}\n",
                      4, 48, "'ciphertext' goes with purpose decrypt");
    assert_refused_at("name: x\nsteps:\n  - begin: {key: k, purpose: sign, as: op}\n"
                      "  - finish: {op: op, data: x, as: s}\n"
                      "  - finish: {op: op, signature: s}\n",
                      5, 33, "'signature' goes with an operation begun with purpose verify");
    /* finish names a ciphertext for an encrypt operation, and decrypt accepts it. */
    scenario *parsed = parse("name: x\nsteps:\n  - begin: {key: k, purpose: encrypt, as: op}\n"
                             "  - finish: {op: op, data: x, as: ct}\n  - decrypt: {key: k, ciphertext: ct}\n");
    assert_true(scenario_is_valid(parsed));
    assert_int_equal(parsed->slots[1].kind, SCENARIO_SLOT_CIPHERTEXT);
    scenario_free(parsed);
}

static void test_number_errors(void **state)
{
    (void)state;
    assert_refused_at("name: x\nsteps:\n  - generate_key: {alias: a, algorithm: ec, size: 99999999999999999999999}\n",
                      3, 51, "'99999999999999999999999' is out of range; expected a whole number from 0 to 4294967295");
    assert_refused_at("name: x\nsteps:\n  - generate_key: {alias: a, algorithm: ec, size: 4294967296}\n", 3, 51,
                      "out of range");
    assert_refused_at("name: x\nsteps:\n  - enroll_biometric: {id: -1}\n", 3, 28, "'-1' is negative");
    assert_refused_at("name: x\nsteps:\n  - enroll_biometric: {id: 1.5}\n", 3, 28, "'1.5' is not a whole number");
    assert_refused_at("name: x\nseed: 18446744073709551616\nsteps: [lock: {}]\n", 2, 7, "out of range");
    assert_refused_at("name: x\nseed: 0x10000000000000000\nsteps: [lock: {}]\n", 2, 7, "out of range");
    assert_refused_at("name: x\ndevice: {api_level: 0}\nsteps: [lock: {}]\n", 2, 21,
                      "API level 0 is not a release kssim models");
    assert_refused_at("name: x\nsteps:\n  - verify_credential: {secret: a, challenge: 0xZZ}\n", 3, 47,
                      "is not a whole number");
    assert_refused_at("name: x\nsteps:\n  - forge_token: {type: password, sid: 18446744073709551616}\n", 3, 40,
                      "out of range");

    scenario *parsed = parse("name: x\nseed: 18446744073709551615\nsteps:\n"
                             "  - verify_credential: {secret: a, challenge: 0xFFFFFFFFFFFFFFFF}\n");
    assert_true(scenario_is_valid(parsed));
    assert_int_equal(parsed->seed, UINT64_MAX);
    assert_int_equal(scenario_step_find(&parsed->steps[0], SCENARIO_KEY_CHALLENGE)->number, UINT64_MAX);
    scenario_free(parsed);
}

static void test_durations(void **state)
{
    (void)state;
    const struct {
        const char *text;
        uint64_t milliseconds;
        const char *canonical;
    } good[] = {
        {"250ms", 250, "250ms"},   {"30s", 30000, "30s"},
        {"5m", 300000, "5m"},      {"2h", 7200000, "2h"},
        {"1d", 86400000, "1d"},    {"0s", 0, "0s"},
        {"90000ms", 90000, "90s"}, {"1500ms", 1500, "1500ms"},
        {"48h", 172800000, "2d"},  {"18446744073709551615ms", UINT64_MAX, "18446744073709551615ms"},
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        uint64_t milliseconds = 0;
        char error[SCENARIO_ERROR_MAX], canonical[32];
        assert_true(scenario_parse_duration(good[i].text, &milliseconds, error, sizeof(error)));
        assert_int_equal(milliseconds, good[i].milliseconds);
        scenario_format_duration(milliseconds, canonical, sizeof(canonical));
        assert_string_equal(canonical, good[i].canonical);
    }
    const struct {
        const char *text;
        const char *fragment;
    } bad[] = {
        {"30", "has no unit"},
        {"s", "does not start with a number"},
        {"", "does not start with a number"},
        {"-5s", "is negative"},
        {"1.5s", "is not a whole number"},
        {"5x", "has an unknown unit"},
        {"5 s", "has an unknown unit"},
        {"5S", "has an unknown unit"},
        {"1m30s", "has an unknown unit"},
        {"18446744073709551616ms", "is too long"},
        {"213503982335d", "is too long"},
        {"99999999999999999999999999h", "is too long"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint64_t milliseconds = 0;
        char error[SCENARIO_ERROR_MAX];
        assert_false(scenario_parse_duration(bad[i].text, &milliseconds, error, sizeof(error)));
        assert_non_null(strstr(error, bad[i].fragment));
        /* Every refusal says what is accepted. */
        assert_true(strstr(error, "(ms, s, m, h, d)") != NULL || strstr(error, "at most") != NULL);
    }
    assert_refused_at("name: x\nsteps:\n  - advance: 30\n", 3, 14,
                      "'advance': '30' has no unit; expected a whole number with a unit (ms, s, m, h, d)");
    assert_refused_at("name: x\nsteps:\n  - forge_token: {type: password, age: 2y}\n", 3, 40, "unknown unit");
}

static void test_datetimes(void **state)
{
    (void)state;
    const struct {
        const char *text;
        int64_t unix_ms;
    } good[] = {
        {"1970-01-01T00:00:00Z", 0},
        {"2026-01-01T00:00:00Z", INT64_C(1767225600000)},
        {"2000-02-29T12:34:56Z", INT64_C(951827696000)},
        {"1969-12-31T23:59:59Z", INT64_C(-1000)},
        {"2038-01-19T03:14:08Z", INT64_C(2147483648000)},
        {"9999-12-31T23:59:59Z", INT64_C(253402300799000)},
        {"0000-01-01T00:00:00Z", INT64_C(-62167219200000)},
        {"2024-02-29T00:00:00Z", INT64_C(1709164800000)},
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        int64_t unix_ms = 0;
        char error[SCENARIO_ERROR_MAX], formatted[32];
        assert_true(scenario_parse_datetime(good[i].text, &unix_ms, error, sizeof(error)));
        assert_int_equal(unix_ms, good[i].unix_ms);
        scenario_format_datetime(unix_ms, formatted, sizeof(formatted));
        assert_string_equal(formatted, good[i].text);
    }
    const struct {
        const char *text;
        const char *fragment;
    } bad[] = {
        {"2026-13-01T00:00:00Z", "has month 13, not 01..12"},
        {"2026-00-01T00:00:00Z", "has month 00"},
        {"2026-02-29T00:00:00Z", "has day 29, not 01..28"},
        {"2100-02-29T00:00:00Z", "has day 29"},
        {"2026-04-31T00:00:00Z", "has day 31, not 01..30"},
        {"2026-01-01T24:00:00Z", "has hour 24, not 00..23"},
        {"2026-01-01T00:60:00Z", "has minute 60"},
        {"2026-01-01T00:00:60Z", "has second 60"},
        {"2026-01-01T00:00:00", "is not a date-time"},
        {"2026-01-01 00:00:00Z", "is not a date-time"},
        {"2026-01-01T00:00:00+01:00", "is not a date-time"},
        {"2026-01-01T00:00:00.000Z", "is not a date-time"},
        {"2026-1-01T00:00:00Z", "is not a date-time"},
        {"yesterday", "is not a date-time"},
        {"", "is not a date-time"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t unix_ms = 0;
        char error[SCENARIO_ERROR_MAX];
        assert_false(scenario_parse_datetime(bad[i].text, &unix_ms, error, sizeof(error)));
        if (strstr(error, bad[i].fragment) == NULL)
            print_error("'%s': %s\n", bad[i].text, error);
        assert_non_null(strstr(error, bad[i].fragment));
        assert_non_null(strstr(error, "YYYY-MM-DDTHH:MM:SSZ"));
    }
    assert_refused_at("name: x\nsteps:\n  - set_wall_clock: \"2026-02-30T00:00:00Z\"\n", 3, 21, "has day 30");
    assert_refused_at("name: x\ndevice:\n  wall_clock: 2026-01-01\nsteps: [lock: {}]\n", 3, 15, "is not a date-time");
}

static void test_hex_errors(void **state)
{
    (void)state;
    assert_refused_at("name: x\nsteps:\n  - sign: {key: k, data_hex: \"0g\"}\n", 3, 30,
                      "'data_hex': 'g' at offset 1 is not a hex digit");
    assert_refused_at("name: x\nsteps:\n  - sign: {key: k, data_hex: \"abc\"}\n", 3, 30,
                      "odd number of hex digits (3)");
    assert_refused_at("name: x\nsteps:\n  - import_key: {alias: k, algorithm: aes, key_hex: \"00 11\"}\n", 3, 53,
                      "byte 0x20 at offset 2 is not a hex digit");
    uint8_t bytes[4];
    char error[SCENARIO_ERROR_MAX];
    assert_true(scenario_parse_hex("DEadBEef", 8, bytes, error, sizeof(error)));
    assert_memory_equal(bytes, "\xde\xad\xbe\xef", 4);
}

static void test_yaml_features_are_refused_safely(void **state)
{
    (void)state;
    assert_refused_at("name: &n x\nsteps: [lock: {}]\n", 1, 7, "anchor '&n' is not accepted");
    assert_refused_at("name: x\nsteps:\n  - lock: {}\n  - *a\n", 4, 5, "alias '*a' is not accepted");
    assert_refused_at("name: !!str x\nsteps: [lock: {}]\n", 1, 7, "tag 'tag:yaml.org,2002:str' is not accepted");
    /* The classic billion laughs: refused at its first anchor, long before any expansion. */
    assert_refused_at("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
                      "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                      "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                      "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n",
                      1, 4, "anchor '&a' is not accepted");
    assert_refused_at("name: x\nsteps: [lock: {}\n", 3, 1, "YAML syntax error");
    assert_refused_at("name: x\n  bad indent: y\nsteps: []\n", 2, 13, "YAML syntax error");
    assert_refused_at("name: \"x\x01\"\nsteps: []\n", 1, 9, "not a YAML text file: control characters are not allowed");
    assert_refused_at("name: x\nsteps: \xff\xfe\n", 2, 8, "not a YAML text file");
}

static char *nested_lists(size_t depth)
{
    char *text = malloc(2 * depth + 32);
    assert_non_null(text);
    size_t n = (size_t)sprintf(text, "name: x\nsteps: ");
    for (size_t i = 0; i < depth; i++)
        text[n++] = '[';
    for (size_t i = 0; i < depth; i++)
        text[n++] = ']';
    text[n++] = '\n';
    text[n] = '\0';
    return text;
}

static void test_deep_nesting_is_refused(void **state)
{
    (void)state;
    /* The top-level map is level 1, so the 31st list opens level 32 and the 32nd exceeds it. */
    char *text = nested_lists(SCENARIO_MAX_DEPTH);
    assert_refused_at(text, 2, 8 + SCENARIO_MAX_DEPTH - 1, "nesting deeper than 32 levels");
    free(text);
    text = nested_lists(10000);
    assert_refused_at(text, 2, 8 + SCENARIO_MAX_DEPTH - 1, "nesting deeper than 32 levels");
    free(text);
    text = nested_lists(SCENARIO_MAX_DEPTH - 1);
    assert_refused_at(text, 2, 9, "a step is a map with one action");
    free(text);
}

static void test_every_error_of_a_file_is_reported(void **state)
{
    (void)state;
    scenario *parsed = parse("name: x\nseed: -1\nsteps:\n  - lokc: {}\n  - advance: 3\n  - finish: {op: o}\n");
    assert_int_equal(parsed->diagnostic_count, 4);
    assert_int_equal(parsed->diagnostics[0].position.line, 2);
    assert_int_equal(parsed->diagnostics[1].position.line, 4);
    assert_int_equal(parsed->diagnostics[2].position.line, 5);
    assert_int_equal(parsed->diagnostics[3].position.line, 6);
    scenario_free(parsed);
}

static void test_files_are_read_and_missing_files_reported(void **state)
{
    (void)state;
    scenario *parsed = scenario_parse_file("/nonexistent/kssim/scenario.yaml");
    assert_non_null(parsed);
    assert_false(scenario_is_valid(parsed));
    assert_int_equal(parsed->diagnostics[0].position.line, 0);
    assert_non_null(strstr(parsed->diagnostics[0].message, "cannot read the file"));
    scenario_free(parsed);
}

static void assert_valid(const char *text)
{
    scenario *parsed = parse(text);
    scenario_print_diagnostics(parsed, stderr);
    assert_true(scenario_is_valid(parsed));
    scenario_free(parsed);
}

/* What the device refuses is an error of the file, in the device's sentence (issue 18, items 4, 14). */
static void test_what_the_device_refuses_is_an_error_of_the_file(void **state)
{
    (void)state;
    /* One range of API levels, the device's. */
    assert_refused_at("name: x\ndevice: {api_level: 1000}\nsteps: [lock: {}]\n", 2, 21,
                      "'api_level': API level 1000 is not a release kssim models; supported: 23 to 35");
    assert_refused_at("name: x\ndevice: {api_level: 22}\nsteps: [lock: {}]\n", 2, 21,
                      "'api_level': API level 22 is not a release kssim models; supported: 23 to 35");
    assert_refused_at("name: x\ndevice: {api_level: -1}\nsteps: [lock: {}]\n", 2, 21, "'-1' is not an API level");
    assert_valid("name: x\ndevice: {api_level: 23}\nsteps: [lock: {}]\n");
    assert_valid("name: x\ndevice: {api_level: 35}\nsteps: [lock: {}]\n");
    assert_refused_at("name: x\ndevice: {api_level: 36}\nsteps: [lock: {}]\n", 2, 21,
                      "'api_level': API level 36 is not a release kssim models; supported: 23 to 35");
    /* Limits of 0, which the key spec would read as none. */
    assert_refused_at("name: x\nsteps:\n  - generate_key: {alias: k, usage_count_limit: 0}\n", 3, 49,
                      "'usage_count_limit': a usage count limit of 0 would allow no use at all");
    assert_refused_at(
        "name: x\nsteps:\n  - import_key: {alias: k, algorithm: aes, key_hex: \"00112233445566778899aabbccddeeff\","
        " max_uses_per_boot: 0}\n",
        3, 108, "'max_uses_per_boot': a per-boot use limit of 0 would allow no use at all");
    assert_valid("name: x\nsteps:\n  - generate_key: {alias: k, usage_count_limit: 1, max_uses_per_boot: 1}\n");
    /* Aliases: control characters and '/'; any UTF-8 text else. */
    assert_refused_at("name: x\nsteps:\n  - generate_key: {alias: \"a\\tb\"}\n", 3, 27,
                      "the alias has the control character 0x09 at byte 1");
    assert_refused_at("name: x\nsteps:\n  - generate_key: {alias: \"\\x7f\"}\n", 3, 27,
                      "the alias has the control character 0x7f at byte 0");
    assert_refused_at("name: x\nsteps:\n  - generate_key: {alias: a/b}\n", 3, 27, "the alias has '/' at byte 1");
    assert_valid("name: x\nsteps:\n  - generate_key: {alias: \"caf\u00e9 \U0001F511\"}\n");
    /* The clocks' range, followed through the file: a reboot restarts the boot clock, set_wall_clock moves
     * the wall clock, and the advance that would overflow one is the one reported. */
    assert_refused_at("name: x\nsteps:\n  - advance: 106751991167d\n", 3, 14,
                      "'advance': advancing by 9223372036828800000 ms would take the wall clock past "
                      "9223372036854775807 ms");
    assert_refused_at("name: x\nsteps:\n  - advance: 100000000000d\n  - reboot: {}\n  - advance: 6751991167d\n", 5, 14,
                      "would take the wall clock past");
    assert_refused_at("name: x\ndevice: {wall_clock: \"0000-01-01T00:00:00Z\"}\nsteps:\n  - advance: 100000000000d\n"
                      "  - advance: 6751991168d\n",
                      5, 14, "would take the boot clock past");
    assert_valid("name: x\nsteps:\n  - advance: 100000000000d\n  - set_wall_clock: \"1970-01-01T00:00:00Z\"\n"
                 "  - reboot: {}\n  - advance: 6000000000d\n");
    /* A restore_snapshot brings back the snapshot's clocks, which the parser does not follow: from there the
     * advance is left to the run-time check, never refused for clocks the device no longer has. */
    assert_valid("name: x\nsteps:\n  - snapshot: {as: early}\n  - advance: 100000000000d\n"
                 "  - restore_snapshot: {from: early}\n  - advance: 6751991168d\n");
    assert_refused_at("name: x\nsteps:\n  - snapshot: {as: early}\n  - advance: 106751991168d\n"
                      "  - restore_snapshot: {from: early}\n",
                      4, 14, "would take the wall clock past");
}

static void test_suggestions(void **state)
{
    (void)state;
    const char *const words[] = {"timeout", "types", "alias", "ec"};
    assert_string_equal(scenario_suggest("timout", words, 4), "timeout");
    assert_string_equal(scenario_suggest("tiemout", words, 4), "timeout");
    assert_string_equal(scenario_suggest("TYPES", words, 4), "types");
    assert_string_equal(scenario_suggest("ecc", words, 4), "ec");
    assert_null(scenario_suggest("rsa", words, 4));
    assert_null(scenario_suggest("", words, 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_file_gives_the_ast),
        cmocka_unit_test(test_arguments_render_canonically_in_written_order),
        cmocka_unit_test(test_structure_errors),
        cmocka_unit_test(test_key_and_argument_errors),
        cmocka_unit_test(test_enum_errors),
        cmocka_unit_test(test_reference_errors),
        cmocka_unit_test(test_number_errors),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_datetimes),
        cmocka_unit_test(test_hex_errors),
        cmocka_unit_test(test_yaml_features_are_refused_safely),
        cmocka_unit_test(test_deep_nesting_is_refused),
        cmocka_unit_test(test_every_error_of_a_file_is_reported),
        cmocka_unit_test(test_files_are_read_and_missing_files_reported),
        cmocka_unit_test(test_suggestions),
        cmocka_unit_test(test_what_the_device_refuses_is_an_error_of_the_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
