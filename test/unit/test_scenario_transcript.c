/*
 * test_scenario_transcript.c - the three transcript formats: the exact text of the plain
 * transcript, TAP's test points and escaping, and JUnit XML's escaping and counts. The formats are
 * fed events directly, so no device is needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runner/transcript.h"

static const transcript_step met_step = {
    .number = 1,
    .action = "begin",
    .arguments = "key=login purpose=sign as=op",
    .outcome = "ok (0)",
    .met = true,
};

static const transcript_step unmet_step = {
    .number = 2,
    .action = "finish",
    .arguments = "op=op data=\"<a & b>\"",
    .outcome = "ok (0)",
    .met = false,
    .expected = "KEY_USER_NOT_AUTHENTICATED (-26)",
};

static const transcript_step refused_step = {
    .number = 3,
    .action = "lock",
    .arguments = "",
    .outcome = "KEY_NOT_FOUND (7)",
    .met = false,
    .expected = "ok (0)",
    .explanation = "no key 'x': generate it first",
};

/* Runs two scenarios through a format and returns everything it printed. */
static char *render(transcript_format_kind kind)
{
    char *text = NULL;
    size_t length = 0;
    FILE *out = open_memstream(&text, &length);
    assert_non_null(out);
    transcript transcript;
    transcript_open(&transcript, kind, out);
    transcript_begin_run(&transcript, 2);
    transcript_begin_scenario(&transcript, "a.yaml", "First # one", 7, 34);
    transcript_step_done(&transcript, &met_step);
    transcript_end_scenario(&transcript, true);
    transcript_begin_scenario(&transcript, "dir/b.yaml", "Second", 1, 30);
    transcript_step_done(&transcript, &met_step);
    transcript_step_done(&transcript, &unmet_step);
    transcript_step_done(&transcript, &refused_step);
    transcript_end_scenario(&transcript, false);
    transcript_end_run(&transcript, 1, 1);
    transcript_close(&transcript);
    fclose(out);
    return text;
}

static void test_text_transcript(void **state)
{
    (void)state;
    char *text = render(TRANSCRIPT_TEXT);
    assert_string_equal(text,
                        "# a.yaml @ api_level 34: First # one (seed 7)\n"
                        "1 begin key=login purpose=sign as=op -> ok (0)\n"
                        "\n"
                        "# dir/b.yaml @ api_level 30: Second (seed 1)\n"
                        "1 begin key=login purpose=sign as=op -> ok (0)\n"
                        "2 finish op=op data=\"<a & b>\" -> ok (0)   <-- expected KEY_USER_NOT_AUTHENTICATED (-26)\n"
                        "3 lock -> KEY_NOT_FOUND (7)   <-- expected ok (0)\n"
                        "    no key 'x': generate it first\n"
                        "\n"
                        "1 passed, 1 failed\n");
    free(text);
}

static void test_tap_transcript(void **state)
{
    (void)state;
    char *text = render(TRANSCRIPT_TAP);
    assert_string_equal(text,
                        "TAP version 13\n"
                        "1..2\n"
                        "ok 1 - a.yaml @ api_level 34: First \\# one (seed 7)\n"
                        "# 1 begin key=login purpose=sign as=op -> ok (0)\n"
                        "not ok 2 - dir/b.yaml @ api_level 30: Second (seed 1)\n"
                        "# 1 begin key=login purpose=sign as=op -> ok (0)\n"
                        "# 2 finish op=op data=\"<a & b>\" -> ok (0)   <-- expected KEY_USER_NOT_AUTHENTICATED (-26)\n"
                        "# 3 lock -> KEY_NOT_FOUND (7)   <-- expected ok (0)\n"
                        "#     no key 'x': generate it first\n"
                        "# 1 passed, 1 failed\n");
    free(text);
}

