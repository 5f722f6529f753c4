/*
 * test_attestation.c - KeyMint key attestation: the KeyDescription DER against bytes checked by hand
 * (every tag's identifier, length and value, a software-only device so that every tag is in one list),
 * the hardware/software split on a TEE, the chain's signatures and leaf key, determinism per seed, and
 * the refusals (symmetric keys, over-long challenges).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <openssl/x509.h>

#include "secure/keymint_attestation.h"
#include "test_keymint_fixture.h"

/* Checked by hand: SEQUENCE { INTEGER 300, ENUMERATED 0, INTEGER 300, ENUMERATED 0, OCTET STRING "abc",
 * OCTET STRING "", softwareEnforced SEQUENCE { [1] SET {2, 3}, [2] 3, [3] 256, [5] SET {4}, [10] 1,
 * [503] (bf 83 77) NULL, [701] (bf 85 3d) 1000, [702] 0, [704] RootOfTrust { 32 x 0x11, TRUE, 0, 32 x 0x22 },
 * [705] 140000, [706] 202310, [718] 20231001, [719] 20231001 }, hardwareEnforced SEQUENCE {} } */
static const char software_ec_description_hex[] = "3081c60202012c0a01000202012c0a0100040361626304003081aca108310602"
                                                  "0102020103a203020103a30402020100a5053103020104aa03020101bf837702"
                                                  "0500bf853d04020203e8bf853e03020100bf85404c304a042011111111111111"
                                                  "111111111111111111111111111111111111111111111111110101ff0a010004"
                                                  "2022222222222222222222222222222222222222222222222222222222222222"
                                                  "22bf85410502030222e0bf8542050203031646bf854e0602040134b359bf854f"
                                                  "0602040134b3593000";

static size_t bytes_of_hex(const char *hex, uint8_t *out, size_t capacity)
{
    size_t n = strlen(hex) / 2;
    assert_true(n <= capacity);
    for (size_t i = 0; i < n; i++) {
        unsigned int byte;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &byte), 1);
        out[i] = (uint8_t)byte;
    }
    return n;
}

static bool contains(const uint8_t *haystack, size_t len, const uint8_t *needle, size_t needle_len)
{
    for (size_t i = 0; i + needle_len <= len; i++)
        if (memcmp(haystack + i, needle, needle_len) == 0)
            return true;
    return false;
}

static sim_attestation_device test_device(kssim_security_level level, int api_level)
{
    sim_attestation_device device;
    memset(&device, 0, sizeof(device));
    device.api_level = api_level;
    device.security_level = level;
    memset(device.verified_boot_key, 0x11, sizeof(device.verified_boot_key));
    memset(device.verified_boot_hash, 0x22, sizeof(device.verified_boot_hash));
    return device;
}

static void software_description_matches_hand_checked_bytes(void **state)
{
    (void)state;
    sim_auth_list auth = auth_for(KSSIM_ALGORITHM_EC, 256);
    auth.security_level = KSSIM_SECURITY_SOFTWARE;
    sim_attestation_device device = test_device(KSSIM_SECURITY_SOFTWARE, 34);
    sim_attestation_request request = {.challenge = (const uint8_t *)"abc", .challenge_len = 3, .creation_ms = 1000};
    uint8_t *der;
    size_t len;
    assert_int_equal(sim_attestation_key_description(&device, &auth, &request, &der, &len), 0);
    uint8_t expected[512];
    size_t expected_len = bytes_of_hex(software_ec_description_hex, expected, sizeof(expected));
    assert_int_equal(len, expected_len);
    assert_memory_equal(der, expected, len);
    free(der);
}

/* A minimal DER walk of the test's own: the identifier's tag number (high-tag form decoded) and the
 * contents of the element at *p, which moves past it. */
static uint32_t der_element(const uint8_t **p, const uint8_t *end, const uint8_t **contents, size_t *len)
{
    const uint8_t *q = *p;
    assert_true(q < end);
    uint32_t number = *q++ & 0x1f;
    if (number == 0x1f) {
        number = 0;
        do {
            assert_true(q < end);
            number = (number << 7) | (*q & 0x7f);
        } while (*q++ & 0x80);
    }
    assert_true(q < end);
    size_t length = *q++;
    if (length & 0x80) {
        size_t octets = length & 0x7f;
        length = 0;
        while (octets-- > 0) {
            assert_true(q < end);
            length = (length << 8) | *q++;
        }
    }
    assert_true(length <= (size_t)(end - q));
    *contents = q;
    *len = length;
    *p = q + length;
    return number;
}

