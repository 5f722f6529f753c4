/*
 * private_key.c - reading a private key an app hands over (PEM or DER, PKCS#8 or the traditional
 * RSAPrivateKey / ECPrivateKey forms) and telling which of KeyMint's algorithms and sizes it is.
 *
 * Both sides need it: the framework to name the algorithm of a key being imported, as
 * AndroidKeyStoreSpi takes it from the PrivateKey object, and KeyMint to check the key against the
 * policy and to load it for an operation. Decoding always runs in the caller's library context.
 */
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/ec.h>
#include <openssl/objects.h>

#include "core/private_key.h"

/* One decoder attempt: input type, structure and key type narrow what OpenSSL tries (NULL: anything). */
static EVP_PKEY *decode_as(OSSL_LIB_CTX *libctx, const uint8_t *bytes, size_t len, const char *input_type,
                           const char *structure, const char *key_type)
{
    EVP_PKEY *key = NULL;
    OSSL_DECODER_CTX *ctx =
        OSSL_DECODER_CTX_new_for_pkey(&key, input_type, structure, key_type, EVP_PKEY_KEYPAIR, libctx, NULL);
    const unsigned char *p = bytes;
    size_t left = len;
    if (ctx == NULL || bytes == NULL || len == 0 || !OSSL_DECODER_from_data(ctx, &p, &left)) {
        EVP_PKEY_free(key);
        key = NULL;
    }
    OSSL_DECODER_CTX_free(ctx);
    return key;
}

EVP_PKEY *sim_private_key_decode(OSSL_LIB_CTX *libctx, const uint8_t *bytes, size_t len)
{
    return decode_as(libctx, bytes, len, NULL, NULL, NULL);
}

EVP_PKEY *sim_private_key_decode_pkcs8(OSSL_LIB_CTX *libctx, const uint8_t *bytes, size_t len, const char *key_type)
{
    /* A miss here is no error of the caller's: whatever the narrow attempt queued is dropped. */
    ERR_set_mark();
    EVP_PKEY *key = decode_as(libctx, bytes, len, "DER", "PrivateKeyInfo", key_type);
    ERR_pop_to_mark();
    /* Anything else is read as any private key would be, so that only the time differs. */
    return key != NULL ? key : sim_private_key_decode(libctx, bytes, len);
}

uint32_t kssim_ec_curve_size(const char *group_name)
{
    if (group_name == NULL)
        return 0;
    int nid = EC_curve_nist2nid(group_name); /* "P-256" */
    if (nid == NID_undef)
        nid = OBJ_sn2nid(group_name); /* "prime256v1", "secp384r1" */
    if (nid == NID_undef)
        nid = OBJ_ln2nid(group_name);
    switch (nid) {
    case NID_secp224r1:
        return 224;
    case NID_X9_62_prime256v1:
        return 256;
    case NID_secp384r1:
        return 384;
    case NID_secp521r1:
        return 521;
    default:
        return 0; /* brainpool, secp256k1 and the rest: sizes like these, curves KeyMint does not hold */
    }
}

static uint32_t nist_curve_bits(EVP_PKEY *key)
{
    char name[64];
    if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name), NULL))
        return 0;
    return kssim_ec_curve_size(name);
}

int sim_private_key_describe(EVP_PKEY *key, kssim_algorithm *algorithm, uint32_t *key_size)
{
    if (EVP_PKEY_is_a(key, "RSA")) {
        *algorithm = KSSIM_ALGORITHM_RSA;
        *key_size = (uint32_t)EVP_PKEY_get_bits(key);
        return 0;
    }
    if (EVP_PKEY_is_a(key, "EC")) {
        *algorithm = KSSIM_ALGORITHM_EC;
        *key_size = nist_curve_bits(key);
        return 0;
    }
    if (EVP_PKEY_is_a(key, "ED25519")) {
        *algorithm = KSSIM_ALGORITHM_ED25519;
        *key_size = 256;
        return 0;
    }
    return -1;
}
