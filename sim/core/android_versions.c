/*
 * android_versions.c - the table of modelled Android releases and of every behaviour difference
 * between them (see android_versions.h). Adding a difference: one enum value, one row here with its
 * source, one row in docs/android-versions.md, and a scenario that shows both sides.
 */
#include "core/android_versions.h"

static const sim_android_release releases[] = {
    {23, "Android 6.0"}, {24, "Android 7.0"}, {25, "Android 7.1"}, {26, "Android 8.0"}, {27, "Android 8.1"},
    {28, "Android 9"},   {29, "Android 10"},  {30, "Android 11"},  {31, "Android 12"},  {32, "Android 12L"},
    {33, "Android 13"},  {34, "Android 14"},  {35, "Android 15"},
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
