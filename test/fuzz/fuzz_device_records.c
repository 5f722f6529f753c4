/*
 * fuzz_device_records.c - libFuzzer target: the device's stored records as they are read back, from
 * bytes the fuzzer chose (sim/store/device_image.c and the image decoders of every layer; sqlite_store.c).
 *
 * A device directory is a file on the user's disk: a crash, a disk filling up, another program or a
 * person with an editor can leave anything in it. Reading it back must refuse what is damaged with
 * KSSIM_DEVICE_DAMAGED, never crash, and never half-apply: a refused restore leaves the device exactly as
 * it was, and an accepted one gives a device whose own image restores to the same device again.
 *
 * The first byte modulo 3 chooses what the rest is:
 * - 0: a state image and key images (support/fuzz_images.h), restored into a device that holds the
 *   phone of support/fuzz_phone.c; the device is captured before and after and compared.
 * - 1: the same images, stored as rows of a new device database (sqlite_store.c), which is then used as a
 *   command uses its device: opened, checked (kssim_device_check), and one transaction that reads every
 *   key and commits - which is where a realtime device follows the host's clocks from what it stored.
 * - 2: the bytes of DIR/device.sqlite3 itself, used the same way.
 * Every key of a device that was accepted is then used - described, exported, signed and encrypted with,
 * verified against - since a stored key's policy and public key are read back from the same bytes.
 * seeds/seeds_device_records.c writes real images and a real database as seeds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_images.h"
#include "fuzz_phone.h"
#include "store/sqlite_store.h"

static sim_device_image phone_image;
static char directory[] = "/tmp/kssim-fuzz-records-XXXXXX";
static char database[sizeof(directory) + 32];

static void cleanup_directory(void)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char path[sizeof(database) + 16];
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        snprintf(path, sizeof(path), "%s%s", database, suffixes[i]);
        unlink(path);
    }
    /* The device's rollback-protected storage, beside the directory: each input starts without one, so
     * no input depends on what an earlier one committed. */
    snprintf(path, sizeof(path), "%s.rpmb", directory);
    unlink(path);
}

static void remove_directory(void)
{
    cleanup_directory();
    rmdir(directory);
}

static kssim_device *phone(void)
{
    kssim_config config;
    kssim_config_default(&config);
    kssim_device *device = NULL;
    fuzz_phone_require(NULL, kssim_device_create(&config, &device), "creating a device");
    fuzz_phone_require(device, sim_device_image_restore(device, &phone_image), "restoring the phone");
    return device;
}

static void fail(const char *what, kssim_device *device)
{
    fprintf(stderr, "fuzz_device_records: %s (%s)\n", what, kssim_device_message(device));
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* The database bytes written by hand are private, as a device's files must be (others are refused
     * before their contents are read). */
    umask(077);
    kssim_device *device = fuzz_phone_new();
    fuzz_phone_require(device, sim_device_image_capture(device, &phone_image), "capturing the phone");
    kssim_device_free(device);
    /* The comparison after a refused restore relies on this: the phone restored is the phone captured. */
    device = phone();
    sim_device_image restored;
    fuzz_phone_require(device, sim_device_image_capture(device, &restored), "capturing the restored phone");
    if (!fuzz_images_equal(&restored, &phone_image))
        fail("the restored phone is not the captured one", device);
    sim_device_image_free(&restored);
    kssim_device_free(device);
    if (mkdtemp(directory) == NULL)
        return -1;
    snprintf(database, sizeof(database), "%s/device.sqlite3", directory);
    atexit(remove_directory);
    return 0;
}

/* Uses a key as an app would, whatever its stored policy says; every result is acceptable. */
static void use_key(kssim_device *device, const char *alias)
{
    static const uint8_t data[] = "stored keys are used too";
    kssim_key_info info;
    kssim_key_info_get(device, alias, &info);
    uint8_t *out = NULL;
    size_t out_len = 0, nonce_len = 0;
    if (kssim_export_public(device, alias, &out, &out_len) == KSSIM_OK)
        kssim_free(out);
    kssim_operation op;
    if (kssim_begin(device, alias, KSSIM_PURPOSE_SIGN, NULL, &op) == KSSIM_OK) {
        out = NULL;
        if (kssim_finish(device, op.handle, data, sizeof(data), NULL, 0, &out, &out_len) == KSSIM_OK) {
            kssim_verify(device, alias, NULL, data, sizeof(data), out, out_len);
            kssim_free(out);
        } else {
            kssim_abort(device, op.handle);
        }
    }
    out = NULL;
    if (kssim_encrypt(device, alias, NULL, data, sizeof(data), &out, &out_len, &nonce_len) == KSSIM_OK)
        kssim_free(out);
    kssim_verify(device, alias, NULL, data, sizeof(data), data, sizeof(data));
}

