/*
 * fuzz_device_model.c - the model-based fuzz target (issue #5): the fuzzer's bytes become a program of
 * device steps (lock screen, biometrics, time, reboots, keys of every policy, operations, the system
 * prompt, forged and replayed tokens), run through the public API on an in-memory phone, with a
 * shadow model (device_model_shadow.c) checking the invariants after every step:
 *   1. no key that requires user authentication is used without a matching valid token;
 *   2. an invalidated key never becomes usable again;
 *   3. the token cache (and everything else in RAM) never outlives a reboot;
 *   4. nothing moves a usage counter but a use;
 * plus named results, explained refusals and a byte-identical transcript when run twice.
 * A violation prints the invariant, the step and the program so far, then aborts. See
 * docs/fuzzing.md.
 *
 * Input: a header byte (bit 0: run the program a second time and compare transcripts; bit 1: an
 * Android 11 device, api_level 30), a seed byte, then steps of one opcode byte and its argument
 * bytes. Reading past the end gives zeros and ends the program, so every prefix is a program too.
 * The target's own mutator and crossover work on whole steps. KSSIM_MODEL_TRACE=1 prints each step.
 */
#define _GNU_SOURCE /* RTLD_NEXT */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <kssim/kssim.h>

#include "fuzz_input.h"

#include "device_model_shadow.c"

/* ---- A fast Gatekeeper hash ----
 * Gatekeeper stores the credential as scrypt (N = 16384, r = 8), about 100 ms a call: most programs
 * set, verify or change a credential, so the fuzzer would run a few programs a second. No rule depends
 * on how slow the hash is, only on equal secrets giving equal hashes, so in this executable alone
 * EVP_KDF_derive answers SCRYPT with one SHA-256 of the password and salt; every other KDF goes to
 * OpenSSL. The simulator's code is unchanged and runs as it does in kssim. */
typedef int (*kdf_derive_function)(EVP_KDF_CTX *, unsigned char *, size_t, const OSSL_PARAM[]);

static int fast_scrypt(const OSSL_PARAM params[], unsigned char *key, size_t keylen)
{
    const OSSL_PARAM *password = OSSL_PARAM_locate_const(params, OSSL_KDF_PARAM_PASSWORD);
    const OSSL_PARAM *salt = OSSL_PARAM_locate_const(params, OSSL_KDF_PARAM_SALT);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    if (password == NULL || salt == NULL || keylen > 32)
        return -1;
    uint8_t password_len[8];
    for (int i = 0; i < 8; i++)
        password_len[i] = (uint8_t)((uint64_t)password->data_size >> (8 * i));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
             EVP_DigestUpdate(ctx, password_len, sizeof(password_len)) &&
             EVP_DigestUpdate(ctx, password->data, password->data_size) &&
             EVP_DigestUpdate(ctx, salt->data, salt->data_size) && EVP_DigestFinal_ex(ctx, digest, &digest_len);
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return 0;
    memcpy(key, digest, keylen);
    return 1;
}

int EVP_KDF_derive(EVP_KDF_CTX *ctx, unsigned char *key, size_t keylen, const OSSL_PARAM params[])
{
    const EVP_KDF *kdf = ctx != NULL ? EVP_KDF_CTX_kdf(ctx) : NULL;
    if (kdf != NULL && EVP_KDF_is_a(kdf, "SCRYPT")) {
        int r = fast_scrypt(params, key, keylen);
        if (r >= 0)
            return r;
    }
    static kdf_derive_function openssl_derive;
    if (openssl_derive == NULL) {
        void *symbol = dlsym(RTLD_NEXT, "EVP_KDF_derive");
        if (symbol == NULL)
            return 0;
        memcpy(&openssl_derive, &symbol, sizeof(openssl_derive));
    }
    return openssl_derive(ctx, key, keylen, params);
}

/* ---- Vocabulary: what the bytes choose from ---- */

static const char *const secrets[SECRET_COUNT] = {"1111", "2222", "3333"};
static const uint64_t advances_ms[16] = {1,     500,   999,   1000,  1001,  4999,   5000,    5001,
                                         29999, 30000, 30001, 60000, 61000, 600000, 3600000, 86400000};
static const uint64_t forged_ages_ms[8] = {0, 1, 1000, 5000, 29999, 30001, 600000, 86400000};
static const uint32_t timeouts_s[8] = {0, 0, 0, 1, 5, 30, 60, 2};
static const uint32_t auth_types[4] = {KSSIM_AUTH_BIOMETRIC_STRONG, KSSIM_AUTH_DEVICE_CREDENTIAL,
                                       KSSIM_AUTH_BIOMETRIC_STRONG | KSSIM_AUTH_DEVICE_CREDENTIAL,
                                       KSSIM_AUTH_BIOMETRIC_STRONG};
static const kssim_algorithm algorithms[4] = {KSSIM_ALGORITHM_HMAC, KSSIM_ALGORITHM_AES, KSSIM_ALGORITHM_ED25519,
                                              KSSIM_ALGORITHM_EC};
static const uint32_t small_limits[4] = {0, 0, 1, 2};
static const uint8_t update_data[] = {'u', 'p', 'd'};
static const uint8_t finish_data[] = {'f', 'i', 'n'};

static void describe(model *m, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(m->step_text, sizeof(m->step_text), format, args);
    va_end(args);
}

/* Appends " -> RESULT" to the step's description, as the trace shows it. */
static kssim_result outcome(model *m, kssim_result result)
{
    size_t used = strlen(m->step_text);
    snprintf(m->step_text + used, sizeof(m->step_text) - used, " -> %s", kssim_result_name(result));
    return model_result(m, result);
}

/* A challenge for a token: none (an unlock), one of the program's operations, or a number no operation
 * has. */
static uint64_t choose_challenge(const model *m, uint8_t choice, const char **what)
{
    uint8_t pick = choice % 6;
    if (pick >= 1 && pick <= SLOT_COUNT && m->ops[pick - 1].used) {
        *what = "op";
        return m->ops[pick - 1].handle;
    }
    *what = pick == 5 ? "stray" : "none";
    return pick == 5 ? UINT64_C(0x5eed) : 0;
}

