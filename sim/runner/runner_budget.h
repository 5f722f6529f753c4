/*
 * runner_budget.h - whether the next step of a scenario may run within the run's budget (runner.h):
 * steps per scenario, virtual time per scenario, real time per run.
 */
#ifndef SIM_RUNNER_RUNNER_BUDGET_H
#define SIM_RUNNER_RUNNER_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runner/runner.h"

/* Starts the run's real-time budget (no effect without a timeout). */
void runner_budget_start(runner_budget *budget);
/* Before each scenario: budget->stopped is cleared, so that a scenario that stops early for another reason
 * (its device cannot be created) is not reported with the previous one's. budget may be NULL. */
void runner_budget_begin_scenario(runner_budget *budget);
/* Before step number (1-based) of a scenario whose advances so far moved its clocks virtual_ms: true
 * when it may run; otherwise false, with budget->stopped saying which budget ran out and how to raise
 * it, and budget->exceeded set. budget may be NULL (no budget). */
bool runner_budget_allows(runner_budget *budget, const scenario_step *step, size_t number, uint64_t virtual_ms);

#endif
