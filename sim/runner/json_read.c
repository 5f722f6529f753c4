/*
 * json_read.c - a recursive-descent JSON reader (json_read.h), bounded in depth, for kssim's own reports.
 */
#include "runner/json_read.h"
#include "runner/scenario_values.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct json_cursor {
    const char *text;
    size_t length, at;
    unsigned depth;
    char *error;
    size_t error_size;
    bool failed;
} json_cursor;

static bool fail(json_cursor *cursor, const char *what)
{
    if (!cursor->failed)
        snprintf(cursor->error, cursor->error_size, "not JSON at byte %zu: %s", cursor->at, what);
    cursor->failed = true;
    return false;
}

static void skip_space(json_cursor *cursor)
{
    while (cursor->at < cursor->length && strchr(" \t\r\n", cursor->text[cursor->at]) != NULL &&
           cursor->text[cursor->at] != '\0')
        cursor->at++;
}

static bool next_is(json_cursor *cursor, char c)
{
    skip_space(cursor);
    return cursor->at < cursor->length && cursor->text[cursor->at] == c;
}

static bool take_word(json_cursor *cursor, const char *word)
{
    size_t length = strlen(word);
    if (cursor->length - cursor->at < length || memcmp(cursor->text + cursor->at, word, length) != 0)
        return fail(cursor, "expected a value");
    cursor->at += length;
    return true;
}

/* Appends code point (below 0x10000) as UTF-8. */
static size_t put_utf8(char *out, unsigned code)
{
    if (code < 0x80) {
        out[0] = (char)code;
        return 1;
    }
    if (code < 0x800) {
        out[0] = (char)(0xc0 | (code >> 6));
        out[1] = (char)(0x80 | (code & 0x3f));
        return 2;
    }
    out[0] = (char)(0xe0 | (code >> 12));
    out[1] = (char)(0x80 | ((code >> 6) & 0x3f));
    out[2] = (char)(0x80 | (code & 0x3f));
    return 3;
}

/* A string at the cursor (which is at its opening quote), decoded; NULL on an error. A decoded string is never
 * longer than its escaped form plus one byte, so one allocation of that size holds it. */
static char *read_string(json_cursor *cursor)
{
    cursor->at++;
    char *out = malloc(cursor->length - cursor->at + 1);
    size_t written = 0;
    if (out == NULL) {
        fail(cursor, "out of memory");
        return NULL;
    }
    while (cursor->at < cursor->length) {
        unsigned char c = (unsigned char)cursor->text[cursor->at++];
        if (c == '"') {
            out[written] = '\0';
            if (memchr(out, '\0', written) != NULL)
                break;
            return out;
        }
        if (c < 0x20)
            break;
        if (c != '\\') {
            out[written++] = (char)c;
            continue;
        }
        if (cursor->at >= cursor->length)
            break;
        char escape = cursor->text[cursor->at++];
        const char *plain = strchr("\"\\/bfnrt", escape);
        if (plain != NULL && escape != '\0') {
            out[written++] = "\"\\/\b\f\n\r\t"[plain - "\"\\/bfnrt"];
        } else if (escape == 'u' && cursor->length - cursor->at >= 4) {
            unsigned code = 0;
            for (int i = 0; i < 4; i++) {
                int digit = scenario_hex_digit_value(cursor->text[cursor->at++]);
                if (digit < 0) {
                    free(out);
                    fail(cursor, "a \\u escape needs four hex digits");
                    return NULL;
                }
                code = code * 16 + (unsigned)digit;
            }
            if (code == 0 || (code >= 0xd800 && code <= 0xdfff))
                break; /* kssim writes neither NUL nor surrogates */
            written += put_utf8(out + written, code);
        } else {
            break;
        }
    }
    free(out);
    fail(cursor, "a string is not closed or holds a character JSON does not allow");
    return NULL;
}

static bool read_value(json_cursor *cursor, json_value *value);

static json_value *add_item(json_cursor *cursor, json_value *container, char *key)
{
    if (container->count == container->capacity) {
        size_t capacity = container->capacity == 0 ? 8 : container->capacity * 2;
        json_value *items = realloc(container->items, capacity * sizeof(*items));
        if (items != NULL)
            container->items = items;
        char **keys = container->kind == JSON_OBJECT ? realloc(container->keys, capacity * sizeof(*keys)) : NULL;
        if (keys != NULL)
            container->keys = keys;
        if (items == NULL || (container->kind == JSON_OBJECT && keys == NULL)) {
            free(key);
            fail(cursor, "out of memory");
            return NULL;
        }
        container->capacity = capacity;
    }
    json_value *item = &container->items[container->count];
    memset(item, 0, sizeof(*item));
    if (container->kind == JSON_OBJECT)
        container->keys[container->count] = key;
    container->count++;
    return item;
}

