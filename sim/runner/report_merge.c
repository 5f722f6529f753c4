/*
 * report_merge.c - `kssim merge-results` (report_merge.h): reads the shards' documents, keeps each run as a unit
 * with its sort key (path, API level), and writes the document of the whole run.
 *
 * JUnit and the run's JSON are joined as text: every run of them is a block of whole lines that the writers
 * (transcript_junit.c, transcript_json.c) begin and end with fixed lines, and whose contents cannot contain those
 * lines (XML escapes '<', JSON escapes newlines), so the blocks are copied unchanged and only the totals are
 * written anew. The matrix is not: a cell is marked where it differs from the level to its left, and that level
 * may have run in another shard, so the matrix's JSON is read back into runs (run_record.h) and written again by
 * the matrix's own writer (run_matrix.c).
 */
#include "runner/report_merge.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runner/json_read.h"
#include "runner/run_matrix.h"
#include "runner/run_record.h"

typedef enum document_kind { DOCUMENT_JUNIT, DOCUMENT_RUN_JSON, DOCUMENT_MATRIX_JSON, DOCUMENT_UNKNOWN } document_kind;

static const char *const kind_names[] = {"JUnit XML (--format junit)", "the run's JSON (--format json)",
                                         "the matrix's JSON (--matrix LEVELS --format json)"};

/* One run of one document. */
typedef struct merge_unit {
    char *path; /* the sort key: path, then api_level */
    int api_level;
    size_t input, order;
    const char *block; /* JUnit, run JSON: the run's lines in its document */
    size_t block_length;
    recorded_run run; /* the matrix: the run read back */
} merge_unit;

typedef struct merge_state {
    const report_merge_input *inputs;
    FILE *err;
    merge_unit *units;
    size_t count, capacity;
    /* The documents' totals, summed. */
    uint64_t tests, failures, errors, virtual_ms, passed, failed;
} merge_state;

static bool refuse(merge_state *state, size_t input, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    fprintf(state->err, "kssim merge-results: %s: ", state->inputs[input].name);
    vfprintf(state->err, format, arguments);
    fputc('\n', state->err);
    va_end(arguments);
    return false;
}

static bool damaged(merge_state *state, size_t input, const char *what)
{
    return refuse(state, input,
                  "%s, so it is not a whole document of `kssim run`; give the shard's output as it was written (rerun "
                  "the shard if it was cut short)",
                  what);
}

static merge_unit *add_unit(merge_state *state, size_t input, const char *path, int api_level)
{
    if (state->count == state->capacity) {
        size_t capacity = state->capacity == 0 ? 64 : state->capacity * 2;
        merge_unit *units = realloc(state->units, capacity * sizeof(*units));
        if (units == NULL)
            return NULL;
        state->units = units;
        state->capacity = capacity;
    }
    merge_unit *unit = &state->units[state->count];
    memset(unit, 0, sizeof(*unit));
    if ((unit->path = strdup(path)) == NULL)
        return NULL;
    unit->api_level = api_level;
    unit->input = input;
    unit->order = state->count++;
    return unit;
}

/* ---- Reading lines and fields ---- */

typedef struct text_line {
    const char *start;
    size_t length; /* without the newline */
    size_t number; /* 1-based */
} text_line;

/* The next line at *at; false at the end of the text. A last line without its newline is reported too, with
 * *complete false. */
static bool next_line(const report_merge_input *input, size_t *at, text_line *line, bool *complete)
{
    if (*at >= input->length)
        return false;
    const char *start = input->text + *at;
    const char *newline = memchr(start, '\n', input->length - *at);
    line->start = start;
    line->length = newline != NULL ? (size_t)(newline - start) : input->length - *at;
    line->number++;
    *at += line->length + (newline != NULL ? 1 : 0);
    if (newline == NULL)
        *complete = false;
    return true;
}

static bool line_is(const text_line *line, const char *text)
{
    return line->length == strlen(text) && memcmp(line->start, text, line->length) == 0;
}

static bool line_starts(const text_line *line, const char *prefix)
{
    size_t length = strlen(prefix);
    return line->length >= length && memcmp(line->start, prefix, length) == 0;
}

/* A cursor over one line. */
typedef struct field_cursor {
    const char *at, *end;
} field_cursor;

static bool take(field_cursor *cursor, const char *literal)
{
    size_t length = strlen(literal);
    if ((size_t)(cursor->end - cursor->at) < length || memcmp(cursor->at, literal, length) != 0)
        return false;
    cursor->at += length;
    return true;
}

