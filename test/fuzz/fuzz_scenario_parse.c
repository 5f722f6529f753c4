/*
 * fuzz_scenario_parse.c - libFuzzer target: any bytes, as the text of a scenario file, through the
 * scenario parser and validator (sim/runner/scenario_parse*.c, scenario_yaml.c).
 *
 * Scenario files are the runner's outside input: users write them by hand, and `kssim run` reads
 * whatever path it is given. Whatever the bytes, parsing must end with a scenario that is either valid
 * or carries diagnostics, never a crash, and free every byte it took (a leak is a finding). The
 * diagnostics and the canonical rendering of every step are produced too, since both walk the whole AST;
 * so are, for a valid file, each step's rendering on every level it runs on (values written per release
 * resolve there) and the check that every such level has an entry.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "runner/scenario.h"
#include "runner/scenario_render.h"

static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    sink = fopen("/dev/null", "w");
    return sink == NULL ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    scenario *parsed = scenario_parse_text("fuzz.yaml", (const char *)data, size);
    if (parsed == NULL)
        return 0; /* out of memory: the parser's only NULL */
    if (scenario_is_valid(parsed)) {
        for (size_t i = 0; i < parsed->step_count; i++)
            free(scenario_render_arguments(&parsed->steps[i]));
        int levels[SCENARIO_API_LEVEL_COUNT_MAX] = {34};
        size_t level_count = parsed->api_level_count > 0 ? parsed->api_level_count : 1;
        for (size_t l = 0; l < parsed->api_level_count; l++)
            levels[l] = parsed->api_levels[l];
        (void)scenario_covers_levels(parsed, levels, level_count, sink);
        for (size_t l = 0; l < level_count; l++)
            for (size_t i = 0; i < parsed->step_count; i++)
                free(scenario_render_arguments_at(&parsed->steps[i], levels[l]));
    } else {
        scenario_print_diagnostics(parsed, sink);
    }
    scenario_free(parsed);
    return 0;
}
