/*
 * run_shard.c - the shard a unit of a run belongs to (run_shard.h): a hash of a name that is the same on
 * every machine, so that the N jobs of a CI matrix agree on the split without talking to each other.
 *
 * FNV-1a is used because it is tiny, has no seed and is defined byte by byte (no endianness, no platform
 * word size), and 64 bits make the remainder mod N even for any N we allow.
 */
#include "runner/run_shard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FNV1A64_OFFSET_BASIS 0xcbf29ce484222325ULL
#define FNV1A64_PRIME        0x100000001b3ULL

static uint64_t fnv1a64_bytes(uint64_t hash, const char *text)
{
    for (const unsigned char *c = (const unsigned char *)text; *c != '\0'; c++) {
        hash ^= *c;
        hash *= FNV1A64_PRIME;
    }
    return hash;
}

uint64_t run_shard_hash(const char *name, int api_level)
{
    uint64_t hash = fnv1a64_bytes(FNV1A64_OFFSET_BASIS, name);
    if (api_level > 0) {
        char suffix[16];
        snprintf(suffix, sizeof(suffix), "@%d", api_level);
        hash = fnv1a64_bytes(hash, suffix);
    }
    return hash;
}

bool run_shard_selects(const run_shard *shard, const char *name, int api_level)
{
    if (shard == NULL || shard->count == 0)
        return true;
    return run_shard_hash(name, api_level) % shard->count == shard->index - 1;
}

/* A decimal number of 1 to 4 digits and nothing else; 0 when it is not one. */
static unsigned read_count(const char *text, size_t length)
{
    if (length == 0 || length > 4)
        return 0;
    unsigned value = 0;
    for (size_t i = 0; i < length; i++) {
        if (text[i] < '0' || text[i] > '9')
            return 0;
        value = value * 10 + (unsigned)(text[i] - '0');
    }
    return value;
}

bool run_shard_parse(const char *text, run_shard *shard, char *error, size_t error_size)
{
    const char *slash = strchr(text, '/');
    unsigned index = slash != NULL ? read_count(text, (size_t)(slash - text)) : 0;
    unsigned count = slash != NULL ? read_count(slash + 1, strlen(slash + 1)) : 0;
    if (index == 0 || count == 0) {
        snprintf(error, error_size, "'%.40s' is not a shard; write K/N with 1 <= K <= N, e.g. 2/3 for the second of 3",
                 text);
        return false;
    }
    if (count > RUN_SHARD_COUNT_MAX) {
        snprintf(error, error_size, "%u shards are more than the %d supported; split into fewer", count,
                 RUN_SHARD_COUNT_MAX);
        return false;
    }
    if (index > count) {
        snprintf(error, error_size, "shard %u of %u does not exist; K of K/N runs from 1 to N (%u here)", index, count,
                 count);
        return false;
    }
    shard->index = index;
    shard->count = count;
    return true;
}
