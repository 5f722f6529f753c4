/*
 * keymint_usage_limits.c - MIN_SECONDS_BETWEEN_OPS and MAX_USES_PER_BOOT, the two limits KeyMint keeps
 * in its own RAM.
 *
 * As keymaster_enforcement.cpp does (MinTimeBetweenOpsPassed, MaxUsesPerBootNotExceeded, and the
 * access maps updated only once every check of AuthorizeBegin passed): time is the boot clock in whole
 * seconds, the first use of a key is always allowed, only a begin that succeeds counts, and a reboot
 * forgets everything (sim_keymint_reboot).
 */
#include <inttypes.h>

#include "core/decision.h"
#include "secure/keymint_internal.h"

static uint64_t boot_seconds(const sim_secure_world *sw)
{
    return sw->env->clock.boot_ms / 1000;
}

/* R-RATE-MAX-USES-PER-BOOT: begins that succeeded this boot.
 * AOSP: keymaster_enforcement.cpp MaxUsesPerBootNotExceeded */
/* R-RATE-MIN-SECONDS-BETWEEN-OPS: whole seconds since the last allowed begin.
 * AOSP: keymaster_enforcement.cpp MinTimeBetweenOpsPassed */
kssim_result keymint_check_usage_limits(sim_secure_world *sw, const sim_auth_list *auth, const uint8_t key_id[32])
{
    const keymint_key_usage *usage = keymint_find_key_usage(sw->keymint, key_id);
    if (usage == NULL && auth->max_uses_per_boot != 0)
        sim_explain(sw->env, "R-RATE-MAX-USES-PER-BOOT: KeyMint counts 0 of %" PRIu32 " begins this boot: passed",
                    auth->max_uses_per_boot);
    if (usage == NULL)
        return KSSIM_OK;
    if (auth->min_seconds_between_ops != 0 && usage->has_last_begin) {
        uint64_t elapsed = boot_seconds(sw) - usage->last_begin_s;
        if (elapsed < auth->min_seconds_between_ops)
            return sim_refuse(sw->env, KSSIM_KEY_RATE_LIMIT_EXCEEDED,
                              "this key allows one operation every %" PRIu32 " s (MIN_SECONDS_BETWEEN_OPS) and the "
                              "last began %" PRIu64 " s ago by KeyMint's whole-second clock: wait %" PRIu64 " s more",
                              auth->min_seconds_between_ops, elapsed, auth->min_seconds_between_ops - elapsed);
    }
    if (auth->max_uses_per_boot != 0)
        sim_explain(sw->env, "R-RATE-MAX-USES-PER-BOOT: KeyMint counts %" PRIu32 " of %" PRIu32 " begins this boot: %s",
                    usage->uses_this_boot, auth->max_uses_per_boot,
                    usage->uses_this_boot >= auth->max_uses_per_boot ? "KEY_MAX_OPS_EXCEEDED" : "passed");
    if (auth->max_uses_per_boot != 0 && usage->uses_this_boot >= auth->max_uses_per_boot)
        return sim_refuse(sw->env, KSSIM_KEY_MAX_OPS_EXCEEDED,
                          "this key may begin %" PRIu32 " operation%s per boot (MAX_USES_PER_BOOT) and has: reboot "
                          "the device to use it again",
                          auth->max_uses_per_boot, auth->max_uses_per_boot == 1 ? "" : "s");
    return KSSIM_OK;
}

kssim_result keymint_record_use(sim_secure_world *sw, const sim_auth_list *auth, const uint8_t key_id[32])
{
    if (auth->min_seconds_between_ops == 0 && auth->max_uses_per_boot == 0)
        return KSSIM_OK;
    keymint_key_usage *usage = keymint_key_usage_for(sw->keymint, key_id);
    if (usage == NULL)
        return sim_refuse(sw->env, KSSIM_SYSTEM_ERROR, "KeyMint ran out of memory for its per-key use records");
    if (auth->min_seconds_between_ops != 0) {
        usage->has_last_begin = true;
        usage->last_begin_s = boot_seconds(sw);
    }
    if (auth->max_uses_per_boot != 0 && usage->uses_this_boot < UINT32_MAX)
        usage->uses_this_boot++;
    return KSSIM_OK;
}
