/*
 * persist.c - the one way the rules reach durable storage: the secure world asks, through the hook a
 * stored device installs (sim/store/device_open.c), that what the device holds now be on disk before it
 * goes on. The rules never do the I/O themselves, so they stay a pure state machine.
 */
#include "core/env.h"

kssim_result sim_env_persist_now(sim_env *env)
{
    if (env->persist == NULL)
        return KSSIM_OK;
    return env->persist(env, env->persist_context);
}
