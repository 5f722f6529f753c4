/*
 * keymint_attestation_record.c - the KeyDescription extension in DER, as AOSP defines it
 * (hardware/interfaces/security/keymint/aidl/android/hardware/security/keymint/KeyCreationResult.aidl,
 * "Attestation Extension Schema"; source.android.com/docs/security/features/keystore/attestation).
 *
 * KeyDescription ::= SEQUENCE { attestationVersion INTEGER, attestationSecurityLevel ENUMERATED,
 *   keyMintVersion INTEGER, keyMintSecurityLevel ENUMERATED, attestationChallenge OCTET STRING,
 *   uniqueId OCTET STRING, softwareEnforced AuthorizationList, hardwareEnforced AuthorizationList }
 * Each AuthorizationList entry is [tag number] EXPLICIT, the tag number being the KeyMint Tag's low 28 bits
 * (Tag.aidl), in ascending order. A small DER writer of its own: nothing here parses.
 */
#include <stdlib.h>
#include <string.h>

#include "core/android_versions.h"
#include "secure/keymint_attestation.h"

typedef struct der_buffer {
    uint8_t *bytes;
    size_t len, capacity;
    bool failed; /* out of memory: every later write is ignored and the caller sees it once */
} der_buffer;

static void der_append(der_buffer *b, const void *bytes, size_t len)
{
    if (b->failed || len == 0)
        return;
    if (b->len + len > b->capacity) {
        size_t capacity = b->capacity == 0 ? 128 : b->capacity;
        while (capacity < b->len + len)
            capacity *= 2;
        uint8_t *grown = realloc(b->bytes, capacity);
        if (grown == NULL) {
            b->failed = true;
            return;
        }
        b->bytes = grown;
        b->capacity = capacity;
    }
    memcpy(b->bytes + b->len, bytes, len);
    b->len += len;
}

static void der_append_length(der_buffer *b, size_t len)
{
    uint8_t header[9];
    size_t n = 0;
    if (len < 0x80) {
        header[n++] = (uint8_t)len;
    } else {
        uint8_t digits[8];
        size_t count = 0;
        for (size_t v = len; v > 0; v >>= 8)
            digits[count++] = (uint8_t)(v & 0xff);
        header[n++] = (uint8_t)(0x80 | count);
        while (count > 0)
            header[n++] = digits[--count];
    }
    der_append(b, header, n);
}

/* identifier octets, length, contents */
static void der_append_element(der_buffer *b, const uint8_t *identifier, size_t identifier_len, const uint8_t *contents,
                               size_t len)
{
    der_append(b, identifier, identifier_len);
    der_append_length(b, len);
    der_append(b, contents, len);
}

static void der_append_tlv(der_buffer *b, uint8_t identifier, const uint8_t *contents, size_t len)
{
    der_append_element(b, &identifier, 1, contents, len);
}

/* Moves inner into b as one element with this identifier (SEQUENCE, SET, OCTET STRING wrapping DER). */
static void der_wrap(der_buffer *b, uint8_t identifier, der_buffer *inner)
{
    if (inner->failed)
        b->failed = true;
    der_append_tlv(b, identifier, inner->bytes, inner->len);
    free(inner->bytes);
    *inner = (der_buffer){0};
}

/* INTEGER or ENUMERATED of a non-negative value: minimal big-endian, a leading 0 when the top bit is set. */
static void der_append_unsigned(der_buffer *b, uint8_t identifier, uint64_t value)
{
    uint8_t digits[9];
    size_t count = 0;
    do {
        digits[count++] = (uint8_t)(value & 0xff);
        value >>= 8;
    } while (value > 0);
    if (digits[count - 1] & 0x80)
        digits[count++] = 0;
    uint8_t contents[9];
    for (size_t i = 0; i < count; i++)
        contents[i] = digits[count - 1 - i];
    der_append_tlv(b, identifier, contents, count);
}

