/*
 * runner_steps_operations.c - keystore operations step by step: begin, update, finish and abort,
 * with the operation, its challenge and its output kept under `as:` names.
 */
#include <stdio.h>
#include <string.h>

#include "runner/runner_internal.h"

kssim_result runner_step_begin(runner_context *context, const scenario_step *step)
{
    kssim_op_params params;
    runner_op_params(step, &params);
    runner_slot *ciphertext = runner_slot_of(context, step, SCENARIO_KEY_CIPHERTEXT);
    if (ciphertext != NULL)
        runner_ciphertext_nonce(ciphertext, &params);
    uint32_t purpose = (uint32_t)runner_number(step, SCENARIO_KEY_PURPOSE, 0);
    kssim_operation operation;
    memset(&operation, 0, sizeof(operation));
    kssim_result result =
        kssim_begin(context->device, runner_text(step, SCENARIO_KEY_KEY), purpose, &params, &operation);
    runner_slot *saved = runner_slot_of(context, step, SCENARIO_KEY_AS);
    if (saved != NULL && result == KSSIM_OK) {
        saved->operation = operation;
        saved->purpose = purpose;
        saved->produced = true;
        saved->ciphertext_slot = ciphertext != NULL ? (long)(ciphertext - context->slots) : -1;
    }
    return result;
}

kssim_result runner_step_update(runner_context *context, const scenario_step *step)
{
    runner_slot *operation = runner_slot_of(context, step, SCENARIO_KEY_OP);
    const uint8_t *data;
    size_t length;
    runner_data(step, &data, &length);
    operation->fed_by_update = true;
    kssim_result result = kssim_update(context->device, operation->operation.handle, data, length);
    if (result == KSSIM_OK && operation->purpose == KSSIM_PURPOSE_ENCRYPT &&
        !runner_bytes_set(&operation->plaintext, &operation->plaintext_length, operation->plaintext,
                          operation->plaintext_length, data, length))
        return KSSIM_SYSTEM_ERROR;
    return result;
}

static bool has_data(const scenario_step *step)
{
    return scenario_step_find(step, SCENARIO_KEY_DATA) != NULL ||
           scenario_step_find(step, SCENARIO_KEY_DATA_HEX) != NULL;
}

/* Keeps finish's output under its as: name: an encrypt operation's as the ciphertext decrypt expects
 * (nonce || output, with the plaintext that went in). */
static bool save_finish_output(runner_slot *operation, runner_slot *saved, const uint8_t *data, size_t length,
                               const uint8_t *out, size_t out_length)
{
    saved->produced = true;
    if (operation->purpose != KSSIM_PURPOSE_ENCRYPT)
        return runner_bytes_set(&saved->bytes, &saved->length, out, out_length, NULL, 0);
    saved->nonce_length = operation->operation.nonce_len;
    return runner_bytes_set(&saved->bytes, &saved->length, operation->operation.nonce, operation->operation.nonce_len,
                            out, out_length) &&
           runner_bytes_set(&saved->plaintext, &saved->plaintext_length, operation->plaintext,
                            operation->plaintext_length, data, length);
}

kssim_result runner_step_finish(runner_context *context, const scenario_step *step)
{
    runner_slot *operation = runner_slot_of(context, step, SCENARIO_KEY_OP);
    const uint8_t *data;
    size_t length;
    runner_data(step, &data, &length);
    /* A decrypt operation begun with a ciphertext, given no data, decrypts that ciphertext's body. */
    const runner_slot *ciphertext = NULL;
    if (!has_data(step) && !operation->fed_by_update && operation->ciphertext_slot >= 0) {
        ciphertext = &context->slots[operation->ciphertext_slot];
        runner_ciphertext_body(ciphertext, &data, &length);
    }
    const runner_slot *signature = runner_slot_of(context, step, SCENARIO_KEY_SIGNATURE);
    uint8_t *out = NULL;
    size_t out_length = 0;
    kssim_result result = kssim_finish(context->device, operation->operation.handle, data, length,
                                       signature != NULL ? signature->bytes : NULL,
                                       signature != NULL ? signature->length : 0, &out, &out_length);
    if (result == KSSIM_OK && ciphertext != NULL &&
        (out_length != ciphertext->plaintext_length ||
         (out_length > 0 && memcmp(out, ciphertext->plaintext, out_length) != 0))) {
        snprintf(context->note, sizeof(context->note),
                 "the decrypted plaintext (%zu bytes) differs from what was encrypted (%zu bytes)", out_length,
                 ciphertext->plaintext_length);
        result = KSSIM_VERIFICATION_FAILED;
    }
    runner_slot *saved = runner_slot_of(context, step, SCENARIO_KEY_AS);
    if (result == KSSIM_OK && saved != NULL && !save_finish_output(operation, saved, data, length, out, out_length))
        result = KSSIM_SYSTEM_ERROR;
    kssim_free(out);
    return result;
}

kssim_result runner_step_abort(runner_context *context, const scenario_step *step)
{
    const runner_slot *operation = runner_slot_of(context, step, SCENARIO_KEY_OP);
    return kssim_abort(context->device, operation->operation.handle);
}
