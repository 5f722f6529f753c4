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

#endif
