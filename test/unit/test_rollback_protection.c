/*
 * test_rollback_protection.c - rollback detection (sim/store/rollback_protection.c) and what it does to
 * keys: memory-device snapshots restored, DIR.rpmb written only by commits that change rollback-protected
 * state, and devices stored by the previous format version (images without generation or checksums)
 * still opening; a rollback found at load surviving a failed commit, one missed at load found at commit,
 * DIR.rpmb that is a link or open to others refused, and its publishers serialised; a replacement never
 * behind the old device's late publish, kssim check not misled by a commit after its caller's snapshot,
 * and DIR.rpmb.lock held forever or open to others refusing the commit before anything is stored.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/device_image.h"
#include "store/rollback_storage.h"
#include "../remove_tree.h"
#include "../device_fixture.h"

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
    return fixture_sign_or_abort(device, alias, data, sizeof(data));
}

static bool rolled_back(kssim_device *device)
{
    kssim_status status;
    assert_int_equal(kssim_status_get(device, &status), KSSIM_OK);
    return status.rollback_detected;
}

/* A restored snapshot revives keys keystore2 alone limits, not those KeyMint vouches for in its
 * rollback-protected storage (rollback-resistant keys, single-use keys). */
static void a_restored_snapshot_revives_ordinary_keys_only(void **state)
{
    (void)state;
    kssim_device *device = memory_device();
    /* Two uses: keystore2 alone counts them, so a copy of its database brings them back. */
    generate(device, "ticket", 2, false);
    /* One use: the TEE erases its secure record after the use (the reference TA's secure deletion slot). */
    generate(device, "once", 1, false);
    generate(device, "vault", 1, true);
    kssim_snapshot *backup = NULL;
    assert_int_equal(kssim_snapshot_take(device, &backup), KSSIM_OK);
    assert_int_equal(sign(device, "ticket"), KSSIM_OK);
    assert_int_equal(sign(device, "ticket"), KSSIM_OK);
    assert_int_equal(sign(device, "once"), KSSIM_OK);
    assert_int_equal(sign(device, "vault"), KSSIM_OK);
    assert_int_equal(sign(device, "ticket"), KSSIM_KEY_PERMANENTLY_INVALIDATED);
    assert_int_equal(sign(device, "once"), KSSIM_KEY_PERMANENTLY_INVALIDATED);

    assert_int_equal(kssim_snapshot_restore(device, backup), KSSIM_OK);
    assert_true(rolled_back(device));
    assert_int_equal(sign(device, "ticket"), KSSIM_OK);
    assert_int_equal(sign(device, "once"), KSSIM_INVALID_KEY_BLOB);
    assert_non_null(strstr(kssim_device_message(device), "single-use key 'once'"));
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

/* Software KeyMint has no secure deletion storage: keystore2 alone limits its single-use keys, and a
 * restored copy of its database brings a spent one back. */
static void software_single_use_keys_revive_after_a_rollback(void **state)
{
    (void)state;
    kssim_config config;
    kssim_config_default(&config);
    config.security_level = KSSIM_SECURITY_SOFTWARE;
    kssim_device *device = NULL;
    assert_int_equal(kssim_device_create(&config, &device), KSSIM_OK);
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    snprintf(spec.alias, sizeof(spec.alias), "once");
    spec.security_level = KSSIM_SECURITY_SOFTWARE;
    spec.usage_count_limit = 1;
    assert_int_equal(kssim_generate_key(device, &spec), KSSIM_OK);
    kssim_snapshot *backup = NULL;
    assert_int_equal(kssim_snapshot_take(device, &backup), KSSIM_OK);
    assert_int_equal(sign(device, "once"), KSSIM_OK);
    assert_int_equal(sign(device, "once"), KSSIM_KEY_PERMANENTLY_INVALIDATED);
    assert_int_equal(kssim_snapshot_restore(device, backup), KSSIM_OK);
    assert_true(rolled_back(device));
    assert_int_equal(sign(device, "once"), KSSIM_OK);
    kssim_snapshot_free(backup);
    kssim_device_free(device);
}

/* ---- Stored devices ---- */

typedef struct fixture {
    char root[256];
    char device[300];
    char storage[320];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (!make_temporary_tree(f->root, sizeof(f->root), "rollback"))
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
    /* rollback generation u64 + detected bool, version 3's UnlockedDeviceRequired super-key state (bool, and
     * a count u32 of no biometric-unlock SIDs), version 4's faults of a fault-free device (docs/faults.md:
     * u32 + u32 + u64 + u32 held tokens, bool + u32 + u32 blob faults), version 5's last refusal of a device
     * the provider never saw refused (bool), checksum u32 */
    image->state_len -= 8 + 1 + (1 + 4) + (4 + 4 + 8 + 4) + (1 + 4 + 4) + 1 + 4;
    image->state[11] = 1;
    for (size_t i = 0; i < image->key_count; i++) {
        /* rollback_resistant bool + rolled_back bool + version 3's empty attestation chain (u32 length) +
         * checksum u32 */
        image->keys[i].len -= 1 + 1 + 4 + 4;
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

/* ---- A rollback found at load, a failed commit, a rollback missed at load ---- */

static kssim_device *open_stored(const fixture *f)
{
    kssim_device *device = NULL;
    kssim_result r = kssim_device_open(f->device, NULL, &device);
    if (r != KSSIM_OK)
        fail_msg("opening %s: %s", f->device, kssim_open_error());
    return device;
}

static void begin(kssim_device *device)
{
    if (kssim_device_begin(device) != KSSIM_OK)
        fail_msg("begin: %s", kssim_device_message(device));
}

static void commit(kssim_device *device)
{
    if (kssim_device_commit(device) != KSSIM_OK)
        fail_msg("commit: %s", kssim_device_message(device));
}

/* The regular files of one directory (a device directory has no subdirectories). */
static void copy_directory(const char *from, const char *to)
{
    assert_int_equal(mkdir(to, 0700), 0);
    DIR *dir = opendir(from);
    assert_non_null(dir);
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        char source[600], target[600];
        snprintf(source, sizeof(source), "%s/%s", from, entry->d_name);
        snprintf(target, sizeof(target), "%s/%s", to, entry->d_name);
        FILE *in = fopen(source, "rb");
        FILE *out = fopen(target, "wb");
        assert_non_null(in);
        assert_non_null(out);
        char buffer[8192];
        size_t n;
        while ((n = fread(buffer, 1, sizeof(buffer), in)) > 0)
            assert_int_equal(fwrite(buffer, 1, n, out), n);
        fclose(in);
        fclose(out);
        assert_int_equal(chmod(target, 0600), 0);
    }
    closedir(dir);
}

static uint64_t storage_generation(const fixture *f)
{
    uint64_t generation;
    char why[8192];
    assert_int_equal(sim_rollback_storage_read(f->device, &generation, why, sizeof(why)), SIM_ROLLBACK_STORAGE_PRESENT);
    return generation;
}

static void publish_generation(const char *directory, uint64_t generation)
{
    sim_rollback_storage_write write;
    char why[8192];
    assert_int_equal(sim_rollback_storage_prepare(directory, generation, &write, why, sizeof(why)), 0);
    assert_int_equal(sim_rollback_storage_publish(&write), 0);
}

/* A device with the rollback-resistant key "vault" and the usage-limited "limited", put back to the
 * copy taken before a use of "limited" moved the storage on: opened, it is found rolled back. */
static kssim_device *open_a_rolled_back_device(const fixture *f)
{
    kssim_device *device = open_stored(f);
    begin(device);
    generate(device, "vault", 0, true);
    generate(device, "limited", 10, false);
    commit(device);
    kssim_device_free(device);
    char saved[400];
    snprintf(saved, sizeof(saved), "%s/saved", f->root);
    copy_directory(f->device, saved);

    device = open_stored(f);
    begin(device);
    assert_int_equal(sign(device, "limited"), KSSIM_OK);
    commit(device);
    kssim_device_free(device);
    remove_tree(f->device);
    copy_directory(saved, f->device);

    device = open_stored(f);
    begin(device);
    assert_true(rolled_back(device));
    assert_int_equal(sign(device, "vault"), KSSIM_INVALID_KEY_BLOB);
    return device;
}

static off_t log_size(const fixture *f)
{
    char path[400];
    snprintf(path, sizeof(path), "%s/device.sqlite3-wal", f->device);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_size;
}

/* The commit after detection, with the log unable to grow (RLIMIT_FSIZE at its size, as under
 * `ulimit -f`), fails and puts the device back to the image it loaded, which was stored before the
 * rollback was found: the marks must survive that. */
static void a_rollback_found_at_load_survives_a_failed_commit(void **state)
{
    fixture *f = *state;
    kssim_device *device = open_a_rolled_back_device(f);
    struct rlimit before;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &before), 0);
    void (*previous)(int) = signal(SIGXFSZ, SIG_IGN);
    struct rlimit limited = before;
    limited.rlim_cur = (rlim_t)log_size(f);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &limited), 0);
    kssim_result committed = kssim_device_commit(device);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &before), 0);
    signal(SIGXFSZ, previous);
    assert_int_not_equal(committed, KSSIM_OK);

    begin(device);
    assert_true(rolled_back(device));
    assert_int_equal(sign(device, "vault"), KSSIM_INVALID_KEY_BLOB);
    /* The next commit stores the marks; a key made after the rollback is vouched for. */
    generate(device, "vault2", 0, true);
    commit(device);
    begin(device);
    assert_int_equal(sign(device, "vault2"), KSSIM_OK);
    commit(device);
    kssim_device_free(device);

    device = open_stored(f);
    begin(device);
    assert_true(rolled_back(device));
    assert_int_equal(sign(device, "vault"), KSSIM_INVALID_KEY_BLOB);
    assert_int_equal(sign(device, "vault2"), KSSIM_OK);
    commit(device);
    assert_int_equal(kssim_device_check(device), KSSIM_DEVICE_DAMAGED);
    assert_non_null(strstr(kssim_device_message(device), "found rolled back earlier"));
    kssim_device_free(device);
}

