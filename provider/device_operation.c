/*
 * device_operation.c - a keystore operation in flight (kssim_begin ... kssim_finish) behind an OpenSSL
 * signing or decryption context.
 *
 * An operation nobody asked the challenge of is begun and finished in one transaction, so that no other
 * thread or process comes between its begin and its finish (and it costs one transaction, not two).
 *
 * The data goes to the device in one kssim_finish rather than in kssim_update calls: a per-operation
 * key refuses every update and finish until a token carrying the operation's challenge has arrived, and
 * such a refusal ends the operation (keystore2 operation.rs KeystoreOperation::with_locked_operation), so
 * the flow is begin (the challenge is read) -> authenticate -> final call (include/kssim/provider.h).
 * A final call refused for want of a token releases the context's operation: the next one begins anew.
 * The exception is digest-sign data of other keys past a chunk (signature.c), which goes to the device in
 * kssim_update calls as it comes.
 *
 * OpenSSL duplicates contexts in the middle of an operation (EVP_DigestSignFinal signs on a copy and
 * frees it), so an operation is shared by reference between a context and its copies and aborted only
 * when the last of them is freed, still unfinished, in the process that began it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/rsa.h>

#include "keystore_provider.h"

#include "core/invariant.h"
#include "framework/app_view.h"

#define STATE_BIT(state) (1u << (state))

/* The transitions of keystore_provider.h's diagram: for each state, the states it may move to. */
static const unsigned allowed_next_states[] = {
    [KEYSTORE_OPERATION_NEW] = STATE_BIT(KEYSTORE_OPERATION_BEGUN) | STATE_BIT(KEYSTORE_OPERATION_FINISHED) |
                               STATE_BIT(KEYSTORE_OPERATION_FAILED) | STATE_BIT(KEYSTORE_OPERATION_UNAUTHENTICATED),
    [KEYSTORE_OPERATION_BEGUN] = STATE_BIT(KEYSTORE_OPERATION_UPDATED) | STATE_BIT(KEYSTORE_OPERATION_FINISHED) |
                                 STATE_BIT(KEYSTORE_OPERATION_FAILED) | STATE_BIT(KEYSTORE_OPERATION_UNAUTHENTICATED) |
                                 STATE_BIT(KEYSTORE_OPERATION_ABORTED),
    [KEYSTORE_OPERATION_UPDATED] = STATE_BIT(KEYSTORE_OPERATION_UPDATED) | STATE_BIT(KEYSTORE_OPERATION_FINISHED) |
                                   STATE_BIT(KEYSTORE_OPERATION_FAILED) |
                                   STATE_BIT(KEYSTORE_OPERATION_UNAUTHENTICATED) |
                                   STATE_BIT(KEYSTORE_OPERATION_ABORTED),
    [KEYSTORE_OPERATION_FINISHED] = 0,
    [KEYSTORE_OPERATION_FAILED] = 0,
    [KEYSTORE_OPERATION_UNAUTHENTICATED] = STATE_BIT(KEYSTORE_OPERATION_ABORTED),
    [KEYSTORE_OPERATION_ABORTED] = 0,
};

static void move_operation(keystore_operation *operation, keystore_operation_state next)
{
    KSSIM_INVARIANT((unsigned)operation->state < sizeof(allowed_next_states) / sizeof(allowed_next_states[0]),
                    "an operation is in one of the states keystore_provider.h lists");
    KSSIM_INVARIANT((allowed_next_states[operation->state] & STATE_BIT(next)) != 0,
                    "an operation moves only along the transitions keystore_provider.h lists");
    operation->state = next;
}

bool keystore_operation_is_live(const keystore_operation *operation)
{
    return operation->state == KEYSTORE_OPERATION_BEGUN || operation->state == KEYSTORE_OPERATION_UPDATED;
}

/* The device may still hold it: an end must abort it (UNAUTHENTICATED on Android 9). */
static bool operation_needs_abort(const keystore_operation *operation)
{
    return keystore_operation_is_live(operation) || operation->state == KEYSTORE_OPERATION_UNAUTHENTICATED;
}

