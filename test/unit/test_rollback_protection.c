/*
 * test_rollback_protection.c - rollback detection (sim/store/rollback_protection.c) and what it does to
 * keys: memory-device snapshots restored, DIR.rpmb written only by commits that change rollback-protected
 * state, and devices stored by the previous format version (images without generation or checksums)
 * still opening.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/device_image.h"

static kssim_device *memory_device(void)
{
    kssim_config config;
    kssim_config_default(&config);
    kssim_device *device = NULL;
    assert_int_equal(kssim_device_create(&config, &device), KSSIM_OK);
    return device;
}

static void generate(kssim_device *device, const char *alias, uint32_t usage_count_limit, bool rollback_resistant)
{
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    snprintf(spec.alias, sizeof(spec.alias), "%s", alias);
    spec.usage_count_limit = usage_count_limit;
    spec.rollback_resistant = rollback_resistant;
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
}

static kssim_result sign(kssim_device *device, const char *alias)
{
    static const uint8_t data[] = "nonce";
    uint8_t *signature = NULL;
    size_t signature_len = 0;
    kssim_operation op;
    kssim_result r = kssim_begin(device, alias, KSSIM_PURPOSE_SIGN, NULL, &op);
    if (r != KSSIM_OK)
        return r;
    r = kssim_finish(device, op.handle, data, sizeof(data), NULL, 0, &signature, &signature_len);
    if (r != KSSIM_OK)
        kssim_abort(device, op.handle);
    kssim_free(signature);
    return r;
}

static bool rolled_back(kssim_device *device)
{
    kssim_status status;
    assert_int_equal(kssim_status_get(device, &status), KSSIM_OK);
    return status.rollback_detected;
}

static void a_restored_snapshot_revives_ordinary_keys_only(void **state)
{
    (void)state;
    kssim_device *device = memory_device();
    generate(device, "ticket", 1, false);
    generate(device, "vault", 1, true);
    kssim_snapshot *backup = NULL;
    assert_int_equal(kssim_snapshot_take(device, &backup), KSSIM_OK);
    assert_int_equal(sign(device, "ticket"), KSSIM_OK);
    assert_int_equal(sign(device, "vault"), KSSIM_OK);
    assert_int_equal(sign(device, "ticket"), KSSIM_KEY_PERMANENTLY_INVALIDATED);

    assert_int_equal(kssim_snapshot_restore(device, backup), KSSIM_OK);
    assert_true(rolled_back(device));
    assert_int_equal(sign(device, "ticket"), KSSIM_OK);
    assert_int_equal(sign(device, "vault"), KSSIM_INVALID_KEY_BLOB);
    assert_non_null(strstr(kssim_device_message(device), "rollback-resistant key 'vault' can no longer be used"));
    kssim_key_info info;
    assert_int_equal(kssim_key_info_get(device, "vault", &info), KSSIM_OK);
    assert_true(info.rolled_back);
    /* A key made after the rollback is vouched for. */
    generate(device, "vault2", 0, true);
    assert_int_equal(sign(device, "vault2"), KSSIM_OK);
    /* The mark stays through later snapshots and restores. */
    assert_int_equal(kssim_snapshot_restore(device, backup), KSSIM_OK);
    assert_int_equal(sign(device, "vault"), KSSIM_INVALID_KEY_BLOB);
    kssim_snapshot_free(backup);
    kssim_device_free(device);
}

/* A snapshot taken after the last rollback-protected change is the device as its storage knows it. */
static void restoring_the_latest_state_is_not_a_rollback(void **state)
{
    (void)state;
    kssim_device *device = memory_device();
    generate(device, "vault", 2, true);
    assert_int_equal(sign(device, "vault"), KSSIM_OK);
    kssim_snapshot *latest = NULL;
    assert_int_equal(kssim_snapshot_take(device, &latest), KSSIM_OK);
    /* Ordinary changes since (the clock) are not protected: putting them back is no rollback. */
    assert_int_equal(kssim_advance(device, 5000), KSSIM_OK);
    assert_int_equal(kssim_snapshot_restore(device, latest), KSSIM_OK);
    assert_false(rolled_back(device));
    assert_int_equal(sign(device, "vault"), KSSIM_OK);
    kssim_snapshot_free(latest);
    kssim_device_free(device);
}

/* A wrong PIN is a protected change: putting back the state before it is a rollback. */
static void a_gatekeeper_failure_moves_the_storage_on(void **state)
{
    (void)state;
    kssim_device *device = memory_device();
    assert_int_equal(kssim_set_credential(device, KSSIM_CREDENTIAL_PIN, "1234"), KSSIM_OK);
    generate(device, "vault", 0, true);
    kssim_snapshot *before = NULL;
    assert_int_equal(kssim_snapshot_take(device, &before), KSSIM_OK);
    assert_int_equal(kssim_verify_credential(device, "0000", 0, NULL), KSSIM_WRONG_CREDENTIAL);
    assert_int_equal(kssim_snapshot_restore(device, before), KSSIM_OK);
    assert_true(rolled_back(device));
    assert_int_equal(sign(device, "vault"), KSSIM_INVALID_KEY_BLOB);
    kssim_snapshot_free(before);
    kssim_device_free(device);
}

