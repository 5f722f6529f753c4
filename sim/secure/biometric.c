/*
 * biometric.c - the biometric TA: enrolled templates, per-modality authenticator IDs and lockout.
 *
 * Authenticator IDs follow the fingerprint and face AIDL HALs (ISession.getAuthenticatorId): a new
 * random ID on every new strong enrollment, unchanged when a template is removed, and 0 once the
 * modality has no strong template left; weak (Class 2) biometrics never mint auth tokens, so they
 * never change the ID either.
 * Lockout follows frameworks/base LockoutFrameworkImpl.java: every 5th consecutive failure locks
 * biometrics for 30 s, the 20th locks them until the credential is verified; a match resets the count.
 */
#include <string.h>

#include "core/invariant.h"
#include "secure/duration_text.h"
#include "secure/secure_world.h"

#define FAILURES_FOR_TIMED_LOCKOUT     5
#define FAILURES_FOR_PERMANENT_LOCKOUT 20
#define TIMED_LOCKOUT_MS               UINT64_C(30000)

static sim_biometric_template *find_template(sim_biometric *bio, uint32_t id)
{
    for (uint32_t i = 0; i < bio->count; i++)
        if (bio->templates[i].id == id)
            return &bio->templates[i];
    return NULL;
}

static bool modality_has_strong_template(const sim_biometric *bio, kssim_modality modality)
{
    for (uint32_t i = 0; i < bio->count; i++)
        if (bio->templates[i].modality == modality && bio->templates[i].biometric_class == KSSIM_BIOMETRIC_STRONG)
            return true;
    return false;
}

bool sim_biometric_is_consistent(const sim_biometric *bio)
{
    if (bio->count > SIM_MAX_BIOMETRIC_TEMPLATES)
        return false;
    for (int m = 0; m < KSSIM_MODALITY_COUNT; m++)
        if ((bio->authenticator_ids[m] != 0) != modality_has_strong_template(bio, (kssim_modality)m))
            return false;
    return true;
}

/* R-ENROLL-INVALIDATES: a strong enrollment draws a new authenticator ID. AOSP: KeyStore2ParameterUtils addSids */
kssim_result sim_biometric_enroll(sim_secure_world *sw, uint32_t id, kssim_modality modality,
                                  kssim_biometric_class biometric_class)
{
    sim_biometric *bio = &sw->biometric;
    if ((unsigned)modality >= KSSIM_MODALITY_COUNT)
        return sim_refuse(sw->env, KSSIM_INVALID_ARGUMENT, "modality %d is unknown: use fingerprint or face",
                          (int)modality);
    if (biometric_class != KSSIM_BIOMETRIC_STRONG && biometric_class != KSSIM_BIOMETRIC_WEAK)
        return sim_refuse(sw->env, KSSIM_INVALID_ARGUMENT, "biometric class %d is unknown: use strong or weak",
                          (int)biometric_class);
    if (find_template(bio, id) != NULL)
        return sim_refuse(sw->env, KSSIM_INVALID_ARGUMENT,
                          "biometric %u is already enrolled: choose another id or remove it first", id);
    if (bio->count == SIM_MAX_BIOMETRIC_TEMPLATES)
        return sim_refuse(sw->env, KSSIM_INVALID_ARGUMENT,
                          "the biometric TA holds at most %d templates: remove one before enrolling another",
                          SIM_MAX_BIOMETRIC_TEMPLATES);

    bio->templates[bio->count++] = (sim_biometric_template){
        .id = id,
        .modality = modality,
        .biometric_class = biometric_class,
    };
    /* A new strong enrollment gets a new authenticator ID, which is what invalidates keys bound to the
     * old one (keys created with setInvalidatedByBiometricEnrollment). */
    if (biometric_class == KSSIM_BIOMETRIC_STRONG)
        bio->authenticator_ids[modality] = sim_random_nonzero_u64(&sw->env->crypto);
    KSSIM_INVARIANT(sim_biometric_is_consistent(bio),
                    "after an enrollment, a modality has an authenticator ID exactly when it has a strong template");
    return KSSIM_OK;
}

/* R-ENROLL-REMOVE-LAST-ZEROES: only removing the last strong template zeroes the ID.
 * AOSP: KeyStore2ParameterUtils addSids */
kssim_result sim_biometric_remove(sim_secure_world *sw, uint32_t id)
{
    sim_biometric *bio = &sw->biometric;
    sim_biometric_template *victim = find_template(bio, id);
    if (victim == NULL)
        return sim_refuse(sw->env, KSSIM_INVALID_ARGUMENT,
                          "biometric %u is not enrolled, so there is nothing to remove: enroll it first", id);

    kssim_modality modality = victim->modality;
    size_t index = (size_t)(victim - bio->templates);
    memmove(victim, victim + 1, (bio->count - index - 1) * sizeof(*victim));
    bio->count--;
    memset(&bio->templates[bio->count], 0, sizeof(bio->templates[bio->count]));

    /* Removal keeps the authenticator ID (keys stay bound to the remaining templates); only the last
     * strong template's removal zeroes it. */
    if (!modality_has_strong_template(bio, modality))
        bio->authenticator_ids[modality] = 0;
    KSSIM_INVARIANT(sim_biometric_is_consistent(bio),
                    "after a removal, a modality has an authenticator ID exactly when it has a strong template");
    return KSSIM_OK;
}

