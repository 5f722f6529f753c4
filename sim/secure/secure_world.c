/*
 * secure_world.c - power-on and reboot of the simulated trusted side.
 *
 * First power-on draws the device key (KeyMint's root of trust for key blobs) and the first boot's
 * shared-secret HMAC key from the seeded DRBG. Every reboot replaces the HMAC key, as ISharedSecret's
 * per-boot negotiation does on a phone, so every auth token minted before the reboot stops verifying.
 * The key of the boot before is kept only so the attack steps can forge tokens with it.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "secure/secure_world.h"

int sim_secure_world_init(sim_secure_world *sw, sim_env *env, kssim_security_level security_level)
{
    memset(sw, 0, sizeof(*sw));
    sw->env = env;
    sw->security_level = security_level;
    sim_random_bytes(&env->crypto, sw->device_key, sizeof(sw->device_key));
    sim_random_bytes(&env->crypto, sw->hmac_key, sizeof(sw->hmac_key));
    sw->boot_count = 1;
    sw->keymint = sim_keymint_new();
    return sw->keymint != NULL ? 0 : -1;
}

void sim_secure_world_cleanup(sim_secure_world *sw)
{
    sim_keymint_free(sw->keymint);
    /* Keys and the credential hash are secrets: leave none of them behind in freed memory. */
    OPENSSL_cleanse(sw, sizeof(*sw));
}

/* R-REBOOT-NEW-HMAC-KEY: each boot a new token HMAC key. AOSP: ISharedSecret.aidl */
void sim_secure_world_reboot(sim_secure_world *sw)
{
    memcpy(sw->previous_hmac_key, sw->hmac_key, sizeof(sw->hmac_key));
    sw->has_previous_hmac_key = true;
    sim_random_bytes(&sw->env->crypto, sw->hmac_key, sizeof(sw->hmac_key));
    sw->boot_count++;
    sim_keymint_reboot(sw);

    /* The timed lockout and the failure count live in RAM in the framework (LockoutFrameworkImpl.java,
     * frameworks/base biometrics/sensors/fingerprint/hidl), so a reboot forgets them. The permanent
     * lockout is kept: only a verified credential lifts it, and after a boot the credential is required
     * before any biometric anyway.
     * Gatekeeper's failure record is persistent (gatekeeper.cpp keeps it in secure storage); the caller
     * restarts the boot clock before this call, so the next attempt finds now <= last_checked and
     * ThrottleRequest restarts the full wait. */
    sw->biometric.failed_attempts = 0;
    sw->biometric.lockout_until_ms = 0;
}
