/*
 * kssim.h - the simulated Android device, as an app and its framework see it.
 *
 * Every function here is one thing a user or an app can do to a phone: set a lock screen, enroll a
 * fingerprint, let time pass, reboot, generate a key, run a keystore operation; plus the attacks the
 * scenario format scripts. The scenario runner, the kssim command and the OpenSSL provider all call
 * these functions, so each rule has exactly one implementation (in sim/).
 *
 * Conventions: functions return a kssim_result; on a refusal kssim_device_message() holds a sentence
 * that says why and what would let the call succeed. Outputs allocated by the device are released with
 * kssim_free(). Times are milliseconds; the boot clock counts from the last boot, the wall clock is Unix
 * time. Nothing here reads the host's clock or randomness: the same calls on a device created with the
 * same seed give the same results, byte for byte.
 */
#ifndef KSSIM_KSSIM_H
#define KSSIM_KSSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kssim/result.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kssim_device kssim_device;

/* KeyMint SecurityLevel values. */
typedef enum kssim_security_level {
    KSSIM_SECURITY_SOFTWARE = 0,
    KSSIM_SECURITY_TEE = 1,
    KSSIM_SECURITY_STRONGBOX = 2,
} kssim_security_level;

typedef struct kssim_config {
    uint64_t seed;                       /* drives every random value; default 1 */
    int api_level;                       /* default 34; <= 30 gives keystore1-era outcomes */
    kssim_security_level security_level; /* the best the device has; default TEE */
    int64_t wall_clock_ms;               /* Unix ms at creation; default 2026-01-01T00:00:00Z */
    bool realtime; /* stored devices only: the boot clock follows the host's, the wall clock the host's
                      (read by sim/store at each kssim_device_begin, never by the rules); default false */
} kssim_config;

#define KSSIM_DEFAULT_WALL_CLOCK_MS INT64_C(1767225600000)

/* The API levels a device simulates, kssim_config.api_level: Android 6.0 (23, the first with keystore's
 * user authentication and KeyGenParameterSpec) to Android 15 (35), the first and last releases of the table of
 * modelled releases (sim/core/android_versions.c; a unit test keeps the two in step). kssim_device_create
 * refuses a level that table does not list, and the scenario parser, kssim run and kssim init check the same. */
#define KSSIM_API_LEVEL_MIN 23
#define KSSIM_API_LEVEL_MAX 35

void kssim_config_default(kssim_config *config);
kssim_result kssim_device_create(const kssim_config *config, kssim_device **out);
void kssim_device_free(kssim_device *device);
/* ---- Persistent devices (sim/store/) ----
 * A device may live in a directory (an SQLite database, as keystore2 keeps its key database) so that
 * many processes share one phone. Each command runs between kssim_device_begin, which waits for the
 * other processes (busy timeout) and reloads what they committed, and kssim_device_commit, which stores
 * what changed, in one transaction. Operations in flight stay in the process that began them, and are
 * gone if another process rebooted the device meanwhile. A "memory:" device lives in this process only;
 * begin and commit do nothing for it.
 * A call that checks the lock-screen credential (verify, unlock, change or remove with the old secret,
 * arming the prompt with it, an armed prompt answering kssim_begin) commits the counted attempt inside
 * the transaction before it compares, so on a stored device it must run between begin and commit
 * (outside, KSSIM_SYSTEM_ERROR). When that write fails, the call and then kssim_device_commit return
 * the store's refusal (KSSIM_DEVICE_UNAVAILABLE for a full disk), the same for a right and a wrong
 * secret, and the command stores nothing. */
typedef struct kssim_open_options {
    kssim_config config; /* for a device this open creates */
    bool create;         /* create the device when it does not exist (default true) */
    bool replace;        /* replace an existing device with a new one (kssim init --force) */
    /* Read only (default false): the files are opened read-only, so a directory and files the user may
     * not write still open; begin takes a read transaction, and commit stores nothing - it ends the
     * transaction, and the next begin reads the stored device again. Nothing is ever created: where there is no
     * device yet, the open gives the new phone `config` describes, in this process's memory only (or
     * KSSIM_DEVICE_UNAVAILABLE when `create` is false). Cannot be combined with `replace`. */
    bool read_only;
} kssim_open_options;

#define KSSIM_MEMORY_DEVICE "memory:"

void kssim_open_options_default(kssim_open_options *options);
/* location: a device directory or "memory:". Refusals: KSSIM_DEVICE_UNAVAILABLE (cannot create or open;
 * a directory or file other users may open, or another user owns - unless the environment variable
 * KSSIM_ALLOW_OTHER_OWNER is 1 -, or a symbolic link as a device file), KSSIM_DEVICE_DAMAGED (not a
 * device, damaged, not a whole device - a log without its database, no state row -, or from a newer
 * kssim; only `replace` makes a new phone there), KSSIM_INVALID_ARGUMENT (a configuration a device
 * cannot have, before anything is created); kssim_open_error() explains, since there is no device yet
 * to hold the message. A device this open creates is a directory 0700 and files 0600. */