static model_op *slot_op(model *m, uint8_t choice)
{
    model_op *op = &m->ops[choice % SLOT_COUNT];
    return op->used ? op : NULL;
}

/* ---- Lock screen ---- */

static void step_set_credential(model *m, fuzz_input *in)
{
    kssim_credential_type type = (kssim_credential_type)(1 + fuzz_take_u8(in) % 3);
    int secret = fuzz_take_u8(in) % SECRET_COUNT;
    describe(m, "set_credential type %d secret %s", (int)type, secrets[secret]);
    if (outcome(m, kssim_set_credential(m->device, type, secrets[secret])) != KSSIM_OK)
        return;
    m->credential_set = true;
    m->secret = secret;
    m->credential_epoch++;
    m->root_change = ID_NEW;
}

static void step_change_credential(model *m, fuzz_input *in)
{
    int old_secret = fuzz_take_u8(in) % SECRET_COUNT, new_secret = fuzz_take_u8(in) % SECRET_COUNT;
    describe(m, "change_credential %s -> %s", secrets[old_secret], secrets[new_secret]);
    if (outcome(m, kssim_change_credential(m->device, secrets[old_secret], secrets[new_secret])) != KSSIM_OK)
        return;
    m->secret = new_secret;
    m->credential_epoch++; /* a trusted change keeps the SID (root_change stays ID_SAME) */
}

static void step_reset_credential(model *m, fuzz_input *in)
{
    int secret = fuzz_take_u8(in) % SECRET_COUNT;
    describe(m, "reset_credential -> %s", secrets[secret]);
    if (outcome(m, kssim_reset_credential(m->device, secrets[secret])) != KSSIM_OK)
        return;
    m->secret = secret;
    m->credential_epoch++;
    m->root_change = ID_NEW; /* untrusted: a new SID, and keys bound to the old one die */
}

/* Removing the lock screen deletes every auth-bound key and every biometric, and leaves the user
 * unlocked (android-rules.md section 4, last row). */
static void step_remove_credential(model *m, fuzz_input *in)
{
    int secret = fuzz_take_u8(in) % SECRET_COUNT;
    describe(m, "remove_credential %s", secrets[secret]);
    if (outcome(m, kssim_remove_credential(m->device, secrets[secret])) != KSSIM_OK)
        return;
    m->credential_set = false;
    m->credential_epoch++;
    m->root_change = ID_ZERO;
    for (int i = 0; i < KSSIM_MODALITY_COUNT; i++)
        m->bio_change[i] = ID_ZERO;
    memset(m->templates, 0, sizeof(m->templates));
    for (size_t i = 0; i < m->key_count; i++) {
        model_key *key = &m->keys[i];
        if (key->present && key->auth_bound && !key->tombstoned) {
            key->tombstoned = true;
            key->tombstone_reason = KSSIM_REASON_LOCK_SCREEN_REMOVED;
        }
    }
    m->locked = false;
    m->unlocked_since_boot = true;
}

static void step_verify_credential(model *m, fuzz_input *in)
{
    int secret = fuzz_take_u8(in) % SECRET_COUNT;
    const char *what;
    uint64_t challenge = choose_challenge(m, fuzz_take_u8(in), &what);
    describe(m, "verify_credential %s challenge %s", secrets[secret], what);
    kssim_auth_token token;
    if (outcome(m, kssim_verify_credential(m->device, secrets[secret], challenge, &token)) != KSSIM_OK)
        return;
    transcript_add_token(m, &token);
    if (token.user_id != m->root_sid || token.authenticator_type != KSSIM_AUTHENTICATOR_PASSWORD ||
        token.challenge != challenge || token.timestamp_ms != m->boot_ms)
        violation(m, INV_MODEL_AGREES, "Gatekeeper's token does not say root SID, PASSWORD, this challenge, now");
    add_token(m, &token, m->boot, true, true);
}

/* Unlocking is a Gatekeeper verification whose PASSWORD token (challenge 0) reaches the cache; the
 * API does not return it, so the model predicts it. */
static void step_unlock(model *m, fuzz_input *in)
{
    uint8_t choice = fuzz_take_u8(in) % (SECRET_COUNT + 1);
    const char *secret = choice < SECRET_COUNT ? secrets[choice] : NULL;
    describe(m, "unlock %s", secret != NULL ? secret : "(no secret)");
    if (outcome(m, kssim_unlock(m->device, secret)) != KSSIM_OK)
        return;
    m->locked = false;
    m->unlocked_since_boot = true;
    if (m->credential_set) {
        kssim_auth_token token = {
            .user_id = m->root_sid, .authenticator_type = KSSIM_AUTHENTICATOR_PASSWORD, .timestamp_ms = m->boot_ms};
        add_token(m, &token, m->boot, true, false);
    }
}

static void step_lock(model *m)
{
    describe(m, "lock");
    /* keystore2 hears of a lock only behind a secure lock screen (R-UDR-NEVER-LOCKED-WITHOUT-SECURE-LOCK). */
    if (outcome(m, kssim_lock(m->device)) == KSSIM_OK && m->credential_set)
        m->locked = true;
}

/* ---- Biometrics ---- */

static bool modality_has_strong(const model *m, kssim_modality modality)
{
    for (int i = 0; i < BIOMETRIC_IDS; i++)
        if (m->templates[i].enrolled && m->templates[i].modality == modality &&
            m->templates[i].biometric_class == KSSIM_BIOMETRIC_STRONG)
            return true;
    return false;
}

/* A strong enrollment draws a new authenticator ID for its modality; a weak one changes nothing. */
static void step_enroll_biometric(model *m, fuzz_input *in)
{
    uint32_t id = 1 + fuzz_take_u8(in) % BIOMETRIC_IDS;
    uint8_t flags = fuzz_take_u8(in);
    kssim_modality modality = (flags & 1) ? KSSIM_MODALITY_FACE : KSSIM_MODALITY_FINGERPRINT;
    kssim_biometric_class biometric_class = (flags & 6) == 6 ? KSSIM_BIOMETRIC_WEAK : KSSIM_BIOMETRIC_STRONG;
    describe(m, "enroll_biometric %u %s %s", id, modality == KSSIM_MODALITY_FACE ? "face" : "fingerprint",
             biometric_class == KSSIM_BIOMETRIC_WEAK ? "weak" : "strong");
    if (outcome(m, kssim_enroll_biometric(m->device, id, modality, biometric_class)) != KSSIM_OK)
        return;
    m->templates[id - 1] = (model_template){true, modality, biometric_class};
    if (biometric_class == KSSIM_BIOMETRIC_STRONG)
        m->bio_change[modality] = ID_NEW;
}

