/*
 * scenario_yaml.c - turns libyaml's events into the position-carrying tree of scenario_yaml.h.
 *
 * The tree is built with an explicit stack bounded by SCENARIO_MAX_DEPTH, so hostile nesting is
 * refused without recursion, and anchors and aliases are refused outright rather than expanded.
 */
#include "runner/scenario_yaml.h"

#include <string.h>
#include <yaml.h>

typedef struct open_collection {
    scenario_node *node;
    size_t capacity;
} open_collection;

typedef struct tree_builder {
    scenario_parser *parser;
    const char *text;
    size_t length;
    scenario_node *root;
    size_t documents;
    open_collection stack[SCENARIO_MAX_DEPTH];
    size_t depth;
} tree_builder;

static scenario_position position_of_mark(yaml_mark_t mark)
{
    scenario_position position = {(uint32_t)mark.line + 1, (uint32_t)mark.column + 1};
    return position;
}

/* libyaml gives reader errors (bad UTF-8, control characters) as a byte offset, not a mark. */
static scenario_position position_of_offset(const char *text, size_t length, size_t offset)
{
    scenario_position position = {1, 1};
    for (size_t i = 0; i < offset && i < length; i++) {
        if (text[i] == '\n') {
            position.line++;
            position.column = 1;
        } else {
            position.column++;
        }
    }
    return position;
}

static void report_libyaml_error(tree_builder *builder, const yaml_parser_t *yaml)
{
    scenario_parser *parser = builder->parser;
    switch (yaml->error) {
    case YAML_MEMORY_ERROR:
        parser->out_of_memory = true;
        return;
    case YAML_READER_ERROR:
        scenario_report(parser, position_of_offset(builder->text, builder->length, yaml->problem_offset),
                        "not a YAML text file: %s (0x%02X); scenarios are UTF-8 text",
                        yaml->problem ? yaml->problem : "unreadable input", (unsigned)yaml->problem_value);
        return;
    default:
        if (yaml->context != NULL)
            scenario_report(parser, position_of_mark(yaml->problem_mark), "YAML syntax error: %s %s (at %u:%u)",
                            yaml->problem ? yaml->problem : "unexpected input", yaml->context,
                            (unsigned)yaml->context_mark.line + 1, (unsigned)yaml->context_mark.column + 1);
        else
            scenario_report(parser, position_of_mark(yaml->problem_mark), "YAML syntax error: %s",
                            yaml->problem ? yaml->problem : "unexpected input");
        return;
    }
}

static bool attach_node(tree_builder *builder, scenario_node *node)
{
    if (builder->depth == 0) {
        builder->root = node;
        return true;
    }
    open_collection *parent = &builder->stack[builder->depth - 1];
    if (parent->node->count == parent->capacity) {
        size_t capacity = parent->capacity == 0 ? 8 : parent->capacity * 2;
        scenario_node **grown = scenario_parser_alloc(builder->parser, capacity, sizeof(*grown));
        if (grown == NULL)
            return false;
        if (parent->node->count > 0)
            memcpy(grown, parent->node->items, parent->node->count * sizeof(*grown));
        parent->node->items = grown;
        parent->capacity = capacity;
    }
    parent->node->items[parent->node->count++] = node;
    return true;
}

static scenario_node *new_node(tree_builder *builder, scenario_node_kind kind, yaml_mark_t mark)
{
    scenario_node *node = scenario_parser_alloc(builder->parser, 1, sizeof(*node));
    if (node == NULL)
        return NULL;
    node->kind = kind;
    node->position = position_of_mark(mark);
    return node;
}

/* Anchors and tags change what a value means in ways a scenario never needs; refusing them keeps
 * every value exactly what is written. */
static bool refuse_anchor_and_tag(tree_builder *builder, const yaml_event_t *event, const yaml_char_t *anchor,
                                  const yaml_char_t *tag)
{
    scenario_position position = position_of_mark(event->start_mark);
    if (anchor != NULL) {
        scenario_report(builder->parser, position,
                        "anchor '&%s' is not accepted: scenarios do not use anchors or aliases; write the value out",
                        (const char *)anchor);
        return false;
    }
    if (tag != NULL) {
        scenario_report(builder->parser, position,
                        "tag '%s' is not accepted: scenario values are written without YAML tags", (const char *)tag);
        return false;
    }
    return true;
}

