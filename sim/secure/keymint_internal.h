/*
 * keymint_internal.h - what the keymint_*.c files share and nothing else sees: KeyMint's operation
 * table, its per-boot use records, and the steps generation, begin and finish are made of.
 *
 * The public face of KeyMint is in secure_world.h (sim_keymint_*); keystore2 calls only that.
 */
#ifndef SIM_SECURE_KEYMINT_INTERNAL_H
#define SIM_SECURE_KEYMINT_INTERNAL_H

#include <openssl/types.h>

#include "core/names.h"
#include "secure/secure_world.h"

/* A KeyMint has room for a fixed number of operations: the Rust reference TA's operations table
 * (system/keymint ta/src/lib.rs KeyMintTa::new: MAX_TEE_OPERATIONS 16, MAX_STRONGBOX_OPERATIONS 4). The
 * simulator keeps both instances' operations in one table, and counts each security level against its
 * own bound (keymint_begin.c). */
#define KEYMINT_TEE_OPERATION_SLOTS       16
#define KEYMINT_STRONGBOX_OPERATION_SLOTS 4
#define KEYMINT_MAX_OPERATIONS            (KEYMINT_TEE_OPERATION_SLOTS + KEYMINT_STRONGBOX_OPERATION_SLOTS)
/* Operations accumulate their input until finish; a bound keeps a runaway caller from exhausting
 * memory (the reference TA bounds digest-less inputs the same way: Operation::check_size). ECDSA and RSA
 * signing with a digest is the exception: its input is hashed as it arrives, unbounded, as a real
 * KeyMint's digesting signers do (keymint_signing.c). */
#define KEYMINT_MAX_OPERATION_INPUT     KSSIM_OPERATION_INPUT_MAX
#define KEYMINT_MAX_SYMMETRIC_KEY_BYTES 64
#define KEYMINT_GCM_NONCE_BYTES         12
#define KEYMINT_GCM_TAG_BYTES           16
#define KEYMINT_AES_IV_BYTES            16

/* The secret half of a key as the blob carries it: PKCS#8 DER for EC, RSA and Ed25519 keys, the raw
 * key bytes for AES and HMAC. */
typedef struct keymint_key_material {
    uint8_t *bytes;
    size_t len;
} keymint_key_material;

/* The digest, padding and block mode an operation runs with (one KSSIM_* bit each, 0 where the
 * algorithm has no such parameter). */
typedef struct keymint_operation_choice {
    uint32_t digest;
    uint32_t padding;
    uint32_t block_mode;
} keymint_operation_choice;

typedef struct keymint_operation {
    bool active;
    uint64_t handle; /* also the challenge a per-operation token must carry */
    uint32_t purpose;
    sim_auth_list auth; /* as the blob carried it */
    bool needs_per_op_auth;
    keymint_operation_choice choice;
    EVP_PKEY *private_key; /* EC, RSA, Ed25519 */
    /* The key cache's entry for the blob, or NULL; it is still that blob's while its stamp is this. */
    struct keymint_cached_key *cached_key;
    uint64_t cached_key_stamp;
    uint8_t symmetric_key[KEYMINT_MAX_SYMMETRIC_KEY_BYTES];
    size_t symmetric_key_len;
    uint8_t nonce[KEYMINT_AES_IV_BYTES]; /* AES: the IV or GCM nonce */
    size_t nonce_len;
    /* AES encryption begun with its whole plaintext's digest (sim_keymint_begin_encryption_of): the nonce
     * is bound to it, so finish encrypts only data with this digest. */
    bool nonce_bound_to_plaintext;
    uint8_t plaintext_sha256[32];
    uint8_t *input; /* everything update and finish were given, processed at finish */
    size_t input_len, input_capacity;
    /* ECDSA and RSA signing with a digest: the signing context the input is hashed into instead, made at
     * the first input (NULL until then; keymint_streams_input). */
    EVP_MD_CTX *streaming;
} keymint_operation;

