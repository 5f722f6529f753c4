/*
 * device_image.c - the whole persistent state of a simulated phone as bytes, and back (device_image.h).
 *
 * The store (sqlite_store.c) keeps a device as one state image plus one image per key-database row, so
 * a command that changes one key rewrites one row. This file composes the images from what each layer
 * encodes of itself (framework here, then keystore2_image.c, secure_world_image.c, keymint_image.c,
 * env_image.c) and restores them all or nothing.
 *
 * Format: big-endian; u32/u64/i64 fixed width; bool one byte 0 or 1; enums u32; "bytes" and "string"
 * a u32 length then the bytes; [n] a fixed number of raw bytes. An image is read to its last byte.
 *
 * State image:
 *   magic "KSSIMDEV" [8], version u32 (SIM_DEVICE_IMAGE_VERSION)
 *   framework   config: seed u64, api_level u32 (a modelled release, 23..35), security_level u32, wall_clock_ms i64,
 *                       realtime bool
 *               host_boot_origin_ms i64
 *               prompt: response u32, biometric_id u32, remaining u32, credential_tag u64
 *   env         boot_ms u64, wall_ms i64, drbg key [32], drbg value [32]
 *   secure      security_level u32, device_key [32], hmac_key [32], previous_hmac_key [32],
 *               has_previous_hmac_key bool, boot_count u32 (>= 1)
 *               gatekeeper: enrolled bool, type u32, sid u64, salt [16], hash [32], failure_count u32,
 *                           last_checked_ms u64
 *               biometric: count u32 (<= SIM_MAX_BIOMETRIC_TEMPLATES), count x (id u32, modality u32,
 *                          class u32), authenticator_ids KSSIM_MODALITY_COUNT x u64,
 *                          failed_attempts u32, lockout_until_ms u64, permanent_lockout bool
 *               keymint: usage count u32, count x (key_id [32], has_last_begin bool, last_begin_s u64,
 *                        uses_this_boot u32)
 *   keystore2   api_level u32 (must equal the config's), locked bool, unlocked_since_boot bool,
 *               token count u32, count x (challenge u64, user_id u64, authenticator_id u64,
 *               authenticator_type u32, timestamp_ms u64, mac [32], received_ms u64)
 *   since version 2:
 *   rollback    generation u64 (g: what this device last wrote to DIR.rpmb), detected bool
 *   since version 4 (docs/faults.md):
 *   faults      framework: keystore_unavailable_calls u32, tokens_to_delay u32, token_delay_ms u64,
 *                          held count u32 (<= SIM_MAX_DELAYED_TOKENS), count x (challenge u64, user_id u64,
 *                          authenticator_id u64, authenticator_type u32, timestamp_ms u64, mac [32], due_ms u64)
 *               secure:    strongbox_failing bool, strongbox_failing_calls u32, blob fault count u32
 *                          (<= SIM_MAX_BLOB_FAULTS), count x (blob_digest [32], answer u32: -62 or -33 as i32)
 *   since version 5 (docs/openssl.md, kssim last-refusal):
 *   last refusal present bool; when present: result u32 (an i32), what string (< 32), alias string
 *                (< KSSIM_ALIAS_MAX), sentence string (< KSSIM_REFUSAL_SENTENCE_MAX), boot_ms u64, wall_ms i64,
 *                boot_count u32
 *   checksum    u32, CRC-32 of every byte before it (store/checksum.h)
 *   since version 3:
 *   keystore2   udr_keys_in_memory bool, biometric_unlock_sid_count u32 (<= KSSIM_MODALITY_COUNT),
 *               count x u64 (the UnlockedDeviceRequired super keys: keystore2_image.c)
 *   Version 1 images end after keystore2; they read as generation 0, never rolled back. Images before
 *   version 3 read the UnlockedDeviceRequired super keys as in memory exactly when unlocked. Images before
 *   version 4 end before faults; they read as a device without faults. Images before version 5 end before the
 *   last refusal; they read as a device that has refused nothing through the provider.
 *
 * Key image (one per key-database row):
 *   magic "KSSIMKEY" [8], version u32 (SIM_KEY_IMAGE_VERSION)
 *   alias string (< KSSIM_ALIAS_MAX, no NUL; must be the row's alias)
 *   spec: alias string, algorithm u32, size u32, purposes u32, digests u32, block_modes u32,
 *         paddings u32, user_auth bool, auth_timeout_s u32, auth_types u32,
 *         invalidated_by_biometric_enrollment bool, unlocked_device_required bool,
 *         max_uses_per_boot u32, usage_count_limit u32, min_seconds_between_ops u32, has_active bool,
 *         has_origination_expire bool, has_usage_expire bool, active_ms i64, origination_expire_ms i64,
 *         usage_expire_ms i64, security_level u32
 *   auth list: algorithm u32, key_size u32, purposes u32, digests u32, block_modes u32, paddings u32,
 *         no_auth_required bool, sid_count u32 (<= SIM_MAX_KEY_SIDS), sid_count x u64,
 *         user_auth_types u32, has_auth_timeout bool, auth_timeout_s u32, unlocked_device_required bool,
 *         max_uses_per_boot u32, usage_count_limit u32, min_seconds_between_ops u32, has_active bool,
 *         has_origination_expire bool, has_usage_expire bool, active_ms i64, origination_expire_ms i64,
 *         usage_expire_ms i64, security_level u32, imported bool
 *   blob bytes (empty for a tombstone), public_key bytes (empty for symmetric keys),
 *   uses_remaining u32, deleted_because u32
 *   since version 2: rollback_resistant bool, rolled_back bool, checksum u32 (CRC-32 of every byte
 *   before it). Version 1 rows end at deleted_because.
 *   since version 3: attestation_chain bytes (DER certificates, leaf first; empty without one), before
 *   the checksum.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/android_versions.h"
#include "core/invariant.h"
#include "store/checksum.h"
#include "store/device_image.h"

/* Key rows carry a version of their own: a store that rewrites only the rows that changed may hold
 * rows older than its state image. */
