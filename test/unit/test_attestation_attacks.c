/*
 * test_attestation_attacks.c - kssim_attestation_attack_chain (sim/secure/keymint_attestation_attacks.c):
 * each attack alters exactly what it claims and keeps the rest genuine (wrong-key and copy-extension are
 * signed by the device's own intermediate, resign-root is not), the chains are a function of the seed
 * and the request, and making them leaves the device's random stream where it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/x509.h>

#include <kssim/kssim.h>

static kssim_device *device_with_two_attested_keys(uint64_t seed)
{
    kssim_config config;
    kssim_config_default(&config);
    config.seed = seed;
    kssim_device *device = NULL;
    assert_int_equal(kssim_device_create(&config, &device), KSSIM_OK);
    const char *aliases[] = {"login", "other"};
    for (int i = 0; i < 2; i++) {
        kssim_key_spec spec;
        kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
        strcpy(spec.alias, aliases[i]);
        spec.attestation_requested = true;
        spec.attestation_challenge_len = 7;
        memcpy(spec.attestation_challenge, i == 0 ? "nonce-1" : "nonce-2", 7);
        assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
    }
    return device;
}

typedef struct chain {
    X509 *certs[3];
    uint8_t *der;
    size_t len;
} chain;

static void chain_parse(chain *c)
{
    const unsigned char *p = c->der, *end = c->der + c->len;
    for (int i = 0; i < 3; i++) {
        c->certs[i] = d2i_X509(NULL, &p, (long)(end - p));
        assert_non_null(c->certs[i]);
    }
    assert_ptr_equal(p, end);
}

static void chain_free(chain *c)
{
    for (int i = 0; i < 3; i++)
        X509_free(c->certs[i]);
    kssim_free(c->der);
    memset(c, 0, sizeof(*c));
}

static void genuine(kssim_device *device, const char *alias, chain *c)
{
    size_t count = 0;
    assert_int_equal(kssim_attestation_chain(device, alias, &c->der, &c->len, &count), KSSIM_OK);
    chain_parse(c);
}

static void attacked(kssim_device *device, kssim_attestation_attack attack, const char *from, chain *c)
{
    size_t count = 0;
    assert_int_equal(kssim_attestation_attack_chain(device, "login", attack, from, &c->der, &c->len, &count), KSSIM_OK);
    assert_int_equal(count, 3);
    chain_parse(c);
}

static bool same_certificate(X509 *a, X509 *b)
{
    return X509_cmp(a, b) == 0;
}

static const ASN1_OCTET_STRING *key_description(X509 *cert)
{
    ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.4.1.11129.2.1.17", 1);
    int at = X509_get_ext_by_OBJ(cert, oid, -1);
    ASN1_OBJECT_free(oid);
    assert_true(at >= 0);
    return X509_EXTENSION_get_data(X509_get_ext(cert, at));
}

static void resign_root_changes_only_the_anchor(void **state)
{
    (void)state;
    kssim_device *device = device_with_two_attested_keys(5);
    chain real, forged;
    genuine(device, "login", &real);
    attacked(device, KSSIM_ATTESTATION_ATTACK_RESIGN_ROOT, NULL, &forged);
    assert_true(same_certificate(real.certs[0], forged.certs[0]));
    assert_int_equal(X509_NAME_cmp(X509_get_subject_name(real.certs[2]), X509_get_subject_name(forged.certs[2])), 0);
    assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(real.certs[2]), X509_get0_pubkey(forged.certs[2])), 0);
    assert_int_equal(X509_verify(forged.certs[1], X509_get0_pubkey(forged.certs[2])), 1);
    assert_int_not_equal(X509_verify(forged.certs[1], X509_get0_pubkey(real.certs[2])), 1);
    chain_free(&real);
    chain_free(&forged);
    kssim_device_free(device);
}

static void wrong_key_is_signed_by_the_real_intermediate(void **state)
{
    (void)state;
    kssim_device *device = device_with_two_attested_keys(5);
    chain real, forged;
    genuine(device, "login", &real);
    attacked(device, KSSIM_ATTESTATION_ATTACK_WRONG_KEY, NULL, &forged);
    assert_true(same_certificate(real.certs[1], forged.certs[1]) && same_certificate(real.certs[2], forged.certs[2]));
    assert_int_equal(X509_verify(forged.certs[0], X509_get0_pubkey(real.certs[1])), 1);
    assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(real.certs[0]), X509_get0_pubkey(forged.certs[0])), 0);
    assert_int_equal(ASN1_OCTET_STRING_cmp(key_description(real.certs[0]), key_description(forged.certs[0])), 0);
    chain_free(&real);
    chain_free(&forged);
    kssim_device_free(device);
}

static void copy_extension_keeps_the_key_and_carries_the_other_record(void **state)
{
    (void)state;
    kssim_device *device = device_with_two_attested_keys(5);
    chain real, other, forged;
    genuine(device, "login", &real);
    genuine(device, "other", &other);
    attacked(device, KSSIM_ATTESTATION_ATTACK_COPY_EXTENSION, "other", &forged);
    assert_int_equal(X509_verify(forged.certs[0], X509_get0_pubkey(real.certs[1])), 1);
    assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(real.certs[0]), X509_get0_pubkey(forged.certs[0])), 1);
    assert_int_equal(ASN1_OCTET_STRING_cmp(key_description(other.certs[0]), key_description(forged.certs[0])), 0);
    assert_int_not_equal(ASN1_OCTET_STRING_cmp(key_description(real.certs[0]), key_description(forged.certs[0])), 0);
    chain_free(&real);
    chain_free(&other);
    chain_free(&forged);
    kssim_device_free(device);
}

static void chains_follow_the_seed_and_leave_the_device_stream_alone(void **state)
{
    (void)state;
    kssim_device *first = device_with_two_attested_keys(5), *second = device_with_two_attested_keys(5);
    kssim_device *another = device_with_two_attested_keys(6);
    for (int attack = KSSIM_ATTESTATION_ATTACK_RESIGN_ROOT; attack <= KSSIM_ATTESTATION_ATTACK_COPY_EXTENSION;
         attack++) {
        const char *from = attack == KSSIM_ATTESTATION_ATTACK_COPY_EXTENSION ? "other" : NULL;
        chain a, b, c, again;
        attacked(first, (kssim_attestation_attack)attack, from, &a);
        attacked(first, (kssim_attestation_attack)attack, from, &again);
        attacked(second, (kssim_attestation_attack)attack, from, &b);
        attacked(another, (kssim_attestation_attack)attack, from, &c);
        assert_true(a.len == again.len && memcmp(a.der, again.der, a.len) == 0);
        assert_true(a.len == b.len && memcmp(a.der, b.der, a.len) == 0);
        assert_false(a.len == c.len && memcmp(a.der, c.der, a.len) == 0);
        chain_free(&a);
        chain_free(&again);
        chain_free(&b);
        chain_free(&c);
    }
    /* first made six attack chains, second three: the next key is the same on both */
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    strcpy(spec.alias, "after");
    assert_int_equal(kssim_generate_key(first, &spec), KSSIM_OK);
    assert_int_equal(kssim_generate_key(second, &spec), KSSIM_OK);
    uint8_t *key_first = NULL, *key_second = NULL;
    size_t len_first = 0, len_second = 0;
    assert_int_equal(kssim_export_public(first, "after", &key_first, &len_first), KSSIM_OK);
    assert_int_equal(kssim_export_public(second, "after", &key_second, &len_second), KSSIM_OK);
    assert_true(len_first == len_second && memcmp(key_first, key_second, len_first) == 0);
    kssim_free(key_first);
    kssim_free(key_second);
    kssim_device_free(first);
    kssim_device_free(second);
    kssim_device_free(another);
}

