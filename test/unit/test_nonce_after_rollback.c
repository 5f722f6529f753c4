/*
 * test_nonce_after_rollback.c - a device put back to an earlier copy of itself replays its DRBG, and
 * that replay must never give away a key: two ECDSA signatures of different messages made from the same
 * DRBG state must not share their nonce (which would reveal the private key), while the same message
 * signed again from that state gives the very same signature (OpenSSL derives k from the private key,
 * the digest and the DRBG's bytes); and an AES nonce KeyMint chooses must not encrypt two different
 * plaintexts under one key, nor a key blob's nonce seal two different keys under the device key
 * (sim_random_bytes_bound_to).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/ec.h>

#include <kssim/kssim.h>

#include "secure/keymint_blob.h"
#include "test_keymint_fixture.h"

typedef struct signature {
    uint8_t *bytes;
    size_t len;
} signature;

static kssim_device *memory_device(void)
{
    kssim_config config;
    kssim_config_default(&config);
    kssim_device *device = NULL;
    assert_int_equal(kssim_device_create(&config, &device), KSSIM_OK);
    return device;
}

static void generate_ec(kssim_device *device, const char *alias, uint32_t digests)
{
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    snprintf(spec.alias, sizeof(spec.alias), "%s", alias);
    spec.digests = digests;
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
}

/* Signs message through begin, an update with its first half and finish with the rest. */
static signature sign_message(kssim_device *device, const char *alias, uint32_t digest, const char *message)
{
    kssim_op_params params = {.digest = digest};
    kssim_operation op;
    size_t len = strlen(message), half = len / 2;
    signature s = {0};
    assert_int_equal(kssim_begin(device, alias, KSSIM_PURPOSE_SIGN, &params, &op), KSSIM_OK);
    assert_int_equal(kssim_update(device, op.handle, (const uint8_t *)message, half), KSSIM_OK);
    assert_int_equal(
        kssim_finish(device, op.handle, (const uint8_t *)message + half, len - half, NULL, 0, &s.bytes, &s.len),
        KSSIM_OK);
    kssim_op_params verify = {.digest = digest};
    assert_int_equal(kssim_verify(device, alias, &verify, (const uint8_t *)message, len, s.bytes, s.len), KSSIM_OK);
    return s;
}

static bool same_r(const signature *a, const signature *b)
{
    const uint8_t *pa = a->bytes, *pb = b->bytes;
    ECDSA_SIG *sa = d2i_ECDSA_SIG(NULL, &pa, (long)a->len);
    ECDSA_SIG *sb = d2i_ECDSA_SIG(NULL, &pb, (long)b->len);
    assert_non_null(sa);
    assert_non_null(sb);
    bool same = BN_cmp(ECDSA_SIG_get0_r(sa), ECDSA_SIG_get0_r(sb)) == 0;
    ECDSA_SIG_free(sa);
    ECDSA_SIG_free(sb);
    return same;
}

static bool same_signature(const signature *a, const signature *b)
{
    return a->len == b->len && memcmp(a->bytes, b->bytes, a->len) == 0;
}

/* Signs m1, goes back to the snapshot, signs m2, goes back again and signs m1 once more. */
static void check_replayed_signatures(uint32_t digest)
{
    kssim_device *device = memory_device();
    generate_ec(device, "signer", KSSIM_DIGEST_NONE | KSSIM_DIGEST_SHA256);
    kssim_snapshot *backup = NULL;
    assert_int_equal(kssim_snapshot_take(device, &backup), KSSIM_OK);
    signature first = sign_message(device, "signer", digest, "pay 10 to alice");

    assert_int_equal(kssim_snapshot_restore(device, backup), KSSIM_OK);
    signature other = sign_message(device, "signer", digest, "pay 99999 to mallory");
    assert_false(same_r(&first, &other));

    assert_int_equal(kssim_snapshot_restore(device, backup), KSSIM_OK);
    signature again = sign_message(device, "signer", digest, "pay 10 to alice");
    assert_true(same_signature(&first, &again));

    kssim_free(first.bytes);
    kssim_free(other.bytes);
    kssim_free(again.bytes);
    kssim_snapshot_free(backup);
    kssim_device_free(device);
}

static void ecdsa_nonces_differ_for_different_messages_after_a_restore(void **state)
{
    (void)state;
    check_replayed_signatures(KSSIM_DIGEST_SHA256);
}

