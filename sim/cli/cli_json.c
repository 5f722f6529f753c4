/*
 * cli_json.c - the JSON writer of cli_json.h. Strings are escaped as RFC 8259 requires (quote,
 * backslash, control characters); UTF-8 passes through, and bytes that are not UTF-8 become U+FFFD.
 */
#include "cli/cli_json.h"

#include <inttypes.h>

#include "core/utf8.h"

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
            if (*c < 0x20) {
                fprintf(stream, "\\u%04x", *c);
            } else {
                /* A device written before aliases were checked may hold any bytes: what is not UTF-8
                 * becomes U+FFFD, so the document stays valid JSON (RFC 8259 section 8.1). */
                size_t sequence = sim_utf8_sequence_length((const char *)c);
                if (sequence == 0) {
                    fputs("\\ufffd", stream);
                } else {
                    fwrite(c, 1, sequence, stream);
                    c += sequence - 1;
                }
            }
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
