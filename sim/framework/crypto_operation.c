/*
 * crypto_operation.c - keystore operations as the app's Signature / Cipher / Mac objects run them.
 *
 * The framework names the digest, padding and block mode explicitly (as a JCA algorithm name such as
 * "SHA256withECDSA" does), so this layer fills what the caller left open from the key's own lists.
 * It refuses tombstoned keys (deleted by the system) with KEY_PERMANENTLY_INVALIDATED, as keystore's
 * KEY_NOT_FOUND becomes; every other key is judged only after keystore's createOperation answered
 * (R-BEGIN-INVALIDATION-AFTER-CREATE): a per-operation key whose secure IDs are gone is
 * KEY_PERMANENTLY_INVALIDATED once its operation began, a timeout key only before Android 12.
 * Public-key verification never enters the keystore: the framework does it in software.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/android_versions.h"
#include "framework/device.h"
#include "framework/public_key_verify.h"
#include "secure/keymint_defaults.h"

/* The framework names digest, padding and block mode where the app's algorithm name does; what the
 * caller left at 0 is filled with the choice KeyMint itself would make, so software verification and
 * encryption here agree with what KeyMint signs and decrypts. One rule, kept in keymint_defaults.h. */
static kssim_op_params complete_params(const sim_auth_list *auth, uint32_t purpose, const kssim_op_params *given)
{
    kssim_op_params p = {0};
    if (given != NULL)
        p = *given;
    sim_keymint_complete_params(auth, purpose, &p);
    return p;
}

static kssim_result create_operation(kssim_device *device, const char *alias, uint32_t purpose,
                                     const kssim_op_params *params, const uint8_t *plaintext_sha256,
                                     kssim_operation *op)
{
    if (plaintext_sha256 != NULL)
        return sim_keystore2_create_encryption_of(&device->ks, alias, params, plaintext_sha256, op);
    return sim_keystore2_create_operation(&device->ks, alias, purpose, params, op);
}

/* What createOperation's failure means to the app when the key can no longer be authorized. keystore1's
 * framework (Android <= 11, KeyStore.java getInvalidKeyException) asks canUserAuthorizationSucceed for
 * every KEY_USER_NOT_AUTHENTICATED and answers KeyPermanentlyInvalidatedException when it fails; keystore2's
 * (KeyStoreCryptoOperationUtils.getInvalidKeyException) maps KEY_USER_NOT_AUTHENTICATED to
 * UserNotAuthenticatedException whatever the key's state (V-TIMEOUT-KEY-DEAD-AS-NOT-AUTHENTICATED). */
static kssim_result explain_create_failure(kssim_device *device, const sim_key_entry *entry, kssim_result r)
{
    if (r != KSSIM_KEY_USER_NOT_AUTHENTICATED)
        return r;
    kssim_invalidation_reason reason;
    if (sim_framework_can_user_authorization_succeed(device, entry, &reason))
        return r;
    sim_explain(&device->env, "R-INVALIDATED-EXCEPTION: a dead key's KEY_USER_NOT_AUTHENTICATED is reported as %s here",
                sim_android_has(device->config.api_level, SIM_ANDROID_TIMEOUT_KEY_DEAD_AS_NOT_AUTHENTICATED)
                    ? "KEY_USER_NOT_AUTHENTICATED (Android 12+)"
                    : "KEY_PERMANENTLY_INVALIDATED (Android 11 and earlier)");
    if (!sim_android_has(device->config.api_level, SIM_ANDROID_TIMEOUT_KEY_DEAD_AS_NOT_AUTHENTICATED))
        return sim_framework_refuse_invalidated(device, entry->alias, reason);
    /* Android 12+ reports a dead key as UserNotAuthenticatedException; say what it means. */
    return sim_refuse(&device->env, KSSIM_KEY_USER_NOT_AUTHENTICATED,
                      "no authentication can satisfy the key '%s' any more (%s): Android 12+ reports it as not "
                      "authenticated, but only deleting it and generating a new key helps",
                      entry->alias,
                      reason == KSSIM_REASON_CREDENTIAL_RESET ? "the credential was reset"
                                                              : "its biometric enrollment changed");
}

