/*
 * runner_steps_crypto.c - the one-step cryptographic operations: sign, verify, encrypt and decrypt.
 *
 * sign and decrypt are begin + finish as an app's Signature/Cipher object does them; when finish is
 * refused the operation is aborted, as the framework does, so no operation is left behind. verify and
 * encrypt go through the device's own one-step calls, which know which keys the framework handles in
 * software.
 */
#include <stdio.h>
#include <string.h>

#include "runner/runner_internal.h"

typedef struct one_shot {
    kssim_result result;
    kssim_operation operation;
    uint8_t *out;
    size_t out_length;
} one_shot;

static one_shot run_one_shot(runner_context *context, const scenario_step *step, uint32_t purpose,
                             const kssim_op_params *params, const uint8_t *data, size_t length)
{
    one_shot shot;
    memset(&shot, 0, sizeof(shot));
    shot.result = kssim_begin(context->device, runner_text(step, SCENARIO_KEY_KEY), purpose, params, &shot.operation);
    if (shot.result != KSSIM_OK)
        return shot;
    shot.result =
        kssim_finish(context->device, shot.operation.handle, data, length, NULL, 0, &shot.out, &shot.out_length);
    if (shot.result != KSSIM_OK) {
        context->refused_in_finish = true;
        runner_keep_refusal(context, shot.result);
        kssim_abort(context->device, shot.operation.handle);
    }
    return shot;
}

kssim_result runner_step_sign(runner_context *context, const scenario_step *step)
{
    kssim_op_params params;
    runner_op_params(step, &params);
    const uint8_t *data;
    size_t length;
    runner_data(step, &data, &length);
    one_shot shot = run_one_shot(context, step, KSSIM_PURPOSE_SIGN, &params, data, length);
    runner_slot *saved = runner_slot_of(context, step, SCENARIO_KEY_AS);
    if (shot.result == KSSIM_OK && saved != NULL) {
        saved->produced = true;
        if (!runner_bytes_set(&saved->bytes, &saved->length, shot.out, shot.out_length, NULL, 0))
            shot.result = KSSIM_SYSTEM_ERROR;
    }
    kssim_free(shot.out);
    return shot.result;
}

kssim_result runner_step_verify(runner_context *context, const scenario_step *step)
{
    kssim_op_params params;
    runner_op_params(step, &params);
    const uint8_t *data;
    size_t length;
    runner_data(step, &data, &length);
    const runner_slot *signature = runner_slot_of(context, step, SCENARIO_KEY_SIGNATURE);
    return kssim_verify(context->device, runner_text(step, SCENARIO_KEY_KEY), &params, data, length, signature->bytes,
                        signature->length);
}

/* kssim_encrypt does what the app's Cipher does: RSA encrypts with the public key outside the
 * keystore, AES runs a keystore operation; either way the output is nonce || ciphertext. */
kssim_result runner_step_encrypt(runner_context *context, const scenario_step *step)
{
    kssim_op_params params;
    runner_op_params(step, &params);
    const uint8_t *data;
    size_t length;
    runner_data(step, &data, &length);
    uint8_t *out = NULL;
    size_t out_length = 0, nonce_length = 0;
    kssim_result result = kssim_encrypt(context->device, runner_text(step, SCENARIO_KEY_KEY), &params, data, length,
                                        &out, &out_length, &nonce_length);
    runner_slot *saved = runner_slot_of(context, step, SCENARIO_KEY_AS);
    if (result == KSSIM_OK && saved != NULL) {
        saved->produced = true;
        saved->nonce_length = nonce_length;
        if (!runner_bytes_set(&saved->bytes, &saved->length, out, out_length, NULL, 0) ||
            !runner_bytes_set(&saved->plaintext, &saved->plaintext_length, data, length, NULL, 0))
            result = KSSIM_SYSTEM_ERROR;
    }
    kssim_free(out);
    return result;
}

kssim_result runner_step_decrypt(runner_context *context, const scenario_step *step)
{
    kssim_op_params params;
    runner_op_params(step, &params);
    const runner_slot *ciphertext = runner_slot_of(context, step, SCENARIO_KEY_CIPHERTEXT);
    runner_ciphertext_nonce(ciphertext, &params);
    const uint8_t *body;
    size_t length;
    runner_ciphertext_body(ciphertext, &body, &length);
    one_shot shot = run_one_shot(context, step, KSSIM_PURPOSE_DECRYPT, &params, body, length);
    if (shot.result == KSSIM_OK &&
        (shot.out_length != ciphertext->plaintext_length ||
         (shot.out_length > 0 && memcmp(shot.out, ciphertext->plaintext, shot.out_length) != 0))) {
        snprintf(context->note, sizeof(context->note),
                 "the decrypted plaintext (%zu bytes) differs from what was encrypted (%zu bytes)", shot.out_length,
                 ciphertext->plaintext_length);
        shot.result = KSSIM_VERIFICATION_FAILED;
    }
    kssim_free(shot.out);
    return shot.result;
}