kssim_result kssim_device_open(const char *location, const kssim_open_options *options, kssim_device **out);
const char *kssim_open_error(void);
/* The device the contract chooses, first match wins: explicit (kssim --device; may be NULL), then the
 * environment variable KSSIM_DEVICE, then provider_param (the provider's `device`; may be NULL), then
 * the per-user default $XDG_STATE_HOME/kssim/device (~/.local/state/kssim/device). An empty string
 * where a location is looked for (explicit "", KSSIM_DEVICE set but empty, provider_param "") is
 * KSSIM_INVALID_ARGUMENT, never the default device: kssim_open_error() names which one was empty. */
kssim_result kssim_device_location(const char *explicit_location, const char *provider_param, char *out,
                                   size_t out_size);
kssim_result kssim_device_begin(kssim_device *device);
kssim_result kssim_device_commit(kssim_device *device);
void kssim_device_rollback(kssim_device *device);
/* Whether the current command (since kssim_device_begin) committed part of itself already: a credential
 * check commits the attempt, and with it everything the command had done until then (a use charged at
 * kssim_begin, the armed prompt's count), before it compares. kssim_device_rollback then goes back only
 * to that commit. */
bool kssim_device_committed_within_command(const kssim_device *device);
/* SQLite's integrity check plus a full decode of the stored state, each row's checksum, and the stored
 * generation against the device's rollback-protected storage (DIR.rpmb); KSSIM_DEVICE_DAMAGED if any
 * fails, with the sentence naming what. */
kssim_result kssim_device_check(kssim_device *device);

/* A copy of a memory: device's whole persistent state, as a copy of a device directory would be; the
 * device's rollback-protected storage is not in it (docs/device.md, "Rollback"). Restoring one puts the
 * phone back to that state - spent uses, Gatekeeper's failure count and all - except that the device
 * finds itself behind its rollback-protected storage: it is marked rolled back and its rollback-resistant
 * keys refuse. Operations in flight survive a restore only if no reboot came between. Stored devices are
 * refused (INVALID_ARGUMENT): copy and restore their directory instead. */
typedef struct kssim_snapshot kssim_snapshot;
kssim_result kssim_snapshot_take(kssim_device *device, kssim_snapshot **out);
kssim_result kssim_snapshot_restore(kssim_device *device, const kssim_snapshot *snapshot);
void kssim_snapshot_free(kssim_snapshot *snapshot);
/* The directory, or "memory:". */
const char *kssim_device_location_of(const kssim_device *device);

/* The sentence that explains the last refusal (empty after a success). Valid until the next call. */
const char *kssim_device_message(const kssim_device *device);
/* --explain (docs/explain.md): with explain on, the deciding rules of every later call append to a decision
 * record - the rule IDs that decided, the auth tokens considered (type, SIDs, challenge, age on the boot
 * clock, MAC valid), the one used or why none matched, the key's SIDs and policy, the lock state, the API
 * level. One line per fact, each ending in a newline. The record is not cleared by each call (an app's sign
 * is begin, update and finish): it grows until kssim_device_decision_clear, or until it is full, when it
 * ends with a line saying so. Switching explain clears it. Off by default; the record is never stored. */
void kssim_set_explain(kssim_device *device, bool explain);
const char *kssim_device_decision(const kssim_device *device);
void kssim_device_decision_clear(kssim_device *device);
void kssim_free(void *p);

/* ---- Time and power ---- */
/* The furthest either clock goes, in ms (about 292 million years): the device keeps the wall clock as a
 * signed 64-bit count of ms since 1970, and a realtime device's boot clock is subtracted from the host's
 * in signed 64-bit ms. */
#define KSSIM_CLOCK_MAX_MS ((uint64_t)INT64_MAX)
/* Whether clocks standing at boot_ms and wall_ms can move forward by ms: KSSIM_OK, or KSSIM_INVALID_ARGUMENT
 * with the sentence kssim_advance refuses with written into why. The scenario parser checks every advance of
 * a file with it before anything runs, and kssim advance before it calls kssim_advance. */
