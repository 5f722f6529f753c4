/*
 * device.h - the whole simulated phone, as the framework holds it.
 *
 * The framework layer (android.security.keystore2, LockSettingsService, BiometricManager) implements
 * the public API in include/kssim/kssim.h. It calls keystore2, which calls the secure world; nothing
 * calls upwards.
 */
#ifndef SIM_FRAMEWORK_DEVICE_H
#define SIM_FRAMEWORK_DEVICE_H

#include "keystore2/keystore2.h"

/* The armed system prompt (system_prompt.c). Persistent, like the rest of the phone. */
typedef struct sim_system_prompt {
    kssim_prompt_response response;
    uint32_t biometric_id;
    uint32_t remaining;
    uint64_t credential_tag; /* which Gatekeeper enrollment the armed credential matched */
} sim_system_prompt;

/* Injected faults that live at the framework's side of the keystore2 boundary (faults.c). Persistent. */
#define SIM_MAX_DELAYED_TOKENS 8
typedef struct sim_delayed_token {
    kssim_auth_token token;
    uint64_t due_ms; /* the boot clock at which the token reaches keystore2's cache */
} sim_delayed_token;

typedef struct sim_framework_faults {
    uint32_t keystore_unavailable_calls; /* binder transactions to keystore2 that still fail */
    uint32_t tokens_to_delay;            /* the next tokens issued are held back ... */
    uint64_t token_delay_ms;             /* ... this long after they were issued */
    uint32_t delayed_count;
    sim_delayed_token delayed[SIM_MAX_DELAYED_TOKENS];
} sim_framework_faults;

struct sim_device_store; /* sim/store/: the SQLite files of a persistent device; NULL for memory: */

struct kssim_device {
    kssim_config config;
    sim_env env;
    sim_secure_world sw;
    sim_keystore2 ks;
    sim_system_prompt prompt;
    sim_framework_faults faults;
    struct sim_device_store *store;
    /* Set by the store (a layer above) with `store`: closes it when the device is freed, so the
     * framework never calls into the store's code (the layers link downwards only). */
    void (*close_store)(struct sim_device_store *store);
    /* realtime devices: the host's CLOCK_BOOTTIME (ms) that this device's boot clock 0 corresponds to */
    int64_t host_boot_origin_ms;
    /* realtime devices: the host's CLOCK_BOOTTIME (ms) read by the current command's kssim_device_begin,
     * so its commit can re-anchor the origin after a reboot or an advance. Not stored. */
    int64_t host_boot_at_begin_ms;
    /* stored devices: why the secure world's write to storage failed in the current command
     * (sim_env_persist_now), KSSIM_OK if it did not. Such a command commits nothing. Not stored. */
    kssim_result storage_failure;
    char storage_failure_message[SIM_MESSAGE_MAX];
    /* stored devices: the secure world committed in the middle of the current command (Gatekeeper
     * recorded an attempt), so a rollback of the command goes back only to that commit. Not stored. */
    bool committed_within_command;
    /* Rollback protection (sim/store/rollback_protection.c). g: the generation of the rollback-protected
     * storage this device last wrote (stored in the state image). */
    uint64_t rollback_generation;
    /* The device was once found behind its rollback-protected storage (stored; only a new phone clears it). */
    bool rollback_detected;
    /* G: the storage's generation as last read (stored devices) or as kept (memory devices). Not stored. */
    uint64_t rollback_storage_generation;
    /* A digest of the rollback-protected state at the last read or commit, so that a commit knows whether
     * it must advance the storage. Not stored. */
    bool has_rollback_protected_digest;
    uint8_t rollback_protected_digest[32];
    /* The last refusal recorded through kssim_device_record_refusal (stored, image version 5). */
    kssim_refusal_record last_refusal;
    /* What the current public call is about, for that record: the purpose and alias of an operation's begin.
     * Cleared by SIM_BEGIN_CALL. Not stored. */
    uint32_t current_call_purpose;
    char current_call_alias[KSSIM_ALIAS_MAX];
    /* The current call is an abort: a client freeing its context (the provider aborts every operation it frees,
     * the ended ones too), whose refusal would hide the refusal that ended the operation. Not stored. */
    bool current_call_is_abort;
};