static bool open_collection_node(tree_builder *builder, const yaml_event_t *event, scenario_node_kind kind)
{
    if (builder->depth == SCENARIO_MAX_DEPTH) {
        scenario_report(builder->parser, position_of_mark(event->start_mark),
                        "nesting deeper than %d levels: a scenario needs only a few levels of maps and lists",
                        SCENARIO_MAX_DEPTH);
        return false;
    }
    scenario_node *node = new_node(builder, kind, event->start_mark);
    if (node == NULL || !attach_node(builder, node))
        return false;
    builder->stack[builder->depth].node = node;
    builder->stack[builder->depth].capacity = 0;
    builder->depth++;
    return true;
}

static bool add_scalar(tree_builder *builder, const yaml_event_t *event)
{
    scenario_node *node = new_node(builder, SCENARIO_NODE_SCALAR, event->start_mark);
    if (node == NULL)
        return false;
    node->length = event->data.scalar.length;
    node->text = scenario_arena_copy(builder->parser->arena, (const char *)event->data.scalar.value, node->length);
    if (node->text == NULL) {
        builder->parser->out_of_memory = true;
        return false;
    }
    node->plain = event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    return attach_node(builder, node);
}

/* Handles one event; false stops the walk (an error was reported or memory ran out). */
static bool handle_event(tree_builder *builder, const yaml_event_t *event)
{
    switch (event->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++builder->documents > 1) {
            scenario_report(builder->parser, position_of_mark(event->start_mark),
                            "a second YAML document: a scenario file holds exactly one (remove the '---' "
                            "separator or split the file)");
            return false;
        }
        return true;
    case YAML_ALIAS_EVENT:
        scenario_report(builder->parser, position_of_mark(event->start_mark),
                        "alias '*%s' is not accepted: scenarios do not use anchors or aliases; write the value out",
                        (const char *)event->data.alias.anchor);
        return false;
    case YAML_SCALAR_EVENT:
        return refuse_anchor_and_tag(builder, event, event->data.scalar.anchor, event->data.scalar.tag) &&
               add_scalar(builder, event);
    case YAML_SEQUENCE_START_EVENT:
        return refuse_anchor_and_tag(builder, event, event->data.sequence_start.anchor,
                                     event->data.sequence_start.tag) &&
               open_collection_node(builder, event, SCENARIO_NODE_LIST);
    case YAML_MAPPING_START_EVENT:
        return refuse_anchor_and_tag(builder, event, event->data.mapping_start.anchor, event->data.mapping_start.tag) &&
               open_collection_node(builder, event, SCENARIO_NODE_MAP);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        if (builder->depth > 0) {
            open_collection *closed = &builder->stack[builder->depth - 1];
            if (closed->node->kind == SCENARIO_NODE_MAP)
                closed->node->count /= 2;
            builder->depth--;
        }
        return true;
    default:
        return true;
    }
}

scenario_node *scenario_yaml_load(scenario_parser *parser, const char *text, size_t length)
{
    tree_builder builder = {.parser = parser, .text = text, .length = length};
    yaml_parser_t yaml;
    if (!yaml_parser_initialize(&yaml)) {
        parser->out_of_memory = true;
        return NULL;
    }
    yaml_parser_set_input_string(&yaml, (const unsigned char *)text, length);
    bool ok = true;
    bool done = false;
    while (ok && !done) {
        yaml_event_t event;
        if (!yaml_parser_parse(&yaml, &event)) {
            report_libyaml_error(&builder, &yaml);
            ok = false;
            break;
        }
        done = event.type == YAML_STREAM_END_EVENT;
        ok = handle_event(&builder, &event) && !parser->out_of_memory;
        yaml_event_delete(&event);
    }
    yaml_parser_delete(&yaml);
    if (!ok)
        return NULL;
    if (builder.root == NULL) {
        scenario_position start = {1, 1};
        scenario_report(parser, start, "empty file: a scenario is a map with at least 'name' and 'steps'");
        return NULL;
    }
    return builder.root;
}

const scenario_node *scenario_map_key(const scenario_node *map, size_t pair)
{
    return map->items[2 * pair];
}

const scenario_node *scenario_map_value(const scenario_node *map, size_t pair)
{
    return map->items[2 * pair + 1];
}

bool scenario_node_is_null(const scenario_node *node)
{
    if (node->kind != SCENARIO_NODE_SCALAR || !node->plain)
        return false;
    return node->length == 0 || strcmp(node->text, "~") == 0 || strcmp(node->text, "null") == 0 ||
           strcmp(node->text, "Null") == 0 || strcmp(node->text, "NULL") == 0;
}

const char *scenario_node_kind_name(const scenario_node *node)
{
    switch (node->kind) {
    case SCENARIO_NODE_MAP:
        return "a map";
    case SCENARIO_NODE_LIST:
        return "a list";
    default:
        return "a scalar";
    }
}
