/*
 * scenario_parse_args.c - typed parsing of argument maps and values, driven by the format's table.
 *
 * Each value's canonical spelling is made here, once, so the transcript shows the same text for every
 * way of writing the same value (0x10 and 16 aside: hex stays hex, as challenges are read and printed).
 */
#include "runner/scenario_parse_args.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "runner/scenario_levels.h"
#include "runner/scenario_suggest.h"
#include "runner/scenario_values.h"

static const char *word_list(scenario_parser *parser, const scenario_words *words)
{
    const char *names[SCENARIO_SUGGEST_MAX];
    size_t count = 0;
    for (size_t i = 0; i < words->count && count < SCENARIO_SUGGEST_MAX; i++)
        names[count++] = words->words[i].name;
    return scenario_join(parser, names, count);
}

static const char *spec_key_list(scenario_parser *parser, const scenario_arg_spec *specs, size_t count,
                                 const char *extra_key, const char **names)
{
    size_t total = 0;
    for (size_t i = 0; i < count && total < SCENARIO_SUGGEST_MAX - 1; i++)
        names[total++] = scenario_key_name(specs[i].key);
    if (extra_key != NULL)
        names[total++] = extra_key;
    return scenario_join(parser, names, total);
}

/* What a value of this spec looks like, for "must be ..." messages. */
static const char *expected_form(scenario_parser *parser, const scenario_arg_spec *spec)
{
    switch (spec->type) {
    case SCENARIO_ARG_TEXT:
        return "a string";
    case SCENARIO_ARG_HEX:
        return "hex data, e.g. \"00ff\"";
    case SCENARIO_ARG_UNSIGNED:
        return scenario_parser_printf(parser, "a whole number from %" PRIu64 " to %" PRIu64, spec->minimum,
                                      spec->maximum);
    case SCENARIO_ARG_DURATION:
        return "a duration, e.g. 30s";
    case SCENARIO_ARG_DATETIME:
        return "a date-time, e.g. \"2026-01-01T00:00:00Z\"";
    case SCENARIO_ARG_BOOL:
        return "true or false";
    case SCENARIO_ARG_WORD:
        return scenario_parser_printf(parser, "one of %s", word_list(parser, spec->words));
    case SCENARIO_ARG_WORD_LIST:
        return scenario_parser_printf(parser, "a list drawn from %s, e.g. [%s]", word_list(parser, spec->words),
                                      spec->words->words[0].name);
    case SCENARIO_ARG_CHALLENGE:
        return "a 64-bit number or the name of an operation";
    case SCENARIO_ARG_SID:
        return "root, biometric or a 64-bit number";
    case SCENARIO_ARG_REFERENCE:
        return scenario_parser_printf(
            parser, "the name of %s defined by an earlier as:", scenario_slot_kind_phrase(spec->slot));
    case SCENARIO_ARG_DEFINITION:
        return "a new name";
    case SCENARIO_ARG_API_LEVELS:
        return scenario_parser_printf(parser, "an API level from %s, or a list of them, e.g. [30, 34]",
                                      scenario_supported_levels());
    default: {
        const char *names[SCENARIO_SUGGEST_MAX];
        return scenario_parser_printf(parser, "a map with keys %s",
                                      spec_key_list(parser, spec->members, spec->member_count, NULL, names));
    }
    }
}

static void report_wrong_kind(scenario_parser *parser, const scenario_arg_spec *spec, const char *label,
                              const scenario_node *node)
{
    scenario_report(parser, node->position, "'%s' must be %s, not %s", label, expected_form(parser, spec),
                    scenario_node_kind_name(node));
}

/* The scalar text of node, or NULL after reporting a collection or an embedded NUL. */
static const char *scalar_text(scenario_parser *parser, const scenario_arg_spec *spec, const char *label,
                               const scenario_node *node, bool nul_allowed)
{
    if (node->kind != SCENARIO_NODE_SCALAR) {
        report_wrong_kind(parser, spec, label, node);
        return NULL;
    }
    if (!nul_allowed && strlen(node->text) != node->length) {
        scenario_report(parser, node->position, "'%s' contains a NUL character; expected %s", label,
                        expected_form(parser, spec));
        return NULL;
    }
    return node->text;
}

