/*
 * secure_world.h - the trusted side of the simulated phone (the TEE, or StrongBox).
 *
 * Mirrors the Android components that run outside the OS's reach:
 *   - the shared secret: the per-boot HMAC key that every boot replaces (ISharedSecret), which MACs
 *     HardwareAuthTokens (auth_token.c);
 *   - Gatekeeper: the lock-screen credential as a salted scrypt handle, the user's secure ID (SID),
 *     throttling (gatekeeper.c, gatekeeper_throttle.c);
 *   - the biometric TA: templates, authenticator IDs, lockout (biometric.c);
 *   - KeyMint: key blobs encrypted under a device key, operations, and the enforcement KeyMint itself
 *     does (keymint_*.c).
 * Only keystore2 and the framework call into this layer; private key material never leaves it.
 */
#ifndef SIM_SECURE_SECURE_WORLD_H
#define SIM_SECURE_SECURE_WORLD_H

#include "core/env.h"

#define SIM_MAX_BIOMETRIC_TEMPLATES 16
#define SIM_MAX_KEY_SIDS            4

/* ---- Gatekeeper ---- */
typedef struct sim_gatekeeper {
    bool enrolled;
    kssim_credential_type type;
    uint64_t sid; /* the user's secure ID: new on every untrusted enrollment */
    uint8_t salt[16];
    uint8_t hash[32]; /* scrypt(secret, salt); the secret itself is never stored */
    uint32_t failure_count;
    uint64_t last_checked_ms; /* boot clock of the last counted attempt (gatekeeper.cpp's failure record) */
} sim_gatekeeper;

/* ---- Biometric TA ---- */
typedef struct sim_biometric_template {
    uint32_t id;
    kssim_modality modality;
    kssim_biometric_class biometric_class;
} sim_biometric_template;

typedef struct sim_biometric {
    sim_biometric_template templates[SIM_MAX_BIOMETRIC_TEMPLATES];
    uint32_t count;
    uint64_t authenticator_ids[KSSIM_MODALITY_COUNT]; /* 0 when the modality has no strong template */
    uint32_t failed_attempts;                         /* consecutive failures */
    uint64_t lockout_until_ms;                        /* boot clock; timed lockout while now < this */
    bool permanent_lockout;
} sim_biometric;

/* ---- KeyMint ---- */
/* A key's authorization list: the tags KeyMint enforces, bound into its blob. */
typedef struct sim_auth_list {
    kssim_algorithm algorithm;
    uint32_t key_size;
    uint32_t purposes, digests, block_modes, paddings;
    bool no_auth_required;
    uint32_t sid_count; /* USER_SECURE_ID, repeatable */
    uint64_t sids[SIM_MAX_KEY_SIDS];
    uint32_t user_auth_types; /* USER_AUTH_TYPE: HardwareAuthenticatorType bits */
    bool has_auth_timeout;    /* AUTH_TIMEOUT: present only for timeout keys */
    uint32_t auth_timeout_s;
    bool unlocked_device_required;
    uint32_t max_uses_per_boot, usage_count_limit, min_seconds_between_ops;
    bool has_active, has_origination_expire, has_usage_expire;
    int64_t active_ms, origination_expire_ms, usage_expire_ms;
    kssim_security_level security_level;
    bool imported; /* ORIGIN IMPORTED rather than GENERATED */
    /* ROLLBACK_RESISTANCE. Not in the stored auth list image: keystore2's row keeps it in the key spec
     * (keystore2_image.c), and begin reads it from the blob. */
    bool rollback_resistant;
} sim_auth_list;

typedef struct sim_key_blob {
    uint8_t *data;
    size_t len;
} sim_key_blob;

/* Injected faults of the secure world (keymint_faults.c, docs/faults.md). Persistent. */
#define SIM_MAX_BLOB_FAULTS 32
typedef struct sim_blob_fault {
    uint8_t blob_digest[32]; /* SHA-256 of the blob that fails: a new blob (an upgrade) does not */
    kssim_result answer;     /* KSSIM_KEY_REQUIRES_UPGRADE or KSSIM_INVALID_KEY_BLOB */
} sim_blob_fault;