/* The storage moves past a device this process holds (as when the load could not see it): the next
 * protected commit finds the device behind it and marks it, rather than writing over the evidence. */
static void a_rollback_missed_at_load_is_found_at_commit(void **state)
{
    fixture *f = *state;
    kssim_device *device = open_stored(f);
    begin(device);
    generate(device, "vault", 0, true);
    generate(device, "limited", 10, false);
    commit(device);
    uint64_t ahead = storage_generation(f) + 5;
    publish_generation(f->device, ahead);

    begin(device);
    assert_false(rolled_back(device));
    assert_int_equal(sign(device, "limited"), KSSIM_OK);
    commit(device);
    assert_int_equal(storage_generation(f), ahead + 1);
    begin(device);
    assert_true(rolled_back(device));
    assert_int_equal(sign(device, "vault"), KSSIM_INVALID_KEY_BLOB);
    /* Judged once: a key made afterwards is vouched for, through later protected commits too. */
    generate(device, "vault2", 0, true);
    commit(device);
    begin(device);
    assert_int_equal(sign(device, "limited"), KSSIM_OK);
    commit(device);
    begin(device);
    assert_int_equal(sign(device, "vault2"), KSSIM_OK);
    commit(device);
    kssim_device_free(device);
}

/* ---- DIR.rpmb refused when it cannot be trusted ---- */

