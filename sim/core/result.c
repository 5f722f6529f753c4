/*
 * result.c - names, numbers and general advice for every result.
 *
 * The names are the contract's (shared/spec/scenario-format.md): users match on them in scenarios, in
 * kssim's stderr and in OpenSSL error strings. The advice is the fallback sentence when no rule gave
 * a more specific one.
 */
#include <stdio.h>
#include <string.h>

#include <kssim/result.h>

#include "core/names.h"

static const struct {
    kssim_result result;
    const char *name;
    const char *advice;
} results[] = {
    {KSSIM_OK, "ok", "The call succeeded."},
    {KSSIM_LOCKED, "LOCKED",
     "Unlock the device once after boot (verify the credential) before using keys that need authentication."},
    {KSSIM_SYSTEM_ERROR, "SYSTEM_ERROR",
     "keystore could not be reached (retry after a moment), or the simulator failed internally (a bug worth "
     "reporting)."},
    {KSSIM_KEY_NOT_FOUND, "KEY_NOT_FOUND", "No key has this alias; generate or import one first."},
    {KSSIM_KEY_PERMANENTLY_INVALIDATED, "KEY_PERMANENTLY_INVALIDATED",
     "This key can never be used again; delete it and generate a new one."},
    {KSSIM_BACKEND_BUSY, "BACKEND_BUSY",
     "Every KeyMint operation slot is taken by operations keystore2 may not prune; finish or abort one, then "
     "begin again."},
    {KSSIM_OPERATION_BUSY, "OPERATION_BUSY",
     "The operation is serving another call; wait for that call to return, then call again."},
    {KSSIM_UNSUPPORTED_PURPOSE, "UNSUPPORTED_PURPOSE",
     "This algorithm cannot do that in the keystore; use the public key outside it (verify, encrypt)."},
    {KSSIM_INCOMPATIBLE_PURPOSE, "INCOMPATIBLE_PURPOSE",
     "The key was not generated for this purpose; generate it with that purpose."},
    /* NULL advice: read from core/names.c's tables (derived_advice), so it cannot drift from the check. */
    {KSSIM_UNSUPPORTED_ALGORITHM, "UNSUPPORTED_ALGORITHM", NULL},
    {KSSIM_UNSUPPORTED_KEY_SIZE, "UNSUPPORTED_KEY_SIZE", NULL},
    {KSSIM_INCOMPATIBLE_BLOCK_MODE, "INCOMPATIBLE_BLOCK_MODE", "Use a block mode the key was generated with."},
    {KSSIM_UNSUPPORTED_PADDING_MODE, "UNSUPPORTED_PADDING_MODE",
     "Use a padding the algorithm has for this purpose: rsa signs with pkcs1, pss or none and decrypts with oaep, "
     "pkcs1 or none."},
    {KSSIM_INCOMPATIBLE_PADDING_MODE, "INCOMPATIBLE_PADDING_MODE", "Use a padding the key was generated with."},
    {KSSIM_UNSUPPORTED_DIGEST, "UNSUPPORTED_DIGEST",
     "Use a digest the algorithm supports: an hmac key needs exactly one real digest, such as sha256."},
    {KSSIM_INCOMPATIBLE_DIGEST, "INCOMPATIBLE_DIGEST", "Use a digest the key was generated with."},
    {KSSIM_INVALID_INPUT_LENGTH, "INVALID_INPUT_LENGTH",
     "An input is longer than KeyMint takes: an attestation challenge is at most 128 bytes."},
    {KSSIM_KEY_NOT_YET_VALID, "KEY_NOT_YET_VALID", "Wait until the key's activation date (wall clock)."},
    {KSSIM_KEY_EXPIRED, "KEY_EXPIRED", "The key's validity period (wall clock) is over; generate a new key."},
    {KSSIM_KEY_USER_NOT_AUTHENTICATED, "KEY_USER_NOT_AUTHENTICATED",
     "Authenticate the user as the key requires, then retry."},
    {KSSIM_INVALID_OPERATION_HANDLE, "INVALID_OPERATION_HANDLE",
     "The operation is gone (finished, aborted, pruned for a newer one or lost in a reboot); begin a new one."},
    {KSSIM_VERIFICATION_FAILED, "VERIFICATION_FAILED",
     "The signature or data does not match; check that both are the ones that were signed."},
    {KSSIM_TOO_MANY_OPERATIONS, "TOO_MANY_OPERATIONS",
     "KeyMint has no free operation slot; finish or abort an operation, then begin again."},
    {KSSIM_INVALID_KEY_BLOB, "INVALID_KEY_BLOB",
     "The stored key was altered or corrupted; delete it and generate a new one."},
    {KSSIM_INVALID_ARGUMENT, "INVALID_ARGUMENT", "Check the call's arguments."},
    {KSSIM_KEY_RATE_LIMIT_EXCEEDED, "KEY_RATE_LIMIT_EXCEEDED", "Wait the key's minimum interval between operations."},
    {KSSIM_CALLER_NONCE_PROHIBITED, "CALLER_NONCE_PROHIBITED",
     "Leave the nonce out and let KeyMint choose it, or generate the key with caller_nonce: true "
     "(setRandomizedEncryptionRequired(false))."},
    {KSSIM_KEY_MAX_OPS_EXCEEDED, "KEY_MAX_OPS_EXCEEDED",
     "The key's uses for this boot are spent; reboot to reset them."},
    {KSSIM_KEY_REQUIRES_UPGRADE, "KEY_REQUIRES_UPGRADE",
     "The key blob is from an older OS or patch level: keystore2 upgrades it (upgradeKey) and retries the call."},
    {KSSIM_ROLLBACK_RESISTANCE_UNAVAILABLE, "ROLLBACK_RESISTANCE_UNAVAILABLE",
     "This security level has no rollback-protected storage; ask for tee or strongbox, or drop rollback resistance."},
    {KSSIM_HARDWARE_TYPE_UNAVAILABLE, "HARDWARE_TYPE_UNAVAILABLE",
     "This device has no such secure hardware; ask for tee instead."},
    {KSSIM_DEVICE_LOCKED, "DEVICE_LOCKED", "Unlock the device; this key works only while it is unlocked."},
    {KSSIM_WRONG_CREDENTIAL, "WRONG_CREDENTIAL", "Enter the device's current PIN, password or pattern."},
    {KSSIM_RETRY_TIMEOUT, "RETRY_TIMEOUT", "Too many wrong attempts: wait for the throttling timeout, then retry."},
    {KSSIM_NO_CREDENTIAL, "NO_CREDENTIAL", "Set a lock-screen credential first."},
    {KSSIM_NO_SECURE_LOCK_SCREEN, "NO_SECURE_LOCK_SCREEN", "Set a PIN, password or pattern first."},
    {KSSIM_NO_BIOMETRIC_ENROLLED, "NO_BIOMETRIC_ENROLLED",
     "Enroll a strong biometric first, or allow the device credential too."},
    {KSSIM_NO_MATCH, "NO_MATCH", "Present an enrolled biometric."},
    {KSSIM_LOCKOUT, "LOCKOUT", "Too many failed biometric attempts: wait 30 s, or use the credential."},
    {KSSIM_LOCKOUT_PERMANENT, "LOCKOUT_PERMANENT",
     "Biometrics are locked out: verify the device credential to re-enable them."},
    {KSSIM_DEVICE_UNAVAILABLE, "DEVICE_UNAVAILABLE",
     "The device directory cannot be used: check its path and permissions, or choose another with --device "
     "or KSSIM_DEVICE."},
    {KSSIM_DEVICE_DAMAGED, "DEVICE_DAMAGED",
     "The device's files are damaged or from a newer kssim: use that kssim, or replace the device with "
     "`kssim init --force`."},
};

