/*
 * keymint_blob.h - the layout of a KeyMint key blob and the codec of its authorization list.
 *
 * A blob is what keystore2 stores for a key; only the device that sealed it can open it:
 *
 *     offset      size  field
 *     0           1     format version (KEYMINT_BLOB_VERSION)
 *     1           2     A: length of the authorization records, big-endian
 *     3           A     authorization records, in the clear (below)
 *     3+A         12    AES-GCM nonce
 *     15+A        4     C: length of the encrypted key material, big-endian
 *     19+A        C     key material (PKCS#8 DER or raw AES/HMAC bytes), AES-256-GCM under the device key
 *     19+A+C      16    GCM tag
 *
 * Everything before the ciphertext is the GCM additional data, so a change to any byte fails the tag
 * (or the framing) and the blob is refused with INVALID_KEY_BLOB. Like a KeyMint blob, the policy is
 * readable by anyone who holds the blob and changeable by no one.
 *
 * Authorization records: tag (4 bytes, big-endian, KeyMint's Tag.aidl numbers), value length (2 bytes,
 * big-endian), value. ENUM, ENUM_REP and UINT values are 4 bytes, ULONG_REP and DATE values 8 bytes
 * (big-endian), BOOL values empty; repeatable tags appear once per value. Enum values are KeyMint's
 * (Algorithm, EcCurve, KeyPurpose, Digest, BlockMode, PaddingMode, KeyOrigin). The parser checks every
 * length against the bytes that are there and refuses anything it does not know, so it may be fed any
 * bytes.
 */
#ifndef SIM_SECURE_KEYMINT_BLOB_H
#define SIM_SECURE_KEYMINT_BLOB_H

#include "secure/secure_world.h"

#define KEYMINT_BLOB_VERSION        1
#define KEYMINT_BLOB_HEADER_BYTES   3
#define KEYMINT_BLOB_NONCE_BYTES    12
#define KEYMINT_BLOB_TAG_BYTES      16
#define KEYMINT_RECORD_HEADER_BYTES 6
/* Enough for the longest list an auth list can produce (about 50 records). */
#define KEYMINT_AUTH_RECORDS_MAX 1024

/* Tag.aidl: the type in the top four bits, the number below. */
#define KEYMINT_TAG_PURPOSE                     0x20000001u
#define KEYMINT_TAG_ALGORITHM                   0x10000002u
#define KEYMINT_TAG_KEY_SIZE                    0x30000003u
#define KEYMINT_TAG_BLOCK_MODE                  0x20000004u
#define KEYMINT_TAG_DIGEST                      0x20000005u
#define KEYMINT_TAG_PADDING                     0x20000006u
#define KEYMINT_TAG_EC_CURVE                    0x1000000Au
#define KEYMINT_TAG_ROLLBACK_RESISTANCE         0x7000012Fu
#define KEYMINT_TAG_ACTIVE_DATETIME             0x60000190u
#define KEYMINT_TAG_ORIGINATION_EXPIRE_DATETIME 0x60000191u
#define KEYMINT_TAG_USAGE_EXPIRE_DATETIME       0x60000192u
#define KEYMINT_TAG_MIN_SECONDS_BETWEEN_OPS     0x30000193u
#define KEYMINT_TAG_MAX_USES_PER_BOOT           0x30000194u
#define KEYMINT_TAG_USAGE_COUNT_LIMIT           0x30000195u
#define KEYMINT_TAG_USER_SECURE_ID              0xA00001F6u
#define KEYMINT_TAG_NO_AUTH_REQUIRED            0x700001F7u
#define KEYMINT_TAG_USER_AUTH_TYPE              0x100001F8u
#define KEYMINT_TAG_AUTH_TIMEOUT                0x300001F9u
#define KEYMINT_TAG_UNLOCKED_DEVICE_REQUIRED    0x700001FDu
#define KEYMINT_TAG_ORIGIN                      0x100002BEu
/* The simulator's own record: KeyMint reports a key's SecurityLevel by the KeyCharacteristics group
 * its tags come in, not by a tag; a blob here has one group, so the level is written down. */
#define KEYMINT_TAG_SIM_SECURITY_LEVEL 0x10007001u

/* Writes auth as records into out (capacity KEYMINT_AUTH_RECORDS_MAX); returns the length. */
size_t keymint_auth_list_serialize(const sim_auth_list *auth, uint8_t out[KEYMINT_AUTH_RECORDS_MAX]);
/* Parses exactly len bytes of records; returns 0, or -1 for anything malformed, unknown, repeated
 * where it may not be, or missing (ALGORITHM, KEY_SIZE). */
int keymint_auth_list_parse(const uint8_t *records, size_t len, sim_auth_list *auth);
/* Finds the first record with this tag; returns 0 with the offset and length of its value (relative
 * to records), -1 when there is none or the records are malformed. */
int keymint_auth_list_find(const uint8_t *records, size_t len, uint32_t tag, size_t *value_offset, size_t *value_len);

/* The blob's fields located by bounds-checked parsing; returns 0, or -1 when the framing is wrong. */
typedef struct keymint_blob_layout {
    size_t records_offset, records_len;
    size_t nonce_offset;
    size_t ciphertext_offset, ciphertext_len;
    size_t tag_offset;
} keymint_blob_layout;
int keymint_blob_locate(const uint8_t *blob, size_t len, keymint_blob_layout *layout);

#endif
