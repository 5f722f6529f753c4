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
    /* V-AUTH-KEYS-SUPER-ENCRYPTED: keys that need user authentication are encrypted with the user's super
     * key, so they cannot be used before the first unlock after boot. */
    SIM_ANDROID_AUTH_KEYS_SUPER_ENCRYPTED,
    /* V-KEYSTORE1-LOCKED-AS-NOT-AUTHENTICATED: keystore1's begin answers KEY_USER_NOT_AUTHENTICATED (not
     * LOCKED) for a super-encrypted key before the first unlock, and does so first, at key load. */
    SIM_ANDROID_KEYSTORE1_LOCKED_AS_NOT_AUTHENTICATED,
    /* V-KEYSTORE1-TOKEN-CHECKED-FIRST: keystore1's begin looks for the timeout key's token before it checks
     * the purpose, the validity dates and the lock state. */
    SIM_ANDROID_KEYSTORE1_TOKEN_CHECKED_FIRST,
    /* V-KEYSTORE1-OP-TOKEN-FROM-TABLE: keystore1 finds a per-operation token in its token table at the first
     * update or finish (a token sent before begin counts), instead of keystore2's first-arrival routing. */
    SIM_ANDROID_KEYSTORE1_OP_TOKEN_FROM_TABLE,
    /* V-KEYSTORE1-PRUNES-OLDEST-AT-15: keystore1 keeps at most 15 operations per device and aborts the least
     * recently used one to begin another; keystore2 prunes only when KeyMint is full, by its malus rule. */
    SIM_ANDROID_KEYSTORE1_PRUNES_OLDEST_AT_15,
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

typedef struct sim_android_release {
    int api_level;
    const char *name; /* "Android 12" */
} sim_android_release;

/* The modelled releases, oldest first. */
const sim_android_release *sim_android_releases(size_t *count);
/* NULL when api_level is not a modelled release. */
const sim_android_release *sim_android_release_find(int api_level);
/* Every difference row, in enum order. */
const sim_android_difference_row *sim_android_difference_rows(size_t *count);
/* Whether the behaviour the row names holds on this API level. */
bool sim_android_has(int api_level, sim_android_difference difference);

#endif
