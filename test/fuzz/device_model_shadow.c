/*
 * device_model_shadow.c - the shadow model of fuzz_device_model.c: what the fuzz target remembers of
 * the phone it drives (which tokens it caused, which secure IDs are gone for good, which keys it
 * generated and how often it used them), and the invariants it checks against the device after every
 * step.
 *
 * Included by fuzz_device_model.c only (one translation unit per fuzz target). The model is written
 * from the rules of docs/android-rules.md, not from sim/'s code: it never reads the simulator's
 * internals, only what the public API (include/kssim/kssim.h) returns, so a rule broken in sim/ shows
 * up as a disagreement instead of being copied into the model.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kssim/kssim.h>

enum {
    ALIAS_COUNT = 4,   /* few aliases, so that keys get replaced and deleted under operations */
    SLOT_COUNT = 4,    /* operations the program can name */
    SECRET_COUNT = 3,  /* candidate credentials, so that wrong ones happen */
    BIOMETRIC_IDS = 4, /* template ids 1..4 */
    MAX_STEPS = 96,    /* a longer program adds little and costs time */
    MAX_TOKENS = 2 * MAX_STEPS,
    MAX_KEYS = MAX_STEPS + 1,
    MAX_RETIRED = 4 * MAX_STEPS,
    STEP_TEXT_MAX = 160,
};

/* The invariants, by the names a violation report prints (docs/fuzzing.md explains each). */
typedef enum invariant {
    INV_TOKEN_REQUIRED,     /* 1. no auth-bound key used without a matching valid token */
    INV_INVALIDATED_STAYS,  /* 2. an invalidated key never becomes usable again */
    INV_BOOT_FORGETS,       /* 3. the token cache (and all RAM state) never outlives a reboot */
    INV_COUNTERS_ONLY_USES, /* 4. nothing moves a usage counter but a use */
    INV_RESULT_NAMED,       /* every call returns a result the contract names */
    INV_REFUSAL_EXPLAINED,  /* every refusal leaves a sentence, every success none */
    INV_DETERMINISTIC,      /* the same program and seed give the same transcript */
    INV_DEVICE_LOCK,        /* unlocked-device-required keys never begin while locked */
    INV_RATE_LIMIT,         /* MIN_SECONDS_BETWEEN_OPS holds, and refuses only inside its interval */
    INV_OPERATION_ENDED,    /* a finished or aborted operation stays ended */
    INV_TAMPERED_BLOB,      /* a tampered blob never begins an operation */
    INV_MODEL_AGREES,       /* status, key states and secure-ID bindings follow the documented rules */
    INV_FIRST_TOKEN_ROUTED, /* keystore2: a per-operation operation goes on only with the first token for it */
    INV_ALWAYS_ROOM,        /* one app never meets a full KeyMint: keystore prunes its oldest operation */
    INV_BEGIN_ORDER,        /* LOCKED only after the other checks, only on keystore2, only before the unlock */
} invariant;

static const char *const invariant_names[] = {
    [INV_TOKEN_REQUIRED] = "auth-bound-use-needs-valid-token",
    [INV_INVALIDATED_STAYS] = "invalidated-key-stays-invalid",
    [INV_BOOT_FORGETS] = "tokens-die-with-the-boot",
    [INV_COUNTERS_ONLY_USES] = "usage-counters-only-count-uses",
    [INV_RESULT_NAMED] = "results-are-named",
    [INV_REFUSAL_EXPLAINED] = "refusals-explain-themselves",
    [INV_DETERMINISTIC] = "same-seed-same-transcript",
    [INV_DEVICE_LOCK] = "unlocked-device-required-keys-wait-for-unlock",
    [INV_RATE_LIMIT] = "min-seconds-between-ops-holds",
    [INV_OPERATION_ENDED] = "ended-operations-stay-ended",
    [INV_TAMPERED_BLOB] = "tampered-blobs-never-begin",
    [INV_MODEL_AGREES] = "device-agrees-with-the-rules",
    [INV_FIRST_TOKEN_ROUTED] = "first-token-for-the-challenge-is-the-operations",
    [INV_ALWAYS_ROOM] = "operations-always-find-room",
    [INV_BEGIN_ORDER] = "begin-checks-run-in-android-order",
};

/* A token the program caused: observed (the device handed it back) or predicted (an unlock or the
 * armed prompt made it without showing it). Forged tokens are kept too: a valid forged MAC is what a
 * compromised HAL could make, so it legitimately authorizes. */
