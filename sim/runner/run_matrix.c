/*
 * run_matrix.c - the version matrix built from the kept runs (run_record.c): `kssim run --matrix 28,30,31 PATH`
 * as a text table or JSON, and the matrix sections of the HTML page. Expectations are still judged per run by
 * the runner; the matrix only shows them.
 */
#include "runner/run_matrix.h"

#include "runner/scenario.h"

#include <stdlib.h>
#include <string.h>

static bool same_text(const char *a, const char *b)
{
    return a != NULL && b != NULL ? strcmp(a, b) == 0 : a == b;
}

size_t run_matrix_group(const run_record *record, size_t first)
{
    size_t count = 1;
    while (first + count < record->count && same_text(record->runs[first].path, record->runs[first + count].path))
        count++;
    return count;
}

char *run_matrix_cell(const recorded_run *run, size_t step_index)
{
    if (step_index >= run->step_count)
        return NULL;
    const recorded_step *step = &run->steps[step_index];
    const char *outcome = step->outcome != NULL ? step->outcome : "?";
    /* The class's simple name keeps six releases side by side readable; the JSON cell's app_exception
     * carries the qualified name. */
    const char *exception = step->app_exception;
    if (exception != NULL && strrchr(exception, '.') != NULL)
        exception = strrchr(exception, '.') + 1;
    size_t length = strlen(outcome) + (exception != NULL ? strlen(exception) + 3 : 0) + 1;
    char *cell = malloc(length);
    if (cell == NULL)
        return NULL;
    if (exception != NULL)
        snprintf(cell, length, "%s / %s", outcome, exception);
    else
        snprintf(cell, length, "%s", outcome);
    return cell;
}

bool run_matrix_cell_differs(const recorded_run *runs, size_t column, size_t step_index)
{
    if (column == 0)
        return false;
    char *left = run_matrix_cell(&runs[column - 1], step_index);
    char *here = run_matrix_cell(&runs[column], step_index);
    bool differs = !same_text(left, here);
    free(left);
    free(here);
    return differs;
}

size_t run_matrix_rows(const recorded_run *runs, size_t count)
{
    size_t rows = 0;
    for (size_t r = 0; r < count; r++)
        rows = runs[r].step_count > rows ? runs[r].step_count : rows;
    return rows;
}

const recorded_step *run_matrix_row_step(const recorded_run *runs, size_t count, size_t step_index)
{
    for (size_t r = 0; r < count; r++)
        if (step_index < runs[r].step_count)
            return &runs[r].steps[step_index];
    return NULL;
}

static bool row_differs(const recorded_run *runs, size_t count, size_t step_index)
{
    for (size_t column = 1; column < count; column++)
        if (run_matrix_cell_differs(runs, column, step_index))
            return true;
    return false;
}

/* ---- Text ---- */

/* Arguments longer than this are cut in the text table (JSON and HTML keep them whole), so that the
 * level columns stay on the screen. */
#define MATRIX_TEXT_ARGUMENTS_MAX 48

static void write_one_line(FILE *out, const char *text, size_t limit)
{
    size_t written = 0;
    for (const char *c = text; *c != '\0'; c++, written++) {
        if (written + 3 >= limit && strlen(c) > 3) {
            fputs("...", out);
            return;
        }
        fputc((unsigned char)*c < 0x20 ? ' ' : *c, out);
    }
}

static size_t shown_length(const char *text, size_t limit)
{
    size_t length = strlen(text);
    return length > limit ? limit : length;
}

static void pad(FILE *out, size_t count)
{
    for (size_t i = 0; i < count; i++)
        fputc(' ', out);
}

/* The label of a row: "N action arguments", the arguments cut at MATRIX_TEXT_ARGUMENTS_MAX. */
static size_t write_row_label(FILE *out, const recorded_step *step)
{
    char number[24];
    int length = snprintf(number, sizeof(number), "%zu ", step->number);
    fputs(number, out);
    write_one_line(out, step->action, SIZE_MAX);
    size_t shown = (size_t)length + strlen(step->action);
    if (step->arguments != NULL && step->arguments[0] != '\0') {
        fputc(' ', out);
        write_one_line(out, step->arguments, MATRIX_TEXT_ARGUMENTS_MAX);
        shown += 1 + shown_length(step->arguments, MATRIX_TEXT_ARGUMENTS_MAX);
    }
    return shown;
}

