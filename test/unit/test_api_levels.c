/*
 * test_api_levels.c - Android API levels as the simulator accepts them: the one table of modelled releases
 * and KSSIM_API_LEVEL_MIN/MAX agree; level and range syntax (30, 31..33, ..30, 31..) and --api-level lists;
 * a device, a stored device image and a scenario file refuse a level the table does not model; and values
 * written per release resolve to the entry of the level run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/android_versions.h"
#include "framework/device.h"
#include "runner/scenario.h"
#include "runner/scenario_levels.h"
#include "runner/scenario_render.h"
#include "store/checksum.h"
#include "store/device_image.h"

static void the_table_spans_min_to_max_without_gaps(void **state)
{
    (void)state;
    size_t count = 0;
    const sim_android_release *releases = sim_android_releases(&count);
    assert_true(count > 0);
    assert_int_equal(releases[0].api_level, KSSIM_API_LEVEL_MIN);
    assert_int_equal(releases[count - 1].api_level, KSSIM_API_LEVEL_MAX);
    /* SCENARIO_API_LEVEL_COUNT_MAX bounds a list of levels: it must hold every modelled release. */
    assert_true(count <= SCENARIO_API_LEVEL_COUNT_MAX);
    for (size_t i = 1; i < count; i++)
        assert_true(releases[i].api_level > releases[i - 1].api_level);
    assert_null(sim_android_release_find(KSSIM_API_LEVEL_MIN - 1));
    assert_null(sim_android_release_find(KSSIM_API_LEVEL_MAX + 1));
}

static void levels_and_ranges_parse(void **state)
{
    (void)state;
    char error[256], text[32];
    scenario_level_range range;
    assert_true(scenario_parse_level_range("30", &range, error, sizeof(error)));
    assert_int_equal(range.lowest, 30);
    assert_int_equal(range.highest, 30);
    assert_true(scenario_parse_level_range("31..33", &range, error, sizeof(error)));
    assert_int_equal(range.lowest, 31);
    assert_int_equal(range.highest, 33);
    scenario_format_level_range(&range, text, sizeof(text));
    assert_string_equal(text, "31..33");
    assert_true(scenario_parse_level_range("..30", &range, error, sizeof(error)));
    assert_int_equal(range.lowest, KSSIM_API_LEVEL_MIN);
    assert_int_equal(range.highest, 30);
    scenario_format_level_range(&range, text, sizeof(text));
    assert_string_equal(text, "..30");
    assert_true(scenario_parse_level_range("31..", &range, error, sizeof(error)));
    assert_int_equal(range.highest, KSSIM_API_LEVEL_MAX);
    scenario_format_level_range(&range, text, sizeof(text));
    assert_string_equal(text, "31..");
    assert_true(scenario_level_range_contains(&range, 35));
    assert_false(scenario_level_range_contains(&range, 30));

    static const char *const refused[] = {"",       "..",   "22",   "36",    "0x1e",       "-30", "+30", "30.5",
                                          "31..29", "..40", "20..", "30...", "30..31..32", "abc", "30 "};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        error[0] = '\0';
        if (scenario_parse_level_range(refused[i], &range, error, sizeof(error)))
            fail_msg("'%s' was accepted as a level range", refused[i]);
        assert_true(error[0] != '\0');
    }
    assert_false(scenario_parse_level_range("36", &range, error, sizeof(error)));
    assert_non_null(strstr(error, "API level 36 is not a release kssim models; supported: 23 to 35"));

    scenario_level_range a = {23, 30}, b = {30, 31}, c = {31, 35};
    assert_true(scenario_level_ranges_overlap(&a, &b));
    assert_true(scenario_level_ranges_overlap(&b, &c));
    assert_false(scenario_level_ranges_overlap(&a, &c));
}