typedef struct model_token {
    kssim_auth_token token;
    uint32_t boot;     /* the boot whose HMAC key made the MAC; 0 = no boot's (corrupt or random key) */
    uint32_t serial;   /* issue order, to tell tokens minted before a key's death from later ones */
    bool genuine;      /* minted by Gatekeeper or the biometric TA, not forged */
    bool has_bytes;    /* the device returned it, so the program can replay it */
    bool for_one_shot; /* predicted prompt token of a one-shot call, whose challenge nobody sees */
    size_t step;       /* the step that made it */
} model_token;

/* One generated key. A new key under an alias is a new instance: operations keep the instance they
 * began on, as keystore2 keeps the key id. */
typedef struct model_key {
    int alias;
    kssim_key_spec spec;
    bool auth_bound, per_operation;
    uint32_t sid_count;
    uint64_t sids[4];
    bool present; /* still under its alias: not deleted or replaced by the app */
    bool tombstoned;
    kssim_invalidation_reason tombstone_reason;
    bool dead_by_sids;     /* every secure ID it is bound to has been retired: no new token can carry one */
    uint32_t death_serial; /* tokens with a smaller serial were minted before the death */
    uint32_t uses;         /* successful finishes, counted for USAGE_COUNT_LIMIT */
    uint32_t begins_this_boot;
    bool has_last_begin; /* MIN_SECONDS_BETWEEN_OPS: a begin succeeded in this boot */
    uint64_t last_begin_s;
    uint32_t tamper_count; /* successful tamper steps: each flips one bit of the blob */
    uint8_t message[32];   /* the last message signed with it (HMAC) and its signature, for verify */
    size_t message_len;
    uint8_t signature[64];
    size_t signature_len;
} model_key;

typedef struct model_op {
    bool used;
    bool ended; /* finished or aborted successfully: nothing may succeed on it again */
    uint64_t handle;
    int key; /* index into model.keys */
    uint32_t boot;
    uint32_t purpose;
    bool per_operation;
    uint32_t begin_serial; /* tokens with this serial or later arrived after the operation began */
    uint8_t message[32];
    size_t message_len;
} model_op;

typedef struct model_template {
    bool enrolled;
    kssim_modality modality;
    kssim_biometric_class biometric_class;
} model_template;

/* How a step may move a secure ID, which observe_status() then checks. */
typedef enum id_change {
    ID_SAME = 0,
    ID_NEW,  /* must become a fresh nonzero ID */
    ID_ZERO, /* must become 0 */
} id_change;

typedef struct model {
    kssim_device *device;
    int api_level;
    uint32_t boot;
    uint64_t boot_ms;
    bool locked, unlocked_since_boot;
    bool credential_set;
    int secret; /* index of the current credential */
    uint64_t root_sid;
    uint32_t credential_epoch; /* every enrollment changes what an armed credential prompt matched */
    uint64_t bio_ids[KSSIM_MODALITY_COUNT];
    model_template templates[BIOMETRIC_IDS];
    uint64_t retired[MAX_RETIRED];
    size_t retired_count;
    model_token tokens[MAX_TOKENS];
    size_t token_count;
    uint32_t next_serial;
    bool token_reached_keystore_this_boot; /* for R-UDR-NEEDS-TOKEN: keystore2's cache holds any token */
    model_key keys[MAX_KEYS];
    size_t key_count;
    int alias_key[ALIAS_COUNT]; /* index into keys, -1 when the alias holds nothing */
    model_op ops[SLOT_COUNT];
    struct {
        kssim_prompt_response response;
        uint32_t biometric_id;
        uint32_t remaining;
        uint32_t epoch;
    } prompt;
    /* what the current step expects of the secure IDs */
    id_change root_change;
    id_change bio_change[KSSIM_MODALITY_COUNT];
    /* the step being run, for reports */
    size_t step;
    uint32_t serial_at_step_start;
    char step_text[STEP_TEXT_MAX];
    char (*trace)[STEP_TEXT_MAX];
    uint64_t transcript; /* FNV-1a of everything the device answered in this step */
} model;

/* ---- Reporting ---- */

static void model_print_trace(const model *m)
{
    fprintf(stderr, "  program so far:\n");
    for (size_t i = 0; i < m->step && i < MAX_STEPS; i++)
        fprintf(stderr, "    %3zu %s\n", i, m->trace[i]);
    fprintf(stderr, "  > %3zu %s\n", m->step, m->step_text);
}

