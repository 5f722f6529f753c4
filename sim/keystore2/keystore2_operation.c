/*
 * keystore2_operation.c - createOperation and the life of an operation in keystore (keystore2, and
 * keystore1 before Android 12).
 *
 * R-BEGIN-ORDER (docs/android-rules.md "The order of checks when an operation begins"): keystore2 loads
 * the key, runs authorize_create (purpose, validity dates, the key's authorization, an unlocked device, a
 * timeout key's token), then unwraps the super-encrypted blob (LOCKED before the first unlock), then
 * begins in KeyMint, pruning an operation when KeyMint is full. keystore1 answers a locked
 * super-encrypted key at key load, and looks for the token before the other checks.
 * A per-operation key's operation takes the first token that arrives carrying its challenge and keeps it
 * for every update and finish; a call made before it arrived is refused and, like every failed update or
 * finish, ends the operation (Android 10 and later), so the caller authenticates first and then calls.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/android_versions.h"
#include "core/growable_array.h"
#include "core/invariant.h"
#include "core/names.h"
#include "keystore2/keystore2.h"

static bool is_asymmetric(kssim_algorithm algorithm)
{
    return algorithm == KSSIM_ALGORITHM_EC || algorithm == KSSIM_ALGORITHM_RSA || algorithm == KSSIM_ALGORITHM_ED25519;
}

/* R-DATES-WALL-CLOCK: validity dates against the wall clock; origination = sign/encrypt, consumption = verify/decrypt.
 * AOSP: keystore2 enforcements.rs authorize_create (is_given_time_passed) */
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

/* The words are core/names.c's; a key that names no type is bound to the device credential (LSKF). */
static const char *auth_kinds(const sim_auth_list *auth)
{
    uint32_t types = auth->user_auth_types & (KSSIM_AUTHENTICATOR_FINGERPRINT | KSSIM_AUTHENTICATOR_PASSWORD);
    return sim_authenticators_text(types != 0 ? types : KSSIM_AUTHENTICATOR_PASSWORD);
}

/* How to authenticate from a shell, for the one who meets this refusal through kssim or the OpenSSL provider
 * (a scenario's steps have the same names with underscores). */
static const char *shell_authentication(const sim_auth_list *auth)
{
    bool bio = (auth->user_auth_types & KSSIM_AUTHENTICATOR_FINGERPRINT) != 0;
    bool cred = (auth->user_auth_types & KSSIM_AUTHENTICATOR_PASSWORD) != 0;
    return bio && cred ? "`kssim authenticate-biometric --id ID` or `kssim verify-credential --secret SECRET`"
           : bio       ? "`kssim authenticate-biometric --id ID`"
                       : "`kssim verify-credential --secret SECRET`";
}

/* enforcements.rs authorize_create for timeout keys: the newest cached token that matches the key,
 * young enough by keystore2's own clock (whole seconds since it was received). */
/* R-TIMEOUT-CACHE-NEWEST: the newest matching cached token, its age in whole seconds since received; none or too old:
 * KEY_USER_NOT_AUTHENTICATED. AOSP: keystore2 enforcements.rs authorize_create */
static kssim_result choose_timeout_token(sim_keystore2 *ks, const sim_auth_list *auth, const kssim_auth_token **out)
{
    const sim_cached_token *cached = sim_token_cache_find_for_key(&ks->tokens, auth);
    sim_keystore2_explain_cached_tokens(ks, auth, 0, cached);
    if (cached == NULL)
        sim_explain(ks->env, "R-TIMEOUT-CACHE-NEWEST: no cached token matches the key: KEY_USER_NOT_AUTHENTICATED");
    if (cached == NULL)
        return sim_refuse(ks->env, KSSIM_KEY_USER_NOT_AUTHENTICATED,
                          "this key needs %s within the last %u s, and there has been none since boot or since the "
                          "key's authenticators changed: authenticate (from a shell: %s), then retry",
                          auth_kinds(auth), auth->auth_timeout_s, shell_authentication(auth));
    uint64_t age_s = (ks->env->clock.boot_ms - cached->received_ms) / 1000;
    sim_explain(ks->env, "R-TIMEOUT-CACHE-NEWEST: the newest matching token was received %llu s ago, timeout %u s: %s",
                (unsigned long long)age_s, auth->auth_timeout_s,
                age_s > auth->auth_timeout_s ? "too old, KEY_USER_NOT_AUTHENTICATED"
                                             : "young enough, passed to KeyMint");
    if (age_s > auth->auth_timeout_s)
        return sim_refuse(ks->env, KSSIM_KEY_USER_NOT_AUTHENTICATED,
                          "this key needs %s within the last %u s; the last one was %llu s ago: authenticate "
                          "again (from a shell: %s), then retry",
                          auth_kinds(auth), auth->auth_timeout_s, (unsigned long long)age_s,
                          shell_authentication(auth));
    *out = &cached->token;
    return KSSIM_OK;
}

/* The checks of enforcements.rs authorize_create that read only the key's parameters and the lock state,
 * in its order. */
/* R-PURPOSE-AUTHORIZED: the operation's purpose must be one of the key's (INCOMPATIBLE_PURPOSE). AOSP: keystore2
 * enforcements.rs authorize_create */
/* R-BLOB-NO-AUTH-AND-SID: NO_AUTH_REQUIRED with USER_SECURE_ID is INVALID_KEY_BLOB. AOSP: keystore2 enforcements.rs
 * authorize_create */
