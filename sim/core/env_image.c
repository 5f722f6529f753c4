/*
 * env_image.c - the environment's part of a stored device: both virtual clocks and the HMAC_DRBG state.
 *
 * Storing the DRBG's key and value, rather than the seed, is what lets a device restored in another
 * process go on drawing exactly the values the original would have drawn next (SIDs, handles, ECDSA
 * nonces), as if the process had never ended.
 */
#include <string.h>

#include "core/env.h"
#include "core/invariant.h"

void sim_env_image_encode(const sim_env *env, sim_writer *w)
{
    sim_write_u64(w, env->clock.boot_ms);
    sim_write_i64(w, env->clock.wall_ms);
    sim_write_raw(w, env->crypto.drbg.key, sizeof(env->crypto.drbg.key));
    sim_write_raw(w, env->crypto.drbg.value, sizeof(env->crypto.drbg.value));
}

void sim_env_image_decode(sim_reader *r, sim_env *decoded)
{
    memset(decoded, 0, sizeof(*decoded));
    decoded->clock.boot_ms = sim_read_u64(r);
    decoded->clock.wall_ms = sim_read_i64(r);
    sim_read_raw(r, decoded->crypto.drbg.key, sizeof(decoded->crypto.drbg.key));
    sim_read_raw(r, decoded->crypto.drbg.value, sizeof(decoded->crypto.drbg.value));
    /* Generating from an unseeded state is an invariant violation (crypto.c), so a damaged image that
     * holds one is refused here. */
    if (!sim_reader_failed(r) && !sim_drbg_is_seeded(&decoded->crypto.drbg))
        sim_reader_fail(r, "the stored random generator state is not a seeded one");
}

void sim_env_image_apply(sim_env *env, const sim_env *decoded)
{
    KSSIM_INVARIANT(sim_drbg_is_seeded(&decoded->crypto.drbg), "a restored DRBG state is a seeded one");
    env->clock = decoded->clock;
    memcpy(&env->crypto.drbg, &decoded->crypto.drbg, sizeof(env->crypto.drbg));
}
