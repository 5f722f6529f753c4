/*
 * biometric_manager.c - enrolling and presenting biometrics, as the framework's biometric services do.
 *
 * Enrollment needs a secure lock screen (the HAL wants a credential-backed token to enroll). A strong
 * match sends a FINGERPRINT token to keystore2; a weak one only tells the app "success". The last
 * entry point here is an attack: the app's success callback fired with no authentication behind it,
 * which is why a key must be bound to the operation (CryptoObject) rather than to the event.
 */
#include <string.h>

#include "framework/device.h"

kssim_result kssim_enroll_biometric(kssim_device *device, uint32_t id, kssim_modality modality,
                                    kssim_biometric_class biometric_class)
{
    SIM_BEGIN_CALL(device);
    if (!device->sw.gatekeeper.enrolled)
        return sim_refuse(&device->env, KSSIM_NO_SECURE_LOCK_SCREEN,
                          "enrolling a biometric needs a secure lock screen: set a PIN, password or pattern first");
    return sim_biometric_enroll(&device->sw, id, modality, biometric_class);
}

kssim_result kssim_remove_biometric(kssim_device *device, uint32_t id)
{
    SIM_BEGIN_CALL(device);
    return sim_biometric_remove(&device->sw, id);
}

/* R-BIO-NONE-ENROLLED: with no template the prompt never starts (BIOMETRIC_ERROR_NO_BIOMETRICS): BiometricService's
 * pre-authentication check finds BIOMETRIC_NOT_ENROLLED before it looks at lockout, and no attempt is counted.
 * AOSP: services/core/java/com/android/server/biometrics/PreAuthInfo.java getStatusForBiometricAuthenticator */
kssim_result kssim_authenticate_biometric(kssim_device *device, uint32_t id, uint64_t challenge,
                                          kssim_auth_token *token_out)
{
    SIM_BEGIN_CALL(device);
    /* No template at all: the prompt cannot start (the rule above). */
    if (device->sw.biometric.count == 0)
        return sim_refuse(&device->env, KSSIM_NO_BIOMETRIC_ENROLLED,
                          "no biometric is enrolled, so the prompt cannot start (BIOMETRIC_ERROR_NO_BIOMETRICS): "
                          "enroll one first (enroll_biometric)");
    kssim_auth_token token;
    bool issued = false;
    uint64_t root_sid = device->sw.gatekeeper.enrolled ? device->sw.gatekeeper.sid : 0;
    kssim_result r = sim_biometric_authenticate(&device->sw, id, challenge, root_sid, &token, &issued);
    if (r != KSSIM_OK)
        return r;
    if (issued)
        sim_framework_deliver_token(device, &token);
    else
        memset(&token, 0, sizeof(token));
    if (token_out != NULL)
        *token_out = token;
    return KSSIM_OK;
}

/* R-BIO-CALLBACK-NO-TOKEN: a callback without CryptoObject mints no token. AOSP: BiometricPrompt authenticate */
kssim_result kssim_callback_without_crypto(kssim_device *device)
{
    SIM_BEGIN_CALL(device);
    /* Nothing reaches the secure world or keystore2: no token exists, so no key is unlocked. */
    return KSSIM_OK;
}
