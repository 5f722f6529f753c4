/*
 * lock_screen.c - the lock-screen credential, as LockSettingsService drives Gatekeeper.
 *
 * Setting a first credential creates the user's secure ID (SID). Changing it with the old one is a
 * trusted re-enrollment that keeps the SID, so keys survive. Resetting it without the old one (an
 * admin or escrow reset) is untrusted: a new SID, and keys bound to the old one can never be
 * authorized again. Removing it deletes every key that needs user authentication and every biometric.
 */
#include "framework/device.h"

static kssim_result require_credential(kssim_device *device, const char *what)
{
    if (device->sw.gatekeeper.enrolled)
        return KSSIM_OK;
    return sim_refuse(&device->env, KSSIM_NO_CREDENTIAL, "the device has no lock screen to %s: set_credential first",
                      what);
}

kssim_result kssim_set_credential(kssim_device *device, kssim_credential_type type, const char *secret)
{
    SIM_BEGIN_CALL(device);
    if (type != KSSIM_CREDENTIAL_PIN && type != KSSIM_CREDENTIAL_PASSWORD && type != KSSIM_CREDENTIAL_PATTERN)
        return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT, "the credential type must be pin, password or pattern");
    if (device->sw.gatekeeper.enrolled)
        return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT,
                          "a lock screen is already set: use change_credential (keeps the SID and keys) or "
                          "reset_credential (new SID)");
    return sim_gatekeeper_enroll(&device->sw, type, secret, NULL);
}

kssim_result kssim_change_credential(kssim_device *device, const char *old_secret, const char *new_secret)
{
    SIM_BEGIN_CALL(device);
    kssim_result r = require_credential(device, "change");
    if (r != KSSIM_OK)
        return r;
    if (old_secret == NULL)
        return sim_refuse(&device->env, KSSIM_WRONG_CREDENTIAL, "a trusted change needs the current credential");
    /* NONE: the type of the credential Gatekeeper verifies, read after charging the attempt, which can
     * reload the device; read here it could be that of a credential another process replaced. */
    return sim_gatekeeper_enroll(&device->sw, KSSIM_CREDENTIAL_NONE, new_secret, old_secret);
}

kssim_result kssim_reset_credential(kssim_device *device, const char *new_secret)
{
    SIM_BEGIN_CALL(device);
    kssim_result r = require_credential(device, "reset");
    if (r != KSSIM_OK)
        return r;
    return sim_gatekeeper_enroll(&device->sw, device->sw.gatekeeper.type, new_secret, NULL);
}

kssim_result kssim_remove_credential(kssim_device *device, const char *old_secret)
{
    SIM_BEGIN_CALL(device);
    kssim_result r = require_credential(device, "remove");
    if (r != KSSIM_OK)
        return r;
    if (old_secret == NULL)
        return sim_refuse(&device->env, KSSIM_WRONG_CREDENTIAL,
                          "removing the lock screen needs the current credential");
    kssim_auth_token token;
    r = sim_gatekeeper_verify(&device->sw, old_secret, 0, &token);
    if (r != KSSIM_OK)
        return r;
    sim_keystore2_delete_auth_bound_keys(&device->ks);
    sim_biometric_remove_all(&device->sw);
    sim_gatekeeper_delete(&device->sw);
    sim_keystore2_on_device_unlocked(&device->ks); /* with no lock screen the user is always unlocked */
    return KSSIM_OK;
}

kssim_result kssim_verify_credential(kssim_device *device, const char *secret, uint64_t challenge,
                                     kssim_auth_token *token_out)
{
    SIM_BEGIN_CALL(device);
    kssim_result r = require_credential(device, "verify");
    if (r != KSSIM_OK)
        return r;
    if (secret == NULL)
        return sim_refuse(&device->env, KSSIM_WRONG_CREDENTIAL, "verification needs the credential");
    kssim_auth_token token;
    r = sim_gatekeeper_verify(&device->sw, secret, challenge, &token);
    if (r != KSSIM_OK)
        return r;
    sim_framework_deliver_token(device, &token);
    sim_biometric_reset_lockout(&device->sw);
    if (token_out != NULL)
        *token_out = token;
    return KSSIM_OK;
}
