/*
 * transcript.c - the transcript's dispatch to its format and the pieces the formats share: the
 * scenario title, the step line with its "<-- expected" marker, XML escaping and text buffers.
 */
#include "runner/transcript.h"

#include <stdlib.h>
#include <string.h>

#include "runner/run_matrix.h"

void transcript_open(transcript *transcript, transcript_format_kind kind, FILE *out)
{
    memset(transcript, 0, sizeof(*transcript));
    transcript->out = out;
    transcript->kind = kind;
    transcript->format = kind == TRANSCRIPT_TAP                                      ? &transcript_tap_format
                         : kind == TRANSCRIPT_JUNIT                                  ? &transcript_junit_format
                         : kind == TRANSCRIPT_JSON                                   ? &transcript_json_format
                         : kind == TRANSCRIPT_HTML || kind == TRANSCRIPT_HTML_MATRIX ? &transcript_html_format
                         : kind == TRANSCRIPT_MATRIX_TEXT                            ? &transcript_matrix_text_format
                         : kind == TRANSCRIPT_MATRIX_JSON                            ? &transcript_matrix_json_format
                                                                                     : &transcript_text_format;
}

void transcript_close(transcript *transcript)
{
    free(transcript_buffer_take(&transcript->pending, &transcript->pending_text));
    free(transcript_buffer_take(&transcript->document, &transcript->document_text));
    if (transcript->record != NULL) {
        run_record_free(transcript->record);
        free(transcript->record);
        transcript->record = NULL;
    }
}

void transcript_begin_run(transcript *transcript, size_t scenario_count)
{
    transcript->format->begin_run(transcript, scenario_count);
}

void transcript_begin_scenario(transcript *transcript, const char *path, const char *name, uint64_t seed, int api_level)
{
    transcript->api_level = api_level;
    transcript->scenario_number++;
    transcript->path = path;
    transcript->name = name;
    transcript->seed = seed;
    transcript->steps = 0;
    transcript->steps_failed = 0;
    transcript->steps_errored = 0;
    transcript->virtual_ms = 0;
    transcript->seen_step = false;
    transcript->format->begin_scenario(transcript);
}

/* Every scenario's device starts with its boot clock at 0. Within one boot the clock only moves forward, so
 * the time a step took is the difference; after a reboot the clock starts again from 0 and all of it is new. */
static void note_virtual_time(transcript *transcript, const transcript_step *step)
{
    uint64_t before = transcript->last_boot_ms;
    bool same_boot = !transcript->seen_step || step->boot_count == transcript->last_boot_count;
    uint64_t moved = same_boot && step->boot_ms >= before ? step->boot_ms - before : step->boot_ms;
    if (!transcript->seen_step)
        moved = step->boot_ms;
    transcript->virtual_ms += moved;
    transcript->total_virtual_ms += moved;
    transcript->last_boot_ms = step->boot_ms;
    transcript->last_boot_count = step->boot_count;
    transcript->seen_step = true;
}

void transcript_step_done(transcript *transcript, const transcript_step *step)
{
    transcript->steps++;
    transcript->total_steps++;
    if (!step->met) {
        transcript->steps_failed++;
        transcript->total_steps_failed++;
    }
    note_virtual_time(transcript, step);
    transcript->format->step(transcript, step);
}

void transcript_problem(transcript *transcript, const char *text)
{
    transcript->steps_errored++;
    transcript->total_steps_errored++;
    transcript->format->problem(transcript, text);
}

void transcript_write_invalid_run(transcript_format_kind kind, FILE *out, const char *const *paths,
                                  const char *const *diagnostics, size_t count)
{
    if (kind == TRANSCRIPT_JUNIT)
        transcript_junit_write_invalid_run(out, paths, diagnostics, count);
    else if (kind == TRANSCRIPT_TAP)
        transcript_tap_write_invalid_run(out, paths, diagnostics, count);
    fflush(out);
}

void transcript_write_seconds(FILE *stream, uint64_t ms)
{
    fprintf(stream, "%llu.%03u", (unsigned long long)(ms / 1000), (unsigned)(ms % 1000));
}

void transcript_end_scenario(transcript *transcript, bool passed)
{
    transcript->format->end_scenario(transcript, passed);
}

void transcript_end_run(transcript *transcript, size_t passed, size_t failed)
{
    transcript->format->end_run(transcript, passed, failed);
    fflush(transcript->out);
}

static void write_one_line(FILE *stream, const char *text)
{
    for (const char *c = text; *c != '\0'; c++)
        fputc((unsigned char)*c < 0x20 ? ' ' : *c, stream);
}

void transcript_write_run_name(const transcript *transcript, FILE *stream)
{
    fprintf(stream, "%s @ api_level %d", transcript->path, transcript->api_level);
}

void transcript_write_title(const transcript *transcript, FILE *stream)
{
    transcript_write_run_name(transcript, stream);
    fputs(": ", stream);
    write_one_line(stream, transcript->name);
    fprintf(stream, " (seed %llu)", (unsigned long long)transcript->seed);
}

bool transcript_step_shows_app_view(const transcript_step *step)
{
    return step->result != 0 && step->app_exception != NULL && step->app_call != NULL;
}

void transcript_write_step(const transcript_step *step, FILE *stream, const char *prefix)
{
    fprintf(stream, "%s%zu %s", prefix, step->number, step->action);
    if (step->arguments[0] != '\0')
        fprintf(stream, " %s", step->arguments);
    fprintf(stream, " -> %s", step->outcome);
    if (transcript_step_shows_app_view(step)) {
        /* The simple class name keeps the line short; the machine formats carry the qualified one. */
        const char *dot = strrchr(step->app_exception, '.');
        const char *shown = dot != NULL && strchr(step->app_exception, '(') == NULL ? dot + 1 : step->app_exception;
        fprintf(stream, " [%s from %s]", shown, step->app_call);
    }
    if (!step->met)
        fprintf(stream, "   <-- expected %s", step->expected);
    fputc('\n', stream);
    if (!step->met && step->explanation != NULL && step->explanation[0] != '\0') {
        fprintf(stream, "%s    ", prefix);
        write_one_line(stream, step->explanation);
        fputc('\n', stream);
    }
    /* --explain: the decision path, one fact per line, indented under the step. */
    for (const char *line = step->decision; line != NULL && *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t length = end != NULL ? (size_t)(end - line) : strlen(line);
        fprintf(stream, "%s      why: %.*s\n", prefix, (int)length, line);
        line = end != NULL ? end + 1 : line + length;
    }
}

void transcript_write_xml_escaped(FILE *stream, const char *text)
{
    for (const unsigned char *c = (const unsigned char *)text; *c != '\0'; c++) {
        switch (*c) {
        case '&':
            fputs("&amp;", stream);
            break;
        case '<':
            fputs("&lt;", stream);
            break;
        case '>':
            fputs("&gt;", stream);
            break;
        case '"':
            fputs("&quot;", stream);
            break;
        case '\'':
            fputs("&apos;", stream);
            break;
        default:
            /* XML 1.0 cannot carry most control characters at all, even as references. */
            fputc(*c < 0x20 || *c == 0x7f ? ' ' : *c, stream);
            break;
        }
    }
}

FILE *transcript_buffer_open(char **text, size_t *length)
{
    *text = NULL;
    *length = 0;
    return open_memstream(text, length);
}

char *transcript_buffer_take(FILE **stream, char **text)
{
    if (*stream == NULL)
        return NULL;
    fclose(*stream);
    *stream = NULL;
    char *taken = *text;
    *text = NULL;
    return taken;
}