#define DER_BOOLEAN      0x01
#define DER_INTEGER      0x02
#define DER_OCTET_STRING 0x04
#define DER_NULL         0x05
#define DER_ENUMERATED   0x0a
#define DER_SEQUENCE     0x30
#define DER_SET          0x31

/* [number] EXPLICIT around inner: context-specific, constructed; numbers from 31 on take the high-tag form. */
static void der_wrap_explicit(der_buffer *b, uint32_t number, der_buffer *inner)
{
    uint8_t identifier[6];
    size_t n = 0;
    if (number < 31) {
        identifier[n++] = (uint8_t)(0xa0 | number);
    } else {
        uint8_t digits[5];
        size_t count = 0;
        for (uint32_t v = number; v > 0; v >>= 7)
            digits[count++] = (uint8_t)(v & 0x7f);
        identifier[n++] = 0xbf;
        while (count > 0) {
            count--;
            identifier[n++] = (uint8_t)(digits[count] | (count > 0 ? 0x80 : 0));
        }
    }
    if (inner->failed)
        b->failed = true;
    der_append_element(b, identifier, n, inner->bytes, inner->len);
    free(inner->bytes);
    *inner = (der_buffer){0};
}

static void tag_integer(der_buffer *list, uint32_t number, uint64_t value)
{
    der_buffer inner = {0};
    der_append_unsigned(&inner, DER_INTEGER, value);
    der_wrap_explicit(list, number, &inner);
}

/* SET OF INTEGER: values given in ascending order, which for these small values is DER's sorted order. */
static void tag_integer_set(der_buffer *list, uint32_t number, const uint32_t *values, size_t count)
{
    if (count == 0)
        return;
    der_buffer set = {0}, inner = {0};
    for (size_t i = 0; i < count; i++)
        der_append_unsigned(&set, DER_INTEGER, values[i]);
    der_wrap(&inner, DER_SET, &set);
    der_wrap_explicit(list, number, &inner);
}

static void tag_null(der_buffer *list, uint32_t number)
{
    der_buffer inner = {0};
    der_append_tlv(&inner, DER_NULL, NULL, 0);
    der_wrap_explicit(list, number, &inner);
}

static void tag_octets(der_buffer *list, uint32_t number, const uint8_t *bytes, size_t len)
{
    der_buffer inner = {0};
    der_append_tlv(&inner, DER_OCTET_STRING, bytes, len);
    der_wrap_explicit(list, number, &inner);
}

/* KeyMint Tag numbers (Tag.aidl, the low 28 bits) the record uses. */
enum {
    TAG_PURPOSE = 1,
    TAG_ALGORITHM = 2,
    TAG_KEY_SIZE = 3,
    TAG_BLOCK_MODE = 4,
    TAG_DIGEST = 5,
    TAG_PADDING = 6,
    TAG_EC_CURVE = 10,
    TAG_RSA_PUBLIC_EXPONENT = 200,
    TAG_ROLLBACK_RESISTANCE = 303,
    TAG_ACTIVE_DATETIME = 400,
    TAG_ORIGINATION_EXPIRE_DATETIME = 401,
    TAG_USAGE_EXPIRE_DATETIME = 402,
    TAG_USAGE_COUNT_LIMIT = 405,
    TAG_NO_AUTH_REQUIRED = 503,
    TAG_USER_AUTH_TYPE = 504,
    TAG_AUTH_TIMEOUT = 505,
    TAG_UNLOCKED_DEVICE_REQUIRED = 509,
    TAG_CREATION_DATETIME = 701,
    TAG_ORIGIN = 702,
    TAG_ROOT_OF_TRUST = 704,
    TAG_OS_VERSION = 705,
    TAG_OS_PATCHLEVEL = 706,
    TAG_ATTESTATION_APPLICATION_ID = 709,
    TAG_VENDOR_PATCHLEVEL = 718,
    TAG_BOOT_PATCHLEVEL = 719,
};