/* Quoted, with C-style escapes, when the text has spaces, quotes or control characters, so a
 * transcript line always splits into arguments the same way. */
static const char *canonical_text(scenario_parser *parser, const char *text, size_t length)
{
    bool quoted = length == 0;
    for (size_t i = 0; i < length && !quoted; i++) {
        unsigned char c = (unsigned char)text[i];
        quoted = c <= 0x20 || c == 0x7f || c == '"' || c == '\\';
    }
    if (!quoted)
        return text;
    char *out = scenario_parser_alloc(parser, length * 4 + 3, 1);
    if (out == NULL)
        return "";
    size_t n = 0;
    out[n++] = '"';
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '"' || c == '\\') {
            out[n++] = '\\';
            out[n++] = (char)c;
        } else if (c == '\n') {
            out[n++] = '\\';
            out[n++] = 'n';
        } else if (c == '\t') {
            out[n++] = '\\';
            out[n++] = 't';
        } else if (c < 0x20 || c == 0x7f) {
            n += (size_t)snprintf(out + n, 5, "\\x%02x", c);
        } else {
            out[n++] = (char)c;
        }
    }
    out[n++] = '"';
    out[n] = '\0';
    return out;
}

static bool parse_text(scenario_parser *parser, const scenario_arg_spec *spec, const char *label,
                       const scenario_node *node, scenario_arg *arg)
{
    if (scalar_text(parser, spec, label, node, spec->key == SCENARIO_KEY_DATA) == NULL)
        return false;
    if (spec->text_maximum != 0 && node->length > spec->text_maximum) {
        scenario_report(parser, node->position, "'%s' is %zu bytes long; at most %zu are accepted", label, node->length,
                        spec->text_maximum);
        return false;
    }
    arg->kind = SCENARIO_VALUE_TEXT;
    arg->text = node->text;
    arg->length = node->length;
    arg->canonical = spec->shown_as_size ? scenario_parser_printf(parser, "(%zu bytes)", node->length)
                                         : canonical_text(parser, node->text, node->length);
    return true;
}

static bool parse_hex(scenario_parser *parser, const scenario_arg_spec *spec, const char *label,
                      const scenario_node *node, scenario_arg *arg)
{
    const char *text = scalar_text(parser, spec, label, node, true);
    if (text == NULL)
        return false;
    uint8_t *bytes = scenario_parser_alloc(parser, node->length / 2 + 1, 1);
    char error[SCENARIO_ERROR_MAX];
    if (bytes == NULL)
        return false;
    if (!scenario_parse_hex(text, node->length, bytes, error, sizeof(error))) {
        scenario_report(parser, node->position, "'%s': %s", label, error);
        return false;
    }
    arg->kind = SCENARIO_VALUE_BYTES;
    arg->text = (const char *)bytes;
    arg->length = node->length / 2;
    char *canonical = scenario_parser_alloc(parser, node->length + 3, 1);
    if (canonical == NULL)
        return false;
    if (arg->length == 0)
        strcpy(canonical, "\"\"");
    for (size_t i = 0; i < arg->length; i++)
        snprintf(canonical + 2 * i, 3, "%02x", bytes[i]);
    arg->canonical = canonical;
    return true;
}

static bool parse_number(scenario_parser *parser, const scenario_arg_spec *spec, const char *label,
                         const scenario_node *node, scenario_arg *arg)
{
    const char *text = scalar_text(parser, spec, label, node, false);
    if (text == NULL)
        return false;
    char error[SCENARIO_ERROR_MAX];
    bool hex = false;
    uint64_t maximum = spec->type == SCENARIO_ARG_UNSIGNED ? spec->maximum : UINT64_MAX;
    if (!scenario_parse_unsigned(text, maximum, &arg->number, &hex, error, sizeof(error))) {
        /* A number above a range that does not start at 0 (api_level) is told the range itself. */
        uint64_t any;
        char unused[SCENARIO_ERROR_MAX];
        if (spec->minimum > 0 && scenario_parse_unsigned(text, UINT64_MAX, &any, NULL, unused, sizeof(unused)))
            scenario_report(parser, node->position, "'%s': %s is too large; expected %s", label, text,
                            expected_form(parser, spec));
        else
            scenario_report(parser, node->position, "'%s': %s", label, error);
        return false;
    }
    if (arg->number < spec->minimum) {
        scenario_report(parser, node->position, "'%s': %s is too small; expected %s", label, text,
                        expected_form(parser, spec));
        return false;
    }
    arg->kind = SCENARIO_VALUE_NUMBER;
    arg->canonical = hex ? scenario_parser_printf(parser, "0x%" PRIx64, arg->number)
                         : scenario_parser_printf(parser, "%" PRIu64, arg->number);
    return true;
}