static kssim_result check_key_parameters(sim_keystore2 *ks, const sim_key_entry *entry, uint32_t purpose)
{
    const sim_auth_list *auth = &entry->auth;
    if ((purpose == KSSIM_PURPOSE_VERIFY || purpose == KSSIM_PURPOSE_ENCRYPT) && is_asymmetric(auth->algorithm))
        return sim_refuse(ks->env, KSSIM_UNSUPPORTED_PURPOSE,
                          "keystore does not %s with public keys: use the key's public half outside the keystore",
                          sim_purpose_name(purpose));
    kssim_result r = check_validity_dates(ks, auth, purpose);
    sim_keystore2_explain_dates(ks, auth, purpose, r);
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
    return KSSIM_OK;
}

static bool is_timeout_key(const sim_auth_list *auth)
{
    return auth->sid_count > 0 && auth->user_auth_types != 0 && auth->has_auth_timeout;
}

/* Whether the key's blob is encrypted with the user's super key, which is in memory only from the first
 * unlock after boot (super_key.rs; keystore1 blob.cpp isSuperEncrypted). */
static bool is_super_encrypted(const sim_keystore2 *ks, const sim_auth_list *auth)
{
    return auth->sid_count > 0 && sim_android_has(ks->api_level, SIM_ANDROID_AUTH_KEYS_SUPER_ENCRYPTED);
}

/* keystore2 unwraps a super-encrypted key only after authorize_create passed, so a key that fails a check
 * there gives that check's answer even before the first unlock, and LOCKED comes only for a key that
 * passed them all. */
/* R-REBOOT-LOCKED-UNTIL-FIRST-UNLOCK: a super-encrypted key before the first unlock: LOCKED, after authorize_create.
 * AOSP: keystore2 security_level.rs create_operation, super_key.rs unwrap_key_if_required */
static kssim_result unwrap_key_if_required(sim_keystore2 *ks, const sim_key_entry *entry)
{
    if (!is_super_encrypted(ks, &entry->auth) || ks->unlocked_since_boot)
        return KSSIM_OK;
    sim_explain(ks->env, "R-REBOOT-LOCKED-UNTIL-FIRST-UNLOCK: the key is super-encrypted and the device has not been "
                         "unlocked since boot: LOCKED");
    return sim_refuse(ks->env, KSSIM_LOCKED,
                      "the device has not been unlocked since it booted, so the key '%s', which needs user "
                      "authentication, is still encrypted: unlock with the credential, then retry",
                      entry->alias);
}

/* keystore1's begin loads the key first, and answers a super-encrypted key of a user not unlocked since
 * boot with KEY_USER_NOT_AUTHENTICATED, before any other check (V-KEYSTORE1-LOCKED-AS-NOT-AUTHENTICATED). */
/* R-BEGIN-KEYSTORE1-LOCKED-NOT-AUTHENTICATED: Android <= 11: a super-encrypted key before the first unlock answers
 * KEY_USER_NOT_AUTHENTICATED, first. AOSP: system/security keystore/key_store_service.cpp KeyStoreService::begin */
static kssim_result load_key_keystore1(sim_keystore2 *ks, const sim_key_entry *entry)
{
    if (!is_super_encrypted(ks, &entry->auth) || ks->unlocked_since_boot ||
        !sim_android_has(ks->api_level, SIM_ANDROID_KEYSTORE1_LOCKED_AS_NOT_AUTHENTICATED))
        return KSSIM_OK;
    sim_explain(ks->env, "R-BEGIN-KEYSTORE1-LOCKED-NOT-AUTHENTICATED: keystore1 loads the key first; it is still "
                         "encrypted (no unlock since boot): KEY_USER_NOT_AUTHENTICATED");
    return sim_refuse(ks->env, KSSIM_KEY_USER_NOT_AUTHENTICATED,
                      "the device has not been unlocked since it booted, so the key '%s' is still encrypted "
                      "(Android 11 and earlier report it as not authenticated): unlock with the credential, "
                      "then retry",
                      entry->alias);
}

/* The checks of createOperation before KeyMint's begin, in the release's order; the table is in
 * docs/android-rules.md, "The order of checks when an operation begins". */
/* R-BEGIN-ORDER: keystore2: authorize_create (purpose, dates, key, UDR, timeout token), then LOCKED, then KeyMint;
 * keystore1: locked key, token, the rest. AOSP: keystore2 security_level.rs create_operation, enforcements.rs
 * authorize_create; keystore keymaster_worker.cpp begin */
static kssim_result authorize_create(sim_keystore2 *ks, const sim_key_entry *entry, uint32_t purpose,
                                     const kssim_auth_token **timeout_token)
{
    const sim_auth_list *auth = &entry->auth;
    kssim_result r;
    if (!sim_android_has(ks->api_level, SIM_ANDROID_TOKEN_CHECKED_AFTER_KEY_CHECKS)) {
        sim_explain(ks->env, "R-BEGIN-ORDER: keystore1 order: locked key, timeout token, then the key's parameters");
        /* keymaster_worker.cpp KeymasterWorker::begin: getAuthToken, then AuthorizeOperation. */
        r = load_key_keystore1(ks, entry);
        if (r == KSSIM_OK && is_timeout_key(auth))
            r = choose_timeout_token(ks, auth, timeout_token);
        r = r != KSSIM_OK ? r : check_key_parameters(ks, entry, purpose);
        sim_explain(ks->env, "  keystore1 begin checks: %s", r == KSSIM_OK ? "passed" : kssim_result_name(r));
        return r;
    }
    sim_explain(ks->env, "R-BEGIN-ORDER: keystore2 authorize_create: purpose, dates, key, unlocked device, timeout "
                         "token; then the super key (LOCKED), then KeyMint");
    r = check_key_parameters(ks, entry, purpose);
    sim_explain(ks->env, "  purpose, dates, key parameters, unlocked device: %s",
                r == KSSIM_OK ? "passed" : kssim_result_name(r));
    if (r == KSSIM_OK && is_timeout_key(auth))
        r = choose_timeout_token(ks, auth, timeout_token);
    return r != KSSIM_OK ? r : unwrap_key_if_required(ks, entry);
}

