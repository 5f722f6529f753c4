/*
 * runner.h - `kssim run`: validate every scenario file given, then run each on a fresh simulated
 * device and print the transcript.
 */
#ifndef SIM_RUNNER_RUNNER_H
#define SIM_RUNNER_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "runner/scenario.h"
#include "runner/transcript.h"

/* Exit statuses of a run (shared/spec/scenario-format.md, "Runner"). */
#define RUNNER_EXIT_ALL_MET 0
#define RUNNER_EXIT_NOT_MET 1
#define RUNNER_EXIT_INVALID 2

typedef struct runner_options {
    bool has_seed; /* --seed: replaces every file's seed */
    uint64_t seed;
    transcript_format_kind format;
} runner_options;

/* Runs the scenario files and directories named by paths. Errors in the files (or unreadable paths)
 * go to err and nothing runs; the transcript goes to out. Returns a RUNNER_EXIT_* status. */
int runner_run_paths(const char *const *paths, size_t path_count, const runner_options *options, FILE *out, FILE *err);

/* Runs one valid scenario on a fresh device, reporting to transcript; true when every step met its
 * expectation. */
bool runner_execute_scenario(const scenario *scenario, const runner_options *options, transcript *transcript);

#endif