#define SIM_KEY_IMAGE_VERSION 3u
/* The first versions that end with a checksum. */
#define CHECKSUMMED_STATE_VERSION 2u
#define CHECKSUMMED_KEY_VERSION   2u
#define CHECKSUM_BYTES            4u

static const char state_magic[8] = {'K', 'S', 'S', 'I', 'M', 'D', 'E', 'V'};
static const char key_magic[8] = {'K', 'S', 'S', 'I', 'M', 'K', 'E', 'Y'};

static const uint32_t prompt_responses[] = {KSSIM_PROMPT_NONE, KSSIM_PROMPT_BIOMETRIC, KSSIM_PROMPT_CREDENTIAL};

#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))

/* Everything a state image decodes to, held apart from the device until all of it has decoded. */
typedef struct decoded_device {
    kssim_config config;
    int64_t host_boot_origin_ms;
    sim_system_prompt prompt;
    sim_env env;
    sim_secure_world sw;
    sim_keystore2 ks;
    uint64_t rollback_generation;
    bool rollback_detected;
    sim_framework_faults faults;
    sim_secure_faults secure_faults;
    kssim_refusal_record last_refusal;
} decoded_device;

static void encode_last_refusal(const kssim_refusal_record *record, sim_writer *w)
{
    sim_write_bool(w, record->present);
    if (!record->present)
        return;
    sim_write_u32(w, (uint32_t)(int32_t)record->result);
    sim_write_string(w, record->what);
    sim_write_string(w, record->alias);
    sim_write_string(w, record->sentence);
    sim_write_u64(w, record->boot_ms);
    sim_write_i64(w, record->wall_ms);
    sim_write_u32(w, record->boot_count);
}

static void decode_last_refusal(sim_reader *r, kssim_refusal_record *record)
{
    memset(record, 0, sizeof(*record));
    record->present = sim_read_bool(r);
    if (!record->present)
        return;
    record->result = (kssim_result)(int32_t)sim_read_u32(r);
    sim_read_string(r, record->what, sizeof(record->what));
    sim_read_string(r, record->alias, sizeof(record->alias));
    sim_read_string(r, record->sentence, sizeof(record->sentence));
    record->boot_ms = sim_read_u64(r);
    record->wall_ms = sim_read_i64(r);
    record->boot_count = sim_read_u32(r);
}