static void software_keymint_refuses_rollback_resistance(void **state)
{
    (void)state;
    kssim_config config;
    kssim_config_default(&config);
    config.security_level = KSSIM_SECURITY_SOFTWARE;
    kssim_device *device = NULL;
    assert_int_equal(kssim_device_create(&config, &device), KSSIM_OK);
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    snprintf(spec.alias, sizeof(spec.alias), "vault");
    spec.rollback_resistant = true;
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_ROLLBACK_RESISTANCE_UNAVAILABLE);
    kssim_key_info info;
    assert_int_equal(kssim_key_info_get(device, "vault", &info), KSSIM_OK);
    assert_int_equal(info.state, KSSIM_KEY_ABSENT);
    kssim_device_free(device);
}

/* ---- Stored devices ---- */

typedef struct fixture {
    char root[256];
    char device[300];
    char storage[320];
} fixture;

static void remove_tree(const char *path)
{
    DIR *dir = opendir(path);
    if (dir != NULL) {
        struct dirent *entry;
        while ((entry = readdir(dir)) != NULL) {
            if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
                continue;
            char child[600];
            snprintf(child, sizeof(child), "%s/%s", path, entry->d_name);
            remove_tree(child);
        }
        closedir(dir);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    const char *tmp = getenv("TMPDIR");
    snprintf(f->root, sizeof(f->root), "%s/kssim-rollback-XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(f->root) == NULL)
        return -1;
    snprintf(f->device, sizeof(f->device), "%s/device", f->root);
    snprintf(f->storage, sizeof(f->storage), "%s.rpmb", f->device);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    remove_tree(f->root);
    free(f);
    return 0;
}

static ino_t storage_inode(const fixture *f)
{
    struct stat st;
    assert_int_equal(stat(f->storage, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    return st.st_ino;
}

/* The storage is replaced by rename, so a write gives it a new inode. */
static void only_protected_changes_write_the_storage(void **state)
{
    fixture *f = *state;
    kssim_device *device = NULL;
    assert_int_equal(kssim_device_open(f->device, NULL, &device), KSSIM_OK);
    assert_int_equal(kssim_device_begin(device), KSSIM_OK);
    generate(device, "plain", 0, false);
    generate(device, "limited", 10, false);
    assert_int_equal(kssim_device_commit(device), KSSIM_OK);
    ino_t before = storage_inode(f);

    assert_int_equal(kssim_device_begin(device), KSSIM_OK);
    assert_int_equal(sign(device, "plain"), KSSIM_OK);
    assert_int_equal(kssim_device_commit(device), KSSIM_OK);
    assert_true(storage_inode(f) == before);

    assert_int_equal(kssim_device_begin(device), KSSIM_OK);
    assert_int_equal(sign(device, "limited"), KSSIM_OK);
    assert_int_equal(kssim_device_commit(device), KSSIM_OK);
    assert_true(storage_inode(f) != before);
    assert_int_equal(kssim_device_check(device), KSSIM_OK);
    kssim_device_free(device);
}

/* Format version 1 images: no generation, no checksums. */
static void to_version_1(sim_device_image *image)
{
    /* generation u64 + detected bool + checksum u32 */
    image->state_len -= 8 + 1 + 4;
    image->state[11] = 1;
    for (size_t i = 0; i < image->key_count; i++) {
        /* rollback_resistant bool + rolled_back bool + checksum u32 */
        image->keys[i].len -= 1 + 1 + 4;
        image->keys[i].bytes[11] = 1;
    }
}

static void images_of_the_previous_format_still_restore(void **state)
{
    (void)state;
    kssim_device *source = memory_device();
    assert_int_equal(kssim_set_credential(source, KSSIM_CREDENTIAL_PIN, "1234"), KSSIM_OK);
    generate(source, "limited", 3, false);
    assert_int_equal(sign(source, "limited"), KSSIM_OK);
    sim_device_image image;
    assert_int_equal(sim_device_image_capture(source, &image), KSSIM_OK);
    assert_int_equal(image.state[11], SIM_DEVICE_IMAGE_VERSION);
    to_version_1(&image);

    kssim_device *restored = memory_device();
    assert_int_equal(sim_device_image_restore(restored, &image), KSSIM_OK);
    kssim_status status;
    assert_int_equal(kssim_status_get(restored, &status), KSSIM_OK);
    assert_int_equal(status.credential, KSSIM_CREDENTIAL_PIN);
    assert_false(status.rollback_detected);
    kssim_key_info info;
    assert_int_equal(kssim_key_info_get(restored, "limited", &info), KSSIM_OK);
    assert_int_equal(info.uses_remaining, 2);
    assert_false(info.spec.rollback_resistant);
    assert_int_equal(sign(restored, "limited"), KSSIM_OK);
    assert_int_equal(sign(source, "limited"), KSSIM_OK);
    sim_device_image_free(&image);
    kssim_device_free(restored);
    kssim_device_free(source);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_restored_snapshot_revives_ordinary_keys_only),
        cmocka_unit_test(restoring_the_latest_state_is_not_a_rollback),
        cmocka_unit_test(a_gatekeeper_failure_moves_the_storage_on),
        cmocka_unit_test(software_keymint_refuses_rollback_resistance),
        cmocka_unit_test_setup_teardown(only_protected_changes_write_the_storage, setup, teardown),
        cmocka_unit_test(images_of_the_previous_format_still_restore),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
