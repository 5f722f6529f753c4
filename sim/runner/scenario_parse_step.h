/*
 * scenario_parse_step.h - validation of a scenario's list of steps (scenario_parse_step.c).
 */
#ifndef SIM_RUNNER_SCENARIO_PARSE_STEP_H
#define SIM_RUNNER_SCENARIO_PARSE_STEP_H

#include "runner/scenario_parser.h"
#include "runner/scenario_yaml.h"

/* Fills parser->scenario's steps and names from the `steps:` node; false when anything was reported. */
bool scenario_parse_steps(scenario_parser *parser, const scenario_node *steps_node);

#endif
