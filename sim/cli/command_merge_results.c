/*
 * command_merge_results.c - `kssim merge-results [--format junit|json] FILE...`: joins the documents the shards of
 * one run wrote (`kssim run --shard K/N --format junit|json`, also with --matrix) into the document the unsharded
 * run prints, on standard output (sim/runner/report_merge.h does the joining; docs/ci.md shows it in a CI job).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "runner/report_merge.h"

static const char merge_usage[] =
    "usage: kssim merge-results [--format junit|json] FILE...\n"
    "\n"
    "Joins the documents of the shards of one run (`kssim run --shard K/N PATH... --format junit` or\n"
    "`--format json`, also with --matrix LEVELS) into the document the run without --shard prints, byte for\n"
    "byte: runs ordered by path (bytewise), then API level (ascending), as one directory argument orders them;\n"
    "totals summed. The format is recognised from each document; --format junit|json insists on one.\n"
    "Text, TAP and HTML are not merged: make the HTML page by running unsharded, or keep one page per shard.\n"
    "\n"
    "Exit status: 0 merged and every run passed, 1 merged and some run did not, 2 nothing written: a file\n"
    "cannot be read, is not a junit or json document of kssim run (or was cut short), mixes formats with the\n"
    "others, holds a run another file holds too, or the command line is wrong; a sentence says which.\n";

static int usage_error(const char *message, const char *argument)
{
    fputs("kssim merge-results: ", stderr);
    fprintf(stderr, message, argument);
    fputs("\nusage: kssim merge-results [--format junit|json] FILE... (kssim merge-results --help)\n", stderr);
    return KSSIM_EXIT_USAGE;
}

/* The whole file into memory; NULL after a sentence on stderr. */
static char *read_whole_file(const char *path, size_t *length)
{
    FILE *stream = fopen(path, "rb");
    if (stream == NULL) {
        fprintf(stderr, "kssim merge-results: %s: cannot be read; name the file a shard wrote\n", path);
        return NULL;
    }
    size_t capacity = 1 << 16, used = 0;
    char *text = malloc(capacity);
    while (text != NULL) {
        used += fread(text + used, 1, capacity - used, stream);
        if (used < capacity)
            break;
        char *grown = capacity < ((size_t)1 << 32) ? realloc(text, capacity * 2) : NULL;
        if (grown == NULL) {
            free(text);
            text = NULL;
            break;
        }
        text = grown;
        capacity *= 2;
    }
    bool failed = ferror(stream) != 0;
    fclose(stream);
    if (text == NULL || failed) {
        fprintf(stderr, "kssim merge-results: %s: %s\n", path,
                text == NULL ? "too large to hold in memory" : "a read error; check the file");
        free(text);
        return NULL;
    }
    *length = used;
    return text;
}

/* --format junit|json: every document must be of it (json: the run's or the matrix's). */
static bool has_format(const report_merge_input *input, const char *format)
{
    const char *beginning = strcmp(format, "junit") == 0 ? "<?xml" : "{";
    return input->length >= strlen(beginning) && memcmp(input->text, beginning, strlen(beginning)) == 0;
}

int kssim_command_merge_results(int argc, char **argv)
{
    const char *format = NULL;
    report_merge_input *inputs = calloc((size_t)argc + 1, sizeof(*inputs));
    size_t count = 0;
    int status = -1;
    if (inputs == NULL) {
        fputs("kssim merge-results: out of memory\n", stderr);
        return KSSIM_EXIT_USAGE;
    }
    for (int i = 1; i < argc && status < 0; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(merge_usage, stdout);
            status = KSSIM_EXIT_SUCCESS;
        } else if (strcmp(argv[i], "--format") == 0 || strncmp(argv[i], "--format=", 9) == 0) {
            format = argv[i][8] == '=' ? argv[i] + 9 : (i + 1 < argc ? argv[++i] : "");
            if (strcmp(format, "junit") != 0 && strcmp(format, "json") != 0)
                status = usage_error("--format takes junit or json, not '%s'", format);
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            status = usage_error("unknown option '%s'; options: --format junit|json, --help", argv[i]);
        } else {
            inputs[count].name = argv[i];
            inputs[count].text = read_whole_file(argv[i], &inputs[count].length);
            if (inputs[count++].text == NULL)
                status = KSSIM_EXIT_USAGE;
        }
    }
    if (status < 0 && count == 0)
        status = usage_error("%s", "no documents given: name the files the shards wrote");
    for (size_t i = 0; status < 0 && format != NULL && i < count; i++)
        if (!has_format(&inputs[i], format)) {
            fprintf(stderr, "kssim merge-results: %s: not a %s document, as --format %s asks\n", inputs[i].name, format,
                    format);
            status = KSSIM_EXIT_USAGE;
        }
    if (status < 0)
        status = report_merge(inputs, count, stdout, stderr);
    for (size_t i = 0; i < count; i++)
        free((char *)inputs[i].text);
    free(inputs);
    return status;
}

const cli_command command_merge_results = {
    .name = "merge-results",
    .group = "Scenarios",
    .synopsis = "[--format junit|json] FILE...",
    .summary = "join the junit or json documents of the shards of one run (kssim run --shard K/N) into the whole run's",
    .description = merge_usage,
    .run_arguments = kssim_command_merge_results,
};
