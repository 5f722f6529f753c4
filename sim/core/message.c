/*
 * message.c - the sentence that accompanies every refusal.
 *
 * Each rule that refuses says, in its own words, why and what would let the call succeed; the
 * runner, kssim and the provider show that sentence next to the result name.
 */
#include <stdio.h>
#include <string.h>

#include "core/env.h"

kssim_result sim_refuse(sim_env *env, kssim_result result, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(env->message, sizeof(env->message), fmt, ap);
    va_end(ap);
    return result;
}

void sim_clear_message(sim_env *env)
{
    env->message[0] = '\0';
}

bool sim_equal_secret(const uint8_t *a, const uint8_t *b, size_t len)
{
    uint8_t diff = 0;
    for (size_t i = 0; i < len; i++)
        diff |= (uint8_t)(a[i] ^ b[i]);
    return diff == 0;
}
