/*
 * key_state.c - whether a key can still be used, and what the app can learn about its keys.
 *
 * A key bound to user authentication is dead when no authentication can ever produce a token it
 * accepts: none of its secure IDs is the current root SID, and it does not hold every current strong
 * biometric authenticator ID. That is the framework's canUserAuthorizationSucceed
 * (frameworks/base keystore/java/android/security/keystore2/KeyStoreCryptoOperationUtils.java); on
 * Android 11 and earlier an empty biometric list counts as held (KeyStore.java getInvalidKeyException).
 * Keys the system deleted (lock screen removed, uses exhausted) are tombstones in keystore2's database.
 */
#include <stdlib.h>
#include <string.h>

#include "core/android_versions.h"
#include "core/names.h"
#include "framework/device.h"
#include "secure/keymint_attestation.h"

/* R-INVALIDATED-NO-SID-LEFT: an auth-bound key is permanently unusable when no SID is the current root SID
 * and it does not hold every current strong biometric ID. AOSP: frameworks/base KeyStoreCryptoOperationUtils
 * canUserAuthorizationSucceed */
/* R-INVALIDATED-EMPTY-BIOMETRIC-LIST-KEEPS-KEY: on Android 11 and earlier "holds every biometric ID" is true
 * of an empty list, so with no strong biometric enrolled no key is dead (last fingerprint removed, credential
 * reset). AOSP: frameworks/base KeyStore.java (Android 11) getInvalidKeyException (canUnlockViaBiometrics =
 * true); Android 12+: KeyStoreCryptoOperationUtils canUserAuthorizationSucceed (biometricSids.length > 0) */
bool sim_framework_can_user_authorization_succeed(kssim_device *device, const sim_key_entry *entry,
                                                  kssim_invalidation_reason *reason)
{
    const sim_auth_list *auth = &entry->auth;
    *reason = KSSIM_REASON_NONE;
    if (auth->sid_count == 0)
        return true; /* not bound to user authentication: nothing to lose */
    const sim_gatekeeper *gk = &device->sw.gatekeeper;
    for (uint32_t i = 0; i < auth->sid_count; i++)
        if (gk->enrolled && auth->sids[i] == gk->sid) {
            sim_explain(&device->env, "R-INVALIDATED-NO-SID-LEFT: the key holds the current root SID: it can still "
                                      "be authorized");
            return true;
        }
    uint64_t bio[KSSIM_MODALITY_COUNT];
    size_t n = sim_framework_biometric_sids(device, bio);
    bool holds_every_biometric =
        n > 0 || sim_android_has(device->config.api_level, SIM_ANDROID_BIOMETRIC_EMPTY_LIST_KEEPS_KEYS);
    for (size_t b = 0; b < n && holds_every_biometric; b++) {
        bool held = false;
        for (uint32_t i = 0; i < auth->sid_count; i++)
            held = held || auth->sids[i] == bio[b];
        holds_every_biometric = held;
    }
    if (holds_every_biometric)
        sim_explain(&device->env, "%s: the key holds every current strong biometric ID%s: it can still be authorized",
                    n > 0 ? "R-INVALIDATED-NO-SID-LEFT" : "R-INVALIDATED-EMPTY-BIOMETRIC-LIST-KEEPS-KEY",
                    n > 0 ? "" : " (none enrolled counts as held on Android 11 and earlier)");
    if (holds_every_biometric)
        return true;
    bool bound_to_root_sid = (entry->spec.auth_types & KSSIM_AUTH_DEVICE_CREDENTIAL) != 0 ||
                             !entry->spec.invalidated_by_biometric_enrollment;
    *reason = bound_to_root_sid ? KSSIM_REASON_CREDENTIAL_RESET : KSSIM_REASON_BIOMETRIC_ENROLLMENT_CHANGED;
    sim_explain(&device->env,
                "R-INVALIDATED-NO-SID-LEFT: none of the key's SIDs is the current root SID and it does not hold every "
                "current strong biometric ID (%s): no authentication can satisfy it",
                bound_to_root_sid ? "the credential was reset" : "biometric enrollment changed");
    return false;
}

