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

#include "runner/run_shard.h"
#include "runner/scenario.h"
#include "runner/transcript.h"

/* Exit statuses of a run (shared/spec/scenario-format.md, "Runner"), and the project's own 3: a budget
 * (runner_budget) stopped a scenario before its last step, so the run is incomplete. */
#define RUNNER_EXIT_ALL_MET 0
#define RUNNER_EXIT_NOT_MET 1
#define RUNNER_EXIT_INVALID 2
#define RUNNER_EXIT_BUDGET  3

/* What a run may spend: kssim run's --max-steps, --max-virtual-time and --timeout. A scenario file is
 * finite and has no loops, so its steps are bounded by its length; the budgets bound what a run costs when
 * a file is long or its steps are slow. Zero means no bound. */
typedef struct runner_budget {
    uint64_t max_steps;      /* steps each scenario may execute */
    uint64_t max_virtual_ms; /* how far each scenario's advances may move its clocks, in all */
    uint64_t timeout_ms;     /* real time the whole run may take, checked between steps */
    /* A monotonic clock in ms, read only between steps and only for timeout_ms: the runner itself never
     * reads the host's clock (kssim run passes CLOCK_MONOTONIC). */
    uint64_t (*real_time_ms)(void);
    /* Kept by the runner while it runs. */
    uint64_t started_ms;
    bool out_of_time;  /* timeout_ms has passed: nothing more runs */
    bool exceeded;     /* some scenario was stopped */
    char stopped[256]; /* why the last scenario stopped ("" when it ran to its end) */
} runner_budget;

typedef struct runner_options {
    bool has_seed; /* --seed: replaces every file's seed */
    uint64_t seed;
    /* --api-level 30,34: every scenario runs once per level, replacing the levels its file names. */
    int api_levels[SCENARIO_API_LEVEL_COUNT_MAX];
    size_t api_level_count;
    transcript_format_kind format;
    /* --matrix LEVELS: the levels are in api_levels; the run prints the version matrix (run_matrix.h) in
     * format's flavour (text, JSON or the HTML page) instead of the transcript. */
    bool matrix;
    runner_budget *budget; /* NULL: no budget */
    /* --explain: every step carries its decision path (kssim_device_decision; docs/explain.md). */
    bool explain;
    /* --shard K/N: only the units (files, or with --matrix (file, level) pairs) of shard K run (run_shard.h);
     * every file is still validated, so each shard refuses a run with an invalid file. count 0: all. */
    run_shard shard;
} runner_options;

/* Runs the scenario files and directories named by paths. Errors in the files (or unreadable paths)
 * go to err and nothing runs; the transcript goes to out. Returns a RUNNER_EXIT_* status. */
int runner_run_paths(const char *const *paths, size_t path_count, const runner_options *options, FILE *out, FILE *err);

/* The API levels a scenario runs on, in order, into levels (room for SCENARIO_API_LEVEL_COUNT_MAX): the run's
 * --api-level, else the file's device api_level, else the default device's. Returns how many. */
size_t runner_scenario_levels(const scenario *scenario, const runner_options *options, int *levels);

/* Runs one valid scenario on a fresh device of this API level, reporting to transcript; true when every step met
 * its expectation. A scenario a budget stops is not passed; options->budget->stopped says why. */
bool runner_execute_scenario_at(const scenario *scenario, const runner_options *options, int api_level,
                                transcript *transcript);
/* The same on the first of the scenario's levels (runner_scenario_levels). */
bool runner_execute_scenario(const scenario *scenario, const runner_options *options, transcript *transcript);

/* The seed scenario's phone gets in this run (the run's --seed, else the scenario's, else the default). */
uint64_t runner_scenario_seed(const scenario *scenario, const runner_options *options);

#endif
