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
#include <string.h>

#include "runner/runner.h"
#include "runner/runner_budget.h"
#include "runner/scenario_paths.h"
#include "runner/scenario_values.h"

/* What was wrong with each file, kept besides being printed to standard error, so that a refused run can
 * also say it in the JUnit or TAP document a CI server reads. */
typedef struct kept_diagnostics {
    char **texts; /* one per file, NULL while the file has none */
    size_t count;
} kept_diagnostics;

/* A stream to write one file's diagnostics into; kept_diagnostics_end() prints them to err and keeps them. When
 * no memory stream can be had, the diagnostics go straight to err and only the document lacks them. */
static FILE *kept_diagnostics_begin(char **text, size_t *length, FILE *err)
{
    FILE *stream = transcript_buffer_open(text, length);
    return stream != NULL ? stream : err;
}

static void kept_diagnostics_end(kept_diagnostics *kept, size_t file, FILE *stream, char **text, FILE *err)
{
    if (stream == err)
        return;
    char *written = transcript_buffer_take(&stream, text);
    if (written == NULL || written[0] == '\0') {
        free(written);
        return;
    }
    fputs(written, err);
    char *earlier = kept->texts[file];
    if (earlier == NULL) {
        kept->texts[file] = written;
        return;
    }
    size_t earlier_length = strlen(earlier), written_length = strlen(written);
    char *joined = realloc(earlier, earlier_length + written_length + 1);
    if (joined != NULL) {
        memcpy(joined + earlier_length, written, written_length + 1);
        kept->texts[file] = joined;
    }
    free(written);
}

static void kept_diagnostics_free(kept_diagnostics *kept)
{
    for (size_t i = 0; kept->texts != NULL && i < kept->count; i++)
        free(kept->texts[i]);
    free(kept->texts);
    kept->texts = NULL;
}

/* The refused run as JUnit or TAP: every file that had diagnostics, in the order given. */
static void write_invalid_run(const runner_options *options, const scenario_path_list *files,
                              const kept_diagnostics *kept, FILE *out)
{
    if (options->format != TRANSCRIPT_JUNIT && options->format != TRANSCRIPT_TAP)
        return;
    const char **paths = calloc(kept->count + 1, sizeof(*paths));
    const char **texts = calloc(kept->count + 1, sizeof(*texts));
    size_t invalid = 0;
    for (size_t i = 0; paths != NULL && texts != NULL && i < kept->count; i++)
        if (kept->texts[i] != NULL) {
            paths[invalid] = files != NULL ? files->paths[i] : "";
            texts[invalid++] = kept->texts[i];
        }
    if (paths != NULL && texts != NULL && invalid > 0)
        transcript_write_invalid_run(options->format, out, paths, texts, invalid);
    free(paths);
    free(texts);
}

/* Parses every file; prints every error; false when any file is not a valid scenario. */
static bool parse_all(const scenario_path_list *paths, scenario **scenarios, kept_diagnostics *kept, FILE *err)
{
    bool valid = true;
    for (size_t i = 0; i < paths->count; i++) {
        char *text = NULL;
        size_t length = 0;
        FILE *note = kept_diagnostics_begin(&text, &length, err);
        scenarios[i] = scenario_parse_file(paths->paths[i]);
        if (scenarios[i] == NULL) {
            fprintf(note, "%s: out of memory while reading the scenario\n", paths->paths[i]);
            valid = false;
        } else if (!scenario_is_valid(scenarios[i])) {
            scenario_print_diagnostics(scenarios[i], note);
            valid = false;
        }
        kept_diagnostics_end(kept, i, note, &text, err);
    }
    return valid;
}

/* Every level a valid scenario will run on has an entry in each of its per-release values; false after
 * printing each gap as FILE:LINE:COL. Invalid files were reported by parse_all already. */
