/*
 * test_keystore2_operation.c - the order of createOperation's checks, per-operation token routing and
 * operation pruning, through the public device API (and the pure pruning choice directly).
 *
 * Each test names the rule it shows (docs/android-rules.md) and runs it on the releases where it differs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <kssim/kssim.h>

#include "keystore2/keystore2.h"
#include "../device_fixture.h"

static const uint8_t data[] = "payload";

static kssim_device *new_device(int api_level, kssim_security_level level)
{
    kssim_config config;
    kssim_config_default(&config);
    config.seed = 11;
    config.api_level = api_level;
    config.security_level = level;
    kssim_device *device = NULL;
    assert_int_equal(kssim_device_create(&config, &device), KSSIM_OK);
    fixture_set_pin_and_strong_fingerprint(device);
    return device;
}

static void generate(kssim_device *device, const char *alias, bool user_auth, uint32_t timeout, uint32_t types,
                     kssim_security_level level)
{
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    strcpy(spec.alias, alias);
    spec.user_auth = user_auth;
    spec.auth_timeout_s = timeout;
    if (types)
        spec.auth_types = types;
    spec.security_level = level;
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
}

static kssim_result begin_sign(kssim_device *device, const char *alias, kssim_operation *op)
{
    return kssim_begin(device, alias, KSSIM_PURPOSE_SIGN, NULL, op);
}

static kssim_result finish(kssim_device *device, uint64_t handle)
{
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    kssim_result r = kssim_finish(device, handle, data, sizeof(data), NULL, 0, &sig, &sig_len);
    kssim_free(sig);
    return r;
}

/* R-BEGIN-ORDER on keystore2: after a reboot a timeout key fails authorize_create's token check
 * (KEY_USER_NOT_AUTHENTICATED) before the super key is asked for; a per-operation key passes
 * authorize_create and meets LOCKED. keystore1 answers both KEY_USER_NOT_AUTHENTICATED, at key load. */
static void before_the_first_unlock_each_release_answers_in_its_order(void **state)
{
    (void)state;
    const int levels[] = {34, 31, 30}; /* per-operation credential keys exist from Android 11 */
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        kssim_device *device = new_device(levels[i], KSSIM_SECURITY_TEE);
        generate(device, "timed", true, 300, KSSIM_AUTH_DEVICE_CREDENTIAL, KSSIM_SECURITY_TEE);
        generate(device, "per_op", true, 0, KSSIM_AUTH_DEVICE_CREDENTIAL, KSSIM_SECURITY_TEE);
        assert_int_equal(kssim_reboot(device), KSSIM_OK);
        kssim_operation op;
        bool keystore1 = levels[i] <= 30;
        assert_int_equal(begin_sign(device, "timed", &op), KSSIM_KEY_USER_NOT_AUTHENTICATED);
        assert_int_equal(begin_sign(device, "per_op", &op),
                         keystore1 ? KSSIM_KEY_USER_NOT_AUTHENTICATED : KSSIM_LOCKED);
        assert_int_equal(kssim_unlock(device, "1234"), KSSIM_OK);
        assert_int_equal(begin_sign(device, "per_op", &op), KSSIM_OK);
        kssim_device_free(device);
    }
}

/* Before Android 8.0 auth-bound keys were not super-encrypted (V-AUTH-KEYS-SUPER-ENCRYPTED): a
 * per-operation key begins before the first unlock. */
static void before_android_8_nothing_is_locked_by_a_reboot(void **state)
{
    (void)state;
    kssim_device *device = new_device(25, KSSIM_SECURITY_TEE);
    generate(device, "per_op", true, 0, KSSIM_AUTH_BIOMETRIC_STRONG, KSSIM_SECURITY_TEE);
    assert_int_equal(kssim_reboot(device), KSSIM_OK);
    kssim_operation op;
    assert_int_equal(begin_sign(device, "per_op", &op), KSSIM_OK);
    kssim_device_free(device);
}

/* R-BEGIN-INVALIDATION-AFTER-CREATE: a per-operation key whose biometric changed is judged only once
 * createOperation succeeded: before the first unlock it answers LOCKED, once its validity ended
 * KEY_EXPIRED, and only otherwise KEY_PERMANENTLY_INVALIDATED. */
