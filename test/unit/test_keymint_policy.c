/*
 * test_keymint_policy.c - what KeyMint refuses to generate or import: unsupported algorithms, sizes,
 * purposes, digests, block modes and paddings, StrongBox on a device without one and StrongBox's
 * narrower limits; and imports of PEM and DER keys that must match the policy they come with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "test_keymint_fixture.h"

static kssim_result try_generate(keymint_fixture *f, sim_auth_list auth)
{
    sim_key_blob blob = {0};
    uint8_t *spki = NULL;
    size_t spki_len = 0;
    kssim_result r = sim_keymint_generate_key(&f->sw, &auth, &blob, &spki, &spki_len);
    if (r != KSSIM_OK) {
        assert_null(blob.data);
        assert_null(spki);
    }
    sim_key_blob_free(&blob);
    free(spki);
    return r;
}

static void unsupported_algorithms_and_sizes_are_refused(void **state)
{
    keymint_fixture *f = *state;
    expect_result(f, try_generate(f, auth_for((kssim_algorithm)2, 256)), KSSIM_UNSUPPORTED_ALGORITHM);
    expect_result(f, try_generate(f, auth_for(KSSIM_ALGORITHM_EC, 192)), KSSIM_UNSUPPORTED_KEY_SIZE);
    expect_result(f, try_generate(f, auth_for(KSSIM_ALGORITHM_EC, 512)), KSSIM_UNSUPPORTED_KEY_SIZE);
    expect_result(f, try_generate(f, auth_for(KSSIM_ALGORITHM_RSA, 1024)), KSSIM_UNSUPPORTED_KEY_SIZE);
    expect_result(f, try_generate(f, auth_for(KSSIM_ALGORITHM_RSA, 2047)), KSSIM_UNSUPPORTED_KEY_SIZE);
    /* KeyMintAidlTestBase.cpp InvalidKeySizes(AES) for a TEE: 64, 96, 131, 512. */
    expect_result(f, try_generate(f, auth_for(KSSIM_ALGORITHM_AES, 64)), KSSIM_UNSUPPORTED_KEY_SIZE);
    expect_result(f, try_generate(f, auth_for(KSSIM_ALGORITHM_AES, 96)), KSSIM_UNSUPPORTED_KEY_SIZE);
    expect_result(f, try_generate(f, auth_for(KSSIM_ALGORITHM_AES, 131)), KSSIM_UNSUPPORTED_KEY_SIZE);
    expect_result(f, try_generate(f, auth_for(KSSIM_ALGORITHM_AES, 512)), KSSIM_UNSUPPORTED_KEY_SIZE);
    expect_result(f, try_generate(f, auth_for(KSSIM_ALGORITHM_ED25519, 255)), KSSIM_UNSUPPORTED_KEY_SIZE);
    /* KeyMintTest.cpp HmacCheckKeySizes: below 64, above 512 or not whole bytes. */
    expect_result(f, try_generate(f, auth_for(KSSIM_ALGORITHM_HMAC, 56)), KSSIM_UNSUPPORTED_KEY_SIZE);
    expect_result(f, try_generate(f, auth_for(KSSIM_ALGORITHM_HMAC, 260)), KSSIM_UNSUPPORTED_KEY_SIZE);
    expect_result(f, try_generate(f, auth_for(KSSIM_ALGORITHM_HMAC, 520)), KSSIM_UNSUPPORTED_KEY_SIZE);
    assert_non_null(strstr(f->env.message, "520 bits"));
}

