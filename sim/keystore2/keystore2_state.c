/*
 * keystore2_state.c - what keystore2 learns from the rest of the system (IKeystoreAuthorization):
 * auth tokens, the device being locked or unlocked, and boot.
 *
 * The super key that protects auth-bound keys exists in memory only from the user's first unlock after
 * boot (super_key.rs); until then such keys give LOCKED. The token cache is RAM only.
 */
#include <stdlib.h>
#include <string.h>

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
}

void sim_keystore2_cleanup(sim_keystore2 *ks)
{
    sim_key_database_cleanup(&ks->db);
    free(ks->tokens.tokens);
    free(ks->operations);
    memset(ks, 0, sizeof(*ks));
}

void sim_keystore2_add_auth_token(sim_keystore2 *ks, const kssim_auth_token *token)
{
    sim_token_cache_add(&ks->tokens, token, ks->env->clock.boot_ms);
    sim_keystore2_route_token_to_operation(ks, token);
}

void sim_keystore2_on_device_locked(sim_keystore2 *ks)
{
    ks->locked = true;
}

void sim_keystore2_on_device_unlocked(sim_keystore2 *ks)
{
    ks->locked = false;
    ks->unlocked_since_boot = true;
}

void sim_keystore2_on_boot(sim_keystore2 *ks)
{
    sim_token_cache_clear(&ks->tokens);
    ks->operation_count = 0;
    ks->locked = true;
    ks->unlocked_since_boot = false;
}
