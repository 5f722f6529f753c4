/*
 * keystore2_operation.c - createOperation and the life of an operation in keystore2.
 *
 * The checks run in keystore2's order (security_level.rs create_operation, enforcements.rs
 * authorize_create): the key must exist; the purpose must be one keystore2 serves; validity dates
 * against the wall clock; the purpose must be authorized; an unlocked-device key needs an unlocked
 * device; an auth-bound key needs the user's super key (the first unlock after boot); a timeout key
 * needs a cached token young enough. Then KeyMint begins the operation and does its own checks.
 * A per-operation key needs, at each update and finish, a token carrying the operation's challenge;
 * while none has arrived the operation stays open, so the caller can authenticate and call again.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/names.h"
#include "keystore2/keystore2.h"

static bool is_asymmetric(kssim_algorithm algorithm)
{
    return algorithm == KSSIM_ALGORITHM_EC || algorithm == KSSIM_ALGORITHM_RSA || algorithm == KSSIM_ALGORITHM_ED25519;
}

static kssim_result check_validity_dates(sim_keystore2 *ks, const sim_auth_list *auth, uint32_t purpose)
{
    int64_t now = ks->env->clock.wall_ms;
    if (auth->has_active && now < auth->active_ms)
        return sim_refuse(ks->env, KSSIM_KEY_NOT_YET_VALID,
                          "the key becomes valid only at its activation date (wall clock %.3f s later): wait "
                          "until then",
                          (double)(auth->active_ms - now) / 1000.0);
    bool originates = purpose == KSSIM_PURPOSE_SIGN || purpose == KSSIM_PURPOSE_ENCRYPT;
    if (originates && auth->has_origination_expire && now > auth->origination_expire_ms)
        return sim_refuse(ks->env, KSSIM_KEY_EXPIRED,
                          "the key's origination period ended (wall clock): it can no longer sign or encrypt; "
                          "generate a new key");
    bool consumes = purpose == KSSIM_PURPOSE_VERIFY || purpose == KSSIM_PURPOSE_DECRYPT;
    if (consumes && auth->has_usage_expire && now > auth->usage_expire_ms)
        return sim_refuse(ks->env, KSSIM_KEY_EXPIRED,
                          "the key's usage period ended (wall clock): it can no longer verify or decrypt; "
                          "generate a new key");
    return KSSIM_OK;
}

static const char *auth_kinds(const sim_auth_list *auth)
{
    bool bio = auth->user_auth_types & KSSIM_AUTHENTICATOR_FINGERPRINT;
    bool cred = auth->user_auth_types & KSSIM_AUTHENTICATOR_PASSWORD;
    return bio && cred ? "a strong biometric or the device credential"
           : bio       ? "a strong biometric"
                       : "the device credential";
}

/* enforcements.rs authorize_create for timeout keys: the newest cached token that matches the key,
 * young enough by keystore2's own clock (whole seconds since it was received). */
static kssim_result choose_timeout_token(sim_keystore2 *ks, const sim_auth_list *auth, const kssim_auth_token **out)
{
    const sim_cached_token *cached = sim_token_cache_find_for_key(&ks->tokens, auth);
    if (cached == NULL)
        return sim_refuse(ks->env, KSSIM_KEY_USER_NOT_AUTHENTICATED,
                          "this key needs %s within the last %u s, and there has been none since boot or since the "
                          "key's authenticators changed: authenticate, then retry",
                          auth_kinds(auth), auth->auth_timeout_s);
    uint64_t age_s = (ks->env->clock.boot_ms - cached->received_ms) / 1000;
    if (age_s > auth->auth_timeout_s)
        return sim_refuse(ks->env, KSSIM_KEY_USER_NOT_AUTHENTICATED,
                          "this key needs %s within the last %u s; the last one was %llu s ago: authenticate "
                          "again, then retry",
                          auth_kinds(auth), auth->auth_timeout_s, (unsigned long long)age_s);
    *out = &cached->token;
    return KSSIM_OK;
}

