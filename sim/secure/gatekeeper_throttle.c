/*
 * gatekeeper_throttle.c - Gatekeeper's brute-force throttling: the retry schedule and the failure
 * record that every attempt consults first.
 *
 * The rules are those of system/gatekeeper gatekeeper.cpp (ComputeRetryTimeout, ThrottleRequest,
 * IncrementFailureRecord), which every modelled release (API 23 to 35) runs unchanged except for the
 * schedule of Android 6.0 as released (V-GATEKEEPER-FLAT-SCHEDULE). The contract's "Gatekeeper throttling"
 * schedule is the one Android 7.0 to 15 use. Time is the boot clock, which restarts at every boot while the
 * record persists.
 */
#include <stdio.h>
#include <string.h>

#include "core/android_versions.h"
#include "core/invariant.h"
#include "secure/duration_text.h"
#include "secure/gatekeeper_throttle.h"

#define FAILURE_TIMEOUT_MS UINT64_C(30000)
#define DAY_MS             (UINT64_C(24) * 60 * 60 * 1000)

/* The wait after the n-th failure in a row: none for 1-4 and 6-9, 30 s at the 5th and
 * 10th and after every failure from the 11th; from the 30th it doubles every 10 failures (30 s x 2^((n-30)/10))
 * and from the 140th it is a day. On API 23 (V-GATEKEEPER-FLAT-SCHEDULE) it stays 30 s from the 11th on.
 * system/gatekeeper gatekeeper.cpp GateKeeper::ComputeRetryTimeout: the same table on android-7.0.0_r1,
 * android11-release, android12-release, android14-release, android15-release and main (2025-02); the flat
 * one on android-6.0.0_r1 to android-6.0.1_r13. That 6.0 function also answered 30 s for a clean record (no
 * failure), which throttled any attempt in the first 30 s after boot; a phone's lock screen rarely asks that
 * early, the simulator's boot clock starts at 0, and the simulator leaves that quirk out. Newer throttling
 * (LockSettingsService's SoftwareRateLimiter, Android 16 QPR2 and later; a Weaver's vendor schedule) is not in
 * the modelled releases. */
/* R-GK-THROTTLE-SCHEDULE: the wait after the n-th failure, per release. AOSP: gatekeeper.cpp ComputeRetryTimeout */
uint64_t sim_gatekeeper_retry_timeout_ms(int api_level, uint32_t failure_count)
{
    if (failure_count == 0)
        return 0;
    if (failure_count <= 10)
        return failure_count % 5 == 0 ? FAILURE_TIMEOUT_MS : 0;
    if (sim_android_has(api_level, SIM_ANDROID_GATEKEEPER_FLAT_SCHEDULE) || failure_count < 30)
        return FAILURE_TIMEOUT_MS;
    if (failure_count < 140) {
        uint64_t timeout = FAILURE_TIMEOUT_MS << ((failure_count - 30) / 10);
        KSSIM_INVARIANT(timeout >= FAILURE_TIMEOUT_MS && timeout < DAY_MS,
                        "the doubling waits lie between 30 s and a day");
        return timeout;
    }
    return DAY_MS;
}

/* The wait this device's Gatekeeper imposes after failure_count failures. */
static uint64_t retry_timeout_ms(const sim_secure_world *sw, uint32_t failure_count)
{
    return sim_gatekeeper_retry_timeout_ms(sw->api_level, failure_count);
}

static const char *credential_name(kssim_credential_type type)
{
    switch (type) {
    case KSSIM_CREDENTIAL_PIN:
        return "PIN";
    case KSSIM_CREDENTIAL_PASSWORD:
        return "password";
    case KSSIM_CREDENTIAL_PATTERN:
        return "pattern";
    default:
        return "credential";
    }
}

/* R-GK-RETRY-TIMEOUT-REFUSES: inside a wait: refused, not checked, not counted. AOSP: gatekeeper.cpp ThrottleRequest */
/* R-GK-REBOOT-RESTARTS-WAIT: a restarted boot clock restarts the wait in full. AOSP: gatekeeper.cpp ThrottleRequest */
kssim_result sim_gatekeeper_admit_attempt(sim_secure_world *sw)
{
    sim_gatekeeper *gk = &sw->gatekeeper;
    uint64_t now = sw->env->clock.boot_ms;
    uint64_t timeout = retry_timeout_ms(sw, gk->failure_count);
    char wait[SIM_DURATION_TEXT_MAX];

    /* gatekeeper.cpp ThrottleRequest: inside a pending wait, answer with the time left; a clock at or
     * before the last counted attempt (the boot clock restarted, or no time passed) restarts the wait in
     * full from now. Neither answer counts as an attempt. */
    if (timeout > 0 && now > gk->last_checked_ms && now < gk->last_checked_ms + timeout)
        return sim_refuse(sw->env, KSSIM_RETRY_TIMEOUT,
                          "too many wrong attempts (%u): wait %s more (virtual time: advance the clock), then try "
                          "again; this attempt was not counted",
                          gk->failure_count, sim_duration_text(timeout - (now - gk->last_checked_ms), wait));
    if (timeout > 0 && now <= gk->last_checked_ms) {
        bool rebooted = now < gk->last_checked_ms;
        gk->last_checked_ms = now;
        return sim_refuse(sw->env, KSSIM_RETRY_TIMEOUT,
                          "too many wrong attempts (%u): wait %s (virtual time: advance the clock), then try "
                          "again; this attempt was not counted%s",
                          gk->failure_count, sim_duration_text(timeout, wait),
                          rebooted ? " (a reboot restarts the wait in full)" : "");
    }

    /* IncrementFailureRecord before the comparison. A counter that wrapped would clear the throttle. */
    KSSIM_INVARIANT(gk->failure_count < UINT32_MAX, "Gatekeeper's failure counter never wraps to 0");
    KSSIM_INVARIANT(timeout == 0 || now >= gk->last_checked_ms + timeout,
                    "an attempt is counted only once the wait its failures impose has passed");
    gk->failure_count++;
    gk->last_checked_ms = now;
    return KSSIM_OK;
}