/* The parts a state image is made of, wherever they are held: a device, or what an image decoded to (the
 * round-trip check of sim_device_image_capture encodes both). */
typedef struct state_parts {
    const kssim_config *config;
    int64_t host_boot_origin_ms;
    const sim_system_prompt *prompt;
    const sim_env *env;
    const sim_secure_world *sw; /* its faults are the secure-world faults encoded */
    const sim_keystore2 *ks;
    uint64_t rollback_generation;
    bool rollback_detected;
    const sim_framework_faults *faults;
    const kssim_refusal_record *last_refusal;
} state_parts;

static void encode_faults(const state_parts *parts, sim_writer *w)
{
    const sim_framework_faults *faults = parts->faults;
    sim_write_u32(w, faults->keystore_unavailable_calls);
    sim_write_u32(w, faults->tokens_to_delay);
    sim_write_u64(w, faults->token_delay_ms);
    sim_write_u32(w, faults->delayed_count);
    for (size_t i = 0; i < faults->delayed_count; i++) {
        const kssim_auth_token *token = &faults->delayed[i].token;
        sim_write_u64(w, token->challenge);
        sim_write_u64(w, token->user_id);
        sim_write_u64(w, token->authenticator_id);
        sim_write_u32(w, token->authenticator_type);
        sim_write_u64(w, token->timestamp_ms);
        sim_write_raw(w, token->mac, sizeof(token->mac));
        sim_write_u64(w, faults->delayed[i].due_ms);
    }
    sim_secure_faults_image_encode(parts->sw, w);
}

static void decode_faults(sim_reader *r, decoded_device *decoded)
{
    sim_framework_faults *faults = &decoded->faults;
    faults->keystore_unavailable_calls = sim_read_u32(r);
    faults->tokens_to_delay = sim_read_u32(r);
    faults->token_delay_ms = sim_read_u64(r);
    uint32_t count = sim_read_u32(r);
    if (count > SIM_MAX_DELAYED_TOKENS) {
        if (!sim_reader_failed(r))
            sim_reader_fail(r, "it holds more delayed tokens than kssim keeps");
        return;
    }
    faults->delayed_count = count;
    for (uint32_t i = 0; i < count; i++) {
        kssim_auth_token *token = &faults->delayed[i].token;
        token->challenge = sim_read_u64(r);
        token->user_id = sim_read_u64(r);
        token->authenticator_id = sim_read_u64(r);
        token->authenticator_type = sim_read_u32(r);
        token->timestamp_ms = sim_read_u64(r);
        sim_read_raw(r, token->mac, sizeof(token->mac));
        faults->delayed[i].due_ms = sim_read_u64(r);
    }
    sim_secure_faults_image_decode(r, &decoded->secure_faults);
}

static void encode_framework(const state_parts *parts, sim_writer *w)
{
    sim_write_u64(w, parts->config->seed);
    sim_write_u32(w, (uint32_t)parts->config->api_level);
    sim_write_u32(w, (uint32_t)parts->config->security_level);
    sim_write_i64(w, parts->config->wall_clock_ms);
    sim_write_bool(w, parts->config->realtime);
    sim_write_i64(w, parts->host_boot_origin_ms);
    sim_write_u32(w, (uint32_t)parts->prompt->response);
    sim_write_u32(w, parts->prompt->biometric_id);
    sim_write_u32(w, parts->prompt->remaining);
    sim_write_u64(w, parts->prompt->credential_tag);
}

