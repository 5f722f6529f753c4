/*
 * android_versions.h - the Android releases the simulator models, and every behaviour that differs
 * between them, as one table of named rows (android_versions.c).
 *
 * A rule that depends on the release asks sim_android_has(api_level, ROW) instead of comparing API
 * levels itself, so each difference is written once, with its source, and docs/android-versions.md,
 * `kssim versions` and the code cannot disagree.
 */
#ifndef SIM_CORE_ANDROID_VERSIONS_H
#define SIM_CORE_ANDROID_VERSIONS_H

#include <stdbool.h>
#include <stddef.h>

/* One row per behaviour that changed between releases. A row is "present" on the API levels from
 * since_api_level to until_api_level (0: still present in the newest modelled release). */
typedef enum sim_android_difference {
    /* V-KEYSTORE2: keystore2 and KeyMint replace keystore (keystore1) and Keymaster. */
    SIM_ANDROID_KEYSTORE2,
    /* V-TIMEOUT-KEY-DEAD-AS-NOT-AUTHENTICATED: a timeout key whose secure IDs are gone reports
     * UserNotAuthenticatedException at init instead of KeyPermanentlyInvalidatedException. */
    SIM_ANDROID_TIMEOUT_KEY_DEAD_AS_NOT_AUTHENTICATED,
    /* ---- Key generation API surface (KeyGenParameterSpec / KeyProperties "Added in API level N") ---- */
    /* V-API-INVALIDATED-BY-ENROLLMENT-OPTION: setInvalidatedByBiometricEnrollment exists; before it, a
     * biometric key is always bound to the fingerprint authenticator ID (invalidated by enrollment). */
    SIM_ANDROID_API_INVALIDATED_BY_ENROLLMENT_OPTION,
    /* V-API-UNLOCKED-DEVICE-REQUIRED: setUnlockedDeviceRequired exists. */
    SIM_ANDROID_API_UNLOCKED_DEVICE_REQUIRED,
    /* V-API-STRONGBOX: setIsStrongBoxBacked exists. */
    SIM_ANDROID_API_STRONGBOX,
    /* V-API-AUTH-PARAMETERS: setUserAuthenticationParameters lets the app choose the types of a timeout
     * key; before it, a timeout key accepts biometric and credential and is bound to the root SID. */
    SIM_ANDROID_API_AUTH_PARAMETERS,
    /* V-API-PER-OP-DEVICE-CREDENTIAL: a per-operation key may accept the device credential; before, a
     * per-operation key is biometric-only. */
    SIM_ANDROID_API_PER_OP_DEVICE_CREDENTIAL,
    /* V-API-ATTESTATION: KeyGenParameterSpec.Builder.setAttestationChallenge (key attestation) exists. */
    SIM_ANDROID_API_ATTESTATION,
    /* V-API-MAX-USAGE-COUNT: setMaxUsageCount (KeyMint USAGE_COUNT_LIMIT) exists. */
    SIM_ANDROID_API_MAX_USAGE_COUNT,
    /* V-API-AGREE-KEY: KeyProperties.PURPOSE_AGREE_KEY (ECDH through KeyAgreement) exists. */
    SIM_ANDROID_API_AGREE_KEY,
    /* V-API-ED25519: Ed25519 keys (KeyMint 2, curve 25519) exist. */
    SIM_ANDROID_API_ED25519,
    /* V-GATEKEEPER-FLAT-SCHEDULE: Android 6.0's Gatekeeper waits 30 s after every failure from the 11th on,
     * never doubling and never a day (gatekeeper.cpp ComputeRetryTimeout before android-6.0.1_r16). */
    SIM_ANDROID_GATEKEEPER_FLAT_SCHEDULE,
    /* V-UDR-NEEDS-AUTH-TOKEN: an UNLOCKED_DEVICE_REQUIRED key also needs some auth token in keystore2's
     * cache (any one), so it fails with KEY_USER_NOT_AUTHENTICATED until the first authentication. */
    SIM_ANDROID_UDR_NEEDS_AUTH_TOKEN,
    /* V-UDR-WEAK-UNLOCK: a weak unlock method (trust agent, class 2 biometric) enabled at lock keeps the
     * UNLOCKED_DEVICE_REQUIRED super keys in memory, so a weak unlock brings such keys back. */
    SIM_ANDROID_UDR_WEAK_UNLOCK,
    /* V-TOKEN-REPLACED-ONLY-BY-NEWER: keystore1's token table drops a cached token only for one with a
     * newer timestamp; an older token arriving later is kept beside it and never preferred. */
    SIM_ANDROID_TOKEN_REPLACED_ONLY_BY_NEWER,
    /* V-BIOMETRIC-EMPTY-LIST-KEEPS-KEYS: with no strong biometric enrolled the framework still counts
     * a key as unlockable by biometrics (canUnlockViaBiometrics starts true), so it is not invalidated. */
    SIM_ANDROID_BIOMETRIC_EMPTY_LIST_KEEPS_KEYS,
    /* V-KEYSTORE-DEAD-BINDER-RETRIED: a keystore service call that meets a dead binder is retried once
     * after reconnecting, and an operation's call reports INVALID_OPERATION_HANDLE; before, every call that
     * cannot reach keystore fails at once with SYSTEM_ERROR. */
    SIM_ANDROID_KEYSTORE_DEAD_BINDER_RETRIED,
    /* V-AUTH-KEYS-SUPER-ENCRYPTED: keys that need user authentication are encrypted with the user's super
     * key, so they cannot be used before the first unlock after boot. */
    SIM_ANDROID_AUTH_KEYS_SUPER_ENCRYPTED,
    /* V-KEYSTORE1-LOCKED-AS-NOT-AUTHENTICATED: keystore1's begin answers KEY_USER_NOT_AUTHENTICATED (not
     * LOCKED) for a super-encrypted key before the first unlock, and does so first, at key load. */
    SIM_ANDROID_KEYSTORE1_LOCKED_AS_NOT_AUTHENTICATED,
    /* V-TOKEN-CHECKED-AFTER-KEY-CHECKS: createOperation checks purpose, validity dates and the lock state
     * before it looks for a timeout key's token (keystore1 looked for the token first). */
    SIM_ANDROID_TOKEN_CHECKED_AFTER_KEY_CHECKS,
    /* V-OP-TOKEN-FIRST-ROUTED: a per-operation operation gets the first token that arrives carrying its
     * challenge after begin (keystore1 searched its token table at the first update or finish instead). */
    SIM_ANDROID_OP_TOKEN_FIRST_ROUTED,
    /* V-PRUNE-BY-MALUS: keystore prunes only when KeyMint is full, by its malus rule (keystore1 kept at most
     * 15 operations per device and aborted the least recently used to begin another). */
    SIM_ANDROID_PRUNE_BY_MALUS,
    /* V-OP-FAILED-CALL-ENDS: an update or finish that keystore refuses (no token for a per-operation key)
     * ends the operation, as any KeyMint error does (Android 9's keystore returned before removing it). */
    SIM_ANDROID_OP_FAILED_CALL_ENDS,
    /* V-APP-KEYSTORE-EXCEPTION-PUBLIC: android.security.KeyStoreException is public API with
     * getNumericErrorCode(); before, the cause of a keystore failure is a hidden class. */
    SIM_ANDROID_APP_KEYSTORE_EXCEPTION_PUBLIC,
    /* V-APP-BIOMETRIC-PROMPT: apps authenticate with BiometricPrompt (BIOMETRIC_ERROR_* codes); before,
     * with FingerprintManager (FINGERPRINT_ERROR_* codes of the same values). */
    SIM_ANDROID_APP_BIOMETRIC_PROMPT,
    SIM_ANDROID_DIFFERENCE_COUNT
} sim_android_difference;

