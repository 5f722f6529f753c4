/*
 * attacks.c - what an attacker with some control of the phone can try, so scenarios can show which
 * defences hold.
 *
 * Forged tokens go straight into keystore2's cache, as a compromised HAL or system process could
 * deliver them; only KeyMint's MAC check under the per-boot key stands in the way. A valid MAC is what
 * an attacker holding this boot's key could make; a previous-boot MAC is what replaying an old token
 * amounts to. Tampering flips bits of a stored key blob, which KeyMint's authenticated encryption
 * must detect. Attestation attacks alter a genuine chain in the secure world, which alone holds the
 * attestation intermediate's key.
 */
#include "framework/device.h"
#include "secure/keymint_attestation.h"

kssim_result kssim_forge_token(kssim_device *device, uint32_t type, uint64_t sid, uint64_t challenge, uint64_t age_ms,
                               kssim_forged_mac mac, kssim_auth_token *token_out)
{
    SIM_BEGIN_CALL(device);
    if (type != KSSIM_AUTHENTICATOR_PASSWORD && type != KSSIM_AUTHENTICATOR_FINGERPRINT)
        return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT,
                          "a forged token's type must be password or fingerprint");
    kssim_auth_token token = {0};
    token.challenge = challenge;
    token.authenticator_type = type;
    if (type == KSSIM_AUTHENTICATOR_PASSWORD) {
        token.user_id = sid;
    } else {
        token.user_id = device->sw.gatekeeper.enrolled ? device->sw.gatekeeper.sid : 0;
        token.authenticator_id = sid;
    }
    /* The boot clock cannot go below the boot itself: a token older than the boot is stamped at 0. */
    uint64_t now = device->env.clock.boot_ms;
    token.timestamp_ms = age_ms < now ? now - age_ms : 0;
    uint8_t other_key[32];
    switch (mac) {
    case KSSIM_MAC_VALID:
    case KSSIM_MAC_CORRUPT:
        sim_auth_token_compute_mac(&device->sw, device->sw.hmac_key, &token, token.mac);
        if (mac == KSSIM_MAC_CORRUPT)
            token.mac[0] ^= 0x01;
        break;
    case KSSIM_MAC_PREVIOUS_BOOT:
        /* Before the first reboot there is no previous key; any key but this boot's is equivalent. */
        if (device->sw.has_previous_hmac_key)
            sim_auth_token_compute_mac(&device->sw, device->sw.previous_hmac_key, &token, token.mac);
        else {
            sim_random_bytes(&device->env.crypto, other_key, sizeof(other_key));
            sim_auth_token_compute_mac(&device->sw, other_key, &token, token.mac);
        }
        break;
    default:
        return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT,
                          "the forged MAC must be valid, corrupt or previous_boot");
    }
    sim_keystore2_add_auth_token(&device->ks, &token);
    if (token_out != NULL)
        *token_out = token;
    return KSSIM_OK;
}

kssim_result kssim_inject_token(kssim_device *device, const kssim_auth_token *token)
{
    SIM_BEGIN_CALL(device);
    sim_keystore2_add_auth_token(&device->ks, token);
    return KSSIM_OK;
}

kssim_result kssim_tamper_key_blob(kssim_device *device, const char *alias, kssim_blob_field field)
{
    SIM_BEGIN_CALL(device);
    return sim_keystore2_tamper_key_blob(&device->ks, alias, field);
}

/* The chain goes into the secure world, which alone holds the attestation intermediate's key, and comes
 * back altered (sim/secure/keymint_attestation_attacks.c). */
kssim_result kssim_attestation_attack_chain(kssim_device *device, const char *alias, kssim_attestation_attack attack,
                                            const char *from, uint8_t **der, size_t *der_len, size_t *count)
{
    *der = NULL;
    *der_len = 0;
    *count = 0;
    if (attack != KSSIM_ATTESTATION_ATTACK_RESIGN_ROOT && attack != KSSIM_ATTESTATION_ATTACK_WRONG_KEY &&
        attack != KSSIM_ATTESTATION_ATTACK_COPY_EXTENSION) {
        SIM_BEGIN_CALL(device);
        return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT,
                          "the attestation attack must be resign-root, wrong-key or copy-extension");
    }
    if ((attack == KSSIM_ATTESTATION_ATTACK_COPY_EXTENSION) != (from != NULL)) {
        SIM_BEGIN_CALL(device);
        return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT,
                          "copy-extension needs the key whose KeyDescription it copies, and only copy-extension "
                          "takes one");
    }
    uint8_t *chain = NULL, *other = NULL;
    size_t chain_len = 0, other_len = 0, other_count = 0;
    kssim_result r = kssim_attestation_chain(device, alias, &chain, &chain_len, count);
    if (r == KSSIM_OK && from != NULL)
        r = kssim_attestation_chain(device, from, &other, &other_len, &other_count);
    if (r == KSSIM_OK)
        r = sim_keymint_forge_attestation(&device->sw, (sim_attestation_attack)attack, chain, chain_len, other,
                                          other_len, der, der_len);
    kssim_free(chain);
    kssim_free(other);
    if (r != KSSIM_OK)
        *count = 0;
    return r;
}