static void level_lists_expand_in_order(void **state)
{
    (void)state;
    int levels[SCENARIO_API_LEVEL_COUNT_MAX];
    size_t count = 0;
    char error[256];
    assert_true(scenario_parse_level_list("34,30", levels, SCENARIO_API_LEVEL_COUNT_MAX, &count, error, sizeof(error)));
    assert_int_equal(count, 2);
    assert_int_equal(levels[0], 34);
    assert_int_equal(levels[1], 30);
    assert_true(scenario_parse_level_list("..", levels, SCENARIO_API_LEVEL_COUNT_MAX, &count, error, sizeof(error)) ==
                false);
    assert_true(
        scenario_parse_level_list("33..,23", levels, SCENARIO_API_LEVEL_COUNT_MAX, &count, error, sizeof(error)));
    assert_int_equal(count, 4);
    assert_int_equal(levels[0], 33);
    assert_int_equal(levels[2], 35);
    assert_int_equal(levels[3], 23);
    assert_false(
        scenario_parse_level_list("30,31..33,32", levels, SCENARIO_API_LEVEL_COUNT_MAX, &count, error, sizeof(error)));
    assert_non_null(strstr(error, "API level 32 is named twice"));
    assert_false(scenario_parse_level_list("30,", levels, SCENARIO_API_LEVEL_COUNT_MAX, &count, error, sizeof(error)));
    assert_false(
        scenario_parse_level_list("30,99", levels, SCENARIO_API_LEVEL_COUNT_MAX, &count, error, sizeof(error)));
}

static void a_device_is_only_made_for_a_modelled_release(void **state)
{
    (void)state;
    kssim_config config;
    kssim_config_default(&config);
    assert_non_null(sim_android_release_find(config.api_level));
    static const int refused[] = {0, 22, 36, 99, -1};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        kssim_device *device = (kssim_device *)&config;
        config.api_level = refused[i];
        assert_int_equal(kssim_device_create(&config, &device), KSSIM_INVALID_ARGUMENT);
        assert_null(device);
    }
    for (int level = KSSIM_API_LEVEL_MIN; level <= KSSIM_API_LEVEL_MAX; level++) {
        kssim_device *device = NULL;
        config.api_level = level;
        assert_int_equal(kssim_device_create(&config, &device), KSSIM_OK);
        kssim_device_free(device);
    }
}

/* The state image starts with its magic (8 bytes), format version (4) and the seed (8); the API level follows,
 * big-endian (device_image.c). */
#define STATE_API_LEVEL_OFFSET (8 + 4 + 8)

static void a_stored_device_of_an_unmodelled_release_is_refused_by_name(void **state)
{
    (void)state;
    kssim_config config;
    kssim_config_default(&config);
    kssim_device *device = NULL;
    assert_int_equal(kssim_device_create(&config, &device), KSSIM_OK);
    sim_device_image image;
    assert_int_equal(sim_device_image_capture(device, &image), KSSIM_OK);
    assert_true(image.state_len > STATE_API_LEVEL_OFFSET + 4 + 4);
    /* The image as stored is accepted... */
    assert_int_equal(sim_device_image_restore(device, &image), KSSIM_OK);
    /* ...and with the level rewritten to 36, and the checksum recomputed as a tool that rewrites it would, it is
     * refused with a message naming the level instead of being decoded into a phone of unknown rules. */
    static const uint32_t stored[] = {36, 22, 99, 0xffffffffu};
    for (size_t i = 0; i < sizeof(stored) / sizeof(stored[0]); i++) {
        for (int b = 0; b < 4; b++)
            image.state[STATE_API_LEVEL_OFFSET + (size_t)b] = (uint8_t)(stored[i] >> (24 - 8 * b));
        uint32_t crc = sim_store_crc32(image.state, image.state_len - 4);
        for (int b = 0; b < 4; b++)
            image.state[image.state_len - 4 + (size_t)b] = (uint8_t)(crc >> (24 - 8 * b));
        assert_int_equal(sim_device_image_restore(device, &image), KSSIM_DEVICE_DAMAGED);
        char expected[64];
        snprintf(expected, sizeof(expected), "its API level %u is not a release", (unsigned)stored[i]);
        const char *message = kssim_device_message(device);
        if (strstr(message, expected) == NULL)
            fail_msg("stored level %u: message '%s'", (unsigned)stored[i], message);
    }
    sim_device_image_free(&image);
    kssim_device_free(device);
}

