/*
 * cli_key_describe.c - the words and JSON for a key's policy and state (cli_key_describe.h).
 */
#include "cli/cli_key_describe.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "runner/scenario_values.h"

/* snprintf onto the end of out; a description too long for out is cut, never overrun. */
static void append(char *out, size_t out_size, const char *format, ...) __attribute__((format(printf, 3, 4)));
static void append(char *out, size_t out_size, const char *format, ...)
{
    size_t used = strlen(out);
    if (used + 1 >= out_size)
        return;
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(out + used, out_size - used, format, arguments);
    va_end(arguments);
}

static const char *word_or(const scenario_words *words, uint32_t value, const char *fallback)
{
    const char *name = scenario_words_name(words, value);
    return name != NULL ? name : fallback;
}

void cli_describe_words(const scenario_words *words, uint32_t set, const char *separator, char *out, size_t out_size)
{
    out[0] = '\0';
    for (size_t i = 0; i < words->count; i++)
        if ((set & words->words[i].value) != 0)
            append(out, out_size, "%s%s", out[0] != '\0' ? separator : "", words->words[i].name);
    if (out[0] == '\0')
        snprintf(out, out_size, "-");
}

void cli_describe_algorithm(const kssim_key_spec *spec, char *out, size_t out_size)
{
    const char *name = word_or(&scenario_algorithms, (uint32_t)spec->algorithm, "unknown");
    if (spec->algorithm == KSSIM_ALGORITHM_ED25519 || spec->size == 0)
        snprintf(out, out_size, "%s", name);
    else
        snprintf(out, out_size, "%s-%" PRIu32, name, spec->size);
}

void cli_describe_auth(const kssim_key_spec *spec, char *out, size_t out_size)
{
    if (!spec->user_auth) {
        snprintf(out, out_size, "none");
        return;
    }
    cli_describe_words(&scenario_auth_types, spec->auth_types, "+", out, out_size);
    if (spec->auth_timeout_s == 0)
        append(out, out_size, " per-operation");
    else
        append(out, out_size, " %" PRIu32 "s", spec->auth_timeout_s);
}

void cli_describe_sids(const kssim_key_info *info, char *out, size_t out_size)
{
    out[0] = '\0';
    size_t count = info->sid_count < 4 ? info->sid_count : 4;
    for (size_t i = 0; i < count; i++)
        append(out, out_size, "%s0x%016" PRIx64, i > 0 ? "," : "", info->sids[i]);
    if (out[0] == '\0')
        snprintf(out, out_size, "-");
}

void cli_describe_limits(const kssim_key_info *info, char *out, size_t out_size)
{
    const kssim_key_spec *spec = &info->spec;
    out[0] = '\0';
    if (spec->usage_count_limit > 0)
        append(out, out_size, "%s%" PRIu32 "/%" PRIu32 " uses left", out[0] != '\0' ? ", " : "", info->uses_remaining,
               spec->usage_count_limit);
    if (spec->max_uses_per_boot > 0)
        append(out, out_size, "%s%" PRIu32 " per boot", out[0] != '\0' ? ", " : "", spec->max_uses_per_boot);
    if (spec->min_seconds_between_ops > 0)
        append(out, out_size, "%s%" PRIu32 "s between ops", out[0] != '\0' ? ", " : "", spec->min_seconds_between_ops);
    if (spec->unlocked_device_required)
        append(out, out_size, "%sunlocked device required", out[0] != '\0' ? ", " : "");
    if (spec->rollback_resistant)
        append(out, out_size, "%srollback-resistant", out[0] != '\0' ? ", " : "");
    if (out[0] == '\0')
        snprintf(out, out_size, "-");
}

void cli_describe_state(const kssim_key_info *info, char *out, size_t out_size)
{
    snprintf(out, out_size, "%s", kssim_key_state_name(info->state));
    if (info->state == KSSIM_KEY_INVALIDATED && info->reason != KSSIM_REASON_NONE)
        append(out, out_size, " (%s)", kssim_invalidation_reason_name(info->reason));
    if (info->state == KSSIM_KEY_VALID && info->rolled_back)
        append(out, out_size, " (rolled back: refuses)");
}

static void json_words(cli_json *json, const char *key, const scenario_words *words, uint32_t set)
{
    cli_json_open_array(json, key);
    for (size_t i = 0; i < words->count; i++)
        if ((set & words->words[i].value) != 0)
            cli_json_string(json, NULL, words->words[i].name);
    cli_json_close_array(json);
}

