/*
 * scenario_render.c - joins a step's canonical argument spellings (made by the parser) into the ARGS
 * part of a transcript line.
 */
#include "runner/scenario_render.h"

#include <stdlib.h>
#include <string.h>

/* The spelling of arg on api_level (0: as written). */
static const char *canonical_at(const scenario_arg *arg, int api_level)
{
    const scenario_arg *value = api_level != 0 ? scenario_arg_at_level(arg, api_level) : arg;
    return value != NULL ? value->canonical : arg->canonical;
}

static char *render(const scenario_step *step, int api_level)
{
    size_t length = 1;
    for (size_t i = 0; i < step->arg_count; i++)
        length += strlen(scenario_key_name(step->args[i].key)) + strlen(canonical_at(&step->args[i], api_level)) + 2;
    char *rendered = calloc(1, length);
    if (rendered == NULL)
        return NULL;
    for (size_t i = 0; i < step->arg_count; i++) {
        const scenario_arg *arg = &step->args[i];
        if (i > 0)
            strcat(rendered, " ");
        if (arg->key != SCENARIO_KEY_VALUE) {
            strcat(rendered, scenario_key_name(arg->key));
            strcat(rendered, "=");
        }
        strcat(rendered, canonical_at(arg, api_level));
    }
    return rendered;
}

char *scenario_render_arguments(const scenario_step *step)
{
    return render(step, 0);
}

char *scenario_render_arguments_at(const scenario_step *step, int api_level)
{
    return render(step, api_level);
}
