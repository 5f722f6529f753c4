/*
 * scenario_levels.h - Android API levels as the scenario format and `kssim run --api-level` write them: one
 * level (30), a closed range (31..33) or an open one (..30, 31..), checked against the table of modelled
 * releases (sim/core/android_versions.c) so that a level kssim does not model is an error where it is
 * written, naming the levels that are.
 */
#ifndef SIM_RUNNER_SCENARIO_LEVELS_H
#define SIM_RUNNER_SCENARIO_LEVELS_H

#include <stdbool.h>
#include <stddef.h>

/* API levels lowest..highest, both included. */
typedef struct scenario_level_range {
    int lowest, highest;
} scenario_level_range;

/* Whether kssim models this release (sim_android_release_find). */
bool scenario_api_level_supported(int api_level);
/* "23 to 35 (Android 6.0 to Android 15)": the modelled levels, for messages. */
const char *scenario_supported_levels(void);

/* One API level, written in decimal; false with a phrase in error (which names the supported levels). */
bool scenario_parse_api_level(const char *text, int *api_level, char *error, size_t error_size);
/* 30, 31..33, ..30 or 31..; an open end stands for the first or last modelled level. Both ends must be
 * modelled levels, the lower first. */
bool scenario_parse_level_range(const char *text, scenario_level_range *range, char *error, size_t error_size);
/* The canonical spelling: "30", "31..33", "..30", "31..". */
void scenario_format_level_range(const scenario_level_range *range, char *out, size_t out_size);
bool scenario_level_range_contains(const scenario_level_range *range, int api_level);
bool scenario_level_ranges_overlap(const scenario_level_range *a, const scenario_level_range *b);

/* `--api-level 30,34` or `--api-level 31..33,35`: comma-separated levels and ranges, expanded into levels in
 * the order written; a level named twice is refused. levels needs room for every modelled level. */
bool scenario_parse_level_list(const char *text, int *levels, size_t capacity, size_t *count, char *error,
                               size_t error_size);

#endif
