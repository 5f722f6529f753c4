/*
 * test_keymint.c - KeyMint key generation and the crypto of every algorithm and size: each key signs
 * and verifies (against its SubjectPublicKeyInfo, as the framework verifies) or encrypts and decrypts,
 * and the same seed gives the same keys and signatures byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_keymint_fixture.h"

static void signs_and_verifies(keymint_fixture *f, kssim_algorithm algorithm, uint32_t key_size, uint32_t digest,
                               uint32_t padding)
{
    sim_auth_list auth = auth_for(algorithm, key_size);
    if (digest != 0)
        auth.digests = digest;
    if (padding != 0)
        auth.paddings = padding;
    test_key k = generate_ok(f, &auth);
    assert_non_null(k.spki);
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    kssim_op_params params = params_of(digest, padding, 0);
    sign_ok(f, &k, &params, "attack at dawn", &sig, &sig_len);
    expect_result(f, verify_public(f, algorithm, &k, digest, padding, "attack at dawn", sig, sig_len), KSSIM_OK);
    expect_result(f, verify_public(f, algorithm, &k, digest, padding, "attack at dusk", sig, sig_len),
                  KSSIM_VERIFICATION_FAILED);
    sig[sig_len / 2] ^= 0x40;
    expect_result(f, verify_public(f, algorithm, &k, digest, padding, "attack at dawn", sig, sig_len),
                  KSSIM_VERIFICATION_FAILED);
    free(sig);
    test_key_free(&k);
}

static void ec_keys_of_every_curve_sign(void **state)
{
    keymint_fixture *f = *state;
    signs_and_verifies(f, KSSIM_ALGORITHM_EC, 256, KSSIM_DIGEST_SHA256, 0);
    signs_and_verifies(f, KSSIM_ALGORITHM_EC, 384, KSSIM_DIGEST_SHA384, 0);
    signs_and_verifies(f, KSSIM_ALGORITHM_EC, 521, KSSIM_DIGEST_SHA512, 0);
    signs_and_verifies(f, KSSIM_ALGORITHM_EC, 256, KSSIM_DIGEST_NONE, 0);
}

static void rsa_keys_of_every_size_sign(void **state)
{
    keymint_fixture *f = *state;
    signs_and_verifies(f, KSSIM_ALGORITHM_RSA, 2048, KSSIM_DIGEST_SHA256, KSSIM_PADDING_PKCS1);
    signs_and_verifies(f, KSSIM_ALGORITHM_RSA, 2048, KSSIM_DIGEST_SHA256, KSSIM_PADDING_PSS);
    signs_and_verifies(f, KSSIM_ALGORITHM_RSA, 3072, KSSIM_DIGEST_SHA384, KSSIM_PADDING_PSS);
    signs_and_verifies(f, KSSIM_ALGORITHM_RSA, 4096, KSSIM_DIGEST_SHA512, KSSIM_PADDING_PKCS1);
    signs_and_verifies(f, KSSIM_ALGORITHM_RSA, 2048, KSSIM_DIGEST_NONE, KSSIM_PADDING_PKCS1);
    signs_and_verifies(f, KSSIM_ALGORITHM_RSA, 2048, KSSIM_DIGEST_NONE, KSSIM_PADDING_NONE);
}

static void ed25519_keys_sign(void **state)
{
    signs_and_verifies(*state, KSSIM_ALGORITHM_ED25519, 256, 0, 0);
}

static void default_size_is_filled_in(void **state)
{
    keymint_fixture *f = *state;
    signs_and_verifies(f, KSSIM_ALGORITHM_EC, 0, KSSIM_DIGEST_SHA256, 0);
    signs_and_verifies(f, KSSIM_ALGORITHM_ED25519, 0, 0, 0);
}

static void encrypts_and_decrypts(keymint_fixture *f, uint32_t key_size, uint32_t block_mode, uint32_t padding,
                                  const char *message)
{
    sim_auth_list auth = auth_for(KSSIM_ALGORITHM_AES, key_size);
    auth.block_modes = block_mode;
    auth.paddings = padding;
    test_key k = generate_ok(f, &auth);
    assert_null(k.spki);
    kssim_op_params params = params_of(0, 0, 0);
    kssim_operation op;
    uint8_t *ciphertext = NULL, *plaintext = NULL;
    size_t ciphertext_len = 0, plaintext_len = 0;
    expect_result(f,
                  run_operation(f, &k, KSSIM_PURPOSE_ENCRYPT, &params, NULL, message, strlen(message), NULL, 0,
                                &ciphertext, &ciphertext_len, &op),
                  KSSIM_OK);
    size_t expected_nonce = block_mode == KSSIM_BLOCK_MODE_GCM ? 12 : block_mode == KSSIM_BLOCK_MODE_ECB ? 0 : 16;
    assert_int_equal(op.nonce_len, expected_nonce);
    if (block_mode == KSSIM_BLOCK_MODE_GCM)
        assert_int_equal(ciphertext_len, strlen(message) + 16);
    params.nonce = op.nonce;
    params.nonce_len = op.nonce_len;
    expect_result(f,
                  run_operation(f, &k, KSSIM_PURPOSE_DECRYPT, &params, NULL, ciphertext, ciphertext_len, NULL, 0,
                                &plaintext, &plaintext_len, NULL),
                  KSSIM_OK);
    assert_int_equal(plaintext_len, strlen(message));
    assert_memory_equal(plaintext, message, plaintext_len);
    free(ciphertext);
    free(plaintext);
    test_key_free(&k);
}

static void aes_keys_encrypt_in_every_mode(void **state)
{
    keymint_fixture *f = *state;
    const char *odd = "fifteen bytes!!", *blocks = "exactly thirty-two bytes long!!!";
    for (uint32_t size = 128; size <= 256; size += 128) {
        encrypts_and_decrypts(f, size, KSSIM_BLOCK_MODE_GCM, KSSIM_PADDING_NONE, odd);
        encrypts_and_decrypts(f, size, KSSIM_BLOCK_MODE_GCM, 0, "");
        encrypts_and_decrypts(f, size, KSSIM_BLOCK_MODE_CBC, KSSIM_PADDING_PKCS7, odd);
        encrypts_and_decrypts(f, size, KSSIM_BLOCK_MODE_CBC, KSSIM_PADDING_NONE, blocks);
        encrypts_and_decrypts(f, size, KSSIM_BLOCK_MODE_CTR, KSSIM_PADDING_NONE, odd);
        encrypts_and_decrypts(f, size, KSSIM_BLOCK_MODE_ECB, KSSIM_PADDING_PKCS7, odd);
        encrypts_and_decrypts(f, size, KSSIM_BLOCK_MODE_ECB, KSSIM_PADDING_NONE, blocks);
    }
}

static void rsa_keys_decrypt_what_the_public_key_encrypted(void **state)
{
    keymint_fixture *f = *state;
    const uint32_t paddings[] = {KSSIM_PADDING_OAEP, KSSIM_PADDING_PKCS1};
    for (size_t i = 0; i < 2; i++) {
        sim_auth_list auth = auth_for(KSSIM_ALGORITHM_RSA, 2048);
        auth.purposes = KSSIM_PURPOSE_ENCRYPT | KSSIM_PURPOSE_DECRYPT;
        auth.paddings = paddings[i];
        auth.digests = KSSIM_DIGEST_SHA256 | KSSIM_DIGEST_SHA512;
        test_key k = generate_ok(f, &auth);
        uint8_t *ciphertext = NULL, *plaintext = NULL;
        size_t ciphertext_len = 0, plaintext_len = 0;
        expect_result(f,
                      sim_public_key_encrypt(&f->env, KSSIM_ALGORITHM_RSA, k.spki, k.spki_len, 0, paddings[i],
                                             (const uint8_t *)"session key", 11, &ciphertext, &ciphertext_len),
                      KSSIM_OK);
        assert_int_equal(ciphertext_len, 256);
        kssim_op_params params = params_of(0, 0, 0);
        expect_result(f,
                      run_operation(f, &k, KSSIM_PURPOSE_DECRYPT, &params, NULL, ciphertext, ciphertext_len, NULL, 0,
                                    &plaintext, &plaintext_len, NULL),
                      KSSIM_OK);
        assert_int_equal(plaintext_len, 11);
        assert_memory_equal(plaintext, "session key", 11);
        free(plaintext);
        /* A ciphertext made for another digest (OAEP) or changed in transit does not decrypt. */
        ciphertext[10] ^= 1;
        expect_result(f,
                      run_operation(f, &k, KSSIM_PURPOSE_DECRYPT, &params, NULL, ciphertext, ciphertext_len, NULL, 0,
                                    &plaintext, &plaintext_len, NULL),
                      KSSIM_INVALID_ARGUMENT);
        assert_null(plaintext);
        free(ciphertext);
        test_key_free(&k);
    }
}

