/*
 * test_app_view.c - the table from a result to what the app sees (sim/framework/app_view.c): every
 * result has a row for every app call, the rows follow the framework methods they cite, and the releases
 * that differ differ. Run with --print-table it prints the table docs/app-view.md carries, which the shell
 * test docs_app_view compares so that the page cannot drift from the code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "framework/app_view.h"
#include <kssim/kssim.h>

#define LOWEST_LEVEL  23
#define HIGHEST_LEVEL 35

static app_view view_of(app_view_stage stage, kssim_result result, int api_level, uint32_t purpose,
                        kssim_algorithm algorithm)
{
    app_view_request request = {
        .stage = stage, .result = result, .api_level = api_level, .purpose = purpose, .algorithm = algorithm};
    app_view view;
    app_view_of(&request, &view);
    return view;
}

static bool is_result(int code)
{
    return kssim_result_name((kssim_result)code) != NULL;
}

/* ---- Coverage ---- */

static void every_result_has_a_row_for_every_app_call_on_every_release(void **state)
{
    (void)state;
    size_t results = 0;
    for (int code = -200; code <= 2000; code++) {
        if (!is_result(code))
            continue;
        results++;
        for (int stage = 0; stage < APP_VIEW_STAGE_COUNT; stage++) {
            for (int level = LOWEST_LEVEL; level <= HIGHEST_LEVEL; level++) {
                app_view view =
                    view_of((app_view_stage)stage, (kssim_result)code, level, KSSIM_PURPOSE_SIGN, KSSIM_ALGORITHM_EC);
                assert_non_null(view.source);
                bool no_app_call = stage == APP_VIEW_NO_APP_CALL || stage == APP_VIEW_OPERATION_ABORT ||
                                   code == KSSIM_OK || code == KSSIM_DEVICE_UNAVAILABLE || code == KSSIM_DEVICE_DAMAGED;
                bool silent_delete = stage == APP_VIEW_KEY_DELETE && code == KSSIM_KEY_NOT_FOUND;
                if (no_app_call || silent_delete) {
                    assert_null(view.shown);
                    assert_null(view.exception);
                    continue;
                }
                /* Every refusal the app can meet names what it sees and the call, and cites its source. */
                assert_non_null(view.shown);
                assert_non_null(view.call);
                assert_non_null(strstr(view.source, "frameworks/base"));
                if (view.exception != NULL)
                    assert_non_null(app_view_find_exception(view.exception));
            }
        }
    }
    assert_true(results > 20);
}

static void exception_names_are_found_simple_or_qualified(void **state)
{
    (void)state;
    assert_string_equal(app_view_find_exception("KeyPermanentlyInvalidatedException"),
                        "android.security.keystore.KeyPermanentlyInvalidatedException");
    assert_string_equal(app_view_find_exception("javax.crypto.IllegalBlockSizeException"),
                        "javax.crypto.IllegalBlockSizeException");
    assert_null(app_view_find_exception("KeyPermanentlyInvalidated"));
    assert_null(app_view_find_exception("java.lang.KeyPermanentlyInvalidatedException"));
    assert_string_equal(app_view_simple_name("java.security.InvalidKeyException"), "InvalidKeyException");
}

/* ---- Rows ---- */

