/*
 * keymint_auth_records_read.c - the tag records of a blob read back into an authorization list.
 *
 * Written for hostile input: a blob is authenticated before its records are trusted, but the parser
 * itself never assumes that, so a fuzzer may feed it anything. Every length is checked against the
 * bytes that are there; unknown tags, unknown values, wrong value sizes, repeats of single-valued tags
 * and records that disagree (EC_CURVE against KEY_SIZE) are all refused.
 */
#include <string.h>

#include "secure/keymint_auth_values.h"

typedef struct record {
    uint32_t tag;
    const uint8_t *value;
    size_t value_len;
} record;

/* Reads the record at *pos; returns 0 and advances, or -1 when it runs past the end. */
static int next_record(const uint8_t *records, size_t len, size_t *pos, record *r)
{
    if (len - *pos < KEYMINT_RECORD_HEADER_BYTES)
        return -1;
    const uint8_t *p = records + *pos;
    r->tag = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    r->value_len = (size_t)p[4] << 8 | p[5];
    if (len - *pos - KEYMINT_RECORD_HEADER_BYTES < r->value_len)
        return -1;
    r->value = p + KEYMINT_RECORD_HEADER_BYTES;
    *pos += KEYMINT_RECORD_HEADER_BYTES + r->value_len;
    return 0;
}

/* The value size a tag's type implies (Tag.aidl TagType in the top four bits), or -1 for types no
 * record here uses. */
static int value_size_for(uint32_t tag)
{
    switch (tag >> 28) {
    case 1: /* ENUM */
    case 2: /* ENUM_REP */
    case 3: /* UINT */
        return 4;
    case 6:  /* DATE */
    case 10: /* ULONG_REP */
        return 8;
    case 7: /* BOOL */
        return 0;
    default:
        return -1;
    }
}

static uint64_t value_of(const record *r)
{
    uint64_t v = 0;
    for (size_t i = 0; i < r->value_len; i++)
        v = v << 8 | r->value[i];
    return v;
}

/* What the records said, before it is checked for consistency. */
typedef struct parsed_records {
    sim_auth_list auth;
    uint32_t km_algorithm;
    bool has_algorithm, has_key_size, has_ec_curve, has_origin, has_security_level, has_auth_type;
    uint32_t ec_curve;
} parsed_records;

static int bit_for_value(uint32_t value, uint32_t known, uint32_t *bits)
{
    if (value >= 32 || (known & (1u << value)) == 0)
        return -1;
    *bits |= 1u << value;
    return 0;
}

static int take_repeatable(parsed_records *p, uint32_t tag, uint64_t v)
{
    sim_auth_list *a = &p->auth;
    switch (tag) {
    case KEYMINT_TAG_PURPOSE:
        return bit_for_value((uint32_t)v, keymint_known_purposes, &a->purposes);
    case KEYMINT_TAG_DIGEST:
        return bit_for_value((uint32_t)v, keymint_known_digests, &a->digests);
    case KEYMINT_TAG_BLOCK_MODE:
        for (size_t i = 0; i < KEYMINT_ARRAY_LEN(keymint_block_mode_values); i++)
            if (keymint_block_mode_values[i].value == v) {
                a->block_modes |= keymint_block_mode_values[i].bit;
                return 0;
            }
        return -1;
    case KEYMINT_TAG_PADDING:
        for (size_t i = 0; i < KEYMINT_ARRAY_LEN(keymint_padding_values); i++)
            if (keymint_padding_values[i].value == v) {
                a->paddings |= keymint_padding_values[i].bit;
                return 0;
            }
        return -1;
    case KEYMINT_TAG_USER_SECURE_ID:
        if (a->sid_count >= SIM_MAX_KEY_SIDS)
            return -1;
        a->sids[a->sid_count++] = v;
        return 0;
    default:
        return -1;
    }
}

/* Sets a single-valued field once; a second record of the same tag is malformed. */
#define TAKE_ONCE(seen, assignment)                                                                                    \
    do {                                                                                                               \
        if (seen)                                                                                                      \
            return -1;                                                                                                 \
        seen = true;                                                                                                   \
        assignment;                                                                                                    \
    } while (0)

