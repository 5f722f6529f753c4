/*
 * test_run_matrix.c - the version matrix (run_matrix.c) and the HTML page (transcript_html.c), fed transcript
 * events directly: which cells are marked as differing, the app's exception in a cell, a step one level did
 * not run, the exact text table, the JSON flags, and HTML escaping of everything a scenario wrote.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runner/run_matrix.h"
#include "runner/transcript.h"

static transcript_step step_of(size_t number, const char *action, const char *outcome, int result, bool met)
{
    return (transcript_step){
        .number = number,
        .action = action,
        .arguments = "key=k",
        .outcome = outcome,
        .met = met,
        .expected = met ? NULL : "ok (0)",
        .result = result,
    };
}

/* One scenario on three levels: step 1 the same everywhere; step 2 refused on 30, ok on 31 and 34 (so 31 differs
 * from its left and 34 does not); step 3 missing on 34 (a budget stopped it). */
static void feed(transcript *transcript, const char *name)
{
    static const int levels[] = {30, 31, 34};
    transcript_begin_run(transcript, 3);
    for (size_t l = 0; l < 3; l++) {
        transcript_begin_scenario(transcript, "s.yaml", name, 1, levels[l]);
        transcript_step one = step_of(1, "generate_key", "ok (0)", 0, true);
        transcript_step_done(transcript, &one);
        transcript_step two = l == 0 ? step_of(2, "sign", "KEY_USER_NOT_AUTHENTICATED (-26)", -26, false)
                                     : step_of(2, "sign", "ok (0)", 0, true);
        if (l == 0)
            two.app_exception = "android.security.keystore.UserNotAuthenticatedException";
        transcript_step_done(transcript, &two);
        if (l < 2) {
            transcript_step three = step_of(3, "finish", "ok (0)", 0, true);
            transcript_step_done(transcript, &three);
        }
        transcript_end_scenario(transcript, l != 0);
    }
    transcript_end_run(transcript, 2, 1);
}

static char *render(transcript_format_kind kind, const char *name)
{
    char *text = NULL;
    size_t length = 0;
    FILE *out = open_memstream(&text, &length);
    assert_non_null(out);
    transcript transcript;
    transcript_open(&transcript, kind, out);
    feed(&transcript, name);
    transcript_close(&transcript);
    fclose(out);
    return text;
}

static void cells_differ_only_where_the_level_to_the_left_differs(void **state)
{
    (void)state;
    run_record record = {0};
    transcript_step one = step_of(1, "sign", "ok (0)", 0, true);
    transcript_step refused = step_of(1, "sign", "LOCKED (2)", 2, true);
    run_record_begin(&record, "s.yaml", "n", 1, 30);
    run_record_step(&record, &refused);
    run_record_begin(&record, "s.yaml", "n", 1, 31);
    run_record_step(&record, &one);
    run_record_begin(&record, "s.yaml", "n", 1, 34);
    run_record_step(&record, &one);
    run_record_begin(&record, "t.yaml", "other", 1, 30);
    assert_int_equal(run_matrix_group(&record, 0), 3);
    assert_int_equal(run_matrix_group(&record, 3), 1);
    assert_false(run_matrix_cell_differs(record.runs, 0, 0));
    assert_true(run_matrix_cell_differs(record.runs, 1, 0));
    assert_false(run_matrix_cell_differs(record.runs, 2, 0));
    run_record_free(&record);
}

static void a_cell_names_the_app_exception(void **state)
{
    (void)state;
    run_record record = {0};
    transcript_step step = step_of(1, "sign", "KEY_USER_NOT_AUTHENTICATED (-26)", -26, true);
    step.app_exception = "UserNotAuthenticatedException";
    run_record_begin(&record, "s.yaml", "n", 1, 30);
    run_record_step(&record, &step);
    char *cell = run_matrix_cell(&record.runs[0], 0);
    assert_string_equal(cell, "KEY_USER_NOT_AUTHENTICATED (-26) / UserNotAuthenticatedException");
    free(cell);
    assert_null(run_matrix_cell(&record.runs[0], 1));
    run_record_free(&record);
}