/* Per-key state KeyMint keeps in RAM for MIN_SECONDS_BETWEEN_OPS and MAX_USES_PER_BOOT
 * (keymaster_enforcement.cpp AccessTimeMap / AccessCountMap), keyed by a hash of the blob. */
typedef struct keymint_key_usage {
    uint8_t key_id[32];
    bool has_last_begin;
    uint64_t last_begin_s; /* boot clock, whole seconds */
    uint32_t uses_this_boot;
} keymint_key_usage;

/* A blob that opened and loaded: what begin needs of it, kept by keymint_key_cache.c so that the next
 * begin with the very same bytes under the same device key skips decrypting and parsing it. */
#define KEYMINT_KEY_CACHE_ENTRIES 16
typedef struct keymint_cached_key {
    uint8_t *blob; /* the exact bytes; NULL: the entry is free */
    size_t blob_len;
    uint8_t device_key[32]; /* the device key the blob opened under */
    uint8_t key_id[32];     /* SHA-256 of the blob, as the use records key it */
    sim_auth_list auth;
    EVP_PKEY *private_key; /* EC, RSA, Ed25519: parsed and checked against auth */
    EVP_MD_CTX *signing;   /* initialised for signing_digest and signing_padding, or NULL */
    uint32_t signing_digest;
    uint32_t signing_padding;
    uint64_t stamp; /* new for every blob the entry holds */
    uint8_t symmetric_key[KEYMINT_MAX_SYMMETRIC_KEY_BYTES];
    size_t symmetric_key_len;
    uint64_t last_used;
} keymint_cached_key;

struct sim_keymint {
    keymint_operation operations[KEYMINT_MAX_OPERATIONS];
    keymint_key_usage *usages;
    size_t usage_count, usage_capacity;
    keymint_cached_key key_cache[KEYMINT_KEY_CACHE_ENTRIES];
    uint64_t key_cache_clock;
};

/* ---- keymint.c: the operation table and the per-boot use records ---- */
keymint_operation *keymint_find_operation(sim_keymint *km, uint64_t handle);
keymint_operation *keymint_free_operation_slot(sim_keymint *km);
/* Ends an operation: its key and input are wiped and freed, its handle forgotten. */
void keymint_release_operation(keymint_operation *op);
/* keymint_operation.c: how many operations of this security level are in flight. */
size_t keymint_operations_in_flight(const sim_keymint *km, kssim_security_level level);
/* The record for a key, created on first use; NULL when memory runs out. */
keymint_key_usage *keymint_key_usage_for(sim_keymint *km, const uint8_t key_id[32]);
const keymint_key_usage *keymint_find_key_usage(const sim_keymint *km, const uint8_t key_id[32]);

/* ---- keymint_faults.c: injected faults KeyMint answers with ---- */
/* While the strongbox_failing fault lasts, for a call at this level: HARDWARE_TYPE_UNAVAILABLE for a new key,
 * SYSTEM_ERROR for one already in the StrongBox (existing_key). */
kssim_result keymint_check_strongbox_answers(sim_secure_world *sw, kssim_security_level level, bool existing_key);
/* The injected answer for this blob (KEY_REQUIRES_UPGRADE, INVALID_KEY_BLOB), or KSSIM_OK. */
kssim_result keymint_check_blob_fault(sim_secure_world *sw, const sim_key_blob *blob);

/* ---- keymint_key_policy.c: what KeyMint agrees to generate or import ---- */
kssim_result keymint_check_security_level(sim_secure_world *sw, const sim_auth_list *auth);
kssim_result keymint_check_algorithm(sim_secure_world *sw, const sim_auth_list *auth);
/* The whole authorization list; a key_size of 0 is replaced by the algorithm's default. */
kssim_result keymint_check_key_policy(sim_secure_world *sw, sim_auth_list *auth);
bool keymint_is_asymmetric(kssim_algorithm algorithm);
/* Whether a KeyMint of this security level makes keys of this algorithm and size (R-KEY-SIZES-TEE,
 * R-KEY-SIZES-STRONGBOX); software answers as the TEE does. */
