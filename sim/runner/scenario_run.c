/*
 * scenario_run.c - runs one validated scenario on a fresh device: maps each step to its device
 * call(s), compares the result with the step's expectation and reports the step to the transcript.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/runner.h"
#include "runner/runner_budget.h"
#include "runner/runner_internal.h"
#include "runner/scenario_levels.h"
#include "runner/scenario_render.h"
#include "runner/scenario_words.h"

static const runner_step_function step_functions[SCENARIO_ACTION_COUNT] = {
    [SCENARIO_ACTION_ADVANCE] = runner_step_advance,
    [SCENARIO_ACTION_SET_WALL_CLOCK] = runner_step_set_wall_clock,
    [SCENARIO_ACTION_REBOOT] = runner_step_reboot,
    [SCENARIO_ACTION_LOCK] = runner_step_lock,
    [SCENARIO_ACTION_UNLOCK] = runner_step_unlock,
    [SCENARIO_ACTION_SET_CREDENTIAL] = runner_step_set_credential,
    [SCENARIO_ACTION_CHANGE_CREDENTIAL] = runner_step_change_credential,
    [SCENARIO_ACTION_RESET_CREDENTIAL] = runner_step_reset_credential,
    [SCENARIO_ACTION_REMOVE_CREDENTIAL] = runner_step_remove_credential,
    [SCENARIO_ACTION_VERIFY_CREDENTIAL] = runner_step_verify_credential,
    [SCENARIO_ACTION_ENROLL_BIOMETRIC] = runner_step_enroll_biometric,
    [SCENARIO_ACTION_REMOVE_BIOMETRIC] = runner_step_remove_biometric,
    [SCENARIO_ACTION_AUTHENTICATE_BIOMETRIC] = runner_step_authenticate_biometric,
    [SCENARIO_ACTION_CALLBACK_WITHOUT_CRYPTO] = runner_step_callback_without_crypto,
    [SCENARIO_ACTION_GENERATE_KEY] = runner_step_generate_key,
    [SCENARIO_ACTION_IMPORT_KEY] = runner_step_import_key,
    [SCENARIO_ACTION_DELETE_KEY] = runner_step_delete_key,
    [SCENARIO_ACTION_EXPECT_KEY] = runner_step_expect_key,
    [SCENARIO_ACTION_SIGN] = runner_step_sign,
    [SCENARIO_ACTION_VERIFY] = runner_step_verify,
    [SCENARIO_ACTION_ENCRYPT] = runner_step_encrypt,
    [SCENARIO_ACTION_DECRYPT] = runner_step_decrypt,
    [SCENARIO_ACTION_BEGIN] = runner_step_begin,
    [SCENARIO_ACTION_UPDATE] = runner_step_update,
    [SCENARIO_ACTION_FINISH] = runner_step_finish,
    [SCENARIO_ACTION_ABORT] = runner_step_abort,
    [SCENARIO_ACTION_FORGE_TOKEN] = runner_step_forge_token,
    [SCENARIO_ACTION_REPLAY_TOKEN] = runner_step_replay_token,
    [SCENARIO_ACTION_TAMPER_KEY_BLOB] = runner_step_tamper_key_blob,
    [SCENARIO_ACTION_PROMPT] = runner_step_prompt,
    [SCENARIO_ACTION_SNAPSHOT] = runner_step_snapshot,
    [SCENARIO_ACTION_RESTORE_SNAPSHOT] = runner_step_restore_snapshot,
    [SCENARIO_ACTION_INJECT_FAULT] = runner_step_inject_fault,
    [SCENARIO_ACTION_EXPECT_ATTESTATION] = runner_step_expect_attestation,
};

#define OUTCOME_MAX 128

static void format_result(kssim_result result, char *out, size_t size)
{
    const char *name = kssim_result_name(result);
    snprintf(out, size, "%s (%d)", name != NULL ? name : "UNKNOWN_RESULT", (int)result);
}

static void format_key_state(kssim_key_state state, kssim_invalidation_reason reason, bool with_reason, char *out,
                             size_t size)
{
    const char *state_name = scenario_words_name(&scenario_key_states, state);
    const char *reason_name = scenario_words_name(&scenario_invalidation_reasons, reason);
    if (with_reason && reason_name != NULL)
        snprintf(out, size, "%s (%s)", state_name != NULL ? state_name : "unknown", reason_name);
    else
        snprintf(out, size, "%s", state_name != NULL ? state_name : "unknown");
}

/* expect_key's outcome is the key's state; it is met when the state (and the reason, if written)
 * match. When the device could not report the key, the outcome stays the device's result. */