/* buffer holds the problem's text when it names the stored value; it outlives the reader's use of it. */
static void decode_framework(sim_reader *r, decoded_device *decoded, char *buffer, size_t buffer_size)
{
    kssim_config *config = &decoded->config;
    config->seed = sim_read_u64(r);
    uint32_t api_level = sim_read_u32(r);
    /* What kssim_device_create accepts; a stored device must satisfy the same. */
    if (api_level <= INT32_MAX && sim_android_release_find((int)api_level) != NULL) {
        config->api_level = (int)api_level;
    } else if (!sim_reader_failed(r)) {
        snprintf(buffer, buffer_size, "its API level %" PRIu32 " is not a release this kssim models (%d to %d)",
                 api_level, KSSIM_API_LEVEL_MIN, KSSIM_API_LEVEL_MAX);
        sim_reader_fail(r, buffer);
    }
    config->security_level = sim_security_level_image_decode(r);
    config->wall_clock_ms = sim_read_i64(r);
    config->realtime = sim_read_bool(r);
    decoded->host_boot_origin_ms = sim_read_i64(r);
    decoded->prompt.response = (kssim_prompt_response)sim_read_enum(r, prompt_responses, COUNT_OF(prompt_responses),
                                                                    "the armed prompt's response is unknown");
    decoded->prompt.biometric_id = sim_read_u32(r);
    decoded->prompt.remaining = sim_read_u32(r);
    decoded->prompt.credential_tag = sim_read_u64(r);
}

static void release_decoded(decoded_device *decoded)
{
    sim_secure_world_cleanup(&decoded->sw);
    sim_keystore2_cleanup(&decoded->ks);
    OPENSSL_cleanse(decoded, sizeof(*decoded));
}

/* Reads an image's magic and version. Returns NULL when this kssim reads them (any version from 1 to
 * supported, in *version), otherwise the phrase for the refusal (written into buffer when it names a
 * version); *newer tells an image from a later kssim, which is not damaged but cannot be read here. */
static const char *check_header(sim_reader *r, const char magic[8], uint32_t supported, char *buffer,
                                size_t buffer_size, bool *newer, uint32_t *version_read)
{
    *newer = false;
    *version_read = 0;
    char found[8];
    sim_read_raw(r, found, sizeof(found));
    uint32_t version = sim_read_u32(r);
    if (sim_reader_failed(r))
        return "it ends before its header does";
    if (memcmp(found, magic, sizeof(found)) != 0) {
        snprintf(buffer, buffer_size, "it is not a kssim image: it does not start with %.8s", magic);
        return buffer;
    }
    if (version > supported) {
        *newer = true;
        snprintf(buffer, buffer_size, "format version %u; this kssim reads version %u", version, supported);
        return buffer;
    }
    if (version < 1) {
        snprintf(buffer, buffer_size, "its format version %u is not one any kssim wrote", version);
        return buffer;
    }
    *version_read = version;
    return NULL;
}

/* The bytes an image's decoder reads: all but a checksummed image's last four, which must be the
 * CRC-32 of the rest. The version is read ahead of the checksum check so that an image of a newer kssim
 * is still reported as newer; NULL when the checksum holds (or the version has none). */
static const char *check_checksum(const uint8_t *bytes, size_t len, uint32_t first_checksummed, size_t *body_len)
{
    *body_len = len;
    if (len < 12)
        return NULL; /* the header check reports the short image */
    uint32_t version = (uint32_t)bytes[8] << 24 | (uint32_t)bytes[9] << 16 | (uint32_t)bytes[10] << 8 | bytes[11];
    if (version < first_checksummed)
        return NULL;
    if (len < 12 + CHECKSUM_BYTES)
        return "it ends before its checksum";
    size_t body = len - CHECKSUM_BYTES;
    uint32_t stored = (uint32_t)bytes[body] << 24 | (uint32_t)bytes[body + 1] << 16 | (uint32_t)bytes[body + 2] << 8 |
                      bytes[body + 3];
    *body_len = body;
    if (stored != sim_store_crc32(bytes, body))
        return "its checksum does not match its bytes: some of them changed after it was written";
    return NULL;
}

/* Appends the CRC-32 of everything written so far. */
static void write_checksum(sim_writer *w)
{
    if (!w->failed)
        sim_write_u32(w, sim_store_crc32(w->data, w->len));
}

