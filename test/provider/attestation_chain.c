/*
 * attestation_chain.c - a device key's attestation chain as a key parameter (issue 15): what a program
 * that holds an EVP_PKEY from the keystore provider reads to send the chain to its server.
 * - a key generated with attestation-challenge answers "attestation-chain" (EVP_PKEY_get_octet_string_param,
 *   the size first, then the bytes): three DER certificates, leaf first, byte for byte what the device
 *   keeps (kssim_attestation_chain); the leaf certifies this key's public key, each certificate is signed
 *   by the next and the last by itself;
 * - the same from the key loaded by URI (keystore:ALIAS), as openssl's -key loads it;
 * - a key generated without a challenge has no such parameter: the getter fails.
 *
 * Usage: attestation_chain [BUILD_DIR]  (the directory holding keystore.so; OPENSSL_MODULES otherwise)
 */
#include "provider_test.h"

static EVP_PKEY *generate_attested(OSSL_LIB_CTX *libctx, const char *alias, const char *challenge)
{
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0),
        OSSL_PARAM_construct_utf8_string(KSSIM_PROVIDER_PARAM_ALIAS, (char *)alias, 0),
        OSSL_PARAM_construct_utf8_string(KSSIM_PROVIDER_PARAM_ATTESTATION_CHALLENGE, (char *)challenge, 0),
        OSSL_PARAM_construct_end(),
    };
    return test_generate_key(libctx, "EC", params);
}

/* The parameter's bytes (malloc'd), asked as a caller does: the size, then the bytes. */
static unsigned char *chain_parameter(EVP_PKEY *pkey, size_t *len)
{
    /* Listed where a tool looks for what a key can tell, beside the public half's parameters. */
    const OSSL_PARAM *gettable = EVP_PKEY_gettable_params(pkey);
    CHECK(OSSL_PARAM_locate_const(gettable, KSSIM_PROVIDER_PARAM_ATTESTATION_CHAIN) != NULL);
    CHECK(OSSL_PARAM_locate_const(gettable, OSSL_PKEY_PARAM_BITS) != NULL);
    CHECK(EVP_PKEY_get_octet_string_param(pkey, KSSIM_PROVIDER_PARAM_ATTESTATION_CHAIN, NULL, 0, len) == 1);
    CHECK(*len > 0);
    unsigned char *bytes = malloc(*len);
    size_t got = 0;
    CHECK(bytes != NULL);
    CHECK(EVP_PKEY_get_octet_string_param(pkey, KSSIM_PROVIDER_PARAM_ATTESTATION_CHAIN, bytes, *len, &got) == 1);
    CHECK(got == *len);
    return bytes;
}

static void check_chain(OSSL_LIB_CTX *default_only, kssim_device *device, const char *alias, EVP_PKEY *pkey)
{
    size_t len = 0;
    unsigned char *chain = chain_parameter(pkey, &len);
    uint8_t *kept = NULL;
    size_t kept_len = 0, count = 0;
    ON_DEVICE(device, kssim_attestation_chain(device, alias, &kept, &kept_len, &count));
    CHECK(kept_len == len && memcmp(kept, chain, len) == 0);
    kssim_free(kept);

    X509 *certs[3];
    const unsigned char *p = chain, *end = chain + len;
    for (int i = 0; i < 3; i++) {
        certs[i] = X509_new_ex(default_only, NULL);
        CHECK(certs[i] != NULL && d2i_X509(&certs[i], &p, (long)(end - p)) != NULL);
    }
    CHECK(p == end);
    EVP_PKEY *device_public = test_device_public_key(device, default_only, alias);
    CHECK(EVP_PKEY_eq(X509_get0_pubkey(certs[0]), device_public) == 1);
    CHECK(X509_verify(certs[0], X509_get0_pubkey(certs[1])) == 1);
    CHECK(X509_verify(certs[1], X509_get0_pubkey(certs[2])) == 1);
    CHECK(X509_verify(certs[2], X509_get0_pubkey(certs[2])) == 1);
    CHECK(X509_verify(certs[0], X509_get0_pubkey(certs[2])) != 1); /* the check can fail */
    EVP_PKEY_free(device_public);
    for (int i = 0; i < 3; i++)
        X509_free(certs[i]);
    free(chain);
}

int main(int argc, char **argv)
{
    const char *build_directory = argc > 1 ? argv[1] : NULL;
    const char *location = test_device_directory();
    OSSL_LIB_CTX *libctx = test_library_context(build_directory);
    OSSL_LIB_CTX *default_only = test_default_only_context();
    kssim_device *device = NULL;
    CHECK(kssim_device_open(location, NULL, &device) == KSSIM_OK);

    EVP_PKEY *attested = generate_attested(libctx, "attested", "server-nonce");
    check_chain(default_only, device, "attested", attested);
    EVP_PKEY *loaded = test_load_key_uri(libctx, NULL, "keystore:attested");
    check_chain(default_only, device, "attested", loaded);

    EVP_PKEY *plain = test_generate_ec_key(libctx, "plain", NULL, 0);
    size_t len = 0;
    CHECK(EVP_PKEY_get_octet_string_param(plain, KSSIM_PROVIDER_PARAM_ATTESTATION_CHAIN, NULL, 0, &len) != 1);
    ERR_clear_error();

    EVP_PKEY_free(plain);
    EVP_PKEY_free(loaded);
    EVP_PKEY_free(attested);
    kssim_device_free(device);
    test_library_context_free(default_only);
    test_library_context_free(libctx);
    printf("attestation_chain: all checks passed\n");
    return 0;
}
