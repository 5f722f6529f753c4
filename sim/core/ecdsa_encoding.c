/*
 * ecdsa_encoding.c - converting ECDSA signatures between DER and P1363 (r || s), for JWS (see
 * ecdsa_encoding.h). Pure functions over bytes: no device, no clock.
 */
#include "core/ecdsa_encoding.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>

size_t ecdsa_p1363_length(uint32_t curve_bits)
{
    switch (curve_bits) {
    case 256:
    case 384:
    case 521:
        return 2 * (((size_t)curve_bits + 7) / 8);
    default:
        return 0;
    }
}

bool ecdsa_der_to_p1363(const uint8_t *der, size_t der_len, uint32_t curve_bits, uint8_t *out)
{
    size_t half = ecdsa_p1363_length(curve_bits) / 2;
    if (half == 0 || der == NULL || der_len == 0 || der_len > 1024)
        return false;
    const unsigned char *cursor = der;
    ECDSA_SIG *signature = d2i_ECDSA_SIG(NULL, &cursor, (long)der_len);
    if (signature == NULL)
        return false;
    /* Trailing bytes would mean the input was not the signature alone: a verifier must not guess. */
    bool ok = (size_t)(cursor - der) == der_len;
    const BIGNUM *r = ECDSA_SIG_get0_r(signature);
    const BIGNUM *s = ECDSA_SIG_get0_s(signature);
    ok = ok && !BN_is_negative(r) && !BN_is_negative(s) && BN_num_bytes(r) <= (int)half &&
         BN_num_bytes(s) <= (int)half && BN_bn2binpad(r, out, (int)half) == (int)half &&
         BN_bn2binpad(s, out + half, (int)half) == (int)half;
    ECDSA_SIG_free(signature);
    return ok;
}

bool ecdsa_p1363_to_der(const uint8_t *raw, size_t raw_len, uint32_t curve_bits, uint8_t **der, size_t *der_len)
{
    *der = NULL;
    *der_len = 0;
    size_t length = ecdsa_p1363_length(curve_bits);
    if (length == 0 || raw == NULL || raw_len != length)
        return false;
    size_t half = length / 2;
    BIGNUM *r = BN_bin2bn(raw, (int)half, NULL);
    BIGNUM *s = BN_bin2bn(raw + half, (int)half, NULL);
    ECDSA_SIG *signature = ECDSA_SIG_new();
    bool ok = r != NULL && s != NULL && signature != NULL && !BN_is_zero(r) && !BN_is_zero(s) &&
              ECDSA_SIG_set0(signature, r, s) == 1;
    if (ok) {
        r = s = NULL; /* owned by the signature now */
        unsigned char *encoded = NULL;
        int encoded_len = i2d_ECDSA_SIG(signature, &encoded);
        ok = encoded_len > 0;
        if (ok) {
            *der = malloc((size_t)encoded_len);
            ok = *der != NULL;
            if (ok) {
                memcpy(*der, encoded, (size_t)encoded_len);
                *der_len = (size_t)encoded_len;
            }
        }
        OPENSSL_free(encoded);
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(signature);
    return ok;
}