static kssim_result refuse_out_of_memory(kssim_device *device, const char *doing)
{
    return sim_refuse(&device->env, KSSIM_SYSTEM_ERROR, "this process ran out of memory while %s: retry", doing);
}

/* what: "state", or "key 'alias'". */
static kssim_result refuse_image(kssim_device *device, const char *what, const sim_reader *r, const char *problem,
                                 bool newer)
{
    if (r->out_of_memory)
        return sim_refuse(&device->env, KSSIM_SYSTEM_ERROR,
                          "this process ran out of memory while reading the device's stored %s: retry", what);
    if (newer)
        return sim_refuse(&device->env, KSSIM_DEVICE_DAMAGED,
                          "the device's stored %s was written by a newer kssim (%s): use that kssim, or replace the "
                          "device with `kssim init --force`",
                          what, problem);
    return sim_refuse(&device->env, KSSIM_DEVICE_DAMAGED,
                      "the device's stored %s is damaged (%s): replace the device with `kssim init --force`", what,
                      problem);
}

static kssim_result refuse_key_image(kssim_device *device, const sim_key_image *key, const sim_reader *r,
                                     const char *problem, bool newer)
{
    char what[KSSIM_ALIAS_MAX + 8];
    snprintf(what, sizeof(what), "key '%.*s'", (int)strnlen(key->alias, KSSIM_ALIAS_MAX - 1), key->alias);
    return refuse_image(device, what, r, problem, newer);
}

static uint8_t *encode_state_parts(const state_parts *parts, size_t *len)
{
    sim_writer w;
    sim_writer_init(&w);
    sim_write_raw(&w, state_magic, sizeof(state_magic));
    sim_write_u32(&w, SIM_DEVICE_IMAGE_VERSION);
    encode_framework(parts, &w);
    sim_env_image_encode(parts->env, &w);
    sim_secure_world_image_encode(parts->sw, &w);
    sim_keystore2_image_encode(parts->ks, &w);
    sim_write_u64(&w, parts->rollback_generation);
    sim_write_bool(&w, parts->rollback_detected);
    sim_keystore2_udr_image_encode(parts->ks, &w);
    encode_faults(parts, &w);
    encode_last_refusal(parts->last_refusal, &w);
    write_checksum(&w);
    return sim_writer_finish(&w, len);
}

static uint8_t *encode_state(kssim_device *device, size_t *len)
{
    state_parts parts = {&device->config,
                         device->host_boot_origin_ms,
                         &device->prompt,
                         &device->env,
                         &device->sw,
                         &device->ks,
                         device->rollback_generation,
                         device->rollback_detected,
                         &device->faults,
                         &device->last_refusal};
    return encode_state_parts(&parts, len);
}

static uint8_t *encode_key(const sim_key_entry *entry, size_t *len)
{
    sim_writer w;
    sim_writer_init(&w);
    sim_write_raw(&w, key_magic, sizeof(key_magic));
    sim_write_u32(&w, SIM_KEY_IMAGE_VERSION);
    sim_key_entry_image_encode(entry, &w);
    write_checksum(&w);
    return sim_writer_finish(&w, len);
}

static const char *decode_state(const sim_device_image *image, decoded_device *decoded, sim_reader *r, char *buffer,
                                size_t buffer_size, bool *newer);
static const char *decode_key(const sim_key_image *key, sim_key_database *db, sim_reader *r, char *buffer,
                              size_t buffer_size, bool *newer);

static bool same_bytes(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
    return a_len == b_len && memcmp(a, b, a_len) == 0;
}

/* Encode-then-decode equality, checked on every capture of a thorough build (KSSIM_THOROUGH: the sanitizer
 * build of the tests, fuzzing, Debug): the image just encoded decodes, and what it decodes to encodes to the
 * same bytes again, so a restore gives back the device that was saved. An
 * allocation that fails leaves it unchecked (the capture's own result says so), never a false alarm. */
