/*
 * keystore2.h - the keystore2 system service of the simulated phone.
 *
 * Mirrors system/security/keystore2: the key database (database.rs), the auth-token cache and the
 * operation-creation checks (enforcements.rs), the lock state and super-key availability
 * (super_key.rs), and key deletion when the lock screen goes (maintenance). It sits between the
 * framework (sim/framework) and KeyMint (sim/secure): it never sees private key material, only blobs,
 * and it does not verify token MACs - KeyMint does.
 */
#ifndef SIM_KEYSTORE2_KEYSTORE2_H
#define SIM_KEYSTORE2_KEYSTORE2_H

#include "secure/secure_world.h"

/* One row of the key database. A key the system deleted (lock screen removed, usage exhausted) stays
 * as a tombstone that remembers why, so the app is told KEY_PERMANENTLY_INVALIDATED rather than
 * KEY_NOT_FOUND, as Android's framework reports KeyPermanentlyInvalidatedException for it. */
typedef struct sim_key_entry {
    char alias[KSSIM_ALIAS_MAX];
    kssim_key_spec spec; /* what the app asked for */
    sim_auth_list auth;  /* the parameters keystore2 stores beside the blob */
    sim_key_blob blob;
    uint8_t *public_key; /* SubjectPublicKeyInfo DER; NULL for symmetric keys */
    size_t public_key_len;
    /* The attestation chain KeyMint returned at generation (DER certificates, leaf first, concatenated;
     * NULL without one), kept as keystore2 keeps the certificate chain in the key's database row. */
    uint8_t *attestation_chain;
    size_t attestation_chain_len;
    uint32_t uses_remaining;                   /* USAGE_COUNT_LIMIT keys */
    kssim_invalidation_reason deleted_because; /* KSSIM_REASON_NONE for a live key */
    /* A key with a record in rollback-protected storage (rollback-resistant, or single-use in the TEE) that
     * existed when the device was found rolled back: the secure storage
     * no longer vouches for it, so every operation refuses (rollback_resistance.c). */
    bool rolled_back;
    /* Changed since the last commit (sim_key_database_mark_changed): its row is written at the next one. */
    bool changed;
} sim_key_entry;

struct sim_key_database;

/* Where the rows of a key database that is not all in memory come from: a device directory's SQLite rows
 * (sim/store fills it), as keystore2 reads one key entry per operation from its database (database.rs
 * load_key_entry). keystore2 knows nothing of the store but these two functions. */
typedef struct sim_key_row_source {
    void *context;
    /* Reads alias's row into db (through sim_key_database_image_decode_row). KSSIM_OK with *found false
     * when there is no such row; any other result: the row could not be read, and the source has refused
     * in the env, saying why. */
    kssim_result (*load_row)(void *context, struct sim_key_database *db, const char *alias, bool *found);
    /* Reads every row db does not hold yet (nor removed since the last commit). */
    kssim_result (*load_all)(void *context, struct sim_key_database *db);
} sim_key_row_source;

typedef struct sim_key_alias_list {
    char (*aliases)[KSSIM_ALIAS_MAX];
    size_t count, capacity;
} sim_key_alias_list;

/* The key database in memory: every row (a memory: device), or a cache of the rows a device directory's
 * commands touched (source.load_row set), filled one alias at a time and kept while nobody else commits. */
typedef struct sim_key_database {
    /* Sorted by alias; each entry its own allocation, so an entry stays where it is while others load. */
    sim_key_entry **entries;
    size_t count, capacity;
    sim_key_row_source source; /* load_row NULL: every row is here */
    bool all_loaded;           /* with a source: every row is here too (sim_key_database_load_all) */
    /* A row the source could not read in this command: the command's commit refuses (the store says so). */
    kssim_result load_failure;
    /* Since the last commit (sim_key_database_committed): the aliases whose entries changed, those removed,
     * and whether any change touched rollback-protected state (rollback_protection.c: the uses, deletion,
     * rollback mark and, for rollback-resistant keys, the blob of a usage-limited or rollback-resistant key). */
    sim_key_alias_list changed, removed;
    bool protected_rows_changed;
} sim_key_database;

