/*
 * runner_bench.c - how fast the scenario runner goes through the bundled scenario library (issue #6;
 * docs/performance.md): steps per second, split into steps that do cryptography and steps that do not,
 * and the time of each kind of step.
 *
 * Measured from outside the runner, through its own library API: the files are parsed and validated as
 * `kssim run` does, then each scenario runs through runner_execute_scenario with a transcript whose
 * format times the interval between the runner's reports (a step is reported as soon as it has run) and
 * hands each report on to the ordinary text format, writing to /dev/null, so that rendering the
 * transcript is part of the cost as it is for `kssim run`. The device each scenario gets is timed apart
 * (from the call to the scenario's first report).
 *
 * The first run is what one `kssim run` costs. Later runs in the same process are faster: Gatekeeper's
 * scrypt results are remembered per process (sim/core/crypto.c), and scenarios that set the same PIN
 * with the same salt share them; they are reported apart, as the median of runs 2..N.
 *
 * Then a generated scenario of --steps steps (default 10 000) runs once: a period of ten steps repeated
 * (a new EC key, signing with it and verifying the signature under a new name, signing with an older
 * key, a second enrollment and its removal, a credential check, an advance of the clocks), so the key
 * database and the named values grow by one key and one signature per period. Its steps per second are
 * reported, and the mean cost of a step in its first and last thousand steps, overall and per step kind:
 * the two thousands hold the same mix of steps, so a ratio above 1 is a cost that grows with the
 * scenario's length or its number of keys.
 *
 * Usage: runner_bench [--repeat N] [--steps S] SCENARIO_PATH...
 *   --repeat N: run the whole library N times (default 5); the per-step table is the first run's.
 *   --steps S: the generated scenario's length (default 10000, at least 12); below 2000 steps the first
 *              and last halves are compared instead of thousands.
 */
/* mkdtemp() is an X/Open function. */
#define _XOPEN_SOURCE 700

#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "runner/runner.h"
#include "runner/scenario_paths.h"

#include "bench_common.h"

static const char usage[] = "usage: runner_bench [--repeat N] [--steps S] SCENARIO_PATH...\n";

/* Steps that run a key operation, make key material, or hash a credential (Gatekeeper's scrypt):
 * everything else only moves clocks, biometric state, tokens (one HMAC) or reads the key database. */
static const char *const crypto_actions[] = {
    "generate_key",
    "import_key",
    "sign",
    "verify",
    "encrypt",
    "decrypt",
    "begin",
    "update",
    "finish",
    "set_credential",
    "change_credential",
    "reset_credential",
    "remove_credential",
    "verify_credential",
    "unlock",
    "prompt",
};

static bool is_crypto(const char *action)
{
    for (size_t i = 0; i < sizeof(crypto_actions) / sizeof(crypto_actions[0]); i++)
        if (strcmp(action, crypto_actions[i]) == 0)
            return true;
    return false;
}

#define ACTIONS_MAX 64

typedef struct action_timing {
    const char *name;
    size_t count;
    double seconds;
} action_timing;

static struct {
    action_timing actions[ACTIONS_MAX];
    size_t action_count;
    double mark;           /* when the last report came */
    double device_seconds; /* creating each scenario's device */
    size_t devices;
    double run_crypto, run_plain; /* this run's step time by kind */
    size_t run_crypto_steps, run_plain_steps;
    bool first_run; /* only the first run fills the per-step table */
    /* The generated scenario's run: every step's action and time, in order (NULL outside it). */
    const char **step_actions;
    double *step_seconds;
    size_t step_count, step_capacity;
} timing;

static void account(const char *action, double seconds)
{
    if (is_crypto(action)) {
        timing.run_crypto += seconds;
        timing.run_crypto_steps++;
    } else {
        timing.run_plain += seconds;
        timing.run_plain_steps++;
    }
    if (!timing.first_run)
        return;
    size_t i = 0;
    while (i < timing.action_count && strcmp(timing.actions[i].name, action) != 0)
        i++;
    if (i == timing.action_count) {
        CHECK(i < ACTIONS_MAX);
        timing.actions[i].name = action; /* the runner's names are static strings */
        timing.action_count++;
    }
    timing.actions[i].count++;
    timing.actions[i].seconds += seconds;
}

/* The timing format: notes the time, then lets the text format write the report. */
static void timed_begin_run(transcript *t, size_t count)
{
    transcript_text_format.begin_run(t, count);
}