kssim_result sim_framework_refuse_invalidated(kssim_device *device, const char *alias, kssim_invalidation_reason reason)
{
    const char *why = "it can no longer be authorized";
    switch (reason) {
    case KSSIM_REASON_LOCK_SCREEN_REMOVED:
        why = "the lock screen was removed, which deletes every key that needs user authentication";
        break;
    case KSSIM_REASON_BIOMETRIC_ENROLLMENT_CHANGED:
        why = "the strong biometrics it was bound to changed (a new enrollment, or the last one removed)";
        break;
    case KSSIM_REASON_CREDENTIAL_RESET:
        why = "the credential was reset without the old one, which gave the user a new secure ID";
        break;
    case KSSIM_REASON_USAGE_EXHAUSTED:
        why = "its usage count limit is spent, and the last use deleted it";
        break;
    case KSSIM_REASON_NONE:
        break;
    }
    return sim_refuse(&device->env, KSSIM_KEY_PERMANENTLY_INVALIDATED,
                      "the key '%s' is permanently invalidated: %s. Delete it and generate a new one", alias, why);
}

/* What the app is answered for an alias with no usable key. keystore2 itself answers KEY_NOT_FOUND for every
 * such alias (database.rs load_key_entry finds no live entry; see R-KEY-DELETED-NOT-FOUND), and the framework
 * keeps that for an alias that never held a key or whose key the app deleted. A key the system deleted (lock
 * screen removed, credential reset, uses spent: a tombstone here) is one the framework turns into
 * KeyPermanentlyInvalidatedException, with why (R-INVALIDATED-EXCEPTION; frameworks/base
 * KeyStoreCryptoOperationUtils getInvalidKeyException, android11 KeyStore.java). KSSIM_OK for a live key. */
kssim_result sim_framework_refuse_unusable_key(kssim_device *device, const char *alias, const sim_key_entry *entry)
{
    if (entry == NULL && device->ks.db.load_failure != KSSIM_OK)
        return device->ks.db.load_failure; /* its row could not be read: the store said why */
    if (entry == NULL)
        return sim_refuse(&device->env, KSSIM_KEY_NOT_FOUND, "there is no key named '%s'", alias);
    if (entry->deleted_because != KSSIM_REASON_NONE)
        return sim_framework_refuse_invalidated(device, alias, entry->deleted_because);
    return KSSIM_OK;
}

/* The words are core/names.c's, the scenario format's and the CLI's. */
const char *kssim_key_state_name(kssim_key_state state)
{
    const char *name = sim_vocabulary_name(&sim_key_states, (uint32_t)state);
    return name != NULL ? name : "absent";
}

const char *kssim_invalidation_reason_name(kssim_invalidation_reason reason)
{
    const char *name = sim_vocabulary_name(&sim_invalidation_reasons, (uint32_t)reason);
    return name != NULL ? name : "none";
}

kssim_result kssim_key_info_get(kssim_device *device, const char *alias, kssim_key_info *info)
{
    SIM_BEGIN_CALL(device);
    memset(info, 0, sizeof(*info));
    sim_key_entry *entry = sim_key_database_find(&device->ks.db, alias);
    if (entry == NULL && device->ks.db.load_failure != KSSIM_OK)
        return device->ks.db.load_failure; /* its row could not be read: the store said why */
    if (entry == NULL) {
        info->state = KSSIM_KEY_ABSENT;
        return KSSIM_OK;
    }
    info->spec = entry->spec;
    /* An imported key's size is the key's own, which KeyMint read from the material. */
    if (entry->auth.key_size != 0)
        info->spec.size = entry->auth.key_size;
    info->uses_remaining = entry->uses_remaining;
    info->rolled_back = entry->rolled_back;
    info->has_attestation_chain = entry->attestation_chain != NULL;
    /* The store keeps the chain, not the request: the application ID is read back from the leaf. */
    memset(info->spec.attestation_application_id, 0, sizeof(info->spec.attestation_application_id));
    info->spec.attestation_app_signature_digest_len = 0;
    if (entry->attestation_chain != NULL) {
        sim_attestation_application application;
        sim_attestation_read_application(entry->attestation_chain, entry->attestation_chain_len, &application);
        if (application.has_package)
            memcpy(info->spec.attestation_application_id, application.package, sizeof(application.package));
        if (application.has_signature_digest) {
            memcpy(info->spec.attestation_app_signature_digest, application.signature_digest,
                   sizeof(application.signature_digest));
            info->spec.attestation_app_signature_digest_len = sizeof(application.signature_digest);
        }
    }
    info->sid_count = entry->auth.sid_count;
    memcpy(info->sids, entry->auth.sids, sizeof(info->sids));
    if (entry->deleted_because != KSSIM_REASON_NONE) {
        info->state = KSSIM_KEY_INVALIDATED;
        info->reason = entry->deleted_because;
        info->uses_remaining = 0;
        return KSSIM_OK;
    }
    bool usable = sim_framework_can_user_authorization_succeed(device, entry, &info->reason);
    info->state = usable ? KSSIM_KEY_VALID : KSSIM_KEY_INVALIDATED;
    return KSSIM_OK;
}

