/*
 * power.c - time passing, reboots, and the user locking and unlocking the phone.
 *
 * Both clocks move with `advance`; the wall clock alone can jump (the user or the network sets it).
 * A reboot restarts the boot clock, replaces the per-boot HMAC key, empties keystore2's RAM and leaves
 * the user's super key locked until the first unlock.
 *
 * Locking and unlocking are what TrustManagerService tells keystore2: onDeviceLocked only when the
 * keyguard is secure, with the strong biometrics that may unlock (unlockingSids) and whether a weak
 * unlock method (trust agent, weak biometric) may; onDeviceUnlocked with the credential, or without it
 * for a biometric or trust-agent unlock, which only a device already unlocked by the credential since
 * boot accepts (the keyguard demands the credential after boot).
 */
#include <stdio.h>

#include "framework/device.h"

kssim_result kssim_check_advance(uint64_t boot_ms, int64_t wall_ms, uint64_t ms, char *why, size_t why_size)
{
    /* Each clock's room left; a wall clock before 1970 has more than KSSIM_CLOCK_MAX_MS, which no single
     * advance may exceed anyway. */
    uint64_t boot_room = boot_ms < KSSIM_CLOCK_MAX_MS ? KSSIM_CLOCK_MAX_MS - boot_ms : 0;
    uint64_t wall_room = wall_ms < 0 ? KSSIM_CLOCK_MAX_MS : KSSIM_CLOCK_MAX_MS - (uint64_t)wall_ms;
    uint64_t room = boot_room < wall_room ? boot_room : wall_room;
    if (ms > room) {
        snprintf(why, why_size,
                 "advancing by %llu ms would take the %s clock past %llu ms, the furthest the device's clocks go "
                 "(64-bit milliseconds, about 292 million years): advance by at most %llu ms",
                 (unsigned long long)ms, boot_room < wall_room ? "boot" : "wall",
                 (unsigned long long)KSSIM_CLOCK_MAX_MS, (unsigned long long)room);
        return KSSIM_INVALID_ARGUMENT;
    }
    if (why_size > 0)
        why[0] = '\0';
    return KSSIM_OK;
}

kssim_result kssim_advance(kssim_device *device, uint64_t ms)
{
    SIM_BEGIN_CALL(device);
    char why[SIM_MESSAGE_MAX];
    if (kssim_check_advance(device->env.clock.boot_ms, device->env.clock.wall_ms, ms, why, sizeof(why)) != KSSIM_OK)
        return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT, "%s", why);
    device->env.clock.boot_ms += ms;
    device->env.clock.wall_ms += (int64_t)ms;
    return KSSIM_OK;
}

kssim_result kssim_set_wall_clock(kssim_device *device, int64_t unix_ms)
{
    SIM_BEGIN_CALL(device);
    device->env.clock.wall_ms = unix_ms;
    return KSSIM_OK;
}

/* R-REBOOT-BOOT-CLOCK-RESTARTS: a reboot restarts the boot clock at 0. AOSP: HardwareAuthToken.aidl timestamp */
kssim_result kssim_reboot(kssim_device *device)
{
    SIM_BEGIN_CALL(device);
    /* The boot clock restarts first, so Gatekeeper sees the reboot (now <= its last check) and
     * restarts any throttling wait in full, as gatekeeper.cpp ThrottleRequest does. */
    device->env.clock.boot_ms = 0;
    sim_secure_world_reboot(&device->sw);
    sim_keystore2_on_boot(&device->ks);
    /* Without a secure lock screen there is no keyguard to pass: the user is unlocked as the system
     * starts (LockSettingsService unlocks keystore with no credential; TrustManagerService reports it
     * unlocked). */
    if (!device->sw.gatekeeper.enrolled)
        sim_keystore2_on_device_unlocked(&device->ks);
    return KSSIM_OK;
}

static bool weak_biometric_enrolled(const kssim_device *device)
{
    const sim_biometric *bio = &device->sw.biometric;
    for (uint32_t i = 0; i < bio->count; i++)
        if (bio->templates[i].biometric_class == KSSIM_BIOMETRIC_WEAK)
            return true;
    return false;
}

/* R-UDR-NEVER-LOCKED-WITHOUT-SECURE-LOCK: keystore2 hears of a lock only when the keyguard is secure,
 * so without a PIN, pattern or password an unlocked-device-required key never sees DEVICE_LOCKED.
 * AOSP: frameworks/base TrustManagerService refreshDeviceLockedForUser (deviceLocked needs isSecure) /
 * notifyKeystoreOfDeviceLockState; keystore2 authorization.rs on_device_locked */