static void copy_extension_needs_its_source_and_only_it_takes_one(void **state)
{
    (void)state;
    kssim_device *device = device_with_two_attested_keys(5);
    uint8_t *der = NULL;
    size_t len = 0, count = 0;
    assert_int_equal(kssim_attestation_attack_chain(device, "login", KSSIM_ATTESTATION_ATTACK_COPY_EXTENSION, NULL,
                                                    &der, &len, &count),
                     KSSIM_INVALID_ARGUMENT);
    assert_int_equal(kssim_attestation_attack_chain(device, "login", KSSIM_ATTESTATION_ATTACK_WRONG_KEY, "other", &der,
                                                    &len, &count),
                     KSSIM_INVALID_ARGUMENT);
    assert_int_equal(
        kssim_attestation_attack_chain(device, "login", (kssim_attestation_attack)9, NULL, &der, &len, &count),
        KSSIM_INVALID_ARGUMENT);
    assert_int_equal(
        kssim_attestation_attack_chain(device, "nobody", KSSIM_ATTESTATION_ATTACK_WRONG_KEY, NULL, &der, &len, &count),
        KSSIM_KEY_NOT_FOUND);
    assert_null(der);
    assert_int_equal(count, 0);
    kssim_device_free(device);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resign_root_changes_only_the_anchor),
        cmocka_unit_test(wrong_key_is_signed_by_the_real_intermediate),
        cmocka_unit_test(copy_extension_keeps_the_key_and_carries_the_other_record),
        cmocka_unit_test(chains_follow_the_seed_and_leave_the_device_stream_alone),
        cmocka_unit_test(copy_extension_needs_its_source_and_only_it_takes_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
