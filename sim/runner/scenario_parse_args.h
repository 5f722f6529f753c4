/*
 * scenario_parse_args.h - checking a map of arguments, or one value, against the format's table
 * (scenario_steps.h) and turning it into typed scenario_arg values with canonical spellings.
 */
#ifndef SIM_RUNNER_SCENARIO_PARSE_ARGS_H
#define SIM_RUNNER_SCENARIO_PARSE_ARGS_H

#include "runner/scenario_levels.h"
#include "runner/scenario_parser.h"
#include "runner/scenario_steps.h"
#include "runner/scenario_yaml.h"

typedef struct scenario_map_request {
    const char *where; /* "generate_key", "user_auth", "the top level": how messages name the map */
    const scenario_arg_spec *specs;
    size_t spec_count;
    /* One more key the caller handles itself (expect in a step, steps at the top level): its key and
     * value nodes are handed back instead of being parsed. */
    const char *extra_key;
    const scenario_node *extra_key_node;
    const scenario_node *extra_value;
    /* Out: the arguments in the order written. */
    scenario_arg *args;
    size_t arg_count;
} scenario_map_request;

/* Checks every key of map (unknown, duplicate, missing, alternatives) and parses every value it
 * knows. missing_position is where a missing key is reported (the step's action key, say). False when
 * anything was reported; the arguments that parsed are still handed back. */
bool scenario_parse_map(scenario_parser *parser, const scenario_node *map, scenario_position missing_position,
                        scenario_map_request *request);

/* Parses one value; false after reporting what is wrong with it. label names the value in messages
 * (its key, or the step of a scalar shorthand). */
bool scenario_parse_value(scenario_parser *parser, const scenario_arg_spec *spec, const char *label,
                          const scenario_node *node, scenario_arg *arg);

/* The keys of a value written per Android release ({30: X, 31..33: Y, 34..: Z}): each an API level or range
 * (ranges[i] for pair i), no two overlapping. False after reporting each bad or overlapping key. */
bool scenario_parse_level_keys(scenario_parser *parser, const scenario_node *map, const char *label,
                               scenario_level_range *ranges);

#endif