static void ecdsa_without_digest_nonces_differ_for_different_messages_after_a_restore(void **state)
{
    (void)state;
    check_replayed_signatures(KSSIM_DIGEST_NONE);
}

/* The key is part of the nonce's input too: two keys signing one message from one DRBG state use
 * different nonces. */
static void two_keys_signing_one_message_from_one_state_use_different_nonces(void **state)
{
    (void)state;
    kssim_device *device = memory_device();
    generate_ec(device, "one", KSSIM_DIGEST_SHA256);
    generate_ec(device, "two", KSSIM_DIGEST_SHA256);
    kssim_snapshot *backup = NULL;
    assert_int_equal(kssim_snapshot_take(device, &backup), KSSIM_OK);
    signature a = sign_message(device, "one", KSSIM_DIGEST_SHA256, "the same message");
    assert_int_equal(kssim_snapshot_restore(device, backup), KSSIM_OK);
    signature b = sign_message(device, "two", KSSIM_DIGEST_SHA256, "the same message");
    assert_false(same_r(&a, &b));
    kssim_free(a.bytes);
    kssim_free(b.bytes);
    kssim_snapshot_free(backup);
    kssim_device_free(device);
}

static void generate_aes(kssim_device *device, const char *alias, uint32_t block_mode)
{
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_AES);
    snprintf(spec.alias, sizeof(spec.alias), "%s", alias);
    spec.block_modes = block_mode;
    spec.paddings = KSSIM_PADDING_NONE;
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
}

typedef struct ciphertext {
    uint8_t *bytes; /* the nonce, then the ciphertext and any tag, as kssim_encrypt gives them */
    size_t len, nonce_len;
} ciphertext;

static ciphertext encrypt_text(kssim_device *device, const char *alias, const char *plaintext)
{
    ciphertext c = {0};
    assert_int_equal(kssim_encrypt(device, alias, NULL, (const uint8_t *)plaintext, strlen(plaintext), &c.bytes, &c.len,
                                   &c.nonce_len),
                     KSSIM_OK);
    assert_true(c.nonce_len > 0);
    kssim_op_params params = {.nonce = c.bytes, .nonce_len = c.nonce_len};
    kssim_operation op;
    uint8_t *decrypted = NULL;
    size_t decrypted_len = 0;
    assert_int_equal(kssim_begin(device, alias, KSSIM_PURPOSE_DECRYPT, &params, &op), KSSIM_OK);
    assert_int_equal(kssim_finish(device, op.handle, c.bytes + c.nonce_len, c.len - c.nonce_len, NULL, 0, &decrypted,
                                  &decrypted_len),
                     KSSIM_OK);
    assert_int_equal(decrypted_len, strlen(plaintext));
    assert_memory_equal(decrypted, plaintext, decrypted_len);
    kssim_free(decrypted);
    return c;
}

/* Encrypts p1, goes back to the snapshot, encrypts p2 (a nonce reused with other data would give away
 * the XOR of the plaintexts, and for GCM the authentication key), goes back and encrypts p1 again. */
static void check_replayed_encryptions(uint32_t block_mode)
{
    kssim_device *device = memory_device();
    generate_aes(device, "vault", block_mode);
    kssim_snapshot *backup = NULL;
    assert_int_equal(kssim_snapshot_take(device, &backup), KSSIM_OK);
    ciphertext first = encrypt_text(device, "vault", "pin 1234 for card one");

    assert_int_equal(kssim_snapshot_restore(device, backup), KSSIM_OK);
    ciphertext other = encrypt_text(device, "vault", "pin 9876 for card two");
    assert_int_equal(first.nonce_len, other.nonce_len);
    assert_memory_not_equal(first.bytes, other.bytes, first.nonce_len);

    assert_int_equal(kssim_snapshot_restore(device, backup), KSSIM_OK);
    ciphertext again = encrypt_text(device, "vault", "pin 1234 for card one");
    assert_int_equal(first.len, again.len);
    assert_memory_equal(first.bytes, again.bytes, first.len);

    kssim_free(first.bytes);
    kssim_free(other.bytes);
    kssim_free(again.bytes);
    kssim_snapshot_free(backup);
    kssim_device_free(device);
}

static void aes_gcm_nonces_differ_for_different_plaintexts_after_a_restore(void **state)
{
    (void)state;
    check_replayed_encryptions(KSSIM_BLOCK_MODE_GCM);
}

static void aes_ctr_ivs_differ_for_different_plaintexts_after_a_restore(void **state)
{
    (void)state;
    check_replayed_encryptions(KSSIM_BLOCK_MODE_CTR);
}