/* A violation: name the invariant, the step and why, then abort so libFuzzer keeps the input. */
static void violation(const model *m, invariant which, const char *format, ...)
{
    char detail[512];
    va_list args;
    va_start(args, format);
    vsnprintf(detail, sizeof(detail), format, args);
    va_end(args);
    fprintf(stderr, "\n==kssim-model== INVARIANT VIOLATED: %s\n", invariant_names[which]);
    fprintf(stderr, "  at step %zu: %s\n  %s\n", m->step, m->step_text, detail);
    model_print_trace(m);
    fflush(stderr);
    abort();
}

/* ---- Transcript (determinism) ---- */

static void transcript_add(model *m, const void *data, size_t len)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++) {
        m->transcript ^= p[i];
        m->transcript *= UINT64_C(0x100000001b3);
    }
}

static void transcript_add_u64(model *m, uint64_t value)
{
    uint8_t bytes[8];
    for (int i = 0; i < 8; i++)
        bytes[i] = (uint8_t)(value >> (8 * i));
    transcript_add(m, bytes, sizeof(bytes));
}

static void transcript_add_token(model *m, const kssim_auth_token *token)
{
    transcript_add_u64(m, token->challenge);
    transcript_add_u64(m, token->user_id);
    transcript_add_u64(m, token->authenticator_id);
    transcript_add_u64(m, token->authenticator_type);
    transcript_add_u64(m, token->timestamp_ms);
    transcript_add(m, token->mac, sizeof(token->mac));
}

/* Every call's result: a name the contract knows, a sentence exactly when it refuses. */
static kssim_result model_result(model *m, kssim_result result)
{
    transcript_add_u64(m, (uint64_t)(int64_t)result);
    if (kssim_result_name(result) == NULL)
        violation(m, INV_RESULT_NAMED, "the device returned %d, which is not a result name", (int)result);
    const char *message = kssim_device_message(m->device);
    if (message == NULL)
        violation(m, INV_REFUSAL_EXPLAINED, "kssim_device_message returned NULL");
    if (result != KSSIM_OK && message[0] == '\0')
        violation(m, INV_REFUSAL_EXPLAINED, "the refusal %s came without a sentence saying why",
                  kssim_result_name(result));
    if (result == KSSIM_OK && message[0] != '\0')
        violation(m, INV_REFUSAL_EXPLAINED, "a success left the message \"%s\"", message);
    return result;
}

/* ---- Secure IDs ---- */

static bool is_retired(const model *m, uint64_t id)
{
    for (size_t i = 0; i < m->retired_count; i++)
        if (m->retired[i] == id)
            return true;
    return false;
}

static void retire(model *m, uint64_t id)
{
    if (id != 0 && !is_retired(m, id) && m->retired_count < MAX_RETIRED)
        m->retired[m->retired_count++] = id;
}

/* One secure ID after the step: as expected, and never one that was retired (a retired ID coming
 * back would revive every key bound to it). Returns the value to adopt. */
static uint64_t check_id(model *m, const char *what, uint64_t before, uint64_t now, id_change change)
{
    if (now != 0 && now != before && is_retired(m, now))
        violation(m, INV_INVALIDATED_STAYS, "the %s became 0x%016llx, an ID retired earlier", what,
                  (unsigned long long)now);
    switch (change) {
    case ID_SAME:
        if (now != before)
            violation(m, INV_MODEL_AGREES, "the %s changed from 0x%016llx to 0x%016llx in a step that keeps it", what,
                      (unsigned long long)before, (unsigned long long)now);
        break;
    case ID_NEW:
        if (now == 0 || now == before)
            violation(m, INV_MODEL_AGREES, "the %s should be a new ID and is 0x%016llx (was 0x%016llx)", what,
                      (unsigned long long)now, (unsigned long long)before);
        break;
    case ID_ZERO:
        if (now != 0)
            violation(m, INV_MODEL_AGREES, "the %s should be 0 and is 0x%016llx", what, (unsigned long long)now);
        break;
    }
    if (now != before)
        retire(m, before);
    return now;
}