static void hmac_keys_sign_and_verify_inside_keymint(void **state)
{
    keymint_fixture *f = *state;
    const uint32_t sizes[] = {64, 128, 256, 512};
    for (size_t i = 0; i < 4; i++) {
        sim_auth_list auth = auth_for(KSSIM_ALGORITHM_HMAC, sizes[i]);
        auth.digests = i % 2 ? KSSIM_DIGEST_SHA512 : KSSIM_DIGEST_SHA256;
        test_key k = generate_ok(f, &auth);
        assert_null(k.spki);
        uint8_t *mac = NULL, *nothing = NULL;
        size_t mac_len = 0, nothing_len = 0;
        sign_ok(f, &k, NULL, "message", &mac, &mac_len);
        assert_int_equal(mac_len, i % 2 ? 64 : 32);
        expect_result(f,
                      run_operation(f, &k, KSSIM_PURPOSE_VERIFY, NULL, NULL, "message", 7, mac, mac_len, &nothing,
                                    &nothing_len, NULL),
                      KSSIM_OK);
        assert_null(nothing);
        expect_result(f,
                      run_operation(f, &k, KSSIM_PURPOSE_VERIFY, NULL, NULL, "massage", 7, mac, mac_len, &nothing,
                                    &nothing_len, NULL),
                      KSSIM_VERIFICATION_FAILED);
        expect_result(f,
                      run_operation(f, &k, KSSIM_PURPOSE_VERIFY, NULL, NULL, "message", 7, mac, mac_len - 1, &nothing,
                                    &nothing_len, NULL),
                      KSSIM_VERIFICATION_FAILED);
        free(mac);
        test_key_free(&k);
    }
}

