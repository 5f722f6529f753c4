/*
 * keymint_auth_records_write.c - a key's authorization list written as the tag records its blob
 * carries in the clear.
 *
 * The records use KeyMint's own tag numbers and enum values (Tag.aidl and keymint_auth_values.h), so
 * a hex dump of a blob reads like a KeyMint KeyCharacteristics list. The layout is in keymint_blob.h.
 */
#include "core/invariant.h"
#include "secure/keymint_auth_values.h"

typedef struct record_writer {
    uint8_t *out;
    size_t len;
    bool overflow;
} record_writer;

static void put_record(record_writer *w, uint32_t tag, uint64_t value, size_t value_len)
{
    if (w->overflow || KEYMINT_AUTH_RECORDS_MAX - w->len < KEYMINT_RECORD_HEADER_BYTES + value_len) {
        w->overflow = true;
        return;
    }
    uint8_t *p = w->out + w->len;
    for (int i = 0; i < 4; i++)
        *p++ = (uint8_t)(tag >> (24 - 8 * i));
    *p++ = (uint8_t)(value_len >> 8);
    *p++ = (uint8_t)value_len;
    for (size_t i = 0; i < value_len; i++)
        *p++ = (uint8_t)(value >> (8 * (value_len - 1 - i)));
    w->len += KEYMINT_RECORD_HEADER_BYTES + value_len;
}

static void put_u32(record_writer *w, uint32_t tag, uint32_t value)
{
    put_record(w, tag, value, 4);
}

static void put_u64(record_writer *w, uint32_t tag, uint64_t value)
{
    put_record(w, tag, value, 8);
}

static void put_bool(record_writer *w, uint32_t tag)
{
    put_record(w, tag, 0, 0);
}

static void put_bit_positions(record_writer *w, uint32_t tag, uint32_t bits)
{
    for (uint32_t value = 0; value < 32; value++)
        if (bits & (1u << value))
            put_u32(w, tag, value);
}

static void put_algorithm(record_writer *w, const sim_auth_list *auth)
{
    switch (auth->algorithm) {
    case KSSIM_ALGORITHM_RSA:
        put_u32(w, KEYMINT_TAG_ALGORITHM, KM_ALGORITHM_RSA);
        break;
    case KSSIM_ALGORITHM_EC:
        put_u32(w, KEYMINT_TAG_ALGORITHM, KM_ALGORITHM_EC);
        put_u32(w, KEYMINT_TAG_EC_CURVE,
                auth->key_size == 224   ? KM_EC_CURVE_P_224
                : auth->key_size == 384 ? KM_EC_CURVE_P_384
                : auth->key_size == 521 ? KM_EC_CURVE_P_521
                                        : KM_EC_CURVE_P_256);
        break;
    case KSSIM_ALGORITHM_ED25519:
        /* KeyMint has no Ed25519 algorithm: it is EC on CURVE_25519. */
        put_u32(w, KEYMINT_TAG_ALGORITHM, KM_ALGORITHM_EC);
        put_u32(w, KEYMINT_TAG_EC_CURVE, KM_EC_CURVE_25519);
        break;
    case KSSIM_ALGORITHM_AES:
        put_u32(w, KEYMINT_TAG_ALGORITHM, KM_ALGORITHM_AES);
        break;
    case KSSIM_ALGORITHM_HMAC:
        put_u32(w, KEYMINT_TAG_ALGORITHM, KM_ALGORITHM_HMAC);
        break;
    }
    put_u32(w, KEYMINT_TAG_KEY_SIZE, auth->key_size);
}