static void timed_begin_scenario(transcript *t)
{
    double now = bench_now();
    if (timing.first_run) {
        timing.device_seconds += now - timing.mark;
        timing.devices++;
    }
    timing.mark = now;
    transcript_text_format.begin_scenario(t);
}

static void timed_step(transcript *t, const transcript_step *step)
{
    double now = bench_now();
    if (timing.step_seconds != NULL && timing.step_count < timing.step_capacity) {
        timing.step_actions[timing.step_count] = step->action;
        timing.step_seconds[timing.step_count++] = now - timing.mark;
    } else if (timing.step_seconds == NULL) {
        account(step->action, now - timing.mark);
    }
    timing.mark = now;
    CHECK(step->met);
    transcript_text_format.step(t, step);
}

static void timed_problem(transcript *t, const char *text)
{
    (void)t;
    fprintf(stderr, "scenario problem: %s\n", text);
    exit(1);
}

static void timed_end_scenario(transcript *t, bool passed)
{
    transcript_text_format.end_scenario(t, passed);
}

static void timed_end_run(transcript *t, size_t passed, size_t failed)
{
    transcript_text_format.end_run(t, passed, failed);
}

static const transcript_format timed_format = {
    timed_begin_run, timed_begin_scenario, timed_step, timed_problem, timed_end_scenario, timed_end_run,
};

static int by_total_time(const void *a, const void *b)
{
    double x = ((const action_timing *)a)->seconds, y = ((const action_timing *)b)->seconds;
    return (x < y) - (x > y);
}

/* One run of the whole library; returns its seconds and sets the crypto and plain step rates. */
static double run_library(scenario **scenarios, size_t count, FILE *sink, double *crypto_rate, double *plain_rate)
{
    runner_options options = {.has_seed = false, .format = TRANSCRIPT_TEXT};
    transcript t;
    transcript_open(&t, TRANSCRIPT_TEXT, sink);
    t.format = &timed_format;
    timing.run_crypto = timing.run_plain = 0;
    timing.run_crypto_steps = timing.run_plain_steps = 0;
    double started = bench_now();
    transcript_begin_run(&t, count);
    for (size_t i = 0; i < count; i++) {
        timing.mark = bench_now();
        CHECK(runner_execute_scenario(scenarios[i], &options, &t));
    }
    transcript_end_run(&t, count, 0);
    double seconds = bench_now() - started;
    transcript_close(&t);
    *crypto_rate = (double)timing.run_crypto_steps / timing.run_crypto;
    *plain_rate = (double)timing.run_plain_steps / timing.run_plain;
    return seconds;
}

/* ---- The generated scenario ---- */

#define GENERATED_PERIOD 10
#define GENERATED_SETUP  2    /* set_credential, enroll_biometric */
#define GENERATED_WINDOW 1000 /* the first and last this many steps are compared (or halves, if fewer) */
static size_t window;
/* A step's median in the last window over the first: what "no step's cost grows" allows for noise and
 * for a lookup by alias in the sorted key database (a binary search: 1000 keys take three comparisons
 * more than 100, about 0.1 us of a 1.5 us expect_key). */
#define GROWTH_GOAL 1.25

/* Writes a scenario of steps steps (a multiple of GENERATED_PERIOD) to path. */
static void write_generated(const char *path, size_t steps)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    fprintf(f, "name: Generated - %zu steps over a growing number of keys\nsteps:\n", steps);
    /* Two steps of set-up, then periods; the set-up steps count towards the length. */
    fprintf(f, "  - set_credential: {type: pin, secret: \"1234\"}\n  - enroll_biometric: {id: 1}\n");
    size_t periods = (steps - GENERATED_SETUP) / GENERATED_PERIOD, extra = (steps - GENERATED_SETUP) % GENERATED_PERIOD;
    for (size_t i = 0; i < periods; i++) {
        fprintf(f, "  - generate_key: {alias: k%zu, algorithm: ec, purposes: [sign, verify]}\n", i);
        fprintf(f, "  - sign: {key: k%zu, data: \"period %zu\", as: s%zu}\n", i, i, i);
        fprintf(f, "  - verify: {key: k%zu, data: \"period %zu\", signature: s%zu}\n", i, i, i);
        fprintf(f, "  - sign: {key: k%zu, data: \"an older key\"}\n", i / 2);
        fprintf(f, "  - enroll_biometric: {id: 2}\n");
        fprintf(f, "  - advance: 1s\n");
        fprintf(f, "  - remove_biometric: {id: 2}\n");
        fprintf(f, "  - verify: {key: k%zu, data: \"period %zu\", signature: s%zu}\n", i / 3, i / 3, i / 3);
        fprintf(f, "  - expect_key: {alias: k%zu, state: valid}\n", i / 4);
        fprintf(f, "  - advance: 10ms\n");
    }
    for (size_t i = 0; i < extra; i++)
        fprintf(f, "  - advance: 1ms\n");
    CHECK(fclose(f) == 0);
}