/* Removing a template keeps the modality's ID, unless it was the last strong one: then the ID is 0. */
static void step_remove_biometric(model *m, fuzz_input *in)
{
    uint32_t id = 1 + fuzz_take_u8(in) % BIOMETRIC_IDS;
    describe(m, "remove_biometric %u", id);
    if (outcome(m, kssim_remove_biometric(m->device, id)) != KSSIM_OK)
        return;
    kssim_modality modality = m->templates[id - 1].modality;
    if (!m->templates[id - 1].enrolled)
        violation(m, INV_MODEL_AGREES, "biometric %u was removed although it was never enrolled", id);
    m->templates[id - 1].enrolled = false;
    if (!modality_has_strong(m, modality))
        m->bio_change[modality] = ID_ZERO;
}

static void step_authenticate_biometric(model *m, fuzz_input *in)
{
    uint32_t id = 1 + fuzz_take_u8(in) % (BIOMETRIC_IDS + 1); /* 5: never enrolled, a failed attempt */
    const char *what;
    uint64_t challenge = choose_challenge(m, fuzz_take_u8(in), &what);
    describe(m, "authenticate_biometric %u challenge %s", id, what);
    kssim_auth_token token;
    if (outcome(m, kssim_authenticate_biometric(m->device, id, challenge, &token)) != KSSIM_OK)
        return;
    transcript_add_token(m, &token);
    const model_template *tpl = id <= BIOMETRIC_IDS ? &m->templates[id - 1] : NULL;
    if (tpl == NULL || !tpl->enrolled)
        violation(m, INV_MODEL_AGREES, "biometric %u matched although it is not enrolled", id);
    bool strong = tpl->biometric_class == KSSIM_BIOMETRIC_STRONG;
    bool issued = token.authenticator_type == KSSIM_AUTHENTICATOR_FINGERPRINT;
    if (strong != issued)
        violation(m, INV_MODEL_AGREES, "a %s match %s a token", strong ? "strong" : "weak",
                  issued ? "made" : "did not make");
    if (!issued)
        return;
    if (token.authenticator_id != m->bio_ids[tpl->modality] || token.user_id != m->root_sid ||
        token.challenge != challenge || token.timestamp_ms != m->boot_ms)
        violation(m, INV_MODEL_AGREES,
                  "the biometric token does not say root SID, the modality's authenticator ID, this challenge, now");
    add_token(m, &token, m->boot, true, true);
}

/* ---- Time and power ---- */

static void step_advance(model *m, fuzz_input *in)
{
    uint64_t ms = advances_ms[fuzz_take_u8(in) % 16];
    describe(m, "advance %llu ms", (unsigned long long)ms);
    if (outcome(m, kssim_advance(m->device, ms)) == KSSIM_OK)
        m->boot_ms += ms;
}

/* A reboot: new HMAC key, empty token cache, boot clock at 0, operations and per-boot counters gone,
 * locked until the first unlock (android-rules.md section 5). The model keeps its old tokens: they
 * are what invariant 3 looks for when something works that should not. */
static void step_reboot(model *m)
{
    describe(m, "reboot");
    if (outcome(m, kssim_reboot(m->device)) != KSSIM_OK)
        return;
    m->boot++;
    m->boot_ms = 0;
    m->token_reached_keystore_this_boot = false;
    /* Without a secure lock screen the user is unlocked as the system starts (framework/power.c). */
    m->locked = m->credential_set;
    m->unlocked_since_boot = !m->credential_set;
    for (size_t i = 0; i < m->key_count; i++) {
        m->keys[i].begins_this_boot = 0;
        m->keys[i].has_last_begin = false;
    }
}

/* ---- Keys ---- */

/* The SIDs the framework binds (android-rules.md section 3): biometric-only keys that are invalidated
 * by enrollment take every current strong authenticator ID, every other auth-bound key the root SID. */
static void expected_sids(const model *m, model_key *key)
{
    key->sid_count = 0;
    if (!key->auth_bound)
        return;
    if (key->spec.auth_types == KSSIM_AUTH_BIOMETRIC_STRONG && key->spec.invalidated_by_biometric_enrollment) {
        for (int i = 0; i < KSSIM_MODALITY_COUNT; i++)
            if (m->bio_ids[i] != 0)
                key->sids[key->sid_count++] = m->bio_ids[i];
        return;
    }
    key->sids[key->sid_count++] = m->root_sid;
}

static void check_binding(model *m, const model_key *key)
{
    kssim_key_info info;
    if (kssim_key_info_get(m->device, alias_name(key->alias), &info) != KSSIM_OK)
        violation(m, INV_MODEL_AGREES, "kssim_key_info_get refused right after generation");
    bool same = info.sid_count == key->sid_count;
    for (uint32_t i = 0; same && i < key->sid_count; i++)
        same = key_holds_sid(key, info.sids[i]);
    if (!same)
        violation(m, INV_MODEL_AGREES, "%s is bound to %u secure IDs, not the %u addSids chooses",
                  alias_name(key->alias), info.sid_count, key->sid_count);
    if (key->auth_bound && key->sid_count == 0)
        violation(m, INV_MODEL_AGREES, "%s needs user authentication and was generated with nothing to bind to",
                  alias_name(key->alias));
    if (key->auth_bound && !m->credential_set)
        violation(m, INV_MODEL_AGREES, "%s needs user authentication and was generated without a lock screen",
                  alias_name(key->alias));
}

