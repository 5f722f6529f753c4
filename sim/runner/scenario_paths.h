/*
 * scenario_paths.h - turning `kssim run` arguments (files and directories) into the list of
 * scenario files to run, in a stable order.
 */
#ifndef SIM_RUNNER_SCENARIO_PATHS_H
#define SIM_RUNNER_SCENARIO_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct scenario_path_list {
    char **paths;
    /* Per path, where its shard name starts (run_shard.h): the part below the directory argument that found
     * it, or a file argument's base name. */
    size_t *shard_name_offsets;
    size_t count;
    size_t capacity, offsets_capacity;
} scenario_path_list;

/* The name a file is sharded by (run_shard.h): a suffix of its path. */
const char *scenario_paths_shard_name(const scenario_path_list *list, size_t index);

/* Files are taken as given; directories contribute every *.yaml and *.yml below them, sorted by path
 * bytewise so the order is the same on every machine. Problems (a missing path, a directory without
 * scenarios) are written to err; false if there was any. */
bool scenario_paths_collect(const char *const *arguments, size_t count, scenario_path_list *list, FILE *err);
void scenario_paths_free(scenario_path_list *list);

#endif