static bool parse_duration(scenario_parser *parser, const scenario_arg_spec *spec, const char *label,
                           const scenario_node *node, scenario_arg *arg)
{
    const char *text = scalar_text(parser, spec, label, node, false);
    char error[SCENARIO_ERROR_MAX], canonical[32];
    if (text == NULL)
        return false;
    if (!scenario_parse_duration(text, &arg->number, error, sizeof(error))) {
        scenario_report(parser, node->position, "'%s': %s", label, error);
        return false;
    }
    scenario_format_duration(arg->number, canonical, sizeof(canonical));
    arg->kind = SCENARIO_VALUE_DURATION;
    arg->canonical = scenario_parser_printf(parser, "%s", canonical);
    return true;
}

static bool parse_datetime(scenario_parser *parser, const scenario_arg_spec *spec, const char *label,
                           const scenario_node *node, scenario_arg *arg)
{
    const char *text = scalar_text(parser, spec, label, node, false);
    char error[SCENARIO_ERROR_MAX];
    if (text == NULL)
        return false;
    if (!scenario_parse_datetime(text, &arg->time_ms, error, sizeof(error))) {
        scenario_report(parser, node->position, "'%s': %s", label, error);
        return false;
    }
    char canonical[32];
    scenario_format_datetime(arg->time_ms, canonical, sizeof(canonical));
    arg->kind = SCENARIO_VALUE_DATETIME;
    arg->canonical = scenario_parser_printf(parser, "%s", canonical);
    return true;
}

static bool parse_bool(scenario_parser *parser, const scenario_arg_spec *spec, const char *label,
                       const scenario_node *node, scenario_arg *arg)
{
    const char *text = scalar_text(parser, spec, label, node, false);
    char error[SCENARIO_ERROR_MAX];
    bool value = false;
    if (text == NULL)
        return false;
    if (!scenario_parse_bool(text, &value, error, sizeof(error))) {
        scenario_report(parser, node->position, "'%s': %s", label, error);
        return false;
    }
    arg->kind = SCENARIO_VALUE_BOOL;
    arg->number = value;
    arg->canonical = value ? "true" : "false";
    return true;
}

/* One word of the spec's vocabulary from a scalar node; NULL after reporting. */
static const scenario_word *find_word(scenario_parser *parser, const scenario_arg_spec *spec, const char *label,
                                      const scenario_node *node)
{
    const char *text = scalar_text(parser, spec, label, node, false);
    if (text == NULL)
        return NULL;
    const scenario_word *word = scenario_words_find(spec->words, text);
    if (word == NULL) {
        const char *names[SCENARIO_SUGGEST_MAX];
        size_t count = 0;
        for (size_t i = 0; i < spec->words->count && count < SCENARIO_SUGGEST_MAX; i++)
            names[count++] = spec->words->words[i].name;
        scenario_report(parser, node->position, "unknown %s '%.64s' in '%s' (%saccepted: %s)", spec->words->what, text,
                        label, scenario_suggestion_phrase(parser, text, names, count),
                        scenario_join(parser, names, count));
    }
    return word;
}

static bool parse_word(scenario_parser *parser, const scenario_arg_spec *spec, const char *label,
                       const scenario_node *node, scenario_arg *arg)
{
    const scenario_word *word = find_word(parser, spec, label, node);
    if (word == NULL)
        return false;
    arg->kind = SCENARIO_VALUE_WORD;
    arg->number = word->value;
    arg->text = word->name;
    arg->canonical = word->name;
    return true;
}