static bool read_container(json_cursor *cursor, json_value *value, json_kind kind)
{
    char close = kind == JSON_ARRAY ? ']' : '}';
    value->kind = kind;
    cursor->at++;
    if (++cursor->depth > JSON_READ_DEPTH_MAX)
        return fail(cursor, "nested too deeply for a kssim report");
    if (next_is(cursor, close)) {
        cursor->at++;
        cursor->depth--;
        return true;
    }
    for (;;) {
        char *key = NULL;
        if (kind == JSON_OBJECT) {
            if (!next_is(cursor, '"'))
                return fail(cursor, "expected a member name");
            if ((key = read_string(cursor)) == NULL)
                return false;
            if (!next_is(cursor, ':')) {
                free(key);
                return fail(cursor, "expected ':' after a member name");
            }
            cursor->at++;
        }
        json_value *item = add_item(cursor, value, key);
        if (item == NULL || !read_value(cursor, item))
            return false;
        if (next_is(cursor, ',')) {
            cursor->at++;
            continue;
        }
        if (next_is(cursor, close)) {
            cursor->at++;
            cursor->depth--;
            return true;
        }
        return fail(cursor, kind == JSON_ARRAY ? "expected ',' or ']'" : "expected ',' or '}'");
    }
}

static bool read_integer(json_cursor *cursor, json_value *value)
{
    value->kind = JSON_INTEGER;
    if (cursor->text[cursor->at] == '-') {
        value->negative = true;
        cursor->at++;
    }
    size_t digits = 0;
    while (cursor->at < cursor->length && cursor->text[cursor->at] >= '0' && cursor->text[cursor->at] <= '9') {
        unsigned digit = (unsigned)(cursor->text[cursor->at++] - '0');
        if (value->magnitude > (UINT64_MAX - digit) / 10)
            return fail(cursor, "a number larger than 64 bits");
        value->magnitude = value->magnitude * 10 + digit;
        digits++;
    }
    if (digits == 0)
        return fail(cursor, "expected a value");
    if (cursor->at < cursor->length && strchr(".eE", cursor->text[cursor->at]) != NULL &&
        cursor->text[cursor->at] != '\0')
        return fail(cursor, "a fraction or exponent, which kssim's reports never hold");
    return true;
}

static bool read_value(json_cursor *cursor, json_value *value)
{
    skip_space(cursor);
    if (cursor->at >= cursor->length)
        return fail(cursor, "the document ends where a value should be");
    char c = cursor->text[cursor->at];
    switch (c) {
    case '{':
        return read_container(cursor, value, JSON_OBJECT);
    case '[':
        return read_container(cursor, value, JSON_ARRAY);
    case '"':
        value->kind = JSON_STRING;
        return (value->string = read_string(cursor)) != NULL;
    case 't':
        value->kind = JSON_BOOLEAN;
        value->boolean = true;
        return take_word(cursor, "true");
    case 'f':
        value->kind = JSON_BOOLEAN;
        return take_word(cursor, "false");
    case 'n':
        value->kind = JSON_NULL;
        return take_word(cursor, "null");
    default:
        return read_integer(cursor, value);
    }
}

static void free_contents(json_value *value)
{
    for (size_t i = 0; i < value->count; i++) {
        free_contents(&value->items[i]);
        if (value->keys != NULL)
            free(value->keys[i]);
    }
    free(value->items);
    free(value->keys);
    free(value->string);
}

void json_free(json_value *value)
{
    if (value == NULL)
        return;
    free_contents(value);
    free(value);
}

json_value *json_read(const char *text, size_t length, char *error, size_t error_size)
{
    json_cursor cursor = {.text = text, .length = length, .error = error, .error_size = error_size};
    json_value *value = calloc(1, sizeof(*value));
    if (value == NULL) {
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    if (read_value(&cursor, value)) {
        skip_space(&cursor);
        if (cursor.at < cursor.length)
            fail(&cursor, "more text after the document");
    }
    if (cursor.failed) {
        json_free(value);
        return NULL;
    }
    return value;
}

const json_value *json_member(const json_value *object, const char *key, json_kind kind)
{
    if (object == NULL || object->kind != JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < object->count; i++)
        if (strcmp(object->keys[i], key) == 0)
            return object->items[i].kind == kind ? &object->items[i] : NULL;
    return NULL;
}