/* After every step: the status the device reports is the one the model expects. */
static void observe_status(model *m)
{
    kssim_status status;
    if (kssim_status_get(m->device, &status) != KSSIM_OK)
        violation(m, INV_MODEL_AGREES, "kssim_status_get refused");
    transcript_add(m, &status.boot_count, sizeof(status.boot_count));
    if (status.boot_count != m->boot)
        violation(m, INV_MODEL_AGREES, "boot count %u, expected %u", status.boot_count, m->boot);
    if (status.boot_ms != m->boot_ms)
        violation(m, INV_MODEL_AGREES, "boot clock %llu ms, expected %llu ms", (unsigned long long)status.boot_ms,
                  (unsigned long long)m->boot_ms);
    if (status.locked != m->locked || status.unlocked_since_boot != m->unlocked_since_boot)
        violation(m, INV_MODEL_AGREES, "locked=%d unlocked_since_boot=%d, expected %d and %d", status.locked,
                  status.unlocked_since_boot, m->locked, m->unlocked_since_boot);
    if ((status.credential != KSSIM_CREDENTIAL_NONE) != m->credential_set)
        violation(m, INV_MODEL_AGREES, "credential %d, expected %s", (int)status.credential,
                  m->credential_set ? "one" : "none");
    m->root_sid = check_id(m, "root SID", m->root_sid, status.root_sid, m->root_change);
    m->bio_ids[KSSIM_MODALITY_FINGERPRINT] =
        check_id(m, "fingerprint authenticator ID", m->bio_ids[KSSIM_MODALITY_FINGERPRINT],
                 status.authenticator_ids[KSSIM_MODALITY_FINGERPRINT], m->bio_change[KSSIM_MODALITY_FINGERPRINT]);
    m->bio_ids[KSSIM_MODALITY_FACE] =
        check_id(m, "face authenticator ID", m->bio_ids[KSSIM_MODALITY_FACE],
                 status.authenticator_ids[KSSIM_MODALITY_FACE], m->bio_change[KSSIM_MODALITY_FACE]);
    if (status.prompt != m->prompt.response || status.prompt_remaining != m->prompt.remaining)
        violation(m, INV_MODEL_AGREES, "the prompt is armed with %d for %u more, expected %d for %u",
                  (int)status.prompt, status.prompt_remaining, (int)m->prompt.response, m->prompt.remaining);
}

/* ---- Keys ---- */

static bool key_holds_sid(const model_key *key, uint64_t sid)
{
    for (uint32_t i = 0; i < key->sid_count; i++)
        if (key->sids[i] != 0 && key->sids[i] == sid)
            return true;
    return false;
}

/* canUserAuthorizationSucceed (docs/android-rules.md section 4), from the model's own IDs: one of the
 * key's SIDs is the root SID, or it holds every current strong biometric authenticator ID. */
static bool can_user_authorization_succeed(const model *m, const model_key *key)
{
    if (key->sid_count == 0)
        return true;
    if (m->credential_set && key_holds_sid(key, m->root_sid))
        return true;
    size_t current = 0, held = 0;
    for (int i = 0; i < KSSIM_MODALITY_COUNT; i++)
        if (m->bio_ids[i] != 0) {
            current++;
            held += key_holds_sid(key, m->bio_ids[i]);
        }
    /* Android 11 and earlier: an empty list counts as held (V-BIOMETRIC-EMPTY-LIST-KEEPS-KEYS). */
    return (current > 0 || m->api_level <= 30) && held == current;
}

/* A key whose IDs are all retired that the framework still treats as authorizable: on Android 11 and
 * earlier with no strong biometric enrolled (V-BIOMETRIC-EMPTY-LIST-KEEPS-KEYS). It is reported valid and
 * its per-operation begin is allowed, though no token can ever serve it. */
static bool dead_key_looks_alive(const model *m, const model_key *key)
{
    return !key->tombstoned && key->dead_by_sids && can_user_authorization_succeed(m, key);
}

static bool key_is_dead(const model_key *key)
{
    return key->tombstoned || key->dead_by_sids;
}

/* A key is dead for good once every secure ID it is bound to is retired: IDs are random 64-bit values
 * drawn anew at each enrollment, so none comes back. (canUserAuthorizationSucceed alone is not
 * monotone: a fingerprint-bound key refused while a face is enrolled works again once the face is
 * removed, on Android as here; the model therefore calls a key dead only when its IDs are gone.) */
static void update_deaths(model *m)
{
    for (size_t i = 0; i < m->key_count; i++) {
        model_key *key = &m->keys[i];
        if (key->dead_by_sids || key->sid_count == 0)
            continue;
        bool all_retired = true;
        for (uint32_t s = 0; s < key->sid_count; s++)
            all_retired = all_retired && is_retired(m, key->sids[s]);
        if (all_retired) {
            key->dead_by_sids = true;
            key->death_serial = m->serial_at_step_start;
        }
    }
}

static const char *alias_name(int alias)
{
    static const char *const names[ALIAS_COUNT] = {"k0", "k1", "k2", "k3"};
    return names[alias];
}

/* After every step, each alias as kssim_key_info_get reports it: present or absent as the model
 * says, invalidated when the model knows it is dead (invariant 2), with the uses left the model
 * counted (invariant 4), and otherwise valid exactly when canUserAuthorizationSucceed says so. */