static bool judge_key_state(const runner_context *context, const scenario_step *step, char *outcome, char *expected)
{
    const scenario_arg *state = scenario_arg_at_level(scenario_step_find(step, SCENARIO_KEY_STATE), context->api_level);
    const scenario_arg *reason =
        scenario_arg_at_level(scenario_step_find(step, SCENARIO_KEY_REASON), context->api_level);
    if (state == NULL) {
        /* kssim run checks coverage before anything runs; only a caller that skipped it gets here. */
        snprintf(expected, OUTCOME_MAX, "nothing (no state written for API level %d)", context->api_level);
        return false;
    }
    format_key_state((kssim_key_state)state->number,
                     reason != NULL ? (kssim_invalidation_reason)reason->number : KSSIM_REASON_NONE, reason != NULL,
                     expected, OUTCOME_MAX);
    if (!context->key_observed)
        return false;
    format_key_state(context->observed_state, context->observed_reason, true, outcome, OUTCOME_MAX);
    return context->observed_state == (kssim_key_state)state->number &&
           (reason == NULL || context->observed_reason == (kssim_invalidation_reason)reason->number);
}

/* Runs one step and reports it; true when it met its expectation. */
static bool runner_execute_step(runner_context *context, const scenario_step *step, size_t number,
                                transcript *transcript)
{
    context->note[0] = '\0';
    context->key_observed = false;
    context->refused_in_finish = false;
    kssim_device_decision_clear(context->device); /* the step's decision path is all of its calls' */
    kssim_result result = step_functions[step->action](context, step);
    /* The app's view asks the device about the key, which starts a new call and clears the device's message:
     * keep the message first. */
    char device_message[RUNNER_NOTE_MAX];
    const char *message = kssim_device_message(context->device);
    snprintf(device_message, sizeof(device_message), "%s", message != NULL ? message : "");
    app_view view;
    runner_app_view(context, step, result, &view);
    char outcome[OUTCOME_MAX], expected[OUTCOME_MAX];
    bool met;
    format_result(result, outcome, sizeof(outcome));
    const char *expected_exception = scenario_step_expected_exception_at(step, context->api_level);
    if (step->action == SCENARIO_ACTION_EXPECT_KEY) {
        met = judge_key_state(context, step, outcome, expected);
    } else if (expected_exception != NULL) {
        /* expect by the app's exception: met when the app sees that class, whatever code carried it. */
        met = view.exception != NULL && strcmp(view.exception, expected_exception) == 0;
        snprintf(expected, sizeof(expected), "%s", app_view_simple_name(expected_exception));
    } else {
        bool any = false;
        kssim_result wanted = KSSIM_OK;
        if (scenario_step_expectation_at(step, context->api_level, &any, &wanted)) {
            met = any || result == wanted;
            format_result(wanted, expected, sizeof(expected));
        } else {
            /* As above: kssim run refuses such a run before it starts. */
            met = false;
            snprintf(expected, sizeof(expected), "nothing (no expect written for API level %d)", context->api_level);
        }
    }
    const char *explanation = NULL;
    if (!met && result != KSSIM_OK) {
        explanation = context->note[0] != '\0' ? context->note : device_message;
        if (explanation == NULL || explanation[0] == '\0')
            explanation = kssim_result_advice(result);
    } else if (!met && context->note[0] != '\0') {
        explanation = context->note;
    }
    /* kssim_status_get below is a device call, which replaces the device's message the explanation may point
     * at: keep a copy. */
    char kept_explanation[1024];
    if (explanation != NULL) {
        snprintf(kept_explanation, sizeof(kept_explanation), "%s", explanation);
        explanation = kept_explanation;
    }
    char *arguments = scenario_render_arguments_at(step, context->api_level);
    transcript_step line = {
        .number = number,
        .action = scenario_action_name(step->action),
        .arguments = arguments != NULL ? arguments : "",
        .outcome = outcome,
        .met = met,
        .expected = expected,
        .explanation = explanation,
        .result = (int)result,
        .app_exception = view.exception != NULL ? view.exception : view.shown,
        .app_call = view.shown != NULL ? view.call : NULL,
        .app_code_readable = view.has_numeric_code,
        .app_code = view.numeric_code,
    };
    const char *decision = kssim_device_decision(context->device);
    if (decision[0] != '\0')
        line.decision = decision;
    kssim_status status;
    if (kssim_status_get(context->device, &status) == KSSIM_OK) {
        line.boot_ms = status.boot_ms;
        line.boot_count = status.boot_count;
        line.wall_ms = status.wall_ms;
    }
    transcript_step_done(transcript, &line);
    free(arguments);
    return met;
}

