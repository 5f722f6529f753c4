/*
 * runner_slots.c - the memory behind values saved with `as:` (signatures, ciphertexts, outputs).
 */
#include <stdlib.h>
#include <string.h>

#include "runner/runner_internal.h"

bool runner_bytes_set(uint8_t **bytes, size_t *length, const uint8_t *first, size_t first_length, const uint8_t *second,
                      size_t second_length)
{
    uint8_t *joined = malloc(first_length + second_length + 1);
    if (joined == NULL)
        return false;
    if (first_length > 0)
        memcpy(joined, first, first_length);
    if (second_length > 0)
        memcpy(joined + first_length, second, second_length);
    free(*bytes);
    *bytes = joined;
    *length = first_length + second_length;
    return true;
}

void runner_slots_free(runner_slot *slots, size_t count)
{
    if (slots == NULL)
        return;
    for (size_t i = 0; i < count; i++) {
        free(slots[i].bytes);
        free(slots[i].plaintext);
        kssim_snapshot_free(slots[i].snapshot);
    }
    free(slots);
}

void runner_ciphertext_body(const runner_slot *ciphertext, const uint8_t **body, size_t *length)
{
    *body = ciphertext->bytes != NULL ? ciphertext->bytes + ciphertext->nonce_length : (const uint8_t *)"";
    *length = ciphertext->bytes != NULL ? ciphertext->length - ciphertext->nonce_length : 0;
}

void runner_ciphertext_nonce(const runner_slot *ciphertext, kssim_op_params *params)
{
    params->nonce = ciphertext->nonce_length > 0 ? ciphertext->bytes : NULL;
    params->nonce_len = ciphertext->nonce_length;
}

kssim_result runner_keep_refusal(runner_context *context, kssim_result result)
{
    if (result != KSSIM_OK && context->note[0] == '\0') {
        const char *message = kssim_device_message(context->device);
        size_t length = strlen(message);
        if (length >= sizeof(context->note))
            length = sizeof(context->note) - 1;
        memcpy(context->note, message, length);
        context->note[length] = '\0';
    }
    return result;
}
