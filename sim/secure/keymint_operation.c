/*
 * keymint_operation.c - IKeyMintOperation update, finish and abort.
 *
 * update only accumulates its input (no output until finish, which is how the simulator's callers
 * use every operation); finish runs the whole computation. ECDSA and RSA signing with a digest hash
 * their input as it arrives instead (keymint_signing_update), so only inputs that must be kept whole
 * (digest none, Ed25519, HMAC, ciphers, key agreement) are bounded by KEYMINT_MAX_OPERATION_INPUT. A per-operation
 * key's update and finish each need a token carrying the operation's challenge; the same token serves them all
 * (AuthTest.cpp AuthPerOperation; operation.rs check_subsequent_auth checks on every invocation).
 *
 * Any error ends the operation, the missing or wrong token included: the reference TA's
 * with_authed_operation destroys an operation whose step failed, and keystore2 treats every error of
 * an operation as its end (operation.rs update_outcome). keystore2 holds back a call that has no token
 * yet, so a caller still waiting for the user keeps its operation.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "secure/keymint_internal.h"

static kssim_result refuse_unknown_handle(sim_env *env, uint64_t handle)
{
    return sim_refuse(env, KSSIM_INVALID_OPERATION_HANDLE,
                      "KeyMint has no operation 0x%016llx: it finished, was aborted, failed or was lost in a reboot; "
                      "begin a new one",
                      (unsigned long long)handle);
}

/* Appends data to what the operation will process at finish; the old buffer is wiped, since it may
 * hold plaintext. */
static kssim_result append_input(sim_env *env, keymint_operation *op, const uint8_t *data, size_t len)
{
    if (len == 0)
        return KSSIM_OK;
    if (data == NULL)
        return sim_refuse(env, KSSIM_INVALID_ARGUMENT, "the operation was given a length but no data");
    if (keymint_streams_input(op))
        return keymint_signing_update(env, op, data, len);
    if (len > KEYMINT_MAX_OPERATION_INPUT - op->input_len && op->purpose == KSSIM_PURPOSE_SIGN &&
        (op->choice.digest == KSSIM_DIGEST_NONE || op->auth.algorithm == KSSIM_ALGORITHM_ED25519))
        return sim_refuse(env, KSSIM_INVALID_ARGUMENT,
                          "a signature without a digest (or an Ed25519 one) takes at most %zu bytes of data, kept "
                          "whole until finish: sign a digest of the data, or sign with a digest",
                          KEYMINT_MAX_OPERATION_INPUT);
    if (len > KEYMINT_MAX_OPERATION_INPUT - op->input_len)
        return sim_refuse(env, KSSIM_INVALID_ARGUMENT,
                          "an operation takes at most %zu bytes in all: split the work into several operations",
                          KEYMINT_MAX_OPERATION_INPUT);
    if (op->input_len + len > op->input_capacity) {
        size_t capacity = op->input_capacity ? op->input_capacity : 256;
        while (capacity < op->input_len + len)
            capacity *= 2;
        uint8_t *grown = malloc(capacity);
        if (grown == NULL)
            return sim_refuse(env, KSSIM_SYSTEM_ERROR, "out of memory for the operation's input");
        if (op->input != NULL) {
            memcpy(grown, op->input, op->input_len);
            OPENSSL_cleanse(op->input, op->input_capacity);
            free(op->input);
        }
        op->input = grown;
        op->input_capacity = capacity;
    }
    memcpy(op->input + op->input_len, data, len);
    op->input_len += len;
    return KSSIM_OK;
}

/* The per-operation token and the new input, as update and finish both take them. */
static kssim_result continue_operation(sim_secure_world *sw, keymint_operation *op, const uint8_t *data, size_t len,
                                       const kssim_auth_token *auth_token)
{
    kssim_result r = KSSIM_OK;
    if (op->needs_per_op_auth)
        r = keymint_check_per_operation_token(sw, op, auth_token);
    if (r == KSSIM_OK)
        r = append_input(sw->env, op, data, len);
    return r;
}

kssim_result sim_keymint_update(sim_secure_world *sw, uint64_t handle, const uint8_t *data, size_t len,
                                const kssim_auth_token *auth_token)
{
    keymint_operation *op = keymint_find_operation(sw->keymint, handle);
    if (op == NULL)
        return refuse_unknown_handle(sw->env, handle);
    kssim_result r = continue_operation(sw, op, data, len, auth_token);
    if (r != KSSIM_OK)
        keymint_release_operation(op);
    return r;
}

