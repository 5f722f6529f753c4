/*
 * command_run.c - `kssim run PATH... [--seed N] [--api-level LEVELS | --matrix LEVELS] [--format
 * text|tap|junit|html|json] [--max-steps N] [--timeout DURATION] [--max-virtual-time DURATION] [--shard K/N]`: the
 * scenario runner's
 * command line, and the host's monotonic clock that --timeout is measured with (the runner never reads a clock itself).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "runner/runner.h"
#include "runner/scenario_levels.h"
#include "runner/scenario_values.h"

static const char run_usage[] =
    "usage: kssim run PATH... [--seed N] [--api-level LEVELS | --matrix LEVELS] [--format text|tap|junit|html|json]\n"
    "                 [--max-steps N] [--timeout DURATION] [--max-virtual-time DURATION] [--shard K/N]\n"
    "\n"
    "Runs scenario files (YAML) on a fresh simulated device each and prints a transcript: one line per\n"
    "step, `STEP ACTION ARGS -> RESULT (CODE)`, marked where the result differs from the step's expect,\n"
    "then `N passed, N failed`. Directories are searched recursively (subdirectories too) for *.yaml and\n"
    "*.yml; the files found under each directory run in path order (bytewise).\n"
    "\n"
    "A scenario runs once per API level, each time on a fresh device: the levels of its `device: {api_level:\n"
    "[30, 34]}`, else 34. Each run has its own header, `# FILE @ api_level L: NAME (seed N)`, and counts once\n"
    "in the summary. Steps may expect per level: `expect: {30: KEY_USER_NOT_AUTHENTICATED, 31..: ok}`.\n"
    "\n"
    "  --seed N                     use seed N (decimal or 0x hex) for every scenario instead of the file's own\n"
    "  --api-level LEVELS           run every scenario on each of LEVELS instead of the file's own, e.g. 30,34\n"
    "                               or 31..33,35 (modelled: 23 to 35)\n"
    "  --matrix LEVELS              run every scenario on each of LEVELS (as --api-level) and print the version\n"
    "                               matrix instead of the transcript: per scenario a table, rows steps, columns\n"
    "                               levels, a cell marked * where it differs from the level to its left, ! where\n"
    "                               the step missed its expectation (docs/reports.md)\n"
    "  --format FORMAT              text (default), tap (TAP version 13), junit (JUnit XML), html (one self-\n"
    "                               contained page: a timeline per run, and the matrix with --matrix) or json\n"
    "                               (one document for the run; with --matrix, the matrix)\n"
    "  --max-steps N                each scenario may execute at most N steps\n"
    "  --timeout DURATION           the whole run may take at most DURATION of real time (e.g. 30s, 5m)\n"
    "  --max-virtual-time DURATION  each scenario's advance steps may move its clocks at most DURATION in all\n"
    "  --explain                    under each step, its decision path: `why:` lines naming the rule IDs that\n"
    "                               decided, the tokens considered, the key's policy, the lock state\n"
    "                               (docs/explain.md)\n"
    "  --shard K/N                  run only the K-th of N disjoint parts (1 <= K <= N), for N CI jobs: a file\n"
    "                               (with --matrix, a file on one level) is in part 1 + FNV-1a-64(NAME) mod N,\n"
    "                               NAME its path below the directory argument (a file argument's base name),\n"
    "                               with --matrix followed by @LEVEL. Every file is still validated. `kssim\n"
    "                               merge-results` joins the parts' junit or json documents into the document\n"
    "                               of the whole run (docs/ci.md)\n"
    "\n"
    "Budgets are checked between steps; a scenario that would exceed one stops there, with a line in the\n"
    "transcript and on stderr naming the budget, and counts as failed (scenarios the --timeout left no time\n"
    "for are listed as not run). Without them a run is bounded only by its files: a scenario has no loops.\n"
    "\n"
    "Every file is validated before anything runs. Exit status: 0 every expectation met, 1 some\n"
    "expectation not met, 2 a file is not a valid scenario (each error is printed as FILE:LINE:COL) or\n"
    "the command line is wrong, 3 a budget stopped a scenario before its end.\n";

static int usage_error(const char *format, const char *argument)
{
    fputs("kssim run: ", stderr);
    fprintf(stderr, format, argument);
    fputs("\nusage: kssim run PATH... [--seed N] [--api-level LEVELS | --matrix LEVELS] [--format "
          "text|tap|junit|html|json]\n"
          "                 [--max-steps N] [--timeout DURATION] [--max-virtual-time DURATION] [--shard K/N]\n"
          "                 (kssim run --help)\n",
          stderr);
    return KSSIM_EXIT_USAGE;
}

static int parse_format(const char *value, transcript_format_kind *format)
{
    if (strcmp(value, "text") == 0)
        *format = TRANSCRIPT_TEXT;
    else if (strcmp(value, "tap") == 0)
        *format = TRANSCRIPT_TAP;
    else if (strcmp(value, "junit") == 0)
        *format = TRANSCRIPT_JUNIT;
    else if (strcmp(value, "html") == 0)
        *format = TRANSCRIPT_HTML;
    else if (strcmp(value, "json") == 0)
        *format =
            TRANSCRIPT_JSON; /* with --matrix, the matrix's JSON: check_matrix decides once all options are read */
    else
        return -1;
    return 0;
}

