/*
 * fuzz_scenario_run.c - libFuzzer target: any bytes, as a scenario file, parsed and, when valid, run on
 * a fresh in-memory device by the runner (sim/runner/scenario_run.c, runner_steps_*.c), which maps each
 * step to public API calls of the simulator (sim/framework, keystore2, secure).
 *
 * A valid scenario reaches every rule of the device with arguments chosen by the file: sizes, times,
 * counts, names, data, forged tokens. Whatever they are, a step must end in a result (met or not), never
 * a crash, an undefined behaviour or a leak. The transcript goes to /dev/null in one of the three formats
 * (chosen by the input's length, so that a reproducer replays the same way).
 *
 * Time: a step is one device call, and most take microseconds, but RSA key generation and Gatekeeper's
 * scrypt are slow by design (up to a second for a 4096-bit key). A file of a hundred such steps is a
 * legitimate, slow scenario, not a bug, so scenarios whose estimated cost is over a budget are only
 * parsed, keeping the fuzzer's executions short; every kind of step still runs in cheaper files.
 */
#include <stdint.h>
#include <stdio.h>

#include "runner/runner.h"

/* Estimated milliseconds a run may take under the sanitizers before the fuzzer skips it. */
#define RUN_BUDGET_MS 2000u

static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    sink = fopen("/dev/null", "w");
    return sink == NULL ? -1 : 0;
}

static unsigned rsa_generation_cost_ms(const scenario_step *step)
{
    const scenario_arg *size = scenario_step_find(step, SCENARIO_KEY_SIZE);
    uint64_t bits = size != NULL ? size->number : 2048;
    return bits <= 2048 ? 300 : bits <= 3072 ? 800 : 1500;
}

/* What one step may cost, in milliseconds, pessimistically. */
static unsigned estimated_cost_ms(const scenario_step *step)
{
    const scenario_arg *algorithm = scenario_step_find(step, SCENARIO_KEY_ALGORITHM);
    bool rsa = algorithm != NULL && algorithm->number == KSSIM_ALGORITHM_RSA;
    switch (step->action) {
    case SCENARIO_ACTION_GENERATE_KEY:
        return rsa ? rsa_generation_cost_ms(step) : 5;
    case SCENARIO_ACTION_IMPORT_KEY:
        return rsa ? 50 : 5;
    case SCENARIO_ACTION_SET_CREDENTIAL:
    case SCENARIO_ACTION_RESET_CREDENTIAL:
    case SCENARIO_ACTION_REMOVE_CREDENTIAL:
    case SCENARIO_ACTION_VERIFY_CREDENTIAL:
    case SCENARIO_ACTION_UNLOCK:
    case SCENARIO_ACTION_PROMPT:
        return 300; /* one scrypt, slow under ASan (a fresh 16 MiB block each time) */
    case SCENARIO_ACTION_CHANGE_CREDENTIAL:
        return 600; /* the old secret checked, the new one hashed */
    default:
        return 2;
    }
}

static bool within_budget(const scenario *scenario)
{
    unsigned total = 0;
    for (size_t i = 0; i < scenario->step_count; i++) {
        total += estimated_cost_ms(&scenario->steps[i]);
        if (total > RUN_BUDGET_MS)
            return false;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    scenario *parsed = scenario_parse_text("fuzz.yaml", (const char *)data, size);
    if (parsed == NULL)
        return 0;
    if (scenario_is_valid(parsed) && within_budget(parsed)) {
        static const transcript_format_kind formats[] = {TRANSCRIPT_TEXT, TRANSCRIPT_TAP, TRANSCRIPT_JUNIT};
        runner_options options = {.format = formats[size % 3]};
        transcript transcript;
        transcript_open(&transcript, options.format, sink);
        transcript_begin_run(&transcript, 1);
        bool passed = runner_execute_scenario(parsed, &options, &transcript);
        transcript_end_run(&transcript, passed ? 1 : 0, passed ? 0 : 1);
        transcript_close(&transcript);
    }
    scenario_free(parsed);
    return 0;
}