static kssim_result lock_device(kssim_device *device, bool trust_agent_enabled)
{
    if (!device->sw.gatekeeper.enrolled)
        return KSSIM_OK;
    /* unlockingSids: the strong biometrics that may unlock (TrustManagerService getBiometricSids). */
    uint64_t sids[KSSIM_MODALITY_COUNT];
    size_t count = sim_framework_biometric_sids(device, sids);
    bool weak_unlock_enabled = trust_agent_enabled || weak_biometric_enrolled(device);
    sim_keystore2_on_device_locked(&device->ks, sids, count, weak_unlock_enabled);
    return KSSIM_OK;
}

kssim_result kssim_lock(kssim_device *device)
{
    SIM_BEGIN_CALL(device);
    return lock_device(device, false);
}

kssim_result kssim_lock_with_trust_agent(kssim_device *device)
{
    SIM_BEGIN_CALL(device);
    return lock_device(device, true);
}

kssim_result kssim_unlock(kssim_device *device, const char *secret)
{
    SIM_BEGIN_CALL(device);
    if (!device->sw.gatekeeper.enrolled) {
        if (secret != NULL && secret[0] != '\0')
            return sim_refuse(&device->env, KSSIM_NO_CREDENTIAL,
                              "the device has no lock screen, so there is nothing to verify: unlock without a "
                              "secret");
        sim_keystore2_on_device_unlocked(&device->ks);
        return KSSIM_OK;
    }
    if (secret == NULL)
        return sim_refuse(&device->env, KSSIM_WRONG_CREDENTIAL,
                          "the device has a lock screen: unlock with its PIN, password or pattern");
    /* Unlocking is a Gatekeeper verification: its PASSWORD token (challenge 0) reaches keystore2,
     * which is what lets timeout keys work right after an unlock. */
    kssim_auth_token token;
    kssim_result r = sim_gatekeeper_verify(&device->sw, secret, 0, &token);
    if (r != KSSIM_OK)
        return r;
    sim_keystore2_add_auth_token(&device->ks, &token);
    sim_biometric_reset_lockout(&device->sw);
    sim_keystore2_on_device_unlocked(&device->ks);
    return KSSIM_OK;
}

/* A non-credential unlock needs a secure lock screen to dismiss and a credential unlock since boot
 * (StrongAuthTracker STRONG_AUTH_REQUIRED_AFTER_BOOT: after a boot the keyguard takes only the credential). */
static kssim_result check_non_credential_unlock(kssim_device *device, const char *how)
{
    if (!device->sw.gatekeeper.enrolled)
        return sim_refuse(&device->env, KSSIM_NO_SECURE_LOCK_SCREEN,
                          "the device has no secure lock screen, so there is nothing to unlock %s: unlock without "
                          "arguments",
                          how);
    if (!device->ks.unlocked_since_boot)
        return sim_refuse(&device->env, KSSIM_LOCKED,
                          "after a boot the lock screen accepts only the credential, so it cannot be unlocked %s "
                          "yet: unlock with the PIN, password or pattern first",
                          how);
    return KSSIM_OK;
}

kssim_result kssim_unlock_with_biometric(kssim_device *device, uint32_t id)
{
    SIM_BEGIN_CALL(device);
    kssim_result r = check_non_credential_unlock(device, "with a biometric");
    if (r != KSSIM_OK)
        return r;
    /* The keyguard's authentication: a strong match sends its FINGERPRINT token (challenge 0) to
     * keystore2 first, which is what try_unlock_user_with_biometric then finds. */
    kssim_auth_token token;
    bool issued = false;
    r = sim_biometric_authenticate(&device->sw, id, 0, device->sw.gatekeeper.sid, &token, &issued);
    if (r != KSSIM_OK)
        return r;
    if (issued)
        sim_keystore2_add_auth_token(&device->ks, &token);
    sim_keystore2_on_device_unlocked_without_credential(&device->ks);
    return KSSIM_OK;
}

kssim_result kssim_unlock_with_trust_agent(kssim_device *device)
{
    SIM_BEGIN_CALL(device);
    kssim_result r = check_non_credential_unlock(device, "by a trust agent");
    if (r != KSSIM_OK)
        return r;
    sim_keystore2_on_device_unlocked_without_credential(&device->ks);
    return KSSIM_OK;
}
