/*
 * test_report_merge.c - shards through the runner and back (sim/runner/report_merge.c): the shards of a directory
 * run are disjoint, together the whole run, merge into the unsharded run's document byte for byte (JUnit, JSON,
 * the matrix's JSON), and adding a file moves no other file between shards; and every damaged or mismatched input
 * is refused with a sentence, exit 2, and nothing written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner/report_merge.h"
#include "runner/runner.h"

#define FILE_COUNT 12
#define SHARDS     3

typedef struct fixture {
    char directory[32];
    char paths[FILE_COUNT + 1][96];
    size_t count;
} fixture;

/* A scenario file whose second step fails on level 30 only, so that documents hold failures and levels differ. */
static void add_scenario(fixture *fixture, const char *name)
{
    char *path = fixture->paths[fixture->count];
    size_t directory_length = strlen(fixture->directory);
    memcpy(path, fixture->directory, directory_length);
    snprintf(path + directory_length, sizeof(fixture->paths[0]) - directory_length, "/%s", name);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fprintf(file,
            "name: %s\ndevice: {api_level: [30, 34]}\nsteps:\n  - set_credential: {type: pin, secret: \"1234\"}\n"
            "  - lock: {}\n    expect: {30: KEY_USER_NOT_AUTHENTICATED, 31..: ok}\n",
            name);
    fclose(file);
    fixture->count++;
}

static int set_up(void **state)
{
    fixture *made = calloc(1, sizeof(*made));
    snprintf(made->directory, sizeof(made->directory), "/tmp/kssim-merge-XXXXXX");
    assert_non_null(mkdtemp(made->directory));
    for (size_t i = 0; i < FILE_COUNT; i++) {
        char name[32];
        snprintf(name, sizeof(name), "s%02zu.yaml", i);
        add_scenario(made, name);
    }
    *state = made;
    return 0;
}

static int tear_down(void **state)
{
    fixture *made = *state;
    for (size_t i = 0; i < made->count; i++)
        unlink(made->paths[i]);
    rmdir(made->directory);
    free(made);
    return 0;
}

/* The document of `kssim run DIRECTORY [--matrix 30,34] --format FORMAT [--shard K/N]`. */
static char *run_document(const fixture *fixture, transcript_format_kind format, bool matrix, unsigned shard,
                          size_t *length)
{
    char *text = NULL;
    FILE *out = open_memstream(&text, length);
    FILE *err = fopen("/dev/null", "w");
    runner_options options = {.format = format, .matrix = matrix};
    if (matrix) {
        options.api_levels[0] = 30;
        options.api_levels[1] = 34;
        options.api_level_count = 2;
    }
    if (shard > 0)
        options.shard = (run_shard){.index = shard, .count = SHARDS};
    const char *paths[] = {fixture->directory};
    int status = runner_run_paths(paths, 1, &options, out, err);
    assert_true(status == RUNNER_EXIT_ALL_MET || status == RUNNER_EXIT_NOT_MET);
    fclose(out);
    fclose(err);
    return text;
}

static int merge(const report_merge_input *inputs, size_t count, char **text, char **errors)
{
    size_t length, error_length;
    FILE *out = open_memstream(text, &length);
    FILE *err = open_memstream(errors, &error_length);
    int status = report_merge(inputs, count, out, err);
    fclose(out);
    fclose(err);
    return status;
}

static void check_shards_merge_into_the_whole(const fixture *fixture, transcript_format_kind format, bool matrix)
{
    size_t whole_length;
    char *whole = run_document(fixture, format, matrix, 0, &whole_length);
    report_merge_input inputs[SHARDS];
    char *documents[SHARDS];
    for (unsigned k = 0; k < SHARDS; k++) {
        /* In reverse: the merge orders the runs itself. */
        documents[k] = run_document(fixture, format, matrix, SHARDS - k, &inputs[k].length);
        inputs[k].text = documents[k];
        inputs[k].name = "shard";
    }
    char *merged = NULL, *errors = NULL;
    assert_int_equal(merge(inputs, SHARDS, &merged, &errors), REPORT_MERGE_SOME_FAILED);
    assert_string_equal(errors, "");
    assert_string_equal(merged, whole);
    free(merged);
    free(errors);
    for (unsigned k = 0; k < SHARDS; k++)
        free(documents[k]);
    free(whole);
}