static void the_text_matrix_marks_differences_and_misses(void **state)
{
    (void)state;
    char *text = render(TRANSCRIPT_MATRIX_TEXT, "Name");
    /* The header and the marks, without depending on every column width. */
    assert_non_null(strstr(text, "# s.yaml: Name (seed 1)\n"));
    assert_non_null(strstr(text, "| api 30"));
    /* The text cell names the exception's simple class; the JSON keeps the qualified name. */
    assert_non_null(strstr(text, "KEY_USER_NOT_AUTHENTICATED (-26) / UserNotAuthenticatedException !"));
    assert_null(strstr(text, "android.security.keystore."));
    assert_non_null(strstr(text, "| ok (0)*"));
    assert_non_null(strstr(text, "| -*")); /* step 3 did not run on 34: differs from 31's ok */
    assert_non_null(strstr(text, "verdict"));
    assert_non_null(strstr(text, "FAILED"));
    assert_non_null(strstr(text, "2 passed, 1 failed\n"));
    /* No line ends in blanks. */
    assert_null(strstr(text, " \n"));
    free(text);
}

static void the_json_matrix_flags_cells_and_rows(void **state)
{
    (void)state;
    char *text = render(TRANSCRIPT_MATRIX_JSON, "Name \"quoted\"");
    assert_non_null(strstr(text, "\"name\": \"Name \\\"quoted\\\"\""));
    assert_non_null(strstr(text, "\"levels\": [30, 31, 34]"));
    assert_non_null(strstr(text, "\"passed\": [false, true, true]"));
    assert_non_null(strstr(text, "{\"number\": 2, \"action\": \"sign\", \"arguments\": \"key=k\", \"differs\": true"));
    assert_non_null(
        strstr(text, "{\"number\": 1, \"action\": \"generate_key\", \"arguments\": \"key=k\", \"differs\": false"));
    assert_non_null(strstr(text, "{\"api_level\": 34, \"ran\": false}"));
    assert_non_null(strstr(text, "\"app_exception\": \"android.security.keystore.UserNotAuthenticatedException\""));
    assert_non_null(strstr(text, "\"complete\": true, \"passed\": 2, \"failed\": 1}"));
    free(text);
}

static void the_html_page_escapes_scenario_text(void **state)
{
    (void)state;
    char *text = render(TRANSCRIPT_HTML_MATRIX, "<script>alert('x')</script> & co");
    assert_null(strstr(text, "<script>alert"));
    assert_non_null(strstr(text, "&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; co"));
    /* Three runs, three timelines, and the matrix with a marked cell. */
    size_t timelines = 0;
    for (const char *at = text; (at = strstr(at, "<svg class=\"timeline\"")) != NULL; at++)
        timelines++;
    assert_int_equal(timelines, 3);
    assert_non_null(strstr(text, "<table class=\"matrix-table\">"));
    assert_non_null(strstr(text, "class=\"cell ok differs\""));
    assert_non_null(strstr(text, "id=\"legend\""));
    free(text);
}

static void the_html_page_without_matrix_has_none(void **state)
{
    (void)state;
    char *text = render(TRANSCRIPT_HTML, "n");
    assert_null(strstr(text, "matrix-table"));
    assert_non_null(strstr(text, "<svg class=\"timeline\""));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cells_differ_only_where_the_level_to_the_left_differs),
        cmocka_unit_test(a_cell_names_the_app_exception),
        cmocka_unit_test(the_text_matrix_marks_differences_and_misses),
        cmocka_unit_test(the_json_matrix_flags_cells_and_rows),
        cmocka_unit_test(the_html_page_escapes_scenario_text),
        cmocka_unit_test(the_html_page_without_matrix_has_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