typedef struct sim_secure_faults {
    bool strongbox_failing;
    uint32_t strongbox_failing_calls; /* calls still failing; 0 with strongbox_failing: every call */
    uint32_t blob_fault_count;
    sim_blob_fault blobs[SIM_MAX_BLOB_FAULTS];
} sim_secure_faults;

typedef struct sim_keymint sim_keymint; /* operations and per-boot counters, private to keymint_*.c */

typedef struct sim_secure_world {
    sim_env *env;
    kssim_security_level security_level; /* the best hardware this device has */
    /* The device's Android API level, for the secure world's release differences (Gatekeeper's schedule,
     * sim_android_has); the device sets it after sim_secure_world_init (0 until then). */
    int api_level;
    uint8_t device_key[32]; /* KeyMint's root key: encrypts and authenticates key blobs */
    uint8_t hmac_key[32];   /* the per-boot shared secret that MACs auth tokens */
    uint8_t previous_hmac_key[32];
    bool has_previous_hmac_key;
    uint32_t boot_count;
    sim_gatekeeper gatekeeper;
    sim_biometric biometric;
    sim_keymint *keymint;
    sim_secure_faults faults;
} sim_secure_world;

/* secure_world.c: first power-on (device key, first boot's HMAC key) and every later boot. */
int sim_secure_world_init(sim_secure_world *sw, sim_env *env, kssim_security_level security_level);
void sim_secure_world_cleanup(sim_secure_world *sw);
/* A reboot: a new per-boot HMAC key (the old one kept only so attacks can forge with it), KeyMint's
 * operations and per-boot counters gone, Gatekeeper's and the biometric TA's timers restarted. */
void sim_secure_world_reboot(sim_secure_world *sw);

/* ---- secure_world_image.c: the secure world as a stored device keeps it (sim/store/device_image.c) ----
 * The device key, both per-boot HMAC keys, the boot count, Gatekeeper's record, the biometric TA's
 * templates, IDs and lockout, and KeyMint's use records. Operations in flight are not part of it. */
void sim_secure_world_image_encode(const sim_secure_world *sw, sim_writer *w);
/* Decodes into a secure world of its own, with no env and a KeyMint holding only the use records.
 * Whatever the outcome, release it with sim_secure_world_cleanup unless it was applied. */
void sim_secure_world_image_decode(sim_reader *r, sim_secure_world *decoded);
/* Replaces sw's persistent state by decoded's, which is consumed (left cleansed, owning nothing).
 * keep_operations false ends KeyMint's operations in flight, as the reboot the image saw did. */
void sim_secure_world_image_apply(sim_secure_world *sw, sim_secure_world *decoded, bool keep_operations);
/* The KeyMint enums, as every layer's image stores them: a value KeyMint does not know fails r. */
kssim_security_level sim_security_level_image_decode(sim_reader *r);
kssim_algorithm sim_algorithm_image_decode(sim_reader *r);
/* The authorization list, as keystore2 keeps it beside the blob. */
void sim_auth_list_image_encode(const sim_auth_list *auth, sim_writer *w);
void sim_auth_list_image_decode(sim_reader *r, sim_auth_list *auth);

/* ---- keymint_image.c: KeyMint's use records (MAX_USES_PER_BOOT, MIN_SECONDS_BETWEEN_OPS) ---- */
void sim_keymint_image_encode(const sim_keymint *km, sim_writer *w);
/* A KeyMint with the decoded records and no operations; NULL when r failed (r says why). */
sim_keymint *sim_keymint_image_decode(sim_reader *r);
/* km's records become decoded's, which is freed; km's operations are left as they are. */
void sim_keymint_image_apply(sim_keymint *km, sim_keymint *decoded);

/* ---- auth_token.c ---- */
/* MAC over AOSP's 37-byte layout: 0x00 | challenge | user_id | authenticator_id (host order, i.e. LE)
 * | authenticator_type (BE32) | timestamp (BE64), HMAC-SHA-256 under key. */
void sim_auth_token_compute_mac(const sim_secure_world *sw, const uint8_t key[32], const kssim_auth_token *token,
                                uint8_t mac[32]);
