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
    [SIM_ANDROID_KEYSTORE1_TOKEN_CHECKED_FIRST] =
        {SIM_ANDROID_KEYSTORE1_TOKEN_CHECKED_FIRST, "V-KEYSTORE1-TOKEN-CHECKED-FIRST", 23, 30,
         "begin looks for a timeout key's auth token before it checks purpose, validity dates and the lock state",
         "system/security keystore/keymaster_worker.cpp KeymasterWorker::begin (getAuthToken before "
         "AuthorizeOperation)"},
    [SIM_ANDROID_KEYSTORE1_OP_TOKEN_FROM_TABLE] =
        {SIM_ANDROID_KEYSTORE1_OP_TOKEN_FROM_TABLE, "V-KEYSTORE1-OP-TOKEN-FROM-TABLE", 23, 30,
         "a per-operation token is looked up in the token table at the first update or finish (one sent before "
         "begin counts; one for other secure IDs is refused without ending the operation), then kept",
         "system/security keystore/keymaster_worker.cpp getOperationAuthTokenIfNeeded; auth_token_table.cpp "
         "FindAuthPerOpAuthorization"},
    [SIM_ANDROID_KEYSTORE1_PRUNES_OLDEST_AT_15] =
        {SIM_ANDROID_KEYSTORE1_PRUNES_OLDEST_AT_15, "V-KEYSTORE1-PRUNES-OLDEST-AT-15", 23, 30,
         "keystore keeps at most 15 operations per device and aborts the least recently used one to begin another",
         "system/security keystore/keymaster_worker.cpp KeymasterWorker::begin (kMaxOperations, pruneOperation); "
         "operation.cpp getOldestPruneableOperation"},
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
