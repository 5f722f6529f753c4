/*
 * keymint_blob.c - sealing a key into the blob keystore2 stores, opening it again, and the storage
 * attack that flips a bit of it.
 *
 * As in a KeyMint TA's blob, the key material is encrypted with AES-256-GCM and the authorization
 * list rides in the clear but bound to it, so nobody outside the secure world can read the key or
 * loosen its policy. The reference TA (keyblob.rs encrypt/derive_kek) binds the characteristics by
 * mixing them into the derivation of the encryption key; here they are the GCM additional data under
 * the device key, which binds them as firmly, with a nonce per blob drawn from the DRBG and bound to
 * the blob's contents (keymint_blob_seal). The layout is described in keymint_blob.h.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/aes_gcm.h"
#include "secure/keymint_blob.h"
#include "secure/keymint_internal.h"

static uint32_t read_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int keymint_blob_locate(const uint8_t *blob, size_t len, keymint_blob_layout *layout)
{
    if (blob == NULL || len < KEYMINT_BLOB_HEADER_BYTES || blob[0] != KEYMINT_BLOB_VERSION)
        return -1;
    size_t records_len = (size_t)blob[1] << 8 | blob[2];
    size_t after_records = KEYMINT_BLOB_HEADER_BYTES + records_len;
    if (len < after_records || len - after_records < KEYMINT_BLOB_NONCE_BYTES + 4)
        return -1;
    size_t length_offset = after_records + KEYMINT_BLOB_NONCE_BYTES;
    size_t ciphertext_len = read_be32(blob + length_offset);
    size_t ciphertext_offset = length_offset + 4;
    /* The blob must end exactly after the tag: no trailing bytes go unauthenticated. */
    if (len - ciphertext_offset < KEYMINT_BLOB_TAG_BYTES ||
        len - ciphertext_offset - KEYMINT_BLOB_TAG_BYTES != ciphertext_len)
        return -1;
    layout->records_offset = KEYMINT_BLOB_HEADER_BYTES;
    layout->records_len = records_len;
    layout->nonce_offset = after_records;
    layout->ciphertext_offset = ciphertext_offset;
    layout->ciphertext_len = ciphertext_len;
    layout->tag_offset = ciphertext_offset + ciphertext_len;
    return 0;
}

/* AES-256-GCM under the device key; the additional data is every byte before the ciphertext.
 * Returns 0 on success; on decryption, -1 also when the tag does not verify. */
_Static_assert(KEYMINT_BLOB_NONCE_BYTES == SIM_AES_GCM_NONCE_BYTES && KEYMINT_BLOB_TAG_BYTES == SIM_AES_GCM_TAG_BYTES,
               "a blob's nonce and tag are sim_aes_256_gcm's");

