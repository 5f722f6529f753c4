/*
 * explain.c - the opening lines of an operation's decision path (--explain, docs/explain.md): the call, the
 * release, the lock state, the user's current authenticators and the key's SIDs and policy, written before
 * the rules that decide append theirs.
 *
 * Description only: nothing here decides, and nothing is written when explain is off.
 */
#include <stdio.h>
#include <string.h>

#include "core/android_versions.h"
#include "core/names.h"
#include "framework/device.h"

static void append_sids(char *out, size_t size, const uint64_t *sids, size_t count)
{
    size_t used = strlen(out);
    if (count == 0)
        snprintf(out + used, size - used, "none");
    for (size_t i = 0; i < count && used < size; i++) {
        snprintf(out + used, size - used, "%s0x%016llx", i > 0 ? ", " : "", (unsigned long long)sids[i]);
        used = strlen(out);
    }
}

void sim_framework_explain_device(kssim_device *device, const char *call)
{
    if (!sim_explaining(&device->env))
        return;
    const char *release = sim_android_release_name(device->config.api_level);
    sim_explain(&device->env, "%s on API level %d (%s)", call, device->config.api_level,
                release != NULL ? release : "unmodelled");
    sim_explain(&device->env, "  device: %s, %s since boot, boot clock %llu.%03llu s",
                device->ks.locked ? "locked" : "unlocked", device->ks.unlocked_since_boot ? "unlocked" : "NOT unlocked",
                (unsigned long long)(device->env.clock.boot_ms / 1000),
                (unsigned long long)(device->env.clock.boot_ms % 1000));
    char users[256] = "";
    const sim_gatekeeper *gk = &device->sw.gatekeeper;
    if (gk->enrolled)
        snprintf(users, sizeof(users), "credential root SID 0x%016llx", (unsigned long long)gk->sid);
    else
        snprintf(users, sizeof(users), "no credential");
    uint64_t bio[KSSIM_MODALITY_COUNT];
    size_t n = sim_framework_biometric_sids(device, bio);
    size_t used = strlen(users);
    snprintf(users + used, sizeof(users) - used, "; strong biometric IDs: ");
    append_sids(users, sizeof(users), bio, n);
    sim_explain(&device->env, "  user: %s", users);
}

void sim_framework_explain_key(kssim_device *device, const sim_key_entry *entry, uint32_t purpose)
{
    if (!sim_explaining(&device->env))
        return;
    const sim_auth_list *auth = &entry->auth;
    sim_explain(&device->env, "  key '%s' (%s, %s)", entry->alias, sim_algorithm_name(auth->algorithm),
                sim_purpose_name(purpose));
    if (auth->sid_count == 0) {
        sim_explain(&device->env, "  key policy: no user authentication (NO_AUTH_REQUIRED)%s",
                    auth->unlocked_device_required ? ", UNLOCKED_DEVICE_REQUIRED" : "");
        return;
    }
    char sids[256] = "";
    append_sids(sids, sizeof(sids), auth->sids,
                auth->sid_count < SIM_MAX_KEY_SIDS ? auth->sid_count : SIM_MAX_KEY_SIDS);
    sim_explain(&device->env, "  key SIDs: %s", sids);
    char timeout[48];
    if (auth->has_auth_timeout)
        snprintf(timeout, sizeof(timeout), "timeout %u s", auth->auth_timeout_s);
    else
        snprintf(timeout, sizeof(timeout), "every operation (per-operation)");
    sim_explain(&device->env,
                "  key policy: accepts %s, %s, invalidated by enrollment %s, UNLOCKED_DEVICE_REQUIRED %s, max uses "
                "per boot %u, usage count limit %u (%u left)",
                sim_authenticators_text(auth->user_auth_types), timeout,
                entry->spec.invalidated_by_biometric_enrollment ? "yes" : "no",
                auth->unlocked_device_required ? "yes" : "no", auth->max_uses_per_boot, auth->usage_count_limit,
                entry->uses_remaining);
}
