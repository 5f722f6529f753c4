/*
 * runner_steps_credential.c - the lock-screen steps (Gatekeeper): set, change, reset, remove and
 * verify a credential.
 */
#include "runner/runner_internal.h"

kssim_result runner_step_set_credential(runner_context *context, const scenario_step *step)
{
    kssim_credential_type type = (kssim_credential_type)runner_number(step, SCENARIO_KEY_TYPE, KSSIM_CREDENTIAL_PIN);
    return kssim_set_credential(context->device, type, runner_text(step, SCENARIO_KEY_SECRET));
}

kssim_result runner_step_change_credential(runner_context *context, const scenario_step *step)
{
    return kssim_change_credential(context->device, runner_text(step, SCENARIO_KEY_OLD),
                                   runner_text(step, SCENARIO_KEY_NEW));
}

kssim_result runner_step_reset_credential(runner_context *context, const scenario_step *step)
{
    return kssim_reset_credential(context->device, runner_text(step, SCENARIO_KEY_NEW));
}

kssim_result runner_step_remove_credential(runner_context *context, const scenario_step *step)
{
    return kssim_remove_credential(context->device, runner_text(step, SCENARIO_KEY_OLD));
}

kssim_result runner_step_verify_credential(runner_context *context, const scenario_step *step)
{
    kssim_auth_token token = {0};
    kssim_result result = kssim_verify_credential(context->device, runner_text(step, SCENARIO_KEY_SECRET),
                                                  runner_challenge(context, step), &token);
    runner_slot *saved = runner_slot_of(context, step, SCENARIO_KEY_AS);
    if (saved != NULL && result == KSSIM_OK) {
        saved->token = token;
        saved->produced = true;
    }
    return result;
}