/* What a finish leaves, by its result (see keystore_operation_finish). */
static keystore_operation_state state_after_finish(kssim_result result)
{
    if (result == KSSIM_OK)
        return KEYSTORE_OPERATION_FINISHED;
    if (result == KSSIM_KEY_USER_NOT_AUTHENTICATED)
        return KEYSTORE_OPERATION_UNAUTHENTICATED;
    return KEYSTORE_OPERATION_FAILED;
}

struct begin_call {
    const keystore_key *key;
    uint32_t purpose;
    const kssim_op_params *params;
    kssim_operation *op;
};

/* Android's key objects name their key by its id in keystore2's database (Domain::KEY_ID), so an object
 * loaded before its alias was generated again fails KEY_NOT_FOUND instead of signing with the new key,
 * whose public half is not the one the caller holds (a TLS server would serve signatures its certificate
 * does not verify). The device names keys by alias; the public key the alias holds now, compared with
 * the one the key object was loaded with, tells the same, and in the begin's own transaction, so no
 * other process can replace the key between the comparison and the begin. */
static kssim_result check_same_key(kssim_device *device, const keystore_key *key)
{
    if (key->identity == NULL)
        return KSSIM_OK;
    uint8_t *now = NULL;
    size_t now_len = 0;
    kssim_result exported = kssim_export_public(device, key->reference.alias, &now, &now_len);
    if (exported == KSSIM_KEY_NOT_FOUND || exported == KSSIM_KEY_PERMANENTLY_INVALIDATED)
        return KSSIM_OK; /* deleted or invalidated: kssim_begin gives that answer, as it always has */
    /* Any other refusal is no evidence that the key is the same one: the alias may now hold a symmetric
     * key (no public half), which must never sign in the place of the key pair the caller holds. */
    bool same = exported == KSSIM_OK && now_len == key->identity_len && memcmp(now, key->identity, now_len) == 0;
    kssim_free(now);
    if (exported != KSSIM_OK && exported != KSSIM_INVALID_ARGUMENT)
        return exported;
    if (same)
        return KSSIM_OK;
    return keystore_device_refuse(KSSIM_KEY_NOT_FOUND,
                                  "the key '%s' was replaced (generated, imported or deleted) after this key object "
                                  "was loaded: load keystore:%s again, e.g. restart the server",
                                  key->reference.alias, key->reference.alias);
}

static kssim_result begin_on_device(kssim_device *device, void *arg)
{
    struct begin_call *call = arg;
    kssim_result r = check_same_key(device, call->key);
    if (r != KSSIM_OK)
        return r;
    /* Noted after the key check, which asks the device about the key: Signature.initSign / Cipher.init. */
    keystore_device_note_app_call(APP_VIEW_OPERATION_INIT, call->purpose, call->key->spec.algorithm);
    return kssim_begin(device, call->key->reference.alias, call->purpose, call->params, call->op);
}

static keystore_operation *new_operation(const keystore_key *key, uint32_t purpose)
{
    if (!key->on_device) {
        keystore_raise(key->provider, KEYSTORE_R_NOT_A_DEVICE_KEY,
                       "this is a public key only (not a key on the device): it verifies and encrypts, but cannot "
                       "sign or decrypt");
        return NULL;
    }
    keystore_operation *operation = calloc(1, sizeof(*operation));
    if (operation == NULL) {
        keystore_raise_result(key->provider, KSSIM_SYSTEM_ERROR, "out of memory for an operation");
        return NULL;
    }
    operation->provider = key->provider;
    operation->state = KEYSTORE_OPERATION_NEW;
    operation->purpose = purpose;
    operation->algorithm = key->spec.algorithm;
    atomic_store(&operation->references, 1);
    snprintf(operation->device, sizeof(operation->device), "%s", key->reference.device);
    return operation;
}

/* The operation outlives this call (in state, BEGUN or UNAUTHENTICATED): remember which process began it
 * (see end_operation). Only then, since getpid() is a system call, and costly in virtual machines
 * (docs/performance.md). */
static void keep_alive(keystore_operation *operation, keystore_operation_state state)
{
    move_operation(operation, state);
    operation->pid = (long)getpid();
}