static void init_refusals_follow_get_invalid_key_exception(void **state)
{
    (void)state;
    app_view view =
        view_of(APP_VIEW_OPERATION_INIT, KSSIM_KEY_USER_NOT_AUTHENTICATED, 34, KSSIM_PURPOSE_SIGN, KSSIM_ALGORITHM_EC);
    assert_string_equal(view.exception, "android.security.keystore.UserNotAuthenticatedException");
    assert_string_equal(view.call, "Signature.initSign");
    view = view_of(APP_VIEW_OPERATION_INIT, KSSIM_KEY_PERMANENTLY_INVALIDATED, 30, KSSIM_PURPOSE_DECRYPT,
                   KSSIM_ALGORITHM_AES);
    assert_string_equal(view.exception, "android.security.keystore.KeyPermanentlyInvalidatedException");
    assert_string_equal(view.call, "Cipher.init");
    view = view_of(APP_VIEW_OPERATION_INIT, KSSIM_LOCKED, 34, KSSIM_PURPOSE_SIGN, KSSIM_ALGORITHM_HMAC);
    assert_string_equal(view.exception, "android.security.keystore.UserNotAuthenticatedException");
    assert_string_equal(view.call, "Mac.init");
    view = view_of(APP_VIEW_OPERATION_INIT, KSSIM_KEY_EXPIRED, 34, KSSIM_PURPOSE_ENCRYPT, KSSIM_ALGORITHM_AES);
    assert_string_equal(view.exception, "android.security.keystore.KeyExpiredException");
    view = view_of(APP_VIEW_OPERATION_INIT, KSSIM_KEY_RATE_LIMIT_EXCEEDED, 34, KSSIM_PURPOSE_SIGN, KSSIM_ALGORITHM_EC);
    assert_string_equal(view.exception, "java.security.InvalidKeyException");
    view = view_of(APP_VIEW_OPERATION_INIT, KSSIM_KEY_NOT_FOUND, 34, KSSIM_PURPOSE_SIGN, KSSIM_ALGORITHM_EC);
    assert_null(view.exception);
    assert_string_equal(view.shown, "returns null");
    assert_string_equal(view.call, "KeyStore.getKey");
    /* The row says what the app's next call, init with that null key, throws. */
    assert_non_null(strstr(view.source, "AndroidKeyStoreSpi.java engineGetKey"));
    assert_non_null(strstr(view.source, "java.security.InvalidKeyException"));
}

static void finish_refusals_follow_the_spi_that_finishes(void **state)
{
    (void)state;
    app_view view = view_of(APP_VIEW_OPERATION_FINISH, KSSIM_KEY_USER_NOT_AUTHENTICATED, 34, KSSIM_PURPOSE_DECRYPT,
                            KSSIM_ALGORITHM_AES);
    assert_string_equal(view.exception, "javax.crypto.IllegalBlockSizeException");
    assert_string_equal(view.call, "Cipher.doFinal");
    view = view_of(APP_VIEW_OPERATION_FINISH, KSSIM_INVALID_ARGUMENT, 34, KSSIM_PURPOSE_DECRYPT, KSSIM_ALGORITHM_RSA);
    assert_string_equal(view.exception, "javax.crypto.BadPaddingException");
    view =
        view_of(APP_VIEW_OPERATION_FINISH, KSSIM_VERIFICATION_FAILED, 34, KSSIM_PURPOSE_DECRYPT, KSSIM_ALGORITHM_AES);
    assert_string_equal(view.exception, "javax.crypto.AEADBadTagException");
    view = view_of(APP_VIEW_OPERATION_FINISH, KSSIM_KEY_USER_NOT_AUTHENTICATED, 34, KSSIM_PURPOSE_SIGN,
                   KSSIM_ALGORITHM_EC);
    assert_string_equal(view.exception, "java.security.SignatureException");
    assert_string_equal(view.call, "Signature.sign");
    view = view_of(APP_VIEW_OPERATION_UPDATE, KSSIM_KEY_USER_NOT_AUTHENTICATED, 34, KSSIM_PURPOSE_ENCRYPT,
                   KSSIM_ALGORITHM_AES);
    assert_string_equal(view.exception, "javax.crypto.IllegalBlockSizeException");
    assert_string_equal(view.call, "Cipher.doFinal");
}

static void generation_refusals_follow_the_key_generator_spis(void **state)
{
    (void)state;
    app_view view = view_of(APP_VIEW_KEY_GENERATION, KSSIM_NO_SECURE_LOCK_SCREEN, 34, 0, KSSIM_ALGORITHM_EC);
    assert_string_equal(view.exception, "java.security.InvalidAlgorithmParameterException");
    assert_string_equal(view.call, "KeyPairGenerator.initialize");
    view = view_of(APP_VIEW_KEY_GENERATION, KSSIM_NO_BIOMETRIC_ENROLLED, 34, 0, KSSIM_ALGORITHM_AES);
    assert_string_equal(view.call, "KeyGenerator.init");
    view = view_of(APP_VIEW_KEY_GENERATION, KSSIM_HARDWARE_TYPE_UNAVAILABLE, 34, 0, KSSIM_ALGORITHM_EC);
    assert_string_equal(view.exception, "android.security.keystore.StrongBoxUnavailableException");
    view = view_of(APP_VIEW_KEY_GENERATION, KSSIM_UNSUPPORTED_ALGORITHM, 34, 0, KSSIM_ALGORITHM_AES);
    assert_string_equal(view.exception, "java.security.ProviderException");
    assert_string_equal(view.call, "KeyGenerator.generateKey");
}

