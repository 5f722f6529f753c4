/*
 * scenario_suggest.c - nearest-word suggestions (optimal string alignment distance) and word lists for
 * error messages.
 */
#include "runner/scenario_suggest.h"

#include <ctype.h>
#include <string.h>

#define SUGGEST_WORD_MAX 64

static int lower(char c)
{
    return tolower((unsigned char)c);
}

static size_t minimum(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* Edit distance where an adjacent swap costs one edit, as in "timout"/"timeotu". */
static size_t edit_distance(const char *a, size_t a_length, const char *b, size_t b_length)
{
    size_t before[SUGGEST_WORD_MAX + 1], previous[SUGGEST_WORD_MAX + 1], current[SUGGEST_WORD_MAX + 1];
    for (size_t j = 0; j <= b_length; j++)
        previous[j] = j;
    for (size_t j = 0; j <= b_length; j++)
        before[j] = j;
    for (size_t i = 1; i <= a_length; i++) {
        current[0] = i;
        for (size_t j = 1; j <= b_length; j++) {
            size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
            size_t best = minimum(minimum(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]))
                best = minimum(best, before[j - 2] + 1);
            current[j] = best;
        }
        memcpy(before, previous, sizeof(previous));
        memcpy(previous, current, sizeof(current));
    }
    return previous[b_length];
}

const char *scenario_suggest(const char *word, const char *const *candidates, size_t count)
{
    size_t word_length = strlen(word);
    if (word_length == 0 || word_length > SUGGEST_WORD_MAX)
        return NULL;
    const char *best = NULL;
    size_t best_distance = SIZE_MAX;
    for (size_t i = 0; i < count; i++) {
        size_t candidate_length = strlen(candidates[i]);
        if (candidate_length > SUGGEST_WORD_MAX)
            continue;
        size_t distance = edit_distance(word, word_length, candidates[i], candidate_length);
        size_t allowed = candidate_length <= 4 ? 1 : candidate_length <= 8 ? 2 : 3;
        if (distance <= allowed && distance < best_distance) {
            best = candidates[i];
            best_distance = distance;
        }
    }
    return best;
}

const char *scenario_suggestion_phrase(scenario_parser *parser, const char *word, const char *const *candidates,
                                       size_t count)
{
    const char *suggestion = scenario_suggest(word, candidates, count);
    if (suggestion == NULL)
        return "";
    const char *phrase = scenario_parser_printf(parser, "did you mean '%s'? ", suggestion);
    return phrase != NULL ? phrase : "";
}

const char *scenario_join(scenario_parser *parser, const char *const *words, size_t count)
{
    size_t length = 1;
    for (size_t i = 0; i < count; i++)
        length += strlen(words[i]) + 2;
    char *joined = scenario_parser_alloc(parser, length, 1);
    if (joined == NULL)
        return "";
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            strcat(joined, ", ");
        strcat(joined, words[i]);
    }
    return joined;
}