static int take_single(parsed_records *p, uint32_t tag, uint64_t v)
{
    sim_auth_list *a = &p->auth;
    switch (tag) {
    case KEYMINT_TAG_ALGORITHM:
        TAKE_ONCE(p->has_algorithm, p->km_algorithm = (uint32_t)v);
        return 0;
    case KEYMINT_TAG_KEY_SIZE:
        TAKE_ONCE(p->has_key_size, a->key_size = (uint32_t)v);
        return 0;
    case KEYMINT_TAG_EC_CURVE:
        TAKE_ONCE(p->has_ec_curve, p->ec_curve = (uint32_t)v);
        return 0;
    case KEYMINT_TAG_NO_AUTH_REQUIRED:
        TAKE_ONCE(a->no_auth_required, (void)0);
        return 0;
    case KEYMINT_TAG_USER_AUTH_TYPE:
        TAKE_ONCE(p->has_auth_type, a->user_auth_types = (uint32_t)v);
        return 0;
    case KEYMINT_TAG_AUTH_TIMEOUT:
        TAKE_ONCE(a->has_auth_timeout, a->auth_timeout_s = (uint32_t)v);
        return 0;
    case KEYMINT_TAG_UNLOCKED_DEVICE_REQUIRED:
        TAKE_ONCE(a->unlocked_device_required, (void)0);
        return 0;
    case KEYMINT_TAG_ROLLBACK_RESISTANCE:
        TAKE_ONCE(a->rollback_resistant, (void)0);
        return 0;
    case KEYMINT_TAG_ACTIVE_DATETIME:
        TAKE_ONCE(a->has_active, a->active_ms = (int64_t)v);
        return 0;
    case KEYMINT_TAG_ORIGINATION_EXPIRE_DATETIME:
        TAKE_ONCE(a->has_origination_expire, a->origination_expire_ms = (int64_t)v);
        return 0;
    case KEYMINT_TAG_USAGE_EXPIRE_DATETIME:
        TAKE_ONCE(a->has_usage_expire, a->usage_expire_ms = (int64_t)v);
        return 0;
    case KEYMINT_TAG_MIN_SECONDS_BETWEEN_OPS:
        if (a->min_seconds_between_ops != 0 || v == 0)
            return -1;
        a->min_seconds_between_ops = (uint32_t)v;
        return 0;
    case KEYMINT_TAG_MAX_USES_PER_BOOT:
        if (a->max_uses_per_boot != 0 || v == 0)
            return -1;
        a->max_uses_per_boot = (uint32_t)v;
        return 0;
    case KEYMINT_TAG_USAGE_COUNT_LIMIT:
        if (a->usage_count_limit != 0 || v == 0)
            return -1;
        a->usage_count_limit = (uint32_t)v;
        return 0;
    case KEYMINT_TAG_ORIGIN:
        if (v != KM_ORIGIN_GENERATED && v != KM_ORIGIN_IMPORTED)
            return -1;
        TAKE_ONCE(p->has_origin, a->imported = v == KM_ORIGIN_IMPORTED);
        return 0;
    case KEYMINT_TAG_SIM_SECURITY_LEVEL:
        if (v > KSSIM_SECURITY_STRONGBOX)
            return -1;
        TAKE_ONCE(p->has_security_level, a->security_level = (kssim_security_level)v);
        return 0;
    default:
        return -1;
    }
}

static int take_record(parsed_records *p, const record *r)
{
    int size = value_size_for(r->tag);
    if (size < 0 || (size_t)size != r->value_len)
        return -1;
    uint64_t v = value_of(r);
    switch (r->tag) {
    case KEYMINT_TAG_PURPOSE:
    case KEYMINT_TAG_DIGEST:
    case KEYMINT_TAG_BLOCK_MODE:
    case KEYMINT_TAG_PADDING:
    case KEYMINT_TAG_USER_SECURE_ID:
        return take_repeatable(p, r->tag, v);
    default:
        return take_single(p, r->tag, v);
    }
}

/* The algorithm the ALGORITHM and EC_CURVE records name together; -1 when they disagree. */
static int settle_algorithm(parsed_records *p)
{
    sim_auth_list *a = &p->auth;
    if (!p->has_algorithm || !p->has_key_size)
        return -1;
    switch (p->km_algorithm) {
    case KM_ALGORITHM_RSA:
        a->algorithm = KSSIM_ALGORITHM_RSA;
        return p->has_ec_curve ? -1 : 0;
    case KM_ALGORITHM_AES:
        a->algorithm = KSSIM_ALGORITHM_AES;
        return p->has_ec_curve ? -1 : 0;
    case KM_ALGORITHM_HMAC:
        a->algorithm = KSSIM_ALGORITHM_HMAC;
        return p->has_ec_curve ? -1 : 0;
    case KM_ALGORITHM_EC:
        if (!p->has_ec_curve)
            return -1;
        if (p->ec_curve == KM_EC_CURVE_25519) {
            a->algorithm = KSSIM_ALGORITHM_ED25519;
            return a->key_size == 256 ? 0 : -1;
        }
        a->algorithm = KSSIM_ALGORITHM_EC;
        if ((p->ec_curve == KM_EC_CURVE_P_224 && a->key_size == 224) ||
            (p->ec_curve == KM_EC_CURVE_P_256 && a->key_size == 256) ||
            (p->ec_curve == KM_EC_CURVE_P_384 && a->key_size == 384) ||
            (p->ec_curve == KM_EC_CURVE_P_521 && a->key_size == 521))
            return 0;
        return -1;
    default:
        return -1;
    }
}

int keymint_auth_list_parse(const uint8_t *records, size_t len, sim_auth_list *auth)
{
    parsed_records p;
    memset(&p, 0, sizeof(p));
    if (records == NULL && len != 0)
        return -1;
    size_t pos = 0;
    while (pos < len) {
        record r;
        if (next_record(records, len, &pos, &r) != 0 || take_record(&p, &r) != 0)
            return -1;
    }
    if (settle_algorithm(&p) != 0)
        return -1;
    *auth = p.auth;
    return 0;
}

int keymint_auth_list_find(const uint8_t *records, size_t len, uint32_t tag, size_t *value_offset, size_t *value_len)
{
    size_t pos = 0;
    while (pos < len) {
        record r;
        if (next_record(records, len, &pos, &r) != 0)
            return -1;
        if (r.tag == tag) {
            *value_offset = (size_t)(r.value - records);
            *value_len = r.value_len;
            return 0;
        }
    }
    return -1;
}
