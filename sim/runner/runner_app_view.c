/*
 * runner_app_view.c - which app call a scenario step stands for, so that the transcript can name the
 * Java exception (or callback) the app sees for the step's result (sim/framework/app_view.c).
 */
#include <string.h>

#include "runner/runner_internal.h"

/* The key a step works on: its own key: argument, or for update/finish the key its operation was begun on. */
static const char *key_of(const runner_context *context, const scenario_step *step)
{
    const char *key = runner_text(step, SCENARIO_KEY_KEY);
    if (key != NULL)
        return key;
    const scenario_arg *op = scenario_step_find(step, SCENARIO_KEY_OP);
    if (op == NULL || op->kind != SCENARIO_VALUE_NAME || op->number >= context->scenario->slot_count)
        return NULL;
    size_t begun = context->scenario->slots[op->number].step_index;
    return begun < context->scenario->step_count ? runner_text(&context->scenario->steps[begun], SCENARIO_KEY_KEY)
                                                 : NULL;
}

static uint32_t purpose_of(const runner_context *context, const scenario_step *step)
{
    switch (step->action) {
    case SCENARIO_ACTION_SIGN:
        return KSSIM_PURPOSE_SIGN;
    case SCENARIO_ACTION_VERIFY:
        return KSSIM_PURPOSE_VERIFY;
    case SCENARIO_ACTION_ENCRYPT:
        return KSSIM_PURPOSE_ENCRYPT;
    case SCENARIO_ACTION_DECRYPT:
        return KSSIM_PURPOSE_DECRYPT;
    case SCENARIO_ACTION_BEGIN:
        return (uint32_t)runner_number(step, SCENARIO_KEY_PURPOSE, 0);
    default: {
        const scenario_arg *op = scenario_step_find(step, SCENARIO_KEY_OP);
        if (op != NULL && op->kind == SCENARIO_VALUE_NAME && op->number < context->scenario->slot_count)
            return context->scenario->slots[op->number].purpose;
        return 0;
    }
    }
}

static app_view_stage stage_of(const runner_context *context, const scenario_step *step)
{
    switch (step->action) {
    case SCENARIO_ACTION_GENERATE_KEY:
        return APP_VIEW_KEY_GENERATION;
    case SCENARIO_ACTION_IMPORT_KEY:
        return APP_VIEW_KEY_IMPORT;
    case SCENARIO_ACTION_DELETE_KEY:
        return APP_VIEW_KEY_DELETE;
    case SCENARIO_ACTION_BEGIN:
        return APP_VIEW_OPERATION_INIT;
    case SCENARIO_ACTION_UPDATE:
        return APP_VIEW_OPERATION_UPDATE;
    case SCENARIO_ACTION_FINISH:
        return APP_VIEW_OPERATION_FINISH;
    case SCENARIO_ACTION_ABORT:
        return APP_VIEW_OPERATION_ABORT;
    case SCENARIO_ACTION_SIGN:
    case SCENARIO_ACTION_DECRYPT:
        /* begin + finish in one step: which of the two refused decides the call. */
        return context->refused_in_finish ? APP_VIEW_OPERATION_FINISH : APP_VIEW_OPERATION_INIT;
    case SCENARIO_ACTION_ENCRYPT:
        /* kssim_encrypt does not say which half refused; every refusal it gives is an init-time check. */
        return APP_VIEW_OPERATION_INIT;
    case SCENARIO_ACTION_VERIFY:
        return APP_VIEW_SIGNATURE_VERIFY;
    case SCENARIO_ACTION_VERIFY_CREDENTIAL:
    case SCENARIO_ACTION_UNLOCK:
        return APP_VIEW_LOCK_SCREEN;
    case SCENARIO_ACTION_AUTHENTICATE_BIOMETRIC:
    case SCENARIO_ACTION_CALLBACK_WITHOUT_CRYPTO:
    case SCENARIO_ACTION_PROMPT:
        return APP_VIEW_BIOMETRIC_PROMPT;
    default:
        return APP_VIEW_NO_APP_CALL;
    }
}

void runner_app_view(const runner_context *context, const scenario_step *step, kssim_result result, app_view *out)
{
    app_view_request request;
    memset(&request, 0, sizeof(request));
    request.stage = stage_of(context, step);
    request.result = result;
    request.api_level = context->api_level;
    request.purpose = purpose_of(context, step);
    if (step->action == SCENARIO_ACTION_GENERATE_KEY || step->action == SCENARIO_ACTION_IMPORT_KEY) {
        request.algorithm = (kssim_algorithm)runner_number(step, SCENARIO_KEY_ALGORITHM, KSSIM_ALGORITHM_EC);
    } else {
        const char *key = key_of(context, step);
        kssim_key_info info;
        if (key != NULL && kssim_key_info_get(context->device, key, &info) == KSSIM_OK)
            request.algorithm = info.spec.algorithm;
    }
    app_view_of(&request, out);
}