static bool parse_word_list(scenario_parser *parser, const scenario_arg_spec *spec, const char *label,
                            const scenario_node *node, scenario_arg *arg)
{
    if (node->kind != SCENARIO_NODE_LIST) {
        report_wrong_kind(parser, spec, label, node);
        return false;
    }
    const char *names[SCENARIO_SUGGEST_MAX];
    size_t count = 0;
    bool ok = true;
    arg->number = 0;
    for (size_t i = 0; i < node->count; i++) {
        const scenario_word *word = find_word(parser, spec, label, node->items[i]);
        if (word == NULL) {
            ok = false;
            continue;
        }
        if (arg->number & word->value) {
            scenario_report(parser, node->items[i]->position, "'%s' lists %s '%s' twice", label, spec->words->what,
                            word->name);
            ok = false;
            continue;
        }
        arg->number |= word->value;
        names[count++] = word->name;
    }
    if (!ok)
        return false;
    const char *joined = scenario_join(parser, names, count);
    size_t length = strlen(joined);
    char *canonical = scenario_parser_alloc(parser, length + 3, 1);
    if (canonical == NULL)
        return false;
    /* "[a, b]" without the spaces, so a transcript argument never contains one. */
    size_t n = 0;
    canonical[n++] = '[';
    for (size_t i = 0; i < length; i++)
        if (joined[i] != ' ')
            canonical[n++] = joined[i];
    canonical[n++] = ']';
    canonical[n] = '\0';
    arg->kind = SCENARIO_VALUE_WORDS;
    arg->canonical = canonical;
    return true;
}

static bool starts_with_digit(const char *text)
{
    return text[0] >= '0' && text[0] <= '9';
}

/* A name referring to an earlier as: of the given kind. */
static bool parse_reference(scenario_parser *parser, scenario_slot_kind kind, const char *label,
                            const scenario_node *node, scenario_arg *arg)
{
    const char *name = node->text;
    long index = scenario_find_slot(parser->scenario, name);
    if (index < 0) {
        scenario_report(parser, node->position,
                        "'%s' refers to '%.64s', which no earlier step defines with as: (%s names defined so far: %s)",
                        label, name, scenario_slot_kind_noun(kind), scenario_slot_names(parser, kind));
        return false;
    }
    const scenario_slot *slot = &parser->scenario->slots[index];
    if (slot->kind != kind) {
        scenario_report(parser, node->position, "'%s' refers to '%s', which is %s (as: at %u:%u), not %s", label, name,
                        scenario_slot_kind_phrase(slot->kind), (unsigned)slot->position.line,
                        (unsigned)slot->position.column, scenario_slot_kind_phrase(kind));
        return false;
    }
    arg->kind = SCENARIO_VALUE_NAME;
    arg->number = (uint64_t)index;
    arg->text = name;
    arg->canonical = name;
    return true;
}

static bool parse_named_value(scenario_parser *parser, const scenario_arg_spec *spec, const char *label,
                              const scenario_node *node, scenario_arg *arg)
{
    const char *text = scalar_text(parser, spec, label, node, false);
    if (text == NULL)
        return false;
    switch (spec->type) {
    case SCENARIO_ARG_CHALLENGE:
        return starts_with_digit(text) ? parse_number(parser, spec, label, node, arg)
                                       : parse_reference(parser, SCENARIO_SLOT_OPERATION, label, node, arg);
    case SCENARIO_ARG_SID:
        return starts_with_digit(text) ? parse_number(parser, spec, label, node, arg)
                                       : parse_word(parser, spec, label, node, arg);
    case SCENARIO_ARG_REFERENCE:
        return parse_reference(parser, spec->slot, label, node, arg);
    default: {
        char error[SCENARIO_ERROR_MAX];
        if (!scenario_check_name(text, error, sizeof(error))) {
            scenario_report(parser, node->position, "'%s': %s", label, error);
            return false;
        }
        arg->kind = SCENARIO_VALUE_NAME;
        arg->text = text;
        arg->canonical = text;
        return true;
    }
    }
}

