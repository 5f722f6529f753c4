/*
 * keymint_auth_values.h - KeyMint's enum values for the authorization records of a blob, and how the
 * simulator's bit sets map onto them; shared by the writer and the reader of the records.
 *
 * Values from hardware/interfaces security/keymint aidl: Algorithm, EcCurve, BlockMode, PaddingMode,
 * KeyOrigin. KeyPurpose and Digest values are the bit positions of the KSSIM_PURPOSE_* and
 * KSSIM_DIGEST_* bits, so they need no table.
 */
#ifndef SIM_SECURE_KEYMINT_AUTH_VALUES_H
#define SIM_SECURE_KEYMINT_AUTH_VALUES_H

#include "secure/keymint_blob.h"

enum {
    KM_ALGORITHM_RSA = 1,
    KM_ALGORITHM_EC = 3,
    KM_ALGORITHM_AES = 32,
    KM_ALGORITHM_HMAC = 128,
    KM_EC_CURVE_P_224 = 0,
    KM_EC_CURVE_P_256 = 1,
    KM_EC_CURVE_P_384 = 2,
    KM_EC_CURVE_P_521 = 3,
    KM_EC_CURVE_25519 = 4,
    KM_BLOCK_MODE_ECB = 1,
    KM_BLOCK_MODE_CBC = 2,
    KM_BLOCK_MODE_CTR = 3,
    KM_BLOCK_MODE_GCM = 32,
    KM_PAD_NONE = 1,
    KM_PAD_RSA_OAEP = 2,
    KM_PAD_RSA_PSS = 3,
    KM_PAD_RSA_PKCS1_1_5_ENCRYPT = 4,
    KM_PAD_RSA_PKCS1_1_5_SIGN = 5,
    KM_PAD_PKCS7 = 64,
    KM_ORIGIN_GENERATED = 0,
    KM_ORIGIN_IMPORTED = 2,
};

static const uint32_t keymint_known_purposes =
    KSSIM_PURPOSE_ENCRYPT | KSSIM_PURPOSE_DECRYPT | KSSIM_PURPOSE_SIGN | KSSIM_PURPOSE_VERIFY | KSSIM_PURPOSE_AGREE_KEY;
static const uint32_t keymint_known_digests = KSSIM_DIGEST_NONE | KSSIM_DIGEST_SHA1 | KSSIM_DIGEST_SHA224 |
                                              KSSIM_DIGEST_SHA256 | KSSIM_DIGEST_SHA384 | KSSIM_DIGEST_SHA512;

static const struct {
    uint32_t bit, value;
} keymint_block_mode_values[] = {
    {KSSIM_BLOCK_MODE_ECB, KM_BLOCK_MODE_ECB},
    {KSSIM_BLOCK_MODE_CBC, KM_BLOCK_MODE_CBC},
    {KSSIM_BLOCK_MODE_CTR, KM_BLOCK_MODE_CTR},
    {KSSIM_BLOCK_MODE_GCM, KM_BLOCK_MODE_GCM},
};

/* PKCS#1 v1.5 is one bit here and two PaddingModes in KeyMint; both parse back to the bit. */
static const struct {
    uint32_t bit, value;
} keymint_padding_values[] = {
    {KSSIM_PADDING_NONE, KM_PAD_NONE},
    {KSSIM_PADDING_OAEP, KM_PAD_RSA_OAEP},
    {KSSIM_PADDING_PSS, KM_PAD_RSA_PSS},
    {KSSIM_PADDING_PKCS1, KM_PAD_RSA_PKCS1_1_5_ENCRYPT},
    {KSSIM_PADDING_PKCS1, KM_PAD_RSA_PKCS1_1_5_SIGN},
    {KSSIM_PADDING_PKCS7, KM_PAD_PKCS7},
};

#define KEYMINT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