static sim_keystore2_operation *find_operation(sim_keystore2 *ks, uint64_t handle)
{
    for (size_t i = 0; i < ks->operation_count; i++)
        if (ks->operations[i].handle == handle)
            return &ks->operations[i];
    return NULL;
}

static bool is_final_outcome(sim_operation_outcome outcome)
{
    return outcome == SIM_OUTCOME_SUCCESS || outcome == SIM_OUTCOME_ABORT || outcome == SIM_OUTCOME_DROPPED ||
           outcome == SIM_OUTCOME_ERROR_CODE;
}

/* The operation takes its final outcome and leaves the table (keystore2.h lists the transitions): only
 * a pruned record is dropped, only an active one succeeds, aborts or fails. */
static void end_operation(sim_keystore2 *ks, uint64_t handle, sim_operation_outcome outcome)
{
    KSSIM_INVARIANT(is_final_outcome(outcome), "an operation leaves the table only with a final outcome");
    sim_keystore2_operation *op = find_operation(ks, handle);
    if (op == NULL)
        return;
    KSSIM_INVARIANT(outcome == SIM_OUTCOME_DROPPED ? op->outcome == SIM_OUTCOME_PRUNED
                                                   : op->outcome == SIM_OUTCOME_UNKNOWN,
                    "Outcome transitions: PRUNED -> DROPPED, UNKNOWN -> SUCCESS, ABORT or ERROR_CODE");
    op->outcome = outcome;
    size_t i = (size_t)(op - ks->operations);
    memmove(op, op + 1, (ks->operation_count - i - 1) * sizeof(*op));
    ks->operation_count--;
    KSSIM_INVARIANT(find_operation(ks, handle) == NULL, "an ended operation is no longer findable by its handle");
}

/* operation.rs Operation::touch: a begin, update or finish makes the operation the most recently used. */
static void touch(sim_keystore2 *ks, sim_keystore2_operation *record)
{
    record->last_used_ms = ks->env->clock.boot_ms;
    record->last_used_seq = ++ks->operation_calls;
}

static bool same_instance(kssim_security_level a, kssim_security_level b)
{
    return (a == KSSIM_SECURITY_STRONGBOX) == (b == KSSIM_SECURITY_STRONGBOX);
}

/* The live operations on one KeyMint instance, as candidates for pruning; each security level has its
 * own operation database (security_level.rs KeystoreSecurityLevel::operation_db). index[i] is the
 * candidate's record. */
static size_t gather_candidates(const sim_keystore2 *ks, kssim_security_level level, sim_prune_candidate *out,
                                size_t *index)
{
    size_t n = 0;
    for (size_t i = 0; i < ks->operation_count; i++) {
        const sim_keystore2_operation *op = &ks->operations[i];
        if (op->outcome == SIM_OUTCOME_PRUNED || !same_instance(op->auth.security_level, level))
            continue;
        out[n] = (sim_prune_candidate){op->owner_uid, op->last_used_ms, op->last_used_seq};
        index[n++] = i;
    }
    return n;
}

/* Aborts the chosen operation in KeyMint; its record stays, pruned, until the caller's next call. */
static kssim_result prune_one(sim_keystore2 *ks, kssim_security_level level, bool keystore1)
{
    sim_prune_candidate *candidates = malloc((ks->operation_count + 1) * sizeof(*candidates));
    size_t *index = malloc((ks->operation_count + 1) * sizeof(*index));
    if (candidates == NULL || index == NULL) {
        free(candidates);
        free(index);
        return sim_refuse(ks->env, KSSIM_SYSTEM_ERROR, "out of memory choosing an operation to prune");
    }
    size_t n = gather_candidates(ks, level, candidates, index);
    KSSIM_INVARIANT(n <= ks->operation_count, "the prune candidates are among the operations in the table");
    long chosen = keystore1 ? sim_operation_least_recently_used(candidates, n)
                            : sim_operation_prune_choice(candidates, n, SIM_KEYSTORE2_APP_UID, ks->env->clock.boot_ms);
    KSSIM_INVARIANT(chosen < (long)n, "the pruning choice names one of the candidates or none");
    KSSIM_INVARIANT(chosen >= 0 || n == 0 || !keystore1, "keystore1 always prunes when it has a candidate");
    size_t record = chosen >= 0 ? index[chosen] : 0;
    free(candidates);
    free(index);
    if (chosen < 0)
        return keystore1 ? sim_refuse(ks->env, KSSIM_TOO_MANY_OPERATIONS,
                                      "KeyMint has no free operation slot and keystore has no operation it may "
                                      "abort: finish or abort one, then begin again")
                         : sim_refuse(ks->env, KSSIM_BACKEND_BUSY,
                                      "every KeyMint operation slot is taken and keystore2 may prune none of those "
                                      "operations: finish or abort one, then begin again");
    sim_keystore2_operation *pruned = &ks->operations[record];
    sim_keystore2_explain_pruning(ks, pruned->handle, keystore1, n);
    KSSIM_INVARIANT(pruned->outcome == SIM_OUTCOME_UNKNOWN && same_instance(pruned->auth.security_level, level),
                    "Outcome transition UNKNOWN -> PRUNED, of an operation on the KeyMint instance that is full");
    /* Its token receiver is obsolete now: a token is routed only to an operation whose outcome is UNKNOWN. */
    pruned->outcome = SIM_OUTCOME_PRUNED;
    sim_keymint_abort(ks->sw, pruned->handle);
    return KSSIM_OK;
}

