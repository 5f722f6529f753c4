/*
 * test_ecdsa_encoding.c - DER and P1363 (r || s) ECDSA signatures (sim/core/ecdsa_encoding.c): the
 * fixed lengths of ES256/ES384/ES512, the leading zeros a short r or s needs, a round trip through
 * OpenSSL's own signatures on every curve, and the inputs that must be refused (trailing bytes, a half
 * too long for the curve, the wrong length, r or s zero, a curve KeyMint does not hold).
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
#include <openssl/evp.h>

#include "core/ecdsa_encoding.h"

static void lengths_are_the_jws_ones(void **state)
{
    (void)state;
    assert_int_equal(ecdsa_p1363_length(256), 64);
    assert_int_equal(ecdsa_p1363_length(384), 96);
    assert_int_equal(ecdsa_p1363_length(521), 132); /* 66 bytes a half, not 65 */
    assert_int_equal(ecdsa_p1363_length(224), 0);
    assert_int_equal(ecdsa_p1363_length(0), 0);
}

/* DER of SEQUENCE { INTEGER r, INTEGER s } built by OpenSSL from the given halves. */
static size_t der_of(const uint8_t *r, size_t r_len, const uint8_t *s, size_t s_len, uint8_t *out)
{
    ECDSA_SIG *signature = ECDSA_SIG_new();
    assert_non_null(signature);
    assert_int_equal(ECDSA_SIG_set0(signature, BN_bin2bn(r, (int)r_len, NULL), BN_bin2bn(s, (int)s_len, NULL)), 1);
    unsigned char *cursor = out;
    int len = i2d_ECDSA_SIG(signature, &cursor);
    ECDSA_SIG_free(signature);
    assert_true(len > 0);
    return (size_t)len;
}

static void short_halves_are_padded_with_leading_zeros(void **state)
{
    (void)state;
    const uint8_t r[] = {0x01, 0x02};
    uint8_t s[32];
    memset(s, 0xff, sizeof(s)); /* needs a 0x00 in DER, none in P1363 */
    uint8_t der[80];
    size_t der_len = der_of(r, sizeof(r), s, sizeof(s), der);
    uint8_t raw[64];
    assert_true(ecdsa_der_to_p1363(der, der_len, 256, raw));
    for (size_t i = 0; i < 30; i++)
        assert_int_equal(raw[i], 0);
    assert_int_equal(raw[30], 0x01);
    assert_int_equal(raw[31], 0x02);
    assert_memory_equal(raw + 32, s, 32);

    uint8_t *back = NULL;
    size_t back_len = 0;
    assert_true(ecdsa_p1363_to_der(raw, sizeof(raw), 256, &back, &back_len));
    assert_int_equal(back_len, der_len);
    assert_memory_equal(back, der, der_len);
    free(back);
}

/* A real signature on each curve survives DER -> P1363 -> DER and still verifies. */
static void real_signatures_round_trip_on_every_curve(void **state)
{
    (void)state;
    const struct {
        const char *group;
        uint32_t bits;
        const char *digest;
    } curves[] = {{"P-256", 256, "SHA256"}, {"P-384", 384, "SHA384"}, {"P-521", 521, "SHA512"}};
    const unsigned char message[] = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9";
    for (size_t c = 0; c < sizeof(curves) / sizeof(curves[0]); c++) {
        EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curves[c].group);
        assert_non_null(key);
        /* Several signatures, so that some have an r or s shorter than the curve. */
        for (int round = 0; round < 8; round++) {
            EVP_MD_CTX *ctx = EVP_MD_CTX_new();
            uint8_t der[160];
            size_t der_len = sizeof(der);
            assert_int_equal(EVP_DigestSignInit_ex(ctx, NULL, curves[c].digest, NULL, NULL, key, NULL), 1);
            assert_int_equal(EVP_DigestSign(ctx, der, &der_len, message, sizeof(message) - 1), 1);
            EVP_MD_CTX_free(ctx);

            uint8_t raw[132];
            assert_true(ecdsa_der_to_p1363(der, der_len, curves[c].bits, raw));
            uint8_t *back = NULL;
            size_t back_len = 0;
            assert_true(ecdsa_p1363_to_der(raw, ecdsa_p1363_length(curves[c].bits), curves[c].bits, &back, &back_len));
            assert_int_equal(back_len, der_len);
            assert_memory_equal(back, der, der_len);

            ctx = EVP_MD_CTX_new();
            assert_int_equal(EVP_DigestVerifyInit_ex(ctx, NULL, curves[c].digest, NULL, NULL, key, NULL), 1);
            assert_int_equal(EVP_DigestVerify(ctx, back, back_len, message, sizeof(message) - 1), 1);
            EVP_MD_CTX_free(ctx);
            free(back);
        }
        EVP_PKEY_free(key);
    }
}

static void malformed_inputs_are_refused(void **state)
{
    (void)state;
    uint8_t r[32], s[32];
    memset(r, 0x11, sizeof(r));
    memset(s, 0x22, sizeof(s));
    uint8_t der[90];
    size_t der_len = der_of(r, sizeof(r), s, sizeof(s), der);
    uint8_t raw[132];
    assert_true(ecdsa_der_to_p1363(der, der_len, 256, raw));

    der[der_len] = 0x00; /* a trailing byte */
    assert_false(ecdsa_der_to_p1363(der, der_len + 1, 256, raw));
    assert_false(ecdsa_der_to_p1363(der, der_len - 1, 256, raw)); /* cut short */
    assert_false(ecdsa_der_to_p1363(der, der_len, 224, raw));     /* no such KeyMint curve */
    assert_false(ecdsa_der_to_p1363(NULL, 0, 256, raw));

    uint8_t long_r[33];
    memset(long_r, 0x33, sizeof(long_r)); /* 33 bytes cannot be a P-256 half */
    der_len = der_of(long_r, sizeof(long_r), s, sizeof(s), der);
    assert_false(ecdsa_der_to_p1363(der, der_len, 256, raw));
    assert_true(ecdsa_der_to_p1363(der, der_len, 384, raw)); /* but fits P-384 */

    uint8_t *back = (uint8_t *)1;
    size_t back_len = 1;
    uint8_t p1363[64];
    memset(p1363, 0x44, sizeof(p1363));
    assert_false(ecdsa_p1363_to_der(p1363, 63, 256, &back, &back_len)); /* a DER-sized guess is not r||s */
    assert_null(back);
    assert_int_equal(back_len, 0);
    assert_false(ecdsa_p1363_to_der(p1363, 64, 384, &back, &back_len));
    memset(p1363, 0, 32); /* r = 0 */
    assert_false(ecdsa_p1363_to_der(p1363, 64, 256, &back, &back_len));
    assert_null(back);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lengths_are_the_jws_ones),
        cmocka_unit_test(short_halves_are_padded_with_leading_zeros),
        cmocka_unit_test(real_signatures_round_trip_on_every_curve),
        cmocka_unit_test(malformed_inputs_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