keystore_operation *keystore_operation_begin(const keystore_key *key, uint32_t purpose, const kssim_op_params *params)
{
    keystore_operation *operation = new_operation(key, purpose);
    if (operation == NULL)
        return NULL;
    struct begin_call call = {.key = key, .purpose = purpose, .params = params, .op = &operation->op};
    if (keystore_device_run(key->provider, operation->device, begin_on_device, &call) != KSSIM_OK) {
        free(operation);
        return NULL;
    }
    keep_alive(operation, KEYSTORE_OPERATION_BEGUN);
    return operation;
}

struct update_call {
    uint64_t handle;
    const uint8_t *first, *then;
    size_t first_len, then_len;
};

static kssim_result update_on_device(kssim_device *device, void *arg)
{
    struct update_call *call = arg;
    kssim_result r = KSSIM_OK;
    if (call->first_len > 0)
        r = kssim_update(device, call->handle, call->first, call->first_len);
    if (r == KSSIM_OK && call->then_len > 0)
        r = kssim_update(device, call->handle, call->then, call->then_len);
    return r;
}

kssim_result keystore_operation_update(keystore_operation *operation, const uint8_t *first, size_t first_len,
                                       const uint8_t *then, size_t then_len)
{
    KSSIM_INVARIANT(keystore_operation_is_live(operation), "only a live operation is updated");
    struct update_call call = {
        .handle = operation->op.handle, .first = first, .first_len = first_len, .then = then, .then_len = then_len};
    keystore_device_note_app_call(APP_VIEW_OPERATION_UPDATE, operation->purpose, operation->algorithm);
    kssim_result r = keystore_device_run(operation->provider, operation->device, update_on_device, &call);
    move_operation(operation, r == KSSIM_OK ? KEYSTORE_OPERATION_UPDATED : KEYSTORE_OPERATION_FAILED);
    if (r == KSSIM_OK)
        operation->bytes_streamed += (uint64_t)first_len + then_len;
    return r;
}

/* A finish decides everything in the device's transaction, the signature's randomness included, and
 * makes an ECDSA or RSA signature after it, without the device's lock, so threads signing with one
 * device use a core each (kssim_finish_deferred; docs/device.md "Threads"). */
struct finish_call {
    uint64_t handle;
    const uint8_t *data;
    size_t len;
    kssim_deferred_output *deferred;
};

static kssim_result finish_on_device(kssim_device *device, void *arg)
{
    struct finish_call *call = arg;
    return kssim_finish_deferred(device, call->handle, call->data, call->len, NULL, 0, &call->deferred);
}

/* After the transaction (r its result; a failed commit leaves an output nobody may have): the output. */
static kssim_result complete_finish(keystore_provider *provider, kssim_result r, struct finish_call *call,
                                    uint8_t **out, size_t *out_len)
{
    if (r != KSSIM_OK) {
        kssim_deferred_output_free(call->deferred);
        call->deferred = NULL;
        return r;
    }
    r = kssim_deferred_output_complete(call->deferred, out, out_len);
    call->deferred = NULL;
    if (r != KSSIM_OK)
        keystore_raise_result(provider, r,
                              "the device authorized the operation, but its output could not be made (out of memory): "
                              "free memory and run the operation again");
    return r;
}

kssim_result keystore_operation_finish(keystore_operation *operation, const uint8_t *data, size_t len, uint8_t **out,
                                       size_t *out_len)
{
    KSSIM_INVARIANT(keystore_operation_is_live(operation), "only a live operation is finished");
    struct finish_call call = {.handle = operation->op.handle, .data = data, .len = len};
    keystore_device_note_app_call(APP_VIEW_OPERATION_FINISH, operation->purpose, operation->algorithm);
    kssim_result r = keystore_device_run(operation->provider, operation->device, finish_on_device, &call);
    r = complete_finish(operation->provider, r, &call, out, out_len);
    /* A finish ends the operation whatever its outcome, from Android 10 a refusal for want of a token
     * too; only Android 9's keystore kept it then, so such an operation is still aborted when released
     * (an abort of one already gone is harmless). */
    move_operation(operation, state_after_finish(r));
    return r;
}