/* system_prompt.c: after a per-operation key's begin, the armed prompt authenticates the user with the
 * operation's challenge, as BiometricPrompt.authenticate(CryptoObject) does when the user responds. */
void sim_system_prompt_answer(kssim_device *device, uint64_t challenge);

/* key_state.c: the framework's canUserAuthorizationSucceed (KeyStoreCryptoOperationUtils.java): can
 * any authentication ever satisfy this auth-bound key? If not, *reason says what took that away. */
bool sim_framework_can_user_authorization_succeed(kssim_device *device, const sim_key_entry *entry,
                                                  kssim_invalidation_reason *reason);
/* The sentence for a key that can never be used again. */
/* KEY_NOT_FOUND for no key, KEY_PERMANENTLY_INVALIDATED for a key the system deleted, KSSIM_OK for a live one
 * (key_state.c says why the two differ). */
kssim_result sim_framework_refuse_unusable_key(kssim_device *device, const char *alias, const sim_key_entry *entry);
kssim_result sim_framework_refuse_invalidated(kssim_device *device, const char *alias,
                                              kssim_invalidation_reason reason);
/* The strong biometric authenticator IDs BiometricManager.getAuthenticatorIds() would return. */
size_t sim_framework_biometric_sids(const kssim_device *device, uint64_t sids[KSSIM_MODALITY_COUNT]);

/* faults.c: the framework's binder calls to keystore2, as each of its classes handles a dead binder. `call` names the
 * binder method for the refusal's sentence. KSSIM_OK when keystore2 answered (perhaps after the framework's one retry).
 */
kssim_result sim_framework_call_keystore_service(kssim_device *device, const char *call);
kssim_result sim_framework_call_keystore_security_level(kssim_device *device, const char *call);
kssim_result sim_framework_call_keystore_operation(kssim_device *device, const char *call);
/* faults.c: an auth token on its way to keystore2's cache: at once, or held back by the token_delayed
 * fault until the boot clock reaches its due time. */
void sim_framework_deliver_token(kssim_device *device, const kssim_auth_token *token);
/* faults.c: tokens whose due time has come reach the cache; a reboot drops those still held back. */
void sim_framework_deliver_due_tokens(kssim_device *device);
void sim_framework_drop_delayed_tokens(kssim_device *device);

/* device.c: the device's private library context (sim/core/crypto.c: OpenSSL's default provider and the
 * device's deterministic RAND, never the keystore provider), stable from the device's creation to its
 * free. The provider parses and verifies with a device key's public half here rather than in a context
 * of its own (docs/performance.md, "`openssl pkeyutl -sign`"): whatever draws randomness must not run
 * in it outside a device call, since its RAND is the device's DRBG. */
OSSL_LIB_CTX *sim_device_library_context(const kssim_device *device);

/* Every public entry point starts by forgetting the previous call's message. */
/* explain.c (--explain): the opening lines of a decision path - the call, release, lock state and the user's
 * authenticators; then the key's SIDs and policy. Nothing when explain is off. */
void sim_framework_explain_device(kssim_device *device, const char *call);
void sim_framework_explain_key(kssim_device *device, const sim_key_entry *entry, uint32_t purpose);

#define SIM_BEGIN_CALL(device)                                                                                         \
    do {                                                                                                               \
        sim_clear_message(&(device)->env);                                                                             \
        (device)->current_call_purpose = 0;                                                                            \
        (device)->current_call_alias[0] = '\0';                                                                        \
        (device)->current_call_is_abort = false;                                                                       \
    } while (0)

#endif
