/*
 * runner_batch.c - `kssim run` from start to end: collect the files, validate them all, and only
 * when every one is valid run them and print the transcript and its summary.
 *
 * Validating everything first means a typo in the tenth file is reported before nine files' worth of
 * output, and a run either tests every scenario or none. A scenario runs once per API level (its file's
 * device api_level list, or --api-level), each run on a fresh device; that every value written per release has
 * an entry for each level run is part of the validation.
 */
#include <stdlib.h>

#include "runner/runner.h"
#include "runner/runner_budget.h"
#include "runner/scenario_paths.h"
#include "runner/scenario_values.h"

/* Parses every file; prints every error; false when any file is not a valid scenario. */
static bool parse_all(const scenario_path_list *paths, scenario **scenarios, FILE *err)
{
    bool valid = true;
    for (size_t i = 0; i < paths->count; i++) {
        scenarios[i] = scenario_parse_file(paths->paths[i]);
        if (scenarios[i] == NULL) {
            fprintf(err, "%s: out of memory while reading the scenario\n", paths->paths[i]);
            valid = false;
        } else if (!scenario_is_valid(scenarios[i])) {
            scenario_print_diagnostics(scenarios[i], err);
            valid = false;
        }
    }
    return valid;
}

/* Every level a valid scenario will run on has an entry in each of its per-release values; false after
 * printing each gap as FILE:LINE:COL. Invalid files were reported by parse_all already. */
static bool check_levels(scenario **scenarios, size_t count, const runner_options *options, FILE *err)
{
    bool valid = true;
    for (size_t i = 0; i < count; i++) {
        if (scenarios[i] == NULL || !scenario_is_valid(scenarios[i]))
            continue;
        int levels[SCENARIO_API_LEVEL_COUNT_MAX];
        size_t level_count = runner_scenario_levels(scenarios[i], options, levels);
        valid = scenario_covers_levels(scenarios[i], levels, level_count, err) && valid;
    }
    return valid;
}

/* A scenario the run's real-time budget left no time for still gets its place in the transcript (TAP
 * announced every test point), marked not passed. */
static void report_not_run(const scenario *scenario, const runner_options *options, int api_level,
                           transcript *transcript)
{
    uint64_t seed = runner_scenario_seed(scenario, options);
    char limit[32], problem[200];
    scenario_format_duration(options->budget->timeout_ms, limit, sizeof(limit));
    snprintf(problem, sizeof(problem),
             "not run: the run took its whole real-time budget (--timeout %s) before this scenario; raise --timeout",
             limit);
    transcript_begin_scenario(transcript, scenario->path, scenario->name, seed, api_level);
    transcript_problem(transcript, problem);
    transcript_end_scenario(transcript, false);
}

/* --matrix turns the run's format into its matrix flavour: the text table, its JSON, the HTML page with the
 * matrix. */
static transcript_format_kind transcript_kind_of(const runner_options *options)
{
    if (!options->matrix)
        return options->format;
    return options->format == TRANSCRIPT_MATRIX_JSON ? TRANSCRIPT_MATRIX_JSON
           : options->format == TRANSCRIPT_HTML      ? TRANSCRIPT_HTML_MATRIX
                                                     : TRANSCRIPT_MATRIX_TEXT;
}

static int run_all(scenario **scenarios, size_t count, const runner_options *options, FILE *out, FILE *err)
{
    size_t runs = 0;
    for (size_t i = 0; i < count; i++) {
        int levels[SCENARIO_API_LEVEL_COUNT_MAX];
        runs += runner_scenario_levels(scenarios[i], options, levels);
    }
    transcript transcript;
    transcript_open(&transcript, transcript_kind_of(options), out);
    transcript_begin_run(&transcript, runs);
    runner_budget_start(options->budget);
    size_t passed = 0, not_run = 0;
    for (size_t i = 0; i < count; i++) {
        int levels[SCENARIO_API_LEVEL_COUNT_MAX];
        size_t level_count = runner_scenario_levels(scenarios[i], options, levels);
        for (size_t l = 0; l < level_count; l++) {
            if (options->budget != NULL && options->budget->out_of_time) {
                report_not_run(scenarios[i], options, levels[l], &transcript);
                not_run++;
                continue;
            }
            passed += runner_execute_scenario_at(scenarios[i], options, levels[l], &transcript) ? 1 : 0;
            if (options->budget != NULL && options->budget->stopped[0] != '\0')
                fprintf(err, "kssim run: %s @ api_level %d: %s\n", scenarios[i]->path, levels[l],
                        options->budget->stopped);
        }
    }
    transcript_end_run(&transcript, passed, runs - passed);
    transcript_close(&transcript);
    if (not_run > 0)
        fprintf(err, "kssim run: %zu scenario%s not run: the run took its whole real-time budget (--timeout)\n",
                not_run, not_run == 1 ? "" : "s");
    if (options->budget != NULL && options->budget->exceeded)
        return RUNNER_EXIT_BUDGET;
    return passed == runs ? RUNNER_EXIT_ALL_MET : RUNNER_EXIT_NOT_MET;
}

int runner_run_paths(const char *const *paths, size_t path_count, const runner_options *options, FILE *out, FILE *err)
{
    scenario_path_list files = {0};
    if (!scenario_paths_collect(paths, path_count, &files, err)) {
        scenario_paths_free(&files);
        return RUNNER_EXIT_INVALID;
    }
    scenario **scenarios = calloc(files.count + 1, sizeof(*scenarios));
    int status = RUNNER_EXIT_INVALID;
    if (scenarios == NULL) {
        fprintf(err, "kssim run: out of memory\n");
    } else {
        bool parsed = parse_all(&files, scenarios, err);
        /* Also when another file is invalid: every error of every file is reported at once. */
        bool covered = check_levels(scenarios, files.count, options, err);
        if (parsed && covered)
            status = run_all(scenarios, files.count, options, out, err);
    }
    for (size_t i = 0; scenarios != NULL && i < files.count; i++)
        scenario_free(scenarios[i]);
    free(scenarios);
    scenario_paths_free(&files);
    return status;
}
