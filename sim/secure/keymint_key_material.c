/*
 * keymint_key_material.c - private keys in and out of their encodings, always in the simulator's own
 * OSSL_LIB_CTX (never the default one, where the keystore provider itself may be loaded).
 *
 * Blobs carry asymmetric keys as PKCS#8 PrivateKeyInfo DER; imports accept whatever OpenSSL's decoders
 * recognise (PEM or DER, PKCS#8 or the traditional RSAPrivateKey / ECPrivateKey forms); public keys
 * leave as SubjectPublicKeyInfo DER, as KeyMint's certificates carry them.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "secure/keymint_internal.h"

/* Copies OpenSSL-allocated bytes into malloc'd memory, which the rest of the simulator frees with
 * free() (kssim_free); the OpenSSL copy is wiped. */
static uint8_t *copy_out(unsigned char *openssl_bytes, size_t len)
{
    uint8_t *copy = malloc(len > 0 ? len : 1);
    if (copy != NULL)
        memcpy(copy, openssl_bytes, len);
    OPENSSL_clear_free(openssl_bytes, len);
    return copy;
}

int keymint_encode_private_key(EVP_PKEY *key, keymint_key_material *material)
{
    unsigned char *der = NULL;
    size_t der_len = 0;
    OSSL_ENCODER_CTX *ctx = OSSL_ENCODER_CTX_new_for_pkey(key, EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", NULL);
    int ok = ctx != NULL && OSSL_ENCODER_CTX_get_num_encoders(ctx) > 0 && OSSL_ENCODER_to_data(ctx, &der, &der_len);
    OSSL_ENCODER_CTX_free(ctx);
    if (!ok || der == NULL) {
        OPENSSL_free(der);
        return -1;
    }
    material->bytes = copy_out(der, der_len);
    material->len = der_len;
    return material->bytes != NULL ? 0 : -1;
}

int keymint_encode_public_key(EVP_PKEY *key, uint8_t **spki, size_t *spki_len)
{
    unsigned char *der = NULL;
    int len = i2d_PUBKEY(key, &der);
    if (len <= 0)
        return -1;
    *spki = copy_out(der, (size_t)len);
    *spki_len = (size_t)len;
    return *spki != NULL ? 0 : -1;
}

void keymint_key_material_free(keymint_key_material *material)
{
    if (material->bytes != NULL) {
        OPENSSL_cleanse(material->bytes, material->len);
        free(material->bytes);
    }
    material->bytes = NULL;
    material->len = 0;
}