static size_t row_label_length(const recorded_step *step)
{
    char number[24];
    size_t length = (size_t)snprintf(number, sizeof(number), "%zu ", step->number) + strlen(step->action);
    if (step->arguments != NULL && step->arguments[0] != '\0')
        length += 1 + shown_length(step->arguments, MATRIX_TEXT_ARGUMENTS_MAX);
    return length;
}

/* A cell is "RESULT", "RESULT / EXCEPTION", "-" (the run has no such step), with "*" after it when it
 * differs from the cell to its left and "!" when the step missed its expectation there. */
static size_t cell_length(const recorded_run *runs, size_t column, size_t step_index)
{
    char *cell = run_matrix_cell(&runs[column], step_index);
    size_t length = cell != NULL ? strlen(cell) : 1;
    free(cell);
    return length + 2;
}

static void write_text_group(const recorded_run *runs, size_t count, FILE *out)
{
    fputs("# ", out);
    write_one_line(out, runs[0].path, SIZE_MAX);
    fputs(": ", out);
    write_one_line(out, runs[0].name != NULL ? runs[0].name : "", SIZE_MAX);
    fprintf(out, " (seed %llu)\n", (unsigned long long)runs[0].seed);
    size_t rows = run_matrix_rows(runs, count);
    size_t label_width = strlen("step");
    for (size_t s = 0; s < rows; s++) {
        size_t length = row_label_length(run_matrix_row_step(runs, count, s));
        label_width = length > label_width ? length : label_width;
    }
    size_t widths[SCENARIO_API_LEVEL_COUNT_MAX];
    for (size_t c = 0; c < count && c < SCENARIO_API_LEVEL_COUNT_MAX; c++) {
        widths[c] = strlen("api 35") + 2;
        for (size_t s = 0; s < rows; s++) {
            size_t length = cell_length(runs, c, s);
            widths[c] = length > widths[c] ? length : widths[c];
        }
    }
    fputs("step", out);
    pad(out, label_width - strlen("step"));
    for (size_t c = 0; c < count && c < SCENARIO_API_LEVEL_COUNT_MAX; c++) {
        char heading[24];
        int length = snprintf(heading, sizeof(heading), "api %d", runs[c].api_level);
        fputs(" | ", out);
        fputs(heading, out);
        if (c + 1 < count)
            pad(out, widths[c] - (size_t)length);
    }
    fputc('\n', out);
    for (size_t s = 0; s < rows; s++) {
        size_t shown = write_row_label(out, run_matrix_row_step(runs, count, s));
        pad(out, label_width - shown);
        for (size_t c = 0; c < count && c < SCENARIO_API_LEVEL_COUNT_MAX; c++) {
            char *cell = run_matrix_cell(&runs[c], s);
            fputs(" | ", out);
            write_one_line(out, cell != NULL ? cell : "-", SIZE_MAX);
            size_t length = cell != NULL ? strlen(cell) : 1;
            bool differs = run_matrix_cell_differs(runs, c, s);
            bool missed = s < runs[c].step_count && !runs[c].steps[s].met;
            bool last = c + 1 == count;
            if (differs || missed || !last)
                fputc(differs ? '*' : ' ', out);
            if (missed || !last)
                fputc(missed ? '!' : ' ', out);
            if (c + 1 < count)
                pad(out, widths[c] - length - 2);
            free(cell);
        }
        fputc('\n', out);
    }
    fputs("verdict", out);
    pad(out, label_width - strlen("verdict"));
    for (size_t c = 0; c < count && c < SCENARIO_API_LEVEL_COUNT_MAX; c++) {
        const char *verdict = runs[c].passed ? "passed" : "FAILED";
        fputs(" | ", out);
        fputs(verdict, out);
        if (c + 1 < count)
            pad(out, widths[c] - strlen(verdict));
    }
    fputc('\n', out);
    for (size_t c = 0; c < count; c++)
        if (runs[c].problem != NULL) {
            fprintf(out, "api %d: ", runs[c].api_level);
            write_one_line(out, runs[c].problem, SIZE_MAX);
            fputc('\n', out);
        }
    fputc('\n', out);
}

void run_matrix_write_text(const run_record *record, FILE *out, size_t passed, size_t failed)
{
    if (record->out_of_memory) {
        fputs("kssim run: out of memory while keeping the runs for the matrix; run fewer scenarios at once\n", out);
    } else {
        for (size_t first = 0; first < record->count;) {
            size_t count = run_matrix_group(record, first);
            write_text_group(&record->runs[first], count, out);
            first += count;
        }
        fputs("* differs from the level to its left; ! the step missed its expectation on that level\n", out);
    }
    fprintf(out, "%zu passed, %zu failed\n", passed, failed);
}

