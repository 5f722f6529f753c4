/*
 * command_run.c - `kssim run PATH... [--seed N] [--format text|tap|junit]`: the scenario runner's
 * command line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "runner/runner.h"
#include "runner/scenario_values.h"

static const char run_usage[] =
    "usage: kssim run PATH... [--seed N] [--format text|tap|junit]\n"
    "\n"
    "Runs scenario files (YAML) on a fresh simulated device each and prints a transcript: one line per\n"
    "step, `STEP ACTION ARGS -> RESULT (CODE)`, marked where the result differs from the step's expect,\n"
    "then `N passed, N failed`. Directories are searched for *.yaml and *.yml, in path order.\n"
    "\n"
    "  --seed N         use seed N (decimal or 0x hex) for every scenario instead of the file's own\n"
    "  --format FORMAT  text (default), tap (TAP version 13) or junit (JUnit XML)\n"
    "\n"
    "Every file is validated before anything runs. Exit status: 0 every expectation met, 1 some\n"
    "expectation not met, 2 a file is not a valid scenario (each error is printed as FILE:LINE:COL) or\n"
    "the command line is wrong.\n";

static int usage_error(const char *format, const char *argument)
{
    fputs("kssim run: ", stderr);
    fprintf(stderr, format, argument);
    fputs("\nusage: kssim run PATH... [--seed N] [--format text|tap|junit] (kssim run --help)\n", stderr);
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

int kssim_command_run(int argc, char **argv)
{
    runner_options options = {.format = TRANSCRIPT_TEXT};
    const char **paths = calloc((size_t)argc + 1, sizeof(*paths));
    size_t path_count = 0;
    int status = -1;
    bool options_done = false;
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
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(run_usage, stdout);
            status = KSSIM_EXIT_SUCCESS;
        } else if ((value = option_value(argc, argv, &i, "--seed", &missing)) != NULL) {
            if (!scenario_parse_unsigned(value, UINT64_MAX, &options.seed, NULL, error, sizeof(error)))
                status = usage_error("--seed %s", error);
            options.has_seed = true;
        } else if ((value = option_value(argc, argv, &i, "--format", &missing)) != NULL) {
            if (parse_format(value, &options.format) != 0)
                status = usage_error("unknown format '%s'; --format takes text, tap or junit", value);
        } else if (missing) {
            status = usage_error("%s needs a value", argv[i]);
        } else {
            status = usage_error("unknown option '%s'; options: --seed N, --format text|tap|junit, --help", argv[i]);
        }
    }
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
    .synopsis = "PATH... [--seed N] [--format text|tap|junit]",
    .summary = "run scenario files and directories of them, each on a fresh in-memory phone",
    .description = run_usage,
    .run_arguments = kssim_command_run,
};
