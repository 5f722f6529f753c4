/*
 * scenario_steps.h - the table that defines the scenario format: for each step, whether it is written
 * as a scalar or a map, and each argument's name, type, vocabulary and whether it is required.
 *
 * Validation, canonical rendering and error messages are all driven by this table, so adding an
 * argument is one line here plus its use in the runner.
 */
#ifndef SIM_RUNNER_SCENARIO_STEPS_H
#define SIM_RUNNER_SCENARIO_STEPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runner/scenario.h"
#include "runner/scenario_words.h"

typedef enum scenario_arg_type {
    SCENARIO_ARG_TEXT,       /* any scalar, taken as written */
    SCENARIO_ARG_HEX,        /* hex digits, decoded to bytes */
    SCENARIO_ARG_UNSIGNED,   /* a whole number from minimum to maximum */
    SCENARIO_ARG_DURATION,   /* 250ms, 30s, 5m, 2h, 1d */
    SCENARIO_ARG_DATETIME,   /* YYYY-MM-DDTHH:MM:SSZ */
    SCENARIO_ARG_BOOL,       /* true | false */
    SCENARIO_ARG_WORD,       /* one word of words */
    SCENARIO_ARG_WORD_LIST,  /* a list of words of words, as a bit set */
    SCENARIO_ARG_CHALLENGE,  /* a 64-bit number or the name of an operation */
    SCENARIO_ARG_SID,        /* a word of words (root | biometric) or a 64-bit number */
    SCENARIO_ARG_REFERENCE,  /* the name of something of kind slot, defined by an earlier as: */
    SCENARIO_ARG_DEFINITION, /* as: a new name for what this step makes */
    SCENARIO_ARG_MAP,        /* a nested map of members */
    SCENARIO_ARG_API_LEVELS, /* a modelled API level, or a list of them: [30, 34] */
} scenario_arg_type;

typedef struct scenario_arg_spec {
    scenario_key key;
    scenario_arg_type type;
    bool required;
    /* Nonzero: arguments sharing the number are alternatives (data | data_hex); at most one may be
     * given, and when one of them is required, one of them must be. */
    unsigned alternatives;
    uint64_t minimum, maximum; /* UNSIGNED */
    const scenario_words *words;
    scenario_slot_kind slot; /* REFERENCE; DEFINITION: what the name will stand for */
    size_t text_maximum;     /* TEXT: the longest accepted, in bytes; 0 = any length */
    bool shown_as_size;      /* TEXT: the transcript shows "(N bytes)" instead (PEM keys) */
    const struct scenario_arg_spec *members;
    size_t member_count;
    /* The value may also be written per Android release, {30: X, 31..: Y} (SCENARIO_VALUE_BY_LEVEL). */
    bool by_level;
} scenario_arg_spec;

typedef struct scenario_step_spec {
    const char *name;
    /* Written as `name: VALUE` (advance: 30s); args[0] describes the value; example shows the form. */
    bool scalar;
    const char *example;
    bool takes_expect; /* expect_key asserts through state/reason instead */
    const scenario_arg_spec *args;
    size_t arg_count;
} scenario_step_spec;

extern const scenario_step_spec scenario_step_specs[SCENARIO_ACTION_COUNT];

/* The top level and its device map (steps, a list, is parsed on its own). */
extern const scenario_arg_spec scenario_file_specs[];
extern const size_t scenario_file_spec_count;

#endif
