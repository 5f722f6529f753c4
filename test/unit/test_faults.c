/*
 * test_faults.c - the injected faults (sim/framework/faults.c, sim/secure/keymint_faults.c,
 * docs/faults.md): how many binder calls a dead keystore costs per release, a StrongBox failing for a
 * count of calls or until cleared, tokens held back and delivered at their due time or dropped by a
 * reboot, a blob upgraded once to new bytes while an undecryptable one cannot be, wall clock jumps that
 * leave the boot clock alone, and the faults surviving the device image (and version 2 images, which
 * have none, still restoring).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/checksum.h"
#include "store/device_image.h"
#include "../device_fixture.h"

static kssim_device *device_of(int api_level, kssim_security_level level)
{
    kssim_config config;
    kssim_config_default(&config);
    config.api_level = api_level;
    config.security_level = level;
    kssim_device *device = NULL;
    assert_int_equal(kssim_device_create(&config, &device), KSSIM_OK);
    return device;
}

static kssim_fault_spec fault_of(kssim_fault fault, uint32_t calls)
{
    kssim_fault_spec spec;
    memset(&spec, 0, sizeof(spec));
    spec.fault = fault;
    spec.calls = calls;
    return spec;
}

static void generate(kssim_device *device, const char *alias, kssim_security_level level)
{
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    strcpy(spec.alias, alias);
    spec.security_level = level;
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
}

static kssim_result sign(kssim_device *device, const char *alias)
{
    static const uint8_t data[] = "nonce";
    return fixture_sign_or_abort(device, alias, data, sizeof(data));
}

static kssim_fault_status faults_of(kssim_device *device)
{
    kssim_fault_status status;
    assert_int_equal(kssim_fault_status_get(device, &status), KSSIM_OK);
    return status;
}

static void fault_names_round_trip(void **state)
{
    (void)state;
    for (int f = KSSIM_FAULT_KEYSTORE_UNAVAILABLE; f <= KSSIM_FAULT_CLEAR; f++) {
        const char *name = kssim_fault_name((kssim_fault)f);
        assert_non_null(name);
        kssim_fault parsed;
        assert_int_equal(kssim_fault_from_name(name, &parsed), 0);
        assert_int_equal(parsed, f);
    }
    kssim_fault parsed;
    assert_int_equal(kssim_fault_from_name("keystore_down", &parsed), -1);
    assert_null(kssim_fault_name((kssim_fault)99));
    assert_string_equal(kssim_result_name(KSSIM_KEY_REQUIRES_UPGRADE), "KEY_REQUIRES_UPGRADE");
    assert_int_equal(KSSIM_KEY_REQUIRES_UPGRADE, -62);
}

/* Android 12+: a service call survives one dead transaction; the second fails it. */
static void keystore2_retries_a_service_call_once(void **state)
{
    (void)state;
    kssim_device *device = device_of(34, KSSIM_SECURITY_TEE);
    kssim_fault_spec none = fault_of(KSSIM_FAULT_KEYSTORE_UNAVAILABLE, 0);
    assert_int_equal(kssim_inject_fault(device, &none), KSSIM_INVALID_ARGUMENT);

    kssim_fault_spec one = fault_of(KSSIM_FAULT_KEYSTORE_UNAVAILABLE, 1);
    assert_int_equal(kssim_inject_fault(device, &one), KSSIM_OK);
    assert_int_equal(faults_of(device).keystore_unavailable_calls, 1);
    generate(device, "k", KSSIM_SECURITY_TEE); /* getSecurityLevel retried, generateKey answered */
    assert_int_equal(faults_of(device).keystore_unavailable_calls, 0);

    kssim_fault_spec two = fault_of(KSSIM_FAULT_KEYSTORE_UNAVAILABLE, 2);
    assert_int_equal(kssim_inject_fault(device, &two), KSSIM_OK);
    assert_int_equal(sign(device, "k"), KSSIM_SYSTEM_ERROR);
    assert_non_null(strstr(kssim_device_message(device), "DeadObjectException"));
    assert_int_equal(sign(device, "k"), KSSIM_OK);

    /* An operation's finish is not retried: INVALID_OPERATION_HANDLE, the operation to be dropped. */
    kssim_operation op;
    assert_int_equal(kssim_begin(device, "k", KSSIM_PURPOSE_SIGN, NULL, &op), KSSIM_OK);
    assert_int_equal(kssim_inject_fault(device, &one), KSSIM_OK);
    assert_int_equal(kssim_finish(device, op.handle, (const uint8_t *)"x", 1, NULL, 0, NULL, NULL),
                     KSSIM_INVALID_OPERATION_HANDLE);
    assert_int_equal(kssim_abort(device, op.handle), KSSIM_OK);

    /* Public-key verification needs only the key entry, which the retry gets. */
    assert_int_equal(kssim_inject_fault(device, &one), KSSIM_OK);
    uint8_t *der = NULL;
    size_t der_len = 0;
    assert_int_equal(kssim_export_public(device, "k", &der, &der_len), KSSIM_OK);
    kssim_free(der);
    kssim_device_free(device);
}