struct begin_and_finish_call {
    struct begin_call begin;
    struct finish_call finish;
    bool begun;
};

static kssim_result begin_and_finish_on_device(kssim_device *device, void *arg)
{
    struct begin_and_finish_call *call = arg;
    kssim_result r = begin_on_device(device, &call->begin);
    if (r != KSSIM_OK)
        return r;
    call->begun = true;
    call->finish.handle = call->begin.op->handle;
    keystore_device_note_app_call(APP_VIEW_OPERATION_FINISH, call->begin.purpose, call->begin.key->spec.algorithm);
    return finish_on_device(device, &call->finish);
}

kssim_result keystore_operation_begin_and_finish(const keystore_key *key, uint32_t purpose,
                                                 const kssim_op_params *params, const uint8_t *data, size_t len,
                                                 uint8_t **out, size_t *out_len)
{
    keystore_operation *operation = new_operation(key, purpose);
    if (operation == NULL)
        return KSSIM_SYSTEM_ERROR;
    struct begin_and_finish_call call = {
        .begin = {.key = key, .purpose = purpose, .params = params, .op = &operation->op},
        .finish = {.data = data, .len = len},
    };
    kssim_result r = keystore_device_run(key->provider, operation->device, begin_and_finish_on_device, &call);
    r = complete_finish(key->provider, r, &call.finish, out, out_len);
    if (call.begun && r == KSSIM_KEY_USER_NOT_AUTHENTICATED) {
        /* Refused for want of a token: the operation has ended (Android 9 kept it: abort it there). Its
         * challenge was never read, so nobody could have authenticated for it. */
        keep_alive(operation, KEYSTORE_OPERATION_UNAUTHENTICATED);
        keystore_operation_free(operation);
    } else {
        free(operation);
    }
    return r;
}

void keystore_operation_up_ref(keystore_operation *operation)
{
    atomic_fetch_add(&operation->references, 1);
}

static kssim_result abort_on_device(kssim_device *device, void *arg)
{
    const uint64_t *handle = arg;
    return kssim_abort(device, *handle);
}

/* Nobody will finish it: free the device's operation slot as an app's abort() does. Its outcome (the
 * device may have lost it in a reboot, or ended it at a refused call) is nobody's concern now. */
static void end_operation(keystore_operation *operation)
{
    if (!operation_needs_abort(operation))
        return;
    /* In a forked child the operation is the parent's: the child only forgets it. */
    if (operation->pid == (long)getpid()) {
        ERR_set_mark();
        keystore_device_run(operation->provider, operation->device, abort_on_device, &operation->op.handle);
        ERR_pop_to_mark();
    }
    move_operation(operation, KEYSTORE_OPERATION_ABORTED);
}

void keystore_operation_free(keystore_operation *operation)
{
    if (operation == NULL || atomic_fetch_sub(&operation->references, 1) != 1)
        return;
    end_operation(operation);
    free(operation);
}

void keystore_device_context_reset(keystore_device_context *ctx)
{
    keystore_operation_free(ctx->operation);
    ctx->operation = NULL;
    EVP_PKEY_CTX_free(ctx->shadow);
    ctx->shadow = NULL;
    keystore_key_free(ctx->key);
    ctx->key = NULL;
}

int keystore_device_context_copy(keystore_device_context *to, const keystore_device_context *from)
{
    to->provider = from->provider;
    to->purpose = from->purpose;
    if (from->key != NULL) {
        keystore_key_up_ref(from->key);
        to->key = from->key;
    }
    if (from->operation != NULL) {
        keystore_operation_up_ref(from->operation);
        to->operation = from->operation;
    }
    return from->shadow == NULL || (to->shadow = EVP_PKEY_CTX_dup(from->shadow)) != NULL;
}

bool keystore_device_context_has_live_operation(keystore_device_context *ctx)
{
    if (ctx->operation != NULL && keystore_operation_is_live(ctx->operation))
        return true;
    keystore_operation_free(ctx->operation);
    ctx->operation = NULL;
    return false;
}