/* R-KEY-SIZES-TEE: every size IKeyMintDevice.aidl requires of a TEE generates, and the key works. */
static void every_size_a_tee_must_support_generates(void **state)
{
    keymint_fixture *f = *state;
    struct {
        kssim_algorithm algorithm;
        uint32_t size;
    } cases[] = {
        {KSSIM_ALGORITHM_EC, 224},   {KSSIM_ALGORITHM_EC, 256},   {KSSIM_ALGORITHM_EC, 384},
        {KSSIM_ALGORITHM_EC, 521},   {KSSIM_ALGORITHM_RSA, 2048}, {KSSIM_ALGORITHM_AES, 128},
        {KSSIM_ALGORITHM_AES, 192},  {KSSIM_ALGORITHM_AES, 256},  {KSSIM_ALGORITHM_HMAC, 64},
        {KSSIM_ALGORITHM_HMAC, 136}, {KSSIM_ALGORITHM_HMAC, 512}, {KSSIM_ALGORITHM_ED25519, 256},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sim_auth_list a = auth_for(cases[i].algorithm, cases[i].size);
        test_key k = generate_ok(f, &a);
        sim_auth_list stored;
        expect_result(f, sim_keymint_get_key_characteristics(&f->sw, &k.blob, &stored), KSSIM_OK);
        assert_int_equal(stored.key_size, cases[i].size);
        test_key_free(&k);
    }
}

/* R-KEY-SIZE-DEFAULT: no size gives the framework's default (AES 128, HMAC the digest's output size). */
static void a_key_without_a_size_gets_the_frameworks_default(void **state)
{
    keymint_fixture *f = *state;
    struct {
        kssim_algorithm algorithm;
        uint32_t digest;
        uint32_t expected;
    } cases[] = {
        {KSSIM_ALGORITHM_EC, KSSIM_DIGEST_SHA256, 256},
        {KSSIM_ALGORITHM_RSA, KSSIM_DIGEST_SHA256, 2048},
        {KSSIM_ALGORITHM_AES, 0, 128},
        {KSSIM_ALGORITHM_HMAC, KSSIM_DIGEST_SHA1, 160},
        {KSSIM_ALGORITHM_HMAC, KSSIM_DIGEST_SHA224, 224},
        {KSSIM_ALGORITHM_HMAC, KSSIM_DIGEST_SHA256, 256},
        {KSSIM_ALGORITHM_HMAC, KSSIM_DIGEST_SHA384, 384},
        {KSSIM_ALGORITHM_HMAC, KSSIM_DIGEST_SHA512, 512},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sim_auth_list a = auth_for(cases[i].algorithm, 0);
        if (cases[i].digest != 0)
            a.digests = cases[i].digest;
        test_key k = generate_ok(f, &a);
        sim_auth_list stored;
        expect_result(f, sim_keymint_get_key_characteristics(&f->sw, &k.blob, &stored), KSSIM_OK);
        assert_int_equal(stored.key_size, cases[i].expected);
        test_key_free(&k);
    }
}

static void purposes_the_algorithm_cannot_serve_are_refused(void **state)
{
    keymint_fixture *f = *state;
    sim_auth_list ec = auth_for(KSSIM_ALGORITHM_EC, 256);
    ec.purposes |= KSSIM_PURPOSE_ENCRYPT;
    expect_result(f, try_generate(f, ec), KSSIM_UNSUPPORTED_PURPOSE);
    assert_non_null(strstr(f->env.message, "ec keys cannot encrypt"));
    sim_auth_list rsa = auth_for(KSSIM_ALGORITHM_RSA, 2048);
    rsa.purposes |= KSSIM_PURPOSE_AGREE_KEY;
    expect_result(f, try_generate(f, rsa), KSSIM_UNSUPPORTED_PURPOSE);
    sim_auth_list ed = auth_for(KSSIM_ALGORITHM_ED25519, 256);
    ed.purposes = KSSIM_PURPOSE_DECRYPT;
    expect_result(f, try_generate(f, ed), KSSIM_UNSUPPORTED_PURPOSE);
    sim_auth_list aes = auth_for(KSSIM_ALGORITHM_AES, 128);
    aes.purposes = KSSIM_PURPOSE_AGREE_KEY;
    expect_result(f, try_generate(f, aes), KSSIM_UNSUPPORTED_PURPOSE);
    /* Ed25519 signing and X25519 agreement in one key: incompatible (KeyMintTest.cpp
     * EcdsaCurve25519MultiPurposeFail). */
    ed.purposes = KSSIM_PURPOSE_SIGN | KSSIM_PURPOSE_AGREE_KEY;
    expect_result(f, try_generate(f, ed), KSSIM_INCOMPATIBLE_PURPOSE);
    ed.purposes = KSSIM_PURPOSE_AGREE_KEY;
    expect_result(f, try_generate(f, ed), KSSIM_UNSUPPORTED_PURPOSE);
    /* An AES key may list SIGN and VERIFY; only its begin is refused (KeyMintTest.cpp AesEcbSign). */
    aes.purposes = KSSIM_PURPOSE_SIGN | KSSIM_PURPOSE_VERIFY | KSSIM_PURPOSE_ENCRYPT;
    expect_result(f, try_generate(f, aes), KSSIM_OK);
    sim_auth_list none = auth_for(KSSIM_ALGORITHM_HMAC, 256);
    none.purposes = 0;
    expect_result(f, try_generate(f, none), KSSIM_UNSUPPORTED_PURPOSE);
    /* EC keys may agree keys, even if the simulated KeyMint runs no agreement operation. */
    ec = auth_for(KSSIM_ALGORITHM_EC, 256);
    ec.purposes |= KSSIM_PURPOSE_AGREE_KEY;
    expect_result(f, try_generate(f, ec), KSSIM_OK);
}

