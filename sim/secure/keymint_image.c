/*
 * keymint_image.c - KeyMint's use records as a stored device keeps them.
 *
 * A real TEE keeps MAX_USES_PER_BOOT and MIN_SECONDS_BETWEEN_OPS in RAM (keymaster_enforcement.cpp's
 * AccessCountMap and AccessTimeMap), which lives as long as the boot. A stored device's boot outlives
 * each process, so the records travel with the device and only a reboot clears them. Operations in
 * flight stay in the process that began them: they hold parsed private keys and are never stored.
 */
#include <stdlib.h>
#include <string.h>

#include "secure/keymint_internal.h"

/* Far beyond any device's key count; it only stops a damaged count from asking for gigabytes. */
#define KEYMINT_MAX_STORED_USAGES (1u << 20)
/* key_id, has_last_begin, last_begin_s, uses_this_boot */
#define KEYMINT_USAGE_IMAGE_BYTES (32 + 1 + 8 + 4)

void sim_keymint_image_encode(const sim_keymint *km, sim_writer *w)
{
    if (km->usage_count > KEYMINT_MAX_STORED_USAGES) {
        w->failed = true; /* cannot happen; better no image than one that will not load */
        return;
    }
    sim_write_u32(w, (uint32_t)km->usage_count);
    for (size_t i = 0; i < km->usage_count; i++) {
        const keymint_key_usage *usage = &km->usages[i];
        sim_write_raw(w, usage->key_id, sizeof(usage->key_id));
        sim_write_bool(w, usage->has_last_begin);
        sim_write_u64(w, usage->last_begin_s);
        sim_write_u32(w, usage->uses_this_boot);
    }
}

sim_keymint *sim_keymint_image_decode(sim_reader *r)
{
    uint32_t count = sim_read_count(r, KEYMINT_MAX_STORED_USAGES, KEYMINT_USAGE_IMAGE_BYTES,
                                    "KeyMint's count of use records is impossible");
    if (sim_reader_failed(r))
        return NULL;
    sim_keymint *km = sim_keymint_new();
    if (km == NULL || (count > 0 && (km->usages = calloc(count, sizeof(*km->usages))) == NULL)) {
        sim_keymint_free(km);
        sim_reader_fail_out_of_memory(r);
        return NULL;
    }
    km->usage_capacity = count;
    for (uint32_t i = 0; i < count; i++) {
        keymint_key_usage *usage = &km->usages[i];
        sim_read_raw(r, usage->key_id, sizeof(usage->key_id));
        usage->has_last_begin = sim_read_bool(r);
        usage->last_begin_s = sim_read_u64(r);
        usage->uses_this_boot = sim_read_u32(r);
    }
    km->usage_count = count;
    if (sim_reader_failed(r)) {
        sim_keymint_free(km);
        return NULL;
    }
    return km;
}

void sim_keymint_image_apply(sim_keymint *km, sim_keymint *decoded)
{
    free(km->usages);
    km->usages = decoded->usages;
    km->usage_count = decoded->usage_count;
    km->usage_capacity = decoded->usage_capacity;
    decoded->usages = NULL;
    decoded->usage_count = 0;
    decoded->usage_capacity = 0;
    sim_keymint_free(decoded);
}