static void keystore1_fails_at_the_first_dead_call(void **state)
{
    (void)state;
    kssim_device *device = device_of(30, KSSIM_SECURITY_TEE);
    generate(device, "k", KSSIM_SECURITY_TEE);
    kssim_fault_spec one = fault_of(KSSIM_FAULT_KEYSTORE_UNAVAILABLE, 1);
    assert_int_equal(kssim_inject_fault(device, &one), KSSIM_OK);
    assert_int_equal(kssim_delete_key(device, "k"), KSSIM_SYSTEM_ERROR);
    kssim_key_info info;
    assert_int_equal(kssim_key_info_get(device, "k", &info), KSSIM_OK);
    assert_int_equal(info.state, KSSIM_KEY_VALID); /* nothing was deleted */
    assert_int_equal(kssim_delete_key(device, "k"), KSSIM_OK);
    kssim_device_free(device);
}

static void a_failing_strongbox_counts_its_calls_or_fails_until_cleared(void **state)
{
    (void)state;
    kssim_device *tee = device_of(34, KSSIM_SECURITY_TEE);
    kssim_fault_spec every = fault_of(KSSIM_FAULT_STRONGBOX_FAILING, 0);
    assert_int_equal(kssim_inject_fault(tee, &every), KSSIM_INVALID_ARGUMENT);
    kssim_device_free(tee);

    kssim_device *device = device_of(34, KSSIM_SECURITY_STRONGBOX);
    generate(device, "sb", KSSIM_SECURITY_STRONGBOX);
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    strcpy(spec.alias, "sb2");
    spec.security_level = KSSIM_SECURITY_STRONGBOX;

    kssim_fault_spec two = fault_of(KSSIM_FAULT_STRONGBOX_FAILING, 2);
    assert_int_equal(kssim_inject_fault(device, &two), KSSIM_OK);
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_HARDWARE_TYPE_UNAVAILABLE);
    assert_int_equal(sign(device, "sb"), KSSIM_SYSTEM_ERROR); /* its key: no KeyMint instance for its UUID */
    assert_false(faults_of(device).strongbox_failing);
    assert_int_equal(sign(device, "sb"), KSSIM_OK);

    assert_int_equal(kssim_inject_fault(device, &every), KSSIM_OK);
    for (int i = 0; i < 5; i++)
        assert_int_equal(sign(device, "sb"), KSSIM_SYSTEM_ERROR);
    generate(device, "tee", KSSIM_SECURITY_TEE);
    assert_int_equal(sign(device, "tee"), KSSIM_OK);
    kssim_fault_spec clear = fault_of(KSSIM_FAULT_CLEAR, 0);
    assert_int_equal(kssim_inject_fault(device, &clear), KSSIM_OK);
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
    kssim_device_free(device);
}

static kssim_device *device_with_timeout_key(void)
{
    kssim_device *device = device_of(34, KSSIM_SECURITY_TEE);
    assert_int_equal(kssim_set_credential(device, KSSIM_CREDENTIAL_PIN, "1234"), KSSIM_OK);
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    strcpy(spec.alias, "timed");
    spec.user_auth = true;
    spec.auth_timeout_s = 30;
    spec.auth_types = KSSIM_AUTH_DEVICE_CREDENTIAL;
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
    return device;
}

