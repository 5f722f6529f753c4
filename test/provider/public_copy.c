/*
 * public_copy.c - what the keystore provider gives libcrypto when it asks a device key for everything
 * (issue 16). Node calls EVP_PKEY_get0_EC_KEY / get0_RSA on a key to make ieee-p1363 signatures, read
 * key details and export a JWK; libcrypto builds that legacy key from the key manager's export, so the
 * provider exports the public half and the parameters. This test shows that:
 * - the legacy EC_KEY and RSA hold the public key and no private key;
 * - such a copy, handed to the default provider elsewhere (EVP_PKEY_sign with a default-only library
 *   context), cannot sign: no private material leaked;
 * - the device key itself, in a context that loads default BEFORE keystore (the order an openssl.cnf
 *   for everyday software uses), still signs, with no property query: the key manager names an
 *   operation only this provider has (KEYSTORE-ECDSA, KEYSTORE-RSA), so libcrypto never takes the
 *   default provider's algorithm and a public copy; the signature verifies;
 * - EVP_PKEY_todata of the key pair gives the public half only;
 * - the device key answers the parameters callers ask (group, bits, security bits, max size, x, y, the
 *   encoded point).
 *
 * Usage: public_copy [BUILD_DIR]  (the directory holding keystore.so; OPENSSL_MODULES otherwise)
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* EC_KEY and RSA are what Node asks for: the point of the test */

#include "provider_test.h"

#include <openssl/bn.h>
#include <openssl/ec.h>

static const unsigned char message[] = "the message a copy must not sign";

/* Default first, keystore second: what an openssl.cnf loads when software keys must keep working. */
static OSSL_LIB_CTX *default_first_context(const char *build_directory)
{
    OSSL_LIB_CTX *libctx = OSSL_LIB_CTX_new();
    CHECK(libctx != NULL);
    if (build_directory != NULL)
        CHECK(OSSL_PROVIDER_set_default_search_path(libctx, build_directory));
    CHECK(OSSL_PROVIDER_load(libctx, "default") != NULL);
    CHECK(OSSL_PROVIDER_load(libctx, "keystore") != NULL);
    return libctx;
}

static EVP_PKEY *generate(OSSL_LIB_CTX *libctx, const char *type, const char *alias)
{
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(KSSIM_PROVIDER_PARAM_ALIAS, (char *)alias, 0),
        OSSL_PARAM_construct_end(),
    };
    return test_generate_key(libctx, type, params);
}

/* A SHA-256 digest signed with EVP_PKEY_sign by whatever signs pkey in libctx; true if it signed. */
static bool signs_digest(OSSL_LIB_CTX *libctx, EVP_PKEY *pkey, const char *propq)
{
    unsigned char digest[32], signature[1024];
    size_t signature_len = sizeof(signature);
    CHECK(EVP_Digest(message, sizeof(message), digest, NULL, EVP_sha256(), NULL) == 1);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(libctx, pkey, propq);
    CHECK(ctx != NULL);
    bool signed_it = EVP_PKEY_sign_init(ctx) == 1 && EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1 &&
                     EVP_PKEY_sign(ctx, signature, &signature_len, digest, sizeof(digest)) == 1;
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return signed_it;
}

/* The device key signs in the default-first context, without a property query, and the default
 * provider alone verifies the signature with the device's public key. */
static void device_key_still_signs(OSSL_LIB_CTX *libctx, OSSL_LIB_CTX *default_only, kssim_device *device,
                                   EVP_PKEY *pkey, const char *alias, EVP_PKEY *copy)
{
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    CHECK(mctx != NULL);
    CHECK(EVP_DigestSignInit_ex(mctx, NULL, "SHA256", libctx, NULL, pkey, NULL) == 1);
    unsigned char signature[1024];
    size_t signature_len = sizeof(signature);
    CHECK(EVP_DigestSign(mctx, signature, &signature_len, message, sizeof(message)) == 1);
    EVP_MD_CTX_free(mctx);
    EVP_PKEY *public_key = test_device_public_key(device, default_only, alias);
    CHECK(test_verify(default_only, public_key, message, sizeof(message), signature, signature_len));
    EVP_PKEY_free(public_key);
    /* The public-only copy is good for what a public key does: it verifies the device's signature. */
    CHECK(test_verify(default_only, copy, message, sizeof(message), signature, signature_len));
}

/* EVP_PKEY_todata of the whole key pair gives the public half only. */
static void key_pair_export_is_public(EVP_PKEY *pkey)
{
    OSSL_PARAM *params = NULL;
    CHECK(EVP_PKEY_todata(pkey, EVP_PKEY_KEYPAIR, &params) == 1);
    CHECK(OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_PRIV_KEY) == NULL);
    CHECK(OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_RSA_D) == NULL);
    CHECK(OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_RSA_FACTOR1) == NULL);
    CHECK(OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_PUB_KEY) != NULL ||
          OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_RSA_N) != NULL);
    OSSL_PARAM_free(params);
}

