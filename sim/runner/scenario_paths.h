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
    size_t count;
    size_t capacity;
} scenario_path_list;

/* Files are taken as given; directories contribute every *.yaml and *.yml below them, sorted by path
 * bytewise so the order is the same on every machine. Problems (a missing path, a directory without
 * scenarios) are written to err; false if there was any. */
bool scenario_paths_collect(const char *const *arguments, size_t count, scenario_path_list *list, FILE *err);
void scenario_paths_free(scenario_path_list *list);

#endif