static void test_junit_shards_merge_into_the_whole_run(void **state)
{
    check_shards_merge_into_the_whole(*state, TRANSCRIPT_JUNIT, false);
}

static void test_json_shards_merge_into_the_whole_run(void **state)
{
    check_shards_merge_into_the_whole(*state, TRANSCRIPT_JSON, false);
}

static void test_matrix_shards_by_file_and_level_merge_into_the_whole_matrix(void **state)
{
    check_shards_merge_into_the_whole(*state, TRANSCRIPT_MATRIX_JSON, true);
}

/* Which shard ran each file (by its name in the JSON), 0 when none did; fails when two did. */
static void shards_of_files(const fixture *fixture, unsigned *shard_of)
{
    memset(shard_of, 0, sizeof(unsigned) * fixture->count);
    for (unsigned k = 1; k <= SHARDS; k++) {
        size_t length;
        char *document = run_document(fixture, TRANSCRIPT_JSON, false, k, &length);
        for (size_t i = 0; i < fixture->count; i++) {
            char needle[128];
            snprintf(needle, sizeof(needle), "\"path\": \"%s\"", fixture->paths[i]);
            if (strstr(document, needle) != NULL) {
                assert_int_equal(shard_of[i], 0);
                shard_of[i] = k;
            }
        }
        free(document);
    }
}

/* Every file runs in exactly one shard, and a new file (here one that sorts first, so every index moves) leaves
 * every other file in its shard. */
static void test_adding_a_file_moves_only_that_file(void **state)
{
    fixture *fixture = *state;
    unsigned before[FILE_COUNT + 1], after[FILE_COUNT + 1];
    shards_of_files(fixture, before);
    for (size_t i = 0; i < fixture->count; i++)
        assert_true(before[i] >= 1 && before[i] <= SHARDS);
    add_scenario(fixture, "a-new-one.yaml");
    shards_of_files(fixture, after);
    for (size_t i = 0; i < fixture->count; i++) {
        assert_true(after[i] >= 1 && after[i] <= SHARDS);
        if (i < FILE_COUNT)
            assert_int_equal(after[i], before[i]);
    }
}

/* Refused: status 2, one sentence naming the file and what is wrong, and nothing written. */
static void check_refused(const report_merge_input *inputs, size_t count, const char *expected_words)
{
    char *merged = NULL, *errors = NULL;
    assert_int_equal(merge(inputs, count, &merged, &errors), REPORT_MERGE_REFUSED);
    assert_string_equal(merged, "");
    if (strstr(errors, expected_words) == NULL)
        fail_msg("expected \"%s\" in: %s", expected_words, errors);
    assert_non_null(strstr(errors, "kssim merge-results: "));
    free(merged);
    free(errors);
}

static report_merge_input input_of(const char *name, const char *text)
{
    return (report_merge_input){.name = name, .text = text, .length = strlen(text)};
}

