/*
 * keystore2_image.c - keystore2 as a stored device keeps it: its state, and its key database row by row.
 *
 * keystore2 keeps one database row per key (database.rs: the keyentry table with its blob, parameters
 * and certificate); a stored device does the same, so that changing one key rewrites one row. The token
 * cache and lock state are RAM on a phone, but a stored device's boot outlives each process, so they
 * travel too and only a reboot clears them. A tombstone is a row like any other: it is what lets a
 * later process still answer KEY_PERMANENTLY_INVALIDATED for a key the system deleted.
 */
#include <stdlib.h>
#include <string.h>

#include "core/android_versions.h"
#include "core/names.h"
#include "keystore2/keystore2.h"

/* Far beyond what a device holds; the bounds only stop a damaged length from asking for gigabytes. */
#define KEYSTORE2_MAX_STORED_TOKENS    (1u << 16)
#define KEYSTORE2_MAX_STORED_KEY_BYTES ((size_t)64 * 1024)
/* challenge, user_id, authenticator_id, type, timestamp, mac, received_ms */
#define KEYSTORE2_TOKEN_IMAGE_BYTES (8 + 8 + 8 + 4 + 8 + 32 + 8)

/* The reasons a stored key may have been deleted for: none, or a word of core/names.c's table (the stored
 * number is the enum's value, stable across versions). */
static size_t known_deletion_reasons(uint32_t *reasons, size_t capacity)
{
    size_t count = 0;
    reasons[count++] = KSSIM_REASON_NONE;
    for (size_t i = 0; i < sim_invalidation_reasons.count && count < capacity; i++)
        reasons[count++] = sim_invalidation_reasons.words[i].value;
    return count;
}

void sim_keystore2_image_encode(const sim_keystore2 *ks, sim_writer *w)
{
    sim_write_u32(w, (uint32_t)ks->api_level);
    sim_write_bool(w, ks->locked);
    sim_write_bool(w, ks->unlocked_since_boot);
    if (ks->tokens.count > KEYSTORE2_MAX_STORED_TOKENS) {
        w->failed = true; /* cannot happen; better no image than one that will not load */
        return;
    }
    sim_write_u32(w, (uint32_t)ks->tokens.count);
    for (size_t i = 0; i < ks->tokens.count; i++) {
        const sim_cached_token *cached = &ks->tokens.tokens[i];
        sim_write_u64(w, cached->token.challenge);
        sim_write_u64(w, cached->token.user_id);
        sim_write_u64(w, cached->token.authenticator_id);
        sim_write_u32(w, cached->token.authenticator_type);
        sim_write_u64(w, cached->token.timestamp_ms);
        sim_write_raw(w, cached->token.mac, sizeof(cached->token.mac));
        sim_write_u64(w, cached->received_ms);
    }
}

void sim_keystore2_image_decode(sim_reader *r, sim_keystore2 *decoded)
{
    memset(decoded, 0, sizeof(*decoded));
    uint32_t api_level = sim_read_u32(r);
    /* The framework checks it against the configuration's, which is range-checked; here it must fit. */
    if (api_level <= INT32_MAX)
        decoded->api_level = (int)api_level;
    else
        sim_reader_fail(r, "keystore2's API level is impossible");
    decoded->locked = sim_read_bool(r);
    decoded->unlocked_since_boot = sim_read_bool(r);
    uint32_t count = sim_read_count(r, KEYSTORE2_MAX_STORED_TOKENS, KEYSTORE2_TOKEN_IMAGE_BYTES,
                                    "the token cache holds an impossible number of tokens");
    if (sim_reader_failed(r) || count == 0)
        return;
    decoded->tokens.tokens = calloc(count, sizeof(*decoded->tokens.tokens));
    if (decoded->tokens.tokens == NULL) {
        sim_reader_fail_out_of_memory(r);
        return;
    }
    decoded->tokens.capacity = count;
    decoded->tokens.count = count;
    for (uint32_t i = 0; i < count; i++) {
        sim_cached_token *cached = &decoded->tokens.tokens[i];
        cached->token.challenge = sim_read_u64(r);
        cached->token.user_id = sim_read_u64(r);
        cached->token.authenticator_id = sim_read_u64(r);
        cached->token.authenticator_type = sim_read_u32(r);
        cached->token.timestamp_ms = sim_read_u64(r);
        sim_read_raw(r, cached->token.mac, sizeof(cached->token.mac));
        cached->received_ms = sim_read_u64(r);
    }
    /* The cache's order and uniqueness are what its lookups rely on (token_cache.c checks them after every
     * add), so a damaged image that breaks them is refused here rather than trusted. */
    const char *malformed = sim_token_cache_malformation(
        &decoded->tokens, sim_android_has(decoded->api_level, SIM_ANDROID_TOKEN_REPLACED_ONLY_BY_NEWER));
    if (!sim_reader_failed(r) && malformed != NULL)
        sim_reader_fail(r, malformed);
}