typedef struct authorization_lists {
    uint32_t software[64], hardware[64];
    size_t software_count, hardware_count;
    const uint8_t *application_id; /* the contents of [709] (an OCTET STRING element), wherever it is */
    size_t application_id_len;
} authorization_lists;

/* The tag numbers of softwareEnforced and hardwareEnforced, in their order. */
static authorization_lists lists_of(const uint8_t *der, size_t len)
{
    authorization_lists lists = {0};
    const uint8_t *p = der, *contents;
    size_t contents_len;
    der_element(&p, der + len, &contents, &contents_len); /* KeyDescription */
    const uint8_t *field = contents, *fields_end = contents + contents_len;
    for (int i = 0; i < 6; i++)
        der_element(&field, fields_end, &contents, &contents_len);
    for (int which = 0; which < 2; which++) {
        der_element(&field, fields_end, &contents, &contents_len);
        const uint8_t *tag = contents, *list_end = contents + contents_len;
        while (tag < list_end) {
            const uint8_t *inner;
            size_t inner_len;
            uint32_t number = der_element(&tag, list_end, &inner, &inner_len);
            uint32_t *numbers = which == 0 ? lists.software : lists.hardware;
            size_t *count = which == 0 ? &lists.software_count : &lists.hardware_count;
            assert_true(*count < 64);
            numbers[(*count)++] = number;
            if (number == 709) {
                lists.application_id = inner;
                lists.application_id_len = inner_len;
            }
        }
    }
    assert_ptr_equal(field, fields_end);
    return lists;
}

static bool has_tag(const uint32_t *numbers, size_t count, uint32_t number)
{
    for (size_t i = 0; i < count; i++)
        if (numbers[i] == number)
            return true;
    return false;
}

#define ASSERT_SOFTWARE(lists, number)                                                                                 \
    do {                                                                                                               \
        assert_true(has_tag((lists).software, (lists).software_count, number));                                        \
        assert_false(has_tag((lists).hardware, (lists).hardware_count, number));                                       \
    } while (0)
#define ASSERT_HARDWARE(lists, number)                                                                                 \
    do {                                                                                                               \
        assert_true(has_tag((lists).hardware, (lists).hardware_count, number));                                        \
        assert_false(has_tag((lists).software, (lists).software_count, number));                                       \
    } while (0)
#define ASSERT_ABSENT(lists, number)                                                                                   \
    do {                                                                                                               \
        assert_false(has_tag((lists).hardware, (lists).hardware_count, number));                                       \
        assert_false(has_tag((lists).software, (lists).software_count, number));                                       \
    } while (0)

/* R-ATTEST-LIST-PLACEMENT: on a TEE the hardware list holds KeyMint's tags (UNLOCKED_DEVICE_REQUIRED
 * among them, and a usage limit of 1) and the software list keystore's (the validity dates, a usage limit
 * above 1, CREATION_DATETIME, ATTESTATION_APPLICATION_ID); user auth is encoded as the authenticator bits
 * (biometric 2, any 0xFFFFFFFF with its leading zero). */