/* A limit of 0 means none: null, so that a reader never mistakes it for "no uses allowed". */
static void json_limit(cli_json *json, const char *key, uint32_t value)
{
    if (value == 0)
        cli_json_null(json, key);
    else
        cli_json_unsigned(json, key, value);
}

static void json_date(cli_json *json, const char *key, bool present, int64_t unix_ms)
{
    char text[32];
    if (!present) {
        cli_json_null(json, key);
        return;
    }
    scenario_format_datetime(unix_ms, text, sizeof(text));
    cli_json_string(json, key, text);
}

static void json_policy(cli_json *json, const kssim_key_info *info)
{
    const kssim_key_spec *spec = &info->spec;
    if (!spec->user_auth) {
        cli_json_null(json, "auth");
    } else {
        cli_json_open_object(json, "auth");
        json_words(json, "types", &scenario_auth_types, spec->auth_types);
        cli_json_unsigned(json, "timeout", spec->auth_timeout_s);
        cli_json_bool(json, "per_operation", spec->auth_timeout_s == 0);
        cli_json_close_object(json);
    }
    cli_json_bool(json, "invalidated_by_biometric_enrollment", spec->invalidated_by_biometric_enrollment);
    cli_json_open_array(json, "sids");
    for (size_t i = 0; i < info->sid_count && i < 4; i++)
        cli_json_id(json, NULL, info->sids[i]);
    cli_json_close_array(json);
    cli_json_open_object(json, "limits");
    json_limit(json, "usage_count_limit", spec->usage_count_limit);
    if (spec->usage_count_limit > 0)
        cli_json_unsigned(json, "uses_remaining", info->uses_remaining);
    else
        cli_json_null(json, "uses_remaining");
    json_limit(json, "max_uses_per_boot", spec->max_uses_per_boot);
    json_limit(json, "min_seconds_between_ops", spec->min_seconds_between_ops);
    cli_json_bool(json, "unlocked_device_required", spec->unlocked_device_required);
    cli_json_bool(json, "rollback_resistant", spec->rollback_resistant);
    cli_json_close_object(json);
    cli_json_open_object(json, "validity");
    json_date(json, "active", spec->has_active, spec->active_ms);
    json_date(json, "origination_expire", spec->has_origination_expire, spec->origination_expire_ms);
    json_date(json, "usage_expire", spec->has_usage_expire, spec->usage_expire_ms);
    cli_json_close_object(json);
}

void cli_describe_key_json(cli_json *json, const char *alias, const kssim_key_info *info)
{
    const kssim_key_spec *spec = &info->spec;
    cli_json_open_object(json, NULL);
    cli_json_string(json, "alias", alias);
    cli_json_string(json, "algorithm", word_or(&scenario_algorithms, (uint32_t)spec->algorithm, "unknown"));
    cli_json_unsigned(json, "size", spec->size);
    cli_json_string(json, "security_level", word_or(&scenario_security_levels, spec->security_level, "unknown"));
    json_words(json, "purposes", &scenario_purposes, spec->purposes);
    json_words(json, "digests", &scenario_digests, spec->digests);
    json_words(json, "block_modes", &scenario_block_modes, spec->block_modes);
    json_words(json, "paddings", &scenario_paddings, spec->paddings);
    json_policy(json, info);
    cli_json_string(json, "state", kssim_key_state_name(info->state));
    if (info->state == KSSIM_KEY_INVALIDATED && info->reason != KSSIM_REASON_NONE)
        cli_json_string(json, "reason", kssim_invalidation_reason_name(info->reason));
    else
        cli_json_null(json, "reason");
    /* A rollback-resistant key the device's rollback left without its secure record: refuses every use. */
    cli_json_bool(json, "rolled_back", info->rolled_back);
    /* `kssim attestation ALIAS` prints it; the fields agree with the ones above. */
    cli_json_bool(json, "attestation_chain", info->has_attestation_chain);
    /* read back from the chain's leaf: what a backend sees in attestationApplicationId */
    if (spec->attestation_application_id[0] != '\0')
        cli_json_string(json, "attestation_application_id", spec->attestation_application_id);
    else
        cli_json_null(json, "attestation_application_id");
    if (spec->attestation_app_signature_digest_len == sizeof(spec->attestation_app_signature_digest)) {
        char hex[2 * sizeof(spec->attestation_app_signature_digest) + 1];
        for (size_t i = 0; i < sizeof(spec->attestation_app_signature_digest); i++)
            snprintf(hex + 2 * i, 3, "%02x", spec->attestation_app_signature_digest[i]);
        cli_json_string(json, "attestation_app_signature_digest", hex);
    } else {
        cli_json_null(json, "attestation_app_signature_digest");
    }
    cli_json_close_object(json);
}