static bool parse_nested_map(scenario_parser *parser, const scenario_arg_spec *spec, const char *label,
                             const scenario_node *node, scenario_arg *arg)
{
    if (node->kind != SCENARIO_NODE_MAP) {
        report_wrong_kind(parser, spec, label, node);
        return false;
    }
    scenario_map_request request = {.where = label, .specs = spec->members, .spec_count = spec->member_count};
    bool ok = scenario_parse_map(parser, node, node->position, &request);
    arg->kind = SCENARIO_VALUE_MAP;
    arg->members = request.args;
    arg->member_count = request.arg_count;
    size_t length = 3;
    for (size_t i = 0; i < request.arg_count; i++)
        length += strlen(scenario_key_name(request.args[i].key)) + strlen(request.args[i].canonical) + 2;
    char *canonical = scenario_parser_alloc(parser, length, 1);
    if (canonical == NULL)
        return false;
    strcat(canonical, "{");
    for (size_t i = 0; i < request.arg_count; i++) {
        if (i > 0)
            strcat(canonical, ",");
        strcat(canonical, scenario_key_name(request.args[i].key));
        strcat(canonical, "=");
        strcat(canonical, request.args[i].canonical);
    }
    strcat(canonical, "}");
    arg->canonical = canonical;
    return ok;
}

/* One level of an api_level value, reported at its node. */
static bool parse_one_level(scenario_parser *parser, const scenario_arg_spec *spec, const char *label,
                            const scenario_node *node, scenario_arg *level)
{
    const char *text = scalar_text(parser, spec, label, node, false);
    char error[SCENARIO_ERROR_MAX];
    int api_level = 0;
    if (text == NULL)
        return false;
    if (!scenario_parse_api_level(text, &api_level, error, sizeof(error))) {
        scenario_report(parser, node->position, "'%s': %s", label, error);
        return false;
    }
    level->key = spec->key;
    level->position = node->position;
    level->kind = SCENARIO_VALUE_NUMBER;
    level->number = (uint64_t)api_level;
    level->canonical = scenario_parser_printf(parser, "%d", api_level);
    return level->canonical != NULL;
}

/* api_level: 30, or [30, 34]: the scenario runs once per level listed. */
static bool parse_api_levels(scenario_parser *parser, const scenario_arg_spec *spec, const char *label,
                             const scenario_node *node, scenario_arg *arg)
{
    if (node->kind == SCENARIO_NODE_MAP) {
        report_wrong_kind(parser, spec, label, node);
        return false;
    }
    size_t count = node->kind == SCENARIO_NODE_LIST ? node->count : 1;
    if (count == 0) {
        scenario_report(parser, node->position, "'%s' is an empty list; name at least one level, e.g. [30, 34]", label);
        return false;
    }
    if (count > SCENARIO_API_LEVEL_COUNT_MAX) {
        scenario_report(parser, node->position, "'%s' lists %zu levels; kssim models %s, each may be listed once",
                        label, count, scenario_supported_levels());
        return false;
    }
    scenario_arg *levels = scenario_parser_alloc(parser, count, sizeof(*levels));
    if (levels == NULL)
        return false;
    bool ok = true;
    for (size_t i = 0; i < count; i++) {
        const scenario_node *item = node->kind == SCENARIO_NODE_LIST ? node->items[i] : node;
        if (!parse_one_level(parser, spec, label, item, &levels[i])) {
            ok = false;
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            if (levels[j].canonical != NULL && levels[j].number == levels[i].number) {
                scenario_report(
                    parser, item->position, "'%s' lists API level %d twice (first at %u:%u); list each once", label,
                    (int)levels[i].number, (unsigned)levels[j].position.line, (unsigned)levels[j].position.column);
                ok = false;
            }
        }
    }
    if (!ok)
        return false;
    arg->kind = SCENARIO_VALUE_API_LEVELS;
    arg->members = levels;
    arg->member_count = count;
    arg->number = levels[0].number;
    if (node->kind != SCENARIO_NODE_LIST) {
        arg->canonical = levels[0].canonical;
        return true;
    }
    const char *names[SCENARIO_API_LEVEL_COUNT_MAX];
    for (size_t i = 0; i < count; i++)
        names[i] = levels[i].canonical;
    const char *joined = scenario_join(parser, names, count);
    char *canonical = scenario_parser_alloc(parser, strlen(joined) + 3, 1);
    if (canonical == NULL)
        return false;
    size_t n = 0;
    canonical[n++] = '[';
    for (const char *c = joined; *c != '\0'; c++)
        if (*c != ' ')
            canonical[n++] = *c;
    canonical[n++] = ']';
    canonical[n] = '\0';
    arg->canonical = canonical;
    return true;
}

