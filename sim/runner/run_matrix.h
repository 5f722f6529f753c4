/*
 * run_matrix.h - the version matrix of `kssim run --matrix LEVELS`, as text, JSON or in the HTML page, built
 * from the runs kept by run_record.h.
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

#include "runner/run_record.h"
#include "runner/transcript.h"

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
