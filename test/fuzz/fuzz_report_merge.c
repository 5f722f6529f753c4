/*
 * fuzz_report_merge.c - libFuzzer target: any bytes as the documents `kssim merge-results` joins (JUnit XML, the
 * run's JSON, the matrix's JSON; sim/runner/report_merge.c and its JSON reader, json_read.c). The input is split
 * at NUL bytes into up to four documents, as if four shards' files were named.
 *
 * The documents come from CI artifacts, so they are outside input. Besides crashes, UB and leaks, the checks are
 * the merge's contract: the status is one of its three; a refusal writes nothing and says why; and a merged
 * document is itself a whole document of its format: merged again alone, it comes back byte for byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/report_merge.h"

#define DOCUMENTS_MAX 4

static char *merge(const report_merge_input *inputs, size_t count, int *status, size_t *length, size_t *error_length)
{
    char *text = NULL, *errors = NULL;
    FILE *out = open_memstream(&text, length);
    FILE *err = open_memstream(&errors, error_length);
    if (out == NULL || err == NULL)
        abort();
    *status = report_merge(inputs, count, out, err);
    fclose(out);
    fclose(err);
    free(errors);
    return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    report_merge_input inputs[DOCUMENTS_MAX];
    static const char *const names[DOCUMENTS_MAX] = {"a", "b", "c", "d"};
    size_t count = 0, start = 0;
    /* Documents end at NUL bytes; the last one takes the rest, NULs and all. */
    while (count < DOCUMENTS_MAX) {
        const uint8_t *nul = count < DOCUMENTS_MAX - 1 && start < size ? memchr(data + start, 0, size - start) : NULL;
        size_t end = nul != NULL ? (size_t)(nul - data) : size;
        inputs[count] =
            (report_merge_input){.name = names[count], .text = (const char *)data + start, .length = end - start};
        count++;
        if (nul == NULL)
            break;
        start = end + 1;
    }
    int status;
    size_t length, error_length;
    char *merged = merge(inputs, count, &status, &length, &error_length);
    if (status != REPORT_MERGE_ALL_PASSED && status != REPORT_MERGE_SOME_FAILED && status != REPORT_MERGE_REFUSED)
        abort();
    if (status == REPORT_MERGE_REFUSED && (length != 0 || error_length == 0))
        abort(); /* a refusal writes nothing, and says why */
    if (status != REPORT_MERGE_REFUSED) {
        report_merge_input again = {.name = "merged", .text = merged, .length = length};
        int again_status;
        size_t again_length, again_errors;
        char *twice = merge(&again, 1, &again_status, &again_length, &again_errors);
        if (again_status != status || again_length != length || memcmp(twice, merged, length) != 0)
            abort(); /* the merge of one whole document is that document */
        free(twice);
    }
    free(merged);
    return 0;
}
