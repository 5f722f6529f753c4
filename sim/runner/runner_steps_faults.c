/*
 * runner_steps_faults.c - inject_fault: the failures real devices show, injected into the device where
 * each happens on a phone (docs/faults.md). The device checks which arguments each fault needs.
 */
#include <stdio.h>
#include <string.h>

#include "runner/runner_internal.h"
#include "runner/scenario_words.h"

kssim_result runner_step_inject_fault(runner_context *context, const scenario_step *step)
{
    kssim_fault_spec spec;
    memset(&spec, 0, sizeof(spec));
    spec.fault = (kssim_fault)runner_number(step, SCENARIO_KEY_FAULT, KSSIM_FAULT_CLEAR);
    spec.calls = (uint32_t)runner_number(step, SCENARIO_KEY_CALLS, 0);
    spec.delay_ms = runner_number(step, SCENARIO_KEY_DELAY, 0);
    uint64_t by = runner_number(step, SCENARIO_KEY_BY, 0);
    /* Durations are unsigned; a jump must fit the wall clock's signed milliseconds either way. */
    if (by > (uint64_t)INT64_MAX)
        by = (uint64_t)INT64_MAX;
    bool backward = runner_number(step, SCENARIO_KEY_DIRECTION, SCENARIO_CLOCK_FORWARD) == SCENARIO_CLOCK_BACKWARD;
    spec.jump_ms = backward ? -(int64_t)by : (int64_t)by;
    const char *alias = runner_text(step, SCENARIO_KEY_ALIAS);
    if (alias != NULL)
        snprintf(spec.alias, sizeof(spec.alias), "%s", alias);
    return kssim_inject_fault(context->device, &spec);
}
