/*
 * scenario_arena.h - the bump allocator that holds a whole parsed scenario.
 *
 * A scenario is built once, never changed, and dropped as a whole, so its nodes, strings and tables
 * share one arena: freeing is a single call, and the parser's error paths need no clean-up.
 */
#ifndef SIM_RUNNER_SCENARIO_ARENA_H
#define SIM_RUNNER_SCENARIO_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct scenario_arena scenario_arena;

scenario_arena *scenario_arena_create(void);
void scenario_arena_destroy(scenario_arena *arena);

/* Zeroed memory aligned for any type; NULL when memory ran out (or the size overflows). */
void *scenario_arena_alloc(scenario_arena *arena, size_t size);
void *scenario_arena_array(scenario_arena *arena, size_t count, size_t size);
/* A NUL-terminated copy of length bytes (which may themselves contain NUL). */
char *scenario_arena_copy(scenario_arena *arena, const char *text, size_t length);
char *scenario_arena_printf(scenario_arena *arena, const char *format, ...) __attribute__((format(printf, 2, 3)));
char *scenario_arena_vprintf(scenario_arena *arena, const char *format, va_list args);

#endif