static void step_generate_key(model *m, fuzz_input *in)
{
    uint8_t a = fuzz_take_u8(in), b = fuzz_take_u8(in), c = fuzz_take_u8(in);
    int alias = a & 3;
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, algorithms[(a >> 2) & 3]);
    snprintf(spec.alias, sizeof(spec.alias), "%s", alias_name(alias));
    spec.user_auth = ((a >> 4) & 3) != 0;
    spec.unlocked_device_required = (a >> 6) & 1;
    spec.invalidated_by_biometric_enrollment = !((a >> 7) & 1);
    if (spec.user_auth) {
        spec.auth_timeout_s = timeouts_s[b & 7];
        spec.auth_types = auth_types[(b >> 3) & 3];
    }
    spec.usage_count_limit = small_limits[(b >> 5) & 3];
    spec.max_uses_per_boot = small_limits[c & 3];
    spec.min_seconds_between_ops = ((c >> 2) & 3) == 3 ? 2 : 0;
    describe(m, "generate_key %s alg %d auth %d timeout %u types %u inval %d udr %d limit %u per_boot %u min_s %u",
             spec.alias, (int)spec.algorithm, spec.user_auth, spec.auth_timeout_s, spec.auth_types,
             spec.invalidated_by_biometric_enrollment, spec.unlocked_device_required, spec.usage_count_limit,
             spec.max_uses_per_boot, spec.min_seconds_between_ops);
    if (outcome(m, kssim_generate_key(m->device, &spec)) != KSSIM_OK)
        return;
    if (spec.user_auth && !m->unlocked_since_boot)
        violation(m, INV_BOOT_FORGETS, "a key that needs user authentication was generated before the first unlock");
    if (m->key_count == MAX_KEYS)
        abort(); /* cannot happen: at most one key per step */
    if (m->alias_key[alias] >= 0)
        m->keys[m->alias_key[alias]].present = false; /* the alias now names the new key */
    model_key *key = &m->keys[m->key_count];
    memset(key, 0, sizeof(*key));
    key->alias = alias;
    key->spec = spec;
    key->auth_bound = spec.user_auth;
    key->per_operation = spec.user_auth && spec.auth_timeout_s == 0;
    key->present = true;
    expected_sids(m, key);
    m->alias_key[alias] = (int)m->key_count++;
    check_binding(m, key);
}

static void step_delete_key(model *m, fuzz_input *in)
{
    int alias = fuzz_take_u8(in) % ALIAS_COUNT;
    describe(m, "delete_key %s", alias_name(alias));
    if (outcome(m, kssim_delete_key(m->device, alias_name(alias))) != KSSIM_OK)
        return;
    if (m->alias_key[alias] < 0)
        violation(m, INV_MODEL_AGREES, "%s was deleted although it holds no key", alias_name(alias));
    m->keys[m->alias_key[alias]].present = false;
    m->alias_key[alias] = -1;
}

static void step_tamper(model *m, fuzz_input *in)
{
    uint8_t a = fuzz_take_u8(in);
    int alias = a & 3;
    kssim_blob_field field = (kssim_blob_field)((a >> 2) & 3);
    describe(m, "tamper %s field %d", alias_name(alias), (int)field);
    if (outcome(m, kssim_tamper_key_blob(m->device, alias_name(alias), field)) != KSSIM_OK)
        return;
    /* Each tamper flips one bit, and which one is the blob's business (a field the key lacks has a
     * stand-in), so two may cancel out. An odd number of one-bit flips cannot: then the blob surely
     * differs, and its authentication tag must catch it. */
    if (m->alias_key[alias] >= 0)
        m->keys[m->alias_key[alias]].tamper_count++;
}

/* ---- Operations ---- */

/* The purpose a begin asks for: the key's own (sign, or encrypt for AES) most of the time. */
static uint32_t choose_purpose(kssim_algorithm algorithm, uint8_t choice)
{
    bool aes = algorithm == KSSIM_ALGORITHM_AES;
    switch (choice & 3) {
    case 2:
        return aes ? KSSIM_PURPOSE_DECRYPT : KSSIM_PURPOSE_VERIFY;
    case 3:
        return aes ? KSSIM_PURPOSE_SIGN : KSSIM_PURPOSE_ENCRYPT;
    default:
        return aes ? KSSIM_PURPOSE_ENCRYPT : KSSIM_PURPOSE_SIGN;
    }
}

static void step_begin(model *m, fuzz_input *in)
{
    uint8_t a = fuzz_take_u8(in);
    int alias = a & 3, slot = (a >> 2) & 3;
    int index = m->alias_key[alias];
    kssim_algorithm algorithm = index >= 0 ? m->keys[index].spec.algorithm : KSSIM_ALGORITHM_EC;
    uint32_t purpose = choose_purpose(algorithm, a >> 4);
    describe(m, "begin %s purpose %u slot %d", alias_name(alias), purpose, slot);
    kssim_operation op;
    uint32_t begin_serial = m->next_serial;
    kssim_result r = outcome(m, kssim_begin(m->device, alias_name(alias), purpose, NULL, &op));
    check_room(m, r);
    check_locked_answer(m, index >= 0 ? &m->keys[index] : NULL, r);
    if (index >= 0) {
        check_limit_refusal(m, &m->keys[index], r);
        count_begin_judged_after_create(m, &m->keys[index], r);
    }
    if (r != KSSIM_OK)
        return;
    transcript_add_u64(m, op.handle);
    if (index < 0)
        violation(m, INV_MODEL_AGREES, "%s began an operation although it holds no key", alias_name(alias));
    model_key *key = &m->keys[index];
    if (op.needs_per_op_auth != key->per_operation)
        violation(m, INV_MODEL_AGREES, "begin says per-operation=%d for a key generated with timeout %u",
                  op.needs_per_op_auth, key->spec.auth_timeout_s);
    if (op.challenge != op.handle)
        violation(m, INV_MODEL_AGREES, "the challenge is not the operation handle");
    check_use_authorized(m, USE_BEGIN, key, NULL);
    count_successful_begin(m, key);
    m->ops[slot] = (model_op){.used = true,
                              .handle = op.handle,
                              .key = index,
                              .boot = m->boot,
                              .purpose = purpose,
                              .per_operation = key->per_operation,
                              .begin_serial = begin_serial};
    if (op.needs_per_op_auth)
        prompt_answers(m, op.challenge, false);
}

/* Whether update/finish got past the authorization: success, or a verification that ran and failed. */
static bool passed_authorization(kssim_result r)
{
    return r == KSSIM_OK || r == KSSIM_VERIFICATION_FAILED;
}

