/*
 * seeds_device_records.c - writes seeds for fuzz_device_records into the directory it is given: the
 * images of the phone of support/fuzz_phone.c (whole, the state alone, and as a realtime phone) for its
 * restore and store modes, and that phone stored in a device database, vacuumed to 512-byte pages and
 * out of WAL mode so that the file is small and whole, for its database mode.
 *
 * These seeds are made, not kept in git, so that they always follow the current image format: a seed
 * in an old format would only ever exercise the version check.
 * Usage: seeds_device_records DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fuzz_images.h"
#include "fuzz_phone.h"
#include "store/sqlite_store.h"

/* The target's modes: the first byte of an input, modulo 3. */
#define MODE_RESTORE  0
#define MODE_STORE    1
#define MODE_DATABASE 2

static void write_images(const char *directory, const char *name, int mode, const sim_device_image *image)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s-%s", directory, name, mode == MODE_RESTORE ? "restored" : "stored");
    FILE *out = fopen(path, "wb");
    if (out == NULL || fputc(mode, out) == EOF || !fuzz_images_write(image, out) || fclose(out) != 0) {
        perror(path);
        exit(1);
    }
}

/* The phone, committed to a new device in directory. */
static void store_phone(const char *directory, const sim_device_image *image)
{
    kssim_device *device = NULL;
    fuzz_phone_require(NULL, kssim_device_open(directory, NULL, &device), "creating a stored device");
    fuzz_phone_require(device, kssim_device_begin(device), "beginning a transaction");
    fuzz_phone_require(device, sim_device_image_restore(device, image), "restoring the phone");
    fuzz_phone_require(device, kssim_device_commit(device), "committing the phone");
    kssim_device_free(device);
}

static void compact(const char *database)
{
    sqlite3 *db = NULL;
    if (sqlite3_open(database, &db) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA journal_mode = DELETE; PRAGMA page_size = 512; VACUUM;", NULL, NULL, NULL) !=
            SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", database, sqlite3_errmsg(db));
        exit(1);
    }
    sqlite3_close(db);
}

static void copy_database(const char *database, const char *path)
{
    FILE *in = fopen(database, "rb");
    FILE *out = fopen(path, "wb");
    if (in == NULL || out == NULL || fputc(MODE_DATABASE, out) == EOF) {
        perror(path);
        exit(1);
    }
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof(buffer), in)) > 0)
        if (fwrite(buffer, 1, n, out) != n)
            exit(1);
    fclose(in);
    if (fclose(out) != 0)
        exit(1);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    char path[4096];
    kssim_device *device = fuzz_phone_new();
    sim_device_image image;
    fuzz_phone_require(device, sim_device_image_capture(device, &image), "capturing the phone");
    kssim_device_free(device);

    sim_device_image state_only = image;
    state_only.key_count = 0;
    /* A realtime phone: what a begin does with its stored origin is reached only through such images. */
    device = fuzz_phone_new();
    device->config.realtime = true;
    device->host_boot_origin_ms = 1000;
    sim_device_image realtime;
    fuzz_phone_require(device, sim_device_image_capture(device, &realtime), "capturing the realtime phone");
    kssim_device_free(device);
    for (int mode = MODE_RESTORE; mode <= MODE_STORE; mode++) {
        write_images(argv[1], "phone", mode, &image);
        write_images(argv[1], "phone-state", mode, &state_only);
        write_images(argv[1], "realtime-phone", mode, &realtime);
    }
    sim_device_image_free(&realtime);

    char directory[] = "/tmp/kssim-fuzz-seeds-XXXXXX";
    if (mkdtemp(directory) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    char database[sizeof(directory) + 32];
    snprintf(database, sizeof(database), "%s/" SIM_DEVICE_STORE_FILE, directory);
    store_phone(directory, &image);
    compact(database);
    snprintf(path, sizeof(path), "%s/phone-database", argv[1]);
    copy_database(database, path);
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        snprintf(path, sizeof(path), "%s%s", database, suffixes[i]);
        unlink(path);
    }
    rmdir(directory);
    sim_device_image_free(&image);
    return 0;
}
