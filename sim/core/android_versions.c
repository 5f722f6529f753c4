/*
 * android_versions.c - the table of modelled Android releases and of every behaviour difference
 * between them (see android_versions.h). Adding a difference: one enum value, one row here with its
 * source, one row in docs/android-versions.md, and a scenario that shows both sides.
 */
#include "core/android_versions.h"

/* The versions key attestation states (R-ATTEST-VERSIONS-PER-RELEASE, read by sim_attestation_versions): the
 * HAL each release's framework compatibility matrix allows at most
 * (hardware/interfaces compatibility_matrices/compatibility_matrix.6.xml keymint 1 for 12 and 12L, .7.xml
 * keymint 1-2 for 13, .8.xml 1-3 for 14, .202404.xml keymint 1-3 for 15: KeyMint 4 arrives with .202504,
 * Android 16) and the attestation version of that HAL (Keymaster 2 = 1, 3 = 2, 4 = 3, 4.1 = 4; KeyMint N =
 * N * 100: KeyCreationResult.aidl "Attestation Extension Schema"). Android 6.0 has no attestation
 * (setAttestationChallenge is API 24). */
static const sim_android_release releases[] = {
    {23, "Android 6.0", 1, 0, 60000, 201510},     {24, "Android 7.0", 2, 1, 70000, 201608},
    {25, "Android 7.1", 2, 1, 70100, 201612},     {26, "Android 8.0", 3, 2, 80000, 201708},
    {27, "Android 8.1", 3, 2, 80100, 201712},     {28, "Android 9", 4, 3, 90000, 201808},
    {29, "Android 10", 41, 4, 100000, 201909},    {30, "Android 11", 41, 4, 110000, 202009},
    {31, "Android 12", 100, 100, 120000, 202110}, {32, "Android 12L", 100, 100, 120100, 202203},
    {33, "Android 13", 200, 200, 130000, 202208}, {34, "Android 14", 300, 300, 140000, 202310},
    {35, "Android 15", 300, 300, 150000, 202409},
};

