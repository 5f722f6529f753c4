/*
 * scenario_arena.c - the bump allocator behind a parsed scenario (see scenario_arena.h).
 *
 * Blocks are chained and only ever appended to; a request larger than the usual block gets a block of
 * its own, so big strings (PEM keys) do not waste the rest of a block.
 */
#include "runner/scenario_arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK_BYTES 8192u

typedef struct arena_block {
    struct arena_block *next;
    size_t size;
    size_t used;
    alignas(max_align_t) unsigned char data[];
} arena_block;

struct scenario_arena {
    arena_block *blocks;
};

scenario_arena *scenario_arena_create(void)
{
    return calloc(1, sizeof(scenario_arena));
}

void scenario_arena_destroy(scenario_arena *arena)
{
    if (arena == NULL)
        return;
    arena_block *block = arena->blocks;
    while (block != NULL) {
        arena_block *next = block->next;
        free(block);
        block = next;
    }
    free(arena);
}

static size_t round_up_to_alignment(size_t size)
{
    size_t alignment = alignof(max_align_t);
    return (size + alignment - 1) / alignment * alignment;
}

static arena_block *arena_add_block(scenario_arena *arena, size_t size)
{
    arena_block *block = malloc(sizeof(arena_block) + size);
    if (block == NULL)
        return NULL;
    block->size = size;
    block->used = 0;
    block->next = arena->blocks;
    arena->blocks = block;
    return block;
}

void *scenario_arena_alloc(scenario_arena *arena, size_t size)
{
    if (size > SIZE_MAX / 2)
        return NULL;
    size_t rounded = round_up_to_alignment(size == 0 ? 1 : size);
    arena_block *block = arena->blocks;
    if (block == NULL || block->size - block->used < rounded) {
        block = arena_add_block(arena, rounded > ARENA_BLOCK_BYTES ? rounded : ARENA_BLOCK_BYTES);
        if (block == NULL)
            return NULL;
    }
    void *memory = block->data + block->used;
    block->used += rounded;
    memset(memory, 0, rounded);
    return memory;
}

void *scenario_arena_array(scenario_arena *arena, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    return scenario_arena_alloc(arena, count * size);
}

char *scenario_arena_copy(scenario_arena *arena, const char *text, size_t length)
{
    if (length == SIZE_MAX)
        return NULL;
    char *copy = scenario_arena_alloc(arena, length + 1);
    if (copy != NULL && length > 0)
        memcpy(copy, text, length);
    return copy;
}

char *scenario_arena_vprintf(scenario_arena *arena, const char *format, va_list args)
{
    va_list measure;
    va_copy(measure, args);
    int length = vsnprintf(NULL, 0, format, measure);
    va_end(measure);
    if (length < 0)
        return NULL;
    char *text = scenario_arena_alloc(arena, (size_t)length + 1);
    if (text != NULL)
        vsnprintf(text, (size_t)length + 1, format, args);
    return text;
}

char *scenario_arena_printf(scenario_arena *arena, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *text = scenario_arena_vprintf(arena, format, args);
    va_end(args);
    return text;
}