const char *kssim_result_name(kssim_result result)
{
    for (size_t i = 0; i < sizeof(results) / sizeof(results[0]); i++)
        if (results[i].result == result)
            return results[i].name;
    return NULL;
}

int kssim_result_from_name(const char *name, kssim_result *out)
{
    for (size_t i = 0; i < sizeof(results) / sizeof(results[0]); i++)
        if (strcmp(results[i].name, name) == 0) {
            *out = results[i].result;
            return 0;
        }
    return -1;
}

/* The advice that lists a vocabulary or the key sizes, rendered once per thread from their tables: a
 * thread-local buffer needs no lock, and its text never changes, so the pointer stays good. */
static const char *derived_advice(kssim_result result)
{
    static _Thread_local char algorithms[128];
    static _Thread_local char key_sizes[256];
    if (result == KSSIM_UNSUPPORTED_ALGORITHM) {
        if (algorithms[0] == '\0') {
            char list[96];
            sim_vocabulary_list(&sim_algorithms, ", ", list, sizeof(list));
            snprintf(algorithms, sizeof(algorithms), "Use one of %s.", list);
        }
        return algorithms;
    }
    if (key_sizes[0] == '\0')
        sim_key_sizes_summary(key_sizes, sizeof(key_sizes));
    return key_sizes;
}

const char *kssim_result_advice(kssim_result result)
{
    for (size_t i = 0; i < sizeof(results) / sizeof(results[0]); i++)
        if (results[i].result == result)
            return results[i].advice != NULL ? results[i].advice : derived_advice(result);
    return "Unknown result.";
}