void keystore_device_context_get_shadow_params(const keystore_device_context *ctx, OSSL_PARAM params[])
{
    if (ctx->shadow == NULL)
        return;
    for (OSSL_PARAM *q = params; q->key != NULL; q++) {
        if (strcmp(q->key, KSSIM_PROVIDER_PARAM_CHALLENGE) == 0)
            continue;
        OSSL_PARAM one[2] = {*q, OSSL_PARAM_END};
        if (EVP_PKEY_CTX_get_params(ctx->shadow, one) == 1)
            *q = one[0];
    }
}

/* The contexts' names in sentences: what kind of context has a challenge. */
static const char *context_kind(uint32_t purpose)
{
    switch (purpose) {
    case KSSIM_PURPOSE_SIGN:
        return "signing";
    case KSSIM_PURPOSE_DECRYPT:
        return "decryption";
    default:
        return "key-agreement";
    }
}

bool keystore_device_context_begin(keystore_device_context *ctx, keystore_operation_params_of *params_of)
{
    if (keystore_device_context_has_live_operation(ctx))
        return true;
    kssim_op_params params;
    if (!params_of(ctx, &params))
        return false;
    ctx->operation = keystore_operation_begin(ctx->key, ctx->purpose, &params);
    return ctx->operation != NULL;
}

int keystore_device_context_get_challenge(keystore_device_context *ctx, OSSL_PARAM params[], uint32_t purpose,
                                          keystore_operation_params_of *params_of)
{
    OSSL_PARAM *p = OSSL_PARAM_locate(params, KSSIM_PROVIDER_PARAM_CHALLENGE);
    if (p == NULL)
        return 1;
    if (ctx->key == NULL || ctx->purpose != purpose) {
        keystore_raise(ctx->provider, KEYSTORE_R_UNSUPPORTED_PARAMETER,
                       "only a %s context has a keystore operation and a challenge", context_kind(purpose));
        return 0;
    }
    return keystore_device_context_begin(ctx, params_of) && OSSL_PARAM_set_uint64(p, ctx->operation->op.challenge);
}

int keystore_device_context_finish(keystore_device_context *ctx, keystore_operation_params_of *params_of,
                                   const unsigned char *in, size_t in_len, unsigned char *out, size_t *out_len,
                                   size_t out_size, const char *what)
{
    uint8_t *result = NULL;
    size_t result_len = 0;
    kssim_result r;
    if (ctx->operation != NULL && keystore_operation_is_live(ctx->operation)) {
        r = keystore_operation_finish(ctx->operation, in, in_len, &result, &result_len);
    } else {
        keystore_operation_free(ctx->operation);
        ctx->operation = NULL;
        kssim_op_params params;
        if (!params_of(ctx, &params))
            return 0;
        r = keystore_operation_begin_and_finish(ctx->key, ctx->purpose, &params, in, in_len, &result, &result_len);
    }
    if (r != KSSIM_OK) {
        /* Every refused final call ends the operation, for this context and the copies sharing it
         * (EVP_DigestSignFinal finishes on a copy): they begin a new one (a new challenge, a new
         * authentication) at their next challenge query or final call. */
        if (ctx->operation != NULL)
            end_operation(ctx->operation);
        keystore_operation_free(ctx->operation);
        ctx->operation = NULL;
        return 0;
    }
    int ok = result_len <= out_size;
    if (ok) {
        memcpy(out, result, result_len);
        *out_len = result_len;
    } else {
        keystore_raise(ctx->provider, KEYSTORE_R_OUTPUT_BUFFER_TOO_SMALL, "the %s is %zu bytes, the buffer %zu", what,
                       result_len, out_size);
    }
    OPENSSL_cleanse(result, result_len);
    kssim_free(result);
    return ok;
}

uint32_t keystore_padding_bit(int rsa_padding)
{
    switch (rsa_padding) {
    case RSA_PKCS1_PADDING:
        return KSSIM_PADDING_PKCS1;
    case RSA_NO_PADDING:
        return KSSIM_PADDING_NONE;
    case RSA_PKCS1_OAEP_PADDING:
        return KSSIM_PADDING_OAEP;
    case RSA_PKCS1_PSS_PADDING:
        return KSSIM_PADDING_PSS;
    default:
        return 0;
    }
}
