/*
 * test_android_versions.c - the table of modelled Android releases and behaviour differences
 * (sim/core/android_versions.c), and the key generation rules that ask it (sim/framework/key_generation.c):
 * an option the device's release does not have is refused naming the release that added it, and a timeout
 * key made before Android 11 is bound as setUserAuthenticationValidityDurationSeconds bound it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/android_versions.h"
#include <kssim/kssim.h>
#include "../device_fixture.h"

/* ---- The table ---- */

static void releases_are_every_api_level_from_23_to_35_in_order(void **state)
{
    (void)state;
    size_t count;
    const sim_android_release *releases = sim_android_releases(&count);
    assert_int_equal(count, 35 - 23 + 1);
    for (size_t i = 0; i < count; i++) {
        assert_int_equal(releases[i].api_level, 23 + (int)i);
        assert_non_null(releases[i].name);
        assert_true(strncmp(releases[i].name, "Android ", strlen("Android ")) == 0);
    }
}

/* The device accepts exactly the modelled releases: the table's ends are the API's limits, with no gap. */
static void api_level_limits_match_the_table(void **state)
{
    (void)state;
    size_t count;
    const sim_android_release *releases = sim_android_releases(&count);
    assert_int_equal(KSSIM_API_LEVEL_MIN, releases[0].api_level);
    assert_int_equal(KSSIM_API_LEVEL_MAX, releases[count - 1].api_level);
    for (int level = KSSIM_API_LEVEL_MIN; level <= releases[count - 1].api_level; level++)
        assert_non_null(sim_android_release_find(level));
}

