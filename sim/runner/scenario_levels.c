/*
 * scenario_levels.c - parsing and checking API levels and level ranges (see scenario_levels.h).
 *
 * The modelled releases come from sim_android_releases(), the one table of releases, so a level becomes
 * valid here the moment a release is added there.
 */
#include "runner/scenario_levels.h"

#include <stdio.h>
#include <string.h>

#include "core/android_versions.h"
#include "runner/scenario.h"

static int first_level(void)
{
    size_t count = 0;
    const sim_android_release *releases = sim_android_releases(&count);
    return releases[0].api_level;
}

static int last_level(void)
{
    size_t count = 0;
    const sim_android_release *releases = sim_android_releases(&count);
    return releases[count - 1].api_level;
}

bool scenario_api_level_supported(int api_level)
{
    return sim_android_release_find(api_level) != NULL;
}

const char *scenario_supported_levels(void)
{
    static char phrase[96];
    size_t count = 0;
    const sim_android_release *releases = sim_android_releases(&count);
    snprintf(phrase, sizeof(phrase), "%d to %d (%s to %s)", releases[0].api_level, releases[count - 1].api_level,
             releases[0].name, releases[count - 1].name);
    return phrase;
}

/* Up to four decimal digits, nothing else: API levels are small, and a sign or hex here is a typo. */
static bool read_level(const char *text, size_t length, int *level)
{
    if (length == 0 || length > 4)
        return false;
    int value = 0;
    for (size_t i = 0; i < length; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        value = value * 10 + (text[i] - '0');
    }
    *level = value;
    return true;
}

static bool check_level(const char *text, size_t length, int *level, char *error, size_t error_size)
{
    if (!read_level(text, length, level)) {
        snprintf(error, error_size, "'%.*s' is not an API level; expected a whole number from %s", (int)length, text,
                 scenario_supported_levels());
        return false;
    }
    if (!scenario_api_level_supported(*level)) {
        snprintf(error, error_size, "API level %d is not a release kssim models; supported: %s", *level,
                 scenario_supported_levels());
        return false;
    }
    return true;
}

bool scenario_parse_api_level(const char *text, int *api_level, char *error, size_t error_size)
{
    return check_level(text, strlen(text), api_level, error, error_size);
}

bool scenario_parse_level_range(const char *text, scenario_level_range *range, char *error, size_t error_size)
{
    const char *dots = strstr(text, "..");
    if (dots == NULL) {
        if (!check_level(text, strlen(text), &range->lowest, error, error_size))
            return false;
        range->highest = range->lowest;
        return true;
    }
    const char *upper = dots + 2;
    size_t lower_length = (size_t)(dots - text), upper_length = strlen(upper);
    if (lower_length == 0 && upper_length == 0) {
        snprintf(error, error_size, "'..' names no level; write 30, 31..33, ..30 or 31..");
        return false;
    }
    if (strstr(upper, "..") != NULL) {
        snprintf(error, error_size, "'%.40s' is not a level range; write 30, 31..33, ..30 or 31..", text);
        return false;
    }
    range->lowest = first_level();
    range->highest = last_level();
    if (lower_length > 0 && !check_level(text, lower_length, &range->lowest, error, error_size))
        return false;
    if (upper_length > 0 && !check_level(upper, upper_length, &range->highest, error, error_size))
        return false;
    if (range->lowest > range->highest) {
        snprintf(error, error_size, "'%.40s' is an empty range: write the lower level first, e.g. %d..%d", text,
                 range->highest, range->lowest);
        return false;
    }
    return true;
}

void scenario_format_level_range(const scenario_level_range *range, char *out, size_t out_size)
{
    if (range->lowest == range->highest)
        snprintf(out, out_size, "%d", range->lowest);
    else if (range->lowest == first_level())
        snprintf(out, out_size, "..%d", range->highest);
    else if (range->highest == last_level())
        snprintf(out, out_size, "%d..", range->lowest);
    else
        snprintf(out, out_size, "%d..%d", range->lowest, range->highest);
}

bool scenario_level_range_contains(const scenario_level_range *range, int api_level)
{
    return api_level >= range->lowest && api_level <= range->highest;
}

bool scenario_level_ranges_overlap(const scenario_level_range *a, const scenario_level_range *b)
{
    return a->lowest <= b->highest && b->lowest <= a->highest;
}