static size_t live_operations(const sim_keystore2 *ks, kssim_security_level level)
{
    size_t n = 0;
    for (size_t i = 0; i < ks->operation_count; i++)
        if (ks->operations[i].outcome == SIM_OUTCOME_UNKNOWN &&
            same_instance(ks->operations[i].auth.security_level, level))
            n++;
    return n;
}

/* What holds of every record in the table, between calls: an active or pruned operation under a handle of
 * its own, whose auth state is one of its key's, with a token only for its own challenge; an active one
 * holds a KeyMint operation. */
static void check_operation_table(const sim_keystore2 *ks)
{
    KSSIM_INVARIANT(ks->operation_count <= ks->operation_capacity, "the operation table holds its records");
    for (size_t i = 0; i < ks->operation_count; i++) {
        const sim_keystore2_operation *op = &ks->operations[i];
        KSSIM_INVARIANT(op->outcome == SIM_OUTCOME_UNKNOWN || op->outcome == SIM_OUTCOME_PRUNED,
                        "a record in the table is active or pruned; a final outcome removes it");
        KSSIM_INVARIANT(op->handle != 0, "an operation's handle is never 0");
        for (size_t j = i + 1; j < ks->operation_count; j++)
            KSSIM_INVARIANT(ks->operations[j].handle != op->handle, "no two operations share a handle");
        KSSIM_INVARIANT(op->auth_state != SIM_AUTH_TOKEN || op->token.challenge == op->handle,
                        "an operation's token carries its own challenge");
        KSSIM_INVARIANT(op->last_used_seq <= ks->operation_calls, "an operation's last use is one that was counted");
        KSSIM_INVARIANT(op->outcome != SIM_OUTCOME_UNKNOWN || sim_keymint_has_operation(ks->sw, op->handle),
                        "an active keystore operation holds its KeyMint operation");
    }
}

/* When KeyMint answers TOO_MANY_OPERATIONS, keystore2 prunes one operation (R-OP-SLOTS-PRUNE-MALUS) and
 * begins again, until KeyMint has room or nothing may be pruned (BACKEND_BUSY). keystore1 keeps at most 15
 * operations per device and prunes the least recently used before it begins
 * (V-PRUNE-BY-MALUS), and again on TOO_MANY_OPERATIONS. */
/* R-OP-SLOTS-PRUNE-LRU: a begin with KeyMint full succeeds by pruning the app's least recently used operation (one app
 * per device). AOSP: keystore2 operation.rs OperationDb::prune, security_level.rs create_operation */
/* R-OP-SLOTS-PRUNE-ON-FULL: KeyMint full: keystore prunes an operation and begins again; none to prune: BACKEND_BUSY.
 * AOSP: keystore2 security_level.rs create_operation; keystore keymaster_worker.cpp KeymasterWorker::begin */
static kssim_result begin_in_keymint(sim_keystore2 *ks, const sim_key_entry *entry, uint32_t purpose,
                                     const kssim_op_params *params, const kssim_auth_token *timeout_token,
                                     const uint8_t *plaintext_sha256, kssim_operation *op)
{
    kssim_security_level level = entry->auth.security_level;
    bool keystore1 = !sim_android_has(ks->api_level, SIM_ANDROID_PRUNE_BY_MALUS);
    kssim_result r;
    while (keystore1 && live_operations(ks, level) >= 15)
        if ((r = prune_one(ks, level, true)) != KSSIM_OK)
            break;
    KSSIM_INVARIANT(!keystore1 || live_operations(ks, level) < 15,
                    "keystore1 has made room below its 15 operations before it begins");
    for (;;) {
        r = plaintext_sha256 != NULL
                ? sim_keymint_begin_encryption_of(ks->sw, &entry->blob, params, timeout_token, plaintext_sha256, op)
                : sim_keymint_begin(ks->sw, &entry->blob, purpose, params, timeout_token, op);
        if (r != KSSIM_TOO_MANY_OPERATIONS)
            return r;
        kssim_result pruned = prune_one(ks, level, keystore1);
        if (pruned != KSSIM_OK)
            return pruned;
        sim_clear_message(ks->env); /* KeyMint's refusal was answered by the prune, not by the caller */
    }
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
    sim_key_database_mark_changed(&ks->db, entry, entry->spec.rollback_resistant);
    return begin_in_keymint(ks, entry, purpose, params, timeout_token, plaintext_sha256, op);
}

static bool is_one_purpose(uint32_t purpose)
{
    return purpose != 0 && (purpose & (purpose - 1)) == 0;
}