/* R-ATTEST-LIST-PLACEMENT: which list a tag goes in on a TEE or StrongBox device. KeyMint's reference
 * (system/keymint common/src/tag.rs extract_key_characteristics) reports at SecurityLevel::KEYSTORE, hence
 * in softwareEnforced, the tags keystore enforces: the validity dates (ACTIVE_DATETIME,
 * ORIGINATION_EXPIRE_DATETIME, USAGE_EXPIRE_DATETIME: a TEE has no trusted wall clock), CREATION_DATETIME
 * and ATTESTATION_APPLICATION_ID (keystore2 security_level.rs add_required_parameters adds both), and a
 * USAGE_COUNT_LIMIT above 1 (only a limit of 1 is KeyMint's, kept in its secure storage). Everything else,
 * UNLOCKED_DEVICE_REQUIRED included (tag.rs UNPOLICED_COPYABLE_TAGS; Keymaster 4 already enforced it in the
 * TEE through deviceLocked), is KeyMint's own. Keymaster (attestation versions 1-4) split the same way for
 * the tags the simulator writes; USAGE_COUNT_LIMIT exists from KeyMint on. On a software-only device every
 * tag is software-enforced. */
static bool tag_is_keymint_enforced(uint32_t number, const sim_auth_list *auth)
{
    switch (number) {
    case TAG_ACTIVE_DATETIME:
    case TAG_ORIGINATION_EXPIRE_DATETIME:
    case TAG_USAGE_EXPIRE_DATETIME:
    case TAG_CREATION_DATETIME:
    case TAG_ATTESTATION_APPLICATION_ID:
        return false;
    case TAG_USAGE_COUNT_LIMIT:
        return auth->usage_count_limit == 1;
    default:
        return true;
    }
}

/* The simulator keeps sets as bits; KeyMint's enum value of bit i is i for purposes and digests
 * (KeyPurpose.aidl ENCRYPT 0 ... AGREE_KEY 6; Digest.aidl NONE 0, SHA1 2 ... SHA_2_512 6). */
static size_t values_of_bits(uint32_t bits, uint32_t *values)
{
    size_t count = 0;
    for (uint32_t i = 0; i < 32; i++)
        if (bits & (1u << i))
            values[count++] = i;
    return count;
}

/* BlockMode.aidl: ECB 1, CBC 2, CTR 3, GCM 32. */
static size_t block_mode_values(uint32_t bits, uint32_t *values)
{
    size_t count = 0;
    if (bits & KSSIM_BLOCK_MODE_ECB)
        values[count++] = 1;
    if (bits & KSSIM_BLOCK_MODE_CBC)
        values[count++] = 2;
    if (bits & KSSIM_BLOCK_MODE_CTR)
        values[count++] = 3;
    if (bits & KSSIM_BLOCK_MODE_GCM)
        values[count++] = 32;
    return count;
}

/* PaddingMode.aidl: NONE 1, RSA_OAEP 2, RSA_PSS 3, RSA_PKCS1_1_5_ENCRYPT 4, RSA_PKCS1_1_5_SIGN 5, PKCS7 64.
 * The simulator's one PKCS#1 bit is the framework's two paddings: the signing one for a signing key, the
 * encryption one for an encryption key, as the framework asks KeyMint for them. */
static size_t padding_values(const sim_auth_list *auth, uint32_t *values)
{
    size_t count = 0;
    bool pkcs1 = (auth->paddings & KSSIM_PADDING_PKCS1) != 0;
    if (auth->paddings & KSSIM_PADDING_NONE)
        values[count++] = 1;
    if (auth->paddings & KSSIM_PADDING_OAEP)
        values[count++] = 2;
    if (auth->paddings & KSSIM_PADDING_PSS)
        values[count++] = 3;
    if (pkcs1 && (auth->purposes & (KSSIM_PURPOSE_ENCRYPT | KSSIM_PURPOSE_DECRYPT)))
        values[count++] = 4;
    if (pkcs1 && (auth->purposes & (KSSIM_PURPOSE_SIGN | KSSIM_PURPOSE_VERIFY)))
        values[count++] = 5;
    if (auth->paddings & KSSIM_PADDING_PKCS7)
        values[count++] = 64;
    return count;
}