typedef struct sim_cached_token {
    kssim_auth_token token;
    uint64_t received_ms; /* boot clock when keystore2 received it */
} sim_cached_token;

typedef struct sim_token_cache {
    sim_cached_token *tokens;
    size_t count, capacity;
} sim_token_cache;

/* Every caller of one simulated device is one app: keystore2 counts operations per owner uid when it
 * prunes (operation.rs OperationDb::prune), and the simulator has no notion of several callers. The value
 * is Android's first app uid (Process.FIRST_APPLICATION_UID). */
#define SIM_KEYSTORE2_APP_UID 10000u

/* Where an operation is in its life: keystore2 operation.rs `enum Outcome`, under the same names. A record
 * in sim_keystore2.operations is always UNKNOWN (active) or PRUNED; the other outcomes are final and the
 * record leaves the table as it takes one. The transitions, each checked by KSSIM_INVARIANT
 * (keystore2_operation.c end_operation, prune_one):
 *   (begin)  -> UNKNOWN
 *   UNKNOWN  -> SUCCESS     finish succeeded in KeyMint (a usage-count refusal after it still ends so)
 *   UNKNOWN  -> ABORT       the caller aborted it
 *   UNKNOWN  -> ERROR_CODE  an update or finish failed, in KeyMint or in keystore's own checks
 *   UNKNOWN  -> PRUNED      keystore aborted it in KeyMint to make room; the record stays
 *   PRUNED   -> DROPPED     its next call answered INVALID_OPERATION_HANDLE and the record went
 *   UNKNOWN or PRUNED -> (gone)  a reboot (every operation dropped with the keystore2 process) */
typedef enum sim_operation_outcome {
    SIM_OUTCOME_UNKNOWN,
    SIM_OUTCOME_SUCCESS,
    SIM_OUTCOME_ABORT,
    SIM_OUTCOME_DROPPED,
    SIM_OUTCOME_PRUNED,
    SIM_OUTCOME_ERROR_CODE,
} sim_operation_outcome;

/* How the operation's updates and finishes are authorised: keystore2 enforcements.rs `enum
 * DeferredAuthState`, under the same names. TimeStampRequired (a timeout key's token with a timestamp token
 * for a KeyMint on another clock) is not modelled: a timeout key's token goes to KeyMint at begin and the
 * operation is NO_AUTH_REQUIRED afterwards. The transitions, each checked by KSSIM_INVARIANT:
 *   (begin) -> NO_AUTH_REQUIRED   no per-operation authentication (for good)
 *   (begin) -> WAITING            a per-operation key where keystore2 registers a token receiver for the
 *                                 challenge (TokenReceiverMap::add_receiver; SIM_ANDROID_OP_TOKEN_FIRST_ROUTED)
 *   (begin) -> OP_AUTH_REQUIRED   a per-operation key on keystore1, which searches its token table instead
 *   WAITING -> TOKEN              the first token carrying the challenge was routed to it
 *   OP_AUTH_REQUIRED or WAITING -> TOKEN   the token table gave one (keystore1's lookup at the first call)
 *   TOKEN stays TOKEN: the operation keeps its token for every update and finish. */
typedef enum sim_deferred_auth_state {
    SIM_AUTH_NO_AUTH_REQUIRED,
    SIM_AUTH_OP_AUTH_REQUIRED,
    SIM_AUTH_WAITING,
    SIM_AUTH_TOKEN,
} sim_deferred_auth_state;