static void append_message(model_op *op, const uint8_t *data, size_t len)
{
    if (op->message_len + len <= sizeof(op->message)) {
        memcpy(op->message + op->message_len, data, len);
        op->message_len += len;
    }
}

static void step_update(model *m, fuzz_input *in)
{
    uint8_t slot = fuzz_take_u8(in);
    model_op *op = slot_op(m, slot);
    describe(m, "update slot %d", slot % SLOT_COUNT);
    uint64_t handle = op != NULL ? op->handle : UINT64_C(0xdead);
    kssim_result r = outcome(m, kssim_update(m->device, handle, update_data, sizeof(update_data)));
    note_refused_continue(m, op, r);
    if (op == NULL || !passed_authorization(r))
        return;
    check_use_authorized(m, USE_CONTINUE, &m->keys[op->key], op);
    append_message(op, update_data, sizeof(update_data));
}

static void step_finish(model *m, fuzz_input *in)
{
    uint8_t slot = fuzz_take_u8(in);
    model_op *op = slot_op(m, slot);
    describe(m, "finish slot %d", slot % SLOT_COUNT);
    uint64_t handle = op != NULL ? op->handle : UINT64_C(0xdead);
    const uint8_t *signature = NULL;
    size_t signature_len = 0;
    uint8_t no_signature[32] = {0};
    if (op != NULL && op->purpose == KSSIM_PURPOSE_VERIFY) {
        const model_key *key = &m->keys[op->key];
        signature = key->signature_len != 0 ? key->signature : no_signature;
        signature_len = key->signature_len != 0 ? key->signature_len : sizeof(no_signature);
    }
    uint8_t *out = NULL;
    size_t out_len = 0;
    kssim_result r = outcome(
        m, kssim_finish(m->device, handle, finish_data, sizeof(finish_data), signature, signature_len, &out, &out_len));
    transcript_add(m, out, out_len);
    note_refused_continue(m, op, r);
    if (op != NULL && passed_authorization(r)) {
        model_key *key = &m->keys[op->key];
        check_use_authorized(m, USE_CONTINUE, key, op);
        op->ended = true; /* KeyMint ran the finish: keystore2 forgets the operation, whatever it said */
        if (r == KSSIM_OK) {
            count_successful_use(m, key);
            append_message(op, finish_data, sizeof(finish_data));
            /* Keep the last HMAC signature and its message, so a later verify can succeed. */
            if (op->purpose == KSSIM_PURPOSE_SIGN && key->spec.algorithm == KSSIM_ALGORITHM_HMAC &&
                out_len <= sizeof(key->signature)) {
                memcpy(key->signature, out, out_len);
                key->signature_len = out_len;
                memcpy(key->message, op->message, op->message_len);
                key->message_len = op->message_len;
            }
        }
    }
    kssim_free(out);
}

static void step_abort(model *m, fuzz_input *in)
{
    uint8_t slot = fuzz_take_u8(in);
    model_op *op = slot_op(m, slot);
    describe(m, "abort slot %d", slot % SLOT_COUNT);
    kssim_result r = outcome(m, kssim_abort(m->device, op != NULL ? op->handle : UINT64_C(0xdead)));
    if (op == NULL || r != KSSIM_OK)
        return;
    if (op->ended)
        violation(m, INV_OPERATION_ENDED, "an operation that already ended was aborted");
    if (op->boot != m->boot)
        violation(m, INV_BOOT_FORGETS, "an operation begun in boot %u was aborted in boot %u", op->boot, m->boot);
    op->ended = true;
}

/* One call that is a whole keystore operation: kssim_verify of an HMAC key or kssim_encrypt of an AES
 * key (begin and finish inside). For EC and Ed25519 keys kssim_verify checks the signature in software
 * with the public key, which is no keystore operation and must not touch any counter. */
static void step_one_shot(model *m, fuzz_input *in)
{
    int alias = fuzz_take_u8(in) % ALIAS_COUNT;
    int index = m->alias_key[alias];
    model_key *key = index >= 0 ? &m->keys[index] : NULL;
    kssim_algorithm algorithm = key != NULL ? key->spec.algorithm : KSSIM_ALGORITHM_HMAC;
    bool keystore = algorithm == KSSIM_ALGORITHM_HMAC || algorithm == KSSIM_ALGORITHM_AES;
    kssim_result r;
    if (algorithm == KSSIM_ALGORITHM_AES) {
        describe(m, "encrypt %s", alias_name(alias));
        uint8_t *out = NULL;
        size_t out_len = 0, nonce_len = 0;
        r = outcome(m, kssim_encrypt(m->device, alias_name(alias), NULL, finish_data, sizeof(finish_data), &out,
                                     &out_len, &nonce_len));
        transcript_add(m, out, out_len);
        kssim_free(out);
    } else {
        describe(m, "verify %s", alias_name(alias));
        uint8_t no_signature[64] = {0};
        bool known = key != NULL && key->signature_len != 0;
        r = outcome(m,
                    kssim_verify(m->device, alias_name(alias), NULL, known ? key->message : finish_data,
                                 known ? key->message_len : sizeof(finish_data), known ? key->signature : no_signature,
                                 known ? key->signature_len : sizeof(no_signature)));
    }
    if (key == NULL || !keystore)
        return;
    check_room(m, r);
    check_limit_refusal(m, key, r);
    count_begin_judged_after_create(m, key, r);
    /* The inner begin succeeded when the call got past it: a result of the finish. For per-operation
     * keys that includes KEY_USER_NOT_AUTHENTICATED, which only their finish gives - except on keystore1
     * before the first unlock, whose begin answers a super-encrypted key so (key_store_service.cpp begin). */
    bool keystore1_locked = m->api_level <= 30 && key->auth_bound && !m->unlocked_since_boot;
    /* R-UDR-NEEDS-TOKEN (V-UDR-NEEDS-AUTH-TOKEN, API 31..34): keystore2's authorize_create refuses an
     * unlocked-device-required key so before any operation exists while no auth token reached it since boot. */
    bool udr_without_token = key->spec.unlocked_device_required && m->api_level >= 31 && m->api_level <= 34 &&
                             !m->token_reached_keystore_this_boot;
    bool began = passed_authorization(r) || (key->per_operation && r == KSSIM_KEY_USER_NOT_AUTHENTICATED &&
                                             !keystore1_locked && !udr_without_token);
    if (!began)
        return;
    check_use_authorized(m, USE_BEGIN, key, NULL);
    count_successful_begin(m, key);
    if (key->per_operation)
        prompt_answers(m, 0, true);
    if (!passed_authorization(r))
        return;
    if (key->per_operation)
        check_use_authorized(m, USE_ONE_SHOT, key, NULL);
    if (r == KSSIM_OK)
        count_successful_use(m, key);
}

