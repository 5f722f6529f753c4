/*
 * test_drbg_pinned.c - the simulator's HMAC_DRBG (sim/core/crypto.c) pinned against files, not only
 * against a second run: "same seed, same bytes on every machine" is a claim about these values.
 *
 * - The DRBG is NIST SP 800-90A HMAC_DRBG over SHA-256 without reseeding, prediction resistance or
 *   additional input, so its Generate is checked against the published CAVP vector (HMAC_DRBG.rsp,
 *   no reseed, [SHA-256], PersonalizationStringLen = 0, AdditionalInputLen = 0, COUNT = 0): the state
 *   after Instantiate(entropy || nonce) is computed here from the standard's 10.1.2.2 with OpenSSL's
 *   one-shot HMAC, the device's stream is set to it, and the second 1024-bit Generate must be the
 *   vector's ReturnedBits.
 * - Instantiate from a scenario seed (8 bytes big-endian || "kssim device v1\0") is checked the same way.
 * - A snapshot of the first outputs for seed 1, and of what OpenSSL makes from the stream (an EC P-256
 *   and an RSA-2048 key, an ECDSA signature, then the stream's next value): a change of how many bytes
 *   OpenSSL draws, or in what order, fails here with the new values printed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/x509.h>

#include "core/env.h"

static void hex_decode(const char *hex, uint8_t *out, size_t len)
{
    assert_int_equal(strlen(hex), 2 * len);
    for (size_t i = 0; i < len; i++) {
        unsigned int byte = 0;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &byte), 1);
        out[i] = (uint8_t)byte;
    }
}

/* Compares bytes with a committed hex string; on a difference prints the actual value, which is what a
 * deliberate change would commit instead. */
static void assert_bytes_are(const char *what, const uint8_t *bytes, size_t len, const char *expected_hex)
{
    char actual[2 * 256 + 1];
    assert_true(len <= 256);
    for (size_t i = 0; i < len; i++)
        snprintf(actual + 2 * i, 3, "%02x", bytes[i]);
    if (strcmp(actual, expected_hex) != 0) {
        fprintf(stderr, "%s:\n  expected %s\n  actual   %s\n", what, expected_hex, actual);
        fail();
    }
}

/* SP 800-90A 10.1.2.2 HMAC_DRBG_Update with provided data, written from the standard. */
static void reference_update(sim_drbg *d, const uint8_t *data, size_t data_len)
{
    for (uint8_t round = 0; round < 2; round++) {
        uint8_t message[32 + 1 + 64];
        assert_true(data_len <= 64);
        memcpy(message, d->value, 32);
        message[32] = round;
        memcpy(message + 33, data, data_len);
        unsigned int out_len = 0;
        assert_non_null(HMAC(EVP_sha256(), d->key, 32, message, 33 + data_len, d->key, &out_len));
        assert_non_null(HMAC(EVP_sha256(), d->key, 32, d->value, 32, d->value, &out_len));
    }
}

/* SP 800-90A 10.1.2.3 HMAC_DRBG_Instantiate: Key = 0x00..., V = 0x01..., Update(seed_material). */
static sim_drbg reference_instantiate(const uint8_t *seed_material, size_t len)
{
    sim_drbg d;
    memset(d.key, 0x00, sizeof(d.key));
    memset(d.value, 0x01, sizeof(d.value));
    reference_update(&d, seed_material, len);
    return d;
}

static void generate_matches_the_nist_cavp_vector(void **state)
{
    (void)state;
    /* HMAC_DRBG.rsp (CAVS 14.3, drbgvectors_no_reseed), [SHA-256], COUNT = 0. */
    uint8_t seed_material[32 + 16];
    hex_decode("ca851911349384bffe89de1cbdc46e6831e44d34a4fb935ee285dd14b71a7488", seed_material, 32);
    hex_decode("659ba96c601dc69fc902940805ec0ca8", seed_material + 32, 16);
    static const char returned_bits[] =
        "e528e9abf2dece54d47c7e75e5fe302149f817ea9fb4bee6f4199697d04d5b89d54fbb978a15b5c443c9ec21036d2460"
        "b6f73ebad0dc2aba6e624abf07745bc107694bb7547bb0995f70de25d6b29e2d3011bb19d27676c07162c8b5ccde0668"
        "961df86803482cb37ed6d5c0bb8d50cf1f50d476aa0458bdaba806f48be9dcb8";

    sim_crypto crypto;
    assert_int_equal(sim_crypto_init(&crypto, 1), 0);
    crypto.drbg = reference_instantiate(seed_material, sizeof(seed_material));
    uint8_t out[128];
    sim_random_bytes(&crypto, out, sizeof(out)); /* the vector's first Generate, not checked by CAVP */
    sim_random_bytes(&crypto, out, sizeof(out));
    assert_bytes_are("HMAC_DRBG SHA-256 CAVP COUNT 0 ReturnedBits", out, sizeof(out), returned_bits);
    sim_crypto_cleanup(&crypto);
}

