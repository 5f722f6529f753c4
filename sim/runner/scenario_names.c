/*
 * scenario_names.c - the names that steps define with `as:` and later steps refer to.
 *
 * Names are resolved while parsing, in file order, so a reference to a name that no earlier step
 * defines (or that stands for something else) is an error of the file, found before anything runs.
 */
#include <string.h>

#include "runner/scenario_parser.h"
#include "runner/scenario_suggest.h"

const char *scenario_slot_kind_phrase(scenario_slot_kind kind)
{
    switch (kind) {
    case SCENARIO_SLOT_OPERATION:
        return "an operation";
    case SCENARIO_SLOT_TOKEN:
        return "a token";
    case SCENARIO_SLOT_SIGNATURE:
        return "a signature";
    case SCENARIO_SLOT_CIPHERTEXT:
        return "a ciphertext";
    case SCENARIO_SLOT_SNAPSHOT:
        return "a snapshot";
    default:
        return "an operation's output";
    }
}

const char *scenario_slot_kind_noun(scenario_slot_kind kind)
{
    const char *phrase = scenario_slot_kind_phrase(kind);
    return strchr(phrase, ' ') + 1;
}

long scenario_find_slot(const scenario *scenario, const char *name)
{
    for (size_t i = 0; i < scenario->slot_count; i++)
        if (strcmp(scenario->slots[i].name, name) == 0)
            return (long)i;
    return -1;
}

long scenario_define_slot(scenario_parser *parser, const char *name, scenario_slot_kind kind,
                          scenario_position position, size_t step_index, uint32_t purpose)
{
    scenario *scenario = parser->scenario;
    long existing = scenario_find_slot(scenario, name);
    if (existing >= 0) {
        const scenario_slot *slot = &scenario->slots[existing];
        scenario_report(parser, position, "'%s' is already defined at %u:%u (%s); each as: needs a new name", name,
                        (unsigned)slot->position.line, (unsigned)slot->position.column,
                        scenario_slot_kind_phrase(slot->kind));
        return -1;
    }
    if (scenario->slot_count == parser->slot_capacity) {
        size_t capacity = parser->slot_capacity == 0 ? 8 : parser->slot_capacity * 2;
        scenario_slot *grown = scenario_parser_alloc(parser, capacity, sizeof(*grown));
        if (grown == NULL)
            return -1;
        if (scenario->slot_count > 0)
            memcpy(grown, scenario->slots, scenario->slot_count * sizeof(*grown));
        scenario->slots = grown;
        parser->slot_capacity = capacity;
    }
    scenario_slot *slot = &scenario->slots[scenario->slot_count];
    slot->name = name;
    slot->kind = kind;
    slot->position = position;
    slot->step_index = step_index;
    slot->purpose = purpose;
    return (long)scenario->slot_count++;
}

const char *scenario_slot_names(scenario_parser *parser, scenario_slot_kind kind)
{
    const char *names[SCENARIO_SUGGEST_MAX];
    size_t count = 0;
    for (size_t i = 0; i < parser->scenario->slot_count && count < SCENARIO_SUGGEST_MAX; i++)
        if (parser->scenario->slots[i].kind == kind)
            names[count++] = parser->scenario->slots[i].name;
    return count == 0 ? "none yet" : scenario_join(parser, names, count);
}