static kssim_result authorize_create(sim_keystore2 *ks, const sim_key_entry *entry, uint32_t purpose,
                                     const kssim_auth_token **timeout_token)
{
    const sim_auth_list *auth = &entry->auth;
    if ((purpose == KSSIM_PURPOSE_VERIFY || purpose == KSSIM_PURPOSE_ENCRYPT) && is_asymmetric(auth->algorithm))
        return sim_refuse(ks->env, KSSIM_UNSUPPORTED_PURPOSE,
                          "keystore does not %s with public keys: use the key's public half outside the keystore",
                          sim_purpose_name(purpose));
    kssim_result r = check_validity_dates(ks, auth, purpose);
    if (r != KSSIM_OK)
        return r;
    if ((auth->purposes & purpose) == 0)
        return sim_refuse(ks->env, KSSIM_INCOMPATIBLE_PURPOSE,
                          "the key '%s' was not generated for %s: generate a key with that purpose", entry->alias,
                          sim_purpose_name(purpose));
    if (auth->no_auth_required && auth->sid_count > 0)
        return sim_refuse(ks->env, KSSIM_INVALID_KEY_BLOB,
                          "the key claims both NO_AUTH_REQUIRED and secure IDs: delete it and generate a new one");
    bool auth_bound = auth->sid_count > 0;
    if (auth_bound != (auth->user_auth_types != 0))
        return sim_refuse(ks->env, KSSIM_KEY_USER_NOT_AUTHENTICATED,
                          "the key has only one of USER_SECURE_ID and USER_AUTH_TYPE, so no token can ever match: "
                          "generate a new key");
    if ((r = sim_keystore2_authorize_unlocked_device_required(ks, entry)) != KSSIM_OK)
        return r;
    if (auth_bound && !ks->unlocked_since_boot)
        return sim_refuse(ks->env, KSSIM_LOCKED,
                          "the device has not been unlocked since it booted, so keys that need user authentication "
                          "are still encrypted: unlock with the credential, then retry");
    if (auth_bound && auth->has_auth_timeout)
        return choose_timeout_token(ks, auth, timeout_token);
    return KSSIM_OK;
}

static sim_keystore2_operation *find_operation(sim_keystore2 *ks, uint64_t handle)
{
    for (size_t i = 0; i < ks->operation_count; i++)
        if (ks->operations[i].handle == handle)
            return &ks->operations[i];
    return NULL;
}

static void forget_operation(sim_keystore2 *ks, uint64_t handle)
{
    sim_keystore2_operation *op = find_operation(ks, handle);
    if (op == NULL)
        return;
    size_t i = (size_t)(op - ks->operations);
    memmove(op, op + 1, (ks->operation_count - i - 1) * sizeof(*op));
    ks->operation_count--;
}

static kssim_result begin_in_keymint(sim_keystore2 *ks, sim_key_entry *entry, uint32_t purpose,
                                     const kssim_op_params *params, const kssim_auth_token *timeout_token,
                                     const uint8_t *plaintext_sha256, kssim_operation *op)
{
    return plaintext_sha256 != NULL
               ? sim_keymint_begin_encryption_of(ks->sw, &entry->blob, params, timeout_token, plaintext_sha256, op)
               : sim_keymint_begin(ks->sw, &entry->blob, purpose, params, timeout_token, op);
}

/* R-FAULT-BLOB-UPGRADE-RETRIED: KEY_REQUIRES_UPGRADE makes keystore2 upgrade the blob, store it and retry. AOSP:
 * system/security keystore2/src/security_level.rs upgrade_keyblob_if_required_with, utils.rs */
static kssim_result upgrade_blob_and_retry(sim_keystore2 *ks, sim_key_entry *entry, uint32_t purpose,
                                           const kssim_op_params *params, const kssim_auth_token *timeout_token,
                                           const uint8_t *plaintext_sha256, kssim_operation *op)
{
    sim_key_blob upgraded;
    kssim_result r = sim_keymint_upgrade_key(ks->sw, &entry->blob, &upgraded);
    if (r != KSSIM_OK)
        return r; /* the app sees upgradeKey's refusal, as keystore2 passes it on */
    /* keystore2 writes the new blob to its database before it retries, so the old one is gone for good. */
    sim_key_blob_free(&entry->blob);
    entry->blob = upgraded;
    return begin_in_keymint(ks, entry, purpose, params, timeout_token, plaintext_sha256, op);
}

