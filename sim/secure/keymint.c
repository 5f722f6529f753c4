/*
 * keymint.c - KeyMint's memory: the table of operations in flight and the per-key use records.
 *
 * Both live in the TEE's RAM, so a reboot loses them: operations in flight become unknown handles,
 * and MAX_USES_PER_BOOT and MIN_SECONDS_BETWEEN_OPS start again (keymaster_enforcement.cpp keeps them
 * in AccessCountMap and AccessTimeMap, which nothing persists).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "secure/keymint_internal.h"

#include "core/growable_array.h"

sim_keymint *sim_keymint_new(void)
{
    return calloc(1, sizeof(sim_keymint));
}

static void forget_everything(sim_keymint *km)
{
    for (size_t i = 0; i < KEYMINT_MAX_OPERATIONS; i++)
        keymint_release_operation(&km->operations[i]);
    free(km->usages);
    km->usages = NULL;
    km->usage_count = 0;
    km->usage_capacity = 0;
}

void sim_keymint_free(sim_keymint *km)
{
    if (km == NULL)
        return;
    forget_everything(km);
    keymint_key_cache_clear(km);
    free(km);
}

/* R-REBOOT-RESETS-PER-BOOT-COUNTS: per-key use records live in RAM. AOSP: keymaster_enforcement.cpp */
void sim_keymint_reboot(sim_secure_world *sw)
{
    if (sw->keymint != NULL)
        forget_everything(sw->keymint);
}

keymint_operation *keymint_find_operation(sim_keymint *km, uint64_t handle)
{
    if (handle == 0)
        return NULL;
    for (size_t i = 0; i < KEYMINT_MAX_OPERATIONS; i++)
        if (km->operations[i].active && km->operations[i].handle == handle)
            return &km->operations[i];
    return NULL;
}

size_t sim_keymint_operation_slots(kssim_security_level level)
{
    return level == KSSIM_SECURITY_STRONGBOX ? KEYMINT_STRONGBOX_OPERATION_SLOTS : KEYMINT_TEE_OPERATION_SLOTS;
}

bool sim_keymint_has_operation(const sim_secure_world *sw, uint64_t handle)
{
    return sw->keymint != NULL && keymint_find_operation(sw->keymint, handle) != NULL;
}

keymint_operation *keymint_free_operation_slot(sim_keymint *km)
{
    for (size_t i = 0; i < KEYMINT_MAX_OPERATIONS; i++)
        if (!km->operations[i].active)
            return &km->operations[i];
    return NULL;
}

void keymint_release_operation(keymint_operation *op)
{
    EVP_PKEY_free(op->private_key);
    EVP_MD_CTX_free(op->streaming);
    if (op->input != NULL) {
        OPENSSL_cleanse(op->input, op->input_capacity);
        free(op->input);
    }
    OPENSSL_cleanse(op, sizeof(*op));
}

const keymint_key_usage *keymint_find_key_usage(const sim_keymint *km, const uint8_t key_id[32])
{
    for (size_t i = 0; i < km->usage_count; i++)
        if (memcmp(km->usages[i].key_id, key_id, 32) == 0)
            return &km->usages[i];
    return NULL;
}

keymint_key_usage *keymint_key_usage_for(sim_keymint *km, const uint8_t key_id[32])
{
    const keymint_key_usage *found = keymint_find_key_usage(km, key_id);
    if (found != NULL)
        return &km->usages[found - km->usages];
    keymint_key_usage *grown =
        sim_array_with_room_for_one_more(km->usages, km->usage_count, &km->usage_capacity, sizeof(*grown), 16);
    if (grown == NULL)
        return NULL;
    km->usages = grown;
    keymint_key_usage *usage = &km->usages[km->usage_count++];
    memset(usage, 0, sizeof(*usage));
    memcpy(usage->key_id, key_id, 32);
    return usage;
}