typedef struct sim_keystore2_operation {
    uint64_t handle;
    char alias[KSSIM_ALIAS_MAX];
    uint32_t purpose;
    sim_auth_list auth;
    uint32_t owner_uid;
    /* The last begin, update or finish (operation.rs Operation::touch), by the boot clock, and a count of
     * calls that orders the uses of one millisecond. */
    uint64_t last_used_ms, last_used_seq;
    /* PRUNED: keystore2 aborted it in KeyMint to make room for another; the record stays until the
     * caller's next call, which answers INVALID_OPERATION_HANDLE. */
    sim_operation_outcome outcome;
    /* A per-operation key's token, meaningful in state TOKEN only (its challenge is the handle). */
    sim_deferred_auth_state auth_state;
    kssim_auth_token token;
    /* USAGE_COUNT_LIMIT keys: the use is charged to the key the operation began with, not to whatever
     * the alias names at finish (keystore2 keeps the key id: AuthInfo::key_usage_limited). */
    bool usage_limited;
    uint8_t key_digest[32]; /* SHA-256 of that key's blob */
} sim_keystore2_operation;

typedef struct sim_keystore2 {
    sim_env *env;
    sim_secure_world *sw;
    int api_level;
    sim_key_database db;
    sim_token_cache tokens;
    sim_keystore2_operation *operations;
    size_t operation_count, operation_capacity;
    uint64_t operation_calls; /* orders operation uses for pruning (sim_keystore2_operation.last_used_seq) */
    bool locked;
    bool unlocked_since_boot; /* the user's super key is in memory */
    /* The UnlockedDeviceRequired super keys in plaintext (super_key.rs unlocked_device_required_symmetric):
     * there from a credential unlock, wiped at lock unless a weak unlock method keeps them. */
    bool udr_keys_in_memory;
    /* The biometric-encrypted copy made at lock (super_key.rs BiometricUnlock): the strong biometric
     * SIDs whose fresh token can bring the UnlockedDeviceRequired super keys back; count 0 when none. */
    uint64_t biometric_unlock_sids[KSSIM_MODALITY_COUNT];
    uint32_t biometric_unlock_sid_count;
} sim_keystore2;

void sim_keystore2_init(sim_keystore2 *ks, sim_env *env, sim_secure_world *sw, int api_level);
void sim_keystore2_cleanup(sim_keystore2 *ks);

/* key_database.c */
/* The entry under alias, read from the source the first time (NULL when there is none, or when it cannot be
 * read: db->load_failure says which). */
sim_key_entry *sim_key_database_find(sim_key_database *db, const char *alias);
/* The entry under alias if it is in memory now, without asking the source. */
sim_key_entry *sim_key_database_cached(sim_key_database *db, const char *alias);
/* Every row in memory, for the commands that look at every key (listings, lock-screen removal, rollback
 * marks, faults on every blob): KSSIM_OK, or the source's refusal. */
kssim_result sim_key_database_load_all(sim_key_database *db);
/* The one way an entry changes in place (besides store, remove and tombstone, which call it): its row is
 * written at the next commit. protected_fields: the change touched rollback-protected state. */
void sim_key_database_mark_changed(sim_key_database *db, sim_key_entry *entry, bool protected_fields);
/* Whether the entry's row is part of rollback-protected state (a usage-limited or rollback-resistant key). */
bool sim_key_entry_is_rollback_protected(const sim_key_entry *entry);
/* The changes are committed: no row is changed since (protected_rows_changed is rollback protection's to
 * clear, when it records the protected state). */
void sim_key_database_committed(sim_key_database *db);
/* A loaded row: decoded rows go in unchanged (sim_key_database_store marks what it stores changed). */
kssim_result sim_key_database_store_loaded(sim_key_database *db, sim_key_entry *entry);
/* The key keystore2 can load under alias: NULL for no entry and for a key the system deleted (a tombstone),
 * which keystore2 answers alike (KEY_NOT_FOUND); only the framework tells them apart (key_state.c). */
sim_key_entry *sim_key_database_load_live(sim_key_database *db, const char *alias);
/* Takes ownership of the entry's blob and public key; replaces any entry under the same alias. */
kssim_result sim_key_database_store(sim_key_database *db, sim_key_entry *entry);
/* Deleted on purpose: the alias is forgotten. */
void sim_key_database_remove(sim_key_database *db, const char *alias);
/* Deleted by the system: the key material goes, a tombstone with the reason stays. */
void sim_key_database_tombstone(sim_key_database *db, sim_key_entry *entry, kssim_invalidation_reason reason);
void sim_key_database_cleanup(sim_key_database *db);

