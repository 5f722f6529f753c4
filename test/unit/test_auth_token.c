/*
 * test_auth_token.c - the HardwareAuthToken MAC (auth_token.c) and the per-boot key that signs it
 * (secure_world.c): AOSP's 37-byte layout byte for byte, every field and the key bound into the MAC,
 * and a reboot voiding every earlier token.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "secure_world_fixture.h"

static const kssim_auth_token sample_token = {
    .challenge = UINT64_C(0x0102030405060708),
    .user_id = UINT64_C(0x1112131415161718),
    .authenticator_id = UINT64_C(0x2122232425262728),
    .authenticator_type = KSSIM_AUTHENTICATOR_FINGERPRINT,
    .timestamp_ms = UINT64_C(0x3132333435363738),
};

/* The 37 bytes of sample_token, written out by hand from HardwareAuthToken.aidl's MAC definition. */
static const uint8_t sample_mac_input[37] = {
    0x00,                                           /* version */
    0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, /* challenge, little-endian */
    0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11, /* user_id, little-endian */
    0x28, 0x27, 0x26, 0x25, 0x24, 0x23, 0x22, 0x21, /* authenticator_id, little-endian */
    0x00, 0x00, 0x00, 0x02,                         /* authenticator_type, big-endian */
    0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, /* timestamp, big-endian */
};

static void counting_key(uint8_t key[32])
{
    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)i;
}

static void mac_is_hmac_of_the_hand_built_37_bytes(void **state)
{
    secure_world_fixture *f = *state;
    uint8_t key[32], expected[32], mac[32];
    counting_key(key);
    assert_int_equal(sim_hmac_sha256(&f->env.crypto, key, 32, sample_mac_input, sizeof(sample_mac_input), expected), 0);
    sim_auth_token_compute_mac(&f->sw, key, &sample_token, mac);
    assert_memory_equal(mac, expected, 32);
}

static void mac_matches_an_independently_computed_vector(void **state)
{
    secure_world_fixture *f = *state;
    /* HMAC-SHA-256 of sample_mac_input computed outside the simulator (Python's hmac module), under the
     * key 00 01 .. 1f and under the 32 zero bytes that software KeyMint and Gatekeeper use. */
    static const uint8_t under_counting_key[32] = {
        0x34, 0x00, 0x70, 0xc1, 0x50, 0x3f, 0xba, 0xe3, 0x85, 0x93, 0x0e, 0x9d, 0x57, 0x8c, 0x5e, 0xa2,
        0x82, 0x3b, 0x08, 0xdc, 0x85, 0x98, 0x96, 0x38, 0x12, 0xf9, 0x3d, 0x85, 0xcc, 0xd9, 0xb4, 0xe4,
    };
    static const uint8_t under_zero_key[32] = {
        0x30, 0x8e, 0x5c, 0xeb, 0xa5, 0x5f, 0x1d, 0x29, 0xa9, 0x8a, 0x80, 0xc6, 0x5f, 0xd6, 0xab, 0xef,
        0x6d, 0xdc, 0x37, 0xf2, 0x85, 0x08, 0xbf, 0x86, 0x6d, 0x6e, 0xd5, 0x3f, 0xdc, 0xe3, 0x06, 0x1b,
    };
    uint8_t key[32], mac[32];
    counting_key(key);
    sim_auth_token_compute_mac(&f->sw, key, &sample_token, mac);
    assert_memory_equal(mac, under_counting_key, 32);
    memset(key, 0, sizeof(key));
    sim_auth_token_compute_mac(&f->sw, key, &sample_token, mac);
    assert_memory_equal(mac, under_zero_key, 32);
}

static void mac_binds_every_field_and_the_key(void **state)
{
    secure_world_fixture *f = *state;
    uint8_t key[32], reference[32], mac[32];
    counting_key(key);
    sim_auth_token_compute_mac(&f->sw, key, &sample_token, reference);

    kssim_auth_token changed[5];
    for (int i = 0; i < 5; i++)
        changed[i] = sample_token;
    changed[0].challenge ^= 1;
    changed[1].user_id ^= UINT64_C(1) << 63;
    changed[2].authenticator_id ^= 1;
    changed[3].authenticator_type = KSSIM_AUTHENTICATOR_PASSWORD;
    changed[4].timestamp_ms += 1;
    for (int i = 0; i < 5; i++) {
        sim_auth_token_compute_mac(&f->sw, key, &changed[i], mac);
        assert_memory_not_equal(mac, reference, 32);
    }

    key[31] ^= 1;
    sim_auth_token_compute_mac(&f->sw, key, &sample_token, mac);
    assert_memory_not_equal(mac, reference, 32);
}

static void mac_ignores_the_mac_field_itself(void **state)
{
    secure_world_fixture *f = *state;
    uint8_t key[32], reference[32], mac[32];
    counting_key(key);
    sim_auth_token_compute_mac(&f->sw, key, &sample_token, reference);
    kssim_auth_token token = sample_token;
    memset(token.mac, 0xAB, sizeof(token.mac));
    sim_auth_token_compute_mac(&f->sw, key, &token, mac);
    assert_memory_equal(mac, reference, 32);
}

