/*
 * cli_json.h - a small streaming JSON writer for `--json` output: objects, arrays, strings (escaped),
 * numbers and booleans, indented two spaces, with the commas placed for the caller.
 *
 * 64-bit identifiers (SIDs, authenticator IDs) are written as "0x..." strings, since many JSON readers
 * hold numbers as doubles and would round them.
 */
#ifndef SIM_CLI_CLI_JSON_H
#define SIM_CLI_CLI_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CLI_JSON_DEPTH_MAX 16

typedef struct cli_json {
    FILE *stream;
    int depth;
    bool has_members[CLI_JSON_DEPTH_MAX]; /* per open container: a member was written, so a comma is due */
} cli_json;

void cli_json_start(cli_json *json, FILE *stream);
/* Ends the document with a newline. */
void cli_json_finish(cli_json *json);

/* key is the member's name inside an object, NULL at the top or inside an array. */
void cli_json_open_object(cli_json *json, const char *key);
void cli_json_close_object(cli_json *json);
void cli_json_open_array(cli_json *json, const char *key);
void cli_json_close_array(cli_json *json);

void cli_json_string(cli_json *json, const char *key, const char *value); /* NULL: null */
void cli_json_signed(cli_json *json, const char *key, int64_t value);
void cli_json_unsigned(cli_json *json, const char *key, uint64_t value);
void cli_json_bool(cli_json *json, const char *key, bool value);
void cli_json_null(cli_json *json, const char *key);
/* "0x%016llx" as a string. */
void cli_json_id(cli_json *json, const char *key, uint64_t value);

#endif