static void assert_open_refused(const fixture *f, const char *phrase)
{
    kssim_open_options options;
    kssim_open_options_default(&options);
    for (int read_only = 0; read_only <= 1; read_only++) {
        options.read_only = read_only;
        kssim_device *device = NULL;
        assert_int_equal(kssim_device_open(f->device, &options, &device), KSSIM_DEVICE_UNAVAILABLE);
        assert_null(device);
        if (strstr(kssim_open_error(), phrase) == NULL || strstr(kssim_open_error(), f->storage) == NULL)
            fail_msg("the refusal does not say '%s' about %s: %s", phrase, f->storage, kssim_open_error());
    }
}

static void a_storage_that_cannot_be_trusted_refuses_the_device(void **state)
{
    fixture *f = *state;
    kssim_device *device = open_stored(f);
    begin(device);
    generate(device, "vault", 0, true);
    commit(device);
    kssim_device_free(device);

    assert_int_equal(chmod(f->storage, 0644), 0);
    assert_open_refused(f, "has mode 0644, so other users may read or change it");
    assert_open_refused(f, "chmod 600 ");
    assert_int_equal(chmod(f->storage, 0600), 0);

    char elsewhere[400];
    snprintf(elsewhere, sizeof(elsewhere), "%s/elsewhere.rpmb", f->root);
    assert_int_equal(rename(f->storage, elsewhere), 0);
    assert_int_equal(symlink(elsewhere, f->storage), 0);
    assert_open_refused(f, "is a symbolic link");
    assert_int_equal(unlink(f->storage), 0);

    assert_int_equal(mkdir(f->storage, 0700), 0);
    assert_open_refused(f, "exists but is not a file");
    assert_int_equal(rmdir(f->storage), 0);

    if (geteuid() == 0) {
        assert_int_equal(rename(elsewhere, f->storage), 0);
        assert_int_equal(chown(f->storage, 65534, 65534), 0);
        assert_open_refused(f, "is owned by");
        setenv("KSSIM_ALLOW_OTHER_OWNER", "1", 1);
        device = open_stored(f);
        unsetenv("KSSIM_ALLOW_OTHER_OWNER");
        kssim_device_free(device);
        assert_int_equal(chown(f->storage, 0, 0), 0);
        assert_int_equal(rename(f->storage, elsewhere), 0);
    }

    /* Nothing was marked: with the file itself back, the device opens as it was. */
    assert_int_equal(rename(elsewhere, f->storage), 0);
    device = open_stored(f);
    begin(device);
    assert_false(rolled_back(device));
    assert_int_equal(sign(device, "vault"), KSSIM_OK);
    commit(device);
    kssim_device_free(device);
}