static int device_key_gcm(sim_secure_world *sw, bool encrypt, const uint8_t *nonce, const uint8_t *aad, size_t aad_len,
                          const uint8_t *in, size_t in_len, uint8_t *out, uint8_t tag[16])
{
    /* sim_aes_256_gcm, not EVP_CIPHER_fetch: a process that only signs would build every cipher of the
     * default provider for this one (core/aes_gcm.c). */
    return sim_aes_256_gcm(&sw->env->crypto, encrypt, sw->device_key, nonce, aad, aad_len, in, in_len, out, tag);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

kssim_result keymint_blob_seal(sim_secure_world *sw, const sim_auth_list *auth, const keymint_key_material *material,
                               sim_key_blob *blob)
{
    uint8_t records[KEYMINT_AUTH_RECORDS_MAX];
    size_t records_len = keymint_auth_list_serialize(auth, records);
    if (records_len == 0 || material->len > UINT32_MAX)
        return sim_refuse(sw->env, KSSIM_SYSTEM_ERROR, "the key's authorization list does not fit in a key blob");
    size_t ciphertext_offset = KEYMINT_BLOB_HEADER_BYTES + records_len + KEYMINT_BLOB_NONCE_BYTES + 4;
    size_t len = ciphertext_offset + material->len + KEYMINT_BLOB_TAG_BYTES;
    uint8_t *data = malloc(len);
    if (data == NULL)
        return sim_refuse(sw->env, KSSIM_SYSTEM_ERROR, "out of memory for a key blob");
    data[0] = KEYMINT_BLOB_VERSION;
    data[1] = (uint8_t)(records_len >> 8);
    data[2] = (uint8_t)records_len;
    memcpy(data + KEYMINT_BLOB_HEADER_BYTES, records, records_len);
    uint8_t *nonce = data + KEYMINT_BLOB_HEADER_BYTES + records_len;
    /* Every blob is sealed under the one device key, and a device restored from an earlier copy replays
     * its DRBG: a nonce drawn from it alone would seal a key imported after the restore under the nonce
     * of the key sealed after the copy, and GCM under a repeated nonce gives away the XOR of the two
     * materials and the key that authenticates blobs. Bound to the records and the material, the nonce
     * repeats only for the very same blob. */
    uint8_t binding[64];
    if (sim_sha256(&sw->env->crypto, records, records_len, binding) != 0 ||
        sim_sha256(&sw->env->crypto, material->bytes, material->len, binding + 32) != 0) {
        free(data);
        return sim_refuse(sw->env, KSSIM_SYSTEM_ERROR, "OpenSSL failed to hash the key for its blob");
    }
    sim_random_bytes_bound_to(&sw->env->crypto, "kssim key blob nonce", binding, sizeof(binding), nonce,
                              KEYMINT_BLOB_NONCE_BYTES);
    OPENSSL_cleanse(binding, sizeof(binding));
    put_be32(nonce + KEYMINT_BLOB_NONCE_BYTES, (uint32_t)material->len);
    if (device_key_gcm(sw, true, nonce, data, ciphertext_offset, material->bytes, material->len,
                       data + ciphertext_offset, data + ciphertext_offset + material->len) != 0) {
        free(data);
        return sim_refuse(sw->env, KSSIM_SYSTEM_ERROR, "sealing the key blob failed inside OpenSSL");
    }
    blob->data = data;
    blob->len = len;
    return KSSIM_OK;
}

static kssim_result refuse_blob(sim_secure_world *sw)
{
    return sim_refuse(sw->env, KSSIM_INVALID_KEY_BLOB,
                      "the stored key blob does not authenticate under this device's key: it was altered, "
                      "truncated or made by another device; delete the key and generate or import it again");
}

/* R-BLOB-TAMPER-DETECTED: an altered blob does not open. AOSP: IKeyMintDevice.aidl begin INVALID_KEY_BLOB */
kssim_result keymint_blob_open(sim_secure_world *sw, const sim_key_blob *blob, sim_auth_list *auth,
                               keymint_key_material *material)
{
    keymint_blob_layout layout;
    material->bytes = NULL;
    material->len = 0;
    if (blob == NULL || keymint_blob_locate(blob->data, blob->len, &layout) != 0)
        return refuse_blob(sw);
    /* malloc(0) may return NULL; one spare byte keeps an empty key distinguishable from no memory. */
    uint8_t *plaintext = malloc(layout.ciphertext_len + 1);
    if (plaintext == NULL)
        return sim_refuse(sw->env, KSSIM_SYSTEM_ERROR, "out of memory opening a key blob");
    uint8_t tag[KEYMINT_BLOB_TAG_BYTES];
    memcpy(tag, blob->data + layout.tag_offset, sizeof(tag));
    if (device_key_gcm(sw, false, blob->data + layout.nonce_offset, blob->data, layout.ciphertext_offset,
                       blob->data + layout.ciphertext_offset, layout.ciphertext_len, plaintext, tag) != 0 ||
        keymint_auth_list_parse(blob->data + layout.records_offset, layout.records_len, auth) != 0) {
        OPENSSL_cleanse(plaintext, layout.ciphertext_len);
        free(plaintext);
        return refuse_blob(sw);
    }
    material->bytes = plaintext;
    material->len = layout.ciphertext_len;
    return KSSIM_OK;
}

/* The record the attack on a field changes: the field's own record, or the nearest stand-in when the
 * key has none (a key without AUTH_TIMEOUT still has its policy altered by the attack). */
static int locate_field_value(const uint8_t *records, size_t len, kssim_blob_field field, size_t *offset,
                              size_t *value_len)
{
    switch (field) {
    case KSSIM_BLOB_AUTH_TIMEOUT:
        if (keymint_auth_list_find(records, len, KEYMINT_TAG_AUTH_TIMEOUT, offset, value_len) == 0 ||
            keymint_auth_list_find(records, len, KEYMINT_TAG_USER_AUTH_TYPE, offset, value_len) == 0)
            return 0;
        break;
    case KSSIM_BLOB_USER_AUTH_TYPES:
        if (keymint_auth_list_find(records, len, KEYMINT_TAG_USER_AUTH_TYPE, offset, value_len) == 0)
            return 0;
        break;
    case KSSIM_BLOB_PURPOSES:
        if (keymint_auth_list_find(records, len, KEYMINT_TAG_PURPOSE, offset, value_len) == 0)
            return 0;
        break;
    default:
        return -1;
    }
    /* No such record: the first record stands in (its value, or its tag when the value is empty). */
    if (len < KEYMINT_RECORD_HEADER_BYTES)
        return -1;
    size_t first_value_len = (size_t)records[4] << 8 | records[5];
    *offset = first_value_len > 0 ? KEYMINT_RECORD_HEADER_BYTES : 0;
    *value_len = first_value_len > 0 ? first_value_len : 4;
    return *offset + *value_len <= len ? 0 : -1;
}

kssim_result sim_key_blob_tamper(sim_key_blob *blob, kssim_blob_field field)
{
    keymint_blob_layout layout;
    if (blob == NULL || keymint_blob_locate(blob->data, blob->len, &layout) != 0)
        return KSSIM_INVALID_KEY_BLOB;
    size_t at;
    if (field == KSSIM_BLOB_KEY_MATERIAL) {
        if (layout.ciphertext_len == 0)
            return KSSIM_INVALID_KEY_BLOB;
        at = layout.ciphertext_offset + layout.ciphertext_len / 2;
    } else {
        size_t offset, value_len;
        if (locate_field_value(blob->data + layout.records_offset, layout.records_len, field, &offset, &value_len) != 0)
            return KSSIM_INVALID_ARGUMENT;
        /* The value's least significant bit: SIGN becomes VERIFY, 30 s becomes 31 s. An attacker's
         * smallest change, and still every one is caught by the tag. */
        at = layout.records_offset + offset + value_len - 1;
    }
    blob->data[at] ^= 0x01;
    return KSSIM_OK;
}

void sim_key_blob_free(sim_key_blob *blob)
{
    if (blob == NULL)
        return;
    free(blob->data);
    blob->data = NULL;
    blob->len = 0;
}

void keymint_clear_new_key_outputs(sim_key_blob *blob, uint8_t **public_key, size_t *public_key_len)
{
    if (public_key != NULL)
        *public_key = NULL;
    if (public_key_len != NULL)
        *public_key_len = 0;
    blob->data = NULL;
    blob->len = 0;
}

kssim_result keymint_seal_new_key(sim_secure_world *sw, const sim_auth_list *policy, kssim_result made,
                                  keymint_key_material *material, sim_key_blob *blob, uint8_t **public_key)
{
    kssim_result r = made;
    if (r == KSSIM_OK)
        r = keymint_blob_seal(sw, policy, material, blob);
    keymint_key_material_free(material);
    if (r != KSSIM_OK && public_key != NULL) {
        free(*public_key);
        *public_key = NULL;
    }
    return r;
}
