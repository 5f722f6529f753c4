/*
 * test_keymint_blob.c - key blobs: the storage attack on each field, any flipped bit, truncation or
 * extension, a blob from another device, and the authorization-record parser fed garbage.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "secure/keymint_blob.h"
#include "test_keymint_fixture.h"

static kssim_result begin_and_abort(keymint_fixture *f, const sim_key_blob *blob, uint32_t purpose,
                                    const kssim_auth_token *token)
{
    kssim_operation op;
    kssim_result r = sim_keymint_begin(&f->sw, blob, purpose, NULL, token, &op);
    if (r == KSSIM_OK)
        assert_int_equal(sim_keymint_abort(&f->sw, op.handle), KSSIM_OK);
    return r;
}

static void tampered_field_is_refused(keymint_fixture *f, sim_auth_list auth, kssim_blob_field field, uint32_t purpose)
{
    test_key k = generate_ok(f, &auth);
    kssim_auth_token token = token_for(f, KSSIM_AUTHENTICATOR_PASSWORD, TEST_SID, 0);
    expect_result(f, begin_and_abort(f, &k.blob, purpose, &token), KSSIM_OK);
    uint8_t *before = malloc(k.blob.len);
    memcpy(before, k.blob.data, k.blob.len);
    expect_result(f, sim_key_blob_tamper(&k.blob, field), KSSIM_OK);
    size_t changed_bits = 0;
    for (size_t i = 0; i < k.blob.len; i++)
        changed_bits += (size_t)__builtin_popcount((unsigned)(before[i] ^ k.blob.data[i]));
    assert_int_equal(changed_bits, 1);
    expect_result(f, begin_and_abort(f, &k.blob, purpose, &token), KSSIM_INVALID_KEY_BLOB);
    assert_non_null(strstr(f->env.message, "does not authenticate"));
    free(before);
    test_key_free(&k);
}

static void every_tampered_field_gives_invalid_key_blob(void **state)
{
    keymint_fixture *f = *state;
    sim_auth_list timeout_key = with_user_auth(auth_for(KSSIM_ALGORITHM_EC, 256), KSSIM_AUTHENTICATOR_PASSWORD, 30);
    sim_auth_list per_op_key = with_user_auth(auth_for(KSSIM_ALGORITHM_EC, 256), KSSIM_AUTHENTICATOR_PASSWORD, 0);
    sim_auth_list plain_key = auth_for(KSSIM_ALGORITHM_AES, 256);
    for (kssim_blob_field field = KSSIM_BLOB_AUTH_TIMEOUT; field <= KSSIM_BLOB_KEY_MATERIAL; field++) {
        tampered_field_is_refused(f, timeout_key, field, KSSIM_PURPOSE_SIGN);
        tampered_field_is_refused(f, per_op_key, field, KSSIM_PURPOSE_SIGN);
        tampered_field_is_refused(f, plain_key, field, KSSIM_PURPOSE_ENCRYPT);
    }
}

/* The attack changes the record it names: AUTH_TIMEOUT 30 becomes 31, the first purpose SIGN becomes
 * VERIFY - and the parser, given only the records, would read that; the tag is what refuses it. */
static void tamper_flips_the_named_record(void **state)
{
    keymint_fixture *f = *state;
    sim_auth_list auth = with_user_auth(auth_for(KSSIM_ALGORITHM_EC, 256), KSSIM_AUTHENTICATOR_PASSWORD, 30);
    auth.purposes = KSSIM_PURPOSE_SIGN;
    test_key k = generate_ok(f, &auth);
    keymint_blob_layout layout;
    sim_auth_list parsed;
    assert_int_equal(sim_key_blob_tamper(&k.blob, KSSIM_BLOB_AUTH_TIMEOUT), KSSIM_OK);
    assert_int_equal(sim_key_blob_tamper(&k.blob, KSSIM_BLOB_PURPOSES), KSSIM_OK);
    assert_int_equal(keymint_blob_locate(k.blob.data, k.blob.len, &layout), 0);
    assert_int_equal(keymint_auth_list_parse(k.blob.data + layout.records_offset, layout.records_len, &parsed), 0);
    assert_int_equal(parsed.auth_timeout_s, 31);
    assert_int_equal(parsed.purposes, KSSIM_PURPOSE_VERIFY);
    test_key_free(&k);
}