static bool check_levels(scenario **scenarios, size_t count, const runner_options *options, kept_diagnostics *kept,
                         FILE *err)
{
    bool valid = true;
    for (size_t i = 0; i < count; i++) {
        if (scenarios[i] == NULL || !scenario_is_valid(scenarios[i]))
            continue;
        int levels[SCENARIO_API_LEVEL_COUNT_MAX];
        size_t level_count = runner_scenario_levels(scenarios[i], options, levels);
        char *text = NULL;
        size_t length = 0;
        FILE *note = kept_diagnostics_begin(&text, &length, err);
        valid = scenario_covers_levels(scenarios[i], levels, level_count, note) && valid;
        kept_diagnostics_end(kept, i, note, &text, err);
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

/* The levels of file i this run (or this shard of it) runs, into levels; returns how many. A file is one unit of
 * --shard, with --matrix each (file, level) is. */
static size_t levels_to_run(const scenario *scenario, const scenario_path_list *files, size_t i,
                            const runner_options *options, int *levels)
{
    size_t level_count = runner_scenario_levels(scenario, options, levels);
    const char *shard_name = scenario_paths_shard_name(files, i);
    if (!options->matrix)
        return run_shard_selects(&options->shard, shard_name, 0) ? level_count : 0;
    size_t kept = 0;
    for (size_t l = 0; l < level_count; l++)
        if (run_shard_selects(&options->shard, shard_name, levels[l]))
            levels[kept++] = levels[l];
    return kept;
}

static int run_all(scenario **scenarios, const scenario_path_list *files, const runner_options *options, FILE *out,
                   FILE *err)
{
    size_t runs = 0, count = files->count;
    for (size_t i = 0; i < count; i++) {
        int levels[SCENARIO_API_LEVEL_COUNT_MAX];
        runs += levels_to_run(scenarios[i], files, i, options, levels);
    }
    transcript transcript;
    transcript_open(&transcript, transcript_kind_of(options), out);
    transcript_begin_run(&transcript, runs);
    runner_budget_start(options->budget);
    size_t passed = 0, not_run = 0;
    for (size_t i = 0; i < count; i++) {
        int levels[SCENARIO_API_LEVEL_COUNT_MAX];
        size_t level_count = levels_to_run(scenarios[i], files, i, options, levels);
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
    char *collect_text = NULL;
    size_t collect_length = 0;
    char *collect_problem = NULL;
    kept_diagnostics collect_kept = {.texts = &collect_problem, .count = 1};
    FILE *collect_note = kept_diagnostics_begin(&collect_text, &collect_length, err);
    bool collected = scenario_paths_collect(paths, path_count, &files, collect_note);
    kept_diagnostics_end(&collect_kept, 0, collect_note, &collect_text, err);
    if (!collected) {
        /* A path that is no scenario file: one problem of the command line, named after no file. */
        write_invalid_run(options, NULL, &collect_kept, out);
        free(collect_problem);
        scenario_paths_free(&files);
        return RUNNER_EXIT_INVALID;
    }
    free(collect_problem);
    scenario **scenarios = calloc(files.count + 1, sizeof(*scenarios));
    kept_diagnostics kept = {.texts = calloc(files.count + 1, sizeof(char *)), .count = files.count};
    int status = RUNNER_EXIT_INVALID;
    if (scenarios == NULL || kept.texts == NULL) {
        fprintf(err, "kssim run: out of memory\n");
    } else {
        bool parsed = parse_all(&files, scenarios, &kept, err);
        /* Also when another file is invalid: every error of every file is reported at once. */
        bool covered = check_levels(scenarios, files.count, options, &kept, err);
        if (parsed && covered)
            status = run_all(scenarios, &files, options, out, err);
        else
            write_invalid_run(options, &files, &kept, out);
    }
    kept_diagnostics_free(&kept);
    for (size_t i = 0; scenarios != NULL && i < files.count; i++)
        scenario_free(scenarios[i]);
    free(scenarios);
    scenario_paths_free(&files);
    return status;
}