static void an_invalidated_per_operation_key_answers_keystore_first(void **state)
{
    (void)state;
    kssim_device *device = new_device(34, KSSIM_SECURITY_TEE);
    generate(device, "bio", true, 0, KSSIM_AUTH_BIOMETRIC_STRONG, KSSIM_SECURITY_TEE);
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    strcpy(spec.alias, "bio_dated");
    spec.user_auth = true;
    spec.auth_types = KSSIM_AUTH_BIOMETRIC_STRONG;
    spec.has_origination_expire = true;
    spec.origination_expire_ms = 1767225600000 + 3600 * 1000; /* an hour after the default wall clock */
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
    assert_int_equal(kssim_enroll_biometric(device, 2, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_STRONG), KSSIM_OK);
    kssim_operation op;
    assert_int_equal(begin_sign(device, "bio", &op), KSSIM_KEY_PERMANENTLY_INVALIDATED);
    assert_int_equal(kssim_reboot(device), KSSIM_OK);
    assert_int_equal(begin_sign(device, "bio", &op), KSSIM_LOCKED);
    assert_int_equal(kssim_unlock(device, "1234"), KSSIM_OK);
    assert_int_equal(begin_sign(device, "bio", &op), KSSIM_KEY_PERMANENTLY_INVALIDATED);
    assert_int_equal(kssim_set_wall_clock(device, spec.origination_expire_ms + 1000), KSSIM_OK);
    assert_int_equal(begin_sign(device, "bio_dated", &op), KSSIM_KEY_EXPIRED);
    kssim_device_free(device);
}

/* R-OP-TOKEN-FIRST-ROUTED: the first token carrying the challenge is the operation's for good; a second
 * one (here a forgery that would fail its MAC) does not replace it. */
static void the_first_token_for_the_challenge_is_kept(void **state)
{
    (void)state;
    kssim_device *device = new_device(34, KSSIM_SECURITY_TEE);
    generate(device, "per_op", true, 0, KSSIM_AUTH_DEVICE_CREDENTIAL, KSSIM_SECURITY_TEE);
    kssim_operation op;
    assert_int_equal(begin_sign(device, "per_op", &op), KSSIM_OK);
    assert_int_equal(kssim_verify_credential(device, "1234", op.challenge, NULL), KSSIM_OK);
    kssim_auth_token forged;
    assert_int_equal(
        kssim_forge_token(device, KSSIM_AUTHENTICATOR_PASSWORD, 1, op.challenge, 0, KSSIM_MAC_CORRUPT, &forged),
        KSSIM_OK);
    assert_int_equal(kssim_update(device, op.handle, data, sizeof(data)), KSSIM_OK);
    assert_int_equal(finish(device, op.handle), KSSIM_OK);
    kssim_device_free(device);
}

/* R-OP-TOKEN-FIRST-ROUTED: a forged first token poisons the operation: KeyMint rejects it at the next
 * call, which ends the operation; the genuine token that follows is never routed. */
static void a_forged_first_token_ends_the_operation(void **state)
{
    (void)state;
    kssim_device *device = new_device(34, KSSIM_SECURITY_TEE);
    generate(device, "per_op", true, 0, KSSIM_AUTH_DEVICE_CREDENTIAL, KSSIM_SECURITY_TEE);
    kssim_operation op;
    assert_int_equal(begin_sign(device, "per_op", &op), KSSIM_OK);
    kssim_auth_token forged;
    assert_int_equal(
        kssim_forge_token(device, KSSIM_AUTHENTICATOR_PASSWORD, 1, op.challenge, 0, KSSIM_MAC_CORRUPT, &forged),
        KSSIM_OK);
    assert_int_equal(kssim_verify_credential(device, "1234", op.challenge, NULL), KSSIM_OK);
    assert_int_equal(finish(device, op.handle), KSSIM_KEY_USER_NOT_AUTHENTICATED);
    assert_int_equal(finish(device, op.handle), KSSIM_INVALID_OPERATION_HANDLE);
    kssim_device_free(device);
}

/* R-OP-TOKEN-CHALLENGE-REQUIRED with R-OP-ENDED-INVALID-HANDLE: without a routed token the call is
 * refused, and from Android 10 (V-OP-FAILED-CALL-ENDS) the refusal ends the operation; Android 9 kept it
 * open, so the token that then arrives lets it finish. */
static void a_refused_call_ends_the_operation_from_android_10(void **state)
{
    (void)state;
    const int levels[] = {34, 30, 29, 28};
    for (size_t i = 0; i < 4; i++) {
        bool ends = levels[i] >= 29;
        kssim_device *device = new_device(levels[i], KSSIM_SECURITY_TEE);
        generate(device, "per_op", true, 0, KSSIM_AUTH_BIOMETRIC_STRONG, KSSIM_SECURITY_TEE);
        kssim_operation op;
        assert_int_equal(begin_sign(device, "per_op", &op), KSSIM_OK);
        assert_int_equal(kssim_update(device, op.handle, data, sizeof(data)), KSSIM_KEY_USER_NOT_AUTHENTICATED);
        assert_true(strstr(kssim_device_message(device), ends ? "begin a new operation" : "call again") != NULL);
        assert_int_equal(kssim_authenticate_biometric(device, 1, op.challenge, NULL), KSSIM_OK);
        assert_int_equal(finish(device, op.handle), ends ? KSSIM_INVALID_OPERATION_HANDLE : KSSIM_OK);
        kssim_device_free(device);
    }
}

