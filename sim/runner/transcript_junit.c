/*
 * transcript_junit.c - JUnit XML: a testsuite per run of a scenario file ("FILE @ api_level L": a file run
 * on two releases is two suites), a testcase per step, and a failure
 * element (expected and actual outcome, and the device's explanation) for each unmet expectation.
 *
 * Each testsuite (and the testsuites root) carries tests, failures (unmet expectations), errors (problems
 * of the scenario as a whole: the device could not be created, the scenario was not run), skipped (always 0)
 * and time: the VIRTUAL time the device's clocks moved, in seconds, never host time: host timestamps and
 * durations would make two runs differ. A run refused for invalid files (exit 2) is a testsuite per file with
 * an <error> carrying the file's diagnostics, so a CI server shows why nothing ran.
 */
#include <string.h>

#include "runner/transcript.h"

#include <stdlib.h>

static FILE *junit_stream(FILE *buffer, FILE *fallback)
{
    return buffer != NULL ? buffer : fallback;
}

static void junit_begin_run(transcript *transcript, size_t scenario_count)
{
    (void)scenario_count;
    transcript->document = transcript_buffer_open(&transcript->document_text, &transcript->document_length);
}

static void junit_begin_scenario(transcript *transcript)
{
    free(transcript_buffer_take(&transcript->pending, &transcript->pending_text));
    transcript->pending = transcript_buffer_open(&transcript->pending_text, &transcript->pending_length);
}

/* "FILE @ api_level L", escaped. */
static void junit_write_run_name(transcript *transcript, FILE *stream)
{
    char *name = NULL;
    size_t length = 0;
    FILE *buffer = transcript_buffer_open(&name, &length);
    if (buffer == NULL)
        return;
    transcript_write_run_name(transcript, buffer);
    char *text = transcript_buffer_take(&buffer, &name);
    transcript_write_xml_escaped(stream, text != NULL ? text : "");
    free(text);
}

static void junit_open_testcase(transcript *transcript, FILE *stream, const char *name)
{
    fputs("    <testcase classname=\"", stream);
    junit_write_run_name(transcript, stream);
    fputs("\" name=\"", stream);
    transcript_write_xml_escaped(stream, name);
    fputc('"', stream);
}

/* --explain: the decision path as the case's system-out, one escaped line per fact. */
static void junit_write_decision(FILE *stream, const char *decision)
{
    if (decision == NULL)
        return;
    fputs("      <system-out>", stream);
    for (const char *line = decision; *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t length = end != NULL ? (size_t)(end - line) : strlen(line);
        char piece[600];
        snprintf(piece, sizeof(piece), "%.*s", (int)(length < sizeof(piece) - 1 ? length : sizeof(piece) - 1), line);
        transcript_write_xml_escaped(stream, piece);
        fputc('\n', stream);
        line = end != NULL ? end + 1 : line + length;
    }
    fputs("</system-out>\n", stream);
}

static void junit_step(transcript *transcript, const transcript_step *step)
{
    FILE *stream = junit_stream(transcript->pending, transcript->out);
    char *name = NULL;
    size_t length = 0;
    FILE *buffer = transcript_buffer_open(&name, &length);
    if (buffer == NULL)
        return;
    fprintf(buffer, "%zu %s%s%s", step->number, step->action, step->arguments[0] != '\0' ? " " : "", step->arguments);
    char *text = transcript_buffer_take(&buffer, &name);
    junit_open_testcase(transcript, stream, text != NULL ? text : "");
    free(text);
    bool app_view = transcript_step_shows_app_view(step);
    if (step->met && !app_view && step->decision == NULL) {
        fputs("/>\n", stream);
        return;
    }
    fputs(">\n", stream);
    if (app_view) {
        /* What the app sees, fully qualified, as properties of the test case. */
        fputs("      <properties>\n        <property name=\"app_exception\" value=\"", stream);
        transcript_write_xml_escaped(stream, step->app_exception);
        fputs("\"/>\n        <property name=\"app_call\" value=\"", stream);
        transcript_write_xml_escaped(stream, step->app_call);
        fputs("\"/>\n      </properties>\n", stream);
    }
    if (step->met) {
        junit_write_decision(stream, step->decision);
        fputs("    </testcase>\n", stream);
        return;
    }
    fputs("      <failure type=\"unmet expectation\" message=\"expected ", stream);
    transcript_write_xml_escaped(stream, step->expected);
    fputs(", got ", stream);
    transcript_write_xml_escaped(stream, step->outcome);
    fputs("\">", stream);
    if (step->explanation != NULL)
        transcript_write_xml_escaped(stream, step->explanation);
    fputs("</failure>\n", stream);
    junit_write_decision(stream, step->decision);
    fputs("    </testcase>\n", stream);
}

