/*
 * run_shard.h - `kssim run --shard K/N`: which part of a run one of N CI jobs runs, so that N jobs run
 * disjoint parts whose union is the whole run (docs/ci.md).
 *
 * The unit is a scenario file (every level it runs on), or with --matrix a (file, API level) pair. A unit
 * belongs to shard 1 + (FNV-1a 64 of its shard name) mod N. The shard name is the file's path below the
 * directory argument that found it ("aosp/gatekeeper-throttle.yaml" for `kssim run scenarios`), or a file
 * argument's base name; with --matrix, "@L" (the level in decimal) is appended. The name depends on neither
 * the checkout's location nor the order of the files, so adding a file moves no other file between shards.
 */
#ifndef SIM_RUNNER_RUN_SHARD_H
#define SIM_RUNNER_RUN_SHARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RUN_SHARD_COUNT_MAX 1000

typedef struct run_shard {
    unsigned index; /* 1-based: K of K/N */
    unsigned count; /* N; 0 means the run is not sharded */
} run_shard;

/* Reads "K/N" (1 <= K <= N <= RUN_SHARD_COUNT_MAX); false with a sentence in error otherwise. */
bool run_shard_parse(const char *text, run_shard *shard, char *error, size_t error_size);

/* FNV-1a 64 of name, then, when api_level > 0, of "@" and the level in decimal. */
uint64_t run_shard_hash(const char *name, int api_level);

/* Whether the unit (name, api_level; api_level 0 for a whole file) is in shard; every unit is in an
 * unsharded run's (count 0). */
bool run_shard_selects(const run_shard *shard, const char *name, int api_level);

#endif