static void modes_paddings_and_digests_that_do_not_apply_are_refused(void **state)
{
    keymint_fixture *f = *state;
    sim_auth_list a = auth_for(KSSIM_ALGORITHM_EC, 256);
    a.block_modes = KSSIM_BLOCK_MODE_GCM;
    expect_result(f, try_generate(f, a), KSSIM_INCOMPATIBLE_BLOCK_MODE);
    a = auth_for(KSSIM_ALGORITHM_EC, 256);
    a.paddings = KSSIM_PADDING_PSS;
    expect_result(f, try_generate(f, a), KSSIM_INCOMPATIBLE_PADDING_MODE);
    /* KeyMint checks no RSA padding at generation (KeyMintTest.cpp SigningOperationsTest.RsaUnsupportedPadding):
     * the begin that asks for PKCS7 is refused instead. */
    a = auth_for(KSSIM_ALGORITHM_RSA, 2048);
    a.paddings = KSSIM_PADDING_PKCS7;
    expect_result(f, try_generate(f, a), KSSIM_OK);
    a = auth_for(KSSIM_ALGORITHM_AES, 256);
    a.paddings = KSSIM_PADDING_PKCS7; /* GCM only: nothing to pad, yet made (KeyMintTest.cpp
                                       * AesCtrIncompatiblePaddingMode); its begin is refused */
    expect_result(f, try_generate(f, a), KSSIM_OK);
    a.block_modes |= KSSIM_BLOCK_MODE_CBC;
    expect_result(f, try_generate(f, a), KSSIM_OK);
    a = auth_for(KSSIM_ALGORITHM_AES, 256);
    a.paddings = KSSIM_PADDING_OAEP;
    expect_result(f, try_generate(f, a), KSSIM_INCOMPATIBLE_PADDING_MODE);
    a = auth_for(KSSIM_ALGORITHM_AES, 256);
    a.block_modes = 1u << 7;
    expect_result(f, try_generate(f, a), KSSIM_INCOMPATIBLE_BLOCK_MODE);
    a = auth_for(KSSIM_ALGORITHM_HMAC, 256);
    /* KeyMint's answer for an HMAC key's digest: UNSUPPORTED_DIGEST (check_hmac_params). */
    a.digests = 0;
    expect_result(f, try_generate(f, a), KSSIM_UNSUPPORTED_DIGEST);
    a.digests = KSSIM_DIGEST_SHA256 | KSSIM_DIGEST_SHA512;
    expect_result(f, try_generate(f, a), KSSIM_UNSUPPORTED_DIGEST);
    a.digests = KSSIM_DIGEST_NONE;
    expect_result(f, try_generate(f, a), KSSIM_UNSUPPORTED_DIGEST);
    a = auth_for(KSSIM_ALGORITHM_EC, 256);
    a.digests = 1u << 1; /* MD5's place: not offered */
    expect_result(f, try_generate(f, a), KSSIM_INCOMPATIBLE_DIGEST);
}