static void tee_description_splits_the_lists(void **state)
{
    (void)state;
    sim_auth_list auth = with_user_auth(auth_for(KSSIM_ALGORITHM_EC, 256), KSSIM_AUTHENTICATOR_FINGERPRINT, 0);
    auth.unlocked_device_required = true;
    auth.has_active = auth.has_origination_expire = auth.has_usage_expire = true;
    auth.active_ms = 1, auth.origination_expire_ms = 2, auth.usage_expire_ms = 3;
    auth.usage_count_limit = 3;
    sim_attestation_device device = test_device(KSSIM_SECURITY_TEE, 33);
    const char app[] = "com.example.bank";
    sim_attestation_request request = {.challenge = (const uint8_t *)"n",
                                       .challenge_len = 1,
                                       .application_id = (const uint8_t *)app,
                                       .application_id_len = strlen(app),
                                       .creation_ms = 1000};
    memset(request.application_signature_digest, 0xab, sizeof(request.application_signature_digest));
    uint8_t *der;
    size_t len;
    assert_int_equal(sim_attestation_key_description(&device, &auth, &request, &der, &len), 0);
    /* attestationVersion 200, TRUSTED_ENVIRONMENT (1), keyMintVersion 200, 1, challenge "n", uniqueId "" */
    static const uint8_t header[] = {0x02, 0x02, 0x00, 0xc8, 0x0a, 0x01, 0x01, 0x02, 0x02, 0x00,
                                     0xc8, 0x0a, 0x01, 0x01, 0x04, 0x01, 'n',  0x04, 0x00};
    assert_memory_equal(der + 2 + (der[1] & 0x80 ? (der[1] & 0x7f) : 0), header, sizeof(header));
    authorization_lists lists = lists_of(der, len);
    static const uint32_t keymint_tags[] = {1, 2, 3, 5, 10, 504, 509, 702, 704, 705, 706, 718, 719};
    for (size_t i = 0; i < sizeof(keymint_tags) / sizeof(keymint_tags[0]); i++)
        ASSERT_HARDWARE(lists, keymint_tags[i]);
    static const uint32_t keystore_tags[] = {400, 401, 402, 405, 701, 709};
    for (size_t i = 0; i < sizeof(keystore_tags) / sizeof(keystore_tags[0]); i++)
        ASSERT_SOFTWARE(lists, keystore_tags[i]);
    /* [709] OCTET STRING { SEQUENCE { SET { SEQUENCE { "com.example.bank", 1 } }, SET { OCTET STRING digest } } } */
    assert_non_null(lists.application_id);
    assert_true(contains(lists.application_id, lists.application_id_len, (const uint8_t *)app, strlen(app)));
    uint8_t digest_element[34] = {0x04, 0x20};
    memset(digest_element + 2, 0xab, 32);
    static const uint8_t digest_set_header[] = {0x31, 0x22};
    assert_true(contains(lists.application_id, lists.application_id_len, digest_set_header, sizeof(digest_set_header)));
    assert_true(contains(lists.application_id, lists.application_id_len, digest_element, sizeof(digest_element)));
    static const uint8_t user_auth_biometric[] = {0xbf, 0x83, 0x78, 0x03, 0x02, 0x01, 0x02};
    assert_true(contains(der, len, user_auth_biometric, sizeof(user_auth_biometric)));
    free(der);

    /* a single use is KeyMint's, kept in its secure storage */
    auth.usage_count_limit = 1;
    assert_int_equal(sim_attestation_key_description(&device, &auth, &request, &der, &len), 0);
    lists = lists_of(der, len);
    ASSERT_HARDWARE(lists, 405);
    free(der);

    auth.user_auth_types = KSSIM_AUTHENTICATOR_ANY;
    assert_int_equal(sim_attestation_key_description(&device, &auth, &request, &der, &len), 0);
    static const uint8_t user_auth_any[] = {0xbf, 0x83, 0x78, 0x07, 0x02, 0x05, 0x00, 0xff, 0xff, 0xff, 0xff};
    assert_true(contains(der, len, user_auth_any, sizeof(user_auth_any)));
    free(der);

    /* Android 7.0 (Keymaster 2, attestation version 1): no [709], which came with Keymaster 3, no
     * vendor or boot patch level, and a RootOfTrust without verifiedBootHash */
    device = test_device(KSSIM_SECURITY_TEE, 24);
    auth.usage_count_limit = 0;
    assert_int_equal(sim_attestation_key_description(&device, &auth, &request, &der, &len), 0);
    static const uint8_t v1_header[] = {0x02, 0x01, 0x01, 0x0a, 0x01, 0x01, 0x02, 0x01, 0x02, 0x0a, 0x01, 0x01};
    assert_memory_equal(der + 2 + (der[1] & 0x80 ? (der[1] & 0x7f) : 0), v1_header, sizeof(v1_header));
    lists = lists_of(der, len);
    ASSERT_ABSENT(lists, 709);
    ASSERT_ABSENT(lists, 718);
    ASSERT_ABSENT(lists, 719);
    ASSERT_SOFTWARE(lists, 701);
    ASSERT_HARDWARE(lists, 509);
    static const uint8_t hash[4] = {0x22, 0x22, 0x22, 0x22};
    assert_false(contains(der, len, hash, sizeof(hash)));
    free(der);
}

