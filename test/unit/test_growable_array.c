/*
 * test_growable_array.c - sim_array_with_room_for_one_more (sim/core/growable_array.c), the one growth rule
 * of the simulator's realloc'd arrays: room is kept, a full array doubles, an empty one starts at the
 * given size, and a size whose byte count overflows leaves the array and its capacity as they were.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "core/growable_array.h"

static void an_array_with_room_is_returned_as_it_is(void **state)
{
    (void)state;
    int *items = malloc(4 * sizeof(*items));
    assert_non_null(items);
    size_t capacity = 4;
    assert_ptr_equal(sim_array_with_room_for_one_more(items, 3, &capacity, sizeof(*items), 8), items);
    assert_int_equal(capacity, 4);
    free(items);
}

static void an_empty_array_starts_at_the_first_capacity_and_a_full_one_doubles(void **state)
{
    (void)state;
    int *items = NULL;
    size_t capacity = 0, count = 0;
    size_t seen[4];
    for (size_t step = 0; step < 4; step++) {
        for (;;) {
            int *grown = sim_array_with_room_for_one_more(items, count, &capacity, sizeof(*items), 3);
            assert_non_null(grown);
            items = grown;
            if (count == capacity)
                fail_msg("no room after growing");
            items[count] = (int)count;
            count++;
            if (count == capacity)
                break;
        }
        seen[step] = capacity;
    }
    assert_int_equal(seen[0], 3);
    assert_int_equal(seen[1], 6);
    assert_int_equal(seen[2], 12);
    assert_int_equal(seen[3], 24);
    /* The items written before each growth are still there after it. */
    for (size_t i = 0; i < count; i++)
        assert_int_equal(items[i], (int)i);
    free(items);
}

static void a_size_that_overflows_leaves_the_array_as_it_was(void **state)
{
    (void)state;
    int *items = malloc(sizeof(*items));
    assert_non_null(items);
    items[0] = 7;
    size_t capacity = 1;
    assert_null(sim_array_with_room_for_one_more(items, 1, &capacity, SIZE_MAX / 2 + 1, 8));
    assert_int_equal(capacity, 1);
    assert_int_equal(items[0], 7);
    free(items);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_array_with_room_is_returned_as_it_is),
        cmocka_unit_test(an_empty_array_starts_at_the_first_capacity_and_a_full_one_doubles),
        cmocka_unit_test(a_size_that_overflows_leaves_the_array_as_it_was),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
