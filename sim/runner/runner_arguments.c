/*
 * runner_arguments.c - reading a validated step's arguments as the values device calls take.
 *
 * The parser has already checked presence and types, so these helpers only pick values and fill in
 * the format's defaults.
 */
#include "runner/runner_internal.h"

const char *runner_text(const scenario_step *step, scenario_key key)
{
    const scenario_arg *arg = scenario_step_find(step, key);
    return arg != NULL ? arg->text : NULL;
}

uint64_t runner_number(const scenario_step *step, scenario_key key, uint64_t fallback)
{
    const scenario_arg *arg = scenario_step_find(step, key);
    return arg != NULL ? arg->number : fallback;
}

void runner_data(const scenario_step *step, const uint8_t **data, size_t *length)
{
    const scenario_arg *arg = scenario_step_find(step, SCENARIO_KEY_DATA);
    if (arg == NULL)
        arg = scenario_step_find(step, SCENARIO_KEY_DATA_HEX);
    *data = arg != NULL ? (const uint8_t *)arg->text : (const uint8_t *)"";
    *length = arg != NULL ? arg->length : 0;
}

void runner_op_params(const scenario_step *step, kssim_op_params *params)
{
    params->digest = (uint32_t)runner_number(step, SCENARIO_KEY_DIGEST, 0);
    params->padding = (uint32_t)runner_number(step, SCENARIO_KEY_PADDING, 0);
    params->block_mode = (uint32_t)runner_number(step, SCENARIO_KEY_BLOCK_MODE, 0);
    params->nonce = NULL;
    params->nonce_len = 0;
}

uint64_t runner_challenge(const runner_context *context, const scenario_step *step)
{
    const scenario_arg *arg = scenario_step_find(step, SCENARIO_KEY_CHALLENGE);
    if (arg == NULL)
        return 0;
    if (arg->kind == SCENARIO_VALUE_NAME)
        return context->slots[arg->number].operation.challenge;
    return arg->number;
}

runner_slot *runner_slot_of(runner_context *context, const scenario_step *step, scenario_key key)
{
    const scenario_arg *arg = scenario_step_find(step, key);
    if (arg == NULL || arg->kind != SCENARIO_VALUE_NAME || arg->number >= context->scenario->slot_count)
        return NULL;
    return &context->slots[arg->number];
}