/* ---- JSON ---- */

static void write_json_string(FILE *out, const char *text)
{
    if (text == NULL) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)text; *c != '\0'; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(out, "\\%c", *c);
        else if (*c < 0x20)
            fprintf(out, "\\u%04x", *c);
        else
            fputc(*c, out);
    }
    fputc('"', out);
}

static void write_json_cell(const recorded_run *runs, size_t column, size_t step_index, FILE *out)
{
    const recorded_run *run = &runs[column];
    fprintf(out, "{\"api_level\": %d, ", run->api_level);
    if (step_index >= run->step_count) {
        fputs("\"ran\": false}", out);
        return;
    }
    const recorded_step *step = &run->steps[step_index];
    char *cell = run_matrix_cell(run, step_index);
    fputs("\"ran\": true, \"cell\": ", out);
    write_json_string(out, cell);
    fputs(", \"outcome\": ", out);
    write_json_string(out, step->outcome);
    fprintf(out, ", \"result\": %d, \"app_exception\": ", step->result);
    write_json_string(out, step->app_exception);
    fputs(", \"app_call\": ", out);
    write_json_string(out, step->app_call);
    fprintf(out, ", \"met\": %s, \"expected\": ", step->met ? "true" : "false");
    write_json_string(out, step->expected);
    fprintf(out, ", \"differs\": %s}", run_matrix_cell_differs(runs, column, step_index) ? "true" : "false");
    free(cell);
}

static void write_json_group(const recorded_run *runs, size_t count, FILE *out)
{
    fputs("    {\"path\": ", out);
    write_json_string(out, runs[0].path);
    fputs(", \"name\": ", out);
    write_json_string(out, runs[0].name);
    fprintf(out, ", \"seed\": %llu,\n     \"levels\": [", (unsigned long long)runs[0].seed);
    for (size_t c = 0; c < count; c++)
        fprintf(out, "%s%d", c > 0 ? ", " : "", runs[c].api_level);
    fputs("], \"passed\": [", out);
    for (size_t c = 0; c < count; c++)
        fprintf(out, "%s%s", c > 0 ? ", " : "", runs[c].passed ? "true" : "false");
    fputs("], \"problems\": [", out);
    for (size_t c = 0; c < count; c++) {
        fputs(c > 0 ? ", " : "", out);
        write_json_string(out, runs[c].problem);
    }
    fputs("],\n     \"steps\": [", out);
    size_t rows = run_matrix_rows(runs, count);
    for (size_t s = 0; s < rows; s++) {
        const recorded_step *step = run_matrix_row_step(runs, count, s);
        fprintf(out, "%s\n       {\"number\": %zu, \"action\": ", s > 0 ? "," : "", step->number);
        write_json_string(out, step->action);
        fputs(", \"arguments\": ", out);
        write_json_string(out, step->arguments);
        fprintf(out, ", \"differs\": %s, \"cells\": [", row_differs(runs, count, s) ? "true" : "false");
        for (size_t c = 0; c < count; c++) {
            fputs(c > 0 ? ", " : "", out);
            write_json_cell(runs, c, s, out);
        }
        fputs("]}", out);
    }
    fputs("]}", out);
}

void run_matrix_write_json(const run_record *record, FILE *out, size_t passed, size_t failed)
{
    fputs("{\"matrix\": [", out);
    bool first_group = true;
    for (size_t first = 0; first < record->count && !record->out_of_memory;) {
        size_t count = run_matrix_group(record, first);
        fputs(first_group ? "\n" : ",\n", out);
        write_json_group(&record->runs[first], count, out);
        first_group = false;
        first += count;
    }
    fprintf(out, "\n  ], \"complete\": %s, \"passed\": %zu, \"failed\": %zu}\n",
            record->out_of_memory ? "false" : "true", passed, failed);
}

/* ---- HTML ---- */