/* authorize_create's postconditions: what is true of an operation record once createOperation succeeded. */
static void check_created_operation(sim_keystore2 *ks, const sim_key_entry *entry,
                                    const sim_keystore2_operation *record, const kssim_operation *op,
                                    const kssim_auth_token *timeout_token)
{
    const sim_auth_list *auth = &record->auth;
    KSSIM_INVARIANT(entry->deleted_because == KSSIM_REASON_NONE && !entry->rolled_back,
                    "an operation begins only with a live key the secure storage vouches for");
    KSSIM_INVARIANT(record->handle != 0 && record->handle == op->handle && op->challenge == op->handle,
                    "the record is KeyMint's operation, whose challenge is its handle and never 0");
    KSSIM_INVARIANT(find_operation(ks, record->handle) == record, "the new operation is findable, under one handle");
    KSSIM_INVARIANT(is_one_purpose(record->purpose) && (auth->purposes & record->purpose) != 0,
                    "an operation has one purpose, and it is one the key has");
    KSSIM_INVARIANT(auth->sid_count <= SIM_MAX_KEY_SIDS, "a key has no more secure IDs than the array holds");
    KSSIM_INVARIANT(!(auth->no_auth_required && auth->sid_count > 0),
                    "authorize_create refused a key that claims NO_AUTH_REQUIRED and secure IDs");
    KSSIM_INVARIANT((auth->sid_count > 0) == (auth->user_auth_types != 0),
                    "authorize_create refused a key with only one of USER_SECURE_ID and USER_AUTH_TYPE");
    KSSIM_INVARIANT((timeout_token != NULL) == is_timeout_key(auth),
                    "a timeout key's operation began with a cached token, and only a timeout key's did");
    KSSIM_INVARIANT(timeout_token == NULL || sim_token_matches_key(timeout_token, auth),
                    "the token a timeout key began with is for the key's secure IDs and authenticator types");
    KSSIM_INVARIANT(!op->needs_per_op_auth || (auth->sid_count > 0 && !auth->has_auth_timeout),
                    "a challenge to authenticate is asked only for an auth-bound key without a timeout");
    KSSIM_INVARIANT((record->auth_state != SIM_AUTH_NO_AUTH_REQUIRED) == op->needs_per_op_auth,
                    "DeferredAuthState: a per-operation key's operation waits for a token iff KeyMint asked for one");
    KSSIM_INVARIANT(record->outcome == SIM_OUTCOME_UNKNOWN && record->owner_uid == SIM_KEYSTORE2_APP_UID,
                    "a new operation is active and the app's");
    KSSIM_INVARIANT(record->last_used_seq == ks->operation_calls, "the new operation is the most recently used");
    KSSIM_INVARIANT(record->usage_limited == (auth->usage_count_limit != 0),
                    "a USAGE_COUNT_LIMIT key's operation is charged to that key");
    KSSIM_INVARIANT(live_operations(ks, auth->security_level) <= sim_keymint_operation_slots(auth->security_level),
                    "keystore has no more active operations on a KeyMint instance than it has slots");
    check_operation_table(ks);
}