/* The mean of the window's steps whose action is action (NULL: every step), or their median (which a
 * burst of load on a shared machine moves less); *count gets how many. */
static double window_figure(size_t from, const char *action, bool median, size_t *count)
{
    double total = 0, *times = calloc(window, sizeof(double));
    CHECK(times != NULL);
    size_t n = 0;
    for (size_t i = from; i < from + window && i < timing.step_count; i++)
        if (action == NULL || strcmp(timing.step_actions[i], action) == 0) {
            total += timing.step_seconds[i];
            times[n++] = timing.step_seconds[i];
        }
    *count = n;
    double figure = n == 0 ? 0 : median ? bench_median(times, n) : total / (double)n;
    free(times);
    return figure;
}

static void run_generated(size_t steps)
{
    char directory[] = "/tmp/kssim-runner-bench-XXXXXX", path[sizeof(directory) + 32];
    CHECK(mkdtemp(directory) != NULL);
    snprintf(path, sizeof(path), "%s/generated.yaml", directory);
    write_generated(path, steps);
    double parse_started = bench_now();
    scenario *generated = scenario_parse_file(path);
    CHECK(generated != NULL);
    if (!scenario_is_valid(generated))
        scenario_print_diagnostics(generated, stderr);
    CHECK(scenario_is_valid(generated));
    double parse_seconds = bench_now() - parse_started;
    unlink(path);
    rmdir(directory);

    timing.step_actions = calloc(steps, sizeof(*timing.step_actions));
    timing.step_seconds = calloc(steps, sizeof(*timing.step_seconds));
    CHECK(timing.step_actions != NULL && timing.step_seconds != NULL);
    timing.step_capacity = steps;
    timing.step_count = 0;
    FILE *sink = fopen("/dev/null", "w");
    CHECK(sink != NULL);
    runner_options options = {.has_seed = false, .format = TRANSCRIPT_TEXT};
    transcript t;
    transcript_open(&t, TRANSCRIPT_TEXT, sink);
    t.format = &timed_format;
    double started = bench_now();
    transcript_begin_run(&t, 1);
    timing.mark = bench_now();
    CHECK(runner_execute_scenario(generated, &options, &t));
    transcript_end_run(&t, 1, 0);
    double seconds = bench_now() - started;
    transcript_close(&t);
    fclose(sink);
    CHECK(timing.step_count == steps);

    /* The set-up's scrypt would dwarf the first window's mean: the windows start after it. */
    window = steps - GENERATED_SETUP >= 2 * GENERATED_WINDOW ? GENERATED_WINDOW : (steps - GENERATED_SETUP) / 2;
    size_t last = steps - window, n_first, n_last;
    printf("\ngenerated scenario: %zu steps, %zu keys at the end\n", steps,
           (steps - GENERATED_SETUP) / GENERATED_PERIOD);
    printf("  %-28s %9.1f ms\n", "parse + validate", parse_seconds * 1e3);
    printf("  %-28s %9.1f ms  %8.0f steps/s\n", "run", seconds * 1e3, (double)steps / seconds);
    double first_mean = window_figure(GENERATED_SETUP, NULL, false, &n_first),
           last_mean = window_figure(last, NULL, false, &n_last);
    printf("  %-28s %9.1f us first %zu, %9.1f us last %zu: %5.2fx\n", "mean step", first_mean * 1e6, window,
           last_mean * 1e6, window, last_mean / first_mean);
    printf("  median by step:\n");
    static const char *const kinds[] = {"generate_key",     "sign",    "verify",    "enroll_biometric",
                                        "remove_biometric", "advance", "expect_key"};
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        double a = window_figure(GENERATED_SETUP, kinds[k], true, &n_first),
               b = window_figure(last, kinds[k], true, &n_last);
        if (n_first > 0 && n_last > 0)
            printf("    %-26s %9.1f us first %zu, %9.1f us last %zu: %5.2fx  (goal <= %.2fx: %s)\n", kinds[k], a * 1e6,
                   window, b * 1e6, window, b / a, GROWTH_GOAL, b / a <= GROWTH_GOAL ? "met" : "missed");
    }
    free(timing.step_actions);
    free(timing.step_seconds);
    timing.step_actions = NULL;
    timing.step_seconds = NULL;
    scenario_free(generated);
}