/* plaintext_sha256: an encryption's whole plaintext digest, which KeyMint binds its nonce to; or NULL. */
static kssim_result create_operation(sim_keystore2 *ks, const char *alias, uint32_t purpose,
                                     const kssim_op_params *params, const uint8_t *plaintext_sha256,
                                     kssim_operation *op)
{
    sim_key_entry *entry = sim_key_database_find(&ks->db, alias);
    if (entry == NULL || entry->deleted_because != KSSIM_REASON_NONE)
        return sim_refuse(ks->env, KSSIM_KEY_NOT_FOUND, "there is no key named '%s': generate or import it first",
                          alias);
    const kssim_auth_token *timeout_token = NULL;
    kssim_result r = sim_keystore2_check_not_rolled_back(ks, entry);
    if (r == KSSIM_OK)
        r = authorize_create(ks, entry, purpose, &timeout_token);
    if (r == KSSIM_OK)
        r = sim_keystore2_unwrap_unlocked_device_required(ks, entry);
    if (r != KSSIM_OK)
        return r;
    if (ks->operation_count == ks->operation_capacity) {
        size_t capacity = ks->operation_capacity ? ks->operation_capacity * 2 : 8;
        sim_keystore2_operation *grown = realloc(ks->operations, capacity * sizeof(*grown));
        if (grown == NULL)
            return sim_refuse(ks->env, KSSIM_SYSTEM_ERROR, "out of memory for a new operation");
        ks->operations = grown;
        ks->operation_capacity = capacity;
    }
    r = begin_in_keymint(ks, entry, purpose, params, timeout_token, plaintext_sha256, op);
    if (r == KSSIM_KEY_REQUIRES_UPGRADE)
        r = upgrade_blob_and_retry(ks, entry, purpose, params, timeout_token, plaintext_sha256, op);
    if (r != KSSIM_OK)
        return r;
    sim_keystore2_operation *record = &ks->operations[ks->operation_count++];
    memset(record, 0, sizeof(*record));
    record->handle = op->handle;
    memcpy(record->alias, entry->alias, sizeof(record->alias));
    record->purpose = purpose;
    record->per_operation_auth = op->needs_per_op_auth;
    record->auth = entry->auth;
    record->usage_limited = entry->auth.usage_count_limit != 0;
    if (record->usage_limited &&
        sim_sha256(&ks->env->crypto, entry->blob.data, entry->blob.len, record->key_digest) != 0)
        return sim_refuse(ks->env, KSSIM_SYSTEM_ERROR, "OpenSSL failed to hash the key blob");
    return KSSIM_OK;
}

kssim_result sim_keystore2_create_operation(sim_keystore2 *ks, const char *alias, uint32_t purpose,
                                            const kssim_op_params *params, kssim_operation *op)
{
    return create_operation(ks, alias, purpose, params, NULL, op);
}

kssim_result sim_keystore2_create_encryption_of(sim_keystore2 *ks, const char *alias, const kssim_op_params *params,
                                                const uint8_t plaintext_sha256[32], kssim_operation *op)
{
    return create_operation(ks, alias, KSSIM_PURPOSE_ENCRYPT, params, plaintext_sha256, op);
}

/* The token routed to a per-operation key's operation: one carrying its challenge (enforcements.rs
 * OpAuthRequired / op_auth_map). Without one, keystore2 answers before KeyMint sees the call, and the
 * operation stays open for the caller to authenticate and retry. */
static kssim_result token_for_operation(sim_keystore2 *ks, const sim_keystore2_operation *record,
                                        const kssim_auth_token **token)
{
    *token = NULL;
    if (!record->per_operation_auth)
        return KSSIM_OK;
    const sim_cached_token *cached = sim_token_cache_find_for_challenge(&ks->tokens, &record->auth, record->handle);
    if (cached == NULL)
        return sim_refuse(ks->env, KSSIM_KEY_USER_NOT_AUTHENTICATED,
                          "this key needs %s for every operation: authenticate with the operation's challenge "
                          "0x%016llx (BiometricPrompt with a CryptoObject), then call again",
                          auth_kinds(&record->auth), (unsigned long long)record->handle);
    *token = &cached->token;
    return KSSIM_OK;
}