/* A nonce bound to one plaintext at begin encrypts nothing else. */
static void a_nonce_bound_to_a_plaintext_refuses_other_data(void **state)
{
    (void)state;
    keymint_fixture *f = fixture_new(TEST_SEED, KSSIM_SECURITY_TEE);
    sim_auth_list auth = auth_for(KSSIM_ALGORITHM_AES, 256);
    test_key k = generate_ok(f, &auth);
    static const char bound[] = "the data the nonce was made for", other[] = "other data";
    uint8_t digest[32];
    assert_int_equal(sim_sha256(&f->env.crypto, (const uint8_t *)bound, strlen(bound), digest), 0);
    kssim_op_params params = params_of(0, KSSIM_PADDING_NONE, KSSIM_BLOCK_MODE_GCM);
    kssim_operation op;
    uint8_t *out = NULL;
    size_t out_len = 0;
    assert_int_equal(sim_keymint_begin_encryption_of(&f->sw, &k.blob, &params, NULL, digest, &op), KSSIM_OK);
    expect_result(
        f, sim_keymint_finish(&f->sw, op.handle, (const uint8_t *)other, strlen(other), NULL, 0, NULL, &out, &out_len),
        KSSIM_INVALID_ARGUMENT);
    assert_non_null(strstr(f->env.message, "begin again with the digest of this data"));
    assert_null(out);

    assert_int_equal(sim_keymint_begin_encryption_of(&f->sw, &k.blob, &params, NULL, digest, &op), KSSIM_OK);
    assert_int_equal(
        sim_keymint_finish(&f->sw, op.handle, (const uint8_t *)bound, strlen(bound), NULL, 0, NULL, &out, &out_len),
        KSSIM_OK);
    assert_int_equal(out_len, strlen(bound) + 16 /* the GCM tag */);
    free(out);
    test_key_free(&k);
    fixture_free(f);
}

static test_key import_aes(keymint_fixture *f, uint8_t fill)
{
    sim_auth_list auth = auth_for(KSSIM_ALGORITHM_AES, 256);
    uint8_t material[32];
    memset(material, fill, sizeof(material));
    test_key k = {0};
    expect_result(f, sim_keymint_import_key(&f->sw, &auth, material, sizeof(material), &k.blob, &k.spki, &k.spki_len),
                  KSSIM_OK);
    return k;
}

static const uint8_t *blob_nonce(const test_key *k)
{
    keymint_blob_layout layout;
    assert_int_equal(keymint_blob_locate(k->blob.data, k->blob.len, &layout), 0);
    return k->blob.data + layout.nonce_offset;
}

/* Importing draws nothing before the blob's nonce, so a key imported after a restore would be sealed
 * under the nonce of the key imported after the copy, by the same device key. */
static void key_blobs_sealed_from_one_state_use_different_nonces_for_different_keys(void **state)
{
    (void)state;
    keymint_fixture *f = fixture_new(TEST_SEED, KSSIM_SECURITY_TEE);
    sim_drbg copied = f->env.crypto.drbg;
    test_key victim = import_aes(f, 0x5a);
    f->env.crypto.drbg = copied;
    test_key known = import_aes(f, 0x00);
    assert_memory_not_equal(blob_nonce(&victim), blob_nonce(&known), KEYMINT_BLOB_NONCE_BYTES);
    f->env.crypto.drbg = copied;
    test_key again = import_aes(f, 0x5a);
    assert_int_equal(victim.blob.len, again.blob.len);
    assert_memory_equal(victim.blob.data, again.blob.data, victim.blob.len);
    test_key_free(&victim);
    test_key_free(&known);
    test_key_free(&again);
    fixture_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ecdsa_nonces_differ_for_different_messages_after_a_restore),
        cmocka_unit_test(ecdsa_without_digest_nonces_differ_for_different_messages_after_a_restore),
        cmocka_unit_test(two_keys_signing_one_message_from_one_state_use_different_nonces),
        cmocka_unit_test(aes_gcm_nonces_differ_for_different_plaintexts_after_a_restore),
        cmocka_unit_test(aes_ctr_ivs_differ_for_different_plaintexts_after_a_restore),
        cmocka_unit_test(a_nonce_bound_to_a_plaintext_refuses_other_data),
        cmocka_unit_test(key_blobs_sealed_from_one_state_use_different_nonces_for_different_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