static void test_bad_inputs_are_refused(void **state)
{
    fixture *fixture = *state;
    size_t junit_length, json_length, matrix_length;
    char *junit = run_document(fixture, TRANSCRIPT_JUNIT, false, 1, &junit_length);
    char *json = run_document(fixture, TRANSCRIPT_JSON, false, 1, &json_length);
    char *matrix = run_document(fixture, TRANSCRIPT_MATRIX_JSON, true, 1, &matrix_length);
    check_refused(NULL, 0, "no documents given");

    report_merge_input tap = input_of("a.tap", "TAP version 13\n1..0\n");
    check_refused(&tap, 1, "a.tap: not a document merge-results joins");

    report_merge_input mixed[] = {input_of("a.xml", junit), input_of("b.json", json)};
    check_refused(mixed, 2, "b.json: is the run's JSON");
    report_merge_input mixed_json[] = {input_of("a.json", json), input_of("m.json", matrix)};
    check_refused(mixed_json, 2, "merge the documents of one format at a time");

    report_merge_input twice[] = {input_of("a.xml", junit), input_of("again.xml", junit)};
    check_refused(twice, 2, "which a.xml holds too");
    report_merge_input twice_matrix[] = {input_of("m.json", matrix), input_of("again.json", matrix)};
    check_refused(twice_matrix, 2, "which m.json holds too");

    /* Cut short, at every tenth byte: never merged, never a crash. */
    const char *documents[] = {junit, json, matrix};
    size_t lengths[] = {junit_length, json_length, matrix_length};
    for (size_t d = 0; d < 3; d++)
        for (size_t cut = 0; cut + 1 < lengths[d]; cut += 10) {
            report_merge_input shortened = {.name = "cut", .text = documents[d], .length = cut};
            char *merged = NULL, *errors = NULL;
            assert_int_equal(merge(&shortened, 1, &merged, &errors), REPORT_MERGE_REFUSED);
            assert_string_equal(merged, "");
            assert_true(strlen(errors) > 20);
            free(merged);
            free(errors);
        }

    /* Edited totals. */
    char *edited = strdup(junit);
    char *tests = strstr(edited, "tests=\"");
    tests[7] = tests[7] == '9' ? '8' : '9';
    report_merge_input edited_input = input_of("edited.xml", edited);
    check_refused(&edited_input, 1, "do not add up");
    free(edited);

    report_merge_input refused_run = input_of(
        "refused.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"kssim run\" tests=\"0\" "
                       "failures=\"0\" errors=\"0\" skipped=\"0\" time=\"0.000\">\n</testsuites>\n"
                       "<!-- not run: 1 invalid -->\n");
    check_refused(&refused_run, 1, "the run was refused");

    report_merge_input incomplete =
        input_of("incomplete.json", "{\"matrix\": [\n  ], \"complete\": false, \"passed\": 0, \"failed\": 0}\n");
    check_refused(&incomplete, 1, "marked incomplete");
    report_merge_input fraction = input_of("f.json", "{\"runs\": [], \"passed\": 0.5, \"failed\": 0}\n");
    check_refused(&fraction, 1, "fraction or exponent");
    char deep[200] = "{\"runs\": [";
    for (size_t i = strlen(deep); i < sizeof(deep) - 1; i++)
        deep[i] = '[';
    report_merge_input nested = input_of("deep.json", deep);
    check_refused(&nested, 1, "nested too deeply");
    report_merge_input wrong_shape =
        input_of("shape.json", "{\"runs\": [{\"path\": 1}], \"passed\": 0, \"failed\": 0}\n");
    check_refused(&wrong_shape, 1, "shape.json");
    free(junit);
    free(json);
    free(matrix);
}

/* The shards of a run in which every scenario passed merge with status 0; an empty shard is a document too. */
static void test_an_empty_shard_merges(void **state)
{
    (void)state;
    report_merge_input empty[] = {
        input_of("e.json", "{\"runs\": [], \"passed\": 0, \"failed\": 0}\n"),
        input_of("f.json", "{\"runs\": [], \"passed\": 0, \"failed\": 0}\n"),
    };
    char *merged = NULL, *errors = NULL;
    assert_int_equal(merge(empty, 2, &merged, &errors), REPORT_MERGE_ALL_PASSED);
    assert_string_equal(merged, "{\"runs\": [], \"passed\": 0, \"failed\": 0}\n");
    free(merged);
    free(errors);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_junit_shards_merge_into_the_whole_run, set_up, tear_down),
        cmocka_unit_test_setup_teardown(test_json_shards_merge_into_the_whole_run, set_up, tear_down),
        cmocka_unit_test_setup_teardown(test_matrix_shards_by_file_and_level_merge_into_the_whole_matrix, set_up,
                                        tear_down),
        cmocka_unit_test_setup_teardown(test_adding_a_file_moves_only_that_file, set_up, tear_down),
        cmocka_unit_test_setup_teardown(test_bad_inputs_are_refused, set_up, tear_down),
        cmocka_unit_test(test_an_empty_shard_merges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