/* R-ATTEST-VERSIONS-PER-RELEASE: one row per API level (core/android_versions.c). */
static void versions_follow_the_api_level(void **state)
{
    (void)state;
    static const struct {
        int api_level;
        uint32_t attestation, keymint;
    } expected[] = {{23, 0, 1},     {24, 1, 2},     {25, 1, 2},     {26, 2, 3},     {27, 2, 3},
                    {28, 3, 4},     {29, 4, 41},    {30, 4, 41},    {31, 100, 100}, {32, 100, 100},
                    {33, 200, 200}, {34, 300, 300}, {35, 300, 300}, {36, 300, 300}};
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        uint32_t attestation, keymint;
        sim_attestation_versions(expected[i].api_level, &attestation, &keymint);
        assert_int_equal(attestation, expected[i].attestation);
        assert_int_equal(keymint, expected[i].keymint);
    }
}

static X509 *certificate_of(const sim_attestation_chain *chain, size_t i)
{
    const unsigned char *p = chain->certificates[i];
    X509 *cert = d2i_X509(NULL, &p, (long)chain->lengths[i]);
    assert_non_null(cert);
    assert_ptr_equal(p, chain->certificates[i] + chain->lengths[i]);
    return cert;
}

static void attest(keymint_fixture *f, sim_auth_list auth, sim_attestation_chain *chain, test_key *key)
{
    f->sw.api_level = 34;
    *key = generate_ok(f, &auth);
    sim_attestation_request request = {
        .challenge = (const uint8_t *)"server nonce", .challenge_len = 12, .creation_ms = f->env.clock.wall_ms};
    kssim_result r = sim_keymint_attest_key(&f->sw, &key->blob, &request, chain);
    if (r != KSSIM_OK)
        fail_msg("attest: %s: %s", kssim_result_name(r), f->env.message);
}

static void chain_verifies_and_carries_the_key(void **state)
{
    keymint_fixture *f = *state;
    sim_auth_list families[] = {auth_for(KSSIM_ALGORITHM_EC, 256), auth_for(KSSIM_ALGORITHM_RSA, 2048),
                                auth_for(KSSIM_ALGORITHM_ED25519, 256)};
    for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
        sim_attestation_chain chain;
        test_key key;
        attest(f, families[i], &chain, &key);
        X509 *leaf = certificate_of(&chain, 0), *intermediate = certificate_of(&chain, 1),
             *root = certificate_of(&chain, 2);
        assert_int_equal(X509_verify(leaf, X509_get0_pubkey(intermediate)), 1);
        assert_int_equal(X509_verify(intermediate, X509_get0_pubkey(root)), 1);
        assert_int_equal(X509_verify(root, X509_get0_pubkey(root)), 1);
        assert_int_equal(X509_verify(leaf, X509_get0_pubkey(root)), 0);
        /* the leaf's public key is the key's own */
        unsigned char *spki = NULL;
        int spki_len = i2d_PUBKEY(X509_get0_pubkey(leaf), &spki);
        assert_int_equal((size_t)spki_len, key.spki_len);
        assert_memory_equal(spki, key.spki, key.spki_len);
        OPENSSL_free(spki);
        /* serial 1 and the extension */
        assert_int_equal(ASN1_INTEGER_get(X509_get0_serialNumber(leaf)), 1);
        ASN1_OBJECT *oid = OBJ_txt2obj(SIM_ATTESTATION_EXTENSION_OID, 1);
        assert_true(X509_get_ext_by_OBJ(leaf, oid, -1) >= 0);
        ASN1_OBJECT_free(oid);
        X509_free(leaf);
        X509_free(intermediate);
        X509_free(root);
        sim_attestation_chain_free(&chain);
        test_key_free(&key);
    }
}