static bool take_number(field_cursor *cursor, uint64_t *value, size_t *digits)
{
    *value = 0;
    *digits = 0;
    while (cursor->at < cursor->end && *cursor->at >= '0' && *cursor->at <= '9') {
        unsigned digit = (unsigned)(*cursor->at++ - '0');
        if (*value > (UINT64_MAX - digit) / 10)
            return false;
        *value = *value * 10 + digit;
        (*digits)++;
    }
    return *digits > 0;
}

static bool take_count(field_cursor *cursor, const char *before, uint64_t *value)
{
    size_t digits;
    return take(cursor, before) && take_number(cursor, value, &digits) && take(cursor, "\"");
}

/* tests="N" failures="N" errors="N" skipped="0" time="S.mmm" (transcript_junit.c), time as milliseconds. */
static bool take_junit_counts(field_cursor *cursor, uint64_t *tests, uint64_t *failures, uint64_t *errors, uint64_t *ms)
{
    uint64_t seconds, thousandths;
    size_t digits;
    if (!take_count(cursor, " tests=\"", tests) || !take_count(cursor, " failures=\"", failures) ||
        !take_count(cursor, " errors=\"", errors) || !take(cursor, " skipped=\"0\" time=\"") ||
        !take_number(cursor, &seconds, &digits) || !take(cursor, ".") || !take_number(cursor, &thousandths, &digits) ||
        digits != 3 || !take(cursor, "\"") || seconds > UINT64_MAX / 1000 - 1)
        return false;
    *ms = seconds * 1000 + thousandths;
    return true;
}

/* ---- JUnit ---- */