/* Fills timestamp_ms with the boot clock now and the MAC with the current per-boot key. */
void sim_auth_token_issue(sim_secure_world *sw, kssim_auth_token *token);
bool sim_auth_token_is_authentic(const sim_secure_world *sw, const kssim_auth_token *token);

/* ---- gatekeeper.c ---- */
/* current_secret NULL: untrusted enrollment (first lock screen, or an admin reset): a new SID.
 * Otherwise a trusted re-enrollment: the current secret is verified (throttled) and the SID kept; type
 * KSSIM_CREDENTIAL_NONE then keeps the type of the credential verified, read after its attempt was
 * charged (charging may take in what another process stored). */
kssim_result sim_gatekeeper_enroll(sim_secure_world *sw, kssim_credential_type type, const char *new_secret,
                                   const char *current_secret);
/* On success, token_out holds a PASSWORD token for challenge. Throttled as gatekeeper.cpp does. */
kssim_result sim_gatekeeper_verify(sim_secure_world *sw, const char *secret, uint64_t challenge,
                                   kssim_auth_token *token_out);
void sim_gatekeeper_delete(sim_secure_world *sw);
/* Names the current enrollment (changes with every set, change or reset of the credential; 0 without
 * one) without revealing anything about the credential: what the armed system prompt keeps instead of
 * the secret the user will type. */
uint64_t sim_gatekeeper_enrollment_tag(const sim_secure_world *sw);
/* The user types, at the armed prompt, the credential that matched enrollment_tag when it was armed:
 * throttled and counted as a verification; a credential changed since is a wrong one. */
kssim_result sim_gatekeeper_verify_armed(sim_secure_world *sw, uint64_t enrollment_tag, uint64_t challenge,
                                         kssim_auth_token *token_out);
/* The wait gatekeeper.cpp imposes after failure_count failures (ComputeRetryTimeout) on this API level's
 * Gatekeeper, in ms (R-GK-THROTTLE-SCHEDULE). */
uint64_t sim_gatekeeper_retry_timeout_ms(int api_level, uint32_t failure_count);

/* ---- biometric.c ---- */
kssim_result sim_biometric_enroll(sim_secure_world *sw, uint32_t id, kssim_modality modality,
                                  kssim_biometric_class biometric_class);
kssim_result sim_biometric_remove(sim_secure_world *sw, uint32_t id);
void sim_biometric_remove_all(sim_secure_world *sw);
/* Whether the templates and authenticator IDs agree: a modality has a non-zero ID exactly when it has a
 * strong template (enroll draws it, removing the last strong template zeroes it), within the table's room.
 * Checked after every change (biometric.c) and of every stored image (secure_world_image.c). */
bool sim_biometric_is_consistent(const sim_biometric *bio);
/* *token_issued tells whether token_out holds a FINGERPRINT token (strong match) or nothing (weak). */
kssim_result sim_biometric_authenticate(sim_secure_world *sw, uint32_t id, uint64_t challenge, uint64_t user_sid,
                                        kssim_auth_token *token_out, bool *token_issued);
/* A verified credential lifts every lockout (the HAT-authorised resetLockout). */
void sim_biometric_reset_lockout(sim_secure_world *sw);

/* ---- keymint_*.c ---- */
sim_keymint *sim_keymint_new(void);
void sim_keymint_free(sim_keymint *km);
kssim_result sim_keymint_generate_key(sim_secure_world *sw, const sim_auth_list *auth, sim_key_blob *blob,
                                      uint8_t **public_key, size_t *public_key_len);
/* IKeyMintDevice::getKeyCharacteristics: the authorization list sealed in the blob, as KeyMint completed it
 * (an imported key's size read from the material, defaults filled in). */
kssim_result sim_keymint_get_key_characteristics(sim_secure_world *sw, const sim_key_blob *blob, sim_auth_list *auth);
kssim_result sim_keymint_import_key(sim_secure_world *sw, const sim_auth_list *auth, const uint8_t *key, size_t key_len,
                                    sim_key_blob *blob, uint8_t **public_key, size_t *public_key_len);
