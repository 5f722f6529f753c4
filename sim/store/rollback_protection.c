/*
 * rollback_protection.c - advancing the rollback-protected storage and detecting a rollback (see
 * rollback_protection.h for the rule and why).
 *
 * Which commits advance the storage is decided by a digest of the rollback-protected state, taken at
 * every load and commit, rather than by hooks in the rules: the rules stay a pure state machine that
 * knows nothing of files, and a commit that changed none of it (the common case: a signature) costs one
 * SHA-256 of a few hundred bytes and no I/O.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "store/rollback_protection.h"

/* Everything a rollback could bring back that the phone keeps in RPMB: Gatekeeper's failure count,
 * KeyMint's per-boot and rate-limit records, and whether the device was found rolled back; the uses left of
 * every usage-limited key and the rollback-resistant keys there are (by their blobs) are the key rows',
 * whose changes the key database records as they happen (protected_rows_changed), so a commit need not
 * read every row to know (issue 17). */
static bool protected_digest(kssim_device *device, uint8_t digest[32])
{
    sim_writer w;
    sim_writer_init(&w);
    sim_write_u32(&w, device->sw.gatekeeper.failure_count);
    sim_keymint_image_encode(device->sw.keymint, &w);
    sim_write_bool(&w, device->rollback_detected);
    size_t len = 0;
    uint8_t *bytes = sim_writer_finish(&w, &len);
    bool ok = bytes != NULL && sim_sha256(&device->env.crypto, bytes, len, digest) == 0;
    if (bytes != NULL) {
        OPENSSL_cleanse(bytes, len);
        free(bytes);
    }
    return ok;
}

static void remember_protected_state(kssim_device *device)
{
    device->has_rollback_protected_digest = protected_digest(device, device->rollback_protected_digest);
    device->ks.db.protected_rows_changed = false;
}

/* Whether rollback-protected state changed since the last load or commit. Without a record of it (a
 * new device, or a digest that could not be taken) it counts as changed: advancing once too often costs
 * a write, missing one would let a rollback pass unseen. */
static bool protected_state_changed(kssim_device *device)
{
    uint8_t now[32];
    if (!device->has_rollback_protected_digest || device->ks.db.protected_rows_changed ||
        !protected_digest(device, now))
        return true;
    return CRYPTO_memcmp(now, device->rollback_protected_digest, sizeof(now)) != 0;
}

static uint64_t next_generation(uint64_t stored, uint64_t storage)
{
    uint64_t highest = stored > storage ? stored : storage;
    return highest < UINT64_MAX ? highest + 1 : highest;
}

/* What g and the storage beside the device say, the one rule for a load and for kssim check. A file this
 * process may not read proves nothing either way: the load refuses instead (sim_rollback_after_load). */
typedef enum rollback_evidence {
    NO_EVIDENCE_OF_ROLLBACK,
    DEVICE_BEHIND_ITS_STORAGE,  /* g < G: an older copy of the directory, or a log that lost commits */
    STORAGE_LOST_AFTER_WRITING, /* g > 0, the storage missing or damaged: nothing vouches for the device */
} rollback_evidence;

static rollback_evidence evidence_of_rollback(uint64_t device_generation, uint64_t storage_generation,
                                              sim_rollback_storage_state storage_state)
{
    if (storage_state == SIM_ROLLBACK_STORAGE_PRESENT && device_generation < storage_generation)
        return DEVICE_BEHIND_ITS_STORAGE;
    if (device_generation > 0 &&
        (storage_state == SIM_ROLLBACK_STORAGE_MISSING || storage_state == SIM_ROLLBACK_STORAGE_DAMAGED))
        return STORAGE_LOST_AFTER_WRITING;
    return NO_EVIDENCE_OF_ROLLBACK;
}

static void mark_rolled_back(kssim_device *device)
{
    device->rollback_detected = true;
    sim_keystore2_on_rollback_detected(&device->ks);
}

void sim_rollback_after_restore(kssim_device *device, uint64_t storage_generation,
                                sim_rollback_storage_state storage_state)
{
    rollback_evidence evidence = evidence_of_rollback(device->rollback_generation, storage_generation, storage_state);
    /* Remembered before the marks below, so the next commit stores them and catches the storage up. */
    remember_protected_state(device);
    device->rollback_storage_generation = storage_generation;
    if (evidence != NO_EVIDENCE_OF_ROLLBACK)
        mark_rolled_back(device);
}

