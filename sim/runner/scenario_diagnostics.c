/*
 * scenario_diagnostics.c - recording and printing the errors found in a scenario file.
 *
 * Every message is printed as "FILE:LINE:COL: message", the form editors and CI logs turn into a
 * link to the offending spot.
 */
#include <stdarg.h>
#include <string.h>

#include "runner/scenario_parser.h"

void *scenario_parser_alloc(scenario_parser *parser, size_t count, size_t size)
{
    void *memory = scenario_arena_array(parser->arena, count, size);
    if (memory == NULL)
        parser->out_of_memory = true;
    return memory;
}

char *scenario_parser_printf(scenario_parser *parser, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *text = scenario_arena_vprintf(parser->arena, format, args);
    va_end(args);
    if (text == NULL)
        parser->out_of_memory = true;
    return text;
}

static bool diagnostics_make_room(scenario_parser *parser)
{
    scenario *scenario = parser->scenario;
    if (scenario->diagnostic_count < parser->diagnostic_capacity)
        return true;
    size_t capacity = parser->diagnostic_capacity == 0 ? 8 : parser->diagnostic_capacity * 2;
    scenario_diagnostic *grown = scenario_parser_alloc(parser, capacity, sizeof(*grown));
    if (grown == NULL)
        return false;
    if (scenario->diagnostic_count > 0)
        memcpy(grown, scenario->diagnostics, scenario->diagnostic_count * sizeof(*grown));
    scenario->diagnostics = grown;
    parser->diagnostic_capacity = capacity;
    return true;
}

void scenario_report(scenario_parser *parser, scenario_position position, const char *format, ...)
{
    if (!diagnostics_make_room(parser))
        return;
    va_list args;
    va_start(args, format);
    char *message = scenario_arena_vprintf(parser->arena, format, args);
    va_end(args);
    if (message == NULL) {
        parser->out_of_memory = true;
        return;
    }
    scenario_diagnostic *diagnostic = &parser->scenario->diagnostics[parser->scenario->diagnostic_count++];
    diagnostic->position = position;
    diagnostic->message = message;
}

bool scenario_is_valid(const scenario *scenario)
{
    return scenario->diagnostic_count == 0;
}

void scenario_print_diagnostics(const scenario *scenario, FILE *stream)
{
    for (size_t i = 0; i < scenario->diagnostic_count; i++) {
        const scenario_diagnostic *diagnostic = &scenario->diagnostics[i];
        if (diagnostic->position.line == 0)
            fprintf(stream, "%s: %s\n", scenario->path, diagnostic->message);
        else
            fprintf(stream, "%s:%u:%u: %s\n", scenario->path, (unsigned)diagnostic->position.line,
                    (unsigned)diagnostic->position.column, diagnostic->message);
    }
}