kssim_result kssim_key_aliases(kssim_device *device, char ***aliases, size_t *count)
{
    SIM_BEGIN_CALL(device);
    *aliases = NULL;
    *count = 0;
    /* Every row, read once (a device directory's commands read only the rows they touch). */
    kssim_result loaded = sim_key_database_load_all(&device->ks.db);
    if (loaded != KSSIM_OK)
        return loaded;
    const sim_key_database *db = &device->ks.db;
    if (db->count == 0)
        return KSSIM_OK;
    char **list = calloc(db->count, sizeof(*list));
    if (list == NULL)
        return sim_refuse(&device->env, KSSIM_SYSTEM_ERROR, "out of memory listing keys");
    for (size_t i = 0; i < db->count; i++) {
        list[i] = strdup(db->entries[i]->alias);
        if (list[i] == NULL) {
            for (size_t j = 0; j < i; j++)
                free(list[j]);
            free(list);
            return sim_refuse(&device->env, KSSIM_SYSTEM_ERROR, "out of memory listing keys");
        }
    }
    *aliases = list;
    *count = db->count;
    return KSSIM_OK;
}

/* The app's KeyStore.getKeyEntry: the key's entry, or the refusal a missing or deleted key answers. */
static kssim_result find_usable_key_entry(kssim_device *device, const char *alias, sim_key_entry **entry)
{
    kssim_result reached = sim_framework_call_keystore_service(device, "getKeyEntry");
    if (reached != KSSIM_OK)
        return reached;
    *entry = sim_key_database_find(&device->ks.db, alias);
    return sim_framework_refuse_unusable_key(device, alias, *entry);
}

/* A copy of bytes the key entry holds, for the caller to free with kssim_free. */
static kssim_result copy_out(kssim_device *device, const uint8_t *bytes, size_t len, const char *what, uint8_t **out,
                             size_t *out_len)
{
    *out = malloc(len);
    if (*out == NULL)
        return sim_refuse(&device->env, KSSIM_SYSTEM_ERROR, "out of memory copying %s: free some memory and retry",
                          what);
    memcpy(*out, bytes, len);
    *out_len = len;
    return KSSIM_OK;
}

kssim_result kssim_export_public(kssim_device *device, const char *alias, uint8_t **der, size_t *der_len)
{
    SIM_BEGIN_CALL(device);
    *der = NULL;
    *der_len = 0;
    sim_key_entry *entry;
    kssim_result usable = find_usable_key_entry(device, alias, &entry);
    if (usable != KSSIM_OK)
        return usable;
    if (entry->public_key == NULL)
        return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT,
                          "the key '%s' is symmetric: it has no public half to export (only ec, rsa and ed25519 "
                          "keys have one)",
                          alias);
    return copy_out(device, entry->public_key, entry->public_key_len, "a public key", der, der_len);
}

kssim_result kssim_attestation_chain(kssim_device *device, const char *alias, uint8_t **der, size_t *der_len,
                                     size_t *count)
{
    SIM_BEGIN_CALL(device);
    *der = NULL;
    *der_len = 0;
    *count = 0;
    sim_key_entry *entry;
    kssim_result usable = find_usable_key_entry(device, alias, &entry);
    if (usable != KSSIM_OK)
        return usable;
    if (entry->attestation_chain == NULL)
        return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT,
                          "the key '%s' has no attestation chain: generate an asymmetric key with an attestation "
                          "challenge to get one",
                          alias);
    kssim_result r =
        copy_out(device, entry->attestation_chain, entry->attestation_chain_len, "an attestation chain", der, der_len);
    if (r == KSSIM_OK)
        *count = SIM_ATTESTATION_CHAIN_LENGTH;
    return r;
}

kssim_result kssim_attestation_root(kssim_device *device, uint8_t **der, size_t *der_len)
{
    SIM_BEGIN_CALL(device);
    *der = NULL;
    *der_len = 0;
    return sim_keymint_attestation_root(&device->sw, der, der_len);
}
