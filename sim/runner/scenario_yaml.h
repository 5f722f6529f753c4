/*
 * scenario_yaml.h - a YAML document as a small tree of scalars, maps and lists, each node with its
 * position.
 *
 * libyaml's event stream is turned into this tree so that validation can look at a map's keys in
 * any order and point at any node. Only the part of YAML that scenarios need is accepted: one
 * document, no anchors or aliases (so a "billion laughs" file is refused at its first anchor), no
 * tags, and nesting at most SCENARIO_MAX_DEPTH deep.
 */
#ifndef SIM_RUNNER_SCENARIO_YAML_H
#define SIM_RUNNER_SCENARIO_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include "runner/scenario_parser.h"

typedef enum scenario_node_kind {
    SCENARIO_NODE_SCALAR,
    SCENARIO_NODE_MAP,
    SCENARIO_NODE_LIST,
} scenario_node_kind;

typedef struct scenario_node {
    scenario_node_kind kind;
    scenario_position position;
    /* scalars */
    const char *text; /* NUL-terminated; length counts any NUL inside */
    size_t length;
    bool plain; /* written without quotes: only plain scalars can be null */
    /* lists: items[0..count); maps: count pairs, items[2i] the key and items[2i+1] its value */
    struct scenario_node **items;
    size_t count;
} scenario_node;

/* Builds the tree of the single document in text; NULL after reporting why it could not. */
scenario_node *scenario_yaml_load(scenario_parser *parser, const char *text, size_t length);

const scenario_node *scenario_map_key(const scenario_node *map, size_t pair);
const scenario_node *scenario_map_value(const scenario_node *map, size_t pair);

/* A plain empty scalar, "~" or "null": YAML's ways of writing nothing. */
bool scenario_node_is_null(const scenario_node *node);
/* "a map", "a list", "a scalar": for messages about wrong types. */
const char *scenario_node_kind_name(const scenario_node *node);

#endif