/* ---- Publishing G ---- */

static size_t temporary_files(const fixture *f)
{
    size_t count = 0;
    DIR *dir = opendir(f->root);
    assert_non_null(dir);
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL)
        if (strstr(entry->d_name, ".tmp") != NULL)
            count++;
    closedir(dir);
    return count;
}

/* Two handles of one process prepare in turn and publish in the other order: each has a temporary file
 * of its own, and the older generation never replaces the newer. */
static void publishes_in_the_wrong_order_leave_the_newer_generation(void **state)
{
    fixture *f = *state;
    assert_int_equal(mkdir(f->device, 0700), 0);
    sim_rollback_storage_write newer, older;
    char why[8192];
    assert_int_equal(sim_rollback_storage_prepare(f->device, 6, &newer, why, sizeof(why)), 0);
    assert_int_equal(sim_rollback_storage_prepare(f->device, 5, &older, why, sizeof(why)), 0);
    assert_string_not_equal(newer.temporary, older.temporary);
    assert_int_equal(sim_rollback_storage_publish(&newer), 0);
    assert_int_equal(sim_rollback_storage_publish(&older), 0);
    assert_int_equal(storage_generation(f), 6);
    assert_int_equal(temporary_files(f), 0);
}

static void sleep_ms(long ms)
{
    struct timespec pause = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&pause, NULL);
}