static void issued_token_carries_the_boot_clock_and_is_authentic(void **state)
{
    secure_world_fixture *f = *state;
    secure_world_fixture_advance(f, 4242);
    kssim_auth_token token = sample_token;
    sim_auth_token_issue(&f->sw, &token);
    assert_int_equal(token.timestamp_ms, 4242);
    assert_true(sim_auth_token_is_authentic(&f->sw, &token));

    uint8_t expected[32];
    sim_auth_token_compute_mac(&f->sw, f->sw.hmac_key, &token, expected);
    assert_memory_equal(token.mac, expected, 32);
}

static void altered_token_is_not_authentic(void **state)
{
    secure_world_fixture *f = *state;
    kssim_auth_token token = sample_token;
    sim_auth_token_issue(&f->sw, &token);

    kssim_auth_token flipped = token;
    flipped.mac[0] ^= 0x01;
    assert_false(sim_auth_token_is_authentic(&f->sw, &flipped));

    kssim_auth_token aged = token;
    aged.timestamp_ms += 1000; /* a replayed token cannot be made to look fresh */
    assert_false(sim_auth_token_is_authentic(&f->sw, &aged));

    kssim_auth_token other_user = token;
    other_user.user_id += 1;
    assert_false(sim_auth_token_is_authentic(&f->sw, &other_user));

    assert_false(sim_auth_token_is_authentic(&f->sw, NULL));
}

static void first_boot_draws_its_keys_from_the_seed(void **state)
{
    (void)state;
    secure_world_fixture *a = secure_world_fixture_new(7), *b = secure_world_fixture_new(7);
    secure_world_fixture *c = secure_world_fixture_new(8);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    assert_int_equal(a->sw.boot_count, 1);
    assert_false(a->sw.has_previous_hmac_key);
    assert_int_equal(a->sw.security_level, KSSIM_SECURITY_TEE);
    assert_non_null(a->sw.keymint);
    assert_memory_equal(a->sw.device_key, b->sw.device_key, 32);
    assert_memory_equal(a->sw.hmac_key, b->sw.hmac_key, 32);
    assert_memory_not_equal(a->sw.device_key, a->sw.hmac_key, 32);
    assert_memory_not_equal(a->sw.device_key, c->sw.device_key, 32);
    assert_memory_not_equal(a->sw.hmac_key, c->sw.hmac_key, 32);
    secure_world_fixture_free(a);
    secure_world_fixture_free(b);
    secure_world_fixture_free(c);
}

static void reboot_rotates_the_key_and_voids_earlier_tokens(void **state)
{
    secure_world_fixture *f = *state;
    uint8_t device_key[32], first_boot_key[32];
    memcpy(device_key, f->sw.device_key, 32);
    memcpy(first_boot_key, f->sw.hmac_key, 32);
    secure_world_fixture_advance(f, 60000);
    kssim_auth_token token = sample_token;
    sim_auth_token_issue(&f->sw, &token);

    secure_world_fixture_reboot(f);
    assert_int_equal(f->sw.boot_count, 2);
    assert_true(f->sw.has_previous_hmac_key);
    assert_memory_equal(f->sw.previous_hmac_key, first_boot_key, 32);
    assert_memory_not_equal(f->sw.hmac_key, first_boot_key, 32);
    assert_memory_equal(f->sw.device_key, device_key, 32); /* key blobs survive a reboot */
    assert_false(sim_auth_token_is_authentic(&f->sw, &token));

    /* What the previous_boot forgery relies on: the old key still reproduces the old MAC. */
    uint8_t old_mac[32];
    sim_auth_token_compute_mac(&f->sw, f->sw.previous_hmac_key, &token, old_mac);
    assert_memory_equal(old_mac, token.mac, 32);

    kssim_auth_token fresh = sample_token;
    sim_auth_token_issue(&f->sw, &fresh);
    assert_int_equal(fresh.timestamp_ms, 0);
    assert_true(sim_auth_token_is_authentic(&f->sw, &fresh));

    secure_world_fixture_reboot(f);
    assert_int_equal(f->sw.boot_count, 3);
    assert_false(sim_auth_token_is_authentic(&f->sw, &fresh));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(mac_is_hmac_of_the_hand_built_37_bytes, secure_world_fixture_setup,
                                        secure_world_fixture_teardown),
        cmocka_unit_test_setup_teardown(mac_matches_an_independently_computed_vector, secure_world_fixture_setup,
                                        secure_world_fixture_teardown),
        cmocka_unit_test_setup_teardown(mac_binds_every_field_and_the_key, secure_world_fixture_setup,
                                        secure_world_fixture_teardown),
        cmocka_unit_test_setup_teardown(mac_ignores_the_mac_field_itself, secure_world_fixture_setup,
                                        secure_world_fixture_teardown),
        cmocka_unit_test_setup_teardown(issued_token_carries_the_boot_clock_and_is_authentic,
                                        secure_world_fixture_setup, secure_world_fixture_teardown),
        cmocka_unit_test_setup_teardown(altered_token_is_not_authentic, secure_world_fixture_setup,
                                        secure_world_fixture_teardown),
        cmocka_unit_test(first_boot_draws_its_keys_from_the_seed),
        cmocka_unit_test_setup_teardown(reboot_rotates_the_key_and_voids_earlier_tokens, secure_world_fixture_setup,
                                        secure_world_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
