/*
 * decision.c - the bounded, append-only decision record of --explain (see decision.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/decision.h"
#include "core/env.h"

static const char truncated_marker[] = "... (decision record full: later lines left out)\n";

void sim_explain(sim_env *env, const char *fmt, ...)
{
    sim_decision *d = &env->decision;
    if (!d->enabled || d->truncated)
        return;
    /* Room for the line, its newline and the marker, so a full record still says that it is cut. */
    size_t limit = sizeof(d->text) - sizeof(truncated_marker);
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = strlen(line);
    if (d->length + len + 1 > limit) {
        memcpy(d->text + d->length, truncated_marker, sizeof(truncated_marker));
        d->length += sizeof(truncated_marker) - 1;
        d->truncated = true;
        return;
    }
    memcpy(d->text + d->length, line, len);
    d->text[d->length + len] = '\n';
    d->length += len + 1;
    d->text[d->length] = '\0';
}

bool sim_explaining(const sim_env *env)
{
    return env->decision.enabled;
}

void sim_decision_clear(sim_env *env)
{
    env->decision.length = 0;
    env->decision.truncated = false;
    env->decision.text[0] = '\0';
}

void sim_decision_enable(sim_env *env, bool enabled)
{
    env->decision.enabled = enabled;
    sim_decision_clear(env);
}

const char *sim_decision_text(const sim_env *env)
{
    return env->decision.text;
}

static const char *token_type_text(uint32_t type)
{
    bool bio = (type & KSSIM_AUTHENTICATOR_FINGERPRINT) != 0;
    bool cred = (type & KSSIM_AUTHENTICATOR_PASSWORD) != 0;
    return bio && cred ? "password+fingerprint" : bio ? "fingerprint" : cred ? "password" : "none";
}

void sim_explain_token_text(const kssim_auth_token *token, unsigned long long now_ms, char *out, size_t size)
{
    unsigned long long ts = (unsigned long long)token->timestamp_ms;
    char age[48];
    if (ts <= now_ms)
        snprintf(age, sizeof(age), "issued %llu.%03llu s ago", (now_ms - ts) / 1000, (now_ms - ts) % 1000);
    else
        snprintf(age, sizeof(age), "stamped %llu.%03llu s in the future", (ts - now_ms) / 1000, (ts - now_ms) % 1000);
    snprintf(out, size, "%s user 0x%016llx authenticator 0x%016llx challenge 0x%016llx %s",
             token_type_text(token->authenticator_type), (unsigned long long)token->user_id,
             (unsigned long long)token->authenticator_id, (unsigned long long)token->challenge, age);
}