/* While another publisher holds DIR.rpmb.lock (between its read of G and its rename), a publish waits. */
static void a_publish_waits_for_the_one_in_progress(void **state)
{
    fixture *f = *state;
    assert_int_equal(mkdir(f->device, 0700), 0);
    publish_generation(f->device, 3);
    char lock_path[400];
    snprintf(lock_path, sizeof(lock_path), "%s.lock", f->storage);
    int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    assert_true(lock >= 0);
    assert_int_equal(flock(lock, LOCK_EX), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        sim_rollback_storage_write write;
        char why[8192];
        _exit(sim_rollback_storage_prepare(f->device, 4, &write, why, sizeof(why)) == 0 &&
                      sim_rollback_storage_publish(&write) == 0
                  ? 0
                  : 1);
    }
    sleep_ms(300);
    assert_int_equal(storage_generation(f), 3);
    assert_int_equal(flock(lock, LOCK_UN), 0);
    close(lock);
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(storage_generation(f), 4);
}

/* ---- Issue 18, round two ---- */

/* Puts DIR.rpmb at `generation`, lower or higher than it is (publish_generation only ever raises it). */
static void put_generation(const fixture *f, uint64_t generation)
{
    assert_int_equal(unlink(f->storage), 0);
    publish_generation(f->device, generation);
}

static uint32_t uses_left(kssim_device *device, const char *alias)
{
    kssim_key_info info;
    assert_int_equal(kssim_key_info_get(device, alias, &info), KSSIM_OK);
    return info.uses_remaining;
}

/* kssim init --force while a process that committed the old device has not yet renamed its G into place:
 * the new phone counts on from the old device's g, so the late rename does not put it behind. */
static void a_replacement_is_not_behind_a_publish_of_the_old_device(void **state)
{
    fixture *f = *state;
    kssim_device *device = open_stored(f);
    begin(device);
    generate(device, "limited", 10, false);
    commit(device);
    for (int i = 0; i < 3; i++) {
        begin(device);
        assert_int_equal(sign(device, "limited"), KSSIM_OK);
        commit(device);
    }
    kssim_device_free(device);
    uint64_t pending = storage_generation(f);
    /* The last commit's G not in place yet: its rename is still to come. */
    put_generation(f, 1);

    kssim_open_options options;
    kssim_open_options_default(&options);
    options.replace = true;
    assert_int_equal(kssim_device_open(f->device, &options, &device), KSSIM_OK);
    kssim_device_free(device);
    publish_generation(f->device, pending);

    device = open_stored(f);
    begin(device);
    assert_false(rolled_back(device));
    generate(device, "vault", 0, true);
    commit(device);
    kssim_device_free(device);
    device = open_stored(f);
    begin(device);
    assert_int_equal(sign(device, "vault"), KSSIM_OK);
    commit(device);
    kssim_device_free(device);
}

/* kssim check reads in a transaction of its own after reading G: a protected commit and publish by
 * another process after the caller's read transaction began is no rollback. */
static void check_is_not_misled_by_a_commit_after_the_read_snapshot(void **state)
{
    fixture *f = *state;
    kssim_device *writer = open_stored(f);
    begin(writer);
    generate(writer, "limited", 10, false);
    commit(writer);

    kssim_open_options options;
    kssim_open_options_default(&options);
    options.create = false;
    options.read_only = true;
    kssim_device *reader = NULL;
    assert_int_equal(kssim_device_open(f->device, &options, &reader), KSSIM_OK);
    begin(reader); /* its read snapshot: before the sign below */

    uint64_t before = storage_generation(f);
    begin(writer);
    assert_int_equal(sign(writer, "limited"), KSSIM_OK);
    commit(writer);
    assert_true(storage_generation(f) > before);

    if (kssim_device_check(reader) != KSSIM_OK)
        fail_msg("check: %s", kssim_device_message(reader));
    assert_false(rolled_back(reader));
    commit(reader);
    kssim_device_free(reader);
    kssim_device_free(writer);
}

