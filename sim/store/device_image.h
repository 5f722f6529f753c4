/*
 * device_image.h - the whole persistent state of a simulated phone as bytes, and back.
 *
 * A device is stored as one "state" image (configuration, clocks, the DRBG, the secure world: device
 * key, per-boot HMAC keys, Gatekeeper record, biometric templates and IDs, KeyMint's per-boot and
 * rate-limit counters; keystore2's lock state and token cache; the armed prompt) plus one image per
 * key-database row, as keystore2 keeps one row per key. Operations in flight are not part of it: they
 * live in the process that began them.
 *
 * The encoding is versioned, big-endian and length-checked; restoring never trusts a length or a count,
 * so a damaged image is refused (KSSIM_DEVICE_DAMAGED), never a crash, and leaves the device unchanged.
 */
#ifndef SIM_STORE_DEVICE_IMAGE_H
#define SIM_STORE_DEVICE_IMAGE_H

#include "framework/device.h"

#define SIM_DEVICE_IMAGE_VERSION 5u

typedef struct sim_key_image {
    char alias[KSSIM_ALIAS_MAX];
    uint8_t *bytes;
    size_t len;
} sim_key_image;

typedef struct sim_device_image {
    uint8_t *state;
    size_t state_len;
    sim_key_image *keys; /* sorted by alias */
    size_t key_count;
    /* The keys are some of the device's, not all: those changed since the last commit (a capture of the
     * changes), or none (the state row a store read, whose key rows are read when needed). removed: the
     * aliases whose rows go (only in a capture of the changes). */
    bool keys_partial;
    char (*removed)[KSSIM_ALIAS_MAX];
    size_t removed_count;
} sim_device_image;

/* Encodes the device as it is now, every key (a snapshot). KSSIM_OK or KSSIM_SYSTEM_ERROR (out of memory). */
kssim_result sim_device_image_capture(kssim_device *device, sim_device_image *image);
/* Encodes what a commit writes: the state, the key rows changed since the last commit and the aliases removed
 * since (keys_partial), so a command that touches one key of many encodes one. A row that could not be read
 * in this command (the key database's load_failure) refuses, with the sentence the read gave. */
kssim_result sim_device_image_capture_changes(kssim_device *device, sim_device_image *image);
/* Decodes one stored key row into db (the device's key database, filled as rows are needed). On
 * KSSIM_DEVICE_DAMAGED (or KSSIM_SYSTEM_ERROR) db is unchanged and the device's message names the key. */
kssim_result sim_device_image_load_key(kssim_device *device, sim_key_database *db, const sim_key_image *key);

/* Replaces the device's persistent state with the image's; an image of the state row only (keys_partial)
 * leaves the key database empty, its rows read from the store as commands need them. The configuration (seed, api
 * level, security level, realtime) comes from the image too. Operations in flight are kept when the image's boot count
 * is the device's, and aborted otherwise (another process rebooted the phone). On KSSIM_DEVICE_DAMAGED the device is
 * unchanged and its message says what is wrong. */
kssim_result sim_device_image_restore(kssim_device *device, const sim_device_image *image);

/* A copy of one key's image by alias, or NULL. */
const sim_key_image *sim_device_image_find_key(const sim_device_image *image, const char *alias);
void sim_device_image_free(sim_device_image *image);

#endif