/* The value of --name VALUE or --name=VALUE at argv[*index]; NULL when argv[*index] is not that option. */
static const char *option_value(int argc, char **argv, int *index, const char *name, int *missing)
{
    size_t length = strlen(name);
    const char *argument = argv[*index];
    if (strncmp(argument, name, length) != 0)
        return NULL;
    if (argument[length] == '=')
        return argument + length + 1;
    if (argument[length] != '\0')
        return NULL;
    if (*index + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*index];
}

/* The real clock of --timeout: CLOCK_MONOTONIC, which no one can set, so a clock change on the host
 * neither ends a run early nor lets it run on. */
static uint64_t monotonic_ms(void)
{
    struct timespec now;
    if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
        return 0;
    return (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
}

/* A budget's value: at least 1 (a budget of nothing would run nothing), as a count or a duration. Returns
 * -1 when it was read, otherwise the usage error's status. */
static int parse_budget(const char *option, const char *value, bool duration, uint64_t *out)
{
    char error[SCENARIO_ERROR_MAX], message[SCENARIO_ERROR_MAX + 64];
    bool parsed = duration ? scenario_parse_duration(value, out, error, sizeof(error))
                           : scenario_parse_unsigned(value, UINT64_MAX, out, NULL, error, sizeof(error));
    if (!parsed)
        snprintf(message, sizeof(message), "%s: %s", option, error);
    else if (*out == 0)
        snprintf(message, sizeof(message), "%s: a budget of 0 would run nothing; give %s, or leave %s out for none",
                 option, duration ? "1ms or more" : "1 or more", option);
    else
        return -1;
    return usage_error("%s", message);
}

/* --matrix LEVELS runs every scenario on each level, as --api-level does, and tabulates the runs: it takes the
 * place of --api-level, and prints as text, JSON or HTML. Returns -1 when the options fit together. */
static int check_matrix(runner_options *options, const int *levels, size_t level_count)
{
    if (!options->matrix)
        return -1;
    if (options->format == TRANSCRIPT_JSON)
        options->format = TRANSCRIPT_MATRIX_JSON;
    if (options->api_level_count > 0)
        return usage_error("%s", "--matrix names the levels itself: give the levels to --matrix and leave --api-level "
                                 "out");
    if (options->format == TRANSCRIPT_TAP || options->format == TRANSCRIPT_JUNIT)
        return usage_error("%s", "--matrix prints a table: use --format text (default), json or html with it");
    memcpy(options->api_levels, levels, level_count * sizeof(*levels));
    options->api_level_count = level_count;
    return -1;
}

int kssim_command_run(int argc, char **argv)
{
    runner_budget budget = {.real_time_ms = monotonic_ms};
    runner_options options = {.format = TRANSCRIPT_TEXT, .budget = &budget};
    const char **paths = calloc((size_t)argc + 1, sizeof(*paths));
    size_t path_count = 0;
    int status = -1;
    bool options_done = false;
    int matrix_levels[SCENARIO_API_LEVEL_COUNT_MAX];
    size_t matrix_level_count = 0;
    if (paths == NULL) {
        fputs("kssim run: out of memory\n", stderr);
        return KSSIM_EXIT_USAGE;
    }
    for (int i = 1; i < argc && status < 0; i++) {
        const char *value;
        int missing = 0;
        char error[SCENARIO_ERROR_MAX];
        if (options_done || argv[i][0] != '-' || strcmp(argv[i], "-") == 0) {
            paths[path_count++] = argv[i];
        } else if (strcmp(argv[i], "--") == 0) {
            options_done = true;
        } else if (strcmp(argv[i], "--explain") == 0) {
            options.explain = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(run_usage, stdout);
            status = KSSIM_EXIT_SUCCESS;
        } else if ((value = option_value(argc, argv, &i, "--seed", &missing)) != NULL) {
            if (!scenario_parse_unsigned(value, UINT64_MAX, &options.seed, NULL, error, sizeof(error)))
                status = usage_error("--seed %s", error);
            options.has_seed = true;
        } else if ((value = option_value(argc, argv, &i, "--api-level", &missing)) != NULL) {
            if (!scenario_parse_level_list(value, options.api_levels, SCENARIO_API_LEVEL_COUNT_MAX,
                                           &options.api_level_count, error, sizeof(error)))
                status = usage_error("--api-level: %s", error);
        } else if ((value = option_value(argc, argv, &i, "--matrix", &missing)) != NULL) {
            if (!scenario_parse_level_list(value, matrix_levels, SCENARIO_API_LEVEL_COUNT_MAX, &matrix_level_count,
                                           error, sizeof(error)))
                status = usage_error("--matrix: %s", error);
            options.matrix = true;
        } else if ((value = option_value(argc, argv, &i, "--format", &missing)) != NULL) {
            if (parse_format(value, &options.format) != 0)
                status = usage_error("unknown format '%s'; --format takes text, tap or junit (transcripts), html (a "
                                     "page) or json (the run, or the matrix with --matrix)",
                                     value);
        } else if ((value = option_value(argc, argv, &i, "--max-steps", &missing)) != NULL) {
            status = parse_budget("--max-steps", value, false, &budget.max_steps);
        } else if ((value = option_value(argc, argv, &i, "--timeout", &missing)) != NULL) {
            status = parse_budget("--timeout", value, true, &budget.timeout_ms);
        } else if ((value = option_value(argc, argv, &i, "--max-virtual-time", &missing)) != NULL) {
            status = parse_budget("--max-virtual-time", value, true, &budget.max_virtual_ms);
        } else if ((value = option_value(argc, argv, &i, "--shard", &missing)) != NULL) {
            if (!run_shard_parse(value, &options.shard, error, sizeof(error)))
                status = usage_error("--shard: %s", error);
        } else if (missing) {
            status = usage_error("%s needs a value", argv[i]);
        } else {
            status = usage_error("unknown option '%s'; options: --seed N, --api-level LEVELS, --matrix LEVELS, "
                                 "--format text|tap|junit|html|json, --max-steps N, --explain, "
                                 "--timeout DURATION, --max-virtual-time DURATION, --shard K/N, --help",
                                 argv[i]);
        }
    }
    if (status < 0)
        status = check_matrix(&options, matrix_levels, matrix_level_count);
    if (status < 0 && path_count == 0)
        status = usage_error("%s", "no scenario given: name files or directories to run");
    if (status < 0)
        status = runner_run_paths(paths, path_count, &options, stdout, stderr);
    free(paths);
    return status;
}

const cli_command command_run = {
    .name = "run",
    .group = "Scenarios",
    .synopsis = "PATH... [--seed N] [--api-level LEVELS | --matrix LEVELS] [--format text|tap|junit|html|json] "
                "[--max-steps N] "
                "[--timeout DURATION] [--max-virtual-time DURATION] [--shard K/N]",
    .summary = "run scenario files and directories of them, each on a fresh in-memory phone",
    .description = run_usage,
    .run_arguments = kssim_command_run,
};