static void a_delayed_token_arrives_at_its_due_time(void **state)
{
    (void)state;
    kssim_device *device = device_with_timeout_key();
    kssim_fault_spec delayed = fault_of(KSSIM_FAULT_TOKEN_DELAYED, 0);
    assert_int_equal(kssim_inject_fault(device, &delayed), KSSIM_INVALID_ARGUMENT); /* no delay */
    delayed.delay_ms = 1500;
    assert_int_equal(kssim_inject_fault(device, &delayed), KSSIM_OK);
    assert_int_equal(faults_of(device).tokens_to_delay, 1);
    assert_int_equal(kssim_verify_credential(device, "1234", 0, NULL), KSSIM_OK);
    assert_int_equal(faults_of(device).tokens_held, 1);
    assert_int_equal(sign(device, "timed"), KSSIM_KEY_USER_NOT_AUTHENTICATED);
    assert_int_equal(kssim_advance(device, 1499), KSSIM_OK);
    assert_int_equal(sign(device, "timed"), KSSIM_KEY_USER_NOT_AUTHENTICATED);
    assert_int_equal(kssim_advance(device, 1), KSSIM_OK);
    assert_int_equal(faults_of(device).tokens_held, 0);
    assert_int_equal(sign(device, "timed"), KSSIM_OK);
    /* Only the next token was held: the one after goes straight in. */
    assert_int_equal(kssim_advance(device, 60000), KSSIM_OK);
    assert_int_equal(kssim_verify_credential(device, "1234", 0, NULL), KSSIM_OK);
    assert_int_equal(sign(device, "timed"), KSSIM_OK);
    kssim_device_free(device);
}

static void a_reboot_drops_tokens_still_on_their_way(void **state)
{
    (void)state;
    kssim_device *device = device_with_timeout_key();
    kssim_fault_spec delayed = fault_of(KSSIM_FAULT_TOKEN_DELAYED, 2);
    delayed.delay_ms = 5000;
    assert_int_equal(kssim_inject_fault(device, &delayed), KSSIM_OK);
    assert_int_equal(kssim_verify_credential(device, "1234", 0, NULL), KSSIM_OK);
    assert_int_equal(faults_of(device).tokens_held, 1);
    assert_int_equal(kssim_reboot(device), KSSIM_OK);
    assert_int_equal(faults_of(device).tokens_held, 0);
    /* The unlock's token is the second the fault holds back. */
    assert_int_equal(kssim_unlock(device, "1234"), KSSIM_OK);
    assert_int_equal(sign(device, "timed"), KSSIM_KEY_USER_NOT_AUTHENTICATED);
    /* clear delivers what is held at once. */
    kssim_fault_spec clear = fault_of(KSSIM_FAULT_CLEAR, 0);
    assert_int_equal(kssim_inject_fault(device, &clear), KSSIM_OK);
    assert_int_equal(sign(device, "timed"), KSSIM_OK);
    kssim_device_free(device);
}