static void strongbox_is_unavailable_on_a_tee_device(void **state)
{
    keymint_fixture *f = *state;
    sim_auth_list a = auth_for(KSSIM_ALGORITHM_EC, 256);
    a.security_level = KSSIM_SECURITY_STRONGBOX;
    expect_result(f, try_generate(f, a), KSSIM_HARDWARE_TYPE_UNAVAILABLE);
    a.algorithm = (kssim_algorithm)99; /* the missing StrongBox answers before anything is looked at */
    expect_result(f, try_generate(f, a), KSSIM_HARDWARE_TYPE_UNAVAILABLE);
}

static void strongbox_holds_only_its_narrow_set(void **state)
{
    (void)state;
    keymint_fixture *f = fixture_new(TEST_SEED, KSSIM_SECURITY_STRONGBOX);
    struct {
        kssim_algorithm algorithm;
        uint32_t size;
        kssim_result expected;
    } cases[] = {
        /* KeyMintAidlTestBase.cpp InvalidKeySizes / InvalidCurves for STRONGBOX. */
        {KSSIM_ALGORITHM_EC, 256, KSSIM_OK},
        {KSSIM_ALGORITHM_EC, 224, KSSIM_UNSUPPORTED_KEY_SIZE},
        {KSSIM_ALGORITHM_EC, 384, KSSIM_UNSUPPORTED_KEY_SIZE},
        {KSSIM_ALGORITHM_EC, 521, KSSIM_UNSUPPORTED_KEY_SIZE},
        {KSSIM_ALGORITHM_RSA, 2048, KSSIM_OK},
        {KSSIM_ALGORITHM_RSA, 3072, KSSIM_UNSUPPORTED_KEY_SIZE},
        {KSSIM_ALGORITHM_RSA, 4096, KSSIM_UNSUPPORTED_KEY_SIZE},
        {KSSIM_ALGORITHM_AES, 128, KSSIM_OK},
        {KSSIM_ALGORITHM_AES, 192, KSSIM_UNSUPPORTED_KEY_SIZE},
        {KSSIM_ALGORITHM_AES, 256, KSSIM_OK},
        {KSSIM_ALGORITHM_HMAC, 64, KSSIM_OK},
        {KSSIM_ALGORITHM_HMAC, 256, KSSIM_OK},
        {KSSIM_ALGORITHM_HMAC, 512, KSSIM_OK},
        {KSSIM_ALGORITHM_HMAC, 520, KSSIM_UNSUPPORTED_KEY_SIZE},
        {KSSIM_ALGORITHM_ED25519, 256, KSSIM_UNSUPPORTED_ALGORITHM},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sim_auth_list a = auth_for(cases[i].algorithm, cases[i].size);
        a.security_level = KSSIM_SECURITY_STRONGBOX;
        expect_result(f, try_generate(f, a), cases[i].expected);
    }
    sim_auth_list a = auth_for(KSSIM_ALGORITHM_EC, 256);
    a.security_level = KSSIM_SECURITY_STRONGBOX;
    a.digests = KSSIM_DIGEST_SHA512;
    expect_result(f, try_generate(f, a), KSSIM_INCOMPATIBLE_DIGEST);
    /* A TEE key on a StrongBox device is fine: the device has both. */
    a = auth_for(KSSIM_ALGORITHM_EC, 521);
    expect_result(f, try_generate(f, a), KSSIM_OK);
    fixture_free(f);
}

/* ---- import ---- */

typedef enum key_form { PEM_PKCS8, PEM_TRADITIONAL, DER_PKCS8, DER_TRADITIONAL, PEM_PUBLIC } key_form;

