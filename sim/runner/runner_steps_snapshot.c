/*
 * runner_steps_snapshot.c - snapshot and restore_snapshot: a copy of the device directory taken, and
 * put back later, on the scenario's memory device (kssim_snapshot_take / kssim_snapshot_restore), so a
 * scenario can show what a rollback revives and what a rollback-resistant key refuses.
 */
#include <stdio.h>

#include "runner/runner_internal.h"

kssim_result runner_step_snapshot(runner_context *context, const scenario_step *step)
{
    runner_slot *slot = runner_slot_of(context, step, SCENARIO_KEY_AS);
    kssim_snapshot *snapshot = NULL;
    kssim_result r = kssim_snapshot_take(context->device, &snapshot);
    if (r != KSSIM_OK)
        return r;
    if (slot == NULL) {
        kssim_snapshot_free(snapshot);
        return KSSIM_OK;
    }
    kssim_snapshot_free(slot->snapshot);
    slot->snapshot = snapshot;
    slot->produced = true;
    return KSSIM_OK;
}

kssim_result runner_step_restore_snapshot(runner_context *context, const scenario_step *step)
{
    runner_slot *slot = runner_slot_of(context, step, SCENARIO_KEY_FROM);
    if (slot == NULL || slot->snapshot == NULL) {
        snprintf(context->note, sizeof(context->note),
                 "the snapshot this step names was never taken (its snapshot step was refused)");
        return KSSIM_INVALID_ARGUMENT;
    }
    return kssim_snapshot_restore(context->device, slot->snapshot);
}