kssim_result kssim_check_advance(uint64_t boot_ms, int64_t wall_ms, uint64_t ms, char *why, size_t why_size);
kssim_result kssim_advance(kssim_device *device, uint64_t ms);
kssim_result kssim_set_wall_clock(kssim_device *device, int64_t unix_ms);
kssim_result kssim_reboot(kssim_device *device);
/* Without a secure lock screen keystore2 is not told (the device never counts as locked). */
kssim_result kssim_lock(kssim_device *device);
/* The same, with a trust agent (Smart Lock) enabled: a weak unlock method, like an enrolled weak biometric. */
kssim_result kssim_lock_with_trust_agent(kssim_device *device);
/* secret may be NULL where no credential is set. */
kssim_result kssim_unlock(kssim_device *device, const char *secret);
/* Unlocks without the credential, which the device must have seen since boot (LOCKED otherwise): biometric
 * id authenticates at the lock screen (NO_MATCH, LOCKOUT... as authenticate_biometric), or a trust agent
 * dismisses the keyguard. Unlocked-device-required keys come back only as keystore2 allows (LOCKED). */
kssim_result kssim_unlock_with_biometric(kssim_device *device, uint32_t id);
kssim_result kssim_unlock_with_trust_agent(kssim_device *device);

/* ---- HardwareAuthToken, laid out as AOSP's HardwareAuthToken.aidl ---- */
#define KSSIM_AUTHENTICATOR_NONE        0u
#define KSSIM_AUTHENTICATOR_PASSWORD    1u
#define KSSIM_AUTHENTICATOR_FINGERPRINT 2u
#define KSSIM_AUTHENTICATOR_ANY         0xFFFFFFFFu

typedef struct kssim_auth_token {
    uint64_t challenge;
    uint64_t user_id;          /* Gatekeeper secure user ID (root SID) */
    uint64_t authenticator_id; /* biometric authenticator ID, 0 for Gatekeeper */
    uint32_t authenticator_type;
    uint64_t timestamp_ms; /* boot clock when issued */
    uint8_t mac[32];
} kssim_auth_token;

/* ---- Credential (Gatekeeper) ---- */
typedef enum kssim_credential_type {
    KSSIM_CREDENTIAL_NONE = 0,
    KSSIM_CREDENTIAL_PIN = 1,
    KSSIM_CREDENTIAL_PASSWORD = 2,
    KSSIM_CREDENTIAL_PATTERN = 3,
} kssim_credential_type;

kssim_result kssim_set_credential(kssim_device *device, kssim_credential_type type, const char *secret);
kssim_result kssim_change_credential(kssim_device *device, const char *old_secret, const char *new_secret);
kssim_result kssim_reset_credential(kssim_device *device, const char *new_secret);
kssim_result kssim_remove_credential(kssim_device *device, const char *old_secret);
/* On success a PASSWORD token with this challenge reaches the token cache; a copy goes to token_out
 * when it is not NULL. */
kssim_result kssim_verify_credential(kssim_device *device, const char *secret, uint64_t challenge,
                                     kssim_auth_token *token_out);

/* ---- Biometrics ---- */
typedef enum kssim_modality {
    KSSIM_MODALITY_FINGERPRINT = 0,
    KSSIM_MODALITY_FACE = 1,
} kssim_modality;
#define KSSIM_MODALITY_COUNT 2

typedef enum kssim_biometric_class {
    KSSIM_BIOMETRIC_STRONG = 0,
    KSSIM_BIOMETRIC_WEAK = 1,
} kssim_biometric_class;

kssim_result kssim_enroll_biometric(kssim_device *device, uint32_t id, kssim_modality modality,
                                    kssim_biometric_class biometric_class);
kssim_result kssim_remove_biometric(kssim_device *device, uint32_t id);
/* A strong match puts a FINGERPRINT token into the cache (copied to token_out when not NULL and a
 * token was made); a weak match succeeds without a token (token_out->mac left zero, type NONE). */
kssim_result kssim_authenticate_biometric(kssim_device *device, uint32_t id, uint64_t challenge,
                                          kssim_auth_token *token_out);
/* The event-bound bypass: the app's success callback fires with no authentication behind it. */
kssim_result kssim_callback_without_crypto(kssim_device *device);

/* ---- The system prompt (BiometricPrompt with a CryptoObject) ----
 * Armed, it answers the next `count` operations that need per-operation authentication, whichever
 * process begins them: right after kssim_begin returns a challenge, the user is taken to present that
 * biometric, or to type the credential, bound to that challenge. A credential is checked against
 * Gatekeeper when the prompt is armed (a wrong one is refused then, and counts as a failed attempt) and is
 * not kept: the prompt keeps only which enrollment it matched, and answers WRONG_CREDENTIAL-like (no token)
 * if the credential has changed since. KSSIM_PROMPT_NONE disarms it. */
typedef enum kssim_prompt_response {
    KSSIM_PROMPT_NONE = 0,
    KSSIM_PROMPT_BIOMETRIC = 1,
    KSSIM_PROMPT_CREDENTIAL = 2,
} kssim_prompt_response;

kssim_result kssim_prompt_arm(kssim_device *device, kssim_prompt_response response, uint32_t biometric_id,
                              const char *secret, uint32_t count);

