/*
 * runner_steps_crypto.c - the one-step cryptographic operations: sign, verify, encrypt and decrypt.
 *
 * sign and decrypt are begin + finish as an app's Signature/Cipher object does them; when finish is
 * refused the operation is aborted, as the framework does, so no operation is left behind. verify and
 * encrypt go through the device's own one-step calls, which know which keys the framework handles in
 * software.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ecdsa_encoding.h"
#include "runner/runner_internal.h"
#include "runner/scenario_words.h"

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

/* encoding: p1363 (sign, verify) is for ec keys: their curve's size in *curve_bits. Another key is
 * INVALID_ARGUMENT with a sentence, before the key is used; a key that cannot be looked up is left to
 * the operation (curve 0), which refuses it in the device's words. JWS ES256/384/512 carry r || s
 * (RFC 7518 section 3.4); Android's Signature returns DER (docs/jws.md). */
static kssim_result p1363_curve(runner_context *context, const scenario_step *step, uint32_t *curve_bits)
{
    *curve_bits = 0;
    kssim_key_info info;
    memset(&info, 0, sizeof(info));
    const char *alias = runner_text(step, SCENARIO_KEY_KEY);
    if (kssim_key_info_get(context->device, alias, &info) != KSSIM_OK)
        return KSSIM_OK;
    if (info.spec.algorithm != KSSIM_ALGORITHM_EC) {
        snprintf(context->note, sizeof(context->note),
                 "encoding: p1363 is for ECDSA signatures (ES256, ES384, ES512) and key '%s' is not an ec key: "
                 "leave encoding out (der) for it",
                 alias);
        return KSSIM_INVALID_ARGUMENT;
    }
    *curve_bits = info.spec.size != 0 ? info.spec.size : 256;
    return KSSIM_OK;
}

static bool wants_p1363(const scenario_step *step)
{
    return runner_number(step, SCENARIO_KEY_ENCODING, SCENARIO_ENCODING_DER) == SCENARIO_ENCODING_P1363;
}

kssim_result runner_step_sign(runner_context *context, const scenario_step *step)
{
    uint32_t curve_bits = 0;
    if (wants_p1363(step)) {
        kssim_result checked = p1363_curve(context, step, &curve_bits);
        if (checked != KSSIM_OK)
            return checked;
    }
    kssim_op_params params;
    runner_op_params(step, &params);
    const uint8_t *data;
    size_t length;
    runner_data(step, &data, &length);
    one_shot shot = run_one_shot(context, step, KSSIM_PURPOSE_SIGN, &params, data, length);
    uint8_t raw[132]; /* the longest r || s: P-521 */
    const uint8_t *signature = shot.out;
    size_t signature_length = shot.out_length;
    if (shot.result == KSSIM_OK && wants_p1363(step)) {
        /* The device signed in DER, as on Android; the conversion cannot fail for its own signature. */
        signature_length = ecdsa_p1363_length(curve_bits);
        if (signature_length == 0 || signature_length > sizeof(raw) ||
            !ecdsa_der_to_p1363(shot.out, shot.out_length, curve_bits, raw))
            shot.result = KSSIM_SYSTEM_ERROR;
        signature = raw;
    }
    runner_slot *saved = runner_slot_of(context, step, SCENARIO_KEY_AS);
    if (shot.result == KSSIM_OK && saved != NULL) {
        saved->produced = true;
        if (!runner_bytes_set(&saved->bytes, &saved->length, signature, signature_length, NULL, 0))
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
    if (!wants_p1363(step))
        return kssim_verify(context->device, runner_text(step, SCENARIO_KEY_KEY), &params, data, length,
                            signature->bytes, signature->length);
    uint32_t curve_bits = 0;
    kssim_result result = p1363_curve(context, step, &curve_bits);
    if (result != KSSIM_OK)
        return result;
    uint8_t *der = NULL;
    size_t der_length = 0;
    /* Bytes that are not r || s of this curve are no signature of this key, as a JWS verifier concludes. */
    if (curve_bits != 0 && !ecdsa_p1363_to_der(signature->bytes, signature->length, curve_bits, &der, &der_length))
        return KSSIM_VERIFICATION_FAILED;
    result = kssim_verify(context->device, runner_text(step, SCENARIO_KEY_KEY), &params, data, length,
                          der != NULL ? der : signature->bytes, der != NULL ? der_length : signature->length);
    free(der);
    return result;
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