bool scenario_parse_level_list(const char *text, int *levels, size_t capacity, size_t *count, char *error,
                               size_t error_size)
{
    *count = 0;
    const char *item = text;
    for (;;) {
        const char *comma = strchr(item, ',');
        size_t length = comma != NULL ? (size_t)(comma - item) : strlen(item);
        char piece[32];
        if (length == 0 || length >= sizeof(piece)) {
            snprintf(error, error_size,
                     "'%.40s' is not a list of API levels; write e.g. 30,34 or 31..33 (supported: %s)", text,
                     scenario_supported_levels());
            return false;
        }
        memcpy(piece, item, length);
        piece[length] = '\0';
        scenario_level_range range;
        if (!scenario_parse_level_range(piece, &range, error, error_size))
            return false;
        for (int level = range.lowest; level <= range.highest; level++) {
            if (!scenario_api_level_supported(level))
                continue;
            for (size_t i = 0; i < *count; i++) {
                if (levels[i] == level) {
                    snprintf(error, error_size, "API level %d is named twice; name each level once", level);
                    return false;
                }
            }
            if (*count == capacity) {
                snprintf(error, error_size, "more than %zu API levels", capacity);
                return false;
            }
            levels[(*count)++] = level;
        }
        if (comma == NULL)
            return true;
        item = comma + 1;
    }
}

/* ---- Values written per release, in a parsed scenario ---- */

const scenario_arg *scenario_arg_at_level(const scenario_arg *arg, int api_level)
{
    if (arg == NULL || arg->kind != SCENARIO_VALUE_BY_LEVEL)
        return arg;
    for (size_t i = 0; i < arg->member_count; i++)
        if (api_level >= arg->members[i].lowest_level && api_level <= arg->members[i].highest_level)
            return &arg->members[i];
    return NULL;
}

bool scenario_step_expectation_at(const scenario_step *step, int api_level, bool *any, kssim_result *result)
{
    if (step->expect_by_level_count == 0) {
        *any = step->expect_any;
        *result = step->expect;
        return true;
    }
    for (size_t i = 0; i < step->expect_by_level_count; i++) {
        const scenario_expectation *entry = &step->expect_by_level[i];
        if (api_level >= entry->lowest_level && api_level <= entry->highest_level) {
            *any = entry->any;
            *result = entry->result;
            return true;
        }
    }
    return false;
}

const char *scenario_step_expected_exception_at(const scenario_step *step, int api_level)
{
    if (step->expect_by_level_count == 0)
        return step->expect_exception;
    for (size_t i = 0; i < step->expect_by_level_count; i++) {
        const scenario_expectation *entry = &step->expect_by_level[i];
        if (api_level >= entry->lowest_level && api_level <= entry->highest_level)
            return entry->exception;
    }
    return NULL;
}

static const char *levels_phrase(const int *levels, size_t count, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < count && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%d", i > 0 ? ", " : "", levels[i]);
    return out;
}

static bool report_gap(const scenario *scenario, scenario_position position, const char *what, int level,
                       const int *levels, size_t count, FILE *err)
{
    char run[128];
    fprintf(err,
            "%s:%u:%u: %s has no entry for API level %d, which this run covers (levels run: %s): add one, e.g. "
            "`%d: ...`, or widen a range\n",
            scenario->path, (unsigned)position.line, (unsigned)position.column, what, level,
            levels_phrase(levels, count, run, sizeof(run)), level);
    return false;
}

bool scenario_covers_levels(const scenario *scenario, const int *levels, size_t level_count, FILE *err)
{
    bool ok = true;
    for (size_t s = 0; s < scenario->step_count; s++) {
        const scenario_step *step = &scenario->steps[s];
        for (size_t l = 0; l < level_count; l++) {
            bool any;
            kssim_result result;
            if (!scenario_step_expectation_at(step, levels[l], &any, &result))
                ok = report_gap(scenario, step->expect_by_level[0].position, "'expect'", levels[l], levels, level_count,
                                err);
            for (size_t a = 0; a < step->arg_count; a++) {
                const scenario_arg *arg = &step->args[a];
                if (arg->kind == SCENARIO_VALUE_BY_LEVEL && scenario_arg_at_level(arg, levels[l]) == NULL) {
                    char what[64];
                    snprintf(what, sizeof(what), "'%s'", scenario_key_name(arg->key));
                    ok = report_gap(scenario, arg->position, what, levels[l], levels, level_count, err);
                }
            }
        }
    }
    return ok;
}
