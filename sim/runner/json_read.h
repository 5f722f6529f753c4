/*
 * json_read.h - a small JSON reader for the documents kssim itself writes (`kssim run --format json`, with
 * --matrix too), so that `kssim merge-results` can check and join them (report_merge.h).
 *
 * Numbers are integers (kssim writes no others; a fraction or exponent is refused as not kssim's). Strings
 * are decoded (\uXXXX to UTF-8); nesting is bounded, so a hostile document cannot exhaust the stack.
 */
#ifndef SIM_RUNNER_JSON_READ_H
#define SIM_RUNNER_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_READ_DEPTH_MAX 32

typedef enum json_kind { JSON_NULL, JSON_BOOLEAN, JSON_INTEGER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_kind;

typedef struct json_value {
    json_kind kind;
    bool boolean;
    bool negative;      /* JSON_INTEGER: the value is -magnitude */
    uint64_t magnitude; /* JSON_INTEGER */
    char *string;       /* JSON_STRING */
    /* JSON_ARRAY and JSON_OBJECT: count items; an object's member names in keys (in document order). */
    struct json_value *items;
    char **keys;
    size_t count, capacity;
} json_value;

/* Reads one JSON value filling the whole text (white space around it allowed). NULL with a sentence naming the
 * byte offset in error when the text is not JSON or memory ran out. */
json_value *json_read(const char *text, size_t length, char *error, size_t error_size);
void json_free(json_value *value);

/* The member key of an object of this kind, or NULL (no such member, another kind, or value is no object). */
const json_value *json_member(const json_value *object, const char *key, json_kind kind);

#endif