void sim_rollback_storage_take_reading(const char *directory, sim_rollback_storage_reading *reading)
{
    reading->state = sim_rollback_storage_read(directory, &reading->generation, reading->why, sizeof(reading->why));
    reading->taken = true;
}

kssim_result sim_rollback_after_load(kssim_device *device, const char *directory,
                                     const sim_rollback_storage_reading *before_snapshot)
{
    sim_rollback_storage_reading now;
    const sim_rollback_storage_reading *reading = before_snapshot;
    if (reading == NULL || !reading->taken) {
        sim_rollback_storage_take_reading(directory, &now);
        reading = &now;
    }
    /* Refused rather than taken for a rollback (which would be for good) or for none (which would let
     * rollback-resistant keys sign unvouched for). */
    if (reading->state == SIM_ROLLBACK_STORAGE_UNREADABLE)
        return sim_refuse(&device->env, KSSIM_DEVICE_UNAVAILABLE,
                          "the device's rollback-protected storage tells whether the device was rolled back, but %s",
                          reading->why);
    sim_rollback_after_restore(device, reading->generation, reading->state);
    return KSSIM_OK;
}

void sim_rollback_after_return_to_last_committed(kssim_device *device)
{
    /* The storage as the load of that image (or this process's last commit) found it: a storage that
     * was read has a generation of at least 1, so 0 is one the load found missing or damaged. Not read
     * again: outside the write lock, another process's newer G would pass for a rollback. */
    uint64_t storage_generation = device->rollback_storage_generation;
    sim_rollback_after_restore(device, storage_generation,
                               storage_generation > 0 ? SIM_ROLLBACK_STORAGE_PRESENT : SIM_ROLLBACK_STORAGE_MISSING);
}

/* Under the write lock at commit: the storage has moved past this device since its load (or this
 * process's last commit) without the device moving with it - its file could not be read then, or was put
 * back meanwhile - so the device is behind it, a rollback the load did not see. A G the load saw already
 * was judged then: judging it again would mark the rollback-resistant keys made since, which are vouched
 * for. A new phone (never loaded or committed, so without a digest) goes on counting from any G. */
static bool rollback_missed_at_load(const kssim_device *device, uint64_t storage_generation)
{
    return device->has_rollback_protected_digest && storage_generation > device->rollback_storage_generation &&
           evidence_of_rollback(device->rollback_generation, storage_generation, SIM_ROLLBACK_STORAGE_PRESENT) ==
               DEVICE_BEHIND_ITS_STORAGE;
}

kssim_result sim_rollback_prepare_commit(kssim_device *device, const char *directory, bool *advance)
{
    *advance = protected_state_changed(device);
    if (!*advance)
        return KSSIM_OK;
    /* Read again rather than trusting the load's number: a process that died between writing the
     * storage and committing may have moved it on meanwhile. */
    uint64_t storage_generation = 0;
    char why[2 * PATH_MAX + 512];
    sim_rollback_storage_state state = sim_rollback_storage_read(directory, &storage_generation, why, sizeof(why));
    if (state == SIM_ROLLBACK_STORAGE_UNREADABLE)
        /* Writing over a generation nobody could read would launder a rollback. */
        return sim_refuse(&device->env, KSSIM_DEVICE_UNAVAILABLE,
                          "the device's rollback-protected storage must be advanced, but %s", why);
    if (state != SIM_ROLLBACK_STORAGE_PRESENT)
        storage_generation = 0;
    else if (rollback_missed_at_load(device, storage_generation))
        mark_rolled_back(device);
    /* The highest G seen: a storage put back to an older number meanwhile does not hide what was. */
    if (state == SIM_ROLLBACK_STORAGE_PRESENT && storage_generation > device->rollback_storage_generation)
        device->rollback_storage_generation = storage_generation;
    device->rollback_generation = next_generation(device->rollback_generation, storage_generation);
    return KSSIM_OK;
}