/* ---- Keys ---- */
typedef enum kssim_algorithm {
    KSSIM_ALGORITHM_RSA = 1,
    KSSIM_ALGORITHM_EC = 3,
    KSSIM_ALGORITHM_ED25519 = 4, /* KeyMint expresses it as EC with curve 25519 */
    KSSIM_ALGORITHM_AES = 32,
    KSSIM_ALGORITHM_HMAC = 128,
} kssim_algorithm;

/* Bit sets. */
#define KSSIM_PURPOSE_ENCRYPT   (1u << 0)
#define KSSIM_PURPOSE_DECRYPT   (1u << 1)
#define KSSIM_PURPOSE_SIGN      (1u << 2)
#define KSSIM_PURPOSE_VERIFY    (1u << 3)
#define KSSIM_PURPOSE_AGREE_KEY (1u << 6)

#define KSSIM_DIGEST_NONE   (1u << 0)
#define KSSIM_DIGEST_SHA1   (1u << 2)
#define KSSIM_DIGEST_SHA224 (1u << 3)
#define KSSIM_DIGEST_SHA256 (1u << 4)
#define KSSIM_DIGEST_SHA384 (1u << 5)
#define KSSIM_DIGEST_SHA512 (1u << 6)

#define KSSIM_BLOCK_MODE_ECB (1u << 0)
#define KSSIM_BLOCK_MODE_CBC (1u << 1)
#define KSSIM_BLOCK_MODE_CTR (1u << 2)
#define KSSIM_BLOCK_MODE_GCM (1u << 3)

#define KSSIM_PADDING_NONE  (1u << 0)
#define KSSIM_PADDING_PKCS7 (1u << 1)
#define KSSIM_PADDING_PKCS1 (1u << 2) /* RSA PKCS#1 v1.5, for signing and for encryption */
#define KSSIM_PADDING_PSS   (1u << 3)
#define KSSIM_PADDING_OAEP  (1u << 4)

/* The app's types of user authentication (KeyProperties.AUTH_*), as HardwareAuthenticatorType bits. */
#define KSSIM_AUTH_DEVICE_CREDENTIAL KSSIM_AUTHENTICATOR_PASSWORD
#define KSSIM_AUTH_BIOMETRIC_STRONG  KSSIM_AUTHENTICATOR_FINGERPRINT

#define KSSIM_ALIAS_MAX 128

/* What an app asks for in KeyGenParameterSpec. A zero count or limit means "none". */
typedef struct kssim_key_spec {
    char alias[KSSIM_ALIAS_MAX];
    kssim_algorithm algorithm;
    uint32_t size; /* bits; 0 = the algorithm's default (ec 256, rsa 2048, aes 256, hmac 256) */
    uint32_t purposes, digests, block_modes, paddings;
    bool user_auth;                           /* false: NO_AUTH_REQUIRED */
    uint32_t auth_timeout_s;                  /* 0 = every operation needs its own authentication */
    uint32_t auth_types;                      /* KSSIM_AUTH_* bits; default biometric_strong */
    bool invalidated_by_biometric_enrollment; /* default true */
    bool unlocked_device_required;
    uint32_t max_uses_per_boot;
    uint32_t usage_count_limit;
    uint32_t min_seconds_between_ops;
    bool has_active, has_origination_expire, has_usage_expire;
    int64_t active_ms, origination_expire_ms, usage_expire_ms; /* wall clock, Unix ms */
    kssim_security_level security_level;                       /* default TEE */
    /* Tag::ROLLBACK_RESISTANCE: the key is vouched for by the device's rollback-protected storage, so it
     * refuses (INVALID_KEY_BLOB) once the device is found rolled back; TEE and StrongBox only (the
     * software level answers ROLLBACK_RESISTANCE_UNAVAILABLE). Default false. */
    bool rollback_resistant;
    /* Key attestation (KeyGenParameterSpec.setAttestationChallenge): an asymmetric key generated with
     * attestation_requested gets a certificate chain whose leaf attests the key's characteristics and this
     * challenge; keystore2 adds the calling package as ATTESTATION_APPLICATION_ID
     * (attestation_application_id, "" for the simulator's default package) with the SHA-256 digest of the
     * package's signing certificate (the attestation_app_signature_digest_len bytes of
     * attestation_app_signature_digest, which must be 32; 0: the SHA-256 of
     * KSSIM_DEFAULT_APP_SIGNATURE_DIGEST_PREFIX followed by the package name). Refused: on API 23
     * (INVALID_ARGUMENT: no attestation before Android 7.0), for symmetric keys (INVALID_ARGUMENT: KeyMint
     * attests only asymmetric keys), an application ID or digest without attestation_requested
     * (INVALID_ARGUMENT), and a challenge over KSSIM_ATTESTATION_CHALLENGE_MAX bytes (INVALID_INPUT_LENGTH).
     * attestation_challenge_len is the length the app asked for: a caller given a longer challenge keeps
     * its first 128 bytes and the whole length, and KeyMint refuses on the length alone. */
    bool attestation_requested;
    uint32_t attestation_challenge_len;
    uint8_t attestation_challenge[128];
    char attestation_application_id[KSSIM_ALIAS_MAX];
    uint32_t attestation_app_signature_digest_len;
    uint8_t attestation_app_signature_digest[32];
} kssim_key_spec;
#define KSSIM_ATTESTATION_CHALLENGE_MAX 128
/* The package keystore2 names in ATTESTATION_APPLICATION_ID when the spec names none. */
#define KSSIM_DEFAULT_APPLICATION_ID "com.example.kssim"
/* The default signing-certificate digest is SHA-256 over this text followed by the package name. */
#define KSSIM_DEFAULT_APP_SIGNATURE_DIGEST_PREFIX "kssim test signing certificate of "
/* Keeps challenge (of any length) in spec as kssim_key_spec says: the first 128 bytes and the whole
 * length, and asks for an attestation. */