/* The framework asks keystore first and judges the key only after createOperation answered: so a dead
 * per-operation key still answers LOCKED before the first unlock, or KEY_EXPIRED when its validity ended,
 * and is reported permanently invalidated only once keystore began its operation and handed back a
 * challenge (the operation is then dropped). */
/* R-BEGIN-INVALIDATION-AFTER-CREATE: canUserAuthorizationSucceed runs only after createOperation: on its challenge
 * (12+), or on its KEY_USER_NOT_AUTHENTICATED / OP_AUTH_NEEDED (<= 11). AOSP: frameworks/base
 * KeyStoreCryptoOperationUtils getOrMakeOperationChallenge; android11 KeyStore.java getInvalidKeyException */
/* R-INVALIDATED-EXCEPTION: invalidated per-op key: KEY_PERMANENTLY_INVALIDATED; timeout key: KEY_USER_NOT_AUTHENTICATED
 * on 12+, KEY_PERMANENTLY_INVALIDATED on <= 11; deleted keys: KEY_PERMANENTLY_INVALIDATED. AOSP: frameworks/base
 * KeyStoreCryptoOperationUtils getInvalidKeyException */
/* R-TIMEOUT-DIES-AT-WINDOW-END: on 12+ a dead timeout key goes on to keystore2, which still accepts a token from
 * before the invalidating event until its window closes. AOSP: KeyStoreCryptoOperationUtils getOrMakeOperationChallenge
 */
static kssim_result begin_operation(kssim_device *device, const char *alias, uint32_t purpose,
                                    const kssim_op_params *params, const uint8_t *plaintext_sha256, kssim_operation *op)
{
    memset(op, 0, sizeof(*op));
    sim_framework_explain_device(device, "begin");
    /* Named in the device's last refusal, should the provider record one (kssim_device_record_refusal). */
    device->current_call_purpose = purpose;
    snprintf(device->current_call_alias, sizeof(device->current_call_alias), "%s", alias != NULL ? alias : "");
    /* The app's key object came from getKeyEntry; its operation from the key's security level. */
    kssim_result reached = sim_framework_call_keystore_service(device, "getKeyEntry");
    if (reached == KSSIM_OK)
        reached = sim_framework_call_keystore_security_level(device, "createOperation");
    if (reached != KSSIM_OK)
        return reached;
    sim_key_entry *entry = sim_key_database_find(&device->ks.db, alias);
    if (entry == NULL)
        return create_operation(device, alias, purpose, params, plaintext_sha256, op);
    if (entry->deleted_because != KSSIM_REASON_NONE) {
        sim_explain(&device->env,
                    "R-INVALIDATED-EXCEPTION: the system deleted the key '%s' (a tombstone): "
                    "KEY_PERMANENTLY_INVALIDATED",
                    alias);
        return sim_framework_refuse_unusable_key(device, alias, entry);
    }
    sim_framework_explain_key(device, entry, purpose);
    kssim_op_params complete = complete_params(&entry->auth, purpose, params);
    kssim_result r = create_operation(device, alias, purpose, &complete, plaintext_sha256, op);
    if (r != KSSIM_OK)
        return explain_create_failure(device, entry, r);
    if (!op->needs_per_op_auth)
        return KSSIM_OK;
    kssim_invalidation_reason reason;
    if (!sim_framework_can_user_authorization_succeed(device, entry, &reason)) {
        sim_explain(&device->env, "R-BEGIN-INVALIDATION-AFTER-CREATE: keystore began the operation; the framework "
                                  "then finds the per-operation key dead, drops the operation: "
                                  "KEY_PERMANENTLY_INVALIDATED");
        uint64_t handle = op->handle;
        sim_keystore2_abort(&device->ks, handle); /* the app never gets the operation: it is dropped */
        memset(op, 0, sizeof(*op));
        return sim_framework_refuse_invalidated(device, alias, reason);
    }
    sim_explain(&device->env,
                "  begun: operation 0x%016llx; a per-operation key: its update and finish need a token "
                "carrying challenge 0x%016llx, issued after this begin",
                (unsigned long long)op->handle, (unsigned long long)op->challenge);
    sim_system_prompt_answer(device, op->challenge);
    return KSSIM_OK;
}

