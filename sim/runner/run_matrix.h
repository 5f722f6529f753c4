/*
 * run_matrix.h - the runs of one `kssim run` kept in memory, for the formats that need every run before
 * they can print anything: the version matrix (`--matrix LEVELS`, as text, JSON or in the HTML page) and
 * the HTML report (transcript_html.c).
 *
 * The matrix puts the runs of one scenario file side by side: one row per step, one column per API level,
 * each cell the step's result there (and the app's exception when the app view names one). A cell whose
 * text differs from the cell to its left is marked, so a reader sees at which release a result changes.
 */
#ifndef SIM_RUNNER_RUN_MATRIX_H
#define SIM_RUNNER_RUN_MATRIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "runner/transcript.h"

/* One step as the transcript reported it, with copies of its texts. */
typedef struct recorded_step {
    size_t number;
    char *action, *arguments, *outcome, *expected, *app_exception, *app_call;
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

/* The runs of one scenario file: first..first+count-1 (runs of a file are consecutive). Returns count. */
size_t run_matrix_group(const run_record *record, size_t first);
/* The matrix cell of a step: the outcome, and " / EXCEPTION" when the app view names an exception. The
 * caller frees it; NULL when the run has no such step (a budget stopped it) or memory ran out. */
char *run_matrix_cell(const recorded_run *run, size_t step_index);
/* Whether cell column (0-based) of step row differs from the column to its left. */
bool run_matrix_cell_differs(const recorded_run *runs, size_t column, size_t step_index);
/* How many step rows the group has: the most steps any of its runs executed. */
size_t run_matrix_rows(const recorded_run *runs, size_t count);
/* The step of row step_index in the first run that has it (for its action and arguments). */
const recorded_step *run_matrix_row_step(const recorded_run *runs, size_t count, size_t step_index);

void run_matrix_write_text(const run_record *record, FILE *out, size_t passed, size_t failed);
void run_matrix_write_json(const run_record *record, FILE *out, size_t passed, size_t failed);
/* The matrix as <section> elements of the HTML page; escaping with transcript_write_xml_escaped. */
void run_matrix_write_html(const run_record *record, FILE *out);

/* Formats of `kssim run --matrix`: they record every run and print at the end. */
extern const transcript_format transcript_matrix_text_format;
extern const transcript_format transcript_matrix_json_format;

#endif