static void check_image_round_trip(const sim_device_image *image)
{
    decoded_device *decoded = calloc(1, sizeof(*decoded));
    if (decoded == NULL)
        return;
    char buffer[128];
    sim_reader r;
    bool newer;
    const char *problem = decode_state(image, decoded, &r, buffer, sizeof(buffer), &newer);
    KSSIM_INVARIANT(problem == NULL || r.out_of_memory, "a device's own state image decodes");
    for (size_t i = 0; problem == NULL && i < image->key_count; i++) {
        problem = decode_key(&image->keys[i], &decoded->ks.db, &r, buffer, sizeof(buffer), &newer);
        KSSIM_INVARIANT(problem == NULL || r.out_of_memory, "a device's own key image decodes");
    }
    if (problem == NULL) {
        decoded->sw.faults = decoded->secure_faults; /* where the device holds them */
        state_parts parts = {&decoded->config,
                             decoded->host_boot_origin_ms,
                             &decoded->prompt,
                             &decoded->env,
                             &decoded->sw,
                             &decoded->ks,
                             decoded->rollback_generation,
                             decoded->rollback_detected,
                             &decoded->faults,
                             &decoded->last_refusal};
        size_t len;
        uint8_t *again = encode_state_parts(&parts, &len);
        KSSIM_INVARIANT(again == NULL || same_bytes(again, len, image->state, image->state_len),
                        "decoding a state image just encoded gives the state it was encoded from");
        free(again);
        KSSIM_INVARIANT(decoded->ks.db.count == image->key_count, "each key image decodes to one row");
        for (size_t i = 0; i < decoded->ks.db.count; i++) {
            again = encode_key(decoded->ks.db.entries[i], &len);
            KSSIM_INVARIANT(again == NULL || same_bytes(again, len, image->keys[i].bytes, image->keys[i].len),
                            "decoding a key image just encoded gives the row it was encoded from");
            free(again);
        }
    }
    release_decoded(decoded);
    free(decoded);
}

/* The state image and, of the key database, the count entries (sorted by alias) chosen: every one, or
 * the changed ones (entries NULL: skipped). */
static kssim_result capture_entries(kssim_device *device, sim_device_image *image, sim_key_entry *const *entries,
                                    size_t count)
{
    image->state = encode_state(device, &image->state_len);
    if (image->state != NULL && count > 0)
        image->keys = calloc(count, sizeof(*image->keys));
    if (image->state == NULL || (count > 0 && image->keys == NULL)) {
        sim_device_image_free(image);
        return refuse_out_of_memory(device, "encoding the device's state");
    }
    for (size_t i = 0; i < count; i++) {
        if (entries[i] == NULL)
            continue;
        sim_key_image *key = &image->keys[image->key_count];
        memcpy(key->alias, entries[i]->alias, sizeof(key->alias));
        key->bytes = encode_key(entries[i], &key->len);
        if (key->bytes == NULL) {
            sim_device_image_free(image);
            return refuse_out_of_memory(device, "encoding the device's keys");
        }
        image->key_count++;
    }
    if (KSSIM_THOROUGH)
        check_image_round_trip(image);
    return KSSIM_OK;
}

kssim_result sim_device_image_capture(kssim_device *device, sim_device_image *image)
{
    memset(image, 0, sizeof(*image));
    sim_key_database *db = &device->ks.db;
    kssim_result r = sim_key_database_load_all(db);
    if (r != KSSIM_OK)
        return r;
    /* The database is kept sorted by alias, so the images are too. */
    return capture_entries(device, image, db->entries, db->count);
}

static int compare_entries_by_alias(const void *a, const void *b)
{
    const sim_key_entry *x = *(sim_key_entry *const *)a, *y = *(sim_key_entry *const *)b;
    if (x == NULL || y == NULL)
        return (x == NULL) - (y == NULL);
    return strcmp(x->alias, y->alias);
}