/* Generates an EC and an RSA key and signs with each (ECDSA and PSS both draw randomness). */
typedef struct determinism_sample {
    uint8_t *ec_spki, *ec_sig, *rsa_spki, *rsa_sig;
    size_t ec_spki_len, ec_sig_len, rsa_spki_len, rsa_sig_len;
} determinism_sample;

static determinism_sample sample_device(uint64_t seed)
{
    keymint_fixture *f = fixture_new(seed, KSSIM_SECURITY_TEE);
    determinism_sample s;
    sim_auth_list ec = auth_for(KSSIM_ALGORITHM_EC, 256), rsa = auth_for(KSSIM_ALGORITHM_RSA, 2048);
    test_key ec_key = generate_ok(f, &ec), rsa_key = generate_ok(f, &rsa);
    kssim_op_params pss = params_of(0, KSSIM_PADDING_PSS, 0);
    sign_ok(f, &ec_key, NULL, "same input", &s.ec_sig, &s.ec_sig_len);
    sign_ok(f, &rsa_key, &pss, "same input", &s.rsa_sig, &s.rsa_sig_len);
    s.ec_spki = ec_key.spki, s.ec_spki_len = ec_key.spki_len;
    s.rsa_spki = rsa_key.spki, s.rsa_spki_len = rsa_key.spki_len;
    sim_key_blob_free(&ec_key.blob);
    sim_key_blob_free(&rsa_key.blob);
    fixture_free(f);
    return s;
}

static void sample_free(determinism_sample *s)
{
    free(s->ec_spki);
    free(s->ec_sig);
    free(s->rsa_spki);
    free(s->rsa_sig);
}

static void the_same_seed_gives_the_same_keys_and_signatures(void **state)
{
    (void)state;
    determinism_sample a = sample_device(42), b = sample_device(42), c = sample_device(43);
    assert_true(same_bytes(a.ec_spki, a.ec_spki_len, b.ec_spki, b.ec_spki_len));
    assert_true(same_bytes(a.ec_sig, a.ec_sig_len, b.ec_sig, b.ec_sig_len));
    assert_true(same_bytes(a.rsa_spki, a.rsa_spki_len, b.rsa_spki, b.rsa_spki_len));
    assert_true(same_bytes(a.rsa_sig, a.rsa_sig_len, b.rsa_sig, b.rsa_sig_len));
    assert_false(same_bytes(a.ec_spki, a.ec_spki_len, c.ec_spki, c.ec_spki_len));
    assert_false(same_bytes(a.ec_sig, a.ec_sig_len, c.ec_sig, c.ec_sig_len));
    assert_false(same_bytes(a.rsa_spki, a.rsa_spki_len, c.rsa_spki, c.rsa_spki_len));
    assert_false(same_bytes(a.rsa_sig, a.rsa_sig_len, c.rsa_sig, c.rsa_sig_len));
    sample_free(&a);
    sample_free(&b);
    sample_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(ec_keys_of_every_curve_sign, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(rsa_keys_of_every_size_sign, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(ed25519_keys_sign, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(default_size_is_filled_in, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(aes_keys_encrypt_in_every_mode, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(rsa_keys_decrypt_what_the_public_key_encrypted, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(hmac_keys_sign_and_verify_inside_keymint, fixture_setup, fixture_teardown),
        cmocka_unit_test(the_same_seed_gives_the_same_keys_and_signatures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