bool scenario_parse_level_keys(scenario_parser *parser, const scenario_node *map, const char *label,
                               scenario_level_range *ranges)
{
    if (map->count == 0) {
        scenario_report(parser, map->position,
                        "'%s' is an empty map; written per Android release it needs entries, e.g. {30: X, 31..: Y}",
                        label);
        return false;
    }
    bool ok = true;
    bool *parsed = scenario_parser_alloc(parser, map->count, sizeof(bool));
    if (parsed == NULL)
        return false;
    for (size_t pair = 0; pair < map->count; pair++) {
        const scenario_node *key = scenario_map_key(map, pair);
        char error[SCENARIO_ERROR_MAX];
        if (key->kind != SCENARIO_NODE_SCALAR || strlen(key->text) != key->length) {
            scenario_report(parser, key->position,
                            "'%s': the keys of a per-release value are API levels or ranges (30, 31..33, ..30, 31..), "
                            "not %s",
                            label, scenario_node_kind_name(key));
            ok = false;
            continue;
        }
        if (!scenario_parse_level_range(key->text, &ranges[pair], error, sizeof(error))) {
            scenario_report(parser, key->position, "'%s': %s", label, error);
            ok = false;
            continue;
        }
        parsed[pair] = true;
        for (size_t earlier = 0; earlier < pair; earlier++) {
            if (!parsed[earlier] || !scenario_level_ranges_overlap(&ranges[earlier], &ranges[pair]))
                continue;
            const scenario_node *first = scenario_map_key(map, earlier);
            scenario_report(parser, key->position,
                            "'%s': levels '%s' overlap '%s' (at %u:%u); give each API level one entry", label,
                            key->text, first->text, (unsigned)first->position.line, (unsigned)first->position.column);
            ok = false;
            break;
        }
    }
    return ok;
}

/* {30: invalidated, 31..: valid}: one value per range of releases, each parsed as the spec says. */
static bool parse_by_level(scenario_parser *parser, const scenario_arg_spec *spec, const char *label,
                           const scenario_node *node, scenario_arg *arg)
{
    scenario_level_range *ranges = scenario_parser_alloc(parser, node->count + 1, sizeof(*ranges));
    scenario_arg *members = scenario_parser_alloc(parser, node->count + 1, sizeof(*members));
    if (ranges == NULL || members == NULL)
        return false;
    bool ok = scenario_parse_level_keys(parser, node, label, ranges);
    scenario_arg_spec single = *spec;
    single.by_level = false;
    size_t length = 3;
    for (size_t pair = 0; pair < node->count; pair++) {
        if (!scenario_parse_value(parser, &single, label, scenario_map_value(node, pair), &members[pair])) {
            ok = false;
            continue;
        }
        members[pair].lowest_level = ranges[pair].lowest;
        members[pair].highest_level = ranges[pair].highest;
        length += strlen(scenario_map_key(node, pair)->text) + strlen(members[pair].canonical) + 16;
    }
    if (!ok)
        return false;
    char *canonical = scenario_parser_alloc(parser, length, 1);
    if (canonical == NULL)
        return false;
    strcat(canonical, "{");
    for (size_t pair = 0; pair < node->count; pair++) {
        char levels[32];
        scenario_format_level_range(&ranges[pair], levels, sizeof(levels));
        if (pair > 0)
            strcat(canonical, ",");
        strcat(canonical, levels);
        strcat(canonical, ":");
        strcat(canonical, members[pair].canonical);
    }
    strcat(canonical, "}");
    arg->kind = SCENARIO_VALUE_BY_LEVEL;
    arg->members = members;
    arg->member_count = node->count;
    arg->canonical = canonical;
    return true;
}

