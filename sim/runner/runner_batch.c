/*
 * runner_batch.c - `kssim run` from start to end: collect the files, validate them all, and only
 * when every one is valid run them and print the transcript and its summary.
 *
 * Validating everything first means a typo in the tenth file is reported before nine files' worth of
 * output, and a run either tests every scenario or none.
 */
#include <stdlib.h>

#include "runner/runner.h"
#include "runner/scenario_paths.h"

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

static int run_all(scenario **scenarios, size_t count, const runner_options *options, FILE *out)
{
    transcript transcript;
    transcript_open(&transcript, options->format, out);
    transcript_begin_run(&transcript, count);
    size_t passed = 0;
    for (size_t i = 0; i < count; i++)
        passed += runner_execute_scenario(scenarios[i], options, &transcript) ? 1 : 0;
    transcript_end_run(&transcript, passed, count - passed);
    transcript_close(&transcript);
    return passed == count ? RUNNER_EXIT_ALL_MET : RUNNER_EXIT_NOT_MET;
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
    if (scenarios == NULL)
        fprintf(err, "kssim run: out of memory\n");
    else if (parse_all(&files, scenarios, err))
        status = run_all(scenarios, files.count, options, out);
    for (size_t i = 0; scenarios != NULL && i < files.count; i++)
        scenario_free(scenarios[i]);
    free(scenarios);
    scenario_paths_free(&files);
    return status;
}