static void put_paddings(record_writer *w, const sim_auth_list *auth)
{
    bool signs = auth->purposes & (KSSIM_PURPOSE_SIGN | KSSIM_PURPOSE_VERIFY);
    bool encrypts = auth->purposes & (KSSIM_PURPOSE_ENCRYPT | KSSIM_PURPOSE_DECRYPT);
    for (size_t i = 0; i < KEYMINT_ARRAY_LEN(keymint_padding_values); i++) {
        if ((auth->paddings & keymint_padding_values[i].bit) == 0)
            continue;
        /* The framework adds the PKCS#1 flavour each of the key's purposes needs
         * (KeyStore2ParameterUtils); a key with neither gets the signing one. */
        if (keymint_padding_values[i].value == KM_PAD_RSA_PKCS1_1_5_ENCRYPT && !encrypts)
            continue;
        if (keymint_padding_values[i].value == KM_PAD_RSA_PKCS1_1_5_SIGN && !signs && encrypts)
            continue;
        put_u32(w, KEYMINT_TAG_PADDING, keymint_padding_values[i].value);
    }
}

static void put_user_authentication(record_writer *w, const sim_auth_list *auth)
{
    KSSIM_INVARIANT(auth->sid_count <= SIM_MAX_KEY_SIDS,
                    "a key sealed in a blob has no more secure IDs than the array holds");
    if (auth->no_auth_required)
        put_bool(w, KEYMINT_TAG_NO_AUTH_REQUIRED);
    for (uint32_t i = 0; i < auth->sid_count && i < SIM_MAX_KEY_SIDS; i++)
        put_u64(w, KEYMINT_TAG_USER_SECURE_ID, auth->sids[i]);
    if (auth->user_auth_types != 0)
        put_u32(w, KEYMINT_TAG_USER_AUTH_TYPE, auth->user_auth_types);
    if (auth->has_auth_timeout)
        put_u32(w, KEYMINT_TAG_AUTH_TIMEOUT, auth->auth_timeout_s);
    if (auth->unlocked_device_required)
        put_bool(w, KEYMINT_TAG_UNLOCKED_DEVICE_REQUIRED);
}

static void put_usage_limits(record_writer *w, const sim_auth_list *auth)
{
    if (auth->has_active)
        put_u64(w, KEYMINT_TAG_ACTIVE_DATETIME, (uint64_t)auth->active_ms);
    if (auth->has_origination_expire)
        put_u64(w, KEYMINT_TAG_ORIGINATION_EXPIRE_DATETIME, (uint64_t)auth->origination_expire_ms);
    if (auth->has_usage_expire)
        put_u64(w, KEYMINT_TAG_USAGE_EXPIRE_DATETIME, (uint64_t)auth->usage_expire_ms);
    if (auth->min_seconds_between_ops != 0)
        put_u32(w, KEYMINT_TAG_MIN_SECONDS_BETWEEN_OPS, auth->min_seconds_between_ops);
    if (auth->max_uses_per_boot != 0)
        put_u32(w, KEYMINT_TAG_MAX_USES_PER_BOOT, auth->max_uses_per_boot);
    if (auth->usage_count_limit != 0)
        put_u32(w, KEYMINT_TAG_USAGE_COUNT_LIMIT, auth->usage_count_limit);
    if (auth->rollback_resistant)
        put_bool(w, KEYMINT_TAG_ROLLBACK_RESISTANCE);
}

size_t keymint_auth_list_serialize(const sim_auth_list *auth, uint8_t out[KEYMINT_AUTH_RECORDS_MAX])
{
    record_writer w = {.out = out};
    put_bit_positions(&w, KEYMINT_TAG_PURPOSE, auth->purposes & keymint_known_purposes);
    put_algorithm(&w, auth);
    for (size_t i = 0; i < KEYMINT_ARRAY_LEN(keymint_block_mode_values); i++)
        if (auth->block_modes & keymint_block_mode_values[i].bit)
            put_u32(&w, KEYMINT_TAG_BLOCK_MODE, keymint_block_mode_values[i].value);
    put_bit_positions(&w, KEYMINT_TAG_DIGEST, auth->digests & keymint_known_digests);
    put_paddings(&w, auth);
    put_user_authentication(&w, auth);
    put_usage_limits(&w, auth);
    put_u32(&w, KEYMINT_TAG_ORIGIN, auth->imported ? KM_ORIGIN_IMPORTED : KM_ORIGIN_GENERATED);
    put_u32(&w, KEYMINT_TAG_SIM_SECURITY_LEVEL, (uint32_t)auth->security_level);
    return w.overflow ? 0 : w.len;
}
