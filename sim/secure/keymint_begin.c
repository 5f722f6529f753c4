/*
 * keymint_begin.c - IKeyMintDevice::begin: open the key's blob, run KeyMint's checks, start the
 * operation.
 *
 * The order is the reference TA's begin_operation (operation.rs): the blob; a free operation slot
 * (TOO_MANY_OPERATIONS); the purpose the algorithm
 * supports (keymaster's GetOperationFactory: UNSUPPORTED_PURPOSE) and the key's purposes
 * (INCOMPATIBLE_PURPOSE); the digest, padding and block mode (tag::check_begin_params); the per-boot
 * limits (check_begin_auths: MIN_SECONDS_BETWEEN_OPS, MAX_USES_PER_BOOT); then user authentication. A
 * use is counted only once every check passed (keymaster_enforcement.cpp AuthorizeBegin updates its
 * access maps last). The operation handle is a fresh random number, and also the challenge a
 * per-operation token must carry.
 */
#include <string.h>

#include <openssl/evp.h>

#include "core/private_key.h"
#include "core/invariant.h"
#include "secure/keymint_internal.h"

/* KeyMint chooses the IV or nonce of an encryption (the key has no CALLER_NONCE:
 * keymaster_enforcement.cpp CALLER_NONCE_PROHIBITED); a decryption needs the one encryption chose. */
static kssim_result check_nonce(sim_env *env, const sim_auth_list *auth, uint32_t purpose,
                                const keymint_operation_choice *choice, const kssim_op_params *params)
{
    if (auth->algorithm != KSSIM_ALGORITHM_AES || choice->block_mode == KSSIM_BLOCK_MODE_ECB)
        return KSSIM_OK;
    size_t given = params != NULL ? params->nonce_len : 0;
    size_t needed = choice->block_mode == KSSIM_BLOCK_MODE_GCM ? KEYMINT_GCM_NONCE_BYTES : KEYMINT_AES_IV_BYTES;
    /* The reference TA's check_begin_params (system/keymint common/src/tag/legacy.rs): CallerNonceProhibited. */
    if (purpose == KSSIM_PURPOSE_ENCRYPT && given != 0)
        return sim_refuse(env, KSSIM_CALLER_NONCE_PROHIBITED,
                          "KeyMint chooses the nonce of an encryption (the key does not allow CALLER_NONCE): leave it "
                          "out, and take the one the operation returns");
    if (purpose == KSSIM_PURPOSE_DECRYPT && (given != needed || params->nonce == NULL))
        return sim_refuse(env, KSSIM_INVALID_ARGUMENT,
                          "decryption with %s needs the %zu-byte %s that encryption returned, and got %zu bytes: pass "
                          "it with the ciphertext",
                          sim_block_mode_name(choice->block_mode), needed,
                          choice->block_mode == KSSIM_BLOCK_MODE_GCM ? "nonce" : "IV", given);
    return KSSIM_OK;
}

static kssim_result refuse_corrupt_material(sim_env *env)
{
    return sim_refuse(env, KSSIM_INVALID_KEY_BLOB,
                      "the key material inside the blob does not match its authorization list: delete the key and "
                      "generate it again");
}

/* What begin needs of a blob: found in the cache of opened blobs (keymint_key_cache.c), or opened now
 * with its key material still to be parsed. */
typedef struct opened_key {
    keymint_cached_key *cached; /* NULL: opened now */
    sim_auth_list auth;
    keymint_key_material material;
    uint8_t key_id[32];
} opened_key;

/* The OpenSSL key type of a blob's PKCS#8 material (keymint_encode_private_key wrote it). */
static const char *openssl_key_type(const sim_auth_list *auth)
{
    switch (auth->algorithm) {
    case KSSIM_ALGORITHM_RSA:
        return "RSA";
    case KSSIM_ALGORITHM_ED25519:
        return "ED25519";
    default:
        return "EC";
    }
}

/* Puts the key where the operation's crypto can use it. */
static kssim_result load_key(sim_env *env, const opened_key *key, keymint_operation *op)
{
    const sim_auth_list *auth = &key->auth;
    const keymint_key_material *material = &key->material;
    if (key->cached != NULL) {
        /* Checked when it was cached: the same blob bytes hold the same material. */
        memcpy(op->symmetric_key, key->cached->symmetric_key, key->cached->symmetric_key_len);
        op->symmetric_key_len = key->cached->symmetric_key_len;
        if (key->cached->private_key != NULL &&
            (op->private_key = keymint_key_cache_take_private_key(key->cached)) == NULL)
            return sim_refuse(env, KSSIM_SYSTEM_ERROR, "out of memory loading the key for an operation");
        return KSSIM_OK;
    }
    if (!keymint_is_asymmetric(auth->algorithm)) {
        if (material->len != auth->key_size / 8 || material->len > sizeof(op->symmetric_key))
            return refuse_corrupt_material(env);
        memcpy(op->symmetric_key, material->bytes, material->len);
        op->symmetric_key_len = material->len;
        return KSSIM_OK;
    }
    kssim_algorithm algorithm;
    uint32_t key_size;
    op->private_key =
        sim_private_key_decode_pkcs8(env->crypto.libctx, material->bytes, material->len, openssl_key_type(auth));
    if (op->private_key == NULL || sim_private_key_describe(op->private_key, &algorithm, &key_size) != 0 ||
        algorithm != auth->algorithm || key_size != auth->key_size)
        return refuse_corrupt_material(env);
    return KSSIM_OK;
}