static void test_junit_transcript(void **state)
{
    (void)state;
    char *text = render(TRANSCRIPT_JUNIT);
    assert_non_null(strstr(text, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                 "<testsuites name=\"kssim run\" tests=\"4\" failures=\"2\" errors=\"0\" skipped=\"0\" "
                                 "time=\"0.000\">\n"
                                 "  <testsuite name=\"a.yaml @ api_level 34\" tests=\"1\" failures=\"0\" errors=\"0\" "
                                 "skipped=\"0\" time=\"0.000\">\n"));
    assert_non_null(strstr(text, "<property name=\"scenario\" value=\"First # one\"/>"));
    assert_non_null(strstr(text,
                           "<testsuite name=\"dir/b.yaml @ api_level 30\" tests=\"3\" failures=\"2\" errors=\"0\" "
                           "skipped=\"0\" time=\"0.000\">"));
    assert_non_null(strstr(text, "<property name=\"api_level\" value=\"30\"/>"));
    assert_non_null(
        strstr(text, "<testcase classname=\"dir/b.yaml @ api_level 30\" name=\"2 finish op=op data=&quot;&lt;a &amp; "
                     "b&gt;&quot;\">\n"
                     "      <failure type=\"unmet expectation\" message=\"expected "
                     "KEY_USER_NOT_AUTHENTICATED (-26), got ok (0)\"></failure>\n"
                     "    </testcase>\n"));
    assert_non_null(strstr(text, "<testcase classname=\"dir/b.yaml @ api_level 30\" name=\"3 lock\">"));
    assert_non_null(strstr(text, ">no key &apos;x&apos;: generate it first</failure>"));
    assert_non_null(strstr(text, "</testsuites>\n<!-- 1 passed, 1 failed -->\n"));
    free(text);
}

/* A refused step the app meets: every format names the app's exception and call (sim/framework/app_view.c). */
static const transcript_step app_view_step = {
    .number = 4,
    .action = "finish",
    .arguments = "op=op",
    .outcome = "KEY_USER_NOT_AUTHENTICATED (-26)",
    .met = true,
    .result = -26,
    .app_exception = "javax.crypto.IllegalBlockSizeException",
    .app_call = "Cipher.doFinal",
    .app_code_readable = true,
    .app_code = -26,
};

static char *render_app_view(transcript_format_kind kind)
{
    char *text = NULL;
    size_t length = 0;
    FILE *out = open_memstream(&text, &length);
    assert_non_null(out);
    transcript transcript;
    transcript_open(&transcript, kind, out);
    transcript_begin_run(&transcript, 1);
    transcript_begin_scenario(&transcript, "c.yaml", "App", 1, 34);
    transcript_step_done(&transcript, &met_step);
    transcript_step_done(&transcript, &app_view_step);
    transcript_end_scenario(&transcript, true);
    transcript_end_run(&transcript, 1, 0);
    transcript_close(&transcript);
    fclose(out);
    return text;
}

static void test_every_format_names_the_app_view(void **state)
{
    (void)state;
    char *text = render_app_view(TRANSCRIPT_TEXT);
    assert_non_null(strstr(text, "4 finish op=op -> KEY_USER_NOT_AUTHENTICATED (-26) [IllegalBlockSizeException from "
                                 "Cipher.doFinal]\n"));
    assert_non_null(strstr(text, "1 begin key=login purpose=sign as=op -> ok (0)\n")); /* no suffix on success */
    free(text);
    text = render_app_view(TRANSCRIPT_TAP);
    assert_non_null(strstr(text, "ok 1 - c.yaml @ api_level 34: App (seed 1)\n  ---\n  app_view:\n    - step: 4\n"
                                 "      app_exception: \"javax.crypto.IllegalBlockSizeException\"\n"
                                 "      app_call: \"Cipher.doFinal\"\n  ...\n"));
    free(text);
    text = render_app_view(TRANSCRIPT_JUNIT);
    assert_non_null(
        strstr(text, "<property name=\"app_exception\" value=\"javax.crypto.IllegalBlockSizeException\"/>"));
    assert_non_null(strstr(text, "<property name=\"app_call\" value=\"Cipher.doFinal\"/>"));
    free(text);
    text = render_app_view(TRANSCRIPT_JSON);
    assert_non_null(strstr(text, "{\"runs\": [\n    {\"path\": \"c.yaml\", \"name\": \"App\", \"api_level\": 34"));
    assert_non_null(strstr(text, "\"app_exception\": \"javax.crypto.IllegalBlockSizeException\", \"app_call\": "
                                 "\"Cipher.doFinal\", \"app_numeric_code\": -26"));
    assert_non_null(strstr(text, "\"app_exception\": null, \"app_call\": null, \"app_numeric_code\": null"));
    assert_non_null(strstr(text, "], \"passed\": 1, \"failed\": 0}\n"));
    free(text);
}

static void test_xml_escaping_drops_control_characters(void **state)
{
    (void)state;
    char *text = NULL;
    size_t length = 0;
    FILE *out = open_memstream(&text, &length);
    transcript_write_xml_escaped(out, "a\x01<\"'&>\tb");
    fclose(out);
    assert_string_equal(text, "a &lt;&quot;&apos;&amp;&gt; b");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_transcript),
        cmocka_unit_test(test_tap_transcript),
        cmocka_unit_test(test_junit_transcript),
        cmocka_unit_test(test_xml_escaping_drops_control_characters),
        cmocka_unit_test(test_every_format_names_the_app_view),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