/* The parser of each argument type; the named values (challenge, sid, reference, definition) share one. */
typedef bool value_parser(scenario_parser *parser, const scenario_arg_spec *spec, const char *label,
                          const scenario_node *node, scenario_arg *arg);

static value_parser *parser_of_type(scenario_arg_type type)
{
    static value_parser *const parsers[] = {
        [SCENARIO_ARG_TEXT] = parse_text,         [SCENARIO_ARG_HEX] = parse_hex,
        [SCENARIO_ARG_UNSIGNED] = parse_number,   [SCENARIO_ARG_DURATION] = parse_duration,
        [SCENARIO_ARG_DATETIME] = parse_datetime, [SCENARIO_ARG_BOOL] = parse_bool,
        [SCENARIO_ARG_WORD] = parse_word,         [SCENARIO_ARG_WORD_LIST] = parse_word_list,
        [SCENARIO_ARG_MAP] = parse_nested_map,    [SCENARIO_ARG_API_LEVELS] = parse_api_levels,
    };
    if ((size_t)type < sizeof(parsers) / sizeof(parsers[0]) && parsers[type] != NULL)
        return parsers[type];
    return parse_named_value;
}

bool scenario_parse_value(scenario_parser *parser, const scenario_arg_spec *spec, const char *label,
                          const scenario_node *node, scenario_arg *arg)
{
    arg->key = spec->key;
    arg->position = node->position;
    if (spec->by_level && node->kind == SCENARIO_NODE_MAP)
        return parse_by_level(parser, spec, label, node, arg) && !parser->out_of_memory;
    value_parser *parse = parser_of_type(spec->type);
    bool ok = parse(parser, spec, label, node, arg);
    if (arg->canonical == NULL)
        arg->canonical = "";
    return ok && !parser->out_of_memory;
}

static const scenario_arg_spec *find_spec(const scenario_map_request *request, const char *name)
{
    for (size_t i = 0; i < request->spec_count; i++)
        if (strcmp(scenario_key_name(request->specs[i].key), name) == 0)
            return &request->specs[i];
    return NULL;
}

static const scenario_arg *find_parsed(const scenario_map_request *request, scenario_key key)
{
    for (size_t i = 0; i < request->arg_count; i++)
        if (request->args[i].key == key)
            return &request->args[i];
    return NULL;
}

static bool handle_extra_key(scenario_parser *parser, scenario_map_request *request, const scenario_node *key,
                             const scenario_node *value)
{
    if (request->extra_key_node != NULL) {
        scenario_report(parser, key->position, "key '%s' is given twice in %s (first at %u:%u)", request->extra_key,
                        request->where, (unsigned)request->extra_key_node->position.line,
                        (unsigned)request->extra_key_node->position.column);
        return false;
    }
    request->extra_key_node = key;
    request->extra_value = value;
    return true;
}

/* A key written one level too high (timeout beside user_auth instead of inside it) is named with the
 * map it belongs in. */
static const char *nested_key_hint(scenario_parser *parser, const scenario_map_request *request, const char *name)
{
    for (size_t i = 0; i < request->spec_count; i++) {
        const scenario_arg_spec *spec = &request->specs[i];
        const char *names[SCENARIO_SUGGEST_MAX];
        size_t count = 0;
        for (size_t j = 0; j < spec->member_count && count < SCENARIO_SUGGEST_MAX; j++)
            names[count++] = scenario_key_name(spec->members[j].key);
        const char *suggestion = scenario_suggest(name, names, count);
        if (suggestion != NULL)
            return scenario_parser_printf(parser, "did you mean '%s' inside '%s'? ", suggestion,
                                          scenario_key_name(spec->key));
    }
    return "";
}