static void junit_problem(transcript *transcript, const char *text)
{
    FILE *stream = junit_stream(transcript->pending, transcript->out);
    junit_open_testcase(transcript, stream, "setup");
    fputs(">\n      <error message=\"", stream);
    transcript_write_xml_escaped(stream, text);
    fputs("\"/>\n    </testcase>\n", stream);
    transcript->steps++;
    transcript->total_steps++;
}

/* name="..." tests failures errors skipped time, as Jenkins' JUnit schema has them. */
static void junit_write_counts(FILE *stream, size_t tests, size_t failures, size_t errors, uint64_t virtual_ms)
{
    fprintf(stream, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\" time=\"", tests, failures, errors);
    transcript_write_seconds(stream, virtual_ms);
    fputc('"', stream);
}

static void junit_end_scenario(transcript *transcript, bool passed)
{
    (void)passed;
    FILE *stream = junit_stream(transcript->document, transcript->out);
    fputs("  <testsuite name=\"", stream);
    junit_write_run_name(transcript, stream);
    fputc('"', stream);
    junit_write_counts(stream, transcript->steps, transcript->steps_failed, transcript->steps_errored,
                       transcript->virtual_ms);
    fputs(">\n    <properties>\n      <property name=\"scenario\" value=\"", stream);
    transcript_write_xml_escaped(stream, transcript->name);
    fprintf(stream,
            "\"/>\n      <property name=\"seed\" value=\"%llu\"/>\n      <property name=\"api_level\" value=\"%d\"/>\n"
            "    </properties>\n",
            (unsigned long long)transcript->seed, transcript->api_level);
    char *cases = transcript_buffer_take(&transcript->pending, &transcript->pending_text);
    if (cases != NULL)
        fputs(cases, stream);
    free(cases);
    fputs("  </testsuite>\n", stream);
}

static void junit_end_run(transcript *transcript, size_t passed, size_t failed)
{
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"kssim run\"", transcript->out);
    junit_write_counts(transcript->out, transcript->total_steps, transcript->total_steps_failed,
                       transcript->total_steps_errored, transcript->total_virtual_ms);
    fputs(">\n", transcript->out);
    char *suites = transcript_buffer_take(&transcript->document, &transcript->document_text);
    if (suites != NULL)
        fputs(suites, transcript->out);
    free(suites);
    fprintf(transcript->out, "</testsuites>\n<!-- %zu passed, %zu failed -->\n", passed, failed);
}

/* The message attribute is the first line of the diagnostics (a CI server shows it as the error's title); the
 * element's text is all of them. */
static void junit_write_error(FILE *stream, const char *diagnostics)
{
    const char *end = strchr(diagnostics, '\n');
    size_t first_length = end != NULL ? (size_t)(end - diagnostics) : strlen(diagnostics);
    char *first = strndup(diagnostics, first_length);
    fputs("      <error type=\"invalid scenario\" message=\"", stream);
    transcript_write_xml_escaped(stream, first != NULL ? first : "invalid scenario file");
    free(first);
    fputs("\">", stream);
    transcript_write_xml_escaped(stream, diagnostics);
    fputs("</error>\n", stream);
}

void transcript_junit_write_invalid_run(FILE *out, const char *const *paths, const char *const *diagnostics,
                                        size_t count)
{
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"kssim run\"", out);
    junit_write_counts(out, count, 0, count, 0);
    fputs(">\n", out);
    for (size_t i = 0; i < count; i++) {
        const char *name = paths[i][0] != '\0' ? paths[i] : "kssim run";
        fputs("  <testsuite name=\"", out);
        transcript_write_xml_escaped(out, name);
        fputc('"', out);
        junit_write_counts(out, 1, 0, 1, 0);
        fputs(">\n    <testcase classname=\"", out);
        transcript_write_xml_escaped(out, name);
        fputs("\" name=\"validate\">\n", out);
        junit_write_error(out, diagnostics[i]);
        fputs("    </testcase>\n  </testsuite>\n", out);
    }
    fprintf(out, "</testsuites>\n<!-- not run: %zu invalid -->\n", count);
}

const transcript_format transcript_junit_format = {
    .begin_run = junit_begin_run,
    .begin_scenario = junit_begin_scenario,
    .step = junit_step,
    .problem = junit_problem,
    .end_scenario = junit_end_scenario,
    .end_run = junit_end_run,
};
