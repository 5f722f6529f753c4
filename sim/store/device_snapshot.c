/*
 * device_snapshot.c - snapshots of a memory device (kssim_snapshot_take / kssim_snapshot_restore):
 * what copying a device directory and putting the copy back does, for scenarios, whose devices have no
 * directory.
 *
 * A snapshot is the device's images (device_image.c), as the directory would hold them. The device's
 * rollback-protected storage stays with the device, as DIR.rpmb stays beside the directory: taking a
 * snapshot first brings the storage up to date with the device (what a stored device's last commit did),
 * and restoring one compares the restored generation with it (rollback_protection.c).
 */
#include <stdlib.h>

#include "store/device_image.h"
#include "store/rollback_protection.h"

struct kssim_snapshot {
    sim_device_image image;
};

static kssim_result refuse_stored_device(kssim_device *device)
{
    return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT,
                      "snapshots are for memory: devices; a device in a directory is snapshotted by copying the "
                      "directory (while no process uses it) and restored by putting the copy back");
}

kssim_result kssim_snapshot_take(kssim_device *device, kssim_snapshot **out)
{
    SIM_BEGIN_CALL(device);
    *out = NULL;
    if (device->store != NULL)
        return refuse_stored_device(device);
    kssim_snapshot *snapshot = calloc(1, sizeof(*snapshot));
    if (snapshot == NULL)
        return sim_refuse(&device->env, KSSIM_SYSTEM_ERROR, "out of memory for a snapshot: free some memory and retry");
    sim_rollback_settle_memory_device(device);
    kssim_result r = sim_device_image_capture(device, &snapshot->image);
    if (r != KSSIM_OK) {
        free(snapshot);
        return r;
    }
    *out = snapshot;
    return KSSIM_OK;
}

kssim_result kssim_snapshot_restore(kssim_device *device, const kssim_snapshot *snapshot)
{
    SIM_BEGIN_CALL(device);
    if (device->store != NULL)
        return refuse_stored_device(device);
    /* What changed since the snapshot advanced the storage, as the commits that changed it would have. */
    sim_rollback_settle_memory_device(device);
    uint64_t storage_generation = device->rollback_storage_generation;
    kssim_result r = sim_device_image_restore(device, &snapshot->image);
    if (r != KSSIM_OK)
        return r;
    sim_rollback_after_restore(device, storage_generation, SIM_ROLLBACK_STORAGE_PRESENT);
    return KSSIM_OK;
}

void kssim_snapshot_free(kssim_snapshot *snapshot)
{
    if (snapshot == NULL)
        return;
    sim_device_image_free(&snapshot->image);
    free(snapshot);
}
