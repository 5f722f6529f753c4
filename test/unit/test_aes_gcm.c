/*
 * test_aes_gcm.c - sim_aes_256_gcm (sim/core/aes_gcm.c), which calls the default provider's AES-256-GCM
 * through its dispatch table instead of EVP: the same bytes as EVP_EncryptInit_ex2 with the fetched
 * cipher for every length of data and additional data around a block, decryption back to the plaintext,
 * and a refusal for any changed byte of tag, ciphertext or additional data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "core/aes_gcm.h"

static const size_t lengths[] = {0, 1, 15, 16, 17, 64, 1000};

static void fill(uint8_t *bytes, size_t len, uint8_t seed)
{
    for (size_t i = 0; i < len; i++)
        bytes[i] = (uint8_t)(seed + 31 * i);
}

/* The reference: OpenSSL's EVP with the cipher fetched in the same context. */
static void evp_encrypt(OSSL_LIB_CTX *libctx, const uint8_t *key, const uint8_t *nonce, const uint8_t *aad,
                        size_t aad_len, const uint8_t *in, size_t in_len, uint8_t *out, uint8_t tag[16])
{
    EVP_CIPHER *cipher = EVP_CIPHER_fetch(libctx, "AES-256-GCM", NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0;
    assert_non_null(cipher);
    assert_non_null(ctx);
    assert_int_equal(EVP_EncryptInit_ex2(ctx, cipher, key, nonce, NULL), 1);
    assert_int_equal(EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aad_len), 1);
    assert_int_equal(EVP_EncryptUpdate(ctx, out, &n, in, (int)in_len), 1);
    assert_int_equal(EVP_EncryptFinal_ex(ctx, out + n, &n), 1);
    assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag), 1);
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(cipher);
}

static void same_bytes_as_evp_and_round_trip(void **state)
{
    (void)state;
    sim_crypto crypto;
    assert_int_equal(sim_crypto_init(&crypto, 17), 0);
    uint8_t key[SIM_AES_GCM_KEY_BYTES], nonce[SIM_AES_GCM_NONCE_BYTES];
    fill(key, sizeof(key), 1);
    fill(nonce, sizeof(nonce), 2);
    for (size_t a = 0; a < sizeof(lengths) / sizeof(lengths[0]); a++) {
        for (size_t d = 0; d < sizeof(lengths) / sizeof(lengths[0]); d++) {
            size_t aad_len = lengths[a], len = lengths[d];
            uint8_t aad[1000], in[1000], out[1000], expected[1000], back[1000], tag[16], expected_tag[16];
            fill(aad, aad_len, 3);
            fill(in, len, 4);
            assert_int_equal(sim_aes_256_gcm(&crypto, true, key, nonce, aad, aad_len, in, len, out, tag), 0);
            evp_encrypt(crypto.libctx, key, nonce, aad, aad_len, in, len, expected, expected_tag);
            if (len > 0)
                assert_memory_equal(out, expected, len);
            assert_memory_equal(tag, expected_tag, sizeof(tag));
            assert_int_equal(sim_aes_256_gcm(&crypto, false, key, nonce, aad, aad_len, out, len, back, tag), 0);
            if (len > 0)
                assert_memory_equal(back, in, len);
        }
    }
    sim_crypto_cleanup(&crypto);
}

static void any_changed_byte_is_refused(void **state)
{
    (void)state;
    sim_crypto crypto;
    assert_int_equal(sim_crypto_init(&crypto, 17), 0);
    uint8_t key[SIM_AES_GCM_KEY_BYTES], nonce[SIM_AES_GCM_NONCE_BYTES], aad[20], in[33], out[33], back[33], tag[16];
    fill(key, sizeof(key), 5);
    fill(nonce, sizeof(nonce), 6);
    fill(aad, sizeof(aad), 7);
    fill(in, sizeof(in), 8);
    assert_int_equal(sim_aes_256_gcm(&crypto, true, key, nonce, aad, sizeof(aad), in, sizeof(in), out, tag), 0);
    tag[15] ^= 1;
    assert_int_equal(sim_aes_256_gcm(&crypto, false, key, nonce, aad, sizeof(aad), out, sizeof(out), back, tag), -1);
    tag[15] ^= 1;
    out[0] ^= 0x80;
    assert_int_equal(sim_aes_256_gcm(&crypto, false, key, nonce, aad, sizeof(aad), out, sizeof(out), back, tag), -1);
    out[0] ^= 0x80;
    aad[19] ^= 2;
    assert_int_equal(sim_aes_256_gcm(&crypto, false, key, nonce, aad, sizeof(aad), out, sizeof(out), back, tag), -1);
    aad[19] ^= 2;
    key[0] ^= 1;
    assert_int_equal(sim_aes_256_gcm(&crypto, false, key, nonce, aad, sizeof(aad), out, sizeof(out), back, tag), -1);
    key[0] ^= 1;
    assert_int_equal(sim_aes_256_gcm(&crypto, false, key, nonce, aad, sizeof(aad), out, sizeof(out), back, tag), 0);
    assert_memory_equal(back, in, sizeof(in));
    sim_crypto_cleanup(&crypto);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_bytes_as_evp_and_round_trip),
        cmocka_unit_test(any_changed_byte_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
