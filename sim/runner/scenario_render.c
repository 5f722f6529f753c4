/*
 * scenario_render.c - joins a step's canonical argument spellings (made by the parser) into the ARGS
 * part of a transcript line.
 */
#include "runner/scenario_render.h"

#include <stdlib.h>
#include <string.h>

char *scenario_render_arguments(const scenario_step *step)
{
    size_t length = 1;
    for (size_t i = 0; i < step->arg_count; i++)
        length += strlen(scenario_key_name(step->args[i].key)) + strlen(step->args[i].canonical) + 2;
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
        strcat(rendered, arg->canonical);
    }
    return rendered;
}