/* token_cache.c: RAM only, one token per (user_id, authenticator_id, type), the newer replaces. */
void sim_token_cache_add(sim_token_cache *cache, const kssim_auth_token *token, uint64_t received_ms);
/* keystore1 (Android 11 and earlier, auth_token_table.cpp): a token drops only the cached ones of the same
 * (user_id, authenticator_id, type) it is newer than; the array stays ordered oldest timestamp first, so the
 * last match is the newest by timestamp, as keystore1's lookups (is_newer_than) take it. */
void sim_token_cache_add_keystore1(sim_token_cache *cache, const kssim_auth_token *token, uint64_t received_ms);
/* The most recently received token that could authorise this key (SID and type match, as
 * enforcements.rs hat_matches_key), or NULL. */
const sim_cached_token *sim_token_cache_find_for_key(const sim_token_cache *cache, const sim_auth_list *auth);
/* The first token in the cache (in arrival order) that carries this challenge, whatever its secure IDs,
 * or NULL: keystore1's per-operation lookup (auth_token_table.cpp FindAuthPerOpAuthorization, find_if by
 * challenge, then the secure-ID check). */
const sim_cached_token *sim_token_cache_first_with_challenge(const sim_token_cache *cache, uint64_t challenge);
bool sim_token_matches_key(const kssim_auth_token *token, const sim_auth_list *auth);
/* token_explain.c (--explain): one decision line per cached token - its type, IDs, challenge, age, whether its MAC
 * verifies, whether it is for auth (NULL: any key) and, for a per-operation key (challenge not 0), whether it
 * carries another challenge - marking chosen. Nothing when explain is off. */
void sim_keystore2_explain_cached_tokens(sim_keystore2 *ks, const sim_auth_list *auth, uint64_t challenge,
                                         const sim_cached_token *chosen);
/* token_explain.c: the other --explain lines of keystore2's checks, each naming its rule; nothing when explain is
 * off, and nothing for a key without the tag concerned. result is the check's own answer. */
void sim_keystore2_explain_dates(sim_keystore2 *ks, const sim_auth_list *auth, uint32_t purpose, kssim_result result);
void sim_keystore2_explain_unlocked_device(sim_keystore2 *ks, const sim_key_entry *entry, bool needs_any_token,
                                           kssim_result result);
void sim_keystore2_explain_super_key(sim_keystore2 *ks, const sim_key_entry *entry, kssim_result result);
/* entry NULL: the key an operation began with is gone by its finish (alias names it). */
void sim_keystore2_explain_usage_count(sim_keystore2 *ks, const sim_key_entry *entry, const char *alias, bool at_finish,
                                       kssim_result result);
void sim_keystore2_explain_operation_gone(sim_keystore2 *ks, uint64_t handle, bool pruned);
void sim_keystore2_explain_operation_ended(sim_keystore2 *ks, uint64_t handle, bool ends, kssim_result refusal);
void sim_keystore2_explain_pruning(sim_keystore2 *ks, uint64_t pruned_handle, bool keystore1, size_t live);
void sim_token_cache_clear(sim_token_cache *cache);
/* What the cache's rules (the add functions' postconditions) say it may not be, in a sentence, or NULL when
 * it is well formed: keystore2's in arrival order with one token per authenticator; keystore1's ordered by
 * timestamp, then arrival. A stored image is refused with it (keystore2_image.c). */
const char *sim_token_cache_malformation(const sim_token_cache *cache, bool keystore1);

/* keystore2_keys.c */
kssim_result sim_keystore2_generate_key(sim_keystore2 *ks, const kssim_key_spec *spec, const sim_auth_list *auth);
kssim_result sim_keystore2_import_key(sim_keystore2 *ks, const kssim_key_spec *spec, const sim_auth_list *auth,
                                      const uint8_t *key, size_t key_len);