static void report_unknown_key(scenario_parser *parser, const scenario_map_request *request, const scenario_node *key)
{
    const char *names[SCENARIO_SUGGEST_MAX];
    const char *list = spec_key_list(parser, request->specs, request->spec_count, request->extra_key, names);
    size_t count = request->spec_count + (request->extra_key != NULL);
    const char *suggestion = scenario_suggestion_phrase(parser, key->text, names, count);
    if (suggestion[0] == '\0')
        suggestion = nested_key_hint(parser, request, key->text);
    scenario_report(parser, key->position, "unknown key '%.64s' in %s (%skeys: %s)", key->text, request->where,
                    suggestion != NULL ? suggestion : "", list);
}

/* Missing required keys, and alternatives given together or not at all. */
static bool check_presence(scenario_parser *parser, const scenario_map_request *request,
                           scenario_position missing_position, const bool *given)
{
    bool ok = true;
    for (size_t i = 0; i < request->spec_count; i++) {
        const scenario_arg_spec *spec = &request->specs[i];
        if (spec->alternatives == 0) {
            if (spec->required && !given[i]) {
                scenario_report(parser, missing_position, "%s needs '%s': %s", request->where,
                                scenario_key_name(spec->key), expected_form(parser, spec));
                ok = false;
            }
            continue;
        }
        bool first_of_group = true;
        for (size_t j = 0; j < i; j++)
            first_of_group = first_of_group && request->specs[j].alternatives != spec->alternatives;
        if (!first_of_group)
            continue;
        const char *names[SCENARIO_SUGGEST_MAX];
        size_t count = 0, present = 0;
        bool required = false;
        const scenario_arg *second = NULL;
        for (size_t j = i; j < request->spec_count; j++) {
            if (request->specs[j].alternatives != spec->alternatives)
                continue;
            names[count++] = scenario_key_name(request->specs[j].key);
            required = required || request->specs[j].required;
            if (given[j] && ++present == 2)
                second = find_parsed(request, request->specs[j].key);
        }
        const char *list = scenario_join(parser, names, count);
        if (present > 1) {
            scenario_report(parser, second != NULL ? second->position : missing_position,
                            "%s takes only one of %s: they are alternatives", request->where, list);
            ok = false;
        } else if (present == 0 && required) {
            scenario_report(parser, missing_position, "%s needs one of %s", request->where, list);
            ok = false;
        }
    }
    return ok;
}

bool scenario_parse_map(scenario_parser *parser, const scenario_node *map, scenario_position missing_position,
                        scenario_map_request *request)
{
    bool given[SCENARIO_KEY_COUNT] = {false}; /* by spec index: a map has at most one spec per key */
    bool ok = true;
    request->arg_count = 0;
    request->args = scenario_parser_alloc(parser, map->count + 1, sizeof(scenario_arg));
    if (request->args == NULL)
        return false;
    for (size_t pair = 0; pair < map->count; pair++) {
        const scenario_node *key = scenario_map_key(map, pair), *value = scenario_map_value(map, pair);
        if (key->kind != SCENARIO_NODE_SCALAR) {
            scenario_report(parser, key->position, "keys in %s must be plain words, not %s", request->where,
                            scenario_node_kind_name(key));
            ok = false;
            continue;
        }
        if (request->extra_key != NULL && strcmp(key->text, request->extra_key) == 0) {
            ok = handle_extra_key(parser, request, key, value) && ok;
            continue;
        }
        const scenario_arg_spec *spec = find_spec(request, key->text);
        if (spec == NULL) {
            report_unknown_key(parser, request, key);
            ok = false;
            continue;
        }
        size_t index = (size_t)(spec - request->specs);
        if (given[index]) {
            const scenario_arg *first = find_parsed(request, spec->key);
            scenario_report(parser, key->position, "key '%s' is given twice in %s%s", key->text, request->where,
                            first != NULL ? scenario_parser_printf(parser, " (first value at %u:%u)",
                                                                   (unsigned)first->position.line,
                                                                   (unsigned)first->position.column)
                                          : "");
            ok = false;
            continue;
        }
        given[index] = true;
        if (scenario_parse_value(parser, spec, key->text, value, &request->args[request->arg_count]))
            request->arg_count++;
        else
            ok = false;
    }
    return check_presence(parser, request, missing_position, given) && ok && !parser->out_of_memory;
}