/* ---- The system prompt ---- */

static void step_prompt_arm(model *m, fuzz_input *in)
{
    uint8_t a = fuzz_take_u8(in);
    kssim_prompt_response response = (kssim_prompt_response)(a % 3);
    uint32_t id = 1 + (a >> 2) % BIOMETRIC_IDS;
    int secret = ((a >> 4) & 3) % SECRET_COUNT;
    uint32_t count = 1 + (a >> 6);
    describe(m, "prompt_arm response %d id %u secret %s count %u", (int)response, id, secrets[secret], count);
    if (outcome(m, kssim_prompt_arm(m->device, response, id, secrets[secret], count)) != KSSIM_OK)
        return;
    memset(&m->prompt, 0, sizeof(m->prompt));
    if (response == KSSIM_PROMPT_NONE)
        return;
    m->prompt.response = response;
    m->prompt.biometric_id = response == KSSIM_PROMPT_BIOMETRIC ? id : 0;
    m->prompt.remaining = count;
    m->prompt.epoch = m->credential_epoch;
}

/* ---- Attacks ---- */

static const model_token *latest_replayable(const model *m, uint8_t choice)
{
    size_t count = 0;
    for (size_t i = 0; i < m->token_count; i++)
        count += m->tokens[i].has_bytes;
    if (count == 0)
        return NULL;
    size_t wanted = count - 1 - choice % count; /* 0 picks the newest */
    for (size_t i = 0; i < m->token_count; i++)
        if (m->tokens[i].has_bytes && wanted-- == 0)
            return &m->tokens[i];
    return NULL;
}

/* A forged token: the MAC valid (a compromised HAL), corrupt, or made with the previous boot's key;
 * only the first authorizes anything, and the previous boot's key only in the previous boot. */
static void step_forge_token(model *m, fuzz_input *in)
{
    uint8_t a = fuzz_take_u8(in), b = fuzz_take_u8(in);
    uint32_t type = (a & 1) ? KSSIM_AUTHENTICATOR_FINGERPRINT : KSSIM_AUTHENTICATOR_PASSWORD;
    uint64_t sid;
    switch ((a >> 1) & 3) {
    case 0:
        sid = m->root_sid;
        break;
    case 1:
        sid = m->bio_ids[(a >> 3) & 1];
        break;
    case 2:
        sid = m->retired_count > 0 ? m->retired[m->retired_count - 1] : 0;
        break;
    default:
        sid = UINT64_C(0x1234);
        break;
    }
    kssim_forged_mac mac = (kssim_forged_mac)((a >> 4) % 3);
    const char *what;
    uint64_t challenge = choose_challenge(m, b & 7, &what);
    uint64_t age = forged_ages_ms[(b >> 3) & 7];
    describe(m, "forge_token type %u sid %d mac %d challenge %s age %llu", type, (a >> 1) & 3, (int)mac, what,
             (unsigned long long)age);
    kssim_auth_token token;
    if (outcome(m, kssim_forge_token(m->device, type, sid, challenge, age, mac, &token)) != KSSIM_OK)
        return;
    transcript_add_token(m, &token);
    uint32_t boot = mac == KSSIM_MAC_VALID ? m->boot : mac == KSSIM_MAC_PREVIOUS_BOOT ? m->boot - 1 : 0;
    add_token(m, &token, boot, false, true);
}

/* Re-injects a token the device handed out earlier, maybe in an earlier boot. The model already has
 * it: a copy authorizes exactly what the original does. */
static void step_replay_token(model *m, fuzz_input *in)
{
    uint8_t choice = fuzz_take_u8(in);
    const model_token *t = latest_replayable(m, choice);
    describe(m, "replay_token %s", t != NULL ? "captured" : "(none captured)");
    if (t == NULL)
        return;
    snprintf(m->step_text, sizeof(m->step_text), "replay_token of step %zu (boot %u)", t->step, t->boot);
    kssim_auth_token token = t->token;
    if (outcome(m, kssim_inject_token(m->device, &token)) == KSSIM_OK)
        m->token_reached_keystore_this_boot = true;
}

static void step_callback_without_crypto(model *m)
{
    describe(m, "callback_without_crypto");
    outcome(m, kssim_callback_without_crypto(m->device));
}

/* ---- The program ---- */

typedef enum opcode {
    OP_SET_CREDENTIAL,
    OP_CHANGE_CREDENTIAL,
    OP_RESET_CREDENTIAL,
    OP_REMOVE_CREDENTIAL,
    OP_VERIFY_CREDENTIAL,
    OP_UNLOCK,
    OP_LOCK,
    OP_ENROLL_BIOMETRIC,
    OP_REMOVE_BIOMETRIC,
    OP_AUTHENTICATE_BIOMETRIC,
    OP_ADVANCE,
    OP_REBOOT,
    OP_GENERATE_KEY,
    OP_DELETE_KEY,
    OP_BEGIN,
    OP_UPDATE,
    OP_FINISH,
    OP_ABORT,
    OP_ONE_SHOT,
    OP_PROMPT_ARM,
    OP_FORGE_TOKEN,
    OP_REPLAY_TOKEN,
    OP_TAMPER,
    OP_CALLBACK_WITHOUT_CRYPTO,
    OPCODE_COUNT
} opcode;

