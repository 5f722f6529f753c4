/*
 * transcript_tap.c - TAP version 13: one test point per scenario, its step lines as "# " diagnostics
 * after the point (so they are gathered until the verdict is known). A run refused for invalid files
 * (exit 2) prints their diagnostics as comments and "Bail out! REASON", so a TAP harness stops with why.
 */
#include "runner/transcript.h"

#include <stdlib.h>
#include <string.h>

static void tap_begin_run(transcript *transcript, size_t scenario_count)
{
    fprintf(transcript->out, "TAP version 13\n1..%zu\n", scenario_count);
}

static FILE *tap_lines(transcript *transcript)
{
    return transcript->pending != NULL ? transcript->pending : transcript->out;
}

static void tap_begin_scenario(transcript *transcript)
{
    free(transcript_buffer_take(&transcript->pending, &transcript->pending_text));
    transcript->pending = transcript_buffer_open(&transcript->pending_text, &transcript->pending_length);
}

/* The app's view of each refused step goes in the test line's YAML diagnostics block (TAP 13). */
static void tap_note_app_view(transcript *transcript, const transcript_step *step)
{
    if (!transcript_step_shows_app_view(step))
        return;
    if (transcript->document == NULL)
        transcript->document = transcript_buffer_open(&transcript->document_text, &transcript->document_length);
    if (transcript->document == NULL)
        return;
    fprintf(transcript->document, "    - step: %zu\n      app_exception: \"%s\"\n      app_call: \"%s\"\n",
            step->number, step->app_exception, step->app_call);
}

static void tap_step(transcript *transcript, const transcript_step *step)
{
    transcript_write_step(step, tap_lines(transcript), "# ");
    tap_note_app_view(transcript, step);
}

static void tap_problem(transcript *transcript, const char *text)
{
    fprintf(tap_lines(transcript), "# %s\n", text);
}

/* A '#' in a description would start a TAP directive. */
static void tap_write_description(transcript *transcript)
{
    char *title = NULL;
    size_t length = 0;
    FILE *buffer = transcript_buffer_open(&title, &length);
    if (buffer == NULL)
        return;
    transcript_write_title(transcript, buffer);
    char *text = transcript_buffer_take(&buffer, &title);
    for (const char *c = text; c != NULL && *c != '\0'; c++) {
        if (*c == '#' || *c == '\\')
            fputc('\\', transcript->out);
        fputc(*c, transcript->out);
    }
    free(text);
}

static void tap_end_scenario(transcript *transcript, bool passed)
{
    fprintf(transcript->out, "%s %zu - ", passed ? "ok" : "not ok", transcript->scenario_number);
    tap_write_description(transcript);
    fputc('\n', transcript->out);
    char *views = transcript_buffer_take(&transcript->document, &transcript->document_text);
    if (views != NULL && views[0] != '\0')
        fprintf(transcript->out, "  ---\n  app_view:\n%s  ...\n", views);
    free(views);
    char *lines = transcript_buffer_take(&transcript->pending, &transcript->pending_text);
    if (lines != NULL)
        fputs(lines, transcript->out);
    free(lines);
}

static void tap_end_run(transcript *transcript, size_t passed, size_t failed)
{
    fprintf(transcript->out, "# %zu passed, %zu failed\n", passed, failed);
}

const transcript_format transcript_tap_format = {
    .begin_run = tap_begin_run,
    .begin_scenario = tap_begin_scenario,
    .step = tap_step,
    .problem = tap_problem,
    .end_scenario = tap_end_scenario,
    .end_run = tap_end_run,
};

/* One line of the reason: the first diagnostic, control characters shown as spaces. */
static void tap_write_reason_line(FILE *out, const char *text)
{
    for (const char *c = text; *c != '\0' && *c != '\n'; c++)
        fputc((unsigned char)*c < 0x20 ? ' ' : *c, out);
}

void transcript_tap_write_invalid_run(FILE *out, const char *const *paths, const char *const *diagnostics, size_t count)
{
    (void)paths; /* each diagnostic names its file already (FILE:LINE:COL) */
    fputs("TAP version 13\n", out);
    for (size_t i = 0; i < count; i++)
        for (const char *line = diagnostics[i]; *line != '\0';) {
            const char *end = strchr(line, '\n');
            size_t length = end != NULL ? (size_t)(end - line) : strlen(line);
            fprintf(out, "# %.*s\n", (int)length, line);
            line = end != NULL ? end + 1 : line + length;
        }
    fputs("Bail out! invalid input, nothing run: ", out);
    tap_write_reason_line(out, count > 0 ? diagnostics[0] : "");
    fputc('\n', out);
}