static bool id_is_well_formed(const char *id)
{
    /* V-WORD(-WORD)*: uppercase letters and digits, single hyphens, no trailing hyphen. */
    if (strncmp(id, "V-", 2) != 0 || id[2] == '\0')
        return false;
    for (const char *c = id + 2; *c != '\0'; c++) {
        bool word = (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9');
        if (!word && !(*c == '-' && c[-1] != '-' && c[1] != '\0'))
            return false;
    }
    return true;
}

static void rows_are_in_enum_order_with_unique_well_formed_ids_and_spans(void **state)
{
    (void)state;
    size_t release_count, row_count;
    const sim_android_release *releases = sim_android_releases(&release_count);
    const sim_android_difference_row *rows = sim_android_difference_rows(&row_count);
    int first = releases[0].api_level, last = releases[release_count - 1].api_level;
    assert_int_equal(row_count, SIM_ANDROID_DIFFERENCE_COUNT);
    for (size_t i = 0; i < row_count; i++) {
        assert_int_equal(rows[i].difference, (sim_android_difference)i);
        assert_ptr_equal(sim_android_difference_row_of(rows[i].difference), &rows[i]);
        assert_non_null(rows[i].id);
        assert_true(id_is_well_formed(rows[i].id));
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(rows[i].id, rows[j].id);
        /* A row lies inside the table and leaves some release out (else it is no difference): it starts
         * after the first release, or it ends before the last (a behaviour the old releases had). */
        assert_true(rows[i].since_api_level >= first && rows[i].since_api_level <= last);
        if (rows[i].until_api_level != 0)
            assert_true(rows[i].until_api_level >= rows[i].since_api_level && rows[i].until_api_level < last);
        assert_true(rows[i].since_api_level > first || rows[i].until_api_level != 0);
        assert_true(rows[i].summary != NULL && rows[i].summary[0] != '\0');
        assert_true(rows[i].source != NULL && rows[i].source[0] != '\0');
    }
    assert_null(sim_android_difference_row_of(SIM_ANDROID_DIFFERENCE_COUNT));
}

static void a_row_holds_exactly_from_since_to_until(void **state)
{
    (void)state;
    size_t release_count, row_count;
    const sim_android_release *releases = sim_android_releases(&release_count);
    const sim_android_difference_row *rows = sim_android_difference_rows(&row_count);
    int last = releases[release_count - 1].api_level;
    for (size_t i = 0; i < row_count; i++) {
        int until = rows[i].until_api_level != 0 ? rows[i].until_api_level : last;
        for (int level = releases[0].api_level; level <= last; level++)
            assert_int_equal(sim_android_has(level, rows[i].difference),
                             level >= rows[i].since_api_level && level <= until);
    }
    /* Named boundaries the rules rely on. */
    assert_false(sim_android_has(30, SIM_ANDROID_KEYSTORE2));
    assert_true(sim_android_has(31, SIM_ANDROID_KEYSTORE2));
    assert_false(sim_android_has(29, SIM_ANDROID_API_AUTH_PARAMETERS));
    assert_true(sim_android_has(30, SIM_ANDROID_API_AUTH_PARAMETERS));
    assert_false(sim_android_has(32, SIM_ANDROID_API_ED25519));
    assert_true(sim_android_has(33, SIM_ANDROID_API_ED25519));
    assert_false(sim_android_has(35, SIM_ANDROID_DIFFERENCE_COUNT));
}

static void release_lookup_names_modelled_levels_only(void **state)
{
    (void)state;
    assert_string_equal(sim_android_release_find(23)->name, "Android 6.0");
    assert_string_equal(sim_android_release_find(31)->name, "Android 12");
    assert_string_equal(sim_android_release_find(32)->name, "Android 12L");
    assert_string_equal(sim_android_release_name(35), "Android 15");
    assert_null(sim_android_release_find(22));
    assert_null(sim_android_release_find(36));
    assert_null(sim_android_release_find(-1));
    assert_null(sim_android_release_name(99));
}

/* ---- Key generation asks the table ---- */

static kssim_device *new_device(int api_level, kssim_security_level security_level)
{
    kssim_config config;
    kssim_config_default(&config);
    config.seed = 3;
    config.api_level = api_level;
    config.security_level = security_level;
    kssim_device *device = NULL;
    assert_int_equal(kssim_device_create(&config, &device), KSSIM_OK);
    fixture_set_pin_and_strong_fingerprint(device);
    return device;
}

static kssim_key_spec ec_spec(const char *alias)
{
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    strcpy(spec.alias, alias);
    return spec;
}

/* The result on a device one release before the row and on the row's first release. */
static void assert_option_needs_release(const kssim_key_spec *spec, sim_android_difference difference,
                                        kssim_result refused_with, const char *setter)
{
    const sim_android_difference_row *row = sim_android_difference_row_of(difference);
    kssim_security_level level =
        spec->security_level == KSSIM_SECURITY_STRONGBOX ? KSSIM_SECURITY_STRONGBOX : KSSIM_SECURITY_TEE;
    kssim_device *before = new_device(row->since_api_level - 1, level);
    assert_int_equal(kssim_generate_key(before, spec), refused_with);
    const char *message = kssim_device_message(before);
    assert_non_null(strstr(message, setter));
    char needs[96], device_is[64];
    snprintf(needs, sizeof(needs), "needs %s (API level %d)", sim_android_release_name(row->since_api_level),
             row->since_api_level);
    snprintf(device_is, sizeof(device_is), "(API level %d)", row->since_api_level - 1);
    assert_non_null(strstr(message, needs));
    assert_non_null(strstr(message, device_is));
    assert_non_null(strstr(message, row->id));
    kssim_key_info info;
    assert_int_equal(kssim_key_info_get(before, spec->alias, &info), KSSIM_OK);
    assert_int_equal(info.state, KSSIM_KEY_ABSENT);
    kssim_device_free(before);

    kssim_device *from = new_device(row->since_api_level, level);
    assert_int_equal(kssim_generate_key(from, spec), KSSIM_OK);
    kssim_device_free(from);
}

static void each_option_is_refused_before_the_release_that_added_it(void **state)
{
    (void)state;
    kssim_key_spec spec = ec_spec("limited");
    spec.usage_count_limit = 1;
    assert_option_needs_release(&spec, SIM_ANDROID_API_MAX_USAGE_COUNT, KSSIM_INVALID_ARGUMENT, "setMaxUsageCount");

    spec = ec_spec("udr");
    spec.unlocked_device_required = true;
    assert_option_needs_release(&spec, SIM_ANDROID_API_UNLOCKED_DEVICE_REQUIRED, KSSIM_INVALID_ARGUMENT,
                                "setUnlockedDeviceRequired");

    spec = ec_spec("sb");
    spec.security_level = KSSIM_SECURITY_STRONGBOX;
    assert_option_needs_release(&spec, SIM_ANDROID_API_STRONGBOX, KSSIM_INVALID_ARGUMENT, "setIsStrongBoxBacked");

    spec = ec_spec("kept");
    spec.user_auth = true;
    spec.invalidated_by_biometric_enrollment = false;
    assert_option_needs_release(&spec, SIM_ANDROID_API_INVALIDATED_BY_ENROLLMENT_OPTION, KSSIM_INVALID_ARGUMENT,
                                "setInvalidatedByBiometricEnrollment");

    spec = ec_spec("per_op_pin");
    spec.user_auth = true;
    spec.auth_types = KSSIM_AUTH_DEVICE_CREDENTIAL;
    assert_option_needs_release(&spec, SIM_ANDROID_API_PER_OP_DEVICE_CREDENTIAL, KSSIM_INVALID_ARGUMENT,
                                "setUserAuthenticationParameters");

    spec = ec_spec("timed_pin");
    spec.user_auth = true;
    spec.auth_timeout_s = 30;
    spec.auth_types = KSSIM_AUTH_DEVICE_CREDENTIAL;
    assert_option_needs_release(&spec, SIM_ANDROID_API_AUTH_PARAMETERS, KSSIM_INVALID_ARGUMENT,
                                "setUserAuthenticationParameters");

    spec = ec_spec("agree");
    spec.purposes = KSSIM_PURPOSE_AGREE_KEY;
    spec.digests = 0;
    assert_option_needs_release(&spec, SIM_ANDROID_API_AGREE_KEY, KSSIM_UNSUPPORTED_PURPOSE, "PURPOSE_AGREE_KEY");

    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_ED25519);
    strcpy(spec.alias, "ed");
    assert_option_needs_release(&spec, SIM_ANDROID_API_ED25519, KSSIM_UNSUPPORTED_ALGORITHM, "Ed25519");
}