/* The escaped name of a testsuite, unescaped into name (room for length + 1). */
static void xml_unescape(const char *text, size_t length, char *name)
{
    static const struct {
        const char *entity;
        char c;
    } entities[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    size_t written = 0;
    for (size_t i = 0; i < length;) {
        bool replaced = false;
        for (size_t e = 0; e < sizeof(entities) / sizeof(entities[0]) && text[i] == '&'; e++) {
            size_t entity_length = strlen(entities[e].entity);
            if (length - i >= entity_length && memcmp(text + i, entities[e].entity, entity_length) == 0) {
                name[written++] = entities[e].c;
                i += entity_length;
                replaced = true;
                break;
            }
        }
        if (!replaced)
            name[written++] = text[i++];
    }
    name[written] = '\0';
}

/* "FILE @ api_level L" into its path and level; false when the name is not of that form. */
static bool split_run_name(char *name, int *api_level)
{
    static const char separator[] = " @ api_level ";
    char *found = NULL;
    for (char *at = strstr(name, separator); at != NULL; at = strstr(at + 1, separator))
        found = at;
    if (found == NULL)
        return false;
    char *level = found + strlen(separator), *end;
    long value = strtol(level, &end, 10);
    if (end == level || *end != '\0' || value <= 0 || value > 1000)
        return false;
    *found = '\0';
    *api_level = (int)value;
    return true;
}

static bool read_junit_suite(merge_state *state, size_t input, size_t *at, text_line *line, bool *complete,
                             uint64_t *sums)
{
    field_cursor cursor = {line->start + strlen("  <testsuite name=\""), line->start + line->length};
    const char *quote = memchr(cursor.at, '"', (size_t)(cursor.end - cursor.at));
    uint64_t tests, failures, errors, ms;
    if (quote == NULL)
        return damaged(state, input, "a testsuite's name is not closed");
    const char *name_start = cursor.at;
    size_t name_length = (size_t)(quote - name_start);
    cursor.at = quote;
    if (!take(&cursor, "\"") || !take_junit_counts(&cursor, &tests, &failures, &errors, &ms) || !take(&cursor, ">") ||
        cursor.at != cursor.end) {
        char what[80];
        snprintf(what, sizeof(what), "line %zu is a testsuite without kssim's counts", line->number);
        return damaged(state, input, what);
    }
    char *name = malloc(name_length + 1);
    int api_level = 0;
    if (name == NULL)
        return refuse(state, input, "out of memory");
    xml_unescape(name_start, name_length, name);
    bool named = split_run_name(name, &api_level);
    merge_unit *unit = named ? add_unit(state, input, name, api_level) : NULL;
    free(name);
    if (!named)
        return damaged(state, input, "a testsuite is not named \"FILE @ api_level L\"");
    if (unit == NULL)
        return refuse(state, input, "out of memory");
    unit->block = line->start;
    sums[0] += tests, sums[1] += failures, sums[2] += errors, sums[3] += ms;
    while (next_line(&state->inputs[input], at, line, complete)) {
        if (line_is(line, "  </testsuite>")) {
            unit->block_length = (size_t)(line->start + line->length + 1 - unit->block);
            return true;
        }
    }
    return damaged(state, input, "the last testsuite is not closed");
}

static bool read_junit(merge_state *state, size_t input)
{
    const report_merge_input *document = &state->inputs[input];
    size_t at = 0;
    text_line line = {0};
    bool complete = true;
    uint64_t tests, failures, errors, ms, passed, failed, sums[4] = {0};
    if (!next_line(document, &at, &line, &complete) || !line_is(&line, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>") ||
        !next_line(document, &at, &line, &complete))
        return damaged(state, input, "it does not begin as kssim's JUnit does");
    field_cursor root = {line.start, line.start + line.length};
    if (!take(&root, "<testsuites name=\"kssim run\"") || !take_junit_counts(&root, &tests, &failures, &errors, &ms) ||
        !take(&root, ">") || root.at != root.end)
        return damaged(state, input, "line 2 is not kssim's <testsuites> with its counts");
    for (;;) {
        if (!next_line(document, &at, &line, &complete))
            return damaged(state, input, "it ends before </testsuites>");
        if (line_is(&line, "</testsuites>"))
            break;
        if (!line_starts(&line, "  <testsuite name=\"")) {
            char what[80];
            snprintf(what, sizeof(what), "line %zu is neither a testsuite nor </testsuites>", line.number);
            return damaged(state, input, what);
        }
        if (!read_junit_suite(state, input, &at, &line, &complete, sums))
            return false;
    }
    if (!next_line(document, &at, &line, &complete))
        return damaged(state, input, "it ends without its closing comment");
    if (line_starts(&line, "<!-- not run: "))
        return refuse(state, input,
                      "the run was refused (invalid scenario files), so it has no results to merge; fix the files its "
                      "errors name and run the shards again");
    field_cursor comment = {line.start, line.start + line.length};
    size_t digits;
    if (!take(&comment, "<!-- ") || !take_number(&comment, &passed, &digits) || !take(&comment, " passed, ") ||
        !take_number(&comment, &failed, &digits) || !take(&comment, " failed -->") || comment.at != comment.end)
        return damaged(state, input, "its closing comment is not \"<!-- N passed, N failed -->\"");
    if (next_line(document, &at, &line, &complete) || !complete)
        return damaged(state, input, "there is text after its closing comment, or its last line has no newline");
    if (sums[0] != tests || sums[1] != failures || sums[2] != errors || sums[3] != ms)
        return damaged(state, input, "the testsuites' counts do not add up to the document's");
    state->tests += tests, state->failures += failures, state->errors += errors, state->virtual_ms += ms;
    state->passed += passed, state->failed += failed;
    return true;
}

static void write_junit(const merge_state *state, FILE *out)
{
    fprintf(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"kssim run\" tests=\"%llu\" failures=\"%llu\" "
        "errors=\"%llu\" skipped=\"0\" time=\"%llu.%03u\">\n",
        (unsigned long long)state->tests, (unsigned long long)state->failures, (unsigned long long)state->errors,
        (unsigned long long)(state->virtual_ms / 1000), (unsigned)(state->virtual_ms % 1000));
    for (size_t i = 0; i < state->count; i++)
        fwrite(state->units[i].block, 1, state->units[i].block_length, out);
    fprintf(out, "</testsuites>\n<!-- %llu passed, %llu failed -->\n", (unsigned long long)state->passed,
            (unsigned long long)state->failed);
}

/* ---- JSON, shared ---- */

static bool read_count(const json_value *document, const char *key, uint64_t *value)
{
    const json_value *member = json_member(document, key, JSON_INTEGER);
    if (member == NULL || member->negative)
        return false;
    *value = member->magnitude;
    return true;
}

static bool read_level(const json_value *value, int *api_level)
{
    if (value == NULL || value->kind != JSON_INTEGER || value->negative || value->magnitude == 0 ||
        value->magnitude > 1000)
        return false;
    *api_level = (int)value->magnitude;
    return true;
}

/* ---- The run's JSON ---- */

/* A run's block is copied into the merged document as it is, so it must be that run alone: one JSON object with
 * the path and level the document's own runs[i] has (a document laid out otherwise is not kssim's). */
static bool block_is_the_run(const merge_unit *unit)
{
    char error[160];
    json_value *alone = json_read(unit->block, unit->block_length, error, sizeof(error));
    const json_value *path = json_member(alone, "path", JSON_STRING);
    int api_level = 0;
    bool same = path != NULL && strcmp(path->string, unit->path) == 0 &&
                read_level(json_member(alone, "api_level", JSON_INTEGER), &api_level) && api_level == unit->api_level;
    json_free(alone);
    return same;
}

static bool read_run_json(merge_state *state, size_t input, const json_value *document)
{
    const report_merge_input *text = &state->inputs[input];
    const json_value *runs = json_member(document, "runs", JSON_ARRAY);
    uint64_t passed, failed;
    if (runs == NULL || !read_count(document, "passed", &passed) || !read_count(document, "failed", &failed))
        return damaged(state, input, "it lacks the runs, passed or failed of kssim's run document");
    size_t at = 0, run = 0;
    text_line line = {0};
    bool complete = true;
    next_line(text, &at, &line, &complete);
    if (runs->count == 0 && line_starts(&line, "{\"runs\": [], ")) {
        /* A shard that ran nothing: one line. */
    } else if (!line_is(&line, "{\"runs\": [")) {
        return damaged(state, input, "line 1 is not kssim's {\"runs\": [");
    } else {
        bool closed = false;
        merge_unit *unit = NULL;
        while (!closed && next_line(text, &at, &line, &complete)) {
            closed = line_starts(&line, "  ], \"passed\": ");
            if (closed || line_starts(&line, "    {\"path\": ")) {
                if (unit != NULL) { /* the block ends before this line, and before the ',' that separates runs */
                    unit->block_length = (size_t)(line.start - 1 - unit->block) - (closed ? 0 : 1);
                    if (unit->block_length < 2 || memcmp(unit->block + unit->block_length - 2, "]}", 2) != 0 ||
                        (!closed && unit->block[unit->block_length] != ',') || !block_is_the_run(unit))
                        return damaged(state, input, "a run does not begin or end as kssim writes it");
                }
                if (closed)
                    break;
                const json_value *entry = run < runs->count ? &runs->items[run] : NULL;
                const json_value *path = json_member(entry, "path", JSON_STRING);
                int api_level;
                if (path == NULL || !read_level(json_member(entry, "api_level", JSON_INTEGER), &api_level))
                    return damaged(state, input, "a run lacks its path or api_level");
                if ((unit = add_unit(state, input, path->string, api_level)) == NULL)
                    return refuse(state, input, "out of memory");
                unit->block = line.start;
                run++;
            }
        }
        if (!closed || run != runs->count || next_line(text, &at, &line, &complete))
            return damaged(state, input, "its runs are not laid out as kssim writes them");
    }
    state->passed += passed, state->failed += failed;
    return true;
}

static void write_run_json(const merge_state *state, FILE *out)
{
    fputs("{\"runs\": [", out);
    for (size_t i = 0; i < state->count; i++) {
        fputs(i > 0 ? ",\n" : "\n", out);
        fwrite(state->units[i].block, 1, state->units[i].block_length, out);
    }
    fprintf(out, "%s], \"passed\": %llu, \"failed\": %llu}\n", state->count > 0 ? "\n  " : "",
            (unsigned long long)state->passed, (unsigned long long)state->failed);
}

/* ---- The matrix's JSON ---- */

/* A member that is a string or null: *text its copy or NULL; false when it is neither or memory ran out. */
static bool copy_nullable(const json_value *object, const char *key, char **text)
{
    *text = NULL;
    if (json_member(object, key, JSON_NULL) != NULL)
        return true;
    const json_value *value = json_member(object, key, JSON_STRING);
    return value != NULL && (*text = strdup(value->string)) != NULL;
}

static bool copy_string(const json_value *object, const char *key, char **text)
{
    return copy_nullable(object, key, text) && *text != NULL;
}

static bool read_cell(const json_value *row, const json_value *cell, recorded_step *step)
{
    const json_value *number = json_member(row, "number", JSON_INTEGER);
    const json_value *result = json_member(cell, "result", JSON_INTEGER);
    const json_value *met = json_member(cell, "met", JSON_BOOLEAN);
    if (number == NULL || result == NULL || met == NULL || result->magnitude > INT32_MAX)
        return false;
    step->number = (size_t)number->magnitude;
    step->result = result->negative ? -(int)result->magnitude : (int)result->magnitude;
    step->met = met->boolean;
    return copy_string(row, "action", &step->action) && copy_string(row, "arguments", &step->arguments) &&
           copy_string(cell, "outcome", &step->outcome) && copy_nullable(cell, "app_exception", &step->app_exception) &&
           copy_nullable(cell, "app_call", &step->app_call) && copy_nullable(cell, "expected", &step->expected);
}

/* Column column of a group: the run on levels[column], its steps the rows whose cell there ran. */
static bool read_matrix_run(const json_value *group, size_t column, recorded_run *run)
{
    const json_value *seed = json_member(group, "seed", JSON_INTEGER);
    const json_value *passed = json_member(group, "passed", JSON_ARRAY);
    const json_value *problems = json_member(group, "problems", JSON_ARRAY);
    const json_value *rows = json_member(group, "steps", JSON_ARRAY);
    if (seed == NULL || passed == NULL || problems == NULL || rows == NULL || column >= passed->count ||
        column >= problems->count || passed->items[column].kind != JSON_BOOLEAN)
        return false;
    run->seed = seed->magnitude;
    run->passed = passed->items[column].boolean;
    if (problems->items[column].kind == JSON_STRING)
        run->problem = strdup(problems->items[column].string);
    else if (problems->items[column].kind != JSON_NULL)
        return false;
    if (!copy_string(group, "path", &run->path) || !copy_string(group, "name", &run->name))
        return false;
    run->steps = calloc(rows->count + 1, sizeof(*run->steps));
    if (run->steps == NULL)
        return false;
    for (size_t s = 0; s < rows->count; s++) {
        const json_value *cells = json_member(&rows->items[s], "cells", JSON_ARRAY);
        const json_value *cell = cells != NULL && column < cells->count ? &cells->items[column] : NULL;
        const json_value *ran = json_member(cell, "ran", JSON_BOOLEAN);
        if (ran == NULL)
            return false;
        if (!ran->boolean)
            continue;
        if (run->step_count != s) /* a run's steps are a prefix of the rows: a budget stops it, nothing skips */
            return false;
        run->step_count++;
        if (!read_cell(&rows->items[s], cell, &run->steps[s]))
            return false;
    }
    return true;
}

static bool read_matrix_json(merge_state *state, size_t input, const json_value *document)
{
    const json_value *groups = json_member(document, "matrix", JSON_ARRAY);
    const json_value *complete = json_member(document, "complete", JSON_BOOLEAN);
    uint64_t passed, failed;
    if (groups == NULL || complete == NULL || !read_count(document, "passed", &passed) ||
        !read_count(document, "failed", &failed))
        return damaged(state, input, "it lacks the matrix, complete, passed or failed of kssim's matrix document");
    if (!complete->boolean)
        return refuse(state, input,
                      "the matrix is marked incomplete (memory ran out while that shard ran); run the shard again");
    for (size_t g = 0; g < groups->count; g++) {
        const json_value *group = &groups->items[g];
        const json_value *levels = json_member(group, "levels", JSON_ARRAY);
        const json_value *path = json_member(group, "path", JSON_STRING);
        for (size_t c = 0; levels != NULL && path != NULL && c < levels->count; c++) {
            int api_level;
            if (!read_level(&levels->items[c], &api_level))
                return damaged(state, input, "a level of the matrix is not an API level");
            merge_unit *unit = add_unit(state, input, path->string, api_level);
            if (unit == NULL)
                return refuse(state, input, "out of memory");
            unit->run.api_level = api_level;
            if (!read_matrix_run(group, c, &unit->run))
                return damaged(state, input, "a scenario of the matrix lacks a field kssim writes");
        }
        if (levels == NULL || path == NULL)
            return damaged(state, input, "a scenario of the matrix lacks its path or levels");
    }
    state->passed += passed, state->failed += failed;
    return true;
}

static bool write_matrix_json(const merge_state *state, FILE *out)
{
    run_record record = {.runs = calloc(state->count + 1, sizeof(recorded_run)), .count = state->count};
    if (record.runs == NULL)
        return false;
    for (size_t i = 0; i < state->count; i++)
        record.runs[i] = state->units[i].run; /* borrowed: the units free them */
    run_matrix_write_json(&record, out, (size_t)state->passed, (size_t)state->failed);
    free(record.runs);
    return true;
}

/* ---- The whole merge ---- */

static document_kind kind_of(const report_merge_input *input)
{
    static const char *const beginnings[] = {"<?xml", "{\"runs\": [", "{\"matrix\": ["};
    for (size_t kind = 0; kind < sizeof(beginnings) / sizeof(beginnings[0]); kind++) {
        size_t length = strlen(beginnings[kind]);
        if (input->length >= length && memcmp(input->text, beginnings[kind], length) == 0)
            return (document_kind)kind;
    }
    return DOCUMENT_UNKNOWN;
}

static bool read_document(merge_state *state, size_t input, document_kind kind)
{
    if (kind == DOCUMENT_JUNIT)
        return read_junit(state, input);
    char error[160];
    json_value *document = json_read(state->inputs[input].text, state->inputs[input].length, error, sizeof(error));
    if (document == NULL)
        return damaged(state, input, error);
    bool read =
        kind == DOCUMENT_RUN_JSON ? read_run_json(state, input, document) : read_matrix_json(state, input, document);
    json_free(document);
    return read;
}

static int compare_units(const void *a, const void *b)
{
    const merge_unit *left = a, *right = b;
    int by_path = strcmp(left->path, right->path);
    if (by_path != 0)
        return by_path;
    if (left->api_level != right->api_level)
        return left->api_level < right->api_level ? -1 : 1;
    return left->order < right->order ? -1 : left->order > right->order;
}

/* The matrix's runs are freed as a run_record of their own, which also frees its array of them: a copy. */
static void free_units(merge_state *state)
{
    run_record runs = {.runs = calloc(state->count + 1, sizeof(recorded_run)), .count = state->count};
    for (size_t i = 0; i < state->count; i++) {
        free(state->units[i].path);
        if (runs.runs != NULL)
            runs.runs[i] = state->units[i].run;
    }
    run_record_free(&runs);
    free(state->units);
}

static bool read_all(merge_state *state, size_t count, document_kind *kind)
{
    for (size_t i = 0; i < count; i++) {
        document_kind this_kind = kind_of(&state->inputs[i]);
        if (this_kind == DOCUMENT_UNKNOWN)
            return refuse(
                state, i,
                "not a document merge-results joins; it joins `kssim run --shard K/N` output in --format "
                "junit or --format json (also with --matrix); text, TAP and HTML are not merged (docs/ci.md)");
        if (i > 0 && this_kind != *kind)
            return refuse(state, i, "is %s but %s is %s; merge the documents of one format at a time",
                          kind_names[this_kind], state->inputs[0].name, kind_names[*kind]);
        *kind = this_kind;
        if (!read_document(state, i, this_kind))
            return false;
    }
    if (state->count > 1) /* an empty shard has no units, and qsort takes no NULL array */
        qsort(state->units, state->count, sizeof(*state->units), compare_units);
    for (size_t i = 1; i < state->count; i++) {
        const merge_unit *earlier = &state->units[i - 1], *later = &state->units[i];
        if (strcmp(earlier->path, later->path) == 0 && earlier->api_level == later->api_level)
            return refuse(state, later->input,
                          "holds %s @ api_level %d, which %s holds too; give each shard's document once, and only "
                          "shards of one run (the same --shard N)",
                          later->path, later->api_level, state->inputs[earlier->input].name);
    }
    return true;
}

int report_merge(const report_merge_input *inputs, size_t count, FILE *out, FILE *err)
{
    merge_state state = {.inputs = inputs, .err = err};
    document_kind kind = DOCUMENT_UNKNOWN;
    if (count == 0) {
        fputs("kssim merge-results: no documents given: name the shards' files\n", err);
        return REPORT_MERGE_REFUSED;
    }
    int status = REPORT_MERGE_REFUSED;
    if (read_all(&state, count, &kind)) {
        status = state.failed > 0 ? REPORT_MERGE_SOME_FAILED : REPORT_MERGE_ALL_PASSED;
        if (kind == DOCUMENT_JUNIT)
            write_junit(&state, out);
        else if (kind == DOCUMENT_RUN_JSON)
            write_run_json(&state, out);
        else if (!write_matrix_json(&state, out)) {
            fputs("kssim merge-results: out of memory\n", err);
            status = REPORT_MERGE_REFUSED;
        }
    }
    free_units(&state);
    return status;
}