void sim_keystore2_udr_image_encode(const sim_keystore2 *ks, sim_writer *w)
{
    sim_write_bool(w, ks->udr_keys_in_memory);
    sim_write_u32(w, ks->biometric_unlock_sid_count);
    for (uint32_t i = 0; i < ks->biometric_unlock_sid_count; i++)
        sim_write_u64(w, ks->biometric_unlock_sids[i]);
}

void sim_keystore2_udr_image_decode(sim_reader *r, sim_keystore2 *decoded, bool stored)
{
    if (!stored) {
        /* Images from before the UnlockedDeviceRequired super keys: the keys were wiped at lock by
         * nothing, so they are in memory whenever the user is unlocked since boot and not locked. */
        decoded->udr_keys_in_memory = decoded->unlocked_since_boot && !decoded->locked;
        decoded->biometric_unlock_sid_count = 0;
        return;
    }
    decoded->udr_keys_in_memory = sim_read_bool(r);
    uint32_t count = sim_read_u32(r);
    if (count > KSSIM_MODALITY_COUNT) {
        sim_reader_fail(r, "keystore2 holds an impossible number of biometric-unlock SIDs");
        return;
    }
    for (uint32_t i = 0; i < count; i++)
        decoded->biometric_unlock_sids[i] = sim_read_u64(r);
    decoded->biometric_unlock_sid_count = count;
}

void sim_keystore2_image_apply(sim_keystore2 *ks, sim_keystore2 *decoded, bool keep_operations)
{
    /* The reboot the image saw ended this process's operations; what else on_boot resets is replaced
     * from the image right after. */
    if (!keep_operations)
        sim_keystore2_on_boot(ks);
    /* The rows come from the same place after as before; those of the image are what is in memory now. */
    sim_key_row_source source = ks->db.source;
    sim_key_database_cleanup(&ks->db);
    ks->db = decoded->db;
    ks->db.source = source;
    if (keep_operations)
        sim_keystore2_route_arrived_tokens(ks, &ks->tokens, &decoded->tokens);
    free(ks->tokens.tokens);
    ks->tokens = decoded->tokens;
    ks->api_level = decoded->api_level;
    ks->locked = decoded->locked;
    ks->unlocked_since_boot = decoded->unlocked_since_boot;
    ks->udr_keys_in_memory = decoded->udr_keys_in_memory;
    memcpy(ks->biometric_unlock_sids, decoded->biometric_unlock_sids, sizeof(ks->biometric_unlock_sids));
    ks->biometric_unlock_sid_count = decoded->biometric_unlock_sid_count;
    free(decoded->operations);
    memset(decoded, 0, sizeof(*decoded));
}

static void encode_key_spec(const kssim_key_spec *spec, sim_writer *w)
{
    sim_write_string(w, spec->alias);
    sim_write_u32(w, (uint32_t)spec->algorithm);
    sim_write_u32(w, spec->size);
    sim_write_u32(w, spec->purposes);
    sim_write_u32(w, spec->digests);
    sim_write_u32(w, spec->block_modes);
    sim_write_u32(w, spec->paddings);
    sim_write_bool(w, spec->user_auth);
    sim_write_u32(w, spec->auth_timeout_s);
    sim_write_u32(w, spec->auth_types);
    sim_write_bool(w, spec->invalidated_by_biometric_enrollment);
    sim_write_bool(w, spec->unlocked_device_required);
    sim_write_u32(w, spec->max_uses_per_boot);
    sim_write_u32(w, spec->usage_count_limit);
    sim_write_u32(w, spec->min_seconds_between_ops);
    sim_write_bool(w, spec->has_active);
    sim_write_bool(w, spec->has_origination_expire);
    sim_write_bool(w, spec->has_usage_expire);
    sim_write_i64(w, spec->active_ms);
    sim_write_i64(w, spec->origination_expire_ms);
    sim_write_i64(w, spec->usage_expire_ms);
    sim_write_u32(w, (uint32_t)spec->security_level);
}