/* A key made outside the device (the default library context: the import does not care where). */
static uint8_t *encode_outside_key(EVP_PKEY *key, key_form form, size_t *len)
{
    BIO *bio = BIO_new(BIO_s_mem());
    int ok = 0;
    switch (form) {
    case PEM_PKCS8:
        ok = PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
        break;
    case PEM_TRADITIONAL:
        ok = PEM_write_bio_PrivateKey_traditional(bio, key, NULL, NULL, 0, NULL, NULL);
        break;
    case DER_PKCS8:
        ok = i2d_PKCS8PrivateKey_bio(bio, key, NULL, NULL, 0, NULL, NULL);
        break;
    case DER_TRADITIONAL:
        ok = i2d_PrivateKey_bio(bio, key);
        break;
    case PEM_PUBLIC:
        ok = PEM_write_bio_PUBKEY(bio, key);
        break;
    }
    assert_true(ok);
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    uint8_t *copy = malloc((size_t)n);
    memcpy(copy, data, (size_t)n);
    *len = (size_t)n;
    BIO_free(bio);
    return copy;
}

static kssim_result try_import(keymint_fixture *f, sim_auth_list auth, const uint8_t *bytes, size_t len, test_key *out)
{
    test_key k = {0};
    kssim_result r = sim_keymint_import_key(&f->sw, &auth, bytes, len, &k.blob, &k.spki, &k.spki_len);
    if (out != NULL && r == KSSIM_OK)
        *out = k;
    else
        test_key_free(&k);
    return r;
}

/* The imported key signs, and its public half is the outside key's. */
static void import_and_sign(keymint_fixture *f, EVP_PKEY *outside, kssim_algorithm algorithm, uint32_t size,
                            key_form form)
{
    size_t len;
    uint8_t *bytes = encode_outside_key(outside, form, &len);
    test_key k;
    expect_result(f, try_import(f, auth_for(algorithm, size), bytes, len, &k), KSSIM_OK);
    uint8_t *expected_spki = NULL;
    int expected_len = i2d_PUBKEY(outside, &expected_spki);
    assert_true(same_bytes(k.spki, k.spki_len, expected_spki, (size_t)expected_len));
    OPENSSL_free(expected_spki);
    uint8_t *sig;
    size_t sig_len;
    sign_ok(f, &k, NULL, "imported", &sig, &sig_len);
    expect_result(f, verify_public(f, algorithm, &k, 0, 0, "imported", sig, sig_len), KSSIM_OK);
    free(sig);
    free(bytes);
    test_key_free(&k);
}

static void pem_and_der_keys_import_in_every_form(void **state)
{
    keymint_fixture *f = *state;
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *ec384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    for (key_form form = PEM_PKCS8; form <= DER_TRADITIONAL; form++) {
        import_and_sign(f, ec, KSSIM_ALGORITHM_EC, 256, form);
        import_and_sign(f, rsa, KSSIM_ALGORITHM_RSA, 2048, form);
    }
    import_and_sign(f, ec384, KSSIM_ALGORITHM_EC, 0, PEM_PKCS8); /* size 0: the key's own */
    import_and_sign(f, ed, KSSIM_ALGORITHM_ED25519, 256, PEM_PKCS8);
    import_and_sign(f, ed, KSSIM_ALGORITHM_ED25519, 256, DER_PKCS8);
    EVP_PKEY_free(ec);
    EVP_PKEY_free(ec384);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ed);
}

