/*
 * test_run_shard.c - `kssim run --shard K/N` (sim/runner/run_shard.c): the hash is FNV-1a 64 as published, the
 * shards of a list are disjoint and together the whole list, a file's shard name does not depend on how its
 * directory was spelt, and K/N is read strictly. test_report_merge.c runs shards through the runner.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner/run_shard.h"
#include "runner/scenario_paths.h"

#define NAME_COUNT 60

static void name_of(size_t i, char *name, size_t size)
{
    snprintf(name, size, "dir%zu/scenario-%zu.yaml", i % 4, i * 7919);
}

/* The published FNV-1a 64 test values: the empty string is the offset basis; "a" and "foobar". */
static void test_the_hash_is_fnv1a_64(void **state)
{
    (void)state;
    assert_int_equal(run_shard_hash("", 0), 0xcbf29ce484222325ULL);
    assert_int_equal(run_shard_hash("a", 0), 0xaf63dc4c8601ec8cULL);
    assert_int_equal(run_shard_hash("foobar", 0), 0x85944171f73967e8ULL);
    /* With a level, the name continues with "@L". */
    assert_int_equal(run_shard_hash("foo", 30), run_shard_hash("foo@30", 0));
    assert_true(run_shard_hash("foo", 30) != run_shard_hash("foo", 34));
}

/* Every name is in exactly one of the N shards, for several N, and no shard of a long list is empty. */
static void test_shards_are_disjoint_and_cover_everything(void **state)
{
    (void)state;
    for (unsigned count = 1; count <= 7; count++) {
        size_t per_shard[8] = {0};
        for (size_t i = 0; i < NAME_COUNT; i++) {
            char name[64];
            name_of(i, name, sizeof(name));
            unsigned holders = 0;
            for (unsigned index = 1; index <= count; index++) {
                run_shard shard = {.index = index, .count = count};
                if (run_shard_selects(&shard, name, i % 3 == 0 ? 30 : 0)) {
                    holders++;
                    per_shard[index]++;
                }
            }
            assert_int_equal(holders, 1);
        }
        for (unsigned index = 1; index <= count; index++)
            assert_true(per_shard[index] > 0);
    }
    run_shard unsharded = {0};
    assert_true(run_shard_selects(&unsharded, "anything.yaml", 0));
    assert_true(run_shard_selects(NULL, "anything.yaml", 30));
}

static void write_file(const char *path)
{
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs("name: x\nsteps:\n  - lock: {}\n", file);
    fclose(file);
}

/* The shard name is the path below the directory argument, however the directory was written, and a file
 * argument's base name: the same on every machine and checkout. */
static void test_the_shard_name_is_the_path_below_the_argument(void **state)
{
    (void)state;
    char root[] = "/tmp/kssim-shard-XXXXXX", sub[64], file[96];
    assert_non_null(mkdtemp(root));
    snprintf(sub, sizeof(sub), "%s/sub", root);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(file, sizeof(file), "%s/sub/b.yaml", root);
    write_file(file);
    snprintf(file, sizeof(file), "%s/a.yaml", root);
    write_file(file);
    char slashed[64];
    snprintf(slashed, sizeof(slashed), "%s/", root);
    const char *spellings[] = {root, slashed};
    for (size_t s = 0; s < 2; s++) {
        scenario_path_list list = {0};
        const char *arguments[] = {spellings[s]};
        assert_true(scenario_paths_collect(arguments, 1, &list, stderr));
        assert_int_equal(list.count, 2);
        assert_string_equal(scenario_paths_shard_name(&list, 0), "a.yaml");
        assert_string_equal(scenario_paths_shard_name(&list, 1), "sub/b.yaml");
        scenario_paths_free(&list);
    }
    scenario_path_list list = {0};
    const char *arguments[] = {file};
    assert_true(scenario_paths_collect(arguments, 1, &list, stderr));
    assert_string_equal(scenario_paths_shard_name(&list, 0), "a.yaml");
    scenario_paths_free(&list);
    unlink(file);
    snprintf(file, sizeof(file), "%s/sub/b.yaml", root);
    unlink(file);
    rmdir(sub);
    rmdir(root);
}

static void test_k_of_n_is_read_strictly(void **state)
{
    (void)state;
    run_shard shard = {0};
    char error[200];
    assert_true(run_shard_parse("2/3", &shard, error, sizeof(error)));
    assert_int_equal(shard.index, 2);
    assert_int_equal(shard.count, 3);
    assert_true(run_shard_parse("1/1", &shard, error, sizeof(error)));
    const char *refused[] = {"0/3", "4/3", "3", "/3", "2/", "a/b", "1/0", "1/1001", "2/3x", "-1/3", "1//3", ""};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        error[0] = '\0';
        assert_false(run_shard_parse(refused[i], &shard, error, sizeof(error)));
        assert_true(strlen(error) > 10);
    }
    assert_false(run_shard_parse("4/3", &shard, error, sizeof(error)));
    assert_non_null(strstr(error, "K of K/N runs from 1 to N"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_hash_is_fnv1a_64),
        cmocka_unit_test(test_shards_are_disjoint_and_cover_everything),
        cmocka_unit_test(test_the_shard_name_is_the_path_below_the_argument),
        cmocka_unit_test(test_k_of_n_is_read_strictly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
