/*
 * scenario_parse.c - reading a scenario file and validating its top level (name, seed, device,
 * steps); the steps themselves are checked by scenario_parse_step.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/scenario_parse_args.h"
#include "runner/scenario_parse_step.h"

static void apply_device(scenario *scenario, const scenario_arg *device)
{
    for (size_t i = 0; i < device->member_count; i++) {
        const scenario_arg *member = &device->members[i];
        switch (member->key) {
        case SCENARIO_KEY_API_LEVEL:
            scenario->has_api_level = true;
            scenario->api_level = (int)member->number;
            scenario->api_level_count = 0;
            for (size_t j = 0; j < member->member_count && j < SCENARIO_API_LEVEL_COUNT_MAX; j++)
                scenario->api_levels[scenario->api_level_count++] = (int)member->members[j].number;
            break;
        case SCENARIO_KEY_SECURITY_LEVEL:
            scenario->has_security_level = true;
            scenario->security_level = (kssim_security_level)member->number;
            break;
        case SCENARIO_KEY_WALL_CLOCK:
            scenario->has_wall_clock = true;
            scenario->wall_clock_ms = member->time_ms;
            break;
        default:
            break;
        }
    }
}

static bool apply_top_level(scenario_parser *parser, const scenario_map_request *request)
{
    scenario *scenario = parser->scenario;
    bool ok = true;
    for (size_t i = 0; i < request->arg_count; i++) {
        const scenario_arg *arg = &request->args[i];
        switch (arg->key) {
        case SCENARIO_KEY_NAME:
            if (arg->length == 0 || strlen(arg->text) != arg->length) {
                scenario_report(parser, arg->position, "'name' must be a non-empty line of text");
                ok = false;
            }
            scenario->name = arg->text;
            break;
        case SCENARIO_KEY_DESCRIPTION:
            scenario->description = arg->text;
            break;
        case SCENARIO_KEY_SEED:
            scenario->has_seed = true;
            scenario->seed = arg->number;
            break;
        case SCENARIO_KEY_DEVICE:
            apply_device(scenario, arg);
            break;
        default:
            break;
        }
    }
    return ok;
}

static void validate_document(scenario_parser *parser, const scenario_node *root)
{
    if (root->kind != SCENARIO_NODE_MAP) {
        scenario_report(parser, root->position, "the top level must be a map with 'name' and 'steps', not %s",
                        scenario_node_kind_name(root));
        return;
    }
    scenario_map_request request = {.where = "the top level",
                                    .specs = scenario_file_specs,
                                    .spec_count = scenario_file_spec_count,
                                    .extra_key = "steps"};
    scenario_parse_map(parser, root, root->position, &request);
    apply_top_level(parser, &request);
    if (request.extra_value == NULL)
        scenario_report(parser, root->position, "the top level needs 'steps': a list of steps");
    else
        scenario_parse_steps(parser, request.extra_value);
}

/* A scenario with its arena, ready to collect diagnostics. */
static scenario *scenario_create(const char *path)
{
    scenario_arena *arena = scenario_arena_create();
    if (arena == NULL)
        return NULL;
    scenario *created = scenario_arena_alloc(arena, sizeof(*created));
    const char *path_copy = scenario_arena_copy(arena, path, strlen(path));
    if (created == NULL || path_copy == NULL) {
        scenario_arena_destroy(arena);
        return NULL;
    }
    created->arena = arena;
    created->path = path_copy;
    created->name = "";
    return created;
}

static scenario *finish_parse(scenario_parser *parser)
{
    if (parser->out_of_memory) {
        scenario_free(parser->scenario);
        return NULL;
    }
    return parser->scenario;
}

scenario *scenario_parse_text(const char *path, const char *text, size_t length)
{
    scenario_parser parser = {.scenario = scenario_create(path)};
    if (parser.scenario == NULL)
        return NULL;
    parser.arena = parser.scenario->arena;
    const scenario_node *root = scenario_yaml_load(&parser, text, length);
    if (root != NULL && !parser.out_of_memory)
        validate_document(&parser, root);
    return finish_parse(&parser);
}

/* Reads at most SCENARIO_MAX_FILE_BYTES + 1 bytes, so an oversized file is noticed without reading it all. */
static char *read_file(const char *path, size_t *length, int *error)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        *error = errno;
        return NULL;
    }
    char *buffer = malloc(SCENARIO_MAX_FILE_BYTES + 1);
    if (buffer == NULL) {
        fclose(file);
        *error = ENOMEM;
        return NULL;
    }
    *length = fread(buffer, 1, SCENARIO_MAX_FILE_BYTES + 1, file);
    *error = ferror(file) ? EIO : 0;
    fclose(file);
    if (*error != 0) {
        free(buffer);
        return NULL;
    }
    return buffer;
}

scenario *scenario_parse_file(const char *path)
{
    size_t length = 0;
    int error = 0;
    char *text = read_file(path, &length, &error);
    scenario_position nowhere = {0, 0};
    if (text == NULL || length > SCENARIO_MAX_FILE_BYTES) {
        free(text);
        scenario_parser parser = {.scenario = scenario_create(path)};
        if (parser.scenario == NULL)
            return NULL;
        parser.arena = parser.scenario->arena;
        if (error != 0)
            scenario_report(&parser, nowhere, "cannot read the file: %s", strerror(error));
        else
            scenario_report(&parser, (scenario_position){1, 1},
                            "the file is larger than %u bytes: scenarios are small text files",
                            SCENARIO_MAX_FILE_BYTES);
        return finish_parse(&parser);
    }
    scenario *parsed = scenario_parse_text(path, text, length);
    free(text);
    return parsed;
}

void scenario_free(scenario *scenario)
{
    if (scenario != NULL)
        scenario_arena_destroy(scenario->arena);
}

const scenario_arg *scenario_step_find(const scenario_step *step, scenario_key key)
{
    for (size_t i = 0; i < step->arg_count; i++)
        if (step->args[i].key == key)
            return &step->args[i];
    return NULL;
}

const scenario_arg *scenario_arg_find(const scenario_arg *map, scenario_key key)
{
    for (size_t i = 0; i < map->member_count; i++)
        if (map->members[i].key == key)
            return &map->members[i];
    return NULL;
}
