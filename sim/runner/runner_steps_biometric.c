/*
 * runner_steps_biometric.c - the biometric steps: enroll, remove, authenticate, and the event-bound
 * bypass (a success callback with no authentication behind it), and arming the system prompt.
 */
#include "runner/runner_internal.h"

kssim_result runner_step_enroll_biometric(runner_context *context, const scenario_step *step)
{
    return kssim_enroll_biometric(
        context->device, (uint32_t)runner_number(step, SCENARIO_KEY_ID, 0),
        (kssim_modality)runner_number(step, SCENARIO_KEY_MODALITY, KSSIM_MODALITY_FINGERPRINT),
        (kssim_biometric_class)runner_number(step, SCENARIO_KEY_CLASS, KSSIM_BIOMETRIC_STRONG));
}

kssim_result runner_step_remove_biometric(runner_context *context, const scenario_step *step)
{
    return kssim_remove_biometric(context->device, (uint32_t)runner_number(step, SCENARIO_KEY_ID, 0));
}

kssim_result runner_step_authenticate_biometric(runner_context *context, const scenario_step *step)
{
    kssim_auth_token token = {0};
    kssim_result result = kssim_authenticate_biometric(
        context->device, (uint32_t)runner_number(step, SCENARIO_KEY_ID, 0), runner_challenge(context, step), &token);
    runner_slot *saved = runner_slot_of(context, step, SCENARIO_KEY_AS);
    /* A weak match succeeds without a token; the name then holds an empty one, as the app would. */
    if (saved != NULL && result == KSSIM_OK) {
        saved->token = token;
        saved->produced = true;
    }
    return result;
}

kssim_result runner_step_callback_without_crypto(runner_context *context, const scenario_step *step)
{
    (void)step;
    return kssim_callback_without_crypto(context->device);
}

kssim_result runner_step_prompt(runner_context *context, const scenario_step *step)
{
    return kssim_prompt_arm(context->device,
                            (kssim_prompt_response)runner_number(step, SCENARIO_KEY_RESPOND, KSSIM_PROMPT_NONE),
                            (uint32_t)runner_number(step, SCENARIO_KEY_ID, 0), runner_text(step, SCENARIO_KEY_SECRET),
                            (uint32_t)runner_number(step, SCENARIO_KEY_TIMES, 1));
}