void kssim_key_spec_set_attestation_challenge(kssim_key_spec *spec, const uint8_t *challenge, size_t len);

/* Fills the defaults for an algorithm: sign+verify with SHA-256 for asymmetric and HMAC keys (RSA with
 * PKCS#1 and PSS), encrypt+decrypt with GCM for AES; no user authentication. */
void kssim_key_spec_default(kssim_key_spec *spec, kssim_algorithm algorithm);

kssim_result kssim_generate_key(kssim_device *device, const kssim_key_spec *spec);
/* The EC key size (kssim_key_spec.size) of an OpenSSL group name ("P-256", "prime256v1", "secp384r1",
 * ...): 256, 384 or 521, or 0 for a curve KeyMint does not hold. */
uint32_t kssim_ec_curve_size(const char *group_name);
/* Imports a private key (PEM or DER, PKCS#8 or traditional; raw bytes for AES/HMAC). */
kssim_result kssim_import_key(kssim_device *device, const kssim_key_spec *spec, const uint8_t *key, size_t key_len);
/* The algorithm of a private key about to be imported, read from the key itself as Android's framework
 * takes it from the PrivateKey object. Raw AES/HMAC bytes say nothing of their algorithm:
 * INVALID_ARGUMENT, asking the caller to name it. */
kssim_result kssim_import_key_algorithm(kssim_device *device, const uint8_t *key, size_t key_len,
                                        kssim_algorithm *algorithm);
kssim_result kssim_delete_key(kssim_device *device, const char *alias);
/* The key's attestation certificate chain (keystore2 getKeyEntry's certificate and certificateChain):
 * DER certificates, leaf first, concatenated into *der (malloc'd; kssim_free), *count of them.
 * INVALID_ARGUMENT for a key generated without an attestation challenge. */
kssim_result kssim_attestation_chain(kssim_device *device, const char *alias, uint8_t **der, size_t *der_len,
                                     size_t *count);
/* The device's attestation root certificate, DER (malloc'd; kssim_free): a test root, never Google's. */
kssim_result kssim_attestation_root(kssim_device *device, uint8_t **der, size_t *der_len);

/* ---- What a user typed for a key, checked where it is read ----
 * The scenario parser, kssim and the provider's pkeyopts read aliases and limits from people; these are
 * the device's rules for them, so each refuses early, in the device's own words. Each returns KSSIM_OK, or
 * KSSIM_INVALID_ARGUMENT with a sentence (what is wrong, what would be accepted) written into why. */
/* An alias is 1 to KSSIM_ALIAS_MAX - 1 bytes of UTF-8 text without control characters (below 0x20, 0x7f)
 * or '/'. kssim_generate_key and kssim_import_key refuse any other with this sentence. */
kssim_result kssim_check_alias(const char *alias, char *why, size_t why_size);

typedef enum kssim_use_limit {
    KSSIM_LIMIT_USAGE_COUNT,       /* kssim_key_spec.usage_count_limit: KeyMint's USAGE_COUNT_LIMIT */
    KSSIM_LIMIT_MAX_USES_PER_BOOT, /* kssim_key_spec.max_uses_per_boot: KeyMint's MAX_USES_PER_BOOT */
} kssim_use_limit;
/* A limit someone wrote must be 1 to UINT32_MAX. kssim_key_spec spells "no limit" as 0, so a 0 that was
 * typed would otherwise make a key without any limit; callers check the typed value with this. */
kssim_result kssim_check_use_limit(kssim_use_limit limit, uint64_t count, char *why, size_t why_size);

typedef enum kssim_key_state {
    KSSIM_KEY_ABSENT = 0,
    KSSIM_KEY_VALID = 1,
    KSSIM_KEY_INVALIDATED = 2,
} kssim_key_state;

