/*
 * runner_budget.c - the budgets of kssim run (--max-steps, --max-virtual-time, --timeout), checked
 * between steps so that a step, once begun, always ends and the device is never left half-way.
 *
 * The real-time budget is the one thing in a run that depends on the host: the clock comes from the
 * caller, and a run that stays within its budget prints the same bytes as one without a budget.
 */
#include "runner/runner_budget.h"

#include <inttypes.h>
#include <stdio.h>

#include "runner/scenario_values.h"

void runner_budget_start(runner_budget *budget)
{
    if (budget != NULL && budget->timeout_ms != 0 && budget->real_time_ms != NULL)
        budget->started_ms = budget->real_time_ms();
}

void runner_budget_begin_scenario(runner_budget *budget)
{
    if (budget != NULL)
        budget->stopped[0] = '\0';
}

static bool stop(runner_budget *budget)
{
    budget->exceeded = true;
    return false;
}

bool runner_budget_allows(runner_budget *budget, const scenario_step *step, size_t number, uint64_t virtual_ms)
{
    if (budget == NULL)
        return true;
    budget->stopped[0] = '\0';
    char limit[32], total[48];
    if (budget->timeout_ms != 0 && budget->real_time_ms != NULL &&
        (budget->out_of_time || budget->real_time_ms() - budget->started_ms >= budget->timeout_ms)) {
        budget->out_of_time = true;
        scenario_format_duration(budget->timeout_ms, limit, sizeof(limit));
        snprintf(budget->stopped, sizeof(budget->stopped),
                 "stopped before step %zu: the run took its whole real-time budget (--timeout %s); raise --timeout, "
                 "or run fewer scenarios at once",
                 number, limit);
        return stop(budget);
    }
    if (budget->max_steps != 0 && number > budget->max_steps) {
        snprintf(budget->stopped, sizeof(budget->stopped),
                 "stopped before step %zu: a scenario may execute %" PRIu64 " steps (--max-steps %" PRIu64
                 "); raise --max-steps to run it to its end",
                 number, budget->max_steps, budget->max_steps);
        return stop(budget);
    }
    const scenario_arg *advance =
        step->action == SCENARIO_ACTION_ADVANCE ? scenario_step_find(step, SCENARIO_KEY_VALUE) : NULL;
    if (budget->max_virtual_ms != 0 && advance != NULL &&
        (advance->number > budget->max_virtual_ms || virtual_ms > budget->max_virtual_ms - advance->number)) {
        scenario_format_duration(budget->max_virtual_ms, limit, sizeof(limit));
        /* The sum may not fit: the parser bounds each clock, not the sum of advances across reboots. */
        if (virtual_ms > UINT64_MAX - advance->number)
            snprintf(total, sizeof(total), "more than %" PRIu64 "ms", UINT64_MAX);
        else
            scenario_format_duration(virtual_ms + advance->number, total, sizeof(total));
        snprintf(budget->stopped, sizeof(budget->stopped),
                 "stopped before step %zu: advance %s would bring this scenario's virtual time to %s, beyond its "
                 "budget (--max-virtual-time %s); raise --max-virtual-time to run it to its end",
                 number, advance->canonical, total, limit);
        return stop(budget);
    }
    return true;
}
