/*
 * test_keymint_key_cache.c - KeyMint's cache of opened blobs (sim/secure/keymint_key_cache.c) changes
 * nothing a caller can see: a device that keeps its parsed keys for many operations gives, byte for
 * byte, the signatures, plaintexts and later random values of a device that parses its blobs again for
 * every operation, as a new process does with a device on disk.
 *
 * RSA is the case that matters: the one key object KeyMint keeps sets its blinding up at its first use
 * and renews it every 32 uses, and those draws must not come from the device's stream
 * (sim_random_begin_rsa_private_key_use in sim/core/crypto.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "test_keymint_fixture.h"
#include "secure/keymint_internal.h"

/* More operations than OpenSSL's blinding renewal interval (32 uses), so a kept key object renews its
 * blinding at least once during the test. */
#define OPERATIONS 70

static void expect_ok(keymint_fixture *f, kssim_result r)
{
    if (r != KSSIM_OK)
        fail_msg("%s: %s", kssim_result_name(r), f->env.message);
}

/* OAEP-SHA-256 encryption under the key's public half, as an app encrypts (outside the device). */
static uint8_t *encrypt_for(const test_key *k, const char *plaintext, size_t *len)
{
    const uint8_t *p = k->spki;
    EVP_PKEY *pub = d2i_PUBKEY(NULL, &p, (long)k->spki_len);
    EVP_PKEY_CTX *ctx = pub != NULL ? EVP_PKEY_CTX_new(pub, NULL) : NULL;
    uint8_t *out = NULL;
    int ok = ctx != NULL && EVP_PKEY_encrypt_init(ctx) > 0 &&
             EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) > 0 &&
             EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, "SHA256", NULL) > 0 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, "SHA256", NULL) > 0 &&
             EVP_PKEY_encrypt(ctx, NULL, len, (const uint8_t *)plaintext, strlen(plaintext)) > 0 &&
             (out = malloc(*len)) != NULL &&
             EVP_PKEY_encrypt(ctx, out, len, (const uint8_t *)plaintext, strlen(plaintext)) > 0;
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pub);
    assert_true(ok);
    return out;
}

/* The i-th operation of the sequence both devices run: PSS, PKCS#1 and undigested PKCS#1 signatures
 * and OAEP decryptions, in turn. */
static kssim_result operation(keymint_fixture *f, const test_key *signing, const test_key *decrypting,
                              const uint8_t *ciphertext, size_t ciphertext_len, int i, uint8_t **out, size_t *out_len)
{
    char message[32];
    snprintf(message, sizeof(message), "message %d", i);
    kssim_op_params params;
    switch (i % 4) {
    case 0:
        params = params_of(KSSIM_DIGEST_SHA256, KSSIM_PADDING_PSS, 0);
        return sign(f, signing, &params, message, out, out_len);
    case 1:
        params = params_of(KSSIM_DIGEST_SHA256, KSSIM_PADDING_PKCS1, 0);
        return sign(f, signing, &params, message, out, out_len);
    case 2:
        params = params_of(KSSIM_DIGEST_NONE, KSSIM_PADDING_PKCS1, 0);
        return sign(f, signing, &params, message, out, out_len);
    default:
        params = params_of(KSSIM_DIGEST_SHA256, KSSIM_PADDING_OAEP, 0);
        return run_operation(f, decrypting, KSSIM_PURPOSE_DECRYPT, &params, NULL, ciphertext, ciphertext_len, NULL, 0,
                             out, out_len, NULL);
    }
}

