/*
 * transcript_json.c - `kssim run --format json`: the whole run as one JSON document, for tools that
 * tabulate or draw it. Every step carries its result code, the clocks after it and what the app sees
 * (its Java exception and the call that throws it, sim/framework/app_view.c).
 *
 * {"runs": [{"path", "name", "api_level", "seed", "passed", "steps": [{"number", "action", "arguments",
 * "outcome", "result", "met", "expected", "explanation", "why", "app_exception", "app_call", "app_numeric_code",
 * "boot_ms", "boot_count", "wall_ms"} or {"problem"}]}], "passed": N, "failed": N}
 *
 * "explanation" is the refusal's sentence on an unmet step; "why" is the --explain decision path, one array entry per
 * line (the text transcript's `why:` lines), empty without --explain or for a step that is no operation.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "runner/transcript.h"

static void json_string(FILE *stream, const char *text)
{
    if (text == NULL) {
        fputs("null", stream);
        return;
    }
    fputc('"', stream);
    for (const unsigned char *c = (const unsigned char *)text; *c != '\0'; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(stream, "\\%c", *c);
        else if (*c == '\n')
            fputs("\\n", stream);
        else if (*c < 0x20 || *c == 0x7f)
            fprintf(stream, "\\u%04x", *c);
        else
            fputc(*c, stream);
    }
    fputc('"', stream);
}

/* The decision path as a JSON array of its lines; the record's lines end in '\n'. */
static void json_lines(FILE *stream, const char *text)
{
    fputc('[', stream);
    bool first = true;
    for (const char *line = text; line != NULL && *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t length = end != NULL ? (size_t)(end - line) : strlen(line);
        if (length > 0) {
            char *copy = malloc(length + 1);
            if (copy != NULL) {
                memcpy(copy, line, length);
                copy[length] = '\0';
                fputs(first ? "" : ", ", stream);
                json_string(stream, copy);
                first = false;
                free(copy);
            }
        }
        line = end != NULL ? end + 1 : line + length;
    }
    fputc(']', stream);
}

/* Runs are gathered in document, a run's steps and problems in pending, so the separators are known. */
static FILE *json_stream(FILE **stream, char **text, size_t *length)
{
    if (*stream == NULL)
        *stream = transcript_buffer_open(text, length);
    return *stream;
}

static void json_begin_run(transcript *transcript, size_t scenario_count)
{
    (void)transcript;
    (void)scenario_count;
}

static void json_begin_scenario(transcript *transcript)
{
    free(transcript_buffer_take(&transcript->pending, &transcript->pending_text));
}

static void json_step(transcript *transcript, const transcript_step *step)
{
    FILE *stream = json_stream(&transcript->pending, &transcript->pending_text, &transcript->pending_length);
    if (stream == NULL)
        return;
    fprintf(stream, "%s\n        {\"number\": %zu, \"action\": ", ftell(stream) > 0 ? "," : "", step->number);
    json_string(stream, step->action);
    fputs(", \"arguments\": ", stream);
    json_string(stream, step->arguments);
    fputs(", \"outcome\": ", stream);
    json_string(stream, step->outcome);
    fprintf(stream, ", \"result\": %d, \"met\": %s, \"expected\": ", step->result, step->met ? "true" : "false");
    json_string(stream, step->met ? NULL : step->expected);
    fputs(", \"explanation\": ", stream);
    json_string(stream, step->explanation);
    fputs(", \"why\": ", stream);
    json_lines(stream, step->decision);
    fputs(", \"app_exception\": ", stream);
    json_string(stream, step->app_exception);
    fputs(", \"app_call\": ", stream);
    json_string(stream, step->app_call);
    if (step->app_code_readable)
        fprintf(stream, ", \"app_numeric_code\": %d", step->app_code);
    else
        fputs(", \"app_numeric_code\": null", stream);
    fprintf(stream, ", \"boot_ms\": %llu, \"boot_count\": %u, \"wall_ms\": %lld}", (unsigned long long)step->boot_ms,
            (unsigned)step->boot_count, (long long)step->wall_ms);
}

/* A problem of the scenario as a whole (the device could not be created, a budget stopped it) is an entry of
 * its steps list: {"problem": "..."}, in the order it happened. */
static void json_problem(transcript *transcript, const char *text)
{
    FILE *stream = json_stream(&transcript->pending, &transcript->pending_text, &transcript->pending_length);
    if (stream == NULL)
        return;
    fprintf(stream, "%s\n        {\"problem\": ", ftell(stream) > 0 ? "," : "");
    json_string(stream, text);
    fputc('}', stream);
}

static void json_end_scenario(transcript *transcript, bool passed)
{
    FILE *stream = json_stream(&transcript->document, &transcript->document_text, &transcript->document_length);
    if (stream == NULL)
        return;
    fprintf(stream, "%s\n    {\"path\": ", transcript->scenario_number > 1 ? "," : "");
    json_string(stream, transcript->path);
    fputs(", \"name\": ", stream);
    json_string(stream, transcript->name);
    fprintf(stream, ", \"api_level\": %d, \"seed\": %llu, \"passed\": %s,\n      \"steps\": [", transcript->api_level,
            (unsigned long long)transcript->seed, passed ? "true" : "false");
    char *steps = transcript_buffer_take(&transcript->pending, &transcript->pending_text);
    if (steps != NULL && steps[0] != '\0')
        fprintf(stream, "%s\n      ", steps);
    free(steps);
    fputs("]}", stream);
}

static void json_end_run(transcript *transcript, size_t passed, size_t failed)
{
    fputs("{\"runs\": [", transcript->out);
    char *runs = transcript_buffer_take(&transcript->document, &transcript->document_text);
    if (runs != NULL && runs[0] != '\0')
        fprintf(transcript->out, "%s\n  ", runs);
    free(runs);
    fprintf(transcript->out, "], \"passed\": %zu, \"failed\": %zu}\n", passed, failed);
}

const transcript_format transcript_json_format = {
    .begin_run = json_begin_run,
    .begin_scenario = json_begin_scenario,
    .step = json_step,
    .problem = json_problem,
    .end_scenario = json_end_scenario,
    .end_run = json_end_run,
};