/* plaintext_sha256: an encryption's whole plaintext digest, which KeyMint binds its nonce to; or NULL. */
static kssim_result create_operation(sim_keystore2 *ks, const char *alias, uint32_t purpose,
                                     const kssim_op_params *params, const uint8_t *plaintext_sha256,
                                     kssim_operation *op)
{
    sim_key_entry *entry = sim_key_database_load_live(&ks->db, alias);
    if (entry == NULL && ks->db.load_failure != KSSIM_OK)
        return ks->db.load_failure; /* the store said why */
    if (entry == NULL)
        return sim_refuse(ks->env, KSSIM_KEY_NOT_FOUND, "there is no key named '%s': generate or import it first",
                          alias);
    const kssim_auth_token *timeout_token = NULL;
    kssim_result r = sim_keystore2_check_not_rolled_back(ks, entry);
    if (r == KSSIM_OK)
        r = authorize_create(ks, entry, purpose, &timeout_token);
    if (r == KSSIM_OK) {
        r = sim_keystore2_unwrap_unlocked_device_required(ks, entry);
        sim_keystore2_explain_super_key(ks, entry, r);
    }
    if (r == KSSIM_OK)
        sim_keystore2_explain_usage_count(ks, entry, entry->alias, false, r);
    if (r != KSSIM_OK)
        return r;
    sim_keystore2_operation *grown = sim_array_with_room_for_one_more(ks->operations, ks->operation_count,
                                                                      &ks->operation_capacity, sizeof(*grown), 8);
    if (grown == NULL)
        return sim_refuse(ks->env, KSSIM_SYSTEM_ERROR, "out of memory for a new operation");
    ks->operations = grown;
    r = begin_in_keymint(ks, entry, purpose, params, timeout_token, plaintext_sha256, op);
    if (r == KSSIM_KEY_REQUIRES_UPGRADE)
        r = upgrade_blob_and_retry(ks, entry, purpose, params, timeout_token, plaintext_sha256, op);
    if (r != KSSIM_OK)
        return r;
    /* Hashed before the record exists: when hashing fails, the operation KeyMint just began is aborted and
     * nothing is recorded, so no slot stays taken by an operation keystore2 does not list. */
    bool usage_limited = entry->auth.usage_count_limit != 0;
    uint8_t key_digest[sizeof(ks->operations[0].key_digest)];
    if (usage_limited && sim_sha256(&ks->env->crypto, entry->blob.data, entry->blob.len, key_digest) != 0) {
        (void)sim_keymint_abort(ks->sw, op->handle);
        return sim_refuse(ks->env, KSSIM_SYSTEM_ERROR, "OpenSSL failed to hash the key blob (out of memory): retry");
    }
    KSSIM_INVARIANT(find_operation(ks, op->handle) == NULL, "KeyMint's new handle names no operation in the table");
    KSSIM_INVARIANT(ks->operation_count < ks->operation_capacity, "the table had room for the new record");
    sim_keystore2_operation *record = &ks->operations[ks->operation_count++];
    memset(record, 0, sizeof(*record));
    record->handle = op->handle;
    memcpy(record->alias, entry->alias, sizeof(record->alias));
    record->purpose = purpose;
    record->auth = entry->auth;
    record->owner_uid = SIM_KEYSTORE2_APP_UID;
    record->outcome = SIM_OUTCOME_UNKNOWN;
    touch(ks, record);
    /* enforcements.rs AuthInfo::finalize_create_authorization: OpAuthRequired registers a receiver for
     * the challenge (Waiting); keystore1 has none and searches its table instead. */
    record->auth_state = !op->needs_per_op_auth ? SIM_AUTH_NO_AUTH_REQUIRED
                         : sim_android_has(ks->api_level, SIM_ANDROID_OP_TOKEN_FIRST_ROUTED)
                             ? SIM_AUTH_WAITING
                             : SIM_AUTH_OP_AUTH_REQUIRED;
    record->usage_limited = usage_limited;
    if (usage_limited)
        memcpy(record->key_digest, key_digest, sizeof(record->key_digest));
    check_created_operation(ks, entry, record, op, timeout_token);
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

/* keystore2 hands a received token to the operation whose receiver waits for its challenge and removes
 * the receiver, so only the first token carrying the challenge reaches the operation; a token that came
 * before begin, or a second one, is not routed. The token is not checked here (secure IDs, MAC): KeyMint
 * checks it at update and finish, and a bad one ends the operation. It also enters the main cache. */
/* R-OP-TOKEN-FIRST-ROUTED: the first token carrying an operation's challenge after begin goes to it, for good; no other
 * is routed. AOSP: keystore2 enforcements.rs Enforcements::add_auth_token, TokenReceiverMap::add_auth_token
 * (remove_entry) */
void sim_keystore2_route_token_to_operation(sim_keystore2 *ks, const kssim_auth_token *token)
{
    for (size_t i = 0; i < ks->operation_count; i++) {
        sim_keystore2_operation *op = &ks->operations[i];
        if (op->auth_state == SIM_AUTH_WAITING && op->outcome == SIM_OUTCOME_UNKNOWN &&
            op->handle == token->challenge) {
            op->token = *token;
            op->auth_state = SIM_AUTH_TOKEN; /* DeferredAuthState transition WAITING -> TOKEN; no other is routed */
            KSSIM_INVARIANT(sim_android_has(ks->api_level, SIM_ANDROID_OP_TOKEN_FIRST_ROUTED),
                            "only a release that routes tokens to operations has one waiting");
            return;
        }
    }
}

static bool same_cached_token(const sim_cached_token *a, const sim_cached_token *b)
{
    const kssim_auth_token *x = &a->token, *y = &b->token;
    return a->received_ms == b->received_ms && x->challenge == y->challenge && x->user_id == y->user_id &&
           x->authenticator_id == y->authenticator_id && x->authenticator_type == y->authenticator_type &&
           x->timestamp_ms == y->timestamp_ms && memcmp(x->mac, y->mac, sizeof(x->mac)) == 0;
}

void sim_keystore2_route_arrived_tokens(sim_keystore2 *ks, const sim_token_cache *before, const sim_token_cache *after)
{
    for (size_t i = 0; i < after->count; i++) {
        bool known = false;
        for (size_t j = 0; j < before->count && !known; j++)
            known = same_cached_token(&after->tokens[i], &before->tokens[j]);
        if (!known)
            sim_keystore2_route_token_to_operation(ks, &after->tokens[i].token);
    }
}

/* What the app does after a refused update or finish: the refusal ended the operation on Android 10 and
 * later (V-OP-FAILED-CALL-ENDS), so it begins a new one; Android 9's keystore kept it open. */
static const char *after_auth_refusal(const sim_keystore2 *ks)
{
    return sim_android_has(ks->api_level, SIM_ANDROID_OP_FAILED_CALL_ENDS)
               ? "this operation has ended: begin a new operation, authenticate with its challenge (BiometricPrompt "
                 "with a CryptoObject), then finish it"
               : "authenticate with this operation's challenge (BiometricPrompt with a CryptoObject), then call "
                 "again";
}

/* A per-operation key's operation uses the one token it received for every update and finish
 * (DeferredAuthState::Waiting -> Token). Without one, keystore2 answers before KeyMint sees the call, and
 * the failed call ends the operation (end_failed_operation). keystore1 (V-OP-TOKEN-FIRST-ROUTED) instead
 * searches its token table at the first call that needs one: the first token carrying the challenge,
 * refused if it is not for the key's secure IDs, kept once it is. */
/* R-OP-TOKEN-CHALLENGE-REQUIRED: a per-operation key's update/finish needs its token; without one
 * KEY_USER_NOT_AUTHENTICATED (and the operation ends, R-OP-ENDED-INVALID-HANDLE). AOSP: keystore2 enforcements.rs
 * AuthInfo::before_update/before_finish */
/* R-OP-TOKEN-KEPT: the operation keeps the token it received for every update and finish. AOSP: keystore2
 * enforcements.rs AuthInfo::get_auth_tokens (DeferredAuthState::Token) */
/* R-OP-TOKEN-KEYSTORE1-TABLE: Android <= 11: the first table token with the challenge, at the first call; wrong secure
 * IDs refused, operation kept. AOSP: keystore keymaster_worker.cpp getOperationAuthTokenIfNeeded, auth_token_table.cpp
 * FindAuthPerOpAuthorization */
static kssim_result token_for_operation(sim_keystore2 *ks, sim_keystore2_operation *record,
                                        const kssim_auth_token **token)
{
    *token = NULL;
    KSSIM_INVARIANT(record->outcome == SIM_OUTCOME_UNKNOWN, "only an active operation asks for its token");
    if (record->auth_state == SIM_AUTH_NO_AUTH_REQUIRED)
        return KSSIM_OK;
    if (record->auth_state != SIM_AUTH_TOKEN)
        sim_keystore2_explain_cached_tokens(ks, &record->auth, record->handle, NULL);
    if (record->auth_state != SIM_AUTH_TOKEN && !sim_android_has(ks->api_level, SIM_ANDROID_OP_TOKEN_FIRST_ROUTED)) {
        const sim_cached_token *cached = sim_token_cache_first_with_challenge(&ks->tokens, record->handle);
        if (cached != NULL && !sim_token_matches_key(&cached->token, &record->auth))
            sim_explain(ks->env,
                        "R-OP-TOKEN-KEYSTORE1-TABLE: the first table token with challenge 0x%016llx is for "
                        "other SIDs or types: KEY_USER_NOT_AUTHENTICATED, operation kept",
                        (unsigned long long)record->handle);
        if (cached != NULL && !sim_token_matches_key(&cached->token, &record->auth))
            return sim_refuse(ks->env, KSSIM_KEY_USER_NOT_AUTHENTICATED,
                              "the auth token for this operation's challenge 0x%016llx is for other secure IDs or "
                              "another authenticator (the key needs %s): %s",
                              (unsigned long long)record->handle, auth_kinds(&record->auth), after_auth_refusal(ks));
        if (cached != NULL) {
            KSSIM_INVARIANT(cached->token.challenge == record->handle,
                            "keystore1's table lookup gives a token carrying the operation's challenge");
            record->token = cached->token;
            record->auth_state = SIM_AUTH_TOKEN; /* OP_AUTH_REQUIRED (or WAITING) -> TOKEN, kept for good */
        }
    }
    if (record->auth_state != SIM_AUTH_TOKEN)
        sim_explain(ks->env,
                    "R-OP-TOKEN-CHALLENGE-REQUIRED: no token carrying the operation's challenge 0x%016llx "
                    "has reached it since begin: KEY_USER_NOT_AUTHENTICATED",
                    (unsigned long long)record->handle);
    if (record->auth_state != SIM_AUTH_TOKEN)
        return sim_refuse(ks->env, KSSIM_KEY_USER_NOT_AUTHENTICATED,
                          "this key needs %s for every operation, and no auth token carrying this operation's "
                          "challenge 0x%016llx had arrived since it began: %s",
                          auth_kinds(&record->auth), (unsigned long long)record->handle, after_auth_refusal(ks));
    if (sim_explaining(ks->env)) {
        char text[256];
        sim_explain_token_text(&record->token, (unsigned long long)ks->env->clock.boot_ms, text, sizeof(text));
        sim_explain(ks->env, "R-OP-TOKEN-KEPT: the operation's token (routed at its challenge): %s", text);
    }
    KSSIM_INVARIANT(record->token.challenge == record->handle, "the token the operation keeps is for its challenge");
    *token = &record->token;
    return KSSIM_OK;
}

/* The operation a call names, made the most recently used; a pruned one answers INVALID_OPERATION_HANDLE
 * once and is forgotten. */
/* A finished, aborted or failed operation is no longer found (end_failed_operation decides that a failed
 * call ends it, R-OP-ENDED-INVALID-HANDLE). */
/* R-OP-PRUNED-INVALID-HANDLE: a pruned operation's next call answers INVALID_OPERATION_HANDLE. AOSP: keystore2
 * operation.rs Operation::check_active (Outcome::Pruned) */
static kssim_result lookup_operation(sim_keystore2 *ks, uint64_t handle, sim_keystore2_operation **record)
{
    check_operation_table(ks);
    *record = find_operation(ks, handle);
    if (*record != NULL && (*record)->outcome == SIM_OUTCOME_PRUNED) {
        sim_keystore2_explain_operation_gone(ks, handle, true);
        end_operation(ks, handle, SIM_OUTCOME_DROPPED);
        *record = NULL;
        return sim_refuse(ks->env, KSSIM_INVALID_OPERATION_HANDLE,
                          "operation 0x%016llx was pruned: keystore aborted it to make room for a newer one when "
                          "KeyMint had no free slot; begin a new one, and finish or abort operations you no longer "
                          "need",
                          (unsigned long long)handle);
    }
    if (*record == NULL)
        sim_keystore2_explain_operation_gone(ks, handle, false);
    if (*record == NULL)
        return sim_refuse(ks->env, KSSIM_INVALID_OPERATION_HANDLE,
                          "operation 0x%016llx does not exist (finished, aborted, failed or lost in a reboot): "
                          "begin a new one",
                          (unsigned long long)handle);
    KSSIM_INVARIANT((*record)->outcome == SIM_OUTCOME_UNKNOWN, "a call reaches only an active operation");
    touch(ks, *record);
    return KSSIM_OK;
}

/* keystore2 drops an operation whose update or finish returned any error, its own refusals before
 * KeyMint included ("Any error here means we can discard the operation"); dropping a still-active
 * operation aborts it in KeyMint. Its next call answers INVALID_OPERATION_HANDLE. Android 10 and 11's
 * keystore did the same (a finalizer removing and aborting the operation); Android 9's returned its
 * refusal and kept the operation. The refusal's message stays the one the caller sees. */
/* R-OP-ENDED-INVALID-HANDLE: a finished, aborted or failed operation (any update/finish error, keystore's own
 * refusals included from Android 10) is gone: its next call answers INVALID_OPERATION_HANDLE. AOSP: keystore2
 * operation.rs KeystoreOperation::with_locked_operation, Operation::check_active; keymaster_worker.cpp */
static kssim_result end_failed_operation(sim_keystore2 *ks, uint64_t handle, kssim_result refusal)
{
    KSSIM_INVARIANT(refusal != KSSIM_OK, "only a refused call ends an operation as failed");
    bool ends = sim_android_has(ks->api_level, SIM_ANDROID_OP_FAILED_CALL_ENDS);
    sim_keystore2_explain_operation_ended(ks, handle, ends, refusal);
    if (!ends)
        return refusal;
    end_operation(ks, handle, SIM_OUTCOME_ERROR_CODE);
    (void)sim_keymint_abort(ks->sw, handle);
    return refusal;
}

/* The live operation `handle` names and the token its next call carries. An operation the token
 * cannot authorize is ended as failed (where the API level ends it) before the refusal is returned. */
static kssim_result operation_and_token_for_call(sim_keystore2 *ks, uint64_t handle, sim_keystore2_operation **record,
                                                 const kssim_auth_token **token)
{
    kssim_result r = lookup_operation(ks, handle, record);
    if (r != KSSIM_OK)
        return r;
    r = token_for_operation(ks, *record, token);
    if (r != KSSIM_OK)
        return end_failed_operation(ks, handle, r);
    return KSSIM_OK;
}

kssim_result sim_keystore2_update(sim_keystore2 *ks, uint64_t handle, const uint8_t *data, size_t len)
{
    sim_keystore2_operation *record;
    const kssim_auth_token *token;
    kssim_result r = operation_and_token_for_call(ks, handle, &record, &token);
    if (r != KSSIM_OK)
        return r;
    r = sim_keymint_update(ks->sw, handle, data, len, token);
    if (r != KSSIM_OK)
        end_operation(ks, handle, SIM_OUTCOME_ERROR_CODE); /* KeyMint ends an operation on any error */
    return r;
}

/* The key a usage-limited operation began with, if the database still holds it live: not deleted,
 * exhausted, or replaced under its alias since. */
static sim_key_entry *key_of_operation(sim_keystore2 *ks, const sim_keystore2_operation *record)
{
    sim_key_entry *entry = sim_key_database_load_live(&ks->db, record->alias);
    uint8_t digest[32];
    if (entry == NULL || sim_sha256(&ks->env->crypto, entry->blob.data, entry->blob.len, digest) != 0 ||
        memcmp(digest, record->key_digest, sizeof(digest)) != 0)
        return NULL;
    return entry;
}

/* A successful use of a USAGE_COUNT_LIMIT key counts down; the use that finds one left deletes the key.
 * A finish whose key is gone by then - spent by another operation begun before, deleted, or replaced -
 * fails and its output is discarded: keystore2 runs KeyMint's finish, then after_finish's
 * check_and_update_key_usage_count finds no USAGE_COUNT_LIMIT for that key id and answers
 * INVALID_KEY_BLOB ("The Key no longer exists. Key is exhausted.", database.rs). */
/* R-USAGE-COUNT-LIMIT: a successful finish counts a USAGE_COUNT_LIMIT key down; the last use deletes it; a key gone by
 * finish: INVALID_KEY_BLOB. AOSP: keystore2 enforcements.rs AuthInfo::after_finish */
static kssim_result count_key_use(sim_keystore2 *ks, const sim_keystore2_operation *record)
{
    if (!record->usage_limited)
        return KSSIM_OK;
    sim_key_entry *entry = key_of_operation(ks, record);
    if (entry == NULL)
        sim_keystore2_explain_usage_count(ks, NULL, record->alias, true, KSSIM_INVALID_KEY_BLOB);
    else
        sim_keystore2_explain_usage_count(ks, entry, entry->alias, true, KSSIM_OK);
    if (entry == NULL)
        return sim_refuse(ks->env, KSSIM_INVALID_KEY_BLOB,
                          "the key '%s' this operation began with no longer exists (its uses ran out, or it was "
                          "deleted or replaced) so the result is discarded: generate a new key",
                          record->alias);
    if (entry->uses_remaining <= 1) {
        sim_key_database_tombstone(&ks->db, entry, KSSIM_REASON_USAGE_EXHAUSTED);
    } else {
        entry->uses_remaining--;
        sim_key_database_mark_changed(&ks->db, entry, true);
    }
    return KSSIM_OK;
}

/* Finish into *out, or into *deferred (sim_keymint_finish_deferred): the operation ends and its use is
 * counted here, under the device's lock, whichever it is. */
static kssim_result finish(sim_keystore2 *ks, uint64_t handle, const uint8_t *data, size_t len,
                           const uint8_t *signature, size_t signature_len, uint8_t **out, size_t *out_len,
                           kssim_deferred_output **deferred)
{
    sim_keystore2_operation *record;
    const kssim_auth_token *token;
    kssim_result r = operation_and_token_for_call(ks, handle, &record, &token);
    if (r != KSSIM_OK)
        return r;
    sim_keystore2_operation finished = *record;
    if (deferred != NULL)
        r = sim_keymint_finish_deferred(ks->sw, handle, data, len, signature, signature_len, token, deferred);
    else
        r = sim_keymint_finish(ks->sw, handle, data, len, signature, signature_len, token, out, out_len);
    end_operation(ks, handle, r == KSSIM_OK ? SIM_OUTCOME_SUCCESS : SIM_OUTCOME_ERROR_CODE);
    if (r == KSSIM_OK)
        r = count_key_use(ks, &finished);
    if (r != KSSIM_OK && out != NULL && *out != NULL) {
        OPENSSL_cleanse(*out, out_len != NULL ? *out_len : 0);
        free(*out);
        *out = NULL;
        if (out_len != NULL)
            *out_len = 0;
    }
    if (r != KSSIM_OK && deferred != NULL) {
        sim_deferred_output_free(*deferred);
        *deferred = NULL;
    }
    return r;
}

kssim_result sim_keystore2_finish(sim_keystore2 *ks, uint64_t handle, const uint8_t *data, size_t len,
                                  const uint8_t *signature, size_t signature_len, uint8_t **out, size_t *out_len)
{
    return finish(ks, handle, data, len, signature, signature_len, out, out_len, NULL);
}

kssim_result sim_keystore2_finish_deferred(sim_keystore2 *ks, uint64_t handle, const uint8_t *data, size_t len,
                                           const uint8_t *signature, size_t signature_len,
                                           kssim_deferred_output **deferred)
{
    *deferred = NULL;
    return finish(ks, handle, data, len, signature, signature_len, NULL, NULL, deferred);
}

kssim_result sim_keystore2_abort(sim_keystore2 *ks, uint64_t handle)
{
    sim_keystore2_operation *record;
    kssim_result r = lookup_operation(ks, handle, &record);
    if (r != KSSIM_OK)
        return r;
    end_operation(ks, handle, SIM_OUTCOME_ABORT);
    return sim_keymint_abort(ks->sw, handle);
}