/* EcCurve.aidl: P_224 0, P_256 1, P_384 2, P_521 3, CURVE_25519 4. */
static uint32_t ec_curve_value(const sim_auth_list *auth)
{
    if (auth->algorithm == KSSIM_ALGORITHM_ED25519)
        return 4;
    switch (auth->key_size) {
    case 224:
        return 0;
    case 384:
        return 2;
    case 521:
        return 3;
    default:
        return 1;
    }
}

/* The release's row of the one table of releases (core/android_versions.c); a level outside it reads as
 * the newest modelled release. */
static const sim_android_release *release_of(int api_level)
{
    const sim_android_release *release = sim_android_release_find(api_level);
    if (release == NULL) {
        size_t count;
        const sim_android_release *all = sim_android_releases(&count);
        release = &all[count - 1];
    }
    return release;
}

/* R-ATTEST-VERSIONS-PER-RELEASE: the versions are the release row's (android_versions.c, which cites the
 * compatibility matrices). */
void sim_attestation_versions(int api_level, uint32_t *attestation_version, uint32_t *keymint_version)
{
    const sim_android_release *release = release_of(api_level);
    *attestation_version = release->attestation_version;
    *keymint_version = release->keymint_version;
}

/* RootOfTrust ::= SEQUENCE { verifiedBootKey OCTET STRING, deviceLocked BOOLEAN,
 *   verifiedBootState ENUMERATED (Verified 0), verifiedBootHash OCTET STRING (attestation version 3 on) } */
static void tag_root_of_trust(der_buffer *list, const sim_attestation_device *device, uint32_t attestation_version)
{
    der_buffer sequence = {0}, inner = {0};
    der_append_tlv(&sequence, DER_OCTET_STRING, device->verified_boot_key, sizeof(device->verified_boot_key));
    der_append_tlv(&sequence, DER_BOOLEAN, (const uint8_t[]){0xff}, 1);
    der_append_unsigned(&sequence, DER_ENUMERATED, 0);
    if (attestation_version >= 3)
        der_append_tlv(&sequence, DER_OCTET_STRING, device->verified_boot_hash, sizeof(device->verified_boot_hash));
    der_wrap(&inner, DER_SEQUENCE, &sequence);
    der_wrap_explicit(list, TAG_ROOT_OF_TRUST, &inner);
}

/* AttestationApplicationId ::= SEQUENCE { package_infos SET OF AttestationPackageInfo,
 *   signature_digests SET OF OCTET_STRING }, AttestationPackageInfo ::= SEQUENCE { package_name OCTET STRING,
 * version INTEGER }, as keystore2 builds it from the package manager's answer (keystore2
 * attestation_application_id / the framework's KeyAttestationApplicationIdProvider: version 1 here, and
 * the SHA-256 of the package's signing certificate, which the caller gives), wrapped in the tag's OCTET
 * STRING. */
static void tag_application_id(der_buffer *list, const sim_attestation_request *request)
{
    der_buffer info = {0}, infos = {0}, digests = {0}, id = {0};
    der_append_tlv(&info, DER_OCTET_STRING, request->application_id, request->application_id_len);
    der_append_unsigned(&info, DER_INTEGER, 1);
    der_wrap(&infos, DER_SEQUENCE, &info);
    der_append_tlv(&digests, DER_OCTET_STRING, request->application_signature_digest,
                   sizeof(request->application_signature_digest));
    der_wrap(&id, DER_SET, &infos);
    der_wrap(&id, DER_SET, &digests);
    der_buffer sequence = {0};
    der_wrap(&sequence, DER_SEQUENCE, &id);
    if (sequence.failed)
        list->failed = true;
    tag_octets(list, TAG_ATTESTATION_APPLICATION_ID, sequence.bytes, sequence.len);
    free(sequence.bytes);
}