static void rsa_results_do_not_depend_on_how_long_the_key_object_was_kept(void **state)
{
    (void)state;
    keymint_fixture *kept = fixture_new(TEST_SEED, KSSIM_SECURITY_TEE);
    keymint_fixture *parsed = fixture_new(TEST_SEED, KSSIM_SECURITY_TEE);
    sim_auth_list signing_auth = auth_for(KSSIM_ALGORITHM_RSA, 2048);
    signing_auth.digests = KSSIM_DIGEST_NONE | KSSIM_DIGEST_SHA256;
    sim_auth_list decrypting_auth = auth_for(KSSIM_ALGORITHM_RSA, 2048);
    decrypting_auth.purposes = KSSIM_PURPOSE_DECRYPT;
    decrypting_auth.paddings = KSSIM_PADDING_OAEP;
    test_key kept_signing = generate_ok(kept, &signing_auth), kept_decrypting = generate_ok(kept, &decrypting_auth);
    test_key parsed_signing = generate_ok(parsed, &signing_auth);
    test_key parsed_decrypting = generate_ok(parsed, &decrypting_auth);
    assert_true(
        same_bytes(kept_signing.blob.data, kept_signing.blob.len, parsed_signing.blob.data, parsed_signing.blob.len));
    size_t ciphertext_len = 0;
    uint8_t *ciphertext = encrypt_for(&kept_decrypting, "a session key", &ciphertext_len);

    for (int i = 0; i < OPERATIONS; i++) {
        /* What a new process opening a device on disk starts with: nothing parsed. */
        keymint_key_cache_clear(parsed->sw.keymint);
        uint8_t *a = NULL, *b = NULL;
        size_t a_len = 0, b_len = 0;
        expect_ok(kept, operation(kept, &kept_signing, &kept_decrypting, ciphertext, ciphertext_len, i, &a, &a_len));
        expect_ok(parsed,
                  operation(parsed, &parsed_signing, &parsed_decrypting, ciphertext, ciphertext_len, i, &b, &b_len));
        if (!same_bytes(a, a_len, b, b_len))
            fail_msg("operation %d: a kept key object gave another result than a freshly parsed one", i);
        if (i % 4 == 3)
            assert_true(same_bytes(a, a_len, (const uint8_t *)"a session key", strlen("a session key")));
        free(a);
        free(b);
    }
    assert_non_null(keymint_key_cache_find(&kept->sw, &kept_signing.blob));
    /* The devices' streams are where each other's are: every later nonce, handle and salt agrees. */
    assert_true(sim_random_u64(&kept->env.crypto) == sim_random_u64(&parsed->env.crypto));

    free(ciphertext);
    test_key_free(&kept_signing);
    test_key_free(&kept_decrypting);
    test_key_free(&parsed_signing);
    test_key_free(&parsed_decrypting);
    fixture_free(kept);
    fixture_free(parsed);
}

/* The same for EC and Ed25519, whose key objects keep nothing between uses and whose kept signing
 * contexts are copied (ECDSA) or shared (Ed25519). */
static void ec_and_ed25519_results_do_not_depend_on_the_cache(void **state)
{
    (void)state;
    kssim_algorithm algorithms[] = {KSSIM_ALGORITHM_EC, KSSIM_ALGORITHM_ED25519};
    for (size_t n = 0; n < sizeof(algorithms) / sizeof(algorithms[0]); n++) {
        keymint_fixture *kept = fixture_new(TEST_SEED, KSSIM_SECURITY_TEE);
        keymint_fixture *parsed = fixture_new(TEST_SEED, KSSIM_SECURITY_TEE);
        sim_auth_list auth = auth_for(algorithms[n], 256);
        test_key kept_key = generate_ok(kept, &auth), parsed_key = generate_ok(parsed, &auth);
        kssim_op_params params = params_of(auth.digests == KSSIM_DIGEST_NONE ? 0 : KSSIM_DIGEST_SHA256, 0, 0);
        for (int i = 0; i < 8; i++) {
            keymint_key_cache_clear(parsed->sw.keymint);
            uint8_t *a = NULL, *b = NULL;
            size_t a_len = 0, b_len = 0;
            sign_ok(kept, &kept_key, &params, "the same message", &a, &a_len);
            sign_ok(parsed, &parsed_key, &params, "the same message", &b, &b_len);
            if (!same_bytes(a, a_len, b, b_len))
                fail_msg("%s signature %d differs with a kept key", sim_algorithm_name(algorithms[n]), i);
            free(a);
            free(b);
        }
        assert_true(sim_random_u64(&kept->env.crypto) == sim_random_u64(&parsed->env.crypto));
        test_key_free(&kept_key);
        test_key_free(&parsed_key);
        fixture_free(kept);
        fixture_free(parsed);
    }
}

#define TEST(name) cmocka_unit_test(name)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(rsa_results_do_not_depend_on_how_long_the_key_object_was_kept),
        TEST(ec_and_ed25519_results_do_not_depend_on_the_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