/* auth_token: for timeout keys, the token keystore2 chose (may be NULL). op->challenge = op->handle. */
kssim_result sim_keymint_begin(sim_secure_world *sw, const sim_key_blob *blob, uint32_t purpose,
                               const kssim_op_params *params, const kssim_auth_token *auth_token, kssim_operation *op);
/* An AES encryption whose whole plaintext is known at begin (kssim_encrypt): the IV or nonce KeyMint
 * chooses is bound to plaintext_sha256 and the key (sim_random_bytes_bound_to), so a device rolled back
 * to an earlier copy of itself never encrypts other data under a nonce it already used; finish refuses
 * data with another digest. Any other key or purpose begins as sim_keymint_begin does. */
kssim_result sim_keymint_begin_encryption_of(sim_secure_world *sw, const sim_key_blob *blob,
                                             const kssim_op_params *params, const kssim_auth_token *auth_token,
                                             const uint8_t plaintext_sha256[32], kssim_operation *op);
/* auth_token: for per-operation keys, the token carrying this operation's challenge (may be NULL). */
kssim_result sim_keymint_update(sim_secure_world *sw, uint64_t handle, const uint8_t *data, size_t len,
                                const kssim_auth_token *auth_token);
kssim_result sim_keymint_finish(sim_secure_world *sw, uint64_t handle, const uint8_t *data, size_t len,
                                const uint8_t *signature, size_t signature_len, const kssim_auth_token *auth_token,
                                uint8_t **out, size_t *out_len);
/* sim_keymint_finish with the signature of ECDSA and RSA (with a digest) left to
 * sim_deferred_output_complete, which needs no lock (kssim_finish_deferred); every other output is made
 * here and only handed over there. On a refusal *deferred is NULL. */
kssim_result sim_keymint_finish_deferred(sim_secure_world *sw, uint64_t handle, const uint8_t *data, size_t len,
                                         const uint8_t *signature, size_t signature_len,
                                         const kssim_auth_token *auth_token, kssim_deferred_output **deferred);
kssim_result sim_deferred_output_complete(kssim_deferred_output *deferred, uint8_t **out, size_t *out_len);
void sim_deferred_output_free(kssim_deferred_output *deferred);
kssim_result sim_keymint_abort(sim_secure_world *sw, uint64_t handle);
/* Reboot: every operation gone, MAX_USES_PER_BOOT counters reset. */
void sim_keymint_reboot(sim_secure_world *sw);
/* How many operations the KeyMint instance of this security level has room for (R-OP-SLOTS-BOUNDED), and
 * whether an operation is in flight under handle: what keystore's invariants check its own table against. */
size_t sim_keymint_operation_slots(kssim_security_level level);
bool sim_keymint_has_operation(const sim_secure_world *sw, uint64_t handle);
/* The attack on storage: flips one byte of the field inside the stored blob. */
/* keymint_faults.c: the injected faults of the secure world. */
kssim_result sim_keymint_inject_strongbox_fault(sim_secure_world *sw, uint32_t calls);
void sim_keymint_clear_strongbox_fault(sim_secure_world *sw);
/* answer: KSSIM_KEY_REQUIRES_UPGRADE or KSSIM_INVALID_KEY_BLOB, for this very blob. */
kssim_result sim_keymint_inject_blob_fault(sim_secure_world *sw, const sim_key_blob *blob, kssim_result answer);
/* IKeyMintDevice::upgradeKey: the same key and characteristics in a new blob for this OS and patch level. */
kssim_result sim_keymint_upgrade_key(sim_secure_world *sw, const sim_key_blob *blob, sim_key_blob *upgraded);
void sim_keymint_fault_counts(const sim_secure_world *sw, bool *strongbox_failing, uint32_t *strongbox_calls,
                              uint32_t *requiring_upgrade, uint32_t *undecryptable);
void sim_secure_faults_image_encode(const sim_secure_world *sw, sim_writer *w);
void sim_secure_faults_image_decode(sim_reader *r, sim_secure_faults *faults);

kssim_result sim_key_blob_tamper(sim_key_blob *blob, kssim_blob_field field);
void sim_key_blob_free(sim_key_blob *blob);

#endif