typedef enum kssim_invalidation_reason {
    KSSIM_REASON_NONE = 0,
    KSSIM_REASON_LOCK_SCREEN_REMOVED,
    KSSIM_REASON_BIOMETRIC_ENROLLMENT_CHANGED,
    KSSIM_REASON_CREDENTIAL_RESET,
    KSSIM_REASON_USAGE_EXHAUSTED,
} kssim_invalidation_reason;

const char *kssim_key_state_name(kssim_key_state state);                      /* valid | invalidated | absent */
const char *kssim_invalidation_reason_name(kssim_invalidation_reason reason); /* lock_screen_removed ... */

typedef struct kssim_key_info {
    kssim_key_state state;
    kssim_invalidation_reason reason;
    kssim_key_spec spec;     /* the policy as generated (absent keys: zeroed) */
    uint32_t uses_remaining; /* usage_count_limit keys: uses left */
    uint32_t sid_count;      /* the secure IDs the key is bound to */
    uint64_t sids[4];
    /* A rollback-resistant key that existed when the device was found rolled back: every operation
     * refuses with INVALID_KEY_BLOB. */
    bool rolled_back;
    /* The key was generated with an attestation challenge and keeps its chain (kssim_attestation_chain). */
    bool has_attestation_chain;
} kssim_key_info;

kssim_result kssim_key_info_get(kssim_device *device, const char *alias, kssim_key_info *info);
/* Aliases of every key the device knows (valid or invalidated), sorted; free each and the array. */
kssim_result kssim_key_aliases(kssim_device *device, char ***aliases, size_t *count);
/* SubjectPublicKeyInfo DER of an asymmetric key. */
kssim_result kssim_export_public(kssim_device *device, const char *alias, uint8_t **der, size_t *der_len);

/* ---- Operations ---- */
typedef struct kssim_op_params {
    uint32_t digest;      /* one KSSIM_DIGEST_* bit; 0 = the key's (SHA-256 where allowed) */
    uint32_t padding;     /* one KSSIM_PADDING_* bit; 0 = the key's first allowed */
    uint32_t block_mode;  /* one KSSIM_BLOCK_MODE_* bit; 0 = the key's first allowed */
    const uint8_t *nonce; /* decrypt with AES: the IV or nonce that encryption produced */
    size_t nonce_len;
} kssim_op_params;

typedef struct kssim_operation {
    uint64_t handle;
    uint64_t challenge; /* what a per-operation authentication must carry */
    bool needs_per_op_auth;
    uint8_t nonce[16]; /* AES encryption: the IV or nonce KeyMint chose */
    size_t nonce_len;
} kssim_operation;

/* The most data one operation takes in all (its updates and its finish), as KeyMint bounds an operation's
 * input; a caller with more splits it into several operations, or digests it first. */
#define KSSIM_OPERATION_INPUT_MAX ((size_t)16 * 1024 * 1024)

kssim_result kssim_begin(kssim_device *device, const char *alias, uint32_t purpose, const kssim_op_params *params,
                         kssim_operation *op);
kssim_result kssim_update(kssim_device *device, uint64_t handle, const uint8_t *data, size_t len);
/* signature: for VERIFY operations. out: the signature, ciphertext (with the GCM tag) or plaintext. */
kssim_result kssim_finish(kssim_device *device, uint64_t handle, const uint8_t *data, size_t len,
                          const uint8_t *signature, size_t signature_len, uint8_t **out, size_t *out_len);
kssim_result kssim_abort(kssim_device *device, uint64_t handle);

/* kssim_finish in two halves, so that threads sharing one device can sign at the same time (docs/device.md
 * "Threads"). kssim_finish_deferred decides everything kssim_finish decides (every check, the operation's
 * end, usage counts, the randomness the signature will use) and returns the same result; on KSSIM_OK,
 * *deferred holds the output, or, for an ECDSA or RSA signature with a digest, what it takes to compute
 * it. kssim_deferred_output_complete then hands over the output (release it with kssim_free) and frees
 * *deferred; it touches no state of the device, so it may run on any thread, without the lock the caller
 * serialises its device calls with, at the same time as other calls on the device or other completions.
 * The output is byte for byte the one kssim_finish gives at the same point (same seed, same calls in the
 * same order). It fails (SYSTEM_ERROR, out of memory) only after the device counted the operation as done.
 * A deferred output must be completed or freed before its device is freed. */
typedef struct kssim_deferred_output kssim_deferred_output;
kssim_result kssim_finish_deferred(kssim_device *device, uint64_t handle, const uint8_t *data, size_t len,
                                   const uint8_t *signature, size_t signature_len, kssim_deferred_output **deferred);
kssim_result kssim_deferred_output_complete(kssim_deferred_output *deferred, uint8_t **out, size_t *out_len);
void kssim_deferred_output_free(kssim_deferred_output *deferred);

