/*
 * power.c - time passing, reboots, and the user locking and unlocking the phone.
 *
 * Both clocks move with `advance`; the wall clock alone can jump (the user or the network sets it).
 * A reboot restarts the boot clock, replaces the per-boot HMAC key, empties keystore2's RAM and leaves
 * the user's super key locked until the first unlock.
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
    sim_framework_deliver_due_tokens(device);
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
    sim_framework_drop_delayed_tokens(device);
    sim_secure_world_reboot(&device->sw);
    sim_keystore2_on_boot(&device->ks);
    return KSSIM_OK;
}

kssim_result kssim_lock(kssim_device *device)
{
    SIM_BEGIN_CALL(device);
    sim_keystore2_on_device_locked(&device->ks);
    return KSSIM_OK;
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
    sim_framework_deliver_token(device, &token);
    sim_biometric_reset_lockout(&device->sw);
    sim_keystore2_on_device_unlocked(&device->ks);
    return KSSIM_OK;
}