/* An attempt that could not be recorded gets no answer: the same sentence whatever was typed. */
static kssim_result refuse_unrecorded_attempt(sim_secure_world *sw, kssim_result failure)
{
    char why[SIM_MESSAGE_MAX];
    snprintf(why, sizeof(why), "%s", sw->env->message);
    return sim_refuse(sw->env, failure,
                      "the %s was not checked: Gatekeeper records every attempt before it answers, and this one "
                      "could not be recorded: %s",
                      credential_name(sw->gatekeeper.type), why);
}

/* system/gatekeeper gatekeeper.cpp GateKeeper::Verify: IncrementFailureRecord writes the failure
 * record (WriteFailureRecord) before DoVerify compares the password, and when the write fails Verify
 * answers ERROR_UNKNOWN without comparing. The attempt is a failure on the storage before anyone learns
 * whether it was right, so cutting the storage (a full disk, a file size limit, a process killed after
 * the answer) can never buy an answered guess that was not counted; a right secret clears the record
 * afterwards, in the command's own commit. If that commit fails, the counted failure stays: the safe
 * direction. Trusty (trusty_gatekeeper.cpp) runs this same GateKeeper::Verify, its WriteFailureRecord
 * writing to the TEE's secure storage; here the store writes the device's image (sim_env_persist_now). */
/* R-GK-COUNT-BEFORE-COMPARE: stored as a failure before the compare. AOSP: gatekeeper.cpp Verify */
kssim_result sim_gatekeeper_charge_attempt(sim_secure_world *sw)
{
    sim_gatekeeper *gk = &sw->gatekeeper;
    for (;;) {
        uint32_t failures_before = gk->failure_count;
        kssim_result result = sim_gatekeeper_admit_attempt(sw);
        KSSIM_INVARIANT(gk->failure_count == failures_before + (result == KSSIM_OK ? 1u : 0u),
                        "an admitted attempt is counted as one failure before the compare, a refused one not at all");
        if (result != KSSIM_OK)
            return result;
        uint8_t charged_salt[sizeof(gk->salt)];
        memcpy(charged_salt, gk->salt, sizeof(charged_salt));
        result = sim_env_persist_now(sw->env);
        if (result != KSSIM_OK)
            return refuse_unrecorded_attempt(sw, result);
        /* Recording it may have let another process's commit in, and the device now holds what that
         * process stored. The count made here is in it unless the credential itself was replaced (each
         * enrollment draws a new salt); a new credential has a record of its own, which must be charged
         * before its hash is compared. */
        if (!gk->enrolled)
            return sim_refuse(sw->env, KSSIM_NO_CREDENTIAL,
                              "the lock-screen credential was removed by another process while this attempt was "
                              "being recorded: set one (set_credential) before verifying");
        if (memcmp(charged_salt, gk->salt, sizeof(charged_salt)) == 0)
            return KSSIM_OK;
    }
}

kssim_result sim_gatekeeper_refuse_wrong_secret(sim_secure_world *sw)
{
    sim_gatekeeper *gk = &sw->gatekeeper;
    const char *name = credential_name(gk->type);
    char wait[SIM_DURATION_TEXT_MAX];
    uint64_t timeout = retry_timeout_ms(sw, gk->failure_count);

    if (timeout > 0)
        return sim_refuse(sw->env, KSSIM_RETRY_TIMEOUT,
                          "wrong %s; too many wrong attempts (%u): wait %s (virtual time: advance the clock), then "
                          "try again",
                          name, gk->failure_count, sim_duration_text(timeout, wait));

    /* The schedule never has more than four plain failures in a row, so this ends within five steps. */
    uint32_t next_wait_at = gk->failure_count + 1;
    while (retry_timeout_ms(sw, next_wait_at) == 0)
        next_wait_at++;
    uint32_t left = next_wait_at - gk->failure_count;
    KSSIM_INVARIANT(left >= 1 && left <= 5, "the schedule never has more than four plain failures in a row");
    return sim_refuse(sw->env, KSSIM_WRONG_CREDENTIAL, "wrong %s; %u attempt%s left before a %s wait", name, left,
                      left == 1 ? "" : "s", sim_duration_text(retry_timeout_ms(sw, next_wait_at), wait));
}

void sim_gatekeeper_clear_failures(sim_gatekeeper *gatekeeper)
{
    gatekeeper->failure_count = 0;
    gatekeeper->last_checked_ms = 0;
}
