/*
 * scenario_suggest.h - "did you mean ...?" for misspelt keys, steps and words.
 *
 * A typo in a scenario is the most common error; naming the intended word (and listing the accepted
 * ones) turns the error into its own fix.
 */
#ifndef SIM_RUNNER_SCENARIO_SUGGEST_H
#define SIM_RUNNER_SCENARIO_SUGGEST_H

#include <stddef.h>

#include "runner/scenario_parser.h"

/* Longest list a message offers; every vocabulary of the format is shorter. */
#define SCENARIO_SUGGEST_MAX 64

/* The candidate close enough to word (ignoring case, counting swapped letters as one edit) to be a
 * likely typo; NULL when none is. */
const char *scenario_suggest(const char *word, const char *const *candidates, size_t count);

/* "did you mean 'x'? " when there is a suggestion, else "": ready to paste into a message. */
const char *scenario_suggestion_phrase(scenario_parser *parser, const char *word, const char *const *candidates,
                                       size_t count);

/* "a, b, c". */
const char *scenario_join(scenario_parser *parser, const char *const *words, size_t count);

#endif