static void observe_keys(model *m)
{
    update_deaths(m);
    for (int alias = 0; alias < ALIAS_COUNT; alias++) {
        kssim_key_info info;
        if (kssim_key_info_get(m->device, alias_name(alias), &info) != KSSIM_OK)
            violation(m, INV_MODEL_AGREES, "kssim_key_info_get refused for %s", alias_name(alias));
        transcript_add_u64(m, (uint64_t)info.state << 32 | info.uses_remaining);
        int index = m->alias_key[alias];
        if (index < 0) {
            if (info.state != KSSIM_KEY_ABSENT)
                violation(m, INV_MODEL_AGREES, "%s should be absent and is %s", alias_name(alias),
                          kssim_key_state_name(info.state));
            continue;
        }
        const model_key *key = &m->keys[index];
        if (info.state == KSSIM_KEY_ABSENT)
            violation(m, INV_MODEL_AGREES, "%s was generated and not deleted, yet it is absent", alias_name(alias));
        if (key_is_dead(key) && info.state == KSSIM_KEY_VALID && !dead_key_looks_alive(m, key))
            violation(m, INV_INVALIDATED_STAYS, "%s is valid again although %s", alias_name(alias),
                      key->tombstoned ? "the system deleted it" : "every secure ID it is bound to is retired");
        if (key->tombstoned) {
            if (info.state != KSSIM_KEY_INVALIDATED || info.reason != key->tombstone_reason)
                violation(m, INV_MODEL_AGREES, "%s should be invalidated (%s) and is %s (%s)", alias_name(alias),
                          kssim_invalidation_reason_name(key->tombstone_reason), kssim_key_state_name(info.state),
                          kssim_invalidation_reason_name(info.reason));
            continue;
        }
        uint32_t limit = key->spec.usage_count_limit;
        if (info.state == KSSIM_KEY_INVALIDATED && info.reason == KSSIM_REASON_USAGE_EXHAUSTED)
            violation(m, INV_COUNTERS_ONLY_USES,
                      "%s was deleted as exhausted after %u successful uses of the %u allowed", alias_name(alias),
                      key->uses, limit);
        if (limit != 0 && info.uses_remaining != limit - key->uses)
            violation(m, INV_COUNTERS_ONLY_USES,
                      "%s has %u uses left; it allows %u and the program used it successfully %u times",
                      alias_name(alias), info.uses_remaining, limit, key->uses);
        bool usable = can_user_authorization_succeed(m, key);
        if (usable != (info.state == KSSIM_KEY_VALID))
            violation(m, INV_MODEL_AGREES, "%s is %s, but canUserAuthorizationSucceed says %s", alias_name(alias),
                      kssim_key_state_name(info.state), usable ? "it can be authorized" : "it cannot");
    }
}

/* ---- Tokens ---- */

static model_token *add_token(model *m, const kssim_auth_token *token, uint32_t boot, bool genuine, bool has_bytes)
{
    if (m->token_count == MAX_TOKENS)
        return NULL; /* cannot happen: at most two tokens per step */
    model_token *t = &m->tokens[m->token_count++];
    memset(t, 0, sizeof(*t));
    t->token = *token;
    t->boot = boot;
    t->serial = m->next_serial++;
    t->genuine = genuine;
    t->has_bytes = has_bytes;
    t->step = m->step;
    m->token_reached_keystore_this_boot = true;
    return t;
}

/* What a token must say to match a key (android-rules.md section 2, "Matching"): one of the key's
 * types, and its user ID or authenticator ID is one of the key's SIDs. */
static bool token_matches_key(const kssim_auth_token *token, const model_key *key)
{
    if ((token->authenticator_type & key->spec.auth_types) == 0)
        return false;
    return key_holds_sid(key, token->user_id) || key_holds_sid(key, token->authenticator_id);
}

typedef enum use_kind {
    USE_BEGIN,    /* kssim_begin succeeded */
    USE_CONTINUE, /* kssim_update or kssim_finish passed the authorization of an open operation */
    USE_ONE_SHOT, /* kssim_verify (HMAC) or kssim_encrypt (AES): a begin and a finish in one call */
} use_kind;

/* Does token t, minted in boot `boot`, authorize this use now? For a timeout key: within the window
 * on the boot clock (KeyMint fails a token only when now - timestamp > timeout). For a per-operation
 * key: bound to the operation's challenge. Whether t's boot is the current one is the caller's
 * question. */