static void imports_that_do_not_match_their_policy_are_refused(void **state)
{
    keymint_fixture *f = *state;
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    EVP_PKEY *k1 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
    size_t len, k1_len, public_len;
    uint8_t *pem = encode_outside_key(ec, PEM_PKCS8, &len);
    uint8_t *k1_pem = encode_outside_key(k1, PEM_PKCS8, &k1_len);
    uint8_t *public_pem = encode_outside_key(ec, PEM_PUBLIC, &public_len);
    expect_result(f, try_import(f, auth_for(KSSIM_ALGORITHM_EC, 256), pem, len, NULL), KSSIM_UNSUPPORTED_KEY_SIZE);
    expect_result(f, try_import(f, auth_for(KSSIM_ALGORITHM_RSA, 2048), pem, len, NULL), KSSIM_INVALID_ARGUMENT);
    expect_result(f, try_import(f, auth_for(KSSIM_ALGORITHM_ED25519, 256), pem, len, NULL), KSSIM_INVALID_ARGUMENT);
    expect_result(f, try_import(f, auth_for(KSSIM_ALGORITHM_EC, 0), k1_pem, k1_len, NULL), KSSIM_UNSUPPORTED_KEY_SIZE);
    expect_result(f, try_import(f, auth_for(KSSIM_ALGORITHM_EC, 384), public_pem, public_len, NULL),
                  KSSIM_INVALID_ARGUMENT);
    expect_result(f, try_import(f, auth_for(KSSIM_ALGORITHM_EC, 384), (const uint8_t *)"not a key", 9, NULL),
                  KSSIM_INVALID_ARGUMENT);
    expect_result(f, try_import(f, auth_for(KSSIM_ALGORITHM_EC, 384), pem, len / 2, NULL), KSSIM_INVALID_ARGUMENT);
    expect_result(f, try_import(f, auth_for((kssim_algorithm)5, 384), pem, len, NULL), KSSIM_UNSUPPORTED_ALGORITHM);
    sim_auth_list purposes = auth_for(KSSIM_ALGORITHM_EC, 384);
    purposes.purposes = KSSIM_PURPOSE_DECRYPT;
    expect_result(f, try_import(f, purposes, pem, len, NULL), KSSIM_UNSUPPORTED_PURPOSE);
    free(pem);
    free(k1_pem);
    free(public_pem);
    EVP_PKEY_free(ec);
    EVP_PKEY_free(k1);
}

static void raw_symmetric_keys_import(void **state)
{
    keymint_fixture *f = *state;
    uint8_t raw[32];
    for (size_t i = 0; i < sizeof(raw); i++)
        raw[i] = (uint8_t)i;
    test_key k;
    expect_result(f, try_import(f, auth_for(KSSIM_ALGORITHM_AES, 256), raw, 32, &k), KSSIM_OK);
    assert_null(k.spki);
    /* The blob never carries the key in the clear. */
    for (size_t at = 0; at + 8 <= k.blob.len; at++)
        assert_false(memcmp(k.blob.data + at, raw, 8) == 0);
    test_key_free(&k);
    expect_result(f, try_import(f, auth_for(KSSIM_ALGORITHM_AES, 0), raw, 16, &k), KSSIM_OK);
    test_key_free(&k);
    expect_result(f, try_import(f, auth_for(KSSIM_ALGORITHM_AES, 256), raw, 16, NULL), KSSIM_UNSUPPORTED_KEY_SIZE);
    /* AES-192 is a TEE size (IKeyMintDevice.aidl); 20 bytes is no AES size. */
    expect_result(f, try_import(f, auth_for(KSSIM_ALGORITHM_AES, 0), raw, 24, &k), KSSIM_OK);
    test_key_free(&k);
    expect_result(f, try_import(f, auth_for(KSSIM_ALGORITHM_AES, 0), raw, 20, NULL), KSSIM_UNSUPPORTED_KEY_SIZE);
    expect_result(f, try_import(f, auth_for(KSSIM_ALGORITHM_HMAC, 0), raw, 20, &k), KSSIM_OK);
    uint8_t *mac;
    size_t mac_len;
    sign_ok(f, &k, NULL, "hmac me", &mac, &mac_len);
    assert_int_equal(mac_len, 32);
    free(mac);
    test_key_free(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(unsupported_algorithms_and_sizes_are_refused, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(every_size_a_tee_must_support_generates, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(a_key_without_a_size_gets_the_frameworks_default, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(purposes_the_algorithm_cannot_serve_are_refused, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(modes_paddings_and_digests_that_do_not_apply_are_refused, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(strongbox_is_unavailable_on_a_tee_device, fixture_setup, fixture_teardown),
        cmocka_unit_test(strongbox_holds_only_its_narrow_set),
        cmocka_unit_test_setup_teardown(pem_and_der_keys_import_in_every_form, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(imports_that_do_not_match_their_policy_are_refused, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(raw_symmetric_keys_import, fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