static void write_html_group(const recorded_run *runs, size_t count, FILE *out)
{
    fputs("<section class=\"matrix\">\n<h3>", out);
    transcript_write_xml_escaped(out, runs[0].path);
    fputs(": ", out);
    transcript_write_xml_escaped(out, runs[0].name != NULL ? runs[0].name : "");
    fputs("</h3>\n<table class=\"matrix-table\">\n<thead><tr><th scope=\"col\">step</th><th "
          "scope=\"col\">action</th><th scope=\"col\">arguments</th>",
          out);
    for (size_t c = 0; c < count; c++)
        fprintf(out, "<th scope=\"col\">api %d</th>", runs[c].api_level);
    fputs("</tr></thead>\n<tbody>\n", out);
    size_t rows = run_matrix_rows(runs, count);
    for (size_t s = 0; s < rows; s++) {
        const recorded_step *step = run_matrix_row_step(runs, count, s);
        fprintf(out, "<tr%s><td>%zu</td><td>", row_differs(runs, count, s) ? " class=\"differs-row\"" : "",
                step->number);
        transcript_write_xml_escaped(out, step->action);
        fputs("</td><td class=\"arguments\">", out);
        transcript_write_xml_escaped(out, step->arguments != NULL ? step->arguments : "");
        fputs("</td>", out);
        for (size_t c = 0; c < count; c++) {
            char *cell = run_matrix_cell(&runs[c], s);
            bool differs = run_matrix_cell_differs(runs, c, s);
            bool ran = s < runs[c].step_count;
            bool missed = ran && !runs[c].steps[s].met;
            bool refused = ran && runs[c].steps[s].result != 0;
            fprintf(out, "<td class=\"cell %s%s%s\"%s>",
                    !ran      ? "not-ran"
                    : refused ? "refused"
                              : "ok",
                    differs ? " differs" : "", missed ? " missed" : "",
                    differs ? " title=\"differs from the level to its left\"" : "");
            transcript_write_xml_escaped(out, cell != NULL ? cell : "-");
            if (differs)
                fputs(" <span class=\"mark\" aria-label=\"differs from the level to its left\">*</span>", out);
            if (missed)
                fputs(" <span class=\"mark\" aria-label=\"missed its expectation\">!</span>", out);
            fputs("</td>", out);
            free(cell);
        }
        fputs("</tr>\n", out);
    }
    fputs("<tr class=\"verdict\"><td colspan=\"3\">verdict</td>", out);
    for (size_t c = 0; c < count; c++)
        fprintf(out, "<td class=\"%s\">%s</td>", runs[c].passed ? "ok" : "refused",
                runs[c].passed ? "passed" : "FAILED");
    fputs("</tr>\n</tbody>\n</table>\n</section>\n", out);
}

void run_matrix_write_html(const run_record *record, FILE *out)
{
    fputs("<h2 id=\"matrix\">Version matrix</h2>\n<p>One table per scenario: rows are steps, columns API levels. A "
          "cell marked * (outlined) differs from the level to its left; ! means the step missed its expectation "
          "there.</p>\n",
          out);
    for (size_t first = 0; first < record->count && !record->out_of_memory;) {
        size_t count = run_matrix_group(record, first);
        write_html_group(&record->runs[first], count, out);
        first += count;
    }
}

/* ---- The --matrix formats ---- */

static void matrix_begin_run(transcript *transcript, size_t scenario_count)
{
    (void)scenario_count;
    run_record_of(transcript);
}

static void matrix_begin_scenario(transcript *transcript)
{
    run_record *record = run_record_of(transcript);
    if (record != NULL)
        run_record_begin(record, transcript->path, transcript->name, transcript->seed, transcript->api_level);
}

static void matrix_step(transcript *transcript, const transcript_step *step)
{
    if (transcript->record != NULL)
        run_record_step(transcript->record, step);
}

static void matrix_problem(transcript *transcript, const char *text)
{
    if (transcript->record != NULL)
        run_record_problem(transcript->record, text);
}

static void matrix_end_scenario(transcript *transcript, bool passed)
{
    if (transcript->record != NULL)
        run_record_end(transcript->record, passed);
}

static void matrix_text_end_run(transcript *transcript, size_t passed, size_t failed)
{
    run_record empty = {.out_of_memory = true};
    run_matrix_write_text(transcript->record != NULL ? transcript->record : &empty, transcript->out, passed, failed);
}

static void matrix_json_end_run(transcript *transcript, size_t passed, size_t failed)
{
    run_record empty = {.out_of_memory = true};
    run_matrix_write_json(transcript->record != NULL ? transcript->record : &empty, transcript->out, passed, failed);
}

const transcript_format transcript_matrix_text_format = {
    .begin_run = matrix_begin_run,
    .begin_scenario = matrix_begin_scenario,
    .step = matrix_step,
    .problem = matrix_problem,
    .end_scenario = matrix_end_scenario,
    .end_run = matrix_text_end_run,
};

const transcript_format transcript_matrix_json_format = {
    .begin_run = matrix_begin_run,
    .begin_scenario = matrix_begin_scenario,
    .step = matrix_step,
    .problem = matrix_problem,
    .end_scenario = matrix_end_scenario,
    .end_run = matrix_json_end_run,
};
