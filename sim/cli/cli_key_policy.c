/*
 * cli_key_policy.c - reading the key policy options into a kssim_key_spec, as the scenario runner
 * reads generate_key's arguments: the algorithm's defaults first, then what was written.
 */
#include "cli/cli_key_policy.h"

#include <string.h>

#include "cli/cli_values.h"
#include "runner/scenario_values.h"

bool cli_read_key_algorithm(const cli_args *args, kssim_algorithm fallback, kssim_algorithm *algorithm)
{
    uint32_t value;
    if (!cli_option_word(args, "--algorithm", &scenario_algorithms, (uint32_t)fallback, &value))
        return false;
    *algorithm = (kssim_algorithm)value;
    return true;
}

/* --auth and --timeout; either one makes the key require user authentication. */
static bool read_user_auth(const cli_args *args, kssim_key_spec *spec)
{
    if (!cli_has(args, "--auth") && !cli_has(args, "--timeout"))
        return true;
    spec->user_auth = true;
    return cli_option_word_list(args, "--auth", &scenario_auth_types, KSSIM_AUTH_BIOMETRIC_STRONG, &spec->auth_types) &&
           cli_option_u32(args, "--timeout", 0, &spec->auth_timeout_s);
}

/* --no-invalidate-on-enrollment is the short spelling of --invalidated-by-biometric-enrollment false. */
static bool read_invalidation(const cli_args *args, kssim_key_spec *spec)
{
    const char *text = cli_get(args, "--invalidated-by-biometric-enrollment");
    bool opt_out = cli_has(args, "--no-invalidate-on-enrollment");
    if (text == NULL) {
        spec->invalidated_by_biometric_enrollment = !opt_out;
        return true;
    }
    char error[SCENARIO_ERROR_MAX];
    bool value;
    if (!scenario_parse_bool(text, &value, error, sizeof(error))) {
        cli_usage_error(args->command, "--invalidated-by-biometric-enrollment: %s", error);
        return false;
    }
    if (opt_out && value) {
        cli_usage_error(args->command,
                        "--no-invalidate-on-enrollment contradicts --invalidated-by-biometric-enrollment true; "
                        "give one of them");
        return false;
    }
    spec->invalidated_by_biometric_enrollment = value;
    return true;
}

static bool read_dates(const cli_args *args, kssim_key_spec *spec)
{
    return cli_option_datetime(args, "--active", &spec->has_active, &spec->active_ms) &&
           cli_option_datetime(args, "--origination-expire", &spec->has_origination_expire,
                               &spec->origination_expire_ms) &&
           cli_option_datetime(args, "--usage-expire", &spec->has_usage_expire, &spec->usage_expire_ms);
}

/* --usage-count-limit and --max-uses-per-boot: absent means no limit, but a written 0 is refused, since the
 * key spec would read it as none. */
static bool read_use_limit(const cli_args *args, const char *name, kssim_use_limit limit, uint32_t *out)
{
    uint64_t count;
    if (!cli_option_unsigned(args, name, UINT32_MAX, 0, &count))
        return false;
    char why[SCENARIO_ERROR_MAX * 2];
    if (cli_has(args, name) && kssim_check_use_limit(limit, count, why, sizeof(why)) != KSSIM_OK) {
        cli_usage_error(args->command, "%s: %s", name, why);
        return false;
    }
    *out = (uint32_t)count;
    return true;
}

bool cli_read_key_spec(const cli_args *args, const char *alias, kssim_algorithm algorithm, kssim_key_spec *spec)
{
    kssim_key_spec_default(spec, algorithm);
    if (strlen(alias) >= sizeof(spec->alias)) {
        cli_usage_error(args->command, "the alias is %zu bytes long; at most %zu are accepted", strlen(alias),
                        sizeof(spec->alias) - 1);
        return false;
    }
    char why[SCENARIO_ERROR_MAX * 2];
    if (kssim_check_alias(alias, why, sizeof(why)) != KSSIM_OK) {
        cli_usage_error(args->command, "ALIAS: %s", why);
        return false;
    }
    memcpy(spec->alias, alias, strlen(alias) + 1);
    uint32_t security_level;
    if (!cli_option_u32(args, "--size", spec->size, &spec->size) ||
        !cli_option_word_list(args, "--purposes", &scenario_purposes, spec->purposes, &spec->purposes) ||
        !cli_option_word_list(args, "--digests", &scenario_digests, spec->digests, &spec->digests) ||
        !cli_option_word_list(args, "--block-modes", &scenario_block_modes, spec->block_modes, &spec->block_modes) ||
        !cli_option_word_list(args, "--paddings", &scenario_paddings, spec->paddings, &spec->paddings) ||
        !read_user_auth(args, spec) || !read_invalidation(args, spec) ||
        !read_use_limit(args, "--usage-count-limit", KSSIM_LIMIT_USAGE_COUNT, &spec->usage_count_limit) ||
        !read_use_limit(args, "--max-uses-per-boot", KSSIM_LIMIT_MAX_USES_PER_BOOT, &spec->max_uses_per_boot) ||
        !cli_option_u32(args, "--min-seconds-between-ops", 0, &spec->min_seconds_between_ops) ||
        !read_dates(args, spec) ||
        !cli_option_word(args, "--security-level", &scenario_security_levels, (uint32_t)spec->security_level,
                         &security_level))
        return false;
    spec->unlocked_device_required = cli_has(args, "--unlocked-device-required");
    spec->rollback_resistant = cli_has(args, "--rollback-resistant");
    spec->security_level = (kssim_security_level)security_level;
    return true;
}