static const sim_android_difference_row rows[SIM_ANDROID_DIFFERENCE_COUNT] = {
    [SIM_ANDROID_KEYSTORE2] = {SIM_ANDROID_KEYSTORE2, "V-KEYSTORE2", 31, 0,
                               "keystore2 (Rust) and KeyMint replace keystore and Keymaster",
                               "system/security/keystore2 (new in Android 12); system/security/keystore (before)"},
    [SIM_ANDROID_TIMEOUT_KEY_DEAD_AS_NOT_AUTHENTICATED] =
        {SIM_ANDROID_TIMEOUT_KEY_DEAD_AS_NOT_AUTHENTICATED, "V-TIMEOUT-KEY-DEAD-AS-NOT-AUTHENTICATED", 31, 0,
         "a timeout key whose secure IDs are gone fails at init with UserNotAuthenticatedException, not "
         "KeyPermanentlyInvalidatedException",
         "frameworks/base keystore/java/android/security/keystore2/KeyStoreCryptoOperationUtils.java "
         "getInvalidKeyException (canUserAuthorizationSucceed only for per-operation keys)"},
    /* ---- Key generation API surface: what an app can ask KeyGenParameterSpec / KeyProtection for on each
     * release ("Added in API level N" on developer.android.com, and the framework class that reads it). ---- */
    [SIM_ANDROID_API_INVALIDATED_BY_ENROLLMENT_OPTION] =
        {SIM_ANDROID_API_INVALIDATED_BY_ENROLLMENT_OPTION, "V-API-INVALIDATED-BY-ENROLLMENT-OPTION", 24, 0,
         "an app may keep a biometric key across new enrollments (setInvalidatedByBiometricEnrollment(false)); "
         "on Android 6.0 every per-operation key is bound to the fingerprint authenticator ID",
         "frameworks/base keystore/java/android/security/keystore/KeyGenParameterSpec.java "
         "Builder.setInvalidatedByBiometricEnrollment (added in API level 24); Android 6.0 "
         "KeymasterUtils.addUserAuthArgs (fingerprint-only SID for every per-operation key)"},
    [SIM_ANDROID_API_UNLOCKED_DEVICE_REQUIRED] =
        {SIM_ANDROID_API_UNLOCKED_DEVICE_REQUIRED, "V-API-UNLOCKED-DEVICE-REQUIRED", 28, 0,
         "an app may ask for a key usable only while the device is unlocked (setUnlockedDeviceRequired)",
         "frameworks/base keystore/java/android/security/keystore/KeyGenParameterSpec.java "
         "Builder.setUnlockedDeviceRequired (added in API level 28; KeyProtection likewise)"},
    [SIM_ANDROID_API_STRONGBOX] = {SIM_ANDROID_API_STRONGBOX, "V-API-STRONGBOX", 28, 0,
                                   "an app may ask for a StrongBox key (setIsStrongBoxBacked)",
                                   "frameworks/base keystore/java/android/security/keystore/KeyGenParameterSpec.java "
                                   "Builder.setIsStrongBoxBacked (added in API level 28; KeyProtection likewise)"},
    [SIM_ANDROID_API_AUTH_PARAMETERS] =
        {SIM_ANDROID_API_AUTH_PARAMETERS, "V-API-AUTH-PARAMETERS", 30, 0,
         "an app chooses which authenticators a timeout key accepts (setUserAuthenticationParameters); before, "
         "setUserAuthenticationValidityDurationSeconds(n > 0) binds the root SID and accepts biometric and "
         "credential alike",
         "frameworks/base keystore/java/android/security/keystore/KeyGenParameterSpec.java "
         "Builder.setUserAuthenticationParameters (added in API level 30); Android 9 "
         "keystore/java/android/security/keystore/KeymasterUtils.java addUserAuthArgs (timeout branch: root SID, "
         "HW_AUTH_PASSWORD | HW_AUTH_FINGERPRINT)"},
    [SIM_ANDROID_API_PER_OP_DEVICE_CREDENTIAL] =
        {SIM_ANDROID_API_PER_OP_DEVICE_CREDENTIAL, "V-API-PER-OP-DEVICE-CREDENTIAL", 30, 0,
         "a per-operation key may accept the device credential (setUserAuthenticationParameters(0, "
         "AUTH_DEVICE_CREDENTIAL)); before, every per-operation key is biometric-only",
         "frameworks/base keystore/java/android/security/keystore/KeyGenParameterSpec.java "
         "Builder.setUserAuthenticationParameters (added in API level 30); Android 9 "
         "keystore/java/android/security/keystore/KeymasterUtils.java addUserAuthArgs (per-operation branch: "
         "HW_AUTH_FINGERPRINT only)"},
    [SIM_ANDROID_API_ATTESTATION] =
        {SIM_ANDROID_API_ATTESTATION, "V-API-ATTESTATION", 24, 0,
         "an app may ask for a key attestation (setAttestationChallenge); Android 6.0 has none",
         "frameworks/base keystore/java/android/security/keystore/KeyGenParameterSpec.java "
         "Builder.setAttestationChallenge (added in API level 24; Keymaster 2, attestation version 1)"},
    [SIM_ANDROID_API_MAX_USAGE_COUNT] =
        {SIM_ANDROID_API_MAX_USAGE_COUNT, "V-API-MAX-USAGE-COUNT", 31, 0,
         "an app may limit how many times a key is used (setMaxUsageCount, KeyMint Tag::USAGE_COUNT_LIMIT)",
         "frameworks/base keystore/java/android/security/keystore/KeyGenParameterSpec.java "
         "Builder.setMaxUsageCount (added in API level 31); keystore2/KeyStore2ParameterUtils.java"},
    [SIM_ANDROID_API_AGREE_KEY] = {SIM_ANDROID_API_AGREE_KEY, "V-API-AGREE-KEY", 31, 0,
                                   "an app may make an EC key for key agreement (KeyProperties.PURPOSE_AGREE_KEY, "
                                   "ECDH through KeyAgreement)",
                                   "frameworks/base keystore/java/android/security/keystore/KeyProperties.java "
                                   "PURPOSE_AGREE_KEY (added in API level 31); "
                                   "keystore2/AndroidKeyStoreKeyAgreementSpi.java"},
    [SIM_ANDROID_API_ED25519] = {SIM_ANDROID_API_ED25519, "V-API-ED25519", 33, 0,
                                 "an app may make Ed25519 signing keys (KeyMint 2, EcCurve CURVE_25519)",
                                 "frameworks/base commit 51d7088287a4 \"Keystore: Support Ed25519 keys\" "
                                 "(keystore2/AndroidKeyStoreEdECPublicKey.java, Android 13); "
                                 "java.security.interfaces.EdECKey (added in API level 33)"},
    [SIM_ANDROID_GATEKEEPER_FLAT_SCHEDULE] =
        {SIM_ANDROID_GATEKEEPER_FLAT_SCHEDULE, "V-GATEKEEPER-FLAT-SCHEDULE", 23, 23,
         "Gatekeeper waits 30 s after the 5th, the 10th and every failure from the 11th on, with no doubling from "
         "the 30th and no one-day wait from the 140th (Android 6.0 as released; the doubling schedule came in "
         "6.0.1 patch releases and holds from Android 7.0 to 15)",
         "system/gatekeeper gatekeeper.cpp GateKeeper::ComputeRetryTimeout at android-6.0.0_r1 (the doubling table: "
         "commit f436c80 \"implement recommended throttling function\", first tagged android-6.0.1_r16)"},
    [SIM_ANDROID_UDR_NEEDS_AUTH_TOKEN] =
        {SIM_ANDROID_UDR_NEEDS_AUTH_TOKEN, "V-UDR-NEEDS-AUTH-TOKEN", 31, 34,
         "an UNLOCKED_DEVICE_REQUIRED key also needs some auth token in keystore2's cache, so it gives "
         "KEY_USER_NOT_AUTHENTICATED until the first authentication since boot (and always without a lock screen)",
         "system/security keystore2/src/enforcements.rs authorize_create (need_auth_token = timeout_bound || "
         "unlocked_device_required; Android 15: skipped when android.security.fix_unlocked_device_required_keys_v2). "
         "API 34 is modelled as android-14.0.0_r1 (no flag); later Android 14 tags (r29, r50+) carry the flag-guarded "
         "code, and whether the flag is on in their builds, or on by default in 15, was not read (build/release)"},
    [SIM_ANDROID_UDR_WEAK_UNLOCK] =
        {SIM_ANDROID_UDR_WEAK_UNLOCK, "V-UDR-WEAK-UNLOCK", 35, 0,
         "a weak unlock method (trust agent, class 2 biometric) enabled when the device locks keeps the "
         "UNLOCKED_DEVICE_REQUIRED super keys in memory, so a weak unlock makes such keys usable again; an "
         "empty unlocking-SID list forgets the biometric-encrypted copy",
         "system/security keystore2/src/authorization.rs on_device_locked and super_key.rs "
         "lock_unlocked_device_required_keys / try_unlock_user_with_biometric (fix_unlocked_device_required_keys_v2)"},
    [SIM_ANDROID_TOKEN_REPLACED_ONLY_BY_NEWER] =
        {SIM_ANDROID_TOKEN_REPLACED_ONLY_BY_NEWER, "V-TOKEN-REPLACED-ONLY-BY-NEWER", 23, 30,
         "keystore1 drops a cached auth token only for one of the same user, authenticator and type with a newer "
         "timestamp; an older token arriving later is kept beside it and lookups take the newest timestamp",
         "system/security keystore/auth_token_table.cpp AddAuthenticationToken, Entry::Supersedes, "
         "auth_token_table.h Entry::is_newer_than (keystore2 database.rs insert_auth_token replaces by arrival)"},
    [SIM_ANDROID_BIOMETRIC_EMPTY_LIST_KEEPS_KEYS] =
        {SIM_ANDROID_BIOMETRIC_EMPTY_LIST_KEEPS_KEYS, "V-BIOMETRIC-EMPTY-LIST-KEEPS-KEYS", 23, 30,
         "with no strong biometric enrolled a key whose secure IDs are gone still counts as unlockable by "
         "biometrics (canUnlockViaBiometrics starts true), so it is not permanently invalidated",
         "frameworks/base keystore/java/android/security/KeyStore.java (Android 11) getInvalidKeyException; "
         "Android 12+: keystore2/KeyStoreCryptoOperationUtils.java canUserAuthorizationSucceed "
         "(canUnlockViaBiometrics = biometricSids.length > 0). Unverified boundary: an early keystore2-era copy "
         "(aosp-mirror/platform_frameworks_base b981ca19) still starts true; the release of the change is not known"},
    [SIM_ANDROID_KEYSTORE_DEAD_BINDER_RETRIED] =
        {SIM_ANDROID_KEYSTORE_DEAD_BINDER_RETRIED, "V-KEYSTORE-DEAD-BINDER-RETRIED", 31, 0,
         "a keystore service call (getKeyEntry, getSecurityLevel, deleteKey, listEntries) that meets a dead "
         "binder is retried once after reconnecting, a security-level call (generateKey, createOperation) fails "
         "with KeyStoreException SYSTEM_ERROR and an operation call (update, finish) with INVALID_OPERATION_HANDLE; "
         "before, keystore1's KeyStore.java catches the RemoteException (\"Cannot connect to keystore\") and "
         "fails every call at once (SYSTEM_ERROR, or KeyStoreConnectException)",
         "frameworks/base keystore/java/android/security/KeyStore2.java handleRemoteExceptionWithRetry, "
         "KeyStoreSecurityLevel.java handleExceptions, KeyStoreOperation.java handleExceptions (Android 12+); "
         "Android 11 keystore/java/android/security/KeyStore.java (RemoteException -> SYSTEM_ERROR / null)"},
    [SIM_ANDROID_AUTH_KEYS_SUPER_ENCRYPTED] =
        {SIM_ANDROID_AUTH_KEYS_SUPER_ENCRYPTED, "V-AUTH-KEYS-SUPER-ENCRYPTED", 26, 0,
         "keys that need user authentication are super-encrypted, so they cannot be used before the first unlock "
         "after boot",
         "system/security keystore/blob.cpp isSuperEncrypted and key_store_service.cpp generateKey (new in 8.0); "
         "keystore2/src/super_key.rs unwrap_key_if_required"},
    [SIM_ANDROID_KEYSTORE1_LOCKED_AS_NOT_AUTHENTICATED] =
        {SIM_ANDROID_KEYSTORE1_LOCKED_AS_NOT_AUTHENTICATED, "V-KEYSTORE1-LOCKED-AS-NOT-AUTHENTICATED", 26, 30,
         "before the first unlock a super-encrypted key answers KEY_USER_NOT_AUTHENTICATED, not LOCKED, before any "
         "other check of begin",
         "system/security keystore/key_store_service.cpp KeyStoreService::begin (getKeyForName LOCKED and "
         "isSuperEncrypted)"},
    [SIM_ANDROID_TOKEN_CHECKED_AFTER_KEY_CHECKS] =
        {SIM_ANDROID_TOKEN_CHECKED_AFTER_KEY_CHECKS, "V-TOKEN-CHECKED-AFTER-KEY-CHECKS", 31, 0,
         "createOperation checks purpose, validity dates and the lock state before a timeout key's token "
         "(keystore1's begin looked for the token first)",
         "system/security keystore2/src/enforcements.rs authorize_create; before: keystore/keymaster_worker.cpp "
         "KeymasterWorker::begin (getAuthToken before AuthorizeOperation)"},
    [SIM_ANDROID_OP_TOKEN_FIRST_ROUTED] =
        {SIM_ANDROID_OP_TOKEN_FIRST_ROUTED, "V-OP-TOKEN-FIRST-ROUTED", 31, 0,
         "a per-operation operation gets the first token carrying its challenge that arrives after begin, unchecked "
         "(keystore1 took the first table token with the challenge at the first update or finish, one sent before "
         "begin included, and refused one for other secure IDs without ending the operation)",
         "system/security keystore2/src/enforcements.rs TokenReceiverMap; before: keystore/keymaster_worker.cpp "
         "getOperationAuthTokenIfNeeded, auth_token_table.cpp FindAuthPerOpAuthorization"},
    [SIM_ANDROID_PRUNE_BY_MALUS] =
        {SIM_ANDROID_PRUNE_BY_MALUS, "V-PRUNE-BY-MALUS", 31, 0,
         "keystore prunes an operation only when KeyMint is full, by its malus rule (keystore1 kept at most 15 "
         "operations per device and aborted the least recently used one to begin another)",
         "system/security keystore2/src/operation.rs OperationDb::prune; before: keystore/keymaster_worker.cpp "
         "KeymasterWorker::begin (kMaxOperations, pruneOperation)"},
    [SIM_ANDROID_OP_FAILED_CALL_ENDS] =
        {SIM_ANDROID_OP_FAILED_CALL_ENDS, "V-OP-FAILED-CALL-ENDS", 29, 0,
         "an update or finish that keystore refuses before KeyMint sees it (no auth token for a per-operation key) "
         "ends the operation, so its next call answers INVALID_OPERATION_HANDLE (Android 9 and earlier returned "
         "the refusal and kept the operation, so the app could authenticate and call again)",
         "system/security keystore2/src/operation.rs KeystoreOperation::with_locked_operation; Android 10-11: "
         "keystore/keymaster_worker.cpp KeymasterWorker::update/finish (abort_operation_in_case_of_error); "
         "before: pie-release keystore/key_store_service.cpp KeyStoreService::update/finish"},
    {SIM_ANDROID_APP_KEYSTORE_EXCEPTION_PUBLIC, "V-APP-KEYSTORE-EXCEPTION-PUBLIC", 33, 0,
     "android.security.KeyStoreException is public API: the cause of an InvalidKeyException, "
     "ProviderException or IllegalBlockSizeException tells its code through getNumericErrorCode()",
     "frameworks/base keystore/java/android/security/KeyStoreException.java getNumericErrorCode (added in "
     "API 33, developer.android.com reference)"},
    {SIM_ANDROID_APP_BIOMETRIC_PROMPT, "V-APP-BIOMETRIC-PROMPT", 28, 0,
     "apps authenticate with BiometricPrompt and see BIOMETRIC_ERROR_* codes; before, FingerprintManager "
     "with FINGERPRINT_ERROR_* codes of the same values",
     "frameworks/base core/java/android/hardware/biometrics/BiometricPrompt.java (added in API 28), "
     "core/java/android/hardware/fingerprint/FingerprintManager.java AuthenticationCallback"},
};

const sim_android_release *sim_android_releases(size_t *count)
{
    *count = sizeof(releases) / sizeof(releases[0]);
    return releases;
}

const sim_android_release *sim_android_release_find(int api_level)
{
    for (size_t i = 0; i < sizeof(releases) / sizeof(releases[0]); i++)
        if (releases[i].api_level == api_level)
            return &releases[i];
    return 0;
}

const char *sim_android_release_name(int api_level)
{
    const sim_android_release *release = sim_android_release_find(api_level);
    return release != 0 ? release->name : 0;
}

const sim_android_difference_row *sim_android_difference_row_of(sim_android_difference difference)
{
    return (unsigned)difference < SIM_ANDROID_DIFFERENCE_COUNT ? &rows[difference] : 0;
}

const sim_android_difference_row *sim_android_difference_rows(size_t *count)
{
    *count = SIM_ANDROID_DIFFERENCE_COUNT;
    return rows;
}

bool sim_android_has(int api_level, sim_android_difference difference)
{
    if ((unsigned)difference >= SIM_ANDROID_DIFFERENCE_COUNT)
        return false;
    const sim_android_difference_row *row = &rows[difference];
    return api_level >= row->since_api_level && (row->until_api_level == 0 || api_level <= row->until_api_level);
}