static bool token_authorizes(const model *m, const model_token *t, const model_key *key, use_kind kind,
                             const model_op *op)
{
    if (t->boot == 0 || !token_matches_key(&t->token, key))
        return false;
    if (!key->per_operation) {
        /* The challenge does not matter here: a prompt's token for another key's operation (even a
         * one-shot's, whose challenge nobody sees) sits in the cache and serves any timeout key it
         * matches, as an unlock's token does. */
        uint64_t stamp = t->token.timestamp_ms;
        return t->boot != m->boot ||
               (stamp <= m->boot_ms && m->boot_ms - stamp <= (uint64_t)key->spec.auth_timeout_s * 1000);
    }
    if (kind == USE_ONE_SHOT)
        return t->for_one_shot && t->step == m->step;
    return !t->for_one_shot && op != NULL && t->token.challenge == op->handle;
}

/* keystore2's token for a per-operation operation (android-rules.md, "The per-operation token"): the
 * first token of its boot that arrived after it began carrying its challenge. *certain is false when that
 * first token is only predicted (the armed prompt's, which lockout may have stopped): then a later token
 * may be the first one for real. NULL: no token has arrived for it. */
static const model_token *first_token_for(const model *m, const model_op *op, bool *certain)
{
    *certain = true;
    for (size_t i = 0; i < m->token_count; i++) {
        const model_token *t = &m->tokens[i];
        if (t->serial < op->begin_serial || t->token.challenge != op->handle)
            continue;
        *certain = t->has_bytes;
        return t;
    }
    return NULL;
}

static bool routes_first_token(const model *m)
{
    return m->api_level >= 31; /* keystore2's TokenReceiverMap; keystore1 searched its table instead */
}

/* A call on a per-operation operation refused KEY_USER_NOT_AUTHENTICATED ends it from Android 10, whether
 * keystore refused it for want of a token or KeyMint refused the routed one (keystore2 operation.rs
 * KeystoreOperation::with_locked_operation; keymaster_worker.cpp); Android 9 kept it open. */
static void note_refused_continue(model *m, model_op *op, kssim_result r)
{
    if (op == NULL || r != KSSIM_KEY_USER_NOT_AUTHENTICATED || !op->per_operation || op->boot != m->boot)
        return;
    if (m->api_level >= 29)
        op->ended = true;
}

/* Invariant: one app never sees a full KeyMint, since keystore may always prune the app's own least
 * recently used operation (keystore2 operation.rs OperationDb::prune; keystore1 pruneOperation). */
static void check_room(model *m, kssim_result r)
{
    if (r == KSSIM_TOO_MANY_OPERATIONS || r == KSSIM_BACKEND_BUSY || r == KSSIM_OPERATION_BUSY)
        violation(m, INV_ALWAYS_ROOM, "a begin answered %s, though keystore may prune the app's oldest operation",
                  kssim_result_name(r));
}

/* Invariant: a begin answers LOCKED only on keystore2, only for an auth-bound key, only before the first
 * unlock (keystore1 answers KEY_USER_NOT_AUTHENTICATED there; keystore2 asks for the super key last). */
static void check_locked_answer(model *m, const model_key *key, kssim_result r)
{
    if (r != KSSIM_LOCKED)
        return;
    if (m->api_level <= 30)
        violation(m, INV_BEGIN_ORDER, "a begin answered LOCKED on keystore1, which says KEY_USER_NOT_AUTHENTICATED");
    else if (key == NULL || !key->auth_bound || m->unlocked_since_boot)
        violation(m, INV_BEGIN_ORDER, "a begin answered LOCKED for %s while its super key is in memory",
                  key != NULL ? alias_name(key->alias) : "a missing key");
}

