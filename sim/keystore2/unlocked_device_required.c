/*
 * unlocked_device_required.c - keystore2's rules for Tag::UNLOCKED_DEVICE_REQUIRED keys.
 *
 * Two places in keystore2 decide them. authorize_create (enforcements.rs) answers DEVICE_LOCKED while
 * the device is locked and, on Android 12 to 14, KEY_USER_NOT_AUTHENTICATED while its cache holds no auth
 * token at all. unwrap_key_if_required (super_key.rs) then needs the UnlockedDeviceRequired super keys,
 * which every lock wipes: a credential unlock brings them back; a biometric unlock only through the
 * biometric-encrypted copy made at lock for that biometric's SID, with a token at most 15 s old; a weak
 * unlock (trust agent) only on Android 15, when a weak unlock method kept them. Otherwise: LOCKED.
 */
#include "core/invariant.h"
#include "core/android_versions.h"
#include "keystore2/keystore2.h"

/* super_key.rs BIOMETRIC_AUTH_TIMEOUT_S: the biometric-unlock key is a 15 s timeout key. */
#define BIOMETRIC_UNLOCK_TIMEOUT_MS 15000u

/* R-UDR-DEVICE-LOCKED: an unlocked-device-required key works only while the device is unlocked
 * (DEVICE_LOCKED). AOSP: keystore2 enforcements.rs authorize_create (is_device_locked) */
/* R-UDR-NEEDS-TOKEN: on Android 12-14 such a key also needs some auth token in the cache, any one.
 * AOSP: keystore2 enforcements.rs authorize_create (need_auth_token; skipped under
 * fix_unlocked_device_required_keys_v2 in Android 15) */
kssim_result sim_keystore2_authorize_unlocked_device_required(sim_keystore2 *ks, const sim_key_entry *entry)
{
    if (!entry->auth.unlocked_device_required)
        return KSSIM_OK;
    bool needs_any_token = sim_android_has(ks->api_level, SIM_ANDROID_UDR_NEEDS_AUTH_TOKEN);
    if (ks->locked)
        sim_keystore2_explain_unlocked_device(ks, entry, needs_any_token, KSSIM_DEVICE_LOCKED);
    if (ks->locked)
        return sim_refuse(ks->env, KSSIM_DEVICE_LOCKED,
                          "the key '%s' works only while the device is unlocked: unlock it, then retry", entry->alias);
    sim_keystore2_explain_unlocked_device(ks, entry, needs_any_token,
                                          needs_any_token && ks->tokens.count == 0 ? KSSIM_KEY_USER_NOT_AUTHENTICATED
                                                                                   : KSSIM_OK);
    if (needs_any_token && ks->tokens.count == 0)
        return sim_refuse(ks->env, KSSIM_KEY_USER_NOT_AUTHENTICATED,
                          "on Android 12 to 14 keystore2 lets an unlocked-device-required key work only once some "
                          "authentication has happened since boot (any auth token), and there has been none: "
                          "verify the credential or authenticate a strong biometric, then retry (without a lock "
                          "screen this key can never work on this release)");
    return KSSIM_OK;
}

/* R-UDR-SUPER-KEY-LOCKED: with the device unlocked but its UnlockedDeviceRequired super keys not in
 * memory (a biometric or trust-agent unlock that could not restore them), such a key answers LOCKED.
 * AOSP: keystore2 super_key.rs unwrap_key_if_required ("Required super decryption key is not in memory") */
kssim_result sim_keystore2_unwrap_unlocked_device_required(sim_keystore2 *ks, const sim_key_entry *entry)
{
    if (!entry->auth.unlocked_device_required || ks->udr_keys_in_memory)
        return KSSIM_OK;
    return sim_refuse(ks->env, KSSIM_LOCKED,
                      "the key '%s' needs the device unlocked by something that restores its super key, and this "
                      "unlock did not (a trust agent, a biometric not enrolled when the device locked, or a "
                      "biometric token older than 15 s): unlock with the credential, then retry",
                      entry->alias);
}

/* The newest cached token whose user ID or authenticator ID is sid (database.rs find_auth_token_entry). */
static const sim_cached_token *newest_token_naming(const sim_token_cache *cache, uint64_t sid)
{
    const sim_cached_token *found = NULL;
    for (size_t i = 0; i < cache->count; i++)
        if (cache->tokens[i].token.user_id == sid || cache->tokens[i].token.authenticator_id == sid)
            found = &cache->tokens[i];
    return found;
}

/* Whether KeyMint would let the biometric-unlock key (AES, FINGERPRINT, 15 s timeout, bound to every
 * unlocking SID) decrypt with this token: authentic, a biometric one, naming one of the SIDs, fresh. */
static bool biometric_unlock_key_accepts(const sim_keystore2 *ks, const kssim_auth_token *token)
{
    if (!sim_auth_token_is_authentic(ks->sw, token) ||
        (token->authenticator_type & KSSIM_AUTHENTICATOR_FINGERPRINT) == 0)
        return false;
    bool names_sid = false;
    KSSIM_INVARIANT(ks->biometric_unlock_sid_count <= KSSIM_MODALITY_COUNT,
                    "the biometric-encrypted copy names at most one SID per biometric modality");
    for (uint32_t i = 0; i < ks->biometric_unlock_sid_count; i++)
        names_sid = names_sid || token->user_id == ks->biometric_unlock_sids[i] ||
                    token->authenticator_id == ks->biometric_unlock_sids[i];
    uint64_t now = ks->env->clock.boot_ms;
    return names_sid && token->timestamp_ms <= now && now - token->timestamp_ms <= BIOMETRIC_UNLOCK_TIMEOUT_MS;
}

/* R-UDR-BIOMETRIC-UNLOCK: after a non-credential unlock keystore2 tries, SID by SID of the lock's list,
 * the newest cached token naming it against the biometric-encrypted copy; the first that KeyMint accepts
 * restores the UnlockedDeviceRequired super keys. AOSP: keystore2 super_key.rs
 * try_unlock_user_with_biometric */
void sim_keystore2_try_unlock_with_biometric(sim_keystore2 *ks)
{
    KSSIM_INVARIANT(ks->biometric_unlock_sid_count <= KSSIM_MODALITY_COUNT,
                    "the biometric-encrypted copy names at most one SID per biometric modality");
    if (ks->udr_keys_in_memory)
        return; /* a weak unlock method kept them in plaintext (Android 15) */
    for (uint32_t i = 0; i < ks->biometric_unlock_sid_count; i++) {
        const sim_cached_token *cached = newest_token_naming(&ks->tokens, ks->biometric_unlock_sids[i]);
        if (cached != NULL && biometric_unlock_key_accepts(ks, &cached->token)) {
            ks->udr_keys_in_memory = true;
            return;
        }
    }
}