bool keymint_key_size_supported(kssim_algorithm algorithm, kssim_security_level level, uint32_t size);

/* ---- keymint_key_material.c: private keys out to DER (decoding is core/private_key.h) ---- */
/* PKCS#8 PrivateKeyInfo DER, malloc'd; returns 0 on success. */
int keymint_encode_private_key(EVP_PKEY *key, keymint_key_material *material);
/* SubjectPublicKeyInfo DER, malloc'd (released with kssim_free); returns 0 on success. */
int keymint_encode_public_key(EVP_PKEY *key, uint8_t **spki, size_t *spki_len);
void keymint_key_material_free(keymint_key_material *material);

/* ---- keymint_blob.c: sealing and opening key blobs ---- */
kssim_result keymint_blob_seal(sim_secure_world *sw, const sim_auth_list *auth, const keymint_key_material *material,
                               sim_key_blob *blob);
/* Empties what a generate or import call hands back (the blob, and the public key where asked for), so
 * that a refusal leaves nothing for the caller to free. */
void keymint_clear_new_key_outputs(sim_key_blob *blob, uint8_t **public_key, size_t *public_key_len);
/* The last step of a generate or import: when `made` (the material's own result) is OK, seals the material
 * into blob. Frees the material either way, and the public key on a refusal. */
kssim_result keymint_seal_new_key(sim_secure_world *sw, const sim_auth_list *policy, kssim_result made,
                                  keymint_key_material *material, sim_key_blob *blob, uint8_t **public_key);
/* INVALID_KEY_BLOB (with the sentence) for anything but an intact blob sealed by this device. */
kssim_result keymint_blob_open(sim_secure_world *sw, const sim_key_blob *blob, sim_auth_list *auth,
                               keymint_key_material *material);

/* ---- keymint_key_cache.c: opened blobs, by their exact bytes and the device key ---- */
/* The entry for exactly these blob bytes under sw's current device key, or NULL. */
keymint_cached_key *keymint_key_cache_find(sim_secure_world *sw, const sim_key_blob *blob);
/* Remembers a blob that opened and whose key loaded into op (an operation about to start), and returns
 * its entry; NULL when it cannot (no memory), which only costs the next begin the full path. */
keymint_cached_key *keymint_key_cache_insert(sim_secure_world *sw, const sim_key_blob *blob, const uint8_t key_id[32],
                                             const keymint_operation *op);
/* The cached key for a new operation, in the state a fresh parse gives it; NULL when out of memory. */
EVP_PKEY *keymint_key_cache_take_private_key(const keymint_cached_key *cached);
/* A signing context initialised for op's key and digest, from op's cache entry: for EC a copy, which the
 * caller frees; for Ed25519 the entry's own (*shared set), which the caller must not free. NULL for RSA,
 * for an operation without an entry, or on failure: the operation then initialises its own. */
EVP_MD_CTX *keymint_key_cache_signing_context(sim_env *env, const keymint_operation *op, bool *shared);
/* A shared context failed to sign: it is dropped, in case it was left in a state unfit for the next. */
void keymint_key_cache_forget_signing_context(const keymint_operation *op);
void keymint_key_cache_clear(sim_keymint *km);

/* ---- keymint_operation_parameters.c ---- */
kssim_result keymint_check_purpose_supported(sim_env *env, const sim_auth_list *auth, uint32_t purpose);
kssim_result keymint_choose_operation_parameters(sim_env *env, const sim_auth_list *auth, uint32_t purpose,
                                                 const kssim_op_params *params, keymint_operation_choice *choice);
/* What KeyMint picks when the caller leaves a parameter at 0; the framework's software verification
 * uses the same choice so it checks what KeyMint signed. */
uint32_t keymint_default_digest(const sim_auth_list *auth, uint32_t purpose, uint32_t padding);
uint32_t keymint_default_padding(const sim_auth_list *auth, uint32_t purpose, uint32_t block_mode);
uint32_t keymint_default_block_mode(const sim_auth_list *auth);

