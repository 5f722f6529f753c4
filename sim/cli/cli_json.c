/*
 * cli_json.c - the JSON writer of cli_json.h. Strings are escaped as RFC 8259 requires (quote,
 * backslash, control characters); other bytes pass through, so UTF-8 stays UTF-8.
 */
#include "cli/cli_json.h"

#include <inttypes.h>

static void write_escaped(FILE *stream, const char *text)
{
    fputc('"', stream);
    for (const unsigned char *c = (const unsigned char *)text; *c != '\0'; c++) {
        switch (*c) {
        case '"':
            fputs("\\\"", stream);
            break;
        case '\\':
            fputs("\\\\", stream);
            break;
        case '\n':
            fputs("\\n", stream);
            break;
        case '\r':
            fputs("\\r", stream);
            break;
        case '\t':
            fputs("\\t", stream);
            break;
        default:
            if (*c < 0x20)
                fprintf(stream, "\\u%04x", *c);
            else
                fputc(*c, stream);
        }
    }
    fputc('"', stream);
}

/* The comma, newline, indentation and key that come before any value. */
static void begin_value(cli_json *json, const char *key)
{
    if (json->depth > 0) {
        if (json->has_members[json->depth - 1])
            fputc(',', json->stream);
        json->has_members[json->depth - 1] = true;
        fprintf(json->stream, "\n%*s", json->depth * 2, "");
    }
    if (key != NULL) {
        write_escaped(json->stream, key);
        fputs(": ", json->stream);
    }
}

void cli_json_start(cli_json *json, FILE *stream)
{
    json->stream = stream;
    json->depth = 0;
}

void cli_json_finish(cli_json *json)
{
    fputc('\n', json->stream);
}

static void open_container(cli_json *json, const char *key, char bracket)
{
    begin_value(json, key);
    fputc(bracket, json->stream);
    if (json->depth < CLI_JSON_DEPTH_MAX) {
        json->has_members[json->depth] = false;
        json->depth++;
    }
}

static void close_container(cli_json *json, char bracket)
{
    json->depth--;
    if (json->has_members[json->depth])
        fprintf(json->stream, "\n%*s", json->depth * 2, "");
    fputc(bracket, json->stream);
}

void cli_json_open_object(cli_json *json, const char *key)
{
    open_container(json, key, '{');
}

void cli_json_close_object(cli_json *json)
{
    close_container(json, '}');
}

void cli_json_open_array(cli_json *json, const char *key)
{
    open_container(json, key, '[');
}

void cli_json_close_array(cli_json *json)
{
    close_container(json, ']');
}

void cli_json_string(cli_json *json, const char *key, const char *value)
{
    begin_value(json, key);
    if (value == NULL)
        fputs("null", json->stream);
    else
        write_escaped(json->stream, value);
}

void cli_json_signed(cli_json *json, const char *key, int64_t value)
{
    begin_value(json, key);
    fprintf(json->stream, "%" PRId64, value);
}

void cli_json_unsigned(cli_json *json, const char *key, uint64_t value)
{
    begin_value(json, key);
    fprintf(json->stream, "%" PRIu64, value);
}

void cli_json_bool(cli_json *json, const char *key, bool value)
{
    begin_value(json, key);
    fputs(value ? "true" : "false", json->stream);
}

void cli_json_null(cli_json *json, const char *key)
{
    begin_value(json, key);
    fputs("null", json->stream);
}

void cli_json_id(cli_json *json, const char *key, uint64_t value)
{
    char text[24];
    snprintf(text, sizeof(text), "0x%016" PRIx64, value);
    cli_json_string(json, key, text);
}
