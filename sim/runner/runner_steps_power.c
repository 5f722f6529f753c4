/*
 * runner_steps_power.c - the steps that move the clocks and the power state: advance,
 * set_wall_clock, reboot, lock and unlock (with the credential, a biometric or a trust agent).
 */
#include "runner/runner_internal.h"

kssim_result runner_step_advance(runner_context *context, const scenario_step *step)
{
    return kssim_advance(context->device, runner_number(step, SCENARIO_KEY_VALUE, 0));
}

kssim_result runner_step_set_wall_clock(runner_context *context, const scenario_step *step)
{
    const scenario_arg *value = scenario_step_find(step, SCENARIO_KEY_VALUE);
    return kssim_set_wall_clock(context->device, value->time_ms);
}

kssim_result runner_step_reboot(runner_context *context, const scenario_step *step)
{
    (void)step;
    return kssim_reboot(context->device);
}

kssim_result runner_step_lock(runner_context *context, const scenario_step *step)
{
    if (runner_number(step, SCENARIO_KEY_TRUST_AGENT, 0) != 0)
        return kssim_lock_with_trust_agent(context->device);
    return kssim_lock(context->device);
}

/* unlock: {secret: S} | {biometric: ID} | {trust_agent: true} | {} (no lock screen). */
kssim_result runner_step_unlock(runner_context *context, const scenario_step *step)
{
    if (scenario_step_find(step, SCENARIO_KEY_BIOMETRIC) != NULL)
        return kssim_unlock_with_biometric(context->device, (uint32_t)runner_number(step, SCENARIO_KEY_BIOMETRIC, 0));
    if (runner_number(step, SCENARIO_KEY_TRUST_AGENT, 0) != 0)
        return kssim_unlock_with_trust_agent(context->device);
    return kssim_unlock(context->device, runner_text(step, SCENARIO_KEY_SECRET));
}
