/*
 * scenario_lint.h - `kssim lint FILE.yaml`: every key a scenario's generate_key and import_key steps make,
 * read as the runner would make it, with what the rest of the scenario shows about its use (an operation
 * authorized by its challenge, a StrongBox refusal followed by a TEE key) and what the file says the key is
 * for (`# lint-intent: ALIAS INTENTS` comment lines), checked against the one table of weak settings
 * (framework/key_lint.c). Pure: the scenario and its text in, findings out; nothing runs.
 */
#ifndef SIM_RUNNER_SCENARIO_LINT_H
#define SIM_RUNNER_SCENARIO_LINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "framework/key_lint.h"
#include "runner/scenario.h"

/* One generate_key or import_key step, and what holds for the key it makes. */
typedef struct scenario_lint_key {
    const char *alias; /* points into the scenario */
    scenario_action action;
    scenario_position position;
    kssim_key_spec spec;
    key_lint_context context;
    key_lint_finding findings[KEY_LINT_FINDING_COUNT];
    size_t finding_count;
} scenario_lint_key;

typedef struct scenario_lint_result {
    scenario_lint_key *keys; /* in step order; free with scenario_lint_free */
    size_t key_count;
} scenario_lint_result;

/* Lints a valid scenario whose file text is text (for its `# lint-intent:` lines). A finding gated by a
 * release holds when it holds on any of the scenario's API levels (its device api_level, else 34). false
 * when a `# lint-intent:` line is wrong (each printed as PATH:LINE: message to err) or memory ran out. */
bool scenario_lint(const scenario *scenario, const char *text, size_t length, scenario_lint_result *result, FILE *err);
void scenario_lint_free(scenario_lint_result *result);

#endif