size_t runner_scenario_levels(const scenario *scenario, const runner_options *options, int *levels)
{
    if (options->api_level_count > 0) {
        memcpy(levels, options->api_levels, options->api_level_count * sizeof(*levels));
        return options->api_level_count;
    }
    if (scenario->has_api_level && scenario->api_level_count > 0) {
        memcpy(levels, scenario->api_levels, scenario->api_level_count * sizeof(*levels));
        return scenario->api_level_count;
    }
    if (scenario->has_api_level) { /* a scenario built in code may set only api_level */
        levels[0] = scenario->api_level;
        return 1;
    }
    kssim_config config;
    kssim_config_default(&config);
    levels[0] = config.api_level;
    return 1;
}

/* The phone a scenario runs on: the defaults, then the scenario's settings, then the run's --seed; the API level
 * is the run's. */
static void scenario_config(const scenario *scenario, const runner_options *options, int api_level,
                            kssim_config *config_out)
{
    kssim_config config;
    kssim_config_default(&config);
    if (scenario->has_seed)
        config.seed = scenario->seed;
    if (options->has_seed)
        config.seed = options->seed;
    config.api_level = api_level;
    if (scenario->has_security_level)
        config.security_level = scenario->security_level;
    if (scenario->has_wall_clock)
        config.wall_clock_ms = scenario->wall_clock_ms;
    *config_out = config;
}

uint64_t runner_scenario_seed(const scenario *scenario, const runner_options *options)
{
    kssim_config config;
    scenario_config(scenario, options, KSSIM_API_LEVEL_MIN, &config);
    return config.seed;
}

static kssim_result create_device(const scenario *scenario, const runner_options *options, int api_level,
                                  kssim_device **device, uint64_t *seed)
{
    kssim_config config;
    scenario_config(scenario, options, api_level, &config);
    *seed = config.seed;
    return kssim_device_create(&config, device);
}

bool runner_execute_scenario(const scenario *scenario, const runner_options *options, transcript *transcript)
{
    int levels[SCENARIO_API_LEVEL_COUNT_MAX];
    runner_scenario_levels(scenario, options, levels);
    return runner_execute_scenario_at(scenario, options, levels[0], transcript);
}

bool runner_execute_scenario_at(const scenario *scenario, const runner_options *options, int api_level,
                                transcript *transcript)
{
    runner_context context;
    memset(&context, 0, sizeof(context));
    context.scenario = scenario;
    context.api_level = api_level;
    /* A scenario whose device cannot be created returns before any step: the last one's reason must not stay. */
    runner_budget_begin_scenario(options->budget);
    uint64_t seed = 0;
    kssim_result created = create_device(scenario, options, api_level, &context.device, &seed);
    transcript_begin_scenario(transcript, scenario->path, scenario->name, seed, api_level);
    context.slots = calloc(scenario->slot_count + 1, sizeof(runner_slot));
    if (created != KSSIM_OK || context.slots == NULL) {
        char problem[RUNNER_NOTE_MAX];
        char result[OUTCOME_MAX];
        format_result(created, result, sizeof(result));
        snprintf(problem, sizeof(problem), "the device could not be created: %s",
                 context.slots == NULL ? "out of memory" : result);
        transcript_problem(transcript, problem);
        transcript_end_scenario(transcript, false);
        if (created == KSSIM_OK)
            kssim_device_free(context.device);
        free(context.slots);
        return false;
    }
    kssim_set_explain(context.device, options->explain);
    for (size_t i = 0; i < scenario->slot_count; i++)
        context.slots[i].ciphertext_slot = -1;
    bool passed = true;
    uint64_t virtual_ms = 0; /* how far this scenario's advances moved its clocks */
    for (size_t i = 0; i < scenario->step_count; i++) {
        const scenario_step *step = &scenario->steps[i];
        if (!runner_budget_allows(options->budget, step, i + 1, virtual_ms)) {
            transcript_problem(transcript, options->budget->stopped);
            passed = false;
            break;
        }
        if (step->action == SCENARIO_ACTION_ADVANCE)
            virtual_ms += runner_number(step, SCENARIO_KEY_VALUE, 0);
        passed = runner_execute_step(&context, step, i + 1, transcript) && passed;
    }
    transcript_end_scenario(transcript, passed);
    runner_slots_free(context.slots, scenario->slot_count);
    kssim_device_free(context.device);
    return passed;
}