static void any_flipped_byte_gives_invalid_key_blob(void **state)
{
    keymint_fixture *f = *state;
    sim_auth_list auth = auth_for(KSSIM_ALGORITHM_EC, 256);
    test_key k = generate_ok(f, &auth);
    for (size_t i = 0; i < k.blob.len; i++) {
        uint8_t bit = (uint8_t)(1u << (i % 8));
        k.blob.data[i] ^= bit;
        expect_result(f, begin_and_abort(f, &k.blob, KSSIM_PURPOSE_SIGN, NULL), KSSIM_INVALID_KEY_BLOB);
        k.blob.data[i] ^= bit;
    }
    expect_result(f, begin_and_abort(f, &k.blob, KSSIM_PURPOSE_SIGN, NULL), KSSIM_OK);
    test_key_free(&k);
}

static void truncated_or_extended_blobs_are_refused(void **state)
{
    keymint_fixture *f = *state;
    sim_auth_list auth = auth_for(KSSIM_ALGORITHM_HMAC, 256);
    test_key k = generate_ok(f, &auth);
    size_t full = k.blob.len;
    for (size_t len = 0; len < full; len++) {
        sim_key_blob shorter = {k.blob.data, len};
        expect_result(f, begin_and_abort(f, &shorter, KSSIM_PURPOSE_SIGN, NULL), KSSIM_INVALID_KEY_BLOB);
    }
    uint8_t *longer = malloc(full + 1);
    memcpy(longer, k.blob.data, full);
    longer[full] = 0;
    sim_key_blob extended = {longer, full + 1};
    expect_result(f, begin_and_abort(f, &extended, KSSIM_PURPOSE_SIGN, NULL), KSSIM_INVALID_KEY_BLOB);
    sim_key_blob empty = {NULL, 0};
    expect_result(f, begin_and_abort(f, &empty, KSSIM_PURPOSE_SIGN, NULL), KSSIM_INVALID_KEY_BLOB);
    assert_int_equal(sim_key_blob_tamper(&empty, KSSIM_BLOB_PURPOSES), KSSIM_INVALID_KEY_BLOB);
    free(longer);
    test_key_free(&k);
}

static void a_blob_from_another_device_is_refused(void **state)
{
    keymint_fixture *f = *state;
    keymint_fixture *other = fixture_new(TEST_SEED + 1, KSSIM_SECURITY_TEE);
    sim_auth_list auth = auth_for(KSSIM_ALGORITHM_EC, 256);
    test_key k = generate_ok(other, &auth);
    expect_result(f, begin_and_abort(f, &k.blob, KSSIM_PURPOSE_SIGN, NULL), KSSIM_INVALID_KEY_BLOB);
    expect_result(other, begin_and_abort(other, &k.blob, KSSIM_PURPOSE_SIGN, NULL), KSSIM_OK);
    test_key_free(&k);
    fixture_free(other);
}

static void assert_same_auth_list(const sim_auth_list *x, const sim_auth_list *y)
{
    assert_int_equal(x->algorithm, y->algorithm);
    assert_int_equal(x->key_size, y->key_size);
    assert_int_equal(x->purposes, y->purposes);
    assert_int_equal(x->digests, y->digests);
    assert_int_equal(x->block_modes, y->block_modes);
    assert_int_equal(x->paddings, y->paddings);
    assert_int_equal(x->no_auth_required, y->no_auth_required);
    assert_int_equal(x->sid_count, y->sid_count);
    for (uint32_t i = 0; i < x->sid_count; i++)
        assert_int_equal(x->sids[i], y->sids[i]);
    assert_int_equal(x->user_auth_types, y->user_auth_types);
    assert_int_equal(x->has_auth_timeout, y->has_auth_timeout);
    assert_int_equal(x->auth_timeout_s, y->auth_timeout_s);
    assert_int_equal(x->unlocked_device_required, y->unlocked_device_required);
    assert_int_equal(x->max_uses_per_boot, y->max_uses_per_boot);
    assert_int_equal(x->usage_count_limit, y->usage_count_limit);
    assert_int_equal(x->min_seconds_between_ops, y->min_seconds_between_ops);
    assert_int_equal(x->has_active, y->has_active);
    assert_int_equal(x->has_origination_expire, y->has_origination_expire);
    assert_int_equal(x->has_usage_expire, y->has_usage_expire);
    assert_int_equal(x->active_ms, y->active_ms);
    assert_int_equal(x->origination_expire_ms, y->origination_expire_ms);
    assert_int_equal(x->usage_expire_ms, y->usage_expire_ms);
    assert_int_equal(x->security_level, y->security_level);
    assert_int_equal(x->imported, y->imported);
}