kssim_result sim_keystore2_delete_key(sim_keystore2 *ks, const char *alias);
kssim_result sim_keystore2_tamper_key_blob(sim_keystore2 *ks, const char *alias, kssim_blob_field field);
/* Lock screen removed: every key that requires user authentication is deleted (tombstoned);
 * keys that only require an unlocked device survive. */
void sim_keystore2_delete_auth_bound_keys(sim_keystore2 *ks);

/* keystore2_operation.c: createOperation and the operation's life. */
kssim_result sim_keystore2_create_operation(sim_keystore2 *ks, const char *alias, uint32_t purpose,
                                            const kssim_op_params *params, kssim_operation *op);
/* An encryption whose whole plaintext is known now, as the app's Cipher.doFinal gives it
 * (kssim_encrypt): KeyMint binds the nonce it chooses to plaintext_sha256 (sim_keymint_begin_encryption_of). */
kssim_result sim_keystore2_create_encryption_of(sim_keystore2 *ks, const char *alias, const kssim_op_params *params,
                                                const uint8_t plaintext_sha256[32], kssim_operation *op);
kssim_result sim_keystore2_update(sim_keystore2 *ks, uint64_t handle, const uint8_t *data, size_t len);
kssim_result sim_keystore2_finish(sim_keystore2 *ks, uint64_t handle, const uint8_t *data, size_t len,
                                  const uint8_t *signature, size_t signature_len, uint8_t **out, size_t *out_len);
/* The same finish with its output deferred (kssim_finish_deferred); on a refusal *deferred is NULL. */
kssim_result sim_keystore2_finish_deferred(sim_keystore2 *ks, uint64_t handle, const uint8_t *data, size_t len,
                                           const uint8_t *signature, size_t signature_len,
                                           kssim_deferred_output **deferred);
kssim_result sim_keystore2_abort(sim_keystore2 *ks, uint64_t handle);
/* A token keystore2 received (addAuthToken) goes also to the operation waiting for its challenge, if one
 * is (enforcements.rs Enforcements::add_auth_token -> TokenReceiverMap::add_auth_token). */
void sim_keystore2_route_token_to_operation(sim_keystore2 *ks, const kssim_auth_token *token);
/* A stored device reloaded while operations are in flight (another handle on the same directory added
 * tokens, as another process calls the one keystore2 on a phone): the tokens in after and not in before
 * arrived meanwhile, in cache order, and are routed now as addAuthToken would have. */
void sim_keystore2_route_arrived_tokens(sim_keystore2 *ks, const sim_token_cache *before, const sim_token_cache *after);

/* operation_pruning.c: which operation keystore makes room by aborting. */
typedef struct sim_prune_candidate {
    uint32_t owner_uid;
    uint64_t last_used_ms, last_used_seq;
} sim_prune_candidate;
/* keystore2's choice (operation.rs OperationDb::prune) for a new operation of caller_uid: the index of the
 * operation to prune, or -1 when none may be pruned (BACKEND_BUSY). */
long sim_operation_prune_choice(const sim_prune_candidate *ops, size_t count, uint32_t caller_uid, uint64_t now_ms);
/* keystore1's choice (operation.cpp getOldestPruneableOperation): the least recently used, or -1. */
long sim_operation_least_recently_used(const sim_prune_candidate *ops, size_t count);

/* keystore2_state.c: IKeystoreAuthorization */
void sim_keystore2_add_auth_token(sim_keystore2 *ks, const kssim_auth_token *token);
/* The same, for a token that reached keystore2 at received_ms on the boot clock (a delayed delivery,
 * sim/framework/faults.c): the one way a token enters the cache and reaches a waiting operation. */
void sim_keystore2_add_auth_token_received_at(sim_keystore2 *ks, const kssim_auth_token *token, uint64_t received_ms);
/* onDeviceLocked(user, unlockingSids, weakUnlockEnabled): unlocking_sids are the strong biometrics that
 * may unlock the device (count 0: none); weak_unlock_enabled: a trust agent or weak biometric may. */
void sim_keystore2_on_device_locked(sim_keystore2 *ks, const uint64_t *unlocking_sids, size_t unlocking_sid_count,
                                    bool weak_unlock_enabled);