static void an_old_blob_is_upgraded_once_to_new_bytes(void **state)
{
    (void)state;
    kssim_device *device = device_of(34, KSSIM_SECURITY_TEE);
    generate(device, "k", KSSIM_SECURITY_TEE);
    generate(device, "other", KSSIM_SECURITY_TEE);
    sim_key_entry *entry = sim_key_database_find(&device->ks.db, "k");
    size_t old_len = entry->blob.len;
    uint8_t *old_blob = malloc(old_len);
    memcpy(old_blob, entry->blob.data, old_len);

    kssim_fault_spec upgrade = fault_of(KSSIM_FAULT_KEY_BLOB_REQUIRES_UPGRADE, 0);
    assert_int_equal(kssim_inject_fault(device, &upgrade), KSSIM_OK); /* every key: an OS update */
    assert_int_equal(faults_of(device).blobs_requiring_upgrade, 2);
    assert_int_equal(sign(device, "k"), KSSIM_OK);
    assert_int_equal(faults_of(device).blobs_requiring_upgrade, 1);
    entry = sim_key_database_find(&device->ks.db, "k");
    assert_true(entry->blob.len != old_len || memcmp(entry->blob.data, old_blob, old_len) != 0);
    assert_int_equal(sign(device, "k"), KSSIM_OK);

    /* KeyMint itself answers KEY_REQUIRES_UPGRADE for the old bytes, and upgrades them. */
    sim_key_blob old = {.data = old_blob, .len = old_len};
    assert_int_equal(sim_keymint_inject_blob_fault(&device->sw, &old, KSSIM_KEY_REQUIRES_UPGRADE), KSSIM_OK);
    kssim_operation op;
    assert_int_equal(sim_keymint_begin(&device->sw, &old, KSSIM_PURPOSE_SIGN, NULL, NULL, &op),
                     KSSIM_KEY_REQUIRES_UPGRADE);
    sim_key_blob upgraded;
    assert_int_equal(sim_keymint_upgrade_key(&device->sw, &old, &upgraded), KSSIM_OK);
    sim_key_blob_free(&upgraded);
    free(old_blob);

    strcpy(upgrade.alias, "missing");
    assert_int_equal(kssim_inject_fault(device, &upgrade), KSSIM_KEY_NOT_FOUND);
    kssim_device_free(device);
}

static void an_undecryptable_blob_cannot_be_upgraded(void **state)
{
    (void)state;
    kssim_device *device = device_of(34, KSSIM_SECURITY_TEE);
    generate(device, "k", KSSIM_SECURITY_TEE);
    kssim_fault_spec lost = fault_of(KSSIM_FAULT_KEY_BLOB_UNDECRYPTABLE, 0);
    assert_int_equal(kssim_inject_fault(device, &lost), KSSIM_INVALID_ARGUMENT); /* needs an alias */
    strcpy(lost.alias, "k");
    assert_int_equal(kssim_inject_fault(device, &lost), KSSIM_OK);
    kssim_fault_spec upgrade = fault_of(KSSIM_FAULT_KEY_BLOB_REQUIRES_UPGRADE, 0);
    assert_int_equal(kssim_inject_fault(device, &upgrade), KSSIM_OK);
    assert_int_equal(faults_of(device).blobs_undecryptable, 1);
    assert_int_equal(faults_of(device).blobs_requiring_upgrade, 0);
    assert_int_equal(sign(device, "k"), KSSIM_INVALID_KEY_BLOB);
    sim_key_entry *entry = sim_key_database_find(&device->ks.db, "k");
    sim_key_blob upgraded;
    assert_int_equal(sim_keymint_upgrade_key(&device->sw, &entry->blob, &upgraded), KSSIM_INVALID_KEY_BLOB);
    assert_null(upgraded.data);
    kssim_device_free(device);
}

static void the_wall_clock_jumps_and_the_boot_clock_stays(void **state)
{
    (void)state;
    kssim_device *device = device_of(34, KSSIM_SECURITY_TEE);
    kssim_status before, after;
    assert_int_equal(kssim_status_get(device, &before), KSSIM_OK);
    kssim_fault_spec jump = fault_of(KSSIM_FAULT_WALL_CLOCK_JUMP, 0);
    jump.jump_ms = -86400000;
    assert_int_equal(kssim_inject_fault(device, &jump), KSSIM_OK);
    assert_int_equal(kssim_status_get(device, &after), KSSIM_OK);
    assert_int_equal(after.wall_ms, before.wall_ms - 86400000);
    assert_int_equal(after.boot_ms, before.boot_ms);
    jump.jump_ms = INT64_MAX;
    assert_int_equal(kssim_inject_fault(device, &jump), KSSIM_INVALID_ARGUMENT); /* past 64-bit ms */
    jump.jump_ms = INT64_MAX - after.wall_ms;
    assert_int_equal(kssim_inject_fault(device, &jump), KSSIM_OK);
    jump.jump_ms = 1;
    assert_int_equal(kssim_inject_fault(device, &jump), KSSIM_INVALID_ARGUMENT);
    kssim_device_free(device);
}

