/*
 * rollback_protection.h - when a device advances its rollback-protected storage, and how it finds out
 * that it was rolled back.
 *
 * Copying a device directory and putting the copy back later - or a damaged write-ahead log, which makes
 * SQLite ignore the damaged frame and every later one - gives a phone that is an older commit of itself:
 * spent single-use keys are back, Gatekeeper's failure count is what it was. A phone resists that for
 * what lives in RPMB. Here the rollback-protected storage holds one generation G (rollback_storage.h) and
 * the state image the generation g the device last wrote:
 *
 * - a commit that changed rollback-protected state - a use charged to a key with a use or rate limit
 *   (USAGE_COUNT_LIMIT, MAX_USES_PER_BOOT, MIN_SECONDS_BETWEEN_OPS), a rollback-resistant key made or
 *   deleted, a change of Gatekeeper's failure count, a reboot that clears KeyMint's per-boot records, a
 *   new phone - writes G = max(g, G) + 1 and stores g = G. Every other commit (a signature with an
 *   ordinary key, say) leaves the storage alone, so it costs no more than it did. The new G is written
 *   and synced to a temporary file before SQLite's COMMIT (so a storage that cannot be written refuses
 *   the commit, and nothing is lost) and renamed into place after it: a process killed in between leaves
 *   the device one generation ahead of its storage (g > G), which is no rollback, rather than behind;
 * - whenever the device is loaded (open, a reload after another process's commit, a restored snapshot),
 *   and at a commit that advances the storage (for a G the load did not see), g < G, or at a load g > 0
 *   with the storage missing or damaged, means the device was rolled back: it is marked
 *   so for good (kssim status, kssim check) and every rollback-resistant key it holds refuses from then
 *   on (keystore2/rollback_resistance.c). Ordinary keys go on working, revived uses and all, as on a
 *   phone whose userdata was restored.
 *
 * Memory devices have no files: their G lives in the device, and snapshots (kssim_snapshot_take and
 * kssim_snapshot_restore) stand for copying and restoring a directory.
 */
#ifndef SIM_STORE_ROLLBACK_PROTECTION_H
#define SIM_STORE_ROLLBACK_PROTECTION_H

#include "framework/device.h"
#include "store/rollback_storage.h"

/* After an image was restored into the device: compares g with the storage's G in the state it was found
 * and marks the device rolled back if it is behind; remembers the rollback-protected state. */
void sim_rollback_after_restore(kssim_device *device, uint64_t storage_generation,
                                sim_rollback_storage_state storage_state);
/* G as read at one moment, kept for a judgement made later. */
typedef struct sim_rollback_storage_reading {
    bool taken;
    sim_rollback_storage_state state;
    uint64_t generation;
    char why[2 * PATH_MAX + 512];
} sim_rollback_storage_reading;

/* Reads G from the storage beside `directory` into `reading`. A read transaction (plain BEGIN) sees the
 * commit that was latest at its first read, while G moves on whenever a process publishes: G read after
 * that snapshot can belong to a newer commit, and would pass for a rollback. G never exceeds the latest
 * committed g (it is renamed into place after its COMMIT), so G read BEFORE the snapshot is never ahead of
 * it: read-only transactions take their reading first. A writable transaction (BEGIN IMMEDIATE) holds the
 * write lock from its begin, so G read under it belongs to a commit the snapshot holds already. */
void sim_rollback_storage_take_reading(const char *directory, sim_rollback_storage_reading *reading);

/* The same for a stored device, comparing with `before_snapshot` if it was taken, else reading G now
 * (under the write lock) from the storage beside `directory`. KSSIM_DEVICE_UNAVAILABLE,
 * with the sentence in the device's message and nothing marked, when that storage cannot be read or
 * trusted (rollback_storage.h, SIM_ROLLBACK_STORAGE_UNREADABLE): without it the device cannot tell
 * whether it was rolled back, so it is not used, not even to read. */
kssim_result sim_rollback_after_load(kssim_device *device, const char *directory,
                                     const sim_rollback_storage_reading *before_snapshot);
/* After a stored device was put back to its last committed image (a commit or command that failed): a
 * rollback found when that image was loaded is marked again, since the image was stored before it was
 * found. Compares with the G that load (or the last commit) saw, not a new read. */
void sim_rollback_after_return_to_last_committed(kssim_device *device);

/* Stored devices, at commit, before the image is captured: *advance tells whether this commit changed
 * rollback-protected state; if so the device's g is set to the next generation, read from the storage so
 * the number never goes back. A storage that moved past the device since its load (g < G, a G the load
 * did not see) is a rollback the load missed: marked as a load would, before advancing. KSSIM_DEVICE_UNAVAILABLE
 * when it must advance a storage file this process cannot read. */
kssim_result sim_rollback_prepare_commit(kssim_device *device, const char *directory, bool *advance);
/* Before SQLite's COMMIT: writes the device's g to a synced temporary file beside the storage and takes
 * the storage's lock (sim_rollback_storage_lock), held until sim_rollback_committed or a discard.
 * KSSIM_DEVICE_UNAVAILABLE with the sentence in the device's message when it cannot (nothing is held then). */
kssim_result sim_rollback_prepare_storage(kssim_device *device, const char *directory,
                                          sim_rollback_storage_write *write);
/* After a successful COMMIT: the prepared generation takes its place (if one was prepared) - when
 * log_synced says the commit was made durable first, or when there is no storage yet - and what was
 * stored is now the state future commits compare with. The lock is released. */
void sim_rollback_committed(kssim_device *device, sim_rollback_storage_write *write, bool log_synced);

/* Memory devices: advances the in-device storage if rollback-protected state changed since it last did,
 * as a stored device's commit would. */
void sim_rollback_settle_memory_device(kssim_device *device);

/* kssim check: DEVICE_DAMAGED with the sentence when the stored image (its g and whether it was found
 * rolled back) is behind the storage beside `directory` - as read into before_snapshot before the
 * check's read transaction began - or was rolled back before. */
kssim_result sim_rollback_check_stored(kssim_device *device, const char *directory, uint64_t stored_generation,
                                       bool stored_detected, const sim_rollback_storage_reading *before_snapshot);

#endif