static void run_step(model *m, opcode op, fuzz_input *in)
{
    switch (op) {
    case OP_SET_CREDENTIAL:
        step_set_credential(m, in);
        break;
    case OP_CHANGE_CREDENTIAL:
        step_change_credential(m, in);
        break;
    case OP_RESET_CREDENTIAL:
        step_reset_credential(m, in);
        break;
    case OP_REMOVE_CREDENTIAL:
        step_remove_credential(m, in);
        break;
    case OP_VERIFY_CREDENTIAL:
        step_verify_credential(m, in);
        break;
    case OP_UNLOCK:
        step_unlock(m, in);
        break;
    case OP_LOCK:
        step_lock(m);
        break;
    case OP_ENROLL_BIOMETRIC:
        step_enroll_biometric(m, in);
        break;
    case OP_REMOVE_BIOMETRIC:
        step_remove_biometric(m, in);
        break;
    case OP_AUTHENTICATE_BIOMETRIC:
        step_authenticate_biometric(m, in);
        break;
    case OP_ADVANCE:
        step_advance(m, in);
        break;
    case OP_REBOOT:
        step_reboot(m);
        break;
    case OP_GENERATE_KEY:
        step_generate_key(m, in);
        break;
    case OP_DELETE_KEY:
        step_delete_key(m, in);
        break;
    case OP_BEGIN:
        step_begin(m, in);
        break;
    case OP_UPDATE:
        step_update(m, in);
        break;
    case OP_FINISH:
        step_finish(m, in);
        break;
    case OP_ABORT:
        step_abort(m, in);
        break;
    case OP_ONE_SHOT:
        step_one_shot(m, in);
        break;
    case OP_PROMPT_ARM:
        step_prompt_arm(m, in);
        break;
    case OP_FORGE_TOKEN:
        step_forge_token(m, in);
        break;
    case OP_REPLAY_TOKEN:
        step_replay_token(m, in);
        break;
    case OP_TAMPER:
        step_tamper(m, in);
        break;
    case OP_CALLBACK_WITHOUT_CRYPTO:
        step_callback_without_crypto(m);
        break;
    case OPCODE_COUNT:
        break;
    }
}

/* ---- Step-aware mutation ----
 * libFuzzer mutates bytes; a program is made of steps. Inserting, deleting, copying or moving a whole
 * step, and splicing steps of two programs, keep the argument bytes in step with their opcodes, so
 * that the fuzzer explores orders of events (authenticate, reboot, replay, begin...) instead of
 * mostly breaking the decoding. Half the time libFuzzer's own byte mutations (and the dictionary) run
 * instead. */

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

enum { HEADER_BYTES = 2, MAX_MUTATED_STEPS = 4 * MAX_STEPS };

/* How many argument bytes each opcode reads (the step_* functions above). */
static const uint8_t argument_bytes[OPCODE_COUNT] = {
    [OP_SET_CREDENTIAL] = 2,
    [OP_CHANGE_CREDENTIAL] = 2,
    [OP_RESET_CREDENTIAL] = 1,
    [OP_REMOVE_CREDENTIAL] = 1,
    [OP_VERIFY_CREDENTIAL] = 2,
    [OP_UNLOCK] = 1,
    [OP_LOCK] = 0,
    [OP_ENROLL_BIOMETRIC] = 2,
    [OP_REMOVE_BIOMETRIC] = 1,
    [OP_AUTHENTICATE_BIOMETRIC] = 2,
    [OP_ADVANCE] = 1,
    [OP_REBOOT] = 0,
    [OP_GENERATE_KEY] = 3,
    [OP_DELETE_KEY] = 1,
    [OP_BEGIN] = 1,
    [OP_UPDATE] = 1,
    [OP_FINISH] = 1,
    [OP_ABORT] = 1,
    [OP_ONE_SHOT] = 1,
    [OP_PROMPT_ARM] = 1,
    [OP_FORGE_TOKEN] = 2,
    [OP_REPLAY_TOKEN] = 1,
    [OP_TAMPER] = 1,
    [OP_CALLBACK_WITHOUT_CRYPTO] = 0,
};

/* Where each step starts; starts[count] is the end of the input. Returns count. */
static size_t find_steps(const uint8_t *data, size_t size, size_t starts[MAX_MUTATED_STEPS + 1])
{
    size_t count = 0, at = HEADER_BYTES;
    while (at < size && count < MAX_MUTATED_STEPS) {
        starts[count++] = at;
        at += 1 + (size_t)argument_bytes[data[at] % OPCODE_COUNT];
    }
    starts[count] = at < size ? at : size;
    return count;
}

static uint64_t next_random(uint64_t *state)
{
    /* xorshift64*: libFuzzer gives the seed, so a mutation can be replayed */
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * UINT64_C(2685821657736338717);
}

/* Puts len bytes at offset `at`, moving the rest right; 0 if the result would exceed max_size. */
static size_t insert_bytes(uint8_t *data, size_t size, size_t max_size, size_t at, const uint8_t *bytes, size_t len)
{
    if (size + len > max_size)
        return 0;
    memmove(data + at + len, data + at, size - at);
    memcpy(data + at, bytes, len);
    return size + len;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    uint64_t state = (uint64_t)seed * UINT64_C(0x9e3779b97f4a7c15) + 1;
    size_t starts[MAX_MUTATED_STEPS + 1];
    size_t count = size >= HEADER_BYTES ? find_steps(data, size, starts) : 0;
    uint64_t choice = next_random(&state) % 12;
    if (size < HEADER_BYTES || choice >= 6)
        return LLVMFuzzerMutate(data, size, max_size);
    size_t at = count > 0 ? next_random(&state) % (count + 1) : 0; /* a boundary between steps */
    size_t boundary = count > 0 ? starts[at] : size;
    size_t result = 0;
    if (choice <= 1 || count == 0) {
        /* insert a new step with random arguments */
        uint8_t step[4];
        opcode code = (opcode)(next_random(&state) % OPCODE_COUNT);
        step[0] = (uint8_t)code;
        for (size_t i = 1; i <= argument_bytes[code]; i++)
            step[i] = (uint8_t)next_random(&state);
        result = insert_bytes(data, size, max_size, boundary, step, 1 + (size_t)argument_bytes[code]);
    } else if (choice == 2) {
        /* delete a step */
        size_t victim = next_random(&state) % count;
        size_t len = starts[victim + 1] - starts[victim];
        memmove(data + starts[victim], data + starts[victim + 1], size - starts[victim + 1]);
        result = size - len;
    } else if (choice == 3) {
        /* copy a step of this program to another place in it */
        size_t source = next_random(&state) % count;
        uint8_t step[4];
        size_t len = starts[source + 1] - starts[source];
        memcpy(step, data + starts[source], len);
        result = insert_bytes(data, size, max_size, boundary, step, len);
    } else if (choice == 4) {
        /* new arguments for a step, same opcode */
        size_t target = next_random(&state) % count;
        for (size_t i = starts[target] + 1; i < starts[target + 1]; i++)
            data[i] = (uint8_t)next_random(&state);
        result = size;
    } else if (count >= 2) {
        /* swap a step with the next one */
        size_t first = next_random(&state) % (count - 1);
        uint8_t both[8];
        size_t len_first = starts[first + 1] - starts[first], len_second = starts[first + 2] - starts[first + 1];
        memcpy(both, data + starts[first + 1], len_second);
        memcpy(both + len_second, data + starts[first], len_first);
        memcpy(data + starts[first], both, len_first + len_second);
        result = size;
    }
    return result != 0 ? result : LLVMFuzzerMutate(data, size, max_size);
}

