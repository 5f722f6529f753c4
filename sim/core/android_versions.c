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
    [SIM_ANDROID_GATEKEEPER_FLAT_SCHEDULE] =
        {SIM_ANDROID_GATEKEEPER_FLAT_SCHEDULE, "V-GATEKEEPER-FLAT-SCHEDULE", 23, 23,
         "Gatekeeper waits 30 s after the 5th, the 10th and every failure from the 11th on, with no doubling from "
         "the 30th and no one-day wait from the 140th (Android 6.0 as released; the doubling schedule came in "
         "6.0.1 patch releases and holds from Android 7.0 to 15)",
         "system/gatekeeper gatekeeper.cpp GateKeeper::ComputeRetryTimeout at android-6.0.0_r1 (the doubling table: "
         "commit f436c80 \"implement recommended throttling function\", first tagged android-6.0.1_r16)"},
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
