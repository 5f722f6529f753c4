/*
 * run_record.h - the runs of one `kssim run` kept in memory, with copies of every step's texts, for the formats
 * that need every run before they can print anything: the version matrix (run_matrix.h) and the HTML page
 * (transcript_html.c).
 */
#ifndef SIM_RUNNER_RUN_RECORD_H
#define SIM_RUNNER_RUN_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runner/transcript.h"

/* One step as the transcript reported it, with copies of its texts. */
typedef struct recorded_step {
    size_t number;
    char *action, *arguments, *outcome, *expected, *app_exception, *app_call;
    char *decision; /* --explain: the step's decision path, one line per fact, or NULL */
    bool met;
    int result;
    uint64_t boot_ms;
    uint32_t boot_count;
    int64_t wall_ms;
} recorded_step;

/* One scenario run on one API level. */
typedef struct recorded_run {
    char *path, *name;
    uint64_t seed;
    int api_level;
    bool passed;
    char *problem; /* the run's problem (the device could not be created, not run), or NULL */
    recorded_step *steps;
    size_t step_count, step_capacity;
} recorded_run;

typedef struct run_record {
    recorded_run *runs;
    size_t count, capacity;
    bool out_of_memory; /* something was not kept; the formats say so instead of printing a partial table */
} run_record;

void run_record_begin(run_record *record, const char *path, const char *name, uint64_t seed, int api_level);
void run_record_step(run_record *record, const transcript_step *step);
void run_record_problem(run_record *record, const char *text);
void run_record_end(run_record *record, bool passed);
void run_record_free(run_record *record);

/* Starts keeping a transcript's runs (the formats call it from begin_run); NULL when memory ran out. */
run_record *run_record_of(transcript *transcript);

#endif