static void decode_key_spec(sim_reader *r, kssim_key_spec *spec)
{
    memset(spec, 0, sizeof(*spec));
    sim_read_string(r, spec->alias, sizeof(spec->alias));
    spec->algorithm = sim_algorithm_image_decode(r);
    spec->size = sim_read_u32(r);
    spec->purposes = sim_read_u32(r);
    spec->digests = sim_read_u32(r);
    spec->block_modes = sim_read_u32(r);
    spec->paddings = sim_read_u32(r);
    spec->user_auth = sim_read_bool(r);
    spec->auth_timeout_s = sim_read_u32(r);
    spec->auth_types = sim_read_u32(r);
    spec->invalidated_by_biometric_enrollment = sim_read_bool(r);
    spec->unlocked_device_required = sim_read_bool(r);
    spec->max_uses_per_boot = sim_read_u32(r);
    spec->usage_count_limit = sim_read_u32(r);
    spec->min_seconds_between_ops = sim_read_u32(r);
    spec->has_active = sim_read_bool(r);
    spec->has_origination_expire = sim_read_bool(r);
    spec->has_usage_expire = sim_read_bool(r);
    spec->active_ms = sim_read_i64(r);
    spec->origination_expire_ms = sim_read_i64(r);
    spec->usage_expire_ms = sim_read_i64(r);
    spec->security_level = sim_security_level_image_decode(r);
}

void sim_key_entry_image_encode(const sim_key_entry *entry, sim_writer *w)
{
    sim_write_string(w, entry->alias);
    encode_key_spec(&entry->spec, w);
    sim_auth_list_image_encode(&entry->auth, w);
    sim_write_bytes(w, entry->blob.data, entry->blob.len);
    sim_write_bytes(w, entry->public_key, entry->public_key_len);
    sim_write_u32(w, entry->uses_remaining);
    sim_write_u32(w, (uint32_t)entry->deleted_because);
    /* Since key image version 2. */
    sim_write_bool(w, entry->spec.rollback_resistant);
    sim_write_bool(w, entry->rolled_back);
    /* Since key image version 3. */
    sim_write_bytes(w, entry->attestation_chain, entry->attestation_chain_len);
}

void sim_key_database_image_decode_row(sim_reader *r, sim_key_database *db, const char *expected_alias,
                                       uint32_t row_version)
{
    sim_key_entry entry;
    memset(&entry, 0, sizeof(entry));
    sim_read_string(r, entry.alias, sizeof(entry.alias));
    decode_key_spec(r, &entry.spec);
    sim_auth_list_image_decode(r, &entry.auth);
    entry.blob.data = sim_read_bytes(r, KEYSTORE2_MAX_STORED_KEY_BYTES, &entry.blob.len);
    entry.public_key = sim_read_bytes(r, KEYSTORE2_MAX_STORED_KEY_BYTES, &entry.public_key_len);
    entry.uses_remaining = sim_read_u32(r);
    uint32_t reasons[16];
    size_t reason_count = known_deletion_reasons(reasons, sizeof(reasons) / sizeof(reasons[0]));
    entry.deleted_because =
        (kssim_invalidation_reason)sim_read_enum(r, reasons, reason_count, "a key's reason for deletion is unknown");
    if (row_version >= 2) {
        entry.spec.rollback_resistant = sim_read_bool(r);
        entry.rolled_back = sim_read_bool(r);
    }
    if (row_version >= 3)
        entry.attestation_chain = sim_read_bytes(r, KEYSTORE2_MAX_STORED_KEY_BYTES, &entry.attestation_chain_len);
    if (entry.attestation_chain_len == 0) {
        free(entry.attestation_chain);
        entry.attestation_chain = NULL;
    }
    /* The stored auth list predates the tag; the spec carries it, as the blob does. */
    entry.auth.rollback_resistant = entry.spec.rollback_resistant;
    sim_reader_expect_end(r);
    if (!sim_reader_failed(r) && entry.alias[0] == '\0')
        sim_reader_fail(r, "a key has an empty alias");
    if (!sim_reader_failed(r) && strcmp(entry.alias, expected_alias) != 0)
        sim_reader_fail(r, "a key's row is stored under another key's alias");
    if (!sim_reader_failed(r) && sim_key_database_cached(db, entry.alias) != NULL)
        sim_reader_fail(r, "two keys have the same alias");
    if (!sim_reader_failed(r) && sim_key_database_store_loaded(db, &entry) != KSSIM_OK)
        sim_reader_fail_out_of_memory(r);
    if (sim_reader_failed(r)) {
        /* The database did not take ownership. */
        sim_key_blob_free(&entry.blob);
        free(entry.public_key);
        free(entry.attestation_chain);
    }
}