/* Public-key verification as the framework does it (no keystore operation, no authentication);
 * HMAC keys verify through KeyMint. VERIFICATION_FAILED on mismatch. */
kssim_result kssim_verify(kssim_device *device, const char *alias, const kssim_op_params *params, const uint8_t *data,
                          size_t len, const uint8_t *signature, size_t signature_len);

/* Encryption as the app's Cipher does it: RSA keys encrypt with the public key in software (no keystore
 * operation, no authentication); AES keys run a keystore operation (begin + finish, with every rule
 * that applies). out = the AES nonce or IV, then the ciphertext with any GCM tag; nonce_len (may be
 * NULL) says how long the nonce prefix is (0 for RSA). */
kssim_result kssim_encrypt(kssim_device *device, const char *alias, const kssim_op_params *params, const uint8_t *data,
                           size_t len, uint8_t **out, size_t *out_len, size_t *nonce_len);

/* ---- Attacks ---- */
typedef enum kssim_forged_mac {
    KSSIM_MAC_VALID = 0,     /* signed with the current per-boot key, as a compromised HAL could */
    KSSIM_MAC_CORRUPT,       /* one MAC bit flipped */
    KSSIM_MAC_PREVIOUS_BOOT, /* signed with the key of the boot before */
} kssim_forged_mac;

/* type: KSSIM_AUTHENTICATOR_PASSWORD (user_id = sid) or _FINGERPRINT (user_id = root SID,
 * authenticator_id = sid). The token is stamped now - age_ms and injected into the token cache. */
kssim_result kssim_forge_token(kssim_device *device, uint32_t type, uint64_t sid, uint64_t challenge, uint64_t age_ms,
                               kssim_forged_mac mac, kssim_auth_token *token_out);
kssim_result kssim_inject_token(kssim_device *device, const kssim_auth_token *token);

typedef enum kssim_blob_field {
    KSSIM_BLOB_AUTH_TIMEOUT = 0,
    KSSIM_BLOB_USER_AUTH_TYPES,
    KSSIM_BLOB_PURPOSES,
    KSSIM_BLOB_KEY_MATERIAL,
} kssim_blob_field;
kssim_result kssim_tamper_key_blob(kssim_device *device, const char *alias, kssim_blob_field field);

/* Attestation chains an attacker presents to a backend (docs/attestation.md, "Attacks a verifier must
 * catch"). The altered chain of alias's attestation, concatenated DER leaf first (malloc'd; kssim_free),
 * count = 3; a function of the device and the request, the device unchanged. */
typedef enum kssim_attestation_attack {
    KSSIM_ATTESTATION_ATTACK_RESIGN_ROOT = 0, /* another root, with the same names, re-signs the intermediate */
    KSSIM_ATTESTATION_ATTACK_WRONG_KEY,       /* the device's intermediate signs a leaf for another key */
    KSSIM_ATTESTATION_ATTACK_COPY_EXTENSION,  /* the leaf carries from's KeyDescription, signed by the intermediate */
} kssim_attestation_attack;
/* from: the key whose KeyDescription copy-extension copies; NULL for the other attacks. */
kssim_result kssim_attestation_attack_chain(kssim_device *device, const char *alias, kssim_attestation_attack attack,
                                            const char *from, uint8_t **der, size_t *der_len, size_t *count);

/* ---- Injected faults (docs/faults.md) ----
 * The failures real devices show, each injected where it happens on a phone: keystore2 not answering
 * at the framework's binder boundary, a StrongBox that is present but fails and a key blob that does not
 * open in the secure world, an auth token that reaches keystore2 late, the wall clock jumping. Faults
 * are part of the device's state (stored with a persistent device), deterministic like everything else:
 * they count calls and wait on the boot clock, never on the host's time. */
typedef enum kssim_fault {
    /* keystore2's binder answers DeadObjectException for the next `calls` transactions (the daemon is
     * restarting). The framework retries a service call once (Android 12+), else KeyStoreException. */
    KSSIM_FAULT_KEYSTORE_UNAVAILABLE = 0,
    /* The StrongBox is present but keystore2 cannot reach it, for the next `calls` calls that need it (0:
     * every call, until the fault is cleared): HARDWARE_TYPE_UNAVAILABLE for a new StrongBox key,
     * SYSTEM_ERROR for one already in it. */
    KSSIM_FAULT_STRONGBOX_FAILING,
    /* The next `calls` auth tokens (default 1) reach keystore2's cache only `delay_ms` after they were
     * issued, on the boot clock: an operation in between finds no token. */
    KSSIM_FAULT_TOKEN_DELAYED,
    /* The key's blob (every key's when alias is empty: an OS update) answers KEY_REQUIRES_UPGRADE at
     * its next use; keystore2 upgrades it and retries, so the app sees its call succeed. */
    KSSIM_FAULT_KEY_BLOB_REQUIRES_UPGRADE,
    /* The key's blob no longer decrypts (INVALID_KEY_BLOB) at every use. */
    KSSIM_FAULT_KEY_BLOB_UNDECRYPTABLE,
    /* The wall clock jumps by jump_ms (negative: backwards); the boot clock does not move. */
    KSSIM_FAULT_WALL_CLOCK_JUMP,
    /* Clears every fault still armed (keystore, StrongBox, token delay; blob faults stay, as a blob
     * does not mend itself) and delivers tokens still held back. */
    KSSIM_FAULT_CLEAR,
} kssim_fault;

