/*
 * scenario_parser.h - what the parser's pieces share while one file is read: the scenario being
 * built, its arena, and the way errors are reported.
 *
 * Errors do not stop validation: each one is recorded with its position and the walk goes on, so a
 * user sees every mistake in a file at once instead of fixing them one run at a time.
 */
#ifndef SIM_RUNNER_SCENARIO_PARSER_H
#define SIM_RUNNER_SCENARIO_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runner/scenario.h"
#include "runner/scenario_arena.h"

typedef struct scenario_parser {
    scenario *scenario;
    scenario_arena *arena;
    size_t diagnostic_capacity;
    size_t slot_capacity;
    bool out_of_memory;
} scenario_parser;

/* Records "message" at position; the message should say what is wrong and what is accepted. */
void scenario_report(scenario_parser *parser, scenario_position position, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Arena helpers that remember a failure, so callers can simply stop on NULL. */
void *scenario_parser_alloc(scenario_parser *parser, size_t count, size_t size);
char *scenario_parser_printf(scenario_parser *parser, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* ---- Names defined with as: (scenario_names.c) ---- */

/* "an operation", "a token", ...: what a name stands for, in messages. */
const char *scenario_slot_kind_phrase(scenario_slot_kind kind);
/* "operation", "token", ...: the same without the article. */
const char *scenario_slot_kind_noun(scenario_slot_kind kind);
/* The index of the slot of that name, or -1. */
long scenario_find_slot(const scenario *scenario, const char *name);
/* Defines a name; reports a name already defined. Returns the slot index, or -1. */
long scenario_define_slot(scenario_parser *parser, const char *name, scenario_slot_kind kind,
                          scenario_position position, size_t step_index, uint32_t purpose);
/* "op, op2": the names of that kind defined so far, or "none yet". */
const char *scenario_slot_names(scenario_parser *parser, scenario_slot_kind kind);

#endif
