/*
 * growable_array.h - the one way the simulator grows a realloc'd array by one item: the key database,
 * the operation table, the token cache, KeyMint's usage records, the stored image's keys, run records.
 */
#ifndef SIM_CORE_GROWABLE_ARRAY_H
#define SIM_CORE_GROWABLE_ARRAY_H

#include <stddef.h>

/* The array `items` (count items of item_size bytes, room for *capacity) with room for one more: items
 * itself while there is room, otherwise a realloc to twice *capacity (first_capacity for an empty one), and
 * *capacity updated. NULL when there is no memory: items and *capacity are then as they were, so the
 * caller still owns and frees items. Doubling keeps the cost of n appends at O(n). */
void *sim_array_with_room_for_one_more(void *items, size_t count, size_t *capacity, size_t item_size,
                                       size_t first_capacity);

#endif