/* onDeviceUnlocked(user, password): the credential unlocked the device; the super keys are in memory. */
void sim_keystore2_on_device_unlocked(sim_keystore2 *ks);
/* onDeviceUnlocked(user, null): a biometric, trust agent or other non-credential unlock. */
void sim_keystore2_on_device_unlocked_without_credential(sim_keystore2 *ks);

/* unlocked_device_required.c: Tag::UNLOCKED_DEVICE_REQUIRED keys. */
/* enforcements.rs authorize_create's part: DEVICE_LOCKED while locked; on some releases also a token. */
kssim_result sim_keystore2_authorize_unlocked_device_required(sim_keystore2 *ks, const sim_key_entry *entry);
/* unwrap_key_if_required's part: LOCKED when the UnlockedDeviceRequired super keys are not in memory. */
kssim_result sim_keystore2_unwrap_unlocked_device_required(sim_keystore2 *ks, const sim_key_entry *entry);
/* try_unlock_user_with_biometric: whether a cached token brings the super keys back. */
void sim_keystore2_try_unlock_with_biometric(sim_keystore2 *ks);
/* Boot: the token cache is RAM and starts empty, operations are gone, the super key is not in memory. */
void sim_keystore2_on_boot(sim_keystore2 *ks);

/* keystore2_image.c: keystore2 as a stored device keeps it (sim/store/device_image.c): the API level,
 * the lock state and the token cache, and the key database one row at a time, as database.rs keeps it.
 * Operations in flight are not part of it. */
void sim_keystore2_image_encode(const sim_keystore2 *ks, sim_writer *w);
/* Decodes into a keystore2 of its own, with no env, no secure world and an empty key database for
 * sim_key_database_image_decode_row to fill. Release it with sim_keystore2_cleanup unless applied. */
void sim_keystore2_image_decode(sim_reader *r, sim_keystore2 *decoded);
/* The UnlockedDeviceRequired super-key state (udr_keys_in_memory, biometric_unlock_sids), which a state
 * image carries since version 3; stored false: an older image, read as its lock state implies. */
void sim_keystore2_udr_image_encode(const sim_keystore2 *ks, sim_writer *w);
void sim_keystore2_udr_image_decode(sim_reader *r, sim_keystore2 *decoded, bool stored);
/* Replaces ks's state and key database by decoded's, which is consumed. keep_operations false forgets
 * the operations in flight, as the reboot the image saw did. */
void sim_keystore2_image_apply(sim_keystore2 *ks, sim_keystore2 *decoded, bool keep_operations);
void sim_key_entry_image_encode(const sim_key_entry *entry, sim_writer *w);
/* Decodes one row, which must end r's bytes, into db. Fails r when the row is damaged, is not the row
 * of expected_alias, or repeats an alias db already holds; db is unchanged then. row_version is the key
 * image's version: rows of version 1 predate rollback resistance and end at deleted_because. */
void sim_key_database_image_decode_row(sim_reader *r, sim_key_database *db, const char *expected_alias,
                                       uint32_t row_version);

/* rollback_resistance.c: Tag::ROLLBACK_RESISTANCE keys against a device found rolled back. */
/* Every live key with a record in rollback-protected storage (rollback-resistant, or single-use on secure
 * hardware) stops being vouched for (sim_key_entry.rolled_back). */
void sim_keystore2_on_rollback_detected(sim_keystore2 *ks);
/* INVALID_KEY_BLOB, with the sentence, for a key the rollback left without its secure record. */
/* keystore2_keys.c: the key_blob_* faults, for one key's blob or (alias NULL) every stored key's, as
 * after an OS update; answer is KSSIM_KEY_REQUIRES_UPGRADE or KSSIM_INVALID_KEY_BLOB. */
kssim_result sim_keystore2_inject_blob_fault(sim_keystore2 *ks, const char *alias, kssim_result answer);
kssim_result sim_keystore2_check_not_rolled_back(sim_keystore2 *ks, const sim_key_entry *entry);

#endif