/* One AuthorizationList: the tags of auth whose enforcing side is hardware_list's. */
static void authorization_list(der_buffer *out, const sim_attestation_device *device, const sim_auth_list *auth,
                               const sim_attestation_request *request, bool hardware_list)
{
    bool hardware_device = device->security_level != KSSIM_SECURITY_SOFTWARE;
#define IN_THIS_LIST(number) ((hardware_device && tag_is_keymint_enforced(number, auth)) == hardware_list)
    uint32_t attestation_version, keymint_version;
    sim_attestation_versions(device->api_level, &attestation_version, &keymint_version);
    uint32_t values[32];
    size_t count;
    der_buffer list = {0};
    if (IN_THIS_LIST(TAG_PURPOSE)) {
        count = values_of_bits(auth->purposes, values);
        tag_integer_set(&list, TAG_PURPOSE, values, count);
    }
    bool ec_family = auth->algorithm == KSSIM_ALGORITHM_EC || auth->algorithm == KSSIM_ALGORITHM_ED25519;
    if (IN_THIS_LIST(TAG_ALGORITHM))
        tag_integer(&list, TAG_ALGORITHM, ec_family ? KSSIM_ALGORITHM_EC : (uint32_t)auth->algorithm);
    if (IN_THIS_LIST(TAG_KEY_SIZE))
        tag_integer(&list, TAG_KEY_SIZE, auth->key_size);
    if (IN_THIS_LIST(TAG_BLOCK_MODE)) {
        count = block_mode_values(auth->block_modes, values);
        tag_integer_set(&list, TAG_BLOCK_MODE, values, count);
    }
    if (IN_THIS_LIST(TAG_DIGEST)) {
        count = values_of_bits(auth->digests, values);
        tag_integer_set(&list, TAG_DIGEST, values, count);
    }
    if (IN_THIS_LIST(TAG_PADDING)) {
        count = padding_values(auth, values);
        tag_integer_set(&list, TAG_PADDING, values, count);
    }
    if (ec_family && IN_THIS_LIST(TAG_EC_CURVE))
        tag_integer(&list, TAG_EC_CURVE, ec_curve_value(auth));
    if (auth->algorithm == KSSIM_ALGORITHM_RSA && IN_THIS_LIST(TAG_RSA_PUBLIC_EXPONENT))
        tag_integer(&list, TAG_RSA_PUBLIC_EXPONENT, 65537);
    if (auth->rollback_resistant && IN_THIS_LIST(TAG_ROLLBACK_RESISTANCE))
        tag_null(&list, TAG_ROLLBACK_RESISTANCE);
    if (auth->has_active && IN_THIS_LIST(TAG_ACTIVE_DATETIME))
        tag_integer(&list, TAG_ACTIVE_DATETIME, (uint64_t)auth->active_ms);
    if (auth->has_origination_expire && IN_THIS_LIST(TAG_ORIGINATION_EXPIRE_DATETIME))
        tag_integer(&list, TAG_ORIGINATION_EXPIRE_DATETIME, (uint64_t)auth->origination_expire_ms);
    if (auth->has_usage_expire && IN_THIS_LIST(TAG_USAGE_EXPIRE_DATETIME))
        tag_integer(&list, TAG_USAGE_EXPIRE_DATETIME, (uint64_t)auth->usage_expire_ms);
    if (auth->usage_count_limit > 0 && IN_THIS_LIST(TAG_USAGE_COUNT_LIMIT))
        tag_integer(&list, TAG_USAGE_COUNT_LIMIT, auth->usage_count_limit);
    if (auth->no_auth_required && IN_THIS_LIST(TAG_NO_AUTH_REQUIRED))
        tag_null(&list, TAG_NO_AUTH_REQUIRED);
    if (!auth->no_auth_required && auth->user_auth_types != 0 && IN_THIS_LIST(TAG_USER_AUTH_TYPE))
        tag_integer(&list, TAG_USER_AUTH_TYPE, auth->user_auth_types);
    if (auth->has_auth_timeout && IN_THIS_LIST(TAG_AUTH_TIMEOUT))
        tag_integer(&list, TAG_AUTH_TIMEOUT, auth->auth_timeout_s);
    if (auth->unlocked_device_required && IN_THIS_LIST(TAG_UNLOCKED_DEVICE_REQUIRED))
        tag_null(&list, TAG_UNLOCKED_DEVICE_REQUIRED);
    if (IN_THIS_LIST(TAG_CREATION_DATETIME))
        tag_integer(&list, TAG_CREATION_DATETIME, (uint64_t)request->creation_ms);
    if (IN_THIS_LIST(TAG_ORIGIN))
        tag_integer(&list, TAG_ORIGIN, auth->imported ? 2 : 0); /* KeyOrigin.aidl: GENERATED 0, IMPORTED 2 */
    if (IN_THIS_LIST(TAG_ROOT_OF_TRUST))
        tag_root_of_trust(&list, device, attestation_version);
    const sim_android_release *release = release_of(device->api_level);
    uint32_t os_version = release->os_version, patch_month = release->patch_month;
    if (IN_THIS_LIST(TAG_OS_VERSION))
        tag_integer(&list, TAG_OS_VERSION, os_version);
    if (IN_THIS_LIST(TAG_OS_PATCHLEVEL))
        tag_integer(&list, TAG_OS_PATCHLEVEL, patch_month);
    /* [709] came with Keymaster 3 (attestation version 2): Android 7's keystore added no application ID. */
    if (request->application_id_len > 0 && attestation_version >= 2 && IN_THIS_LIST(TAG_ATTESTATION_APPLICATION_ID))
        tag_application_id(&list, request);
    if (attestation_version >= 3 && IN_THIS_LIST(TAG_VENDOR_PATCHLEVEL))
        tag_integer(&list, TAG_VENDOR_PATCHLEVEL, patch_month * 100 + 1);
    if (attestation_version >= 3 && IN_THIS_LIST(TAG_BOOT_PATCHLEVEL))
        tag_integer(&list, TAG_BOOT_PATCHLEVEL, patch_month * 100 + 1);
#undef IN_THIS_LIST
    der_wrap(out, DER_SEQUENCE, &list);
}