/* DIR.rpmb.lock held by a process that never lets go: a protected commit is refused after a bounded
 * wait, before COMMIT, naming the file; nothing of the command is stored. */
static void a_lock_held_forever_refuses_the_commit_and_loses_nothing(void **state)
{
    fixture *f = *state;
    kssim_device *device = open_stored(f);
    begin(device);
    generate(device, "limited", 10, false);
    commit(device);
    char lock_path[400];
    snprintf(lock_path, sizeof(lock_path), "%s.lock", f->storage);
    int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    assert_true(lock >= 0);
    assert_int_equal(flock(lock, LOCK_EX), 0);
    uint64_t generation = storage_generation(f);

    begin(device);
    assert_int_equal(sign(device, "limited"), KSSIM_OK);
    assert_int_equal(kssim_device_commit(device), KSSIM_DEVICE_UNAVAILABLE);
    if (strstr(kssim_device_message(device), lock_path) == NULL)
        fail_msg("the refusal does not name %s: %s", lock_path, kssim_device_message(device));
    assert_int_equal(storage_generation(f), generation);
    close(lock);

    kssim_device *other = open_stored(f);
    begin(other);
    assert_int_equal(uses_left(other, "limited"), 10);
    assert_false(rolled_back(other));
    commit(other);
    kssim_device_free(other);
    kssim_device_free(device);
}

/* A lock file another user could open (here: open to others) is refused like the device's own files. */
static void a_lock_file_open_to_others_refuses_the_commit(void **state)
{
    fixture *f = *state;
    kssim_device *device = open_stored(f);
    begin(device);
    generate(device, "limited", 10, false);
    commit(device);
    char lock_path[400];
    snprintf(lock_path, sizeof(lock_path), "%s.lock", f->storage);
    assert_int_equal(chmod(lock_path, 0666), 0);

    begin(device);
    assert_int_equal(sign(device, "limited"), KSSIM_OK);
    assert_int_equal(kssim_device_commit(device), KSSIM_DEVICE_UNAVAILABLE);
    if (strstr(kssim_device_message(device), lock_path) == NULL)
        fail_msg("the refusal does not name %s: %s", lock_path, kssim_device_message(device));

    assert_int_equal(chmod(lock_path, 0600), 0);
    begin(device);
    assert_int_equal(uses_left(device, "limited"), 10);
    assert_int_equal(sign(device, "limited"), KSSIM_OK);
    commit(device);
    kssim_device_free(device);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_restored_snapshot_revives_ordinary_keys_only),
        cmocka_unit_test(restoring_the_latest_state_is_not_a_rollback),
        cmocka_unit_test(a_gatekeeper_failure_moves_the_storage_on),
        cmocka_unit_test(software_keymint_refuses_rollback_resistance),
        cmocka_unit_test(software_single_use_keys_revive_after_a_rollback),
        cmocka_unit_test_setup_teardown(only_protected_changes_write_the_storage, setup, teardown),
        cmocka_unit_test(images_of_the_previous_format_still_restore),
        cmocka_unit_test_setup_teardown(a_rollback_found_at_load_survives_a_failed_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(a_rollback_missed_at_load_is_found_at_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(a_storage_that_cannot_be_trusted_refuses_the_device, setup, teardown),
        cmocka_unit_test_setup_teardown(publishes_in_the_wrong_order_leave_the_newer_generation, setup, teardown),
        cmocka_unit_test_setup_teardown(a_publish_waits_for_the_one_in_progress, setup, teardown),
        cmocka_unit_test_setup_teardown(a_replacement_is_not_behind_a_publish_of_the_old_device, setup, teardown),
        cmocka_unit_test_setup_teardown(check_is_not_misled_by_a_commit_after_the_read_snapshot, setup, teardown),
        cmocka_unit_test_setup_teardown(a_lock_held_forever_refuses_the_commit_and_loses_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(a_lock_file_open_to_others_refuses_the_commit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