/* Invariants 1, 2 and 3 for a use that the device allowed. */
static void check_use_authorized(model *m, use_kind kind, const model_key *key, const model_op *op)
{
    const char *name = alias_name(key->alias);
    bool begins = kind != USE_CONTINUE;
    if (begins && key->tombstoned)
        violation(m, INV_INVALIDATED_STAYS, "%s began an operation after the system deleted it (%s)", name,
                  kssim_invalidation_reason_name(key->tombstone_reason));
    if (begins && key->tamper_count % 2 == 1)
        violation(m, INV_TAMPERED_BLOB, "%s began an operation with a tampered blob", name);
    if (begins && key->spec.unlocked_device_required && m->locked)
        violation(m, INV_DEVICE_LOCK, "%s (unlocked_device_required) began while the device is locked", name);
    if (kind == USE_CONTINUE && op->ended)
        violation(m, INV_OPERATION_ENDED, "an operation of %s that already ended went on", name);
    if (kind == USE_CONTINUE && op->boot != m->boot)
        violation(m, INV_BOOT_FORGETS, "an operation of %s begun in boot %u went on in boot %u", name, op->boot,
                  m->boot);
    if (!key->auth_bound)
        return;
    if (begins && !m->unlocked_since_boot)
        violation(m, INV_BOOT_FORGETS,
                  "%s needs user authentication and began before the first unlock since boot %u (the super key "
                  "is not in memory yet)",
                  name, m->boot);
    if (begins && key->per_operation && key->dead_by_sids && !dead_key_looks_alive(m, key))
        violation(m, INV_INVALIDATED_STAYS,
                  "per-operation key %s began although every secure ID it is bound to is retired", name);
    bool needs_token = key->per_operation ? kind != USE_BEGIN : kind != USE_CONTINUE;
    if (!needs_token)
        return;
    if (kind == USE_CONTINUE && key->per_operation && routes_first_token(m)) {
        bool certain;
        const model_token *first = first_token_for(m, op, &certain);
        if (first == NULL)
            violation(m, INV_FIRST_TOKEN_ROUTED,
                      "an operation of %s went on although no token carrying its challenge arrived after it began",
                      name);
        else if (certain && (first->boot != m->boot || !token_authorizes(m, first, key, kind, op)))
            violation(m, INV_FIRST_TOKEN_ROUTED,
                      "an operation of %s went on although the first token for its challenge (step %zu) does not "
                      "authorize it: a later token was used",
                      name, first->step);
    }
    const model_token *this_boot = NULL, *earlier_boot = NULL;
    bool minted_before_death = false;
    for (size_t i = 0; i < m->token_count; i++) {
        const model_token *t = &m->tokens[i];
        if (!token_authorizes(m, t, key, kind, op))
            continue;
        if (t->boot != m->boot) {
            earlier_boot = t;
            continue;
        }
        this_boot = t;
        if (!t->genuine || t->serial < key->death_serial)
            minted_before_death = true;
    }
    if (this_boot == NULL && earlier_boot != NULL)
        violation(m, INV_BOOT_FORGETS,
                  "%s was used in boot %u with no matching token of this boot; the token of step %zu, minted in "
                  "boot %u, would match",
                  name, m->boot, earlier_boot->step, earlier_boot->boot);
    if (this_boot == NULL)
        violation(m, INV_TOKEN_REQUIRED,
                  "%s (%s, types 0x%x) was used with no valid matching token%s: no authentication, valid forgery or "
                  "prompt of boot %u carries one of its %u secure IDs%s",
                  name, key->per_operation ? "per-operation" : "timeout key", key->spec.auth_types,
                  key->per_operation ? " for this operation's challenge" : " within its timeout", m->boot,
                  key->sid_count, key->per_operation ? " and the challenge" : " in time");
    if (key->dead_by_sids && !minted_before_death)
        violation(m, INV_INVALIDATED_STAYS,
                  "%s works again after every secure ID it is bound to was retired, through a genuine token "
                  "minted after that (last window closed)",
                  name);
}

/* Invariant 4 for MAX_USES_PER_BOOT and the rate limit at a begin the device allowed; then counts it. */
static void count_successful_begin(model *m, model_key *key)
{
    const char *name = alias_name(key->alias);
    uint32_t max = key->spec.max_uses_per_boot;
    if (max != 0 && key->begins_this_boot >= max)
        violation(m, INV_COUNTERS_ONLY_USES, "%s began %u operations in boot %u, more than MAX_USES_PER_BOOT %u", name,
                  key->begins_this_boot + 1, m->boot, max);
    uint32_t min = key->spec.min_seconds_between_ops;
    uint64_t now_s = m->boot_ms / 1000;
    if (min != 0 && key->has_last_begin && now_s - key->last_begin_s < min)
        violation(m, INV_RATE_LIMIT, "%s began %llu s after its last begin; MIN_SECONDS_BETWEEN_OPS is %u", name,
                  (unsigned long long)(now_s - key->last_begin_s), min);
    key->begins_this_boot++;
    key->has_last_begin = true;
    key->last_begin_s = now_s;
}

/* A per-operation key the framework refused with KEY_PERMANENTLY_INVALIDATED though the system did not
 * delete it: the framework asks canUserAuthorizationSucceed only once keystore began the operation
 * (KeyStoreCryptoOperationUtils getOrMakeOperationChallenge), so KeyMint's begin ran and counted the use
 * (MAX_USES_PER_BOOT, MIN_SECONDS_BETWEEN_OPS) before the operation was dropped. */