typedef struct kssim_fault_spec {
    kssim_fault fault;
    uint32_t calls;              /* KEYSTORE_UNAVAILABLE (>= 1), STRONGBOX_FAILING, TOKEN_DELAYED */
    uint64_t delay_ms;           /* TOKEN_DELAYED (>= 1) */
    int64_t jump_ms;             /* WALL_CLOCK_JUMP */
    char alias[KSSIM_ALIAS_MAX]; /* KEY_BLOB_*: the key; empty for every key (REQUIRES_UPGRADE only) */
} kssim_fault_spec;

/* "keystore_unavailable", ... ; NULL for a value that is not a fault. */
const char *kssim_fault_name(kssim_fault fault);
int kssim_fault_from_name(const char *name, kssim_fault *out);
kssim_result kssim_inject_fault(kssim_device *device, const kssim_fault_spec *spec);

/* What is armed now, for kssim status and kssim inject-fault --list. */
typedef struct kssim_fault_status {
    uint32_t keystore_unavailable_calls;
    bool strongbox_failing;
    uint32_t strongbox_failing_calls; /* 0 with strongbox_failing: every call */
    uint32_t tokens_to_delay;
    uint64_t token_delay_ms;
    uint32_t tokens_held; /* issued, not yet delivered */
    uint32_t blobs_requiring_upgrade;
    uint32_t blobs_undecryptable;
} kssim_fault_status;
kssim_result kssim_fault_status_get(kssim_device *device, kssim_fault_status *status);

/* ---- Inspection ---- */
typedef struct kssim_status {
    kssim_credential_type credential;
    uint64_t root_sid;                                /* 0 without a credential */
    uint64_t authenticator_ids[KSSIM_MODALITY_COUNT]; /* per modality, 0 when none enrolled */
    uint32_t biometric_count;
    bool locked;
    bool unlocked_since_boot;
    uint64_t boot_ms;
    int64_t wall_ms;
    uint32_t boot_count;
    uint32_t failed_attempts;
    int api_level;
    kssim_security_level security_level;
    bool realtime;
    kssim_prompt_response prompt; /* what the armed prompt answers with; NONE when unarmed */
    uint32_t prompt_biometric_id; /* for KSSIM_PROMPT_BIOMETRIC */
    uint32_t prompt_remaining;    /* operations it will still answer */
    /* The device was found rolled back (its directory restored from a copy, its log damaged, or a
     * snapshot restored): rollback-resistant keys that existed then refuse. Stays until kssim init --force. */
    bool rollback_detected;
} kssim_status;
kssim_result kssim_status_get(kssim_device *device, kssim_status *status);

/* The last operation refused through the OpenSSL provider on this device, kept with the device (so another
 * process, `kssim last-refusal`, can read it): clients that hide OpenSSL's error data (Python's ssl, curl) give
 * their users no reason, and this is where they find it. */
#define KSSIM_REFUSAL_SENTENCE_MAX 512
typedef struct kssim_refusal_record {
    bool present;                /* false until a refusal was recorded */
    kssim_result result;         /* KEY_USER_NOT_AUTHENTICATED, ... */
    char what[32];               /* the operation's purpose ("sign", "decrypt") when it was one, else "device call" */
    char alias[KSSIM_ALIAS_MAX]; /* the key's alias; "" when the call named no key */
    char sentence[KSSIM_REFUSAL_SENTENCE_MAX]; /* why, and what would make it succeed */
    uint64_t boot_ms;                          /* the device's clocks when it was refused (virtual time) */
    int64_t wall_ms;
    uint32_t boot_count;
} kssim_refusal_record;
/* Records result (nothing when it is KSSIM_OK) as the device's last refusal; sentence NULL or "" takes the device's
 * message. Written in memory now, stored with the device at the next kssim_device_commit. */
void kssim_device_record_refusal(kssim_device *device, kssim_result result, const char *sentence);
/* The last recorded refusal; record->present is false when there is none. */
void kssim_device_last_refusal(const kssim_device *device, kssim_refusal_record *record);

#ifdef __cplusplus
}
#endif
#endif