static void the_numeric_code_is_readable_from_api_33(void **state)
{
    (void)state;
    app_view view = view_of(APP_VIEW_KEY_GENERATION, KSSIM_UNSUPPORTED_ALGORITHM, 33, 0, KSSIM_ALGORITHM_EC);
    assert_true(view.has_numeric_code);
    assert_int_equal(view.numeric_code, KSSIM_UNSUPPORTED_ALGORITHM);
    view = view_of(APP_VIEW_KEY_GENERATION, KSSIM_UNSUPPORTED_ALGORITHM, 32, 0, KSSIM_ALGORITHM_EC);
    assert_false(view.has_numeric_code);
}

static void biometric_outcomes_are_callbacks_with_their_codes(void **state)
{
    (void)state;
    app_view view = view_of(APP_VIEW_BIOMETRIC_PROMPT, KSSIM_LOCKOUT, 34, 0, 0);
    assert_null(view.exception);
    assert_string_equal(view.shown, "onAuthenticationError(BIOMETRIC_ERROR_LOCKOUT=7)");
    assert_string_equal(view.call, "BiometricPrompt.AuthenticationCallback");
    view = view_of(APP_VIEW_BIOMETRIC_PROMPT, KSSIM_LOCKOUT_PERMANENT, 34, 0, 0);
    assert_string_equal(view.shown, "onAuthenticationError(BIOMETRIC_ERROR_LOCKOUT_PERMANENT=9)");
    view = view_of(APP_VIEW_BIOMETRIC_PROMPT, KSSIM_NO_BIOMETRIC_ENROLLED, 34, 0, 0);
    assert_string_equal(view.shown, "onAuthenticationError(BIOMETRIC_ERROR_NO_BIOMETRICS=11)");
    view = view_of(APP_VIEW_BIOMETRIC_PROMPT, KSSIM_NO_MATCH, 34, 0, 0);
    assert_string_equal(view.shown, "onAuthenticationFailed()");
    /* A credential prompt with no credential set: PreAuthInfo's CREDENTIAL_NOT_ENROLLED. */
    view = view_of(APP_VIEW_BIOMETRIC_PROMPT, KSSIM_NO_CREDENTIAL, 34, 0, 0);
    assert_string_equal(view.shown, "onAuthenticationError(BIOMETRIC_ERROR_NO_DEVICE_CREDENTIAL=14)");
    assert_non_null(strstr(view.source, "PreAuthInfo.java"));
    /* Before Android 9 the app listened to FingerprintManager. */
    view = view_of(APP_VIEW_BIOMETRIC_PROMPT, KSSIM_LOCKOUT, 27, 0, 0);
    assert_string_equal(view.shown, "onAuthenticationError(FINGERPRINT_ERROR_LOCKOUT=7)");
    assert_string_equal(view.call, "FingerprintManager.AuthenticationCallback");
}

static void a_mac_that_differs_is_the_apps_own_comparison(void **state)
{
    (void)state;
    /* Mac has no verify: the app compares Mac.doFinal's output, so "false" comes from its comparison. */
    app_view view =
        view_of(APP_VIEW_SIGNATURE_VERIFY, KSSIM_VERIFICATION_FAILED, 34, KSSIM_PURPOSE_VERIFY, KSSIM_ALGORITHM_HMAC);
    assert_null(view.exception);
    assert_string_equal(view.shown, "returns false");
    assert_string_equal(view.call, "MessageDigest.isEqual");
    view = view_of(APP_VIEW_SIGNATURE_VERIFY, KSSIM_VERIFICATION_FAILED, 34, KSSIM_PURPOSE_VERIFY, KSSIM_ALGORITHM_EC);
    assert_string_equal(view.call, "Signature.verify");
}

