/*
 * keymint_faults.c - the secure world's injected faults (docs/faults.md): a StrongBox that is present
 * but fails, and key blobs that no longer open as they are - one from before an OS update
 * (KEY_REQUIRES_UPGRADE, which keystore2 mends with upgradeKey) or one that does not decrypt at all
 * (INVALID_KEY_BLOB).
 *
 * A blob fault names the blob by its SHA-256, as KeyMint's own records name keys: the very bytes are out
 * of date, so the new blob an upgrade makes opens normally.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "secure/keymint_blob.h"
#include "secure/keymint_internal.h"

kssim_result sim_keymint_inject_strongbox_fault(sim_secure_world *sw, uint32_t calls)
{
    if (sw->security_level != KSSIM_SECURITY_STRONGBOX)
        return sim_refuse(sw->env, KSSIM_INVALID_ARGUMENT,
                          "this device has no StrongBox to fail (every StrongBox call already answers "
                          "HARDWARE_TYPE_UNAVAILABLE): simulate a device whose security_level is strongbox");
    sw->faults.strongbox_failing = true;
    sw->faults.strongbox_failing_calls = calls;
    return KSSIM_OK;
}

void sim_keymint_clear_strongbox_fault(sim_secure_world *sw)
{
    sw->faults.strongbox_failing = false;
    sw->faults.strongbox_failing_calls = 0;
}

/* R-FAULT-STRONGBOX-FAILING: a declared StrongBox keystore2 cannot reach: new keys HARDWARE_TYPE_UNAVAILABLE, its keys
 * SYSTEM_ERROR. AOSP: system/security keystore2/src/service.rs get_security_level, get_i_sec_level_by_uuid */
kssim_result keymint_check_strongbox_answers(sim_secure_world *sw, kssim_security_level level, bool existing_key)
{
    sim_secure_faults *faults = &sw->faults;
    if (level != KSSIM_SECURITY_STRONGBOX || !faults->strongbox_failing)
        return KSSIM_OK;
    if (faults->strongbox_failing_calls != 0 && --faults->strongbox_failing_calls == 0)
        faults->strongbox_failing = false;
    /* keystore2 has no connection to the StrongBox KeyMint HAL. For a key already in it, getKeyEntry looks up
     * the KeyMint instance of the key's UUID and finds none: Error::sys(), "KeyMint instance for key not
     * found". */
    if (existing_key)
        return sim_refuse(sw->env, KSSIM_SYSTEM_ERROR,
                          "the StrongBox is present but not answering (the strongbox_failing fault): keystore2 has no "
                          "KeyMint instance for this StrongBox key (\"KeyMint instance for key not found\"), so the "
                          "app gets KeyStoreException SYSTEM_ERROR (4); the key is not lost, retry once the StrongBox "
                          "answers");
    /* For a new key it has no security level to hand out: the framework turns that into
     * StrongBoxUnavailableException at generation. */
    return sim_refuse(sw->env, KSSIM_HARDWARE_TYPE_UNAVAILABLE,
                      "the StrongBox is present but not answering (the strongbox_failing fault): keystore2 cannot "
                      "reach its KeyMint, so the app gets StrongBoxUnavailableException / HARDWARE_TYPE_UNAVAILABLE; "
                      "fall back to a TEE key, or retry once the StrongBox answers");
}

static sim_blob_fault *find_blob_fault(sim_secure_world *sw, const uint8_t digest[32])
{
    for (size_t i = 0; i < sw->faults.blob_fault_count; i++)
        if (CRYPTO_memcmp(sw->faults.blobs[i].blob_digest, digest, 32) == 0)
            return &sw->faults.blobs[i];
    return NULL;
}

static void forget_blob_fault(sim_secure_world *sw, sim_blob_fault *fault)
{
    size_t i = (size_t)(fault - sw->faults.blobs);
    memmove(fault, fault + 1, (sw->faults.blob_fault_count - i - 1) * sizeof(*fault));
    sw->faults.blob_fault_count--;
    memset(&sw->faults.blobs[sw->faults.blob_fault_count], 0, sizeof(*fault));
}

kssim_result sim_keymint_inject_blob_fault(sim_secure_world *sw, const sim_key_blob *blob, kssim_result answer)
{
    uint8_t digest[32];
    if (blob == NULL || blob->data == NULL || sim_sha256(&sw->env->crypto, blob->data, blob->len, digest) != 0)
        return sim_refuse(sw->env, KSSIM_SYSTEM_ERROR, "OpenSSL failed to hash the key blob");
    sim_blob_fault *fault = find_blob_fault(sw, digest);
    if (fault == NULL) {
        if (sw->faults.blob_fault_count == SIM_MAX_BLOB_FAULTS)
            return sim_refuse(sw->env, KSSIM_INVALID_ARGUMENT,
                              "%d key blobs already carry a fault, the most kssim keeps: use or delete some of those "
                              "keys first",
                              SIM_MAX_BLOB_FAULTS);
        fault = &sw->faults.blobs[sw->faults.blob_fault_count++];
        memcpy(fault->blob_digest, digest, sizeof(digest));
    }
    /* A blob that no longer decrypts stays so; one that only needs an upgrade may still break. */
    if (fault->answer != KSSIM_INVALID_KEY_BLOB)
        fault->answer = answer;
    return KSSIM_OK;
}

