/*
 * runner_steps_power.c - the steps that move the clocks and the power state: advance,
 * set_wall_clock, reboot, lock and unlock.
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
    (void)step;
    return kssim_lock(context->device);
}

kssim_result runner_step_unlock(runner_context *context, const scenario_step *step)
{
    return kssim_unlock(context->device, runner_text(step, SCENARIO_KEY_SECRET));
}