static void count_begin_judged_after_create(model *m, model_key *key, kssim_result r)
{
    if (r == KSSIM_KEY_PERMANENTLY_INVALIDATED && key->per_operation && !key->tombstoned)
        count_successful_begin(m, key);
}

/* The other direction: a limit refused only when the model's count says it is reached. */
static void check_limit_refusal(model *m, const model_key *key, kssim_result result)
{
    const char *name = alias_name(key->alias);
    if (result == KSSIM_KEY_MAX_OPS_EXCEEDED && key->begins_this_boot < key->spec.max_uses_per_boot)
        violation(m, INV_COUNTERS_ONLY_USES,
                  "%s was refused KEY_MAX_OPS_EXCEEDED after %u begins in boot %u of the %u allowed", name,
                  key->begins_this_boot, m->boot, key->spec.max_uses_per_boot);
    if (result == KSSIM_KEY_MAX_OPS_EXCEEDED && key->spec.max_uses_per_boot == 0)
        violation(m, INV_COUNTERS_ONLY_USES, "%s has no MAX_USES_PER_BOOT, yet was refused KEY_MAX_OPS_EXCEEDED", name);
    if (result == KSSIM_KEY_RATE_LIMIT_EXCEEDED) {
        uint64_t now_s = m->boot_ms / 1000;
        if (key->spec.min_seconds_between_ops == 0 || !key->has_last_begin ||
            now_s - key->last_begin_s >= key->spec.min_seconds_between_ops)
            violation(m, INV_RATE_LIMIT, "%s was refused KEY_RATE_LIMIT_EXCEEDED outside its interval", name);
    }
}

/* A successful finish (or one-shot) of an operation on `key`: USAGE_COUNT_LIMIT counts it, and the use
 * that spends the last one deletes the key (android-rules.md section 6). The use belongs to the key
 * the operation began on, whatever the alias holds now (keystore2 counts by key id). */
static void count_successful_use(model *m, model_key *key)
{
    if (key->spec.usage_count_limit == 0)
        return;
    /* keystore2 decrements the count of the key id at finish and fails the finish when that key is
     * gone (database.rs: "The Key no longer exists. Key is exhausted."), whoever deleted it. */
    if (key->uses >= key->spec.usage_count_limit || key->tombstoned || !key->present)
        violation(m, INV_COUNTERS_ONLY_USES, "a finish of %s succeeded after %u of its %u uses, although the key %s",
                  alias_name(key->alias), key->uses, key->spec.usage_count_limit,
                  key->uses >= key->spec.usage_count_limit ? "was exhausted" : "no longer exists");
    key->uses++;
    if (key->uses == key->spec.usage_count_limit && key->present && !key->tombstoned) {
        key->tombstoned = true;
        key->tombstone_reason = KSSIM_REASON_USAGE_EXHAUSTED;
    }
}

/* The armed system prompt answers a per-operation begin (kssim.h, "The system prompt"). The model
 * predicts the token it can make; lockout or throttling may stop it, so the prediction only ever
 * allows more, never less. */
static void prompt_answers(model *m, uint64_t challenge, bool for_one_shot)
{
    if (m->prompt.response == KSSIM_PROMPT_NONE || m->prompt.remaining == 0)
        return;
    kssim_prompt_response response = m->prompt.response;
    uint32_t id = m->prompt.biometric_id;
    uint32_t epoch = m->prompt.epoch;
    if (--m->prompt.remaining == 0)
        memset(&m->prompt, 0, sizeof(m->prompt));
    kssim_auth_token token = {.challenge = challenge, .timestamp_ms = m->boot_ms};
    if (response == KSSIM_PROMPT_BIOMETRIC) {
        const model_template *tpl = id >= 1 && id <= BIOMETRIC_IDS ? &m->templates[id - 1] : NULL;
        if (tpl == NULL || !tpl->enrolled || tpl->biometric_class != KSSIM_BIOMETRIC_STRONG)
            return; /* nothing enrolled under that id, or a weak one: no token */
        token.authenticator_type = KSSIM_AUTHENTICATOR_FINGERPRINT;
        token.user_id = m->credential_set ? m->root_sid : 0;
        token.authenticator_id = m->bio_ids[tpl->modality];
    } else {
        if (!m->credential_set || epoch != m->credential_epoch)
            return; /* the credential changed since the prompt was armed */
        token.authenticator_type = KSSIM_AUTHENTICATOR_PASSWORD;
        token.user_id = m->root_sid;
    }
    model_token *t = add_token(m, &token, m->boot, true, false);
    if (t != NULL)
        t->for_one_shot = for_one_shot;
}