/* ---- keymint_usage_limits.c: MIN_SECONDS_BETWEEN_OPS and MAX_USES_PER_BOOT ---- */
kssim_result keymint_check_usage_limits(sim_secure_world *sw, const sim_auth_list *auth, const uint8_t key_id[32]);
/* Counts a successful begin; returns KSSIM_OK, or SYSTEM_ERROR when the record cannot be kept. */
kssim_result keymint_record_use(sim_secure_world *sw, const sim_auth_list *auth, const uint8_t key_id[32]);

/* ---- keymint_user_auth.c ---- */
/* Begin's user-authentication rule; *needs_per_op_auth tells the caller to demand a token carrying
 * the operation's challenge at every update and finish. */
kssim_result keymint_authorize_begin(sim_secure_world *sw, const sim_auth_list *auth, const kssim_auth_token *token,
                                     bool *needs_per_op_auth);
kssim_result keymint_check_per_operation_token(sim_secure_world *sw, const keymint_operation *op,
                                               const kssim_auth_token *token);

/* ---- keymint_deferred_output.c: a finish's output, handed over after the device's lock ---- */
/* Made (output) under the lock, or to be made without it (signing non-NULL: keymint_signing.c). */
struct kssim_deferred_output {
    uint8_t *output;
    size_t output_len;
    sim_crypto *crypto;  /* the device's: its library context, and whose draws the stream serves */
    EVP_MD_CTX *signing; /* every byte to sign hashed in, the key and parameters set; NULL once made */
    uint8_t seed[SIM_OPERATION_SEED_BYTES]; /* the signature's randomness (sim_random_operation_seed) */
};
/* A deferred output holding output (taken over, wiped and freed with it); NULL when out of memory, output
 * then wiped and freed. */
kssim_deferred_output *keymint_deferred_output_made(uint8_t *output, size_t output_len);

/* ---- keymint_signing.c: EC, Ed25519, RSA signatures and HMAC ---- */
kssim_result keymint_sign_asymmetric(sim_env *env, keymint_operation *op, uint8_t **out, size_t *out_len);
/* Whether the signature can be made without the device's lock: ECDSA and RSA with a digest (their input
 * is all hashed at finish, nothing about it can be refused any more). Ed25519's kept context is shared,
 * undigested signing may refuse the data, so those sign under the lock. */
bool keymint_signature_defers(const keymint_operation *op);
/* Under the lock: draws the seed, takes the operation's signing context; the signature is then
 * keymint_deferred_signature_make's, on any thread. */
kssim_result keymint_sign_deferred(sim_env *env, keymint_operation *op, kssim_deferred_output **deferred);
/* Makes the signature of a deferred output that has none yet; 0 on success. */
int keymint_deferred_signature_make(kssim_deferred_output *deferred, uint8_t **out, size_t *out_len);
/* True for operations whose input is hashed as it arrives rather than kept (ECDSA and RSA signing with a
 * digest), and the step that hashes it. */
bool keymint_streams_input(const keymint_operation *op);
kssim_result keymint_signing_update(sim_env *env, keymint_operation *op, const uint8_t *data, size_t len);
/* Initialises mctx to sign with key as op asks (digest; RSA's padding, PSS salt and MGF1); 0 on success. */
int keymint_signing_context_init(sim_env *env, const keymint_operation *op, EVP_PKEY *key, EVP_MD_CTX *mctx);
kssim_result keymint_hmac_finish(sim_env *env, const keymint_operation *op, const uint8_t *signature,
                                 size_t signature_len, uint8_t **out, size_t *out_len);

/* ---- keymint_encryption.c: AES and RSA decryption ---- */
kssim_result keymint_aes_finish(sim_env *env, const keymint_operation *op, uint8_t **out, size_t *out_len);
kssim_result keymint_rsa_decrypt(sim_env *env, const keymint_operation *op, uint8_t **out, size_t *out_len);

/* ---- keymint_agreement.c: ECDH ---- */
kssim_result keymint_ec_agree(sim_env *env, const keymint_operation *op, uint8_t **out, size_t *out_len);

#endif