static void success_and_no_app_call_show_nothing(void **state)
{
    (void)state;
    app_view view = view_of(APP_VIEW_OPERATION_INIT, KSSIM_OK, 34, KSSIM_PURPOSE_SIGN, KSSIM_ALGORITHM_EC);
    assert_null(view.shown);
    view = view_of(APP_VIEW_NO_APP_CALL, KSSIM_WRONG_CREDENTIAL, 34, 0, 0);
    assert_null(view.shown);
    assert_null(view.call);
}

/* ---- The table for docs/app-view.md ---- */

typedef struct table_case {
    app_view_stage stage;
    const char *object;
    uint32_t purpose;
    kssim_algorithm algorithm;
} table_case;

static const table_case table_cases[] = {
    {APP_VIEW_KEY_GENERATION, "asymmetric key", 0, KSSIM_ALGORITHM_EC},
    {APP_VIEW_KEY_GENERATION, "AES / HMAC key", 0, KSSIM_ALGORITHM_AES},
    {APP_VIEW_KEY_IMPORT, "", 0, KSSIM_ALGORITHM_EC},
    {APP_VIEW_KEY_DELETE, "", 0, KSSIM_ALGORITHM_EC},
    {APP_VIEW_OPERATION_INIT, "Signature (sign)", KSSIM_PURPOSE_SIGN, KSSIM_ALGORITHM_EC},
    {APP_VIEW_OPERATION_INIT, "Cipher", KSSIM_PURPOSE_DECRYPT, KSSIM_ALGORITHM_AES},
    {APP_VIEW_OPERATION_INIT, "Mac", KSSIM_PURPOSE_SIGN, KSSIM_ALGORITHM_HMAC},
    {APP_VIEW_OPERATION_UPDATE, "Signature", KSSIM_PURPOSE_SIGN, KSSIM_ALGORITHM_EC},
    {APP_VIEW_OPERATION_UPDATE, "Cipher", KSSIM_PURPOSE_DECRYPT, KSSIM_ALGORITHM_AES},
    {APP_VIEW_OPERATION_UPDATE, "Mac", KSSIM_PURPOSE_SIGN, KSSIM_ALGORITHM_HMAC},
    {APP_VIEW_OPERATION_FINISH, "Signature", KSSIM_PURPOSE_SIGN, KSSIM_ALGORITHM_EC},
    {APP_VIEW_OPERATION_FINISH, "Cipher", KSSIM_PURPOSE_DECRYPT, KSSIM_ALGORITHM_AES},
    {APP_VIEW_OPERATION_FINISH, "Mac", KSSIM_PURPOSE_SIGN, KSSIM_ALGORITHM_HMAC},
    {APP_VIEW_SIGNATURE_VERIFY, "", KSSIM_PURPOSE_VERIFY, KSSIM_ALGORITHM_EC},
    {APP_VIEW_LOCK_SCREEN, "", 0, 0},
    {APP_VIEW_BIOMETRIC_PROMPT, "", 0, 0},
};

static bool same_view(const app_view *a, const app_view *b)
{
    return (a->shown == NULL) == (b->shown == NULL) && (a->shown == NULL || strcmp(a->shown, b->shown) == 0) &&
           (a->call == NULL) == (b->call == NULL) && (a->call == NULL || strcmp(a->call, b->call) == 0) &&
           (a->exception == NULL) == (b->exception == NULL) &&
           (a->exception == NULL || strcmp(a->exception, b->exception) == 0) &&
           a->has_numeric_code == b->has_numeric_code && strcmp(a->source, b->source) == 0;
}

/* One row per case, level range and view, listing the results that give it; success, the device store's
 * results and silent rows (nothing shown) are left out. */