static uint64_t new_operation_handle(sim_secure_world *sw)
{
    uint64_t handle;
    do
        handle = sim_random_nonzero_u64(&sw->env->crypto);
    while (keymint_find_operation(sw->keymint, handle) != NULL);
    return handle;
}

/* plaintext_sha256: the digest of all the data an encryption will take, or NULL when it is not known at
 * begin; key_id: the key's identity, bound with it. */
static void choose_or_take_nonce(sim_secure_world *sw, keymint_operation *op, const kssim_op_params *params,
                                 const uint8_t key_id[32], const uint8_t *plaintext_sha256)
{
    if (op->auth.algorithm != KSSIM_ALGORITHM_AES || op->choice.block_mode == KSSIM_BLOCK_MODE_ECB)
        return;
    if (op->purpose == KSSIM_PURPOSE_DECRYPT) {
        op->nonce_len = params->nonce_len;
        memcpy(op->nonce, params->nonce, params->nonce_len);
        return;
    }
    op->nonce_len = op->choice.block_mode == KSSIM_BLOCK_MODE_GCM ? KEYMINT_GCM_NONCE_BYTES : KEYMINT_AES_IV_BYTES;
    if (plaintext_sha256 == NULL) {
        sim_random_bytes(&sw->env->crypto, op->nonce, op->nonce_len);
        return;
    }
    uint8_t binding[64];
    memcpy(binding, key_id, 32);
    memcpy(binding + 32, plaintext_sha256, 32);
    sim_random_bytes_bound_to(&sw->env->crypto, "kssim aes nonce", binding, sizeof(binding), op->nonce, op->nonce_len);
    memcpy(op->plaintext_sha256, plaintext_sha256, 32);
    op->nonce_bound_to_plaintext = true;
}

static kssim_result check_begin(sim_secure_world *sw, const sim_auth_list *auth, uint32_t purpose,
                                const kssim_op_params *params, const kssim_auth_token *auth_token,
                                const uint8_t key_id[32], keymint_operation_choice *choice, bool *needs_per_op_auth)
{
    sim_env *env = sw->env;
    kssim_result r = keymint_check_strongbox_answers(sw, auth->security_level, true);
    if (r != KSSIM_OK)
        return r;
    r = keymint_check_purpose_supported(env, auth, purpose);
    if (r != KSSIM_OK)
        return r;
    if ((auth->purposes & purpose) == 0)
        return sim_refuse(env, KSSIM_INCOMPATIBLE_PURPOSE,
                          "the key was not generated for %s: generate a key with that purpose",
                          sim_purpose_name(purpose));
    r = keymint_choose_operation_parameters(env, auth, purpose, params, choice);
    if (r == KSSIM_OK)
        r = check_nonce(env, auth, purpose, choice, params);
    if (r == KSSIM_OK)
        r = keymint_check_usage_limits(sw, auth, key_id);
    if (r == KSSIM_OK)
        r = keymint_authorize_begin(sw, auth, auth_token, needs_per_op_auth);
    return r;
}

/* A KeyMint instance refuses a begin with no free slot before any other check. The simulator learns the
 * instance from the blob, so a blob that does not open answers INVALID_KEY_BLOB first; keystore prunes on
 * TOO_MANY_OPERATIONS and retries, so an app never sees the difference. */
/* R-OP-SLOTS-BOUNDED: at most 16 operations in flight on the TEE KeyMint and 4 on StrongBox; the next begin:
 * TOO_MANY_OPERATIONS. AOSP: system/keymint ta/src/lib.rs MAX_TEE_OPERATIONS, ta/src/operation.rs begin_operation */
static kssim_result check_free_slot(sim_secure_world *sw, kssim_security_level level)
{
    size_t bound = level == KSSIM_SECURITY_STRONGBOX ? KEYMINT_STRONGBOX_OPERATION_SLOTS : KEYMINT_TEE_OPERATION_SLOTS;
    if (keymint_operations_in_flight(sw->keymint, level) < bound)
        return KSSIM_OK;
    return sim_refuse(sw->env, KSSIM_TOO_MANY_OPERATIONS,
                      "the %s KeyMint already runs %zu operations, all it has room for: finish or abort one, then "
                      "begin again",
                      level == KSSIM_SECURITY_STRONGBOX ? "StrongBox" : "TEE", bound);
}

