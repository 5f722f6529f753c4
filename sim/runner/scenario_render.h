/*
 * scenario_render.h - a step's arguments as the transcript shows them.
 */
#ifndef SIM_RUNNER_SCENARIO_RENDER_H
#define SIM_RUNNER_SCENARIO_RENDER_H

#include "runner/scenario.h"

/* "key=login purpose=sign as=op" in the order written; a scalar shorthand shows its value alone
 * ("30s"). Every value is in its canonical spelling, so the text depends only on what the file means.
 * Returns a string to free(), or NULL when memory ran out. */
char *scenario_render_arguments(const scenario_step *step);
/* The same as a run on this API level shows it: a value written per release ({30: invalidated, 31..: valid})
 * appears as its value on api_level. */
char *scenario_render_arguments_at(const scenario_step *step, int api_level);

#endif