static void print_table(void)
{
    printf("| call | object | API levels | results | what the app sees | thrown or reported by | framework source |\n");
    printf("| --- | --- | --- | --- | --- | --- | --- |\n");
    for (size_t c = 0; c < sizeof(table_cases) / sizeof(table_cases[0]); c++) {
        const table_case *tc = &table_cases[c];
        int codes[256];
        size_t code_count = 0;
        for (int code = -200; code <= 2000 && code_count < 256; code++)
            if (is_result(code) && code != KSSIM_OK)
                codes[code_count++] = code;
        bool printed[256][HIGHEST_LEVEL + 1];
        memset(printed, 0, sizeof(printed));
        for (size_t i = 0; i < code_count; i++) {
            for (int level = LOWEST_LEVEL; level <= HIGHEST_LEVEL; level++) {
                if (printed[i][level])
                    continue;
                app_view first = view_of(tc->stage, (kssim_result)codes[i], level, tc->purpose, tc->algorithm);
                int highest = level;
                while (highest < HIGHEST_LEVEL) {
                    app_view next = view_of(tc->stage, (kssim_result)codes[i], highest + 1, tc->purpose, tc->algorithm);
                    if (!same_view(&first, &next))
                        break;
                    highest++;
                }
                if (first.shown == NULL) {
                    for (int l = level; l <= highest; l++)
                        printed[i][l] = true;
                    continue;
                }
                char levels[16];
                if (level == LOWEST_LEVEL && highest == HIGHEST_LEVEL)
                    snprintf(levels, sizeof(levels), "all");
                else if (highest == HIGHEST_LEVEL)
                    snprintf(levels, sizeof(levels), "%d..", level);
                else if (level == LOWEST_LEVEL)
                    snprintf(levels, sizeof(levels), "..%d", highest);
                else
                    snprintf(levels, sizeof(levels), "%d..%d", level, highest);
                /* Every other result with the same view on the same levels joins this row; a framework method's
                 * default row (most results) says so instead of listing them all. */
                char names[4096] = "";
                size_t used = 0, name_count = 0;
                for (size_t j = i; j < code_count; j++) {
                    bool same = true;
                    for (int l = level; l <= highest && same; l++) {
                        app_view other = view_of(tc->stage, (kssim_result)codes[j], l, tc->purpose, tc->algorithm);
                        same = !printed[j][l] && same_view(&first, &other);
                    }
                    if (!same)
                        continue;
                    /* The same range only: a result whose view continues past the range has its own row. */
                    if (highest < HIGHEST_LEVEL) {
                        app_view after =
                            view_of(tc->stage, (kssim_result)codes[j], highest + 1, tc->purpose, tc->algorithm);
                        if (same_view(&first, &after))
                            continue;
                    }
                    if (level > LOWEST_LEVEL) {
                        app_view before =
                            view_of(tc->stage, (kssim_result)codes[j], level - 1, tc->purpose, tc->algorithm);
                        if (same_view(&first, &before))
                            continue;
                    }
                    if (used < sizeof(names))
                        used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s", name_count > 0 ? ", " : "",
                                                 kssim_result_name((kssim_result)codes[j]));
                    name_count++;
                    for (int l = level; l <= highest; l++)
                        printed[j][l] = true;
                }
                printf("| %s | %s | %s | %s | %s%s | %s | %s |\n", app_view_stage_name(tc->stage), tc->object, levels,
                       name_count > 8 ? "any other refusal" : names,
                       first.exception != NULL ? first.exception : first.shown,
                       first.has_numeric_code ? " (cause android.security.KeyStoreException, getNumericErrorCode())"
                                              : "",
                       first.call, first.source);
            }
        }
    }
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--print-table") == 0) {
        print_table();
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_result_has_a_row_for_every_app_call_on_every_release),
        cmocka_unit_test(a_mac_that_differs_is_the_apps_own_comparison),
        cmocka_unit_test(exception_names_are_found_simple_or_qualified),
        cmocka_unit_test(init_refusals_follow_get_invalid_key_exception),
        cmocka_unit_test(finish_refusals_follow_the_spi_that_finishes),
        cmocka_unit_test(generation_refusals_follow_the_key_generator_spis),
        cmocka_unit_test(the_numeric_code_is_readable_from_api_33),
        cmocka_unit_test(biometric_outcomes_are_callbacks_with_their_codes),
        cmocka_unit_test(success_and_no_app_call_show_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
