/*
 * keystore2_state.c - what keystore2 learns from the rest of the system (IKeystoreAuthorization):
 * auth tokens, the device being locked or unlocked, and boot.
 *
 * The super key that protects auth-bound keys exists in memory only from the user's first unlock after
 * boot (super_key.rs); until then such keys give LOCKED. The token cache is RAM only. The super keys of
 * UNLOCKED_DEVICE_REQUIRED keys are wiped at every lock and come back with the credential, with a strong
 * biometric the lock listed, or (where a weak unlock method kept them) with any unlock
 * (authorization.rs on_device_locked / on_device_unlocked, super_key.rs).
 */
#include <stdlib.h>
#include <string.h>

#include "core/invariant.h"
#include "core/android_versions.h"
#include "keystore2/keystore2.h"

void sim_keystore2_init(sim_keystore2 *ks, sim_env *env, sim_secure_world *sw, int api_level)
{
    memset(ks, 0, sizeof(*ks));
    ks->env = env;
    ks->sw = sw;
    ks->api_level = api_level;
    /* A new phone with no lock screen: the user is unlocked from the start. */
    ks->locked = false;
    ks->unlocked_since_boot = true;
    ks->udr_keys_in_memory = true;
}

void sim_keystore2_cleanup(sim_keystore2 *ks)
{
    sim_key_database_cleanup(&ks->db);
    free(ks->tokens.tokens);
    free(ks->operations);
    memset(ks, 0, sizeof(*ks));
}

/* R-TOKEN-CACHE-REPLACE-ONLY-BY-NEWER: keystore1 replaces a cached token only by a newer timestamp,
 * keystore2 by arrival. AOSP: keystore/auth_token_table.cpp AddAuthenticationToken; keystore2
 * database.rs insert_auth_token */
void sim_keystore2_add_auth_token_received_at(sim_keystore2 *ks, const kssim_auth_token *token, uint64_t received_ms)
{
    if (sim_android_has(ks->api_level, SIM_ANDROID_TOKEN_REPLACED_ONLY_BY_NEWER))
        sim_token_cache_add_keystore1(&ks->tokens, token, received_ms);
    else
        sim_token_cache_add(&ks->tokens, token, received_ms);
    sim_keystore2_route_token_to_operation(ks, token);
}

void sim_keystore2_add_auth_token(sim_keystore2 *ks, const kssim_auth_token *token)
{
    sim_keystore2_add_auth_token_received_at(ks, token, ks->env->clock.boot_ms);
}

/* R-UDR-WEAK-UNLOCK: at lock the plaintext UnlockedDeviceRequired super keys are wiped unless a weak unlock
 * method is enabled and the release honours it (Android 15); first a biometric-encrypted copy is made for
 * the unlocking SIDs if the keys are in memory. AOSP: keystore2 authorization.rs on_device_locked;
 * super_key.rs lock_unlocked_device_required_keys (lock_screen_lock_bound_key before 15) */
void sim_keystore2_on_device_locked(sim_keystore2 *ks, const uint64_t *unlocking_sids, size_t unlocking_sid_count,
                                    bool weak_unlock_enabled)
{
    bool keeps_weak = sim_android_has(ks->api_level, SIM_ANDROID_UDR_WEAK_UNLOCK);
    ks->locked = true;
    if (unlocking_sid_count == 0) {
        /* Before the fix flag an empty list left an earlier biometric-encrypted copy in place. */
        if (keeps_weak)
            ks->biometric_unlock_sid_count = 0;
    } else if (ks->udr_keys_in_memory) {
        if (unlocking_sid_count > KSSIM_MODALITY_COUNT)
            unlocking_sid_count = KSSIM_MODALITY_COUNT;
        memcpy(ks->biometric_unlock_sids, unlocking_sids, unlocking_sid_count * sizeof(*unlocking_sids));
        ks->biometric_unlock_sid_count = (uint32_t)unlocking_sid_count;
    }
    if (!(keeps_weak && weak_unlock_enabled))
        ks->udr_keys_in_memory = false;
    KSSIM_INVARIANT(ks->locked, "onDeviceLocked leaves keystore2 locked");
    KSSIM_INVARIANT(ks->biometric_unlock_sid_count <= KSSIM_MODALITY_COUNT,
                    "the biometric-encrypted copy names at most one SID per biometric modality");
    KSSIM_INVARIANT(ks->udr_keys_in_memory == false || (keeps_weak && weak_unlock_enabled),
                    "the UnlockedDeviceRequired super keys survive a lock only where a weak unlock method keeps them");
}

void sim_keystore2_on_device_unlocked(sim_keystore2 *ks)
{
    ks->locked = false;
    ks->unlocked_since_boot = true;
    ks->udr_keys_in_memory = true;
}

/* A non-credential unlock always clears keystore2's "locked" but brings the UnlockedDeviceRequired super
 * keys back only through the biometric-encrypted copy (or a plaintext copy a weak unlock method kept);
 * otherwise such keys answer LOCKED at unwrap (rule R-UDR-SUPER-KEY-LOCKED). AOSP: keystore2
 * authorization.rs on_device_unlocked (set_device_locked(false) before try_unlock_user_with_biometric) */
void sim_keystore2_on_device_unlocked_without_credential(sim_keystore2 *ks)
{
    bool had_udr_keys = ks->udr_keys_in_memory;
    ks->locked = false;
    sim_keystore2_try_unlock_with_biometric(ks);
    KSSIM_INVARIANT(!had_udr_keys || ks->udr_keys_in_memory, "an unlock never takes super keys out of memory");
}

/* R-REBOOT-EMPTIES-TOKEN-CACHE: a reboot empties keystore2's token cache (and every super key in RAM).
 * AOSP: keystore2 database perboot.rs; super_key.rs (keys held in memory only) */
/* R-REBOOT-ENDS-OPERATIONS: operations do not survive a boot. AOSP: keystore2 operation.rs OperationDb */
void sim_keystore2_on_boot(sim_keystore2 *ks)
{
    sim_token_cache_clear(&ks->tokens);
    /* Every operation is dropped with the keystore2 process; each record was active or pruned. */
    for (size_t i = 0; i < ks->operation_count; i++)
        KSSIM_INVARIANT(ks->operations[i].outcome == SIM_OUTCOME_UNKNOWN ||
                            ks->operations[i].outcome == SIM_OUTCOME_PRUNED,
                        "a record in the operation table is active or pruned");
    ks->operation_count = 0;
    ks->locked = true;
    ks->unlocked_since_boot = false;
    ks->udr_keys_in_memory = false;
    ks->biometric_unlock_sid_count = 0;
}