/* R-FAULT-BLOB-FAILS-TO-OPEN: an out-of-date blob answers KEY_REQUIRES_UPGRADE, a lost one INVALID_KEY_BLOB. AOSP:
 * hardware/interfaces security/keymint/aidl/android/hardware/security/keymint/IKeyMintDevice.aidl begin,
 * ErrorCode.aidl KEY_REQUIRES_UPGRADE */
kssim_result keymint_check_blob_fault(sim_secure_world *sw, const sim_key_blob *blob)
{
    if (sw->faults.blob_fault_count == 0 || blob == NULL || blob->data == NULL)
        return KSSIM_OK;
    uint8_t digest[32];
    if (sim_sha256(&sw->env->crypto, blob->data, blob->len, digest) != 0)
        return sim_refuse(sw->env, KSSIM_SYSTEM_ERROR, "OpenSSL failed to hash the key blob");
    const sim_blob_fault *fault = find_blob_fault(sw, digest);
    if (fault == NULL)
        return KSSIM_OK;
    if (fault->answer == KSSIM_KEY_REQUIRES_UPGRADE)
        return sim_refuse(sw->env, KSSIM_KEY_REQUIRES_UPGRADE,
                          "the key blob was made for an older OS or patch level: keystore2 upgrades it with upgradeKey "
                          "and retries");
    return sim_refuse(sw->env, KSSIM_INVALID_KEY_BLOB,
                      "the key blob no longer decrypts (the key_blob_undecryptable fault: as when the secure world's "
                      "key-encryption key changed in an update or a TEE reset): the key is lost; delete it and "
                      "generate or import it again");
}

kssim_result sim_keymint_upgrade_key(sim_secure_world *sw, const sim_key_blob *blob, sim_key_blob *upgraded)
{
    upgraded->data = NULL;
    upgraded->len = 0;
    uint8_t old_id[32];
    if (sim_sha256(&sw->env->crypto, blob->data, blob->len, old_id) != 0)
        return sim_refuse(sw->env, KSSIM_SYSTEM_ERROR, "OpenSSL failed to hash the key blob");
    sim_blob_fault *fault = find_blob_fault(sw, old_id);
    if (fault != NULL && fault->answer == KSSIM_INVALID_KEY_BLOB)
        return keymint_check_blob_fault(sw, blob);
    sim_auth_list auth;
    keymint_key_material material;
    kssim_result r = keymint_blob_open(sw, blob, &auth, &material);
    if (r != KSSIM_OK)
        return r;
    r = keymint_blob_seal(sw, &auth, &material, upgraded);
    keymint_key_material_free(&material);
    if (r != KSSIM_OK)
        return r;
    /* The upgraded blob is the same key: its per-boot use records follow it to its new id. */
    uint8_t new_id[32];
    if (sim_sha256(&sw->env->crypto, upgraded->data, upgraded->len, new_id) != 0) {
        sim_key_blob_free(upgraded);
        return sim_refuse(sw->env, KSSIM_SYSTEM_ERROR, "OpenSSL failed to hash the key blob");
    }
    keymint_key_usage *usage = (keymint_key_usage *)keymint_find_key_usage(sw->keymint, old_id);
    if (usage != NULL)
        memcpy(usage->key_id, new_id, sizeof(new_id));
    fault = find_blob_fault(sw, old_id);
    if (fault != NULL)
        forget_blob_fault(sw, fault);
    return KSSIM_OK;
}

void sim_keymint_fault_counts(const sim_secure_world *sw, bool *strongbox_failing, uint32_t *strongbox_calls,
                              uint32_t *requiring_upgrade, uint32_t *undecryptable)
{
    *strongbox_failing = sw->faults.strongbox_failing;
    *strongbox_calls = sw->faults.strongbox_failing_calls;
    *requiring_upgrade = 0;
    *undecryptable = 0;
    for (size_t i = 0; i < sw->faults.blob_fault_count; i++) {
        if (sw->faults.blobs[i].answer == KSSIM_KEY_REQUIRES_UPGRADE)
            (*requiring_upgrade)++;
        else
            (*undecryptable)++;
    }
}

static const uint32_t blob_answers[] = {(uint32_t)KSSIM_KEY_REQUIRES_UPGRADE, (uint32_t)KSSIM_INVALID_KEY_BLOB};

void sim_secure_faults_image_encode(const sim_secure_world *sw, sim_writer *w)
{
    sim_write_bool(w, sw->faults.strongbox_failing);
    sim_write_u32(w, sw->faults.strongbox_failing_calls);
    sim_write_u32(w, sw->faults.blob_fault_count);
    for (size_t i = 0; i < sw->faults.blob_fault_count; i++) {
        sim_write_raw(w, sw->faults.blobs[i].blob_digest, 32);
        sim_write_u32(w, (uint32_t)sw->faults.blobs[i].answer);
    }
}

void sim_secure_faults_image_decode(sim_reader *r, sim_secure_faults *faults)
{
    memset(faults, 0, sizeof(*faults));
    faults->strongbox_failing = sim_read_bool(r);
    faults->strongbox_failing_calls = sim_read_u32(r);
    uint32_t count = sim_read_u32(r);
    if (count > SIM_MAX_BLOB_FAULTS) {
        if (!sim_reader_failed(r))
            sim_reader_fail(r, "it holds more blob faults than kssim keeps");
        return;
    }
    faults->blob_fault_count = count;
    for (uint32_t i = 0; i < count; i++) {
        sim_read_raw(r, faults->blobs[i].blob_digest, 32);
        faults->blobs[i].answer =
            (kssim_result)(int32_t)sim_read_enum(r, blob_answers, 2, "a blob fault's answer is unknown");
    }
}
