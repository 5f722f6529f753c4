/*
 * cli_values.c - option values read with the scenario format's own parsers and vocabularies, with
 * messages that name the option and list what it accepts.
 */
#include "cli/cli_values.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "runner/scenario_suggest.h"
#include "runner/scenario_values.h"

bool cli_parse_unsigned(const cli_command *command, const char *label, const char *text, uint64_t max, uint64_t *out)
{
    char error[SCENARIO_ERROR_MAX];
    if (scenario_parse_unsigned(text, max, out, NULL, error, sizeof(error)))
        return true;
    cli_usage_error(command, "%s: %s", label, error);
    return false;
}

/* "unknown algorithm 'eC2'; did you mean 'ec'? --algorithm takes ec, rsa, ...". */
static void unknown_word(const cli_command *command, const char *label, const char *word, const scenario_words *words)
{
    const char *names[SCENARIO_SUGGEST_MAX];
    size_t count = words->count < SCENARIO_SUGGEST_MAX ? words->count : SCENARIO_SUGGEST_MAX;
    for (size_t i = 0; i < count; i++)
        names[i] = words->words[i].name;
    char list[512];
    sim_vocabulary_list(words, ", ", list, sizeof(list));
    const char *suggestion = scenario_suggest(word, names, count);
    if (suggestion != NULL)
        cli_usage_error(command, "unknown %s '%s'; did you mean '%s'? %s takes %s", words->what, word, suggestion,
                        label, list);
    else
        cli_usage_error(command, "unknown %s '%s'; %s takes %s", words->what, word, label, list);
}

bool cli_parse_word(const cli_command *command, const char *label, const char *text, const scenario_words *words,
                    uint32_t *out)
{
    const scenario_word *word = scenario_words_find(words, text);
    if (word == NULL) {
        unknown_word(command, label, text, words);
        return false;
    }
    *out = word->value;
    return true;
}

bool cli_parse_word_list(const cli_command *command, const char *label, const char *text, const scenario_words *words,
                         uint32_t *out)
{
    uint32_t set = 0;
    const char *start = text;
    for (;;) {
        const char *end = strchr(start, ',');
        size_t length = end != NULL ? (size_t)(end - start) : strlen(start);
        char word[64];
        if (length == 0 || length >= sizeof(word)) {
            cli_usage_error(command, "%s: '%s' is not a comma-separated list of words (e.g. sign,verify)", label, text);
            return false;
        }
        memcpy(word, start, length);
        word[length] = '\0';
        uint32_t value;
        if (!cli_parse_word(command, label, word, words, &value))
            return false;
        set |= value;
        if (end == NULL)
            break;
        start = end + 1;
    }
    *out = set;
    return true;
}

bool cli_parse_duration(const cli_command *command, const char *label, const char *text, uint64_t *milliseconds)
{
    char error[SCENARIO_ERROR_MAX];
    if (scenario_parse_duration(text, milliseconds, error, sizeof(error)))
        return true;
    cli_usage_error(command, "%s: %s", label, error);
    return false;
}

bool cli_parse_datetime(const cli_command *command, const char *label, const char *text, int64_t *unix_ms)
{
    char error[SCENARIO_ERROR_MAX];
    if (scenario_parse_datetime(text, unix_ms, error, sizeof(error)))
        return true;
    cli_usage_error(command, "%s: %s", label, error);
    return false;
}

bool cli_parse_hex(const cli_command *command, const char *label, const char *text, uint8_t **bytes, size_t *length)
{
    size_t text_length = strlen(text);
    char *digits = malloc(text_length + 1);
    uint8_t *decoded = malloc(text_length / 2 + 1);
    size_t digit_count = 0;
    char error[SCENARIO_ERROR_MAX];
    bool ok = digits != NULL && decoded != NULL;
    if (!ok)
        cli_usage_error(command, "%s: out of memory", label);
    /* Hex copied from elsewhere often comes spaced or wrapped; the spacing carries no meaning. */
    for (size_t i = 0; ok && i < text_length; i++)
        if (!isspace((unsigned char)text[i]))
            digits[digit_count++] = text[i];
    if (ok)
        digits[digit_count] = '\0';
    if (ok && digit_count % 2 != 0) {
        cli_usage_error(command, "%s: %zu hex digits is not a whole number of bytes (two digits per byte)", label,
                        digit_count);
        ok = false;
    }
    if (ok && !scenario_parse_hex(digits, digit_count, decoded, error, sizeof(error))) {
        cli_usage_error(command, "%s: %s", label, error);
        ok = false;
    }
    free(digits);
    if (!ok) {
        free(decoded);
        return false;
    }
    *bytes = decoded;
    *length = digit_count / 2;
    return true;
}

bool cli_option_unsigned(const cli_args *args, const char *name, uint64_t max, uint64_t fallback, uint64_t *out)
{
    const char *text = cli_get(args, name);
    if (text == NULL) {
        *out = fallback;
        return true;
    }
    return cli_parse_unsigned(args->command, name, text, max, out);
}

bool cli_option_u32(const cli_args *args, const char *name, uint32_t fallback, uint32_t *out)
{
    uint64_t value;
    if (!cli_option_unsigned(args, name, UINT32_MAX, fallback, &value))
        return false;
    *out = (uint32_t)value;
    return true;
}

bool cli_option_word(const cli_args *args, const char *name, const scenario_words *words, uint32_t fallback,
                     uint32_t *out)
{
    const char *text = cli_get(args, name);
    if (text == NULL) {
        *out = fallback;
        return true;
    }
    return cli_parse_word(args->command, name, text, words, out);
}

bool cli_option_word_list(const cli_args *args, const char *name, const scenario_words *words, uint32_t fallback,
                          uint32_t *out)
{
    const char *text = cli_get(args, name);
    if (text == NULL) {
        *out = fallback;
        return true;
    }
    return cli_parse_word_list(args->command, name, text, words, out);
}

bool cli_option_datetime(const cli_args *args, const char *name, bool *given, int64_t *unix_ms)
{
    const char *text = cli_get(args, name);
    *given = text != NULL;
    if (text == NULL)
        return true;
    return cli_parse_datetime(args->command, name, text, unix_ms);
}