static void records_round_trip(void **state)
{
    (void)state;
    sim_auth_list a = with_user_auth(auth_for(KSSIM_ALGORITHM_RSA, 3072), KSSIM_AUTHENTICATOR_PASSWORD | 2, 45);
    a.purposes |= KSSIM_PURPOSE_DECRYPT;
    a.paddings |= KSSIM_PADDING_OAEP | KSSIM_PADDING_NONE;
    a.digests |= KSSIM_DIGEST_NONE | KSSIM_DIGEST_SHA512;
    a.sid_count = SIM_MAX_KEY_SIDS;
    for (uint32_t i = 0; i < SIM_MAX_KEY_SIDS; i++)
        a.sids[i] = UINT64_C(0xF000000000000000) + i;
    a.unlocked_device_required = true;
    a.max_uses_per_boot = 3;
    a.usage_count_limit = 9;
    a.min_seconds_between_ops = 10;
    a.has_active = a.has_origination_expire = a.has_usage_expire = true;
    a.active_ms = -5;
    a.origination_expire_ms = INT64_C(1800000000000);
    a.usage_expire_ms = INT64_C(1900000000000);
    a.imported = true;
    uint8_t records[KEYMINT_AUTH_RECORDS_MAX];
    size_t len = keymint_auth_list_serialize(&a, records);
    assert_true(len > 0);
    sim_auth_list parsed;
    assert_int_equal(keymint_auth_list_parse(records, len, &parsed), 0);
    assert_same_auth_list(&parsed, &a);
    const kssim_algorithm algorithms[] = {KSSIM_ALGORITHM_EC, KSSIM_ALGORITHM_ED25519, KSSIM_ALGORITHM_AES,
                                          KSSIM_ALGORITHM_HMAC};
    const uint32_t sizes[] = {521, 256, 128, 512};
    for (size_t i = 0; i < 4; i++) {
        sim_auth_list b = auth_for(algorithms[i], sizes[i]);
        len = keymint_auth_list_serialize(&b, records);
        assert_int_equal(keymint_auth_list_parse(records, len, &parsed), 0);
        assert_same_auth_list(&parsed, &b);
    }
}

/* The parser, given anything at all: random bytes, and valid records with every byte changed in turn,
 * and every truncation. It must return, and never read past the end (ASan/valgrind watch that). */
static void the_record_parser_survives_garbage(void **state)
{
    keymint_fixture *f = *state;
    uint8_t junk[300];
    sim_auth_list parsed;
    for (int round = 0; round < 2000; round++) {
        size_t len = (size_t)(sim_random_u64(&f->env.crypto) % sizeof(junk));
        sim_random_bytes(&f->env.crypto, junk, len);
        uint8_t *exact = malloc(len + 1);
        memcpy(exact, junk, len);
        (void)keymint_auth_list_parse(exact, len, &parsed);
        keymint_blob_layout layout;
        (void)keymint_blob_locate(exact, len, &layout);
        free(exact);
    }
    sim_auth_list a = with_user_auth(auth_for(KSSIM_ALGORITHM_EC, 384), KSSIM_AUTHENTICATOR_FINGERPRINT, 5);
    uint8_t records[KEYMINT_AUTH_RECORDS_MAX];
    size_t len = keymint_auth_list_serialize(&a, records);
    for (size_t i = 0; i < len; i++) {
        for (int value = 0; value < 256; value += 51) {
            uint8_t saved = records[i];
            records[i] = (uint8_t)value;
            (void)keymint_auth_list_parse(records, len, &parsed);
            records[i] = saved;
        }
        uint8_t *prefix = malloc(i + 1);
        memcpy(prefix, records, i);
        (void)keymint_auth_list_parse(prefix, i, &parsed);
        free(prefix);
    }
    assert_int_equal(keymint_auth_list_parse(NULL, 0, &parsed), -1); /* no ALGORITHM */
    assert_int_equal(keymint_auth_list_parse(NULL, 5, &parsed), -1);
}

