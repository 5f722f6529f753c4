/*
 * runner_steps_attacks.c - what an attacker with a compromised HAL or a captured token can do:
 * forge_token, replay_token and tamper_key_blob.
 */
#include <string.h>

#include "runner/runner_internal.h"
#include "runner/scenario_words.h"

/* sid: root, biometric (the fingerprint authenticator ID, else the face one) or a number; by
 * default the one the token type carries. */
static kssim_result resolve_sid(runner_context *context, const scenario_step *step, uint32_t type, uint64_t *sid)
{
    const scenario_arg *arg = scenario_step_find(step, SCENARIO_KEY_SID);
    if (arg != NULL && arg->kind == SCENARIO_VALUE_NUMBER) {
        *sid = arg->number;
        return KSSIM_OK;
    }
    uint64_t symbol = arg != NULL                               ? arg->number
                      : type == KSSIM_AUTHENTICATOR_FINGERPRINT ? SCENARIO_SID_BIOMETRIC
                                                                : SCENARIO_SID_ROOT;
    kssim_status status;
    memset(&status, 0, sizeof(status));
    kssim_result result = kssim_status_get(context->device, &status);
    if (result != KSSIM_OK)
        return result;
    if (symbol == SCENARIO_SID_ROOT)
        *sid = status.root_sid;
    else if (status.authenticator_ids[KSSIM_MODALITY_FINGERPRINT] != 0)
        *sid = status.authenticator_ids[KSSIM_MODALITY_FINGERPRINT];
    else
        *sid = status.authenticator_ids[KSSIM_MODALITY_FACE];
    return KSSIM_OK;
}

kssim_result runner_step_forge_token(runner_context *context, const scenario_step *step)
{
    uint32_t type = (uint32_t)runner_number(step, SCENARIO_KEY_TYPE, KSSIM_AUTHENTICATOR_PASSWORD);
    uint64_t sid = 0;
    kssim_result result = resolve_sid(context, step, type, &sid);
    if (result != KSSIM_OK)
        return result;
    kssim_auth_token token;
    memset(&token, 0, sizeof(token));
    result = kssim_forge_token(context->device, type, sid, runner_challenge(context, step),
                               runner_number(step, SCENARIO_KEY_AGE, 0),
                               (kssim_forged_mac)runner_number(step, SCENARIO_KEY_MAC, KSSIM_MAC_VALID), &token);
    runner_slot *saved = runner_slot_of(context, step, SCENARIO_KEY_AS);
    if (saved != NULL && result == KSSIM_OK) {
        saved->token = token;
        saved->produced = true;
    }
    return result;
}

kssim_result runner_step_replay_token(runner_context *context, const scenario_step *step)
{
    const runner_slot *token = runner_slot_of(context, step, SCENARIO_KEY_VALUE);
    return kssim_inject_token(context->device, &token->token);
}

kssim_result runner_step_tamper_key_blob(runner_context *context, const scenario_step *step)
{
    return kssim_tamper_key_blob(context->device, runner_text(step, SCENARIO_KEY_ALIAS),
                                 (kssim_blob_field)runner_number(step, SCENARIO_KEY_FIELD, KSSIM_BLOB_KEY_MATERIAL));
}