static void use_every_key(kssim_device *device)
{
    char **aliases = NULL;
    size_t count = 0;
    if (kssim_key_aliases(device, &aliases, &count) != KSSIM_OK)
        return;
    for (size_t i = 0; i < count; i++) {
        use_key(device, aliases[i]);
        kssim_free(aliases[i]);
    }
    kssim_free(aliases);
}

/* An accepted image must describe a device completely: capturing that device and restoring the capture
 * into another device gives the same bytes again. */
static void check_restores_again(const sim_device_image *accepted)
{
    kssim_device *again = phone();
    if (sim_device_image_restore(again, accepted) != KSSIM_OK)
        fail("a device's own image is refused", again);
    sim_device_image recaptured;
    fuzz_phone_require(again, sim_device_image_capture(again, &recaptured), "capturing again");
    if (!fuzz_images_equal(accepted, &recaptured))
        fail("a device's own image restores to another device", again);
    sim_device_image_free(&recaptured);
    use_every_key(again);
    kssim_device_free(again);
}

static void restore_images(fuzz_input *input)
{
    sim_device_image image;
    if (!fuzz_images_read(input, &image))
        return;
    kssim_device *device = phone();
    kssim_result r = sim_device_image_restore(device, &image);
    sim_device_image after;
    fuzz_phone_require(device, sim_device_image_capture(device, &after), "capturing after the restore");
    if (r == KSSIM_OK)
        check_restores_again(&after);
    else if (r != KSSIM_DEVICE_DAMAGED && r != KSSIM_SYSTEM_ERROR)
        fail("a restore was refused with neither DEVICE_DAMAGED nor SYSTEM_ERROR", device);
    else if (!fuzz_images_equal(&after, &phone_image))
        fail("a refused restore changed the device", device);
    sim_device_image_free(&after);
    kssim_device_free(device);
    fuzz_images_release(&image);
}

/* What commands do with a device directory: open, check, and one transaction that uses every key. */
static void use_as_a_command(void)
{
    kssim_open_options options;
    kssim_open_options_default(&options);
    options.create = false;
    kssim_device *device = NULL;
    if (kssim_device_open(directory, &options, &device) != KSSIM_OK)
        return;
    kssim_device_check(device);
    if (kssim_device_begin(device) == KSSIM_OK) {
        use_every_key(device);
        kssim_device_commit(device);
    }
    kssim_device_free(device);
}

static void store_images(fuzz_input *input)
{
    sim_device_image image, rows;
    if (!fuzz_images_read(input, &image))
        return;
    bool copied = fuzz_images_copy_for_store(&image, &rows);
    fuzz_images_release(&image);
    if (!copied)
        return;
    cleanup_directory();
    sim_device_store *store = NULL;
    char why[512];
    bool changed;
    if (sim_device_store_open(directory, SIM_DEVICE_STORE_OPEN_OR_CREATE, &store, why, sizeof(why)) != KSSIM_OK ||
        sim_device_store_begin(store, &changed) != KSSIM_OK) {
        fprintf(stderr, "fuzz_device_records: cannot make a device database: %s\n",
                store != NULL ? sim_device_store_message(store) : why);
        abort();
    }
    bool written = sim_device_store_write(store, &rows) == KSSIM_OK && sim_device_store_commit(store) == KSSIM_OK;
    sim_device_image_free(&rows);
    sim_device_store_close(store);
    if (written)
        use_as_a_command();
}

static void open_database(const uint8_t *bytes, size_t size)
{
    cleanup_directory();
    FILE *file = fopen(database, "wb");
    if (file == NULL || fwrite(bytes, 1, size, file) != size || fclose(file) != 0)
        abort();
    use_as_a_command();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    fuzz_input input;
    fuzz_input_init(&input, data + 1, size - 1);
    switch (data[0] % 3) {
    case 0:
        restore_images(&input);
        break;
    case 1:
        store_images(&input);
        break;
    default:
        open_database(data + 1, size - 1);
        break;
    }
    return 0;
}
