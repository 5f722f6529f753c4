/*
 * secure_world_fixture.h - a powered-on simulated secure world for the unit tests of auth_token.c,
 * gatekeeper.c and biometric.c: a seeded environment, the boot clock at 0, and helpers for the two
 * things a test does to it from outside (let time pass, reboot).
 */
#ifndef TEST_UNIT_SECURE_WORLD_FIXTURE_H
#define TEST_UNIT_SECURE_WORLD_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "secure/secure_world.h"

typedef struct secure_world_fixture {
    sim_env env;
    sim_secure_world sw;
} secure_world_fixture;

static inline secure_world_fixture *secure_world_fixture_new(uint64_t seed)
{
    secure_world_fixture *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return NULL;
    f->env.clock.wall_ms = KSSIM_DEFAULT_WALL_CLOCK_MS;
    if (sim_crypto_init(&f->env.crypto, seed) != 0 || sim_secure_world_init(&f->sw, &f->env, KSSIM_SECURITY_TEE) != 0) {
        free(f);
        return NULL;
    }
    f->sw.api_level = 34; /* kssim_config_default's; a test of another release sets its own */
    return f;
}

static inline void secure_world_fixture_free(secure_world_fixture *f)
{
    if (f == NULL)
        return;
    sim_secure_world_cleanup(&f->sw);
    sim_crypto_cleanup(&f->env.crypto);
    free(f);
}

static inline void secure_world_fixture_advance(secure_world_fixture *f, uint64_t ms)
{
    f->env.clock.boot_ms += ms;
}

/* As the framework does: the boot clock restarts at 0 before the secure world reboots. */
static inline void secure_world_fixture_reboot(secure_world_fixture *f)
{
    f->env.clock.boot_ms = 0;
    sim_secure_world_reboot(&f->sw);
}

static inline int secure_world_fixture_setup(void **state)
{
    *state = secure_world_fixture_new(1);
    return *state != NULL ? 0 : -1;
}

static inline int secure_world_fixture_teardown(void **state)
{
    secure_world_fixture_free(*state);
    return 0;
}

#endif