/* The handle (and challenge) the first operation of a fresh device gets: the DRBG is seeded, so a second
 * device with the same history draws the same one. */
static uint64_t first_challenge(int api_level)
{
    kssim_device *device = new_device(api_level, KSSIM_SECURITY_TEE);
    generate(device, "per_op", true, 0, KSSIM_AUTH_DEVICE_CREDENTIAL, KSSIM_SECURITY_TEE);
    kssim_operation op;
    assert_int_equal(begin_sign(device, "per_op", &op), KSSIM_OK);
    kssim_device_free(device);
    return op.challenge;
}

/* R-OP-TOKEN-FIRST-ROUTED against R-OP-TOKEN-KEYSTORE1-TABLE: a token for a challenge guessed before
 * begin is in the cache, but keystore2 routes only tokens that arrive after begin; keystore1 searches its
 * table and takes it. */
static void a_token_sent_before_begin_counts_only_on_keystore1(void **state)
{
    (void)state;
    const int levels[] = {34, 30};
    for (size_t i = 0; i < 2; i++) {
        uint64_t guessed = first_challenge(levels[i]);
        kssim_device *device = new_device(levels[i], KSSIM_SECURITY_TEE);
        generate(device, "per_op", true, 0, KSSIM_AUTH_DEVICE_CREDENTIAL, KSSIM_SECURITY_TEE);
        assert_int_equal(kssim_verify_credential(device, "1234", guessed, NULL), KSSIM_OK);
        kssim_operation op;
        assert_int_equal(begin_sign(device, "per_op", &op), KSSIM_OK);
        assert_int_equal(op.challenge, guessed);
        assert_int_equal(finish(device, op.handle), levels[i] <= 30 ? KSSIM_OK : KSSIM_KEY_USER_NOT_AUTHENTICATED);
        kssim_device_free(device);
    }
}

/* R-OP-TOKEN-KEYSTORE1-TABLE: keystore1 refuses a first token for other secure IDs; Android 9 kept the
 * operation, which keeps finding that same token first; Android 10-11 end it (keymaster_worker.cpp);
 * keystore2 routes it and KeyMint ends the operation. */
static void a_wrong_first_token_on_each_release(void **state)
{
    (void)state;
    const int levels[] = {34, 30, 28};
    for (size_t i = 0; i < 3; i++) {
        kssim_device *device = new_device(levels[i], KSSIM_SECURITY_TEE);
        generate(device, "bio", true, 0, KSSIM_AUTH_BIOMETRIC_STRONG, KSSIM_SECURITY_TEE);
        kssim_operation op;
        assert_int_equal(begin_sign(device, "bio", &op), KSSIM_OK);
        assert_int_equal(kssim_verify_credential(device, "1234", op.challenge, NULL), KSSIM_OK); /* wrong type */
        assert_int_equal(finish(device, op.handle), KSSIM_KEY_USER_NOT_AUTHENTICATED);
        assert_int_equal(kssim_authenticate_biometric(device, 1, op.challenge, NULL), KSSIM_OK);
        assert_int_equal(finish(device, op.handle),
                         levels[i] <= 28 ? KSSIM_KEY_USER_NOT_AUTHENTICATED : KSSIM_INVALID_OPERATION_HANDLE);
        kssim_device_free(device);
    }
}

/* R-OP-SLOTS-PRUNE-ON-FULL with R-OP-SLOTS-PRUNE-MALUS: on keystore2 the 17th TEE operation prunes the
 * app's least recently used one; on keystore1 the 16th does (at most 15 per device). */
