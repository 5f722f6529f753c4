/*
 * token_explain.c - what --explain says about keystore2's checks (docs/explain.md): each cached auth token as
 * keystore2 weighed it for a key, and the key checks beside the tokens - validity dates, UNLOCKED_DEVICE_REQUIRED,
 * the usage count, and an operation that was pruned or ended.
 *
 * Description only: nothing here decides. The MAC column is what KeyMint will find (keystore2 itself cannot
 * verify a MAC; only the TEE holds this boot's HMAC key), shown so that a developer sees at once that a token
 * from before a reboot, or a forged one, can never pass.
 */
#include <stdio.h>

#include "core/names.h"

#include "core/decision.h"
#include "keystore2/keystore2.h"

void sim_keystore2_explain_cached_tokens(sim_keystore2 *ks, const sim_auth_list *auth, uint64_t challenge,
                                         const sim_cached_token *chosen)
{
    if (!sim_explaining(ks->env))
        return;
    uint64_t now = ks->env->clock.boot_ms;
    if (ks->tokens.count == 0)
        sim_explain(ks->env, "  token cache: empty (no authentication since boot reached keystore)");
    for (size_t i = 0; i < ks->tokens.count; i++) {
        const sim_cached_token *cached = &ks->tokens.tokens[i];
        char text[256];
        sim_explain_token_text(&cached->token, (unsigned long long)now, text, sizeof(text));
        bool matches = auth == NULL || sim_token_matches_key(&cached->token, auth);
        bool other_challenge = challenge != 0 && cached->token.challenge != challenge;
        sim_explain(ks->env, "  token %zu: %s, received %llu s ago, MAC %s, %s%s%s", i + 1, text,
                    (unsigned long long)((now - cached->received_ms) / 1000),
                    sim_auth_token_is_authentic(ks->sw, &cached->token) ? "valid" : "invalid (not this boot's key)",
                    matches ? "matches the key's SIDs and types" : "not for this key (SIDs or type differ)",
                    other_challenge ? ", carries another challenge than the operation's" : "",
                    cached == chosen ? " <- chosen" : "");
    }
}

/* The key checks of authorize_create beyond tokens, as --explain lines (docs/explain.md): validity dates,
 * UNLOCKED_DEVICE_REQUIRED, use limits, and what became of an operation a call names. Each line names the rule
 * (R-...) the deciding function carries; a key without the tag gets no line, so a plain key's path stays short. */

/* A wall-clock instant as the scenario writes it (2026-02-01T00:00:00Z): the proleptic Gregorian calendar
 * from days since 1970, computed here so that no OS time function runs inside the rules. */
static void wall_clock_text(int64_t ms, char *out, size_t size)
{
    int64_t seconds = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
    int64_t in_day = seconds - days * 86400;
    /* Days since 0000-03-01, in 400-year eras of 146097 days; March-based years put the leap day last. */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t day_of_era = z - era * 146097;
    int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t month_index = (5 * day_of_year + 2) / 153;
    int64_t day = day_of_year - (153 * month_index + 2) / 5 + 1;
    int64_t month = month_index < 10 ? month_index + 3 : month_index - 9;
    int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
    snprintf(out, size, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", (long long)year, (long long)month, (long long)day,
             (long long)(in_day / 3600), (long long)(in_day % 3600 / 60), (long long)(in_day % 60));
}

void sim_keystore2_explain_dates(sim_keystore2 *ks, const sim_auth_list *auth, uint32_t purpose, kssim_result result)
{
    if (!sim_explaining(ks->env) || !(auth->has_active || auth->has_origination_expire || auth->has_usage_expire))
        return;
    char now[96], active[96] = "none", origination[96] = "none", usage[96] = "none";
    wall_clock_text(ks->env->clock.wall_ms, now, sizeof(now));
    if (auth->has_active)
        wall_clock_text(auth->active_ms, active, sizeof(active));
    if (auth->has_origination_expire)
        wall_clock_text(auth->origination_expire_ms, origination, sizeof(origination));
    if (auth->has_usage_expire)
        wall_clock_text(auth->usage_expire_ms, usage, sizeof(usage));
    bool originates = purpose == KSSIM_PURPOSE_SIGN || purpose == KSSIM_PURPOSE_ENCRYPT;
    sim_explain(ks->env,
                "R-DATES-WALL-CLOCK: wall clock %s; active from %s, origination ends %s, usage ends %s; %s is %s, "
                "so the %s end applies: %s",
                now, active, origination, usage, sim_purpose_name(purpose), originates ? "origination" : "consumption",
                originates ? "origination" : "usage",
                result == KSSIM_OK ? "inside the validity period" : kssim_result_name(result));
}

