/*
 * test_key_agreement.c - ECDH on the device (KeyPurpose AGREE_KEY), through the public device API:
 * both sides reach the secret OpenSSL computes in software, peers on another curve or in another
 * encoding are refused, and an agreement key needs the user as any other operation does.
 *
 * The rules are the reference TA's (system/keymint ta/src/operation.rs; VTS KeyMintTest.cpp
 * KeyAgreementTest.Ecdh): the input is the peer's DER SubjectPublicKeyInfo, the output the raw secret,
 * a peer key on another curve gives INVALID_ARGUMENT, and RSA keys cannot be made to agree
 * (UNSUPPORTED_PURPOSE).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <kssim/kssim.h>
#include "../device_fixture.h"

static kssim_device *new_device(void)
{
    kssim_config config;
    kssim_config_default(&config);
    config.seed = 11;
    kssim_device *device = NULL;
    assert_int_equal(kssim_device_create(&config, &device), KSSIM_OK);
    return device;
}

static void generate_agreement_key(kssim_device *device, const char *alias, uint32_t bits, uint32_t purposes)
{
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    strcpy(spec.alias, alias);
    spec.size = bits;
    spec.purposes = purposes;
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
}

/* Begins and finishes one agreement; *secret is the device's output (kssim_free it). */
static kssim_result agree(kssim_device *device, const char *alias, const uint8_t *peer, size_t peer_len,
                          uint8_t **secret, size_t *secret_len)
{
    kssim_operation op;
    kssim_result r = kssim_begin(device, alias, KSSIM_PURPOSE_AGREE_KEY, NULL, &op);
    if (r != KSSIM_OK)
        return r;
    return kssim_finish(device, op.handle, peer, peer_len, NULL, 0, secret, secret_len);
}

static void both_sides_reach_the_secret_software_computes(void **state)
{
    (void)state;
    kssim_device *device = new_device();
    generate_agreement_key(device, "a", 256, KSSIM_PURPOSE_AGREE_KEY);
    generate_agreement_key(device, "b", 256, KSSIM_PURPOSE_AGREE_KEY | KSSIM_PURPOSE_SIGN);
    uint8_t *a_public = NULL, *b_public = NULL, *ab = NULL, *ba = NULL;
    size_t a_len = 0, b_len = 0, ab_len = 0, ba_len = 0;
    assert_int_equal(kssim_export_public(device, "a", &a_public, &a_len), KSSIM_OK);
    assert_int_equal(kssim_export_public(device, "b", &b_public, &b_len), KSSIM_OK);
    assert_int_equal(agree(device, "a", b_public, b_len, &ab, &ab_len), KSSIM_OK);
    assert_int_equal(agree(device, "b", a_public, a_len, &ba, &ba_len), KSSIM_OK);
    assert_int_equal(ab_len, 32);
    assert_int_equal(ba_len, ab_len);
    assert_memory_equal(ab, ba, ab_len);

    /* A software peer: the device's secret is the one OpenSSL derives on the other side. */
    EVP_PKEY *software = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(software);
    uint8_t *software_public = NULL;
    int software_len = i2d_PUBKEY(software, &software_public);
    assert_true(software_len > 0);
    uint8_t *device_secret = NULL;
    size_t device_secret_len = 0;
    assert_int_equal(agree(device, "a", software_public, (size_t)software_len, &device_secret, &device_secret_len),
                     KSSIM_OK);
    const unsigned char *cursor = a_public;
    EVP_PKEY *a_key = d2i_PUBKEY(NULL, &cursor, (long)a_len);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(software, NULL);
    uint8_t expected[32];
    size_t expected_len = sizeof(expected);
    assert_int_equal(EVP_PKEY_derive_init(ctx), 1);
    assert_int_equal(EVP_PKEY_derive_set_peer(ctx, a_key), 1);
    assert_int_equal(EVP_PKEY_derive(ctx, expected, &expected_len), 1);
    assert_int_equal(device_secret_len, expected_len);
    assert_memory_equal(device_secret, expected, expected_len);

    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(a_key);
    EVP_PKEY_free(software);
    OPENSSL_free(software_public);
    kssim_free(device_secret);
    kssim_free(a_public);
    kssim_free(b_public);
    kssim_free(ab);
    kssim_free(ba);
    kssim_device_free(device);
}