static void a_full_keymint_prunes_the_least_recently_used(void **state)
{
    (void)state;
    const int levels[] = {34, 30};
    for (size_t i = 0; i < 2; i++) {
        size_t room = levels[i] <= 30 ? 15 : 16;
        kssim_device *device = new_device(levels[i], KSSIM_SECURITY_TEE);
        generate(device, "plain", false, 0, 0, KSSIM_SECURITY_TEE);
        kssim_operation ops[17];
        for (size_t j = 0; j < room; j++) {
            assert_int_equal(begin_sign(device, "plain", &ops[j]), KSSIM_OK);
            assert_int_equal(kssim_advance(device, 10), KSSIM_OK);
        }
        assert_int_equal(kssim_update(device, ops[0].handle, data, sizeof(data)), KSSIM_OK); /* ops[1] is oldest */
        kssim_operation extra;
        assert_int_equal(begin_sign(device, "plain", &extra), KSSIM_OK);
        assert_string_equal(kssim_device_message(device), ""); /* a success explains nothing, pruned or not */
        assert_int_equal(finish(device, ops[1].handle), KSSIM_INVALID_OPERATION_HANDLE);
        assert_int_equal(finish(device, ops[1].handle), KSSIM_INVALID_OPERATION_HANDLE);
        assert_int_equal(finish(device, ops[0].handle), KSSIM_OK);
        assert_int_equal(finish(device, ops[2].handle), KSSIM_OK);
        assert_int_equal(finish(device, extra.handle), KSSIM_OK);
        kssim_device_free(device);
    }
}

/* R-OP-SLOTS-BOUNDED: StrongBox has 4 slots of its own; pruning there leaves TEE operations alone. */
static void strongbox_prunes_among_its_own_four(void **state)
{
    (void)state;
    kssim_device *device = new_device(34, KSSIM_SECURITY_STRONGBOX);
    generate(device, "tee", false, 0, 0, KSSIM_SECURITY_TEE);
    generate(device, "sb", false, 0, 0, KSSIM_SECURITY_STRONGBOX);
    kssim_operation tee_op, sb[5];
    assert_int_equal(begin_sign(device, "tee", &tee_op), KSSIM_OK);
    for (size_t j = 0; j < 5; j++)
        assert_int_equal(begin_sign(device, "sb", &sb[j]), KSSIM_OK);
    assert_int_equal(finish(device, sb[0].handle), KSSIM_INVALID_OPERATION_HANDLE);
    assert_int_equal(finish(device, tee_op.handle), KSSIM_OK);
    for (size_t j = 1; j < 5; j++)
        assert_int_equal(finish(device, sb[j].handle), KSSIM_OK);
    kssim_device_free(device);
}

/* R-OP-SLOTS-PRUNE-MALUS with several owners, which the device API cannot express (one app). */
static void the_malus_rule_with_several_apps(void **state)
{
    (void)state;
    const uint64_t now = 1000000;
    /* Two other apps, one young operation each (malus 1): a caller with none (malus 1) may prune
     * neither, and has none of its own to cannibalize. */
    sim_prune_candidate young[] = {{20, now - 1000, 1}, {21, now - 2000, 2}};
    assert_int_equal(sim_operation_prune_choice(young, 2, 10, now), -1);
    /* 5 s idle makes an operation's malus 2: prunable by that caller. */
    sim_prune_candidate idle[] = {{20, now - 1000, 1}, {21, now - 5000, 2}};
    assert_int_equal(sim_operation_prune_choice(idle, 2, 10, now), 1);
    /* An app with two operations has malus 2 on each; the least recently used of them goes. */
    sim_prune_candidate greedy[] = {{20, now - 1000, 1}, {21, now - 3000, 2}, {21, now - 4000, 3}};
    assert_int_equal(sim_operation_prune_choice(greedy, 3, 10, now), 2);
    /* A caller that itself runs operations has a higher malus; failing others, it loses its own oldest. */
    sim_prune_candidate mine[] = {{10, now - 100, 5}, {20, now - 1000, 1}, {10, now - 200, 4}};
    assert_int_equal(sim_operation_prune_choice(mine, 3, 10, now), 2);
    /* Ties on the clock are broken by the order of use. */
    sim_prune_candidate same_ms[] = {{10, now, 9}, {10, now, 8}};
    assert_int_equal(sim_operation_prune_choice(same_ms, 2, 10, now), 1);
    assert_int_equal(sim_operation_least_recently_used(same_ms, 2), 1);
    assert_int_equal(sim_operation_least_recently_used(same_ms, 0), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(before_the_first_unlock_each_release_answers_in_its_order),
        cmocka_unit_test(before_android_8_nothing_is_locked_by_a_reboot),
        cmocka_unit_test(an_invalidated_per_operation_key_answers_keystore_first),
        cmocka_unit_test(the_first_token_for_the_challenge_is_kept),
        cmocka_unit_test(a_forged_first_token_ends_the_operation),
        cmocka_unit_test(a_refused_call_ends_the_operation_from_android_10),
        cmocka_unit_test(a_token_sent_before_begin_counts_only_on_keystore1),
        cmocka_unit_test(a_wrong_first_token_on_each_release),
        cmocka_unit_test(a_full_keymint_prunes_the_least_recently_used),
        cmocka_unit_test(strongbox_prunes_among_its_own_four),
        cmocka_unit_test(the_malus_rule_with_several_apps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
