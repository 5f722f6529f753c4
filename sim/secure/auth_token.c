/*
 * auth_token.c - the MAC of a HardwareAuthToken under the per-boot shared secret.
 *
 * The MAC input is AOSP's 37 bytes (hardware/interfaces security/keymint HardwareAuthToken.aidl, and
 * hw_auth_token_t in gatekeeper.cpp's MintAuthToken): a version byte 0, then challenge, user_id and
 * authenticator_id in the TEE's native order (little-endian on every Android device), then
 * authenticator_type as a big-endian 32-bit value and timestamp as a big-endian 64-bit value.
 * Every byte is written explicitly so the MAC is the same on any host.
 */
#include <string.h>

#include "secure/secure_world.h"

#define AUTH_TOKEN_MAC_INPUT_LEN 37

static uint8_t *put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        *p++ = (uint8_t)(v >> (8 * i));
    return p;
}

static uint8_t *put_be32(uint8_t *p, uint32_t v)
{
    for (int i = 3; i >= 0; i--)
        *p++ = (uint8_t)(v >> (8 * i));
    return p;
}

static uint8_t *put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--)
        *p++ = (uint8_t)(v >> (8 * i));
    return p;
}

static void lay_out_mac_input(const kssim_auth_token *token, uint8_t input[AUTH_TOKEN_MAC_INPUT_LEN])
{
    uint8_t *p = input;
    *p++ = 0; /* HW_AUTH_TOKEN_VERSION */
    p = put_le64(p, token->challenge);
    p = put_le64(p, token->user_id);
    p = put_le64(p, token->authenticator_id);
    p = put_be32(p, token->authenticator_type);
    put_be64(p, token->timestamp_ms);
}

static int compute_mac(const sim_secure_world *sw, const uint8_t key[32], const kssim_auth_token *token,
                       uint8_t mac[32])
{
    uint8_t input[AUTH_TOKEN_MAC_INPUT_LEN];
    lay_out_mac_input(token, input);
    return sim_hmac_sha256(&sw->env->crypto, key, 32, input, sizeof(input), mac);
}

void sim_auth_token_compute_mac(const sim_secure_world *sw, const uint8_t key[32], const kssim_auth_token *token,
                                uint8_t mac[32])
{
    if (compute_mac(sw, key, token, mac) != 0)
        memset(mac, 0, 32); /* is_authentic never accepts a token when the MAC cannot be computed */
}

/* R-TOKEN-BOOT-CLOCK: tokens are stamped with the boot clock. AOSP: HardwareAuthToken.aidl timestamp */
void sim_auth_token_issue(sim_secure_world *sw, kssim_auth_token *token)
{
    token->timestamp_ms = sw->env->clock.boot_ms;
    sim_auth_token_compute_mac(sw, sw->hmac_key, token, token->mac);
}

bool sim_auth_token_is_authentic(const sim_secure_world *sw, const kssim_auth_token *token)
{
    uint8_t expected[32];
    if (token == NULL || compute_mac(sw, sw->hmac_key, token, expected) != 0)
        return false;
    return sim_equal_secret(expected, token->mac, sizeof(expected));
}