static void a_seed_instantiates_the_standard_drbg(void **state)
{
    (void)state;
    static const uint64_t seeds[] = {0, 1, 7, 0x0123456789abcdefULL, UINT64_MAX};
    for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        uint8_t seed_material[8 + 16] = {0};
        for (int b = 0; b < 8; b++)
            seed_material[b] = (uint8_t)(seeds[i] >> (56 - 8 * b));
        memcpy(seed_material + 8, "kssim device v1", 16); /* with its terminating zero */
        sim_drbg expected = reference_instantiate(seed_material, sizeof(seed_material));
        sim_crypto crypto;
        assert_int_equal(sim_crypto_init(&crypto, seeds[i]), 0);
        assert_memory_equal(crypto.drbg.key, expected.key, 32);
        assert_memory_equal(crypto.drbg.value, expected.value, 32);
        sim_crypto_cleanup(&crypto);
    }
}

static void seed_one_gives_the_pinned_first_outputs(void **state)
{
    (void)state;
    sim_crypto crypto;
    assert_int_equal(sim_crypto_init(&crypto, 1), 0);
    uint8_t first[48];
    sim_random_bytes(&crypto, first, sizeof(first));
    assert_bytes_are(
        "seed 1: first 48 bytes", first, sizeof(first),
        "3d24abe4abc8fb0b918a12e45bfd64ed139e6a0e7bc98f805914f06cdafe484eedc977d057b62341f416a4ef1daaa469");
    uint64_t next = sim_random_u64(&crypto);
    uint8_t next_bytes[8];
    for (int b = 0; b < 8; b++)
        next_bytes[b] = (uint8_t)(next >> (56 - 8 * b));
    assert_bytes_are("seed 1: then sim_random_u64", next_bytes, 8, "6281ee490a4007ba");
    sim_crypto_cleanup(&crypto);
}

static void sha256_of(const uint8_t *data, size_t len, uint8_t out[32])
{
    unsigned int out_len = 0;
    assert_int_equal(EVP_Digest(data, len, out, &out_len, EVP_sha256(), NULL), 1);
}

static void public_key_digest(EVP_PKEY *key, uint8_t out[32])
{
    unsigned char *der = NULL;
    int der_len = i2d_PUBKEY(key, &der);
    assert_true(der_len > 0);
    sha256_of(der, (size_t)der_len, out);
    OPENSSL_free(der);
}

static void openssl_draws_from_the_stream_as_pinned(void **state)
{
    (void)state;
    sim_crypto crypto;
    assert_int_equal(sim_crypto_init(&crypto, 1), 0);
    uint8_t digest[32];

    EVP_PKEY *ec = EVP_PKEY_Q_keygen(crypto.libctx, NULL, "EC", "P-256");
    assert_non_null(ec);
    public_key_digest(ec, digest);
    assert_bytes_are("seed 1: SHA-256 of the first EC P-256 public key", digest, 32,
                     "28218c8afe71402964c5292926313a1f167fa84d58100437dec747e3080264ee");

    EVP_MD_CTX *md = EVP_MD_CTX_new();
    assert_non_null(md);
    assert_int_equal(EVP_DigestSignInit_ex(md, NULL, "SHA256", crypto.libctx, NULL, ec, NULL), 1);
    static const uint8_t message[] = "pinned";
    uint8_t signature[80];
    size_t signature_len = sizeof(signature);
    assert_int_equal(EVP_DigestSign(md, signature, &signature_len, message, sizeof(message) - 1), 1);
    sha256_of(signature, signature_len, digest);
    assert_bytes_are("seed 1: SHA-256 of the ECDSA signature (its nonce drawn from the stream)", digest, 32,
                     "3936eb0d7448ec494a92e79f8dfd022ce49cae1cfa17b39cbc329a716bda3e8c");
    EVP_MD_CTX_free(md);

    EVP_PKEY *rsa = EVP_PKEY_Q_keygen(crypto.libctx, NULL, "RSA", (size_t)2048);
    assert_non_null(rsa);
    public_key_digest(rsa, digest);
    assert_bytes_are("seed 1: SHA-256 of the RSA-2048 public key (its primes drawn from the stream)", digest, 32,
                     "55083b352b5258de186e7ab72a59850749b3fd20564e3e45e03055bb1c593da7");

    /* Where the stream stands after OpenSSL's draws: a changed count of bytes drawn moves this. */
    uint8_t after[16];
    sim_random_bytes(&crypto, after, sizeof(after));
    assert_bytes_are("seed 1: the stream after the keys and the signature", after, sizeof(after),
                     "807f82cd19dc980b6deeff47b8d01997");

    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ec);
    sim_crypto_cleanup(&crypto);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(generate_matches_the_nist_cavp_vector),
        cmocka_unit_test(a_seed_instantiates_the_standard_drbg),
        cmocka_unit_test(seed_one_gives_the_pinned_first_outputs),
        cmocka_unit_test(openssl_draws_from_the_stream_as_pinned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
