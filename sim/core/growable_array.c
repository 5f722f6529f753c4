/*
 * growable_array.c - growing a realloc'd array by doubling (growable_array.h).
 */
#include "core/growable_array.h"

#include <stdint.h>
#include <stdlib.h>

#include "core/invariant.h"

void *sim_array_with_room_for_one_more(void *items, size_t count, size_t *capacity, size_t item_size,
                                       size_t first_capacity)
{
    KSSIM_INVARIANT(count <= *capacity, "an array never holds more items than it has room for");
    if (count < *capacity)
        return items;
    size_t grown = *capacity ? *capacity * 2 : first_capacity;
    if (item_size != 0 && grown > SIZE_MAX / item_size)
        return NULL;
    void *bigger = realloc(items, grown * item_size);
    if (bigger == NULL)
        return NULL;
    *capacity = grown;
    return bigger;
}