static scenario *parse(const char *text)
{
    scenario *parsed = scenario_parse_text("test.yaml", text, strlen(text));
    assert_non_null(parsed);
    if (!scenario_is_valid(parsed))
        scenario_print_diagnostics(parsed, stderr);
    assert_true(scenario_is_valid(parsed));
    return parsed;
}

static void values_written_per_release_resolve_by_level(void **state)
{
    (void)state;
    scenario *parsed = parse("name: per release\n"
                             "device: {api_level: [34, 30]}\n"
                             "steps:\n"
                             "  - generate_key: {alias: k, algorithm: ec, purposes: [sign]}\n"
                             "  - delete_key: x\n"
                             "    expect: {..30: KEY_NOT_FOUND, 31..33: any, 34: ok}\n"
                             "  - expect_key: {alias: k, state: {..30: invalidated, 31..: valid}}\n");
    assert_true(parsed->has_api_level);
    assert_int_equal(parsed->api_level_count, 2);
    assert_int_equal(parsed->api_levels[0], 34);
    assert_int_equal(parsed->api_levels[1], 30);
    assert_int_equal(parsed->api_level, 34);

    const scenario_step *delete = &parsed->steps[1];
    assert_int_equal(delete->expect_by_level_count, 3);
    bool any = true;
    kssim_result result = KSSIM_OK;
    assert_true(scenario_step_expectation_at(delete, 23, &any, &result));
    assert_false(any);
    assert_int_equal(result, KSSIM_KEY_NOT_FOUND);
    assert_true(scenario_step_expectation_at(delete, 32, &any, &result));
    assert_true(any);
    assert_true(scenario_step_expectation_at(delete, 34, &any, &result));
    assert_false(any);
    assert_int_equal(result, KSSIM_OK);
    assert_false(scenario_step_expectation_at(delete, 35, &any, &result));

    const scenario_step *expect_key = &parsed->steps[2];
    const scenario_arg *state_arg = scenario_step_find(expect_key, SCENARIO_KEY_STATE);
    assert_int_equal(state_arg->kind, SCENARIO_VALUE_BY_LEVEL);
    assert_string_equal(state_arg->canonical, "{..30:invalidated,31..:valid}");
    assert_int_equal(scenario_arg_at_level(state_arg, 30)->number, KSSIM_KEY_INVALIDATED);
    assert_int_equal(scenario_arg_at_level(state_arg, 31)->number, KSSIM_KEY_VALID);
    char *rendered = scenario_render_arguments_at(expect_key, 30);
    assert_string_equal(rendered, "alias=k state=invalidated");
    free(rendered);
    rendered = scenario_render_arguments(expect_key);
    assert_string_equal(rendered, "alias=k state={..30:invalidated,31..:valid}");
    free(rendered);

    /* Coverage: the file's own levels are covered; 35 is not, and is named. */
    static const int own[] = {30, 34}, more[] = {30, 35};
    char *text = NULL;
    size_t length = 0;
    FILE *err = open_memstream(&text, &length);
    assert_true(scenario_covers_levels(parsed, own, 2, err));
    assert_false(scenario_covers_levels(parsed, more, 2, err));
    fclose(err);
    assert_non_null(strstr(text, "test.yaml:6:14: 'expect' has no entry for API level 35, which this run covers "
                                 "(levels run: 30, 35)"));
    free(text);
    scenario_free(parsed);

    /* A plain expect is the same on every level. */
    parsed = parse("name: plain\nsteps:\n  - lock: {expect: any}\n");
    assert_true(scenario_step_expectation_at(&parsed->steps[0], 23, &any, &result));
    assert_true(any);
    assert_false(parsed->has_api_level);
    scenario_free(parsed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_table_spans_min_to_max_without_gaps),
        cmocka_unit_test(levels_and_ranges_parse),
        cmocka_unit_test(level_lists_expand_in_order),
        cmocka_unit_test(a_device_is_only_made_for_a_modelled_release),
        cmocka_unit_test(a_stored_device_of_an_unmodelled_release_is_refused_by_name),
        cmocka_unit_test(values_written_per_release_resolve_by_level),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