kssim_result kssim_begin(kssim_device *device, const char *alias, uint32_t purpose, const kssim_op_params *params,
                         kssim_operation *op)
{
    SIM_BEGIN_CALL(device);
    return begin_operation(device, alias, purpose, params, NULL, op);
}

/* An update or finish names its operation's key and purpose in the device's last refusal, as a begin does. */
static void note_operation_call(kssim_device *device, uint64_t handle)
{
    for (size_t i = 0; i < device->ks.operation_count; i++)
        if (device->ks.operations[i].handle == handle) {
            device->current_call_purpose = device->ks.operations[i].purpose;
            snprintf(device->current_call_alias, sizeof(device->current_call_alias), "%s",
                     device->ks.operations[i].alias);
            return;
        }
}

/* The framework's KeyStoreOperation call `call` ("update" or "finish") on operation handle: noted for the
 * last refusal, explained, and passed to keystore if keystore answers. */
static kssim_result reach_keystore_operation(kssim_device *device, uint64_t handle, const char *call)
{
    note_operation_call(device, handle);
    sim_explain(&device->env, "%s of operation 0x%016llx", call, (unsigned long long)handle);
    return sim_framework_call_keystore_operation(device, call);
}

kssim_result kssim_update(kssim_device *device, uint64_t handle, const uint8_t *data, size_t len)
{
    SIM_BEGIN_CALL(device);
    kssim_result reached = reach_keystore_operation(device, handle, "update");
    if (reached != KSSIM_OK)
        return reached;
    return sim_keystore2_update(&device->ks, handle, data, len);
}

kssim_result kssim_finish(kssim_device *device, uint64_t handle, const uint8_t *data, size_t len,
                          const uint8_t *signature, size_t signature_len, uint8_t **out, size_t *out_len)
{
    SIM_BEGIN_CALL(device);
    kssim_result reached = reach_keystore_operation(device, handle, "finish");
    if (reached != KSSIM_OK)
        return reached;
    uint8_t *ignored = NULL;
    size_t ignored_len = 0;
    kssim_result r = sim_keystore2_finish(&device->ks, handle, data, len, signature, signature_len,
                                          out != NULL ? out : &ignored, out_len != NULL ? out_len : &ignored_len);
    kssim_free(ignored);
    return r;
}

kssim_result kssim_finish_deferred(kssim_device *device, uint64_t handle, const uint8_t *data, size_t len,
                                   const uint8_t *signature, size_t signature_len, kssim_deferred_output **deferred)
{
    SIM_BEGIN_CALL(device);
    if (deferred == NULL)
        return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT,
                          "kssim_finish_deferred needs somewhere to put the deferred output: pass its address");
    *deferred = NULL;
    kssim_result reached = reach_keystore_operation(device, handle, "finish");
    if (reached != KSSIM_OK)
        return reached;
    return sim_keystore2_finish_deferred(&device->ks, handle, data, len, signature, signature_len, deferred);
}

kssim_result kssim_deferred_output_complete(kssim_deferred_output *deferred, uint8_t **out, size_t *out_len)
{
    uint8_t *ignored = NULL;
    size_t ignored_len = 0;
    kssim_result r =
        sim_deferred_output_complete(deferred, out != NULL ? out : &ignored, out_len != NULL ? out_len : &ignored_len);
    kssim_free(ignored);
    return r;
}

void kssim_deferred_output_free(kssim_deferred_output *deferred)
{
    sim_deferred_output_free(deferred);
}

kssim_result kssim_abort(kssim_device *device, uint64_t handle)
{
    SIM_BEGIN_CALL(device);
    device->current_call_is_abort = true;
    return sim_keystore2_abort(&device->ks, handle);
}

/* R-PURPOSE-PUBLIC-IN-FRAMEWORK: public-key verify runs in the framework, HMAC verify in keystore.
 * AOSP: AndroidKeyStoreSignatureSpiBase */