/* Splices two programs at step boundaries: the first's header and steps up to a point, then either a
 * few steps of the second followed by the rest of the first, or the second's steps from a point on. */
size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1, const uint8_t *data2, size_t size2, uint8_t *out,
                                 size_t max_out_size, unsigned int seed)
{
    uint64_t state = (uint64_t)seed * UINT64_C(0x9e3779b97f4a7c15) + 1;
    if (size1 < HEADER_BYTES || size2 < HEADER_BYTES || max_out_size < HEADER_BYTES)
        return 0;
    size_t starts1[MAX_MUTATED_STEPS + 1], starts2[MAX_MUTATED_STEPS + 1];
    size_t count1 = find_steps(data1, size1, starts1), count2 = find_steps(data2, size2, starts2);
    size_t cut1 = starts1[next_random(&state) % (count1 + 1)];
    size_t from2 = starts2[next_random(&state) % (count2 + 1)];
    bool insert = next_random(&state) % 2 == 0;
    size_t to2 = size2;
    if (insert) {
        size_t first = 0;
        while (first < count2 && starts2[first] < from2)
            first++;
        size_t last = first + 1 + next_random(&state) % 4;
        to2 = starts2[last < count2 ? last : count2];
    }
    size_t len = 0;
    size_t part = cut1 < max_out_size ? cut1 : max_out_size;
    memcpy(out, data1, part);
    len = part;
    part = to2 - from2 < max_out_size - len ? to2 - from2 : max_out_size - len;
    memcpy(out + len, data2 + from2, part);
    len += part;
    if (insert) {
        part = size1 - cut1 < max_out_size - len ? size1 - cut1 : max_out_size - len;
        memcpy(out + len, data1 + cut1, part);
        len += part;
    }
    return len;
}

/* Runs the program on a new in-memory phone, checking every invariant after every step, and leaves
 * one transcript hash per step in step_hashes. Returns the number of steps run. */
static size_t run_program(const uint8_t *data, size_t size, uint64_t step_hashes[MAX_STEPS])
{
    fuzz_input in;
    fuzz_input_init(&in, data, size);
    uint8_t header = fuzz_take_u8(&in);
    uint8_t seed = fuzz_take_u8(&in);
    model *m = calloc(1, sizeof(*m));
    char(*trace)[STEP_TEXT_MAX] = calloc(MAX_STEPS, sizeof(*trace));
    if (m == NULL || trace == NULL)
        abort();
    m->trace = trace;
    kssim_config config;
    kssim_config_default(&config);
    config.seed = 1 + seed;
    config.api_level = (header & 2) ? 30 : 34;
    m->api_level = config.api_level;
    if (kssim_device_create(&config, &m->device) != KSSIM_OK)
        abort();
    /* A new phone: no lock screen, unlocked, first boot (framework/device.c). */
    m->boot = 1;
    m->unlocked_since_boot = true;
    for (int i = 0; i < ALIAS_COUNT; i++)
        m->alias_key[i] = -1;
    /* KSSIM_MODEL_TRACE=1 prints every step and its result: to read what a seed or a crash does. */
    const char *trace_variable = getenv("KSSIM_MODEL_TRACE");
    bool print_trace = trace_variable != NULL && trace_variable[0] == '1';
    size_t steps = 0;
    while (steps < MAX_STEPS) {
        uint8_t code = fuzz_take_u8(&in);
        if (fuzz_input_done(&in))
            break;
        m->step = steps;
        m->serial_at_step_start = m->next_serial;
        m->root_change = ID_SAME;
        memset(m->bio_change, 0, sizeof(m->bio_change));
        m->transcript = UINT64_C(0xcbf29ce484222325);
        m->step_text[0] = '\0';
        run_step(m, (opcode)(code % OPCODE_COUNT), &in);
        observe_status(m);
        observe_keys(m);
        memcpy(trace[steps], m->step_text, STEP_TEXT_MAX);
        if (print_trace)
            fprintf(stderr, "%3zu %s\n", steps, m->step_text);
        step_hashes[steps++] = m->transcript;
    }
    kssim_device_free(m->device);
    free(trace);
    free(m);
    return steps;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint64_t first[MAX_STEPS], second[MAX_STEPS];
    size_t steps = run_program(data, size, first);
    if (size == 0 || !(data[0] & 1))
        return 0;
    /* Determinism: the same program on a second phone with the same seed answers the same, byte for
     * byte (kssim.h: "the same calls on a device created with the same seed give the same results"). */
    size_t again = run_program(data, size, second);
    for (size_t i = 0; i < steps && i < again; i++)
        if (first[i] != second[i]) {
            fprintf(stderr,
                    "\n==kssim-model== INVARIANT VIOLATED: %s\n  step %zu answered differently on a second "
                    "phone with the same seed\n",
                    invariant_names[INV_DETERMINISTIC], i);
            abort();
        }
    if (steps != again) {
        fprintf(stderr, "\n==kssim-model== INVARIANT VIOLATED: %s\n  the second run ran %zu steps, not %zu\n",
                invariant_names[INV_DETERMINISTIC], again, steps);
        abort();
    }
    return 0;
}