static kssim_result start_operation(sim_secure_world *sw, const sim_key_blob *blob, const opened_key *key,
                                    uint32_t purpose, const kssim_op_params *params, const kssim_auth_token *auth_token,
                                    const uint8_t *plaintext_sha256, kssim_operation *out)
{
    const sim_auth_list *auth = &key->auth;
    const uint8_t *key_id = key->key_id;
    keymint_operation_choice choice;
    bool needs_per_op_auth = false;
    kssim_result r = check_free_slot(sw, auth->security_level);
    if (r != KSSIM_OK)
        return r;
    r = check_begin(sw, auth, purpose, params, auth_token, key_id, &choice, &needs_per_op_auth);
    if (r != KSSIM_OK)
        return r;
    keymint_operation *op = keymint_free_operation_slot(sw->keymint);
    if (op == NULL) /* cannot happen while check_free_slot passed: the table holds both bounds */
        return sim_refuse(sw->env, KSSIM_SYSTEM_ERROR, "KeyMint's operation table is full");
    r = load_key(sw->env, key, op);
    if (r == KSSIM_OK)
        r = keymint_record_use(sw, auth, key_id);
    if (r != KSSIM_OK) {
        keymint_release_operation(op);
        return r;
    }
    op->purpose = purpose;
    op->auth = *auth;
    op->choice = choice;
    op->needs_per_op_auth = needs_per_op_auth;
    op->handle = new_operation_handle(sw);
    choose_or_take_nonce(sw, op, params, key_id, plaintext_sha256);
    op->active = true;
    op->cached_key = key->cached != NULL ? key->cached : keymint_key_cache_insert(sw, blob, key_id, op);
    op->cached_key_stamp = op->cached_key != NULL ? op->cached_key->stamp : 0;

    KSSIM_INVARIANT(op->handle != 0 && keymint_find_operation(sw->keymint, op->handle) == op,
                    "a new KeyMint operation has a non-zero handle of its own");
    KSSIM_INVARIANT(keymint_operations_in_flight(sw->keymint, auth->security_level) <=
                        sim_keymint_operation_slots(auth->security_level),
                    "a KeyMint instance runs no more operations than it has slots (R-OP-SLOTS-BOUNDED)");
    KSSIM_INVARIANT(!needs_per_op_auth || (auth->sid_count > 0 && auth->user_auth_types != 0 &&
                                           !auth->has_auth_timeout && !auth->no_auth_required),
                    "a per-operation challenge is asked only for an auth-bound key without a timeout");
    out->handle = op->handle;
    out->challenge = op->handle;
    out->needs_per_op_auth = needs_per_op_auth;
    if (purpose == KSSIM_PURPOSE_ENCRYPT) {
        memcpy(out->nonce, op->nonce, op->nonce_len);
        out->nonce_len = op->nonce_len;
    }
    return KSSIM_OK;
}

static kssim_result begin(sim_secure_world *sw, const sim_key_blob *blob, uint32_t purpose,
                          const kssim_op_params *params, const kssim_auth_token *auth_token,
                          const uint8_t *plaintext_sha256, kssim_operation *op)
{
    memset(op, 0, sizeof(*op));
    kssim_result fault = keymint_check_blob_fault(sw, blob);
    if (fault != KSSIM_OK)
        return fault;
    opened_key key = {.cached = keymint_key_cache_find(sw, blob)};
    if (key.cached != NULL) {
        key.auth = key.cached->auth;
        memcpy(key.key_id, key.cached->key_id, sizeof(key.key_id));
        return start_operation(sw, blob, &key, purpose, params, auth_token, plaintext_sha256, op);
    }
    kssim_result r = keymint_blob_open(sw, blob, &key.auth, &key.material);
    if (r != KSSIM_OK)
        return r;
    if (sim_sha256(&sw->env->crypto, blob->data, blob->len, key.key_id) != 0)
        r = sim_refuse(sw->env, KSSIM_SYSTEM_ERROR, "OpenSSL failed to hash the key blob");
    else
        r = start_operation(sw, blob, &key, purpose, params, auth_token, plaintext_sha256, op);
    keymint_key_material_free(&key.material);
    return r;
}

kssim_result sim_keymint_begin(sim_secure_world *sw, const sim_key_blob *blob, uint32_t purpose,
                               const kssim_op_params *params, const kssim_auth_token *auth_token, kssim_operation *op)
{
    return begin(sw, blob, purpose, params, auth_token, NULL, op);
}

kssim_result sim_keymint_begin_encryption_of(sim_secure_world *sw, const sim_key_blob *blob,
                                             const kssim_op_params *params, const kssim_auth_token *auth_token,
                                             const uint8_t plaintext_sha256[32], kssim_operation *op)
{
    return begin(sw, blob, KSSIM_PURPOSE_ENCRYPT, params, auth_token, plaintext_sha256, op);
}