kssim_result kssim_verify(kssim_device *device, const char *alias, const kssim_op_params *params, const uint8_t *data,
                          size_t len, const uint8_t *signature, size_t signature_len)
{
    SIM_BEGIN_CALL(device);
    sim_key_entry *entry = sim_key_database_find(&device->ks.db, alias);
    kssim_result usable = sim_framework_refuse_unusable_key(device, alias, entry);
    if (usable != KSSIM_OK)
        return usable;
    kssim_op_params p = complete_params(&entry->auth, KSSIM_PURPOSE_VERIFY, params);
    /* The public key itself comes from keystore (getKeyEntry's certificate); verifying is software. */
    kssim_result reached =
        entry->public_key != NULL ? sim_framework_call_keystore_service(device, "getKeyEntry") : KSSIM_OK;
    if (reached != KSSIM_OK)
        return reached;
    if (entry->public_key != NULL)
        return sim_public_key_verify(&device->env, entry->auth.algorithm, entry->public_key, entry->public_key_len,
                                     p.digest, p.padding, data, len, signature, signature_len);
    /* A symmetric (HMAC) key verifies inside the keystore, with the key's own rules. */
    kssim_operation op;
    kssim_result r = kssim_begin(device, alias, KSSIM_PURPOSE_VERIFY, &p, &op);
    if (r != KSSIM_OK)
        return r;
    r = kssim_finish(device, op.handle, data, len, signature, signature_len, NULL, NULL);
    if (r == KSSIM_KEY_USER_NOT_AUTHENTICATED)
        sim_keystore2_abort(&device->ks, op.handle); /* one-shot: nobody will retry this operation */
    return r;
}

kssim_result kssim_encrypt(kssim_device *device, const char *alias, const kssim_op_params *params, const uint8_t *data,
                           size_t len, uint8_t **out, size_t *out_len, size_t *nonce_len)
{
    SIM_BEGIN_CALL(device);
    *out = NULL;
    *out_len = 0;
    if (nonce_len != NULL)
        *nonce_len = 0;
    sim_key_entry *entry = sim_key_database_find(&device->ks.db, alias);
    /* No key at all is keystore2's to answer, below; a tombstone is the framework's. */
    if (entry != NULL && entry->deleted_because != KSSIM_REASON_NONE)
        return sim_framework_refuse_unusable_key(device, alias, entry);
    if (entry != NULL && entry->public_key != NULL) {
        kssim_result reached = sim_framework_call_keystore_service(device, "getKeyEntry");
        if (reached != KSSIM_OK)
            return reached;
        kssim_op_params p = complete_params(&entry->auth, KSSIM_PURPOSE_ENCRYPT, params);
        return sim_public_key_encrypt(&device->env, entry->auth.algorithm, entry->public_key, entry->public_key_len,
                                      p.digest, p.padding, data, len, out, out_len);
    }
    /* A symmetric key encrypts inside the keystore; the nonce KeyMint chose leads the output so that
     * decryption can find it, as apps store cipher.getIV() beside the ciphertext. The whole plaintext
     * is known before KeyMint chooses the nonce, so the nonce is bound to it: a device restored from an
     * earlier copy replays its DRBG, and must not encrypt other data under a nonce it already used. */
    uint8_t plaintext_sha256[32];
    if (sim_sha256(&device->env.crypto, data, len, plaintext_sha256) != 0)
        return sim_refuse(&device->env, KSSIM_SYSTEM_ERROR, "OpenSSL failed to hash the data to encrypt");
    kssim_operation op;
    kssim_result r = begin_operation(device, alias, KSSIM_PURPOSE_ENCRYPT, params, plaintext_sha256, &op);
    if (r != KSSIM_OK)
        return r;
    uint8_t *body = NULL;
    size_t body_len = 0;
    r = kssim_finish(device, op.handle, data, len, NULL, 0, &body, &body_len);
    if (r != KSSIM_OK) {
        if (r == KSSIM_KEY_USER_NOT_AUTHENTICATED)
            sim_keystore2_abort(&device->ks, op.handle); /* one-shot: nobody will retry this operation */
        return r;
    }
    uint8_t *joined = malloc(op.nonce_len + body_len + 1);
    if (joined == NULL) {
        kssim_free(body);
        return sim_refuse(&device->env, KSSIM_SYSTEM_ERROR, "out of memory joining nonce and ciphertext");
    }
    memcpy(joined, op.nonce, op.nonce_len);
    if (body_len > 0)
        memcpy(joined + op.nonce_len, body, body_len);
    kssim_free(body);
    *out = joined;
    *out_len = op.nonce_len + body_len;
    if (nonce_len != NULL)
        *nonce_len = op.nonce_len;
    return KSSIM_OK;
}