kssim_result sim_device_image_capture_changes(kssim_device *device, sim_device_image *image)
{
    memset(image, 0, sizeof(*image));
    sim_key_database *db = &device->ks.db;
    if (db->load_failure != KSSIM_OK)
        return sim_refuse(&device->env, db->load_failure,
                          "a stored key could not be read in this command, so nothing of it is stored: %s",
                          device->storage_failure != KSSIM_OK ? device->storage_failure_message
                                                              : "out of memory; retry");
    /* Each changed alias once (the entry's mark), in the database's order; one removed since is gone. */
    size_t count = db->changed.count;
    sim_key_entry **entries = count > 0 ? calloc(count, sizeof(*entries)) : NULL;
    if (count > 0 && entries == NULL)
        return refuse_out_of_memory(device, "encoding the device's keys");
    for (size_t i = 0; i < count; i++) {
        sim_key_entry *entry = sim_key_database_cached(db, db->changed.aliases[i]);
        entries[i] = entry != NULL && entry->changed ? entry : NULL;
    }
    if (count > 1)
        qsort(entries, count, sizeof(*entries), compare_entries_by_alias);
    /* An alias removed and stored again is listed twice, for one entry. */
    for (size_t i = count; i > 1; i--)
        if (entries[i - 1] != NULL && entries[i - 1] == entries[i - 2])
            entries[i - 1] = NULL;
    kssim_result r = capture_entries(device, image, entries, count);
    free(entries);
    if (r != KSSIM_OK)
        return r;
    image->keys_partial = true;
    if (db->removed.count > 0) {
        image->removed = calloc(db->removed.count, sizeof(*image->removed));
        if (image->removed == NULL) {
            sim_device_image_free(image);
            return refuse_out_of_memory(device, "encoding the device's keys");
        }
        memcpy(image->removed, db->removed.aliases, db->removed.count * sizeof(*image->removed));
        image->removed_count = db->removed.count;
    }
    return KSSIM_OK;
}

/* Decodes the state image into decoded; NULL on success, else the problem (r->out_of_memory tells a
 * failing allocation from damage). */
static const char *decode_state(const sim_device_image *image, decoded_device *decoded, sim_reader *r, char *buffer,
                                size_t buffer_size, bool *newer)
{
    size_t body_len;
    sim_reader_init(r, image->state, image->state_len);
    uint32_t version;
    const char *problem = check_header(r, state_magic, SIM_DEVICE_IMAGE_VERSION, buffer, buffer_size, newer, &version);
    if (problem != NULL)
        return problem;
    problem = check_checksum(image->state, image->state_len, CHECKSUMMED_STATE_VERSION, &body_len);
    if (problem != NULL)
        return problem;
    r->len = body_len;
    decode_framework(r, decoded, buffer, buffer_size);
    sim_env_image_decode(r, &decoded->env);
    sim_secure_world_image_decode(r, &decoded->sw);
    sim_keystore2_image_decode(r, &decoded->ks);
    if (version >= 2) {
        decoded->rollback_generation = sim_read_u64(r);
        decoded->rollback_detected = sim_read_bool(r);
    }
    sim_keystore2_udr_image_decode(r, &decoded->ks, version >= 3);
    if (version >= 4)
        decode_faults(r, decoded);
    if (version >= 5)
        decode_last_refusal(r, &decoded->last_refusal);
    sim_reader_expect_end(r);
    if (!sim_reader_failed(r) && decoded->sw.security_level != decoded->config.security_level)
        sim_reader_fail(r, "the secure world's security level is not the configuration's");
    if (!sim_reader_failed(r) && decoded->ks.api_level != decoded->config.api_level)
        sim_reader_fail(r, "keystore2's API level is not the configuration's");
    return r->problem;
}

/* Decodes one key image into db; NULL on success, else the problem. */
static const char *decode_key(const sim_key_image *key, sim_key_database *db, sim_reader *r, char *buffer,
                              size_t buffer_size, bool *newer)
{
    sim_reader_init(r, key->bytes, key->len);
    *newer = false;
    if (memchr(key->alias, '\0', sizeof(key->alias)) == NULL)
        return "its alias is not terminated";
    uint32_t version;
    const char *problem = check_header(r, key_magic, SIM_KEY_IMAGE_VERSION, buffer, buffer_size, newer, &version);
    if (problem != NULL)
        return problem;
    size_t body_len;
    problem = check_checksum(key->bytes, key->len, CHECKSUMMED_KEY_VERSION, &body_len);
    if (problem != NULL)
        return problem;
    r->len = body_len;
    sim_key_database_image_decode_row(r, db, key->alias, version);
    return r->problem;
}

