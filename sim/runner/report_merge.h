/*
 * report_merge.h - `kssim merge-results`: joins the documents of the shards of one run (`kssim run --shard K/N`,
 * run_shard.h) into the document the unsharded run prints, byte for byte: JUnit XML (--format junit), the run's
 * JSON (--format json) or the version matrix's JSON (--matrix LEVELS --format json).
 *
 * Runs are put in the order one directory argument gives them, by path bytewise and then by API level,
 * ascending; totals (tests, failures, errors, time, passed, failed) are the sums of the documents'. A document
 * that is no kssim report of these formats, was cut short, or holds a run another document holds too is refused
 * with a sentence naming it, and nothing is written.
 */
#ifndef SIM_RUNNER_REPORT_MERGE_H
#define SIM_RUNNER_REPORT_MERGE_H

#include <stddef.h>
#include <stdio.h>

/* Exit statuses, as `kssim run`'s: every merged run passed; some did not; the documents cannot be merged. */
#define REPORT_MERGE_ALL_PASSED  0
#define REPORT_MERGE_SOME_FAILED 1
#define REPORT_MERGE_REFUSED     2

typedef struct report_merge_input {
    const char *name; /* for messages: the file's path */
    const char *text;
    size_t length;
} report_merge_input;

/* Merges count documents (at least one) of one format to out; a refusal is one sentence on err. Returns a
 * REPORT_MERGE_* status. */
int report_merge(const report_merge_input *inputs, size_t count, FILE *out, FILE *err);

#endif