static kssim_result compute(sim_secure_world *sw, keymint_operation *op, const uint8_t *signature, size_t signature_len,
                            uint8_t **out, size_t *out_len)
{
    switch (op->auth.algorithm) {
    case KSSIM_ALGORITHM_HMAC:
        return keymint_hmac_finish(sw->env, op, signature, signature_len, out, out_len);
    case KSSIM_ALGORITHM_AES:
        return keymint_aes_finish(sw->env, op, out, out_len);
    case KSSIM_ALGORITHM_RSA:
        if (op->purpose == KSSIM_PURPOSE_DECRYPT)
            return keymint_rsa_decrypt(sw->env, op, out, out_len);
        return keymint_sign_asymmetric(sw->env, op, out, out_len);
    case KSSIM_ALGORITHM_EC:
        if (op->purpose == KSSIM_PURPOSE_AGREE_KEY)
            return keymint_ec_agree(sw->env, op, out, out_len);
        return keymint_sign_asymmetric(sw->env, op, out, out_len);
    case KSSIM_ALGORITHM_ED25519:
        return keymint_sign_asymmetric(sw->env, op, out, out_len);
    }
    return sim_refuse(sw->env, KSSIM_SYSTEM_ERROR, "the operation has an algorithm KeyMint does not run");
}

/* Finish: the result into *out, or, with deferred, into a deferred output (the signature of ECDSA and RSA
 * with a digest left unmade: keymint_deferred_output.c). */
static kssim_result finish(sim_secure_world *sw, uint64_t handle, const uint8_t *data, size_t len,
                           const uint8_t *signature, size_t signature_len, const kssim_auth_token *auth_token,
                           uint8_t **out, size_t *out_len, kssim_deferred_output **deferred)
{
    keymint_operation *op = keymint_find_operation(sw->keymint, handle);
    if (op == NULL)
        return refuse_unknown_handle(sw->env, handle);
    uint8_t *result = NULL;
    size_t result_len = 0;
    kssim_result r = continue_operation(sw, op, data, len, auth_token);
    if (r == KSSIM_OK && deferred != NULL && op->purpose == KSSIM_PURPOSE_SIGN && keymint_signature_defers(op)) {
        r = keymint_sign_deferred(sw->env, op, deferred);
    } else if (r == KSSIM_OK) {
        r = compute(sw, op, signature, signature_len, &result, &result_len);
        if (r == KSSIM_OK && deferred != NULL) {
            *deferred = keymint_deferred_output_made(result, result_len); /* takes result, or frees it */
            result = NULL;
            if (*deferred == NULL)
                r = sim_refuse(sw->env, KSSIM_SYSTEM_ERROR, "out of memory for the operation's output");
        }
    }
    keymint_release_operation(op);
    if (r == KSSIM_OK && out != NULL && out_len != NULL) {
        *out = result;
        *out_len = result_len;
    } else if (result != NULL) {
        OPENSSL_cleanse(result, result_len);
        free(result);
    }
    return r;
}

kssim_result sim_keymint_finish(sim_secure_world *sw, uint64_t handle, const uint8_t *data, size_t len,
                                const uint8_t *signature, size_t signature_len, const kssim_auth_token *auth_token,
                                uint8_t **out, size_t *out_len)
{
    if (out != NULL)
        *out = NULL;
    if (out_len != NULL)
        *out_len = 0;
    return finish(sw, handle, data, len, signature, signature_len, auth_token, out, out_len, NULL);
}

kssim_result sim_keymint_finish_deferred(sim_secure_world *sw, uint64_t handle, const uint8_t *data, size_t len,
                                         const uint8_t *signature, size_t signature_len,
                                         const kssim_auth_token *auth_token, kssim_deferred_output **deferred)
{
    *deferred = NULL;
    return finish(sw, handle, data, len, signature, signature_len, auth_token, NULL, NULL, deferred);
}

size_t keymint_operations_in_flight(const sim_keymint *km, kssim_security_level level)
{
    size_t count = 0;
    for (size_t i = 0; i < KEYMINT_MAX_OPERATIONS; i++)
        if (km->operations[i].active &&
            (km->operations[i].auth.security_level == KSSIM_SECURITY_STRONGBOX) == (level == KSSIM_SECURITY_STRONGBOX))
            count++;
    return count;
}

kssim_result sim_keymint_abort(sim_secure_world *sw, uint64_t handle)
{
    keymint_operation *op = keymint_find_operation(sw->keymint, handle);
    if (op == NULL)
        return refuse_unknown_handle(sw->env, handle);
    keymint_release_operation(op);
    return KSSIM_OK;
}