static void apply(kssim_device *device, decoded_device *decoded)
{
    /* Operations in flight belong to this process. They survive only if the phone has not rebooted
     * since they began: an image of another boot means another process rebooted it, and an image with
     * another device key is another phone (kssim init --force), even at the same boot count. */
    bool keep_operations =
        decoded->sw.boot_count == device->sw.boot_count &&
        CRYPTO_memcmp(decoded->sw.device_key, device->sw.device_key, sizeof(device->sw.device_key)) == 0;
    device->config = decoded->config;
    device->host_boot_origin_ms = decoded->host_boot_origin_ms;
    device->prompt = decoded->prompt;
    device->rollback_generation = decoded->rollback_generation;
    device->rollback_detected = decoded->rollback_detected;
    device->faults = decoded->faults;
    device->last_refusal = decoded->last_refusal;
    sim_env_image_apply(&device->env, &decoded->env);
    sim_secure_world_image_apply(&device->sw, &decoded->sw, keep_operations);
    device->sw.api_level = device->config.api_level; /* not stored twice: the configuration's */
    device->sw.faults = decoded->secure_faults;
    sim_keystore2_image_apply(&device->ks, &decoded->ks, keep_operations);
}

kssim_result sim_device_image_restore(kssim_device *device, const sim_device_image *image)
{
    decoded_device *decoded = calloc(1, sizeof(*decoded));
    if (decoded == NULL)
        return refuse_out_of_memory(device, "reading the device's stored state");
    char buffer[128];
    sim_reader r;
    bool newer;
    const char *problem = decode_state(image, decoded, &r, buffer, sizeof(buffer), &newer);
    if (problem != NULL) {
        release_decoded(decoded);
        free(decoded);
        return refuse_image(device, "state", &r, problem, newer);
    }
    for (size_t i = 0; i < image->key_count; i++) {
        problem = decode_key(&image->keys[i], &decoded->ks.db, &r, buffer, sizeof(buffer), &newer);
        if (problem != NULL) {
            release_decoded(decoded);
            free(decoded);
            return refuse_key_image(device, &image->keys[i], &r, problem, newer);
        }
    }
    apply(device, decoded);
    /* A store's state row brings no key: they are read as commands need them. */
    device->ks.db.all_loaded = !image->keys_partial;
    release_decoded(decoded);
    free(decoded);
    return KSSIM_OK;
}

kssim_result sim_device_image_load_key(kssim_device *device, sim_key_database *db, const sim_key_image *key)
{
    char buffer[128];
    sim_reader r;
    bool newer;
    const char *problem = decode_key(key, db, &r, buffer, sizeof(buffer), &newer);
    return problem == NULL ? KSSIM_OK : refuse_key_image(device, key, &r, problem, newer);
}

const sim_key_image *sim_device_image_find_key(const sim_device_image *image, const char *alias)
{
    /* A plain scan: the images may come back from the store in any order, and a device has few keys. */
    for (size_t i = 0; i < image->key_count; i++)
        if (strncmp(image->keys[i].alias, alias, sizeof(image->keys[i].alias)) == 0)
            return &image->keys[i];
    return NULL;
}

void sim_device_image_free(sim_device_image *image)
{
    if (image == NULL)
        return;
    /* The state image holds the device key and the Gatekeeper hash. */
    if (image->state != NULL) {
        OPENSSL_cleanse(image->state, image->state_len);
        free(image->state);
    }
    for (size_t i = 0; i < image->key_count; i++) {
        if (image->keys[i].bytes != NULL) {
            OPENSSL_cleanse(image->keys[i].bytes, image->keys[i].len);
            free(image->keys[i].bytes);
        }
    }
    free(image->keys);
    free(image->removed);
    memset(image, 0, sizeof(*image));
}