typedef struct sim_android_difference_row {
    sim_android_difference difference;
    const char *id; /* "V-KEYSTORE2": stable, cited in code, scenarios and docs */
    int since_api_level;
    int until_api_level; /* 0: present in every later modelled release */
    const char *summary; /* one sentence: what is different from this level on */
    const char *source;  /* the AOSP file (and function) that shows it */
} sim_android_difference_row;

/* A modelled release, with the versions its key attestation states (R-ATTEST-VERSIONS-PER-RELEASE):
 * keymint_version is keyMintVersion (keymasterVersion before KeyMint: 2, 3, 4, 41; KeyMint 100, 200,
 * 300), attestation_version attestationVersion (0: the release has no key attestation), os_version
 * osVersion (MMmmpp) and patch_month the osPatchLevel (YYYYMM) of the release's first month: the simulator
 * ships no patches. */
typedef struct sim_android_release {
    int api_level;
    const char *name; /* "Android 12" */
    unsigned keymint_version, attestation_version, os_version, patch_month;
} sim_android_release;

/* The modelled releases, oldest first. */
const sim_android_release *sim_android_releases(size_t *count);
/* NULL when api_level is not a modelled release. */
const sim_android_release *sim_android_release_find(int api_level);
/* Every difference row, in enum order. */
const sim_android_difference_row *sim_android_difference_rows(size_t *count);
/* Whether the behaviour the row names holds on this API level. */
bool sim_android_has(int api_level, sim_android_difference difference);
/* The row of one difference (NULL for a value outside the enum). */
const sim_android_difference_row *sim_android_difference_row_of(sim_android_difference difference);
/* "Android 12" for 31; NULL for a level that is not a modelled release. */
const char *sim_android_release_name(int api_level);

#endif