static void print_rates(const char *what, double seconds, size_t steps, double crypto_rate, double plain_rate)
{
    printf("  %-28s %9.1f ms  %8.0f steps/s; with crypto %6.0f steps/s, without %8.0f steps/s\n", what, seconds * 1e3,
           (double)steps / seconds, crypto_rate, plain_rate);
}

int main(int argc, char **argv)
{
    long repeat = 5, generated_steps = 10000;
    const char *paths[64];
    size_t path_count = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = bench_positive_number(argv[++i], usage);
        else if (strcmp(argv[i], "--steps") == 0 && i + 1 < argc)
            generated_steps = bench_positive_number(argv[++i], usage);
        else if (argv[i][0] != '-' && path_count < sizeof(paths) / sizeof(paths[0]))
            paths[path_count++] = argv[i];
        else
            return fprintf(stderr, "%s", usage), 2;
    }
    if (path_count == 0 || generated_steps < GENERATED_SETUP + GENERATED_PERIOD)
        return fprintf(stderr, "%s", usage), 2;

    double parse_started = bench_now();
    scenario_path_list files = {0};
    CHECK(scenario_paths_collect(paths, path_count, &files, stderr));
    scenario **scenarios = calloc(files.count, sizeof(*scenarios));
    CHECK(scenarios != NULL);
    for (size_t i = 0; i < files.count; i++) {
        scenarios[i] = scenario_parse_file(files.paths[i]);
        CHECK(scenarios[i] != NULL);
        if (!scenario_is_valid(scenarios[i]))
            scenario_print_diagnostics(scenarios[i], stderr);
        CHECK(scenario_is_valid(scenarios[i]));
    }
    double parse_seconds = bench_now() - parse_started;

    FILE *sink = fopen("/dev/null", "w");
    CHECK(sink != NULL);
    double first_crypto, first_plain;
    timing.first_run = true;
    double first = run_library(scenarios, files.count, sink, &first_crypto, &first_plain);
    size_t steps = timing.run_crypto_steps + timing.run_plain_steps, crypto_steps = timing.run_crypto_steps;
    timing.first_run = false;
    size_t later = (size_t)repeat - 1;
    double *run_seconds = calloc(later + 1, sizeof(double));
    double *crypto_rates = calloc(later + 1, sizeof(double));
    double *plain_rates = calloc(later + 1, sizeof(double));
    CHECK(run_seconds != NULL && crypto_rates != NULL && plain_rates != NULL);
    for (size_t r = 0; r < later; r++)
        run_seconds[r] = run_library(scenarios, files.count, sink, &crypto_rates[r], &plain_rates[r]);
    fclose(sink);

    printf("scenario runner: %zu scenarios, %zu steps (%zu with crypto, %zu without)\n", files.count, steps,
           crypto_steps, steps - crypto_steps);
    printf("  %-28s %9.1f ms\n", "parse + validate every file", parse_seconds * 1e3);
    print_rates("first run (as kssim run)", first, steps, first_crypto, first_plain);
    if (later > 0) {
        char what[64];
        snprintf(what, sizeof(what), "runs 2-%ld (median)", repeat);
        print_rates(what, bench_median(run_seconds, later), steps, bench_median(crypto_rates, later),
                    bench_median(plain_rates, later));
    }
    printf("  %-28s %9.1f us each\n", "a scenario's fresh device",
           timing.device_seconds / (double)timing.devices * 1e6);
    printf("\nfirst run, by step:\n%-26s %7s %12s %12s %s\n", "step", "count", "mean us", "share", "kind");
    qsort(timing.actions, timing.action_count, sizeof(timing.actions[0]), by_total_time);
    double total = 0;
    for (size_t i = 0; i < timing.action_count; i++)
        total += timing.actions[i].seconds;
    for (size_t i = 0; i < timing.action_count; i++)
        printf("%-26s %7zu %12.1f %11.1f%% %s\n", timing.actions[i].name, timing.actions[i].count,
               timing.actions[i].seconds / (double)timing.actions[i].count * 1e6,
               100.0 * timing.actions[i].seconds / total, is_crypto(timing.actions[i].name) ? "crypto" : "-");
    run_generated((size_t)generated_steps);

    for (size_t i = 0; i < files.count; i++)
        scenario_free(scenarios[i]);
    free(scenarios);
    scenario_paths_free(&files);
    free(run_seconds);
    free(crypto_rates);
    free(plain_rates);
    return 0;
}