/* A per-operation biometric key and a key without authentication need nothing a release lacks. */
static void the_oldest_release_makes_what_it_had(void **state)
{
    (void)state;
    kssim_device *device = new_device(23, KSSIM_SECURITY_TEE);
    kssim_key_spec spec = ec_spec("plain");
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
    spec = ec_spec("finger");
    spec.user_auth = true;
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
    spec = ec_spec("timed");
    spec.user_auth = true;
    spec.auth_timeout_s = 60;
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
    kssim_device_free(device);
}

static void key_info(kssim_device *device, const char *alias, kssim_key_info *info)
{
    assert_int_equal(kssim_key_info_get(device, alias, info), KSSIM_OK);
    assert_int_equal(info->state, KSSIM_KEY_VALID);
}

static void a_timeout_key_before_android_11_accepts_both_on_the_root_sid(void **state)
{
    (void)state;
    kssim_key_spec spec = ec_spec("timed");
    spec.user_auth = true;
    spec.auth_timeout_s = 30;
    spec.auth_types = KSSIM_AUTH_BIOMETRIC_STRONG;
    const uint32_t both = KSSIM_AUTH_BIOMETRIC_STRONG | KSSIM_AUTH_DEVICE_CREDENTIAL;

    kssim_device *android10 = new_device(29, KSSIM_SECURITY_TEE);
    kssim_status status;
    assert_int_equal(kssim_status_get(android10, &status), KSSIM_OK);
    assert_int_equal(kssim_generate_key(android10, &spec), KSSIM_OK);
    kssim_key_info info;
    key_info(android10, "timed", &info);
    assert_int_equal(info.spec.auth_types, both);
    assert_int_equal(info.sid_count, 1);
    assert_true(info.sids[0] == status.root_sid);
    /* Types that are no types stay refused: the widening is for the one request the old setter made. */
    kssim_key_spec no_types = ec_spec("no_types");
    no_types.user_auth = true;
    no_types.auth_timeout_s = 30;
    no_types.auth_types = 0;
    assert_int_equal(kssim_generate_key(android10, &no_types), KSSIM_INVALID_ARGUMENT);
    kssim_device_free(android10);

    kssim_device *android11 = new_device(30, KSSIM_SECURITY_TEE);
    assert_int_equal(kssim_status_get(android11, &status), KSSIM_OK);
    assert_int_equal(kssim_generate_key(android11, &spec), KSSIM_OK);
    key_info(android11, "timed", &info);
    assert_int_equal(info.spec.auth_types, KSSIM_AUTH_BIOMETRIC_STRONG);
    assert_int_equal(info.sid_count, 1);
    assert_true(info.sids[0] == status.authenticator_ids[KSSIM_MODALITY_FINGERPRINT]);
    assert_true(info.sids[0] != status.root_sid);
    kssim_device_free(android11);
}

/* A per-operation key is untouched by the pre-Android-11 binding: fingerprint only, its authenticator ID. */
static void a_per_operation_key_before_android_11_keeps_the_biometric_binding(void **state)
{
    (void)state;
    kssim_device *device = new_device(29, KSSIM_SECURITY_TEE);
    kssim_status status;
    assert_int_equal(kssim_status_get(device, &status), KSSIM_OK);
    kssim_key_spec spec = ec_spec("per_op");
    spec.user_auth = true;
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
    kssim_key_info info;
    key_info(device, "per_op", &info);
    assert_int_equal(info.spec.auth_types, KSSIM_AUTH_BIOMETRIC_STRONG);
    assert_true(info.sids[0] == status.authenticator_ids[KSSIM_MODALITY_FINGERPRINT]);
    kssim_device_free(device);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(releases_are_every_api_level_from_23_to_35_in_order),
        cmocka_unit_test(api_level_limits_match_the_table),
        cmocka_unit_test(rows_are_in_enum_order_with_unique_well_formed_ids_and_spans),
        cmocka_unit_test(a_row_holds_exactly_from_since_to_until),
        cmocka_unit_test(release_lookup_names_modelled_levels_only),
        cmocka_unit_test(each_option_is_refused_before_the_release_that_added_it),
        cmocka_unit_test(the_oldest_release_makes_what_it_had),
        cmocka_unit_test(a_timeout_key_before_android_11_accepts_both_on_the_root_sid),
        cmocka_unit_test(a_per_operation_key_before_android_11_keeps_the_biometric_binding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