/* What libcrypto and its callers ask a key about, answered by the device key itself. */
static void ec_parameters_answered(EVP_PKEY *pkey)
{
    char group[32];
    CHECK(EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL) == 1);
    CHECK(strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0);
    int bits = 0, security_bits = 0, max_size = 0;
    CHECK(EVP_PKEY_get_int_param(pkey, OSSL_PKEY_PARAM_BITS, &bits) == 1 && bits == 256);
    CHECK(EVP_PKEY_get_int_param(pkey, OSSL_PKEY_PARAM_SECURITY_BITS, &security_bits) == 1 && security_bits == 128);
    CHECK(EVP_PKEY_get_int_param(pkey, OSSL_PKEY_PARAM_MAX_SIZE, &max_size) == 1 && max_size >= 70);
    BIGNUM *x = NULL, *y = NULL;
    CHECK(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 && !BN_is_zero(x));
    CHECK(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1 && !BN_is_zero(y));
    BN_free(x);
    BN_free(y);
    unsigned char point[133];
    size_t point_len = 0;
    CHECK(EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, sizeof(point), &point_len) ==
          1);
    CHECK(point_len == 65 && point[0] == 0x04);
}

static void ec_key(OSSL_LIB_CTX *libctx, OSSL_LIB_CTX *default_only, kssim_device *device)
{
    EVP_PKEY *pkey = generate(libctx, "EC", "ec");
    ec_parameters_answered(pkey);
    const EC_KEY *legacy = EVP_PKEY_get0_EC_KEY(pkey);
    CHECK(legacy != NULL);
    CHECK(EC_KEY_get0_public_key(legacy) != NULL);
    CHECK(EC_KEY_get0_private_key(legacy) == NULL);
    CHECK(EC_GROUP_get_curve_name(EC_KEY_get0_group(legacy)) == NID_X9_62_prime256v1);
    EC_KEY *owned = EVP_PKEY_get1_EC_KEY(pkey);
    CHECK(owned != NULL && EC_KEY_get0_private_key(owned) == NULL);

    /* The legacy copy in a key of its own, used by the default provider alone: it cannot sign. */
    EVP_PKEY *copy = EVP_PKEY_new();
    CHECK(copy != NULL && EVP_PKEY_assign_EC_KEY(copy, owned) == 1);
    CHECK(!signs_digest(default_only, copy, NULL));
    /* Nor can the device key be made to sign by the default provider in the same process. */
    CHECK(!signs_digest(libctx, pkey, "provider=default"));
    /* The device key itself does sign this way (so the two refusals above are not the helper's). */
    CHECK(signs_digest(libctx, pkey, NULL));

    device_key_still_signs(libctx, default_only, device, pkey, "ec", copy);
    EVP_PKEY_free(copy);
    key_pair_export_is_public(pkey);
    EVP_PKEY_free(pkey);
    printf("ok - EC: the legacy EC_KEY holds only the public point; it cannot sign elsewhere\n");
}

static void rsa_key(OSSL_LIB_CTX *libctx, OSSL_LIB_CTX *default_only, kssim_device *device)
{
    EVP_PKEY *pkey = generate(libctx, "RSA", "rsa");
    const RSA *legacy = EVP_PKEY_get0_RSA(pkey);
    CHECK(legacy != NULL);
    CHECK(RSA_get0_n(legacy) != NULL && RSA_get0_e(legacy) != NULL);
    CHECK(RSA_get0_d(legacy) == NULL && RSA_get0_p(legacy) == NULL);
    RSA *owned = EVP_PKEY_get1_RSA(pkey);
    CHECK(owned != NULL);
    EVP_PKEY *copy = EVP_PKEY_new();
    CHECK(copy != NULL && EVP_PKEY_assign_RSA(copy, owned) == 1);
    CHECK(!signs_digest(default_only, copy, NULL));
    CHECK(!signs_digest(libctx, pkey, "provider=default"));
    CHECK(signs_digest(libctx, pkey, NULL));

    device_key_still_signs(libctx, default_only, device, pkey, "rsa", copy);
    EVP_PKEY_free(copy);
    key_pair_export_is_public(pkey);
    EVP_PKEY_free(pkey);
    printf("ok - RSA: the legacy RSA holds only n and e; it cannot sign elsewhere\n");
}

int main(int argc, char **argv)
{
    const char *build_directory = argc > 1 ? argv[1] : NULL;
    const char *location = test_device_directory();
    OSSL_LIB_CTX *libctx = default_first_context(build_directory);
    OSSL_LIB_CTX *default_only = test_default_only_context();
    kssim_device *device = NULL;
    CHECK(kssim_device_open(location, NULL, &device) == KSSIM_OK);

    ec_key(libctx, default_only, device);
    rsa_key(libctx, default_only, device);

    kssim_device_free(device);
    test_library_context_free(default_only);
    test_library_context_free(libctx);
    return 0;
}