int sim_attestation_key_description(const sim_attestation_device *device, const sim_auth_list *auth,
                                    const sim_attestation_request *request, uint8_t **der, size_t *der_len)
{
    *der = NULL;
    *der_len = 0;
    uint32_t attestation_version, keymint_version;
    sim_attestation_versions(device->api_level, &attestation_version, &keymint_version);
    der_buffer description = {0};
    der_append_unsigned(&description, DER_INTEGER, attestation_version);
    der_append_unsigned(&description, DER_ENUMERATED, (uint32_t)device->security_level);
    der_append_unsigned(&description, DER_INTEGER, keymint_version);
    der_append_unsigned(&description, DER_ENUMERATED, (uint32_t)device->security_level);
    der_append_tlv(&description, DER_OCTET_STRING, request->challenge, request->challenge_len);
    der_append_tlv(&description, DER_OCTET_STRING, NULL, 0); /* uniqueId: only with INCLUDE_UNIQUE_ID */
    authorization_list(&description, device, auth, request, false);
    authorization_list(&description, device, auth, request, true);
    der_buffer out = {0};
    der_wrap(&out, DER_SEQUENCE, &description);
    if (out.failed) {
        free(out.bytes);
        return -1;
    }
    *der = out.bytes;
    *der_len = out.len;
    return 0;
}