static void malformed_records_are_refused(void **state)
{
    (void)state;
    sim_auth_list parsed;
    /* ALGORITHM EC, KEY_SIZE 256, and each case's extra record. */
    const uint8_t base[] = {0x10, 0x00, 0x00, 0x02, 0x00, 0x04, 0,    0,    0,    3,    0x10, 0x00, 0x00, 0x0A, 0x00,
                            0x04, 0,    0,    0,    1,    0x30, 0x00, 0x00, 0x03, 0x00, 0x04, 0,    0,    1,    0};
    assert_int_equal(keymint_auth_list_parse(base, sizeof(base), &parsed), 0);
    assert_int_equal(parsed.algorithm, KSSIM_ALGORITHM_EC);
    struct {
        uint8_t bytes[16];
        size_t len;
    } extras[] = {
        {{0x10, 0x00, 0x00, 0x02, 0x00, 0x04, 0, 0, 0, 3}, 10}, /* ALGORITHM twice */
        {{0x20, 0x00, 0x00, 0x01, 0x00, 0x04, 0, 0, 0, 9}, 10}, /* PURPOSE 9: unknown */
        {{0x20, 0x00, 0x00, 0x01, 0x00, 0x02, 0, 2}, 8},        /* PURPOSE of the wrong length */
        {{0x70, 0x00, 0x01, 0xF7, 0x00, 0x01, 0}, 7},           /* BOOL with a value */
        {{0x10, 0x00, 0x7F, 0xFF, 0x00, 0x04, 0, 0, 0, 0}, 10}, /* unknown tag */
        {{0x10, 0x00, 0x70, 0x01, 0x00, 0x04, 0, 0, 0, 3}, 10}, /* security level 3 */
        {{0x30, 0x00, 0x01, 0x94, 0x00, 0x04, 0, 0, 0, 0}, 10}, /* MAX_USES_PER_BOOT 0 */
        {{0x20, 0x00, 0x00, 0x04, 0x00, 0x04, 0, 0, 0, 7}, 10}, /* BLOCK_MODE 7 */
        {{0x10, 0x00, 0x00, 0x02, 0xFF, 0xFF, 0, 0, 0, 3}, 10}, /* length past the end */
        {{0x10, 0x00, 0x00}, 3},                                /* half a header */
    };
    for (size_t i = 0; i < sizeof(extras) / sizeof(extras[0]); i++) {
        uint8_t buf[sizeof(base) + 16];
        memcpy(buf, base, sizeof(base));
        memcpy(buf + sizeof(base), extras[i].bytes, extras[i].len);
        if (keymint_auth_list_parse(buf, sizeof(base) + extras[i].len, &parsed) != -1)
            fail_msg("extra record %zu was accepted", i);
    }
    uint8_t wrong_curve[sizeof(base)];
    memcpy(wrong_curve, base, sizeof(base));
    wrong_curve[19] = 2; /* P-384 with KEY_SIZE 256 */
    assert_int_equal(keymint_auth_list_parse(wrong_curve, sizeof(wrong_curve), &parsed), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_tampered_field_gives_invalid_key_blob, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(tamper_flips_the_named_record, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(any_flipped_byte_gives_invalid_key_blob, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(truncated_or_extended_blobs_are_refused, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(a_blob_from_another_device_is_refused, fixture_setup, fixture_teardown),
        cmocka_unit_test(records_round_trip),
        cmocka_unit_test_setup_teardown(the_record_parser_survives_garbage, fixture_setup, fixture_teardown),
        cmocka_unit_test(malformed_records_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