/* Every armed fault survives the device image: another process meets the same fault. */
static void faults_survive_the_device_image(void **state)
{
    (void)state;
    kssim_device *device = device_of(34, KSSIM_SECURITY_STRONGBOX);
    assert_int_equal(kssim_set_credential(device, KSSIM_CREDENTIAL_PIN, "1234"), KSSIM_OK);
    generate(device, "k", KSSIM_SECURITY_TEE);
    kssim_fault_spec spec = fault_of(KSSIM_FAULT_KEYSTORE_UNAVAILABLE, 7);
    assert_int_equal(kssim_inject_fault(device, &spec), KSSIM_OK);
    spec = fault_of(KSSIM_FAULT_STRONGBOX_FAILING, 3);
    assert_int_equal(kssim_inject_fault(device, &spec), KSSIM_OK);
    spec = fault_of(KSSIM_FAULT_TOKEN_DELAYED, 2);
    spec.delay_ms = 9000;
    assert_int_equal(kssim_inject_fault(device, &spec), KSSIM_OK);
    assert_int_equal(kssim_verify_credential(device, "1234", 0, NULL), KSSIM_OK);
    spec = fault_of(KSSIM_FAULT_KEY_BLOB_UNDECRYPTABLE, 0);
    strcpy(spec.alias, "k");
    assert_int_equal(kssim_inject_fault(device, &spec), KSSIM_OK);

    sim_device_image image;
    assert_int_equal(sim_device_image_capture(device, &image), KSSIM_OK);
    kssim_device *restored = device_of(34, KSSIM_SECURITY_STRONGBOX);
    assert_int_equal(sim_device_image_restore(restored, &image), KSSIM_OK);
    kssim_fault_status a = faults_of(device), b = faults_of(restored);
    assert_memory_equal(&a, &b, sizeof(a));
    assert_int_equal(b.keystore_unavailable_calls, 7);
    assert_int_equal(b.strongbox_failing_calls, 3);
    assert_int_equal(b.tokens_held, 1);
    assert_int_equal(b.tokens_to_delay, 1);
    assert_int_equal(b.blobs_undecryptable, 1);
    assert_memory_equal(&device->faults, &restored->faults, sizeof(device->faults));

    /* A version 3 image (no fault section, and so no version 5 last-refusal bool either) restores as a device
     * without faults. */
    size_t faults_len = (4 + 4 + 8 + 4) + (8 + 8 + 8 + 4 + 8 + 32 + 8) + (1 + 4 + 4) + (32 + 4) + 1;
    size_t body = image.state_len - 4 - faults_len;
    image.state[11] = 3;
    uint32_t crc = sim_store_crc32(image.state, body);
    for (int i = 0; i < 4; i++)
        image.state[body + (size_t)i] = (uint8_t)(crc >> (24 - 8 * i));
    image.state_len = body + 4;
    kssim_device *old = device_of(34, KSSIM_SECURITY_STRONGBOX);
    assert_int_equal(sim_device_image_restore(old, &image), KSSIM_OK);
    kssim_fault_status none = faults_of(old);
    kssim_fault_status zero;
    memset(&zero, 0, sizeof(zero));
    assert_memory_equal(&none, &zero, sizeof(zero));
    assert_int_equal(sign(old, "k"), KSSIM_OK);

    sim_device_image_free(&image);
    kssim_device_free(old);
    kssim_device_free(restored);
    kssim_device_free(device);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fault_names_round_trip),
        cmocka_unit_test(keystore2_retries_a_service_call_once),
        cmocka_unit_test(keystore1_fails_at_the_first_dead_call),
        cmocka_unit_test(a_failing_strongbox_counts_its_calls_or_fails_until_cleared),
        cmocka_unit_test(a_delayed_token_arrives_at_its_due_time),
        cmocka_unit_test(a_reboot_drops_tokens_still_on_their_way),
        cmocka_unit_test(an_old_blob_is_upgraded_once_to_new_bytes),
        cmocka_unit_test(an_undecryptable_blob_cannot_be_upgraded),
        cmocka_unit_test(the_wall_clock_jumps_and_the_boot_clock_stays),
        cmocka_unit_test(faults_survive_the_device_image),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
