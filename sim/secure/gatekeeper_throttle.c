/*
 * gatekeeper_throttle.c - Gatekeeper's brute-force throttling: the retry schedule and the failure
 * record that every attempt consults first.
 *
 * The rules are those of system/gatekeeper gatekeeper.cpp (ComputeRetryTimeout, ThrottleRequest,
 * IncrementFailureRecord), the legacy C++ schedule that the contract's "Gatekeeper throttling" rule
 * describes. Time is the boot clock, which restarts at every boot while the record persists.
 */
#include "secure/duration_text.h"
#include "secure/gatekeeper_throttle.h"

#define FAILURE_TIMEOUT_MS UINT64_C(30000)
#define DAY_MS             (UINT64_C(24) * 60 * 60 * 1000)

uint64_t sim_gatekeeper_retry_timeout_ms(uint32_t failure_count)
{
    /* gatekeeper.cpp ComputeRetryTimeout: a 30 s wait at the 5th and 10th failure, after every failure
     * from the 11th, doubling every 10 failures from the 30th, and a day from the 140th. */
    if (failure_count == 0)
        return 0;
    if (failure_count <= 10)
        return failure_count % 5 == 0 ? FAILURE_TIMEOUT_MS : 0;
    if (failure_count < 30)
        return FAILURE_TIMEOUT_MS;
    if (failure_count < 140)
        return FAILURE_TIMEOUT_MS << ((failure_count - 30) / 10);
    return DAY_MS;
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

kssim_result sim_gatekeeper_admit_attempt(sim_secure_world *sw)
{
    sim_gatekeeper *gk = &sw->gatekeeper;
    uint64_t now = sw->env->clock.boot_ms;
    uint64_t timeout = sim_gatekeeper_retry_timeout_ms(gk->failure_count);
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

    /* IncrementFailureRecord before the comparison. */
    gk->failure_count++;
    gk->last_checked_ms = now;
    return KSSIM_OK;
}

kssim_result sim_gatekeeper_refuse_wrong_secret(sim_secure_world *sw)
{
    sim_gatekeeper *gk = &sw->gatekeeper;
    const char *name = credential_name(gk->type);
    char wait[SIM_DURATION_TEXT_MAX];
    uint64_t timeout = sim_gatekeeper_retry_timeout_ms(gk->failure_count);

    if (timeout > 0)
        return sim_refuse(sw->env, KSSIM_RETRY_TIMEOUT,
                          "wrong %s; too many wrong attempts (%u): wait %s (virtual time: advance the clock), then "
                          "try again",
                          name, gk->failure_count, sim_duration_text(timeout, wait));

    /* The schedule never has more than four plain failures in a row, so this ends within five steps. */
    uint32_t next_wait_at = gk->failure_count + 1;
    while (sim_gatekeeper_retry_timeout_ms(next_wait_at) == 0)
        next_wait_at++;
    uint32_t left = next_wait_at - gk->failure_count;
    return sim_refuse(sw->env, KSSIM_WRONG_CREDENTIAL, "wrong %s; %u attempt%s left before a %s wait", name, left,
                      left == 1 ? "" : "s", sim_duration_text(sim_gatekeeper_retry_timeout_ms(next_wait_at), wait));
}

void sim_gatekeeper_clear_failures(sim_gatekeeper *gatekeeper)
{
    gatekeeper->failure_count = 0;
    gatekeeper->last_checked_ms = 0;
}