void sim_keystore2_explain_unlocked_device(sim_keystore2 *ks, const sim_key_entry *entry, bool needs_any_token,
                                           kssim_result result)
{
    if (!sim_explaining(ks->env) || !entry->auth.unlocked_device_required)
        return;
    if (ks->locked) {
        sim_explain(ks->env, "R-UDR-DEVICE-LOCKED: the key is UNLOCKED_DEVICE_REQUIRED and the device is locked: %s",
                    kssim_result_name(result));
        return;
    }
    sim_explain(ks->env, "R-UDR-DEVICE-LOCKED: the key is UNLOCKED_DEVICE_REQUIRED and the device is unlocked: passed");
    if (needs_any_token)
        sim_explain(ks->env,
                    "R-UDR-NEEDS-TOKEN: this release also wants some auth token in the cache; it holds %zu: %s",
                    ks->tokens.count, result == KSSIM_OK ? "passed" : kssim_result_name(result));
}

void sim_keystore2_explain_super_key(sim_keystore2 *ks, const sim_key_entry *entry, kssim_result result)
{
    if (!sim_explaining(ks->env) || !entry->auth.unlocked_device_required)
        return;
    sim_explain(ks->env, "R-UDR-SUPER-KEY-LOCKED: the UnlockedDeviceRequired super keys are %s: %s",
                result == KSSIM_OK ? "in memory (restored at the last unlock)" : "not in memory",
                result == KSSIM_OK ? "the key unwraps" : kssim_result_name(result));
}

void sim_keystore2_explain_usage_count(sim_keystore2 *ks, const sim_key_entry *entry, const char *alias, bool at_finish,
                                       kssim_result result)
{
    if (!sim_explaining(ks->env))
        return;
    if (entry == NULL) {
        sim_explain(ks->env,
                    "R-USAGE-COUNT-LIMIT: the key '%s' this operation began with is gone by finish (uses spent, "
                    "deleted or replaced): %s",
                    alias, kssim_result_name(result));
        return;
    }
    if (entry->auth.usage_count_limit == 0)
        return;
    if (at_finish)
        sim_explain(ks->env, "R-USAGE-COUNT-LIMIT: this finish spends one of the key's %u uses: %s",
                    entry->auth.usage_count_limit,
                    entry->uses_remaining <= 1 ? "it was the last, the key is deleted" : "the rest stay");
    else
        sim_explain(ks->env,
                    "R-USAGE-COUNT-LIMIT: the key has %u of %u uses left; only a successful finish spends one, the "
                    "last deletes the key",
                    entry->uses_remaining, entry->auth.usage_count_limit);
}

void sim_keystore2_explain_operation_gone(sim_keystore2 *ks, uint64_t handle, bool pruned)
{
    if (!sim_explaining(ks->env))
        return;
    if (pruned)
        sim_explain(ks->env,
                    "R-OP-PRUNED-INVALID-HANDLE: operation 0x%016llx was pruned (keystore aborted it to make room "
                    "when KeyMint was full): INVALID_OPERATION_HANDLE, and it is forgotten now",
                    (unsigned long long)handle);
    else
        sim_explain(ks->env,
                    "R-OP-ENDED-INVALID-HANDLE: no live operation 0x%016llx (finished, aborted, ended by a failed "
                    "call, or lost in a reboot): INVALID_OPERATION_HANDLE",
                    (unsigned long long)handle);
}

void sim_keystore2_explain_operation_ended(sim_keystore2 *ks, uint64_t handle, bool ends, kssim_result refusal)
{
    if (!sim_explaining(ks->env))
        return;
    if (ends)
        sim_explain(ks->env,
                    "R-OP-ENDED-INVALID-HANDLE: the refused call (%s) ends operation 0x%016llx: its next call answers "
                    "INVALID_OPERATION_HANDLE; begin a new one",
                    kssim_result_name(refusal), (unsigned long long)handle);
    else
        sim_explain(ks->env,
                    "R-OP-ENDED-INVALID-HANDLE: on this release a refused update or finish (%s) keeps operation "
                    "0x%016llx alive",
                    kssim_result_name(refusal), (unsigned long long)handle);
}

void sim_keystore2_explain_pruning(sim_keystore2 *ks, uint64_t pruned_handle, bool keystore1, size_t live)
{
    if (!sim_explaining(ks->env))
        return;
    sim_explain(ks->env,
                "%s: KeyMint has no free slot (%zu live operations on this instance): keystore prunes operation "
                "0x%016llx (%s) and begins again",
                keystore1 ? "R-OP-SLOTS-PRUNE-OLDEST-KEYSTORE1" : "R-OP-SLOTS-PRUNE-MALUS", live,
                (unsigned long long)pruned_handle,
                keystore1 ? "the least recently used" : "the highest malus, else the caller's least recently used");
}