kssim_result sim_rollback_prepare_storage(kssim_device *device, const char *directory,
                                          sim_rollback_storage_write *write)
{
    char why[2 * PATH_MAX + 512];
    if (sim_rollback_storage_prepare(directory, device->rollback_generation, write, why, sizeof(why)) != 0)
        return sim_refuse(&device->env, KSSIM_DEVICE_UNAVAILABLE,
                          "the device's rollback-protected storage cannot be updated: %s: make the directory that "
                          "holds the device directory writable by you, then retry",
                          why);
    /* Taken before COMMIT: a lock that cannot be had refuses the command while nothing is counted yet,
     * rather than leaving G behind for good (and later restores unseen). */
    if (sim_rollback_storage_lock(write, why, sizeof(why)) != 0) {
        sim_rollback_storage_discard(write);
        return sim_refuse(&device->env, KSSIM_DEVICE_UNAVAILABLE,
                          "the device's rollback-protected storage cannot be advanced: %s", why);
    }
    return KSSIM_OK;
}

void sim_rollback_committed(kssim_device *device, sim_rollback_storage_write *write, bool log_synced)
{
    if (write->prepared) {
        /* G must not get ahead of what a power failure leaves of the device, so a commit whose log could
         * not be synced leaves G behind - which the next protected commit catches up - except when there is
         * no storage yet: then the device would hold g > 0 without its storage, a rollback mark for good
         * at its next load, while publishing risks a mark only if the host also loses power before the
         * log reaches the disk. (Under the lock this write holds, no other process can create it meanwhile.)
         * The commit is durable otherwise; a rename that fails leaves the device ahead of its storage,
         * which the next protected commit catches up, so there is nothing to refuse. */
        if (!log_synced && sim_rollback_storage_exists(write))
            sim_rollback_storage_discard(write);
        else
            (void)sim_rollback_storage_publish(write);
        device->rollback_storage_generation = device->rollback_generation;
    }
    sim_rollback_storage_discard(write);
    remember_protected_state(device);
}

void sim_rollback_settle_memory_device(kssim_device *device)
{
    if (!protected_state_changed(device))
        return;
    device->rollback_generation = next_generation(device->rollback_generation, device->rollback_storage_generation);
    device->rollback_storage_generation = device->rollback_generation;
    remember_protected_state(device);
}

kssim_result sim_rollback_check_stored(kssim_device *device, const char *directory, uint64_t stored_generation,
                                       bool stored_detected, const sim_rollback_storage_reading *before_snapshot)
{
    char path[PATH_MAX];
    if (!sim_rollback_storage_path(directory, path, sizeof(path)))
        snprintf(path, sizeof(path), "the file beside %s", directory);
    uint64_t storage_generation = before_snapshot->generation;
    sim_rollback_storage_state state = before_snapshot->state;
    const char *why = before_snapshot->why;
    rollback_evidence evidence = evidence_of_rollback(stored_generation, storage_generation, state);
    if (evidence == DEVICE_BEHIND_ITS_STORAGE)
        return sim_refuse(&device->env, KSSIM_DEVICE_DAMAGED,
                          "the device was rolled back: it holds generation %" PRIu64 " of its rollback-protected "
                          "storage but %s is at generation %" PRIu64 ", so commits were lost (its directory restored "
                          "from a copy, or its log damaged); spent uses and Gatekeeper failures may be back, and "
                          "rollback-resistant keys refuse from now on: restore the latest copy of the directory, or "
                          "replace the device with `kssim init --force`",
                          stored_generation, path, storage_generation);
    if (state == SIM_ROLLBACK_STORAGE_UNREADABLE)
        return sim_refuse(&device->env, KSSIM_DEVICE_UNAVAILABLE,
                          "the device's rollback-protected storage cannot be checked: %s", why);
    if (evidence == STORAGE_LOST_AFTER_WRITING)
        return sim_refuse(&device->env, KSSIM_DEVICE_DAMAGED,
                          "the device holds generation %" PRIu64 " of its rollback-protected storage, but %s: the "
                          "device cannot prove it was not rolled back, and rollback-resistant keys refuse from now "
                          "on: put the device's %s back, or replace the device with `kssim init --force`",
                          stored_generation, state == SIM_ROLLBACK_STORAGE_MISSING ? "that storage is missing" : why,
                          path);
    if (stored_detected)
        return sim_refuse(&device->env, KSSIM_DEVICE_DAMAGED,
                          "the device was found rolled back earlier (behind its rollback-protected storage %s, now "
                          "at generation %" PRIu64 "): the rollback-resistant keys it held then refuse; replace the "
                          "device with `kssim init --force` to start from a phone that was never rolled back",
                          path, storage_generation);
    return KSSIM_OK;
}