void sim_biometric_remove_all(sim_secure_world *sw)
{
    sim_biometric *bio = &sw->biometric;
    memset(bio->templates, 0, sizeof(bio->templates));
    bio->count = 0;
    memset(bio->authenticator_ids, 0, sizeof(bio->authenticator_ids));
}

/* LockoutFrameworkImpl.addFailedAttemptForUser then getLockoutModeForUser: the failure that reaches a
 * multiple of 5 (or 20) is itself answered with the lockout, as FingerprintAuthenticationClient
 * reports the lockout error from the rejection that caused it. */
/* R-BIO-LOCKOUT-TIMED: every 5th failure in a row locks biometrics for 30 s. AOSP: LockoutFrameworkImpl */
/* R-BIO-LOCKOUT-PERMANENT: 20 failures lock biometrics until the credential. AOSP: LockoutFrameworkImpl */
static kssim_result count_failed_attempt(sim_secure_world *sw, uint32_t id)
{
    sim_biometric *bio = &sw->biometric;
    char wait[SIM_DURATION_TEXT_MAX];
    bio->failed_attempts++;
    if (bio->failed_attempts >= FAILURES_FOR_PERMANENT_LOCKOUT) {
        bio->permanent_lockout = true;
        return sim_refuse(sw->env, KSSIM_LOCKOUT_PERMANENT,
                          "%u failed biometric attempts in a row: biometrics are locked until the lock-screen "
                          "credential is verified",
                          bio->failed_attempts);
    }
    if (bio->failed_attempts % FAILURES_FOR_TIMED_LOCKOUT == 0) {
        bio->lockout_until_ms = sw->env->clock.boot_ms + TIMED_LOCKOUT_MS;
        return sim_refuse(sw->env, KSSIM_LOCKOUT,
                          "%u failed biometric attempts in a row: biometrics are locked for %s (virtual time: "
                          "advance the clock), or verify the lock-screen credential to lift the lockout",
                          bio->failed_attempts, sim_duration_text(TIMED_LOCKOUT_MS, wait));
    }
    uint32_t left = FAILURES_FOR_TIMED_LOCKOUT - bio->failed_attempts % FAILURES_FOR_TIMED_LOCKOUT;
    bool next_is_permanent = bio->failed_attempts + left >= FAILURES_FOR_PERMANENT_LOCKOUT;
    return sim_refuse(sw->env, KSSIM_NO_MATCH,
                      "no enrolled biometric matches id %u: enroll it first; %u more failure%s lock%s biometrics %s",
                      id, left, left == 1 ? "" : "s", left == 1 ? "s" : "",
                      next_is_permanent ? "until the lock-screen credential is verified" : "for 30 s");
}

/* R-TOKEN-BIO-CONTENT: a strong match: FINGERPRINT token, root SID, modality ID. AOSP: HardwareAuthToken.aidl */
/* R-BIO-WEAK-NO-TOKEN: a weak (class 2) match mints no token.
 * AOSP: biometrics AuthenticationClient onAuthenticated (addAuthToken only if mIsStrongBiometric) */
kssim_result sim_biometric_authenticate(sim_secure_world *sw, uint32_t id, uint64_t challenge, uint64_t user_sid,
                                        kssim_auth_token *token_out, bool *token_issued)
{
    sim_biometric *bio = &sw->biometric;
    uint64_t now = sw->env->clock.boot_ms;
    char wait[SIM_DURATION_TEXT_MAX];
    if (token_out != NULL)
        memset(token_out, 0, sizeof(*token_out));
    if (token_issued != NULL)
        *token_issued = false;

    /* A locked-out sensor refuses without looking at the finger, so these attempts are not counted. */
    if (bio->permanent_lockout)
        return sim_refuse(sw->env, KSSIM_LOCKOUT_PERMANENT,
                          "biometrics are locked after %d failed attempts: verify the lock-screen credential to "
                          "unlock them",
                          FAILURES_FOR_PERMANENT_LOCKOUT);
    if (now < bio->lockout_until_ms)
        return sim_refuse(sw->env, KSSIM_LOCKOUT,
                          "biometrics are locked for %s more after %d failed attempts: advance the clock, or "
                          "verify the lock-screen credential",
                          sim_duration_text(bio->lockout_until_ms - now, wait), FAILURES_FOR_TIMED_LOCKOUT);

    const sim_biometric_template *match = find_template(bio, id);
    if (match == NULL)
        return count_failed_attempt(sw, id);

    /* FingerprintAuthenticationClient.onAuthenticated resets the count on any accepted biometric. */
    bio->failed_attempts = 0;
    bio->lockout_until_ms = 0;
    if (match->biometric_class != KSSIM_BIOMETRIC_STRONG)
        return KSSIM_OK; /* Class 2 biometrics unlock the screen but mint no HardwareAuthToken */

    kssim_auth_token token = {
        .challenge = challenge,
        .user_id = user_sid,
        .authenticator_id = bio->authenticator_ids[match->modality],
        .authenticator_type = KSSIM_AUTHENTICATOR_FINGERPRINT,
    };
    sim_auth_token_issue(sw, &token);
    if (token_out != NULL)
        *token_out = token;
    if (token_issued != NULL)
        *token_issued = true;
    return KSSIM_OK;
}

void sim_biometric_reset_lockout(sim_secure_world *sw)
{
    /* LockoutFrameworkImpl.resetFailedAttemptsForUser(clearAttemptCounter = true) after a credential. */
    sw->biometric.failed_attempts = 0;
    sw->biometric.lockout_until_ms = 0;
    sw->biometric.permanent_lockout = false;
}