static kssim_result lookup_operation(sim_keystore2 *ks, uint64_t handle, sim_keystore2_operation **record)
{
    *record = find_operation(ks, handle);
    if (*record == NULL)
        return sim_refuse(ks->env, KSSIM_INVALID_OPERATION_HANDLE,
                          "operation 0x%016llx does not exist (finished, aborted, failed or lost in a reboot): "
                          "begin a new one",
                          (unsigned long long)handle);
    return KSSIM_OK;
}

kssim_result sim_keystore2_update(sim_keystore2 *ks, uint64_t handle, const uint8_t *data, size_t len)
{
    sim_keystore2_operation *record;
    const kssim_auth_token *token;
    kssim_result r = lookup_operation(ks, handle, &record);
    if (r == KSSIM_OK)
        r = token_for_operation(ks, record, &token);
    if (r != KSSIM_OK)
        return r;
    r = sim_keymint_update(ks->sw, handle, data, len, token);
    if (r != KSSIM_OK)
        forget_operation(ks, handle); /* KeyMint ends an operation on any error */
    return r;
}

/* The key a usage-limited operation began with, if the database still holds it live: not deleted,
 * exhausted, or replaced under its alias since. */
static sim_key_entry *key_of_operation(sim_keystore2 *ks, const sim_keystore2_operation *record)
{
    sim_key_entry *entry = sim_key_database_find(&ks->db, record->alias);
    uint8_t digest[32];
    if (entry == NULL || entry->deleted_because != KSSIM_REASON_NONE ||
        sim_sha256(&ks->env->crypto, entry->blob.data, entry->blob.len, digest) != 0 ||
        memcmp(digest, record->key_digest, sizeof(digest)) != 0)
        return NULL;
    return entry;
}

/* A successful use of a USAGE_COUNT_LIMIT key counts down; the use that finds one left deletes the key.
 * A finish whose key is gone by then - spent by another operation begun before, deleted, or replaced -
 * fails and its output is discarded: keystore2 runs KeyMint's finish, then after_finish's
 * check_and_update_key_usage_count finds no USAGE_COUNT_LIMIT for that key id and answers
 * INVALID_KEY_BLOB ("The Key no longer exists. Key is exhausted.", database.rs). */
static kssim_result count_key_use(sim_keystore2 *ks, const sim_keystore2_operation *record)
{
    if (!record->usage_limited)
        return KSSIM_OK;
    sim_key_entry *entry = key_of_operation(ks, record);
    if (entry == NULL)
        return sim_refuse(ks->env, KSSIM_INVALID_KEY_BLOB,
                          "the key '%s' this operation began with no longer exists (its uses ran out, or it was "
                          "deleted or replaced) so the result is discarded: generate a new key",
                          record->alias);
    if (entry->uses_remaining <= 1)
        sim_key_database_tombstone(&ks->db, entry, KSSIM_REASON_USAGE_EXHAUSTED);
    else
        entry->uses_remaining--;
    return KSSIM_OK;
}

kssim_result sim_keystore2_finish(sim_keystore2 *ks, uint64_t handle, const uint8_t *data, size_t len,
                                  const uint8_t *signature, size_t signature_len, uint8_t **out, size_t *out_len)
{
    sim_keystore2_operation *record;
    const kssim_auth_token *token;
    kssim_result r = lookup_operation(ks, handle, &record);
    if (r == KSSIM_OK)
        r = token_for_operation(ks, record, &token);
    if (r != KSSIM_OK)
        return r;
    sim_keystore2_operation finished = *record;
    r = sim_keymint_finish(ks->sw, handle, data, len, signature, signature_len, token, out, out_len);
    forget_operation(ks, handle);
    if (r == KSSIM_OK)
        r = count_key_use(ks, &finished);
    if (r != KSSIM_OK && out != NULL && *out != NULL) {
        OPENSSL_cleanse(*out, out_len != NULL ? *out_len : 0);
        free(*out);
        *out = NULL;
        if (out_len != NULL)
            *out_len = 0;
    }
    return r;
}

kssim_result sim_keystore2_abort(sim_keystore2 *ks, uint64_t handle)
{
    sim_keystore2_operation *record;
    kssim_result r = lookup_operation(ks, handle, &record);
    if (r != KSSIM_OK)
        return r;
    forget_operation(ks, handle);
    return sim_keymint_abort(ks->sw, handle);
}