static void peers_on_other_curves_or_encodings_are_refused(void **state)
{
    (void)state;
    kssim_device *device = new_device();
    generate_agreement_key(device, "p256", 256, KSSIM_PURPOSE_AGREE_KEY);
    generate_agreement_key(device, "p384", 384, KSSIM_PURPOSE_AGREE_KEY);
    uint8_t *p384_public = NULL, *secret = NULL;
    size_t p384_len = 0, secret_len = 0;
    assert_int_equal(kssim_export_public(device, "p384", &p384_public, &p384_len), KSSIM_OK);
    assert_int_equal(agree(device, "p256", p384_public, p384_len, &secret, &secret_len), KSSIM_INVALID_ARGUMENT);
    assert_non_null(strstr(kssim_device_message(device), "same curve"));
    assert_null(secret);

    static const uint8_t not_a_key[] = "not a SubjectPublicKeyInfo";
    assert_int_equal(agree(device, "p256", not_a_key, sizeof(not_a_key), &secret, &secret_len), KSSIM_INVALID_ARGUMENT);
    assert_int_equal(agree(device, "p256", NULL, 0, &secret, &secret_len), KSSIM_INVALID_ARGUMENT);

    /* One trailing byte makes it more than one SubjectPublicKeyInfo. */
    uint8_t padded[200];
    memcpy(padded, p384_public, p384_len);
    padded[p384_len] = 0;
    assert_int_equal(agree(device, "p384", padded, p384_len + 1, &secret, &secret_len), KSSIM_INVALID_ARGUMENT);
    kssim_free(p384_public);
    kssim_device_free(device);
}

static void only_ec_keys_made_for_agreement_agree(void **state)
{
    (void)state;
    kssim_device *device = new_device();
    generate_agreement_key(device, "signer", 256, KSSIM_PURPOSE_SIGN | KSSIM_PURPOSE_VERIFY);
    kssim_operation op;
    assert_int_equal(kssim_begin(device, "signer", KSSIM_PURPOSE_AGREE_KEY, NULL, &op), KSSIM_INCOMPATIBLE_PURPOSE);

    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_RSA);
    strcpy(spec.alias, "rsa");
    spec.purposes |= KSSIM_PURPOSE_AGREE_KEY; /* keystore2_client_rsa_key_tests.rs: UNSUPPORTED_PURPOSE */
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_UNSUPPORTED_PURPOSE);
    spec.purposes &= ~KSSIM_PURPOSE_AGREE_KEY;
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
    /* keystore2 checks the key's purposes before KeyMint sees the operation (enforcements.rs). */
    assert_int_equal(kssim_begin(device, "rsa", KSSIM_PURPOSE_AGREE_KEY, NULL, &op), KSSIM_INCOMPATIBLE_PURPOSE);
    kssim_device_free(device);
}

static void a_per_operation_agreement_waits_for_the_user(void **state)
{
    (void)state;
    kssim_device *device = new_device();
    fixture_set_pin_and_strong_fingerprint(device);
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    strcpy(spec.alias, "agree");
    spec.purposes = KSSIM_PURPOSE_AGREE_KEY;
    spec.user_auth = true;
    spec.auth_timeout_s = 0;
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
    generate_agreement_key(device, "peer", 256, KSSIM_PURPOSE_AGREE_KEY);
    uint8_t *peer = NULL, *secret = NULL;
    size_t peer_len = 0, secret_len = 0;
    assert_int_equal(kssim_export_public(device, "peer", &peer, &peer_len), KSSIM_OK);

    kssim_operation op;
    assert_int_equal(kssim_begin(device, "agree", KSSIM_PURPOSE_AGREE_KEY, NULL, &op), KSSIM_OK);
    assert_true(op.needs_per_op_auth);
    assert_int_equal(kssim_finish(device, op.handle, peer, peer_len, NULL, 0, &secret, &secret_len),
                     KSSIM_KEY_USER_NOT_AUTHENTICATED);
    /* That refusal ended the operation: a new one, authenticated before its finish. */
    assert_int_equal(kssim_begin(device, "agree", KSSIM_PURPOSE_AGREE_KEY, NULL, &op), KSSIM_OK);
    assert_int_equal(kssim_authenticate_biometric(device, 1, op.challenge, NULL), KSSIM_OK);
    assert_int_equal(kssim_finish(device, op.handle, peer, peer_len, NULL, 0, &secret, &secret_len), KSSIM_OK);
    assert_int_equal(secret_len, 32);
    kssim_free(secret);
    kssim_free(peer);
    kssim_device_free(device);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(both_sides_reach_the_secret_software_computes),
        cmocka_unit_test(peers_on_other_curves_or_encodings_are_refused),
        cmocka_unit_test(only_ec_keys_made_for_agreement_agree),
        cmocka_unit_test(a_per_operation_agreement_waits_for_the_user),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