static void root_is_one_per_seed(void **state)
{
    (void)state;
    keymint_fixture *a = fixture_new(TEST_SEED, KSSIM_SECURITY_TEE), *b = fixture_new(TEST_SEED, KSSIM_SECURITY_TEE),
                    *c = fixture_new(TEST_SEED + 1, KSSIM_SECURITY_TEE);
    sim_attestation_chain chain_a, chain_b, chain_c;
    test_key key_a, key_b, key_c;
    attest(a, auth_for(KSSIM_ALGORITHM_EC, 256), &chain_a, &key_a);
    attest(b, auth_for(KSSIM_ALGORITHM_EC, 256), &chain_b, &key_b);
    attest(c, auth_for(KSSIM_ALGORITHM_EC, 256), &chain_c, &key_c);
    for (size_t i = 0; i < SIM_ATTESTATION_CHAIN_LENGTH; i++) {
        assert_int_equal(chain_a.lengths[i], chain_b.lengths[i]);
        assert_memory_equal(chain_a.certificates[i], chain_b.certificates[i], chain_a.lengths[i]);
    }
    X509 *root_a = certificate_of(&chain_a, 2), *root_c = certificate_of(&chain_c, 2);
    assert_int_not_equal(EVP_PKEY_eq(X509_get0_pubkey(root_a), X509_get0_pubkey(root_c)), 1);
    /* the root the device reports is the chain's */
    uint8_t *root_der;
    size_t root_len;
    assert_int_equal(sim_keymint_attestation_root(&a->sw, &root_der, &root_len), KSSIM_OK);
    const unsigned char *p = root_der;
    X509 *reported = d2i_X509(NULL, &p, (long)root_len);
    assert_non_null(reported);
    assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(reported), X509_get0_pubkey(root_a)), 1);
    /* and the very same bytes: certificates are signed with randomness derived from what they say */
    assert_int_equal(root_len, chain_a.lengths[2]);
    assert_memory_equal(root_der, chain_a.certificates[2], root_len);
    X509_free(reported);
    free(root_der);
    X509_free(root_a);
    X509_free(root_c);
    sim_attestation_chain_free(&chain_a);
    sim_attestation_chain_free(&chain_b);
    sim_attestation_chain_free(&chain_c);
    test_key_free(&key_a);
    test_key_free(&key_b);
    test_key_free(&key_c);
    fixture_free(a);
    fixture_free(b);
    fixture_free(c);
}

static void symmetric_keys_and_long_challenges_are_refused(void **state)
{
    keymint_fixture *f = *state;
    sim_auth_list aes = auth_for(KSSIM_ALGORITHM_AES, 256);
    test_key key = generate_ok(f, &aes);
    sim_attestation_chain chain;
    sim_attestation_request request = {.challenge = (const uint8_t *)"x", .challenge_len = 1};
    assert_int_equal(sim_keymint_attest_key(&f->sw, &key.blob, &request, &chain), KSSIM_INVALID_ARGUMENT);
    assert_non_null(strstr(f->env.message, "asymmetric"));
    assert_null(chain.certificates[0]);
    test_key_free(&key);
    sim_auth_list ec = auth_for(KSSIM_ALGORITHM_EC, 256);
    key = generate_ok(f, &ec);
    uint8_t long_challenge[SIM_ATTESTATION_CHALLENGE_MAX + 1] = {0};
    request.challenge = long_challenge;
    request.challenge_len = sizeof(long_challenge);
    /* R-ATTEST-CHALLENGE-LENGTH */
    assert_int_equal(sim_keymint_attest_key(&f->sw, &key.blob, &request, &chain), KSSIM_INVALID_INPUT_LENGTH);
    assert_non_null(strstr(f->env.message, "129 bytes"));
    assert_null(chain.certificates[0]);
    request.challenge_len = SIM_ATTESTATION_CHALLENGE_MAX;
    assert_int_equal(sim_keymint_attest_key(&f->sw, &key.blob, &request, &chain), KSSIM_OK);
    sim_attestation_chain_free(&chain);
    test_key_free(&key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(software_description_matches_hand_checked_bytes),
        cmocka_unit_test(tee_description_splits_the_lists),
        cmocka_unit_test(versions_follow_the_api_level),
        cmocka_unit_test_setup_teardown(chain_verifies_and_carries_the_key, fixture_setup, fixture_teardown),
        cmocka_unit_test(root_is_one_per_seed),
        cmocka_unit_test_setup_teardown(symmetric_keys_and_long_challenges_are_refused, fixture_setup,
                                        fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
