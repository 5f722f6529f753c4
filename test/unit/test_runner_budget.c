/*
 * test_runner_budget.c - what the runner's budget reports between scenarios: the reason one scenario was
 * stopped belongs to that scenario only, even when the next one ends before any step (its device could not
 * be created), so kssim run never prints a stale "stopped" under another file's path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runner/runner.h"
#include "runner/runner_budget.h"

static const char one_lock[] = "name: x\nsteps:\n  - lock: {}\n";

/* Runs scenario under budget with a plain transcript thrown away; true when it passed. */
static bool run_under(const scenario *scenario, runner_budget *budget)
{
    char *text = NULL;
    size_t length = 0;
    FILE *out = open_memstream(&text, &length);
    assert_non_null(out);
    runner_options options = {.format = TRANSCRIPT_TEXT, .budget = budget};
    transcript transcript;
    transcript_open(&transcript, options.format, out);
    transcript_begin_run(&transcript, 1);
    bool passed = runner_execute_scenario(scenario, &options, &transcript);
    transcript_end_run(&transcript, passed ? 1 : 0, passed ? 0 : 1);
    transcript_close(&transcript);
    fclose(out);
    free(text);
    return passed;
}

static void test_a_scenario_without_a_device_does_not_inherit_the_last_stop(void **state)
{
    (void)state;
    scenario *parsed = scenario_parse_text("a.yaml", one_lock, strlen(one_lock));
    assert_true(scenario_is_valid(parsed));
    runner_budget budget;
    memset(&budget, 0, sizeof(budget));
    snprintf(budget.stopped, sizeof(budget.stopped), "stopped before step 2: the previous scenario's reason");
    /* An API level no device has, which the parser would have refused: kssim_device_create refuses it, and
     * the scenario ends before its first step. */
    parsed->has_api_level = true;
    parsed->api_level = 1;
    assert_false(run_under(parsed, &budget));
    assert_string_equal(budget.stopped, "");
    scenario_free(parsed);
}

static void test_a_scenario_that_runs_clears_the_last_stop(void **state)
{
    (void)state;
    scenario *parsed = scenario_parse_text("b.yaml", one_lock, strlen(one_lock));
    assert_true(scenario_is_valid(parsed));
    runner_budget budget;
    memset(&budget, 0, sizeof(budget));
    snprintf(budget.stopped, sizeof(budget.stopped), "stopped before step 2: the previous scenario's reason");
    assert_true(run_under(parsed, &budget));
    assert_string_equal(budget.stopped, "");
    scenario_free(parsed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_scenario_without_a_device_does_not_inherit_the_last_stop),
        cmocka_unit_test(test_a_scenario_that_runs_clears_the_last_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
