/*
 * rollback_resistance.c - Tag::ROLLBACK_RESISTANCE keys on a device found rolled back.
 *
 * On a phone KeyMint keeps a record of every rollback-resistant key in rollback-protected storage (RPMB,
 * which the TEE writes and a copy of the userdata partition does not carry), and a blob whose record is
 * gone is refused with INVALID_KEY_BLOB (Tag.aidl ROLLBACK_RESISTANCE: "when deleted ... the key is
 * guaranteed to be permanently deleted and unusable"). The simulated storage holds one generation number
 * (sim/store/rollback_storage.c); when the stored device is behind it, the device was restored from a copy
 * or lost commits, and no rollback-resistant key that existed then can be trusted to be the one the
 * storage vouched for. Keys generated afterwards are vouched for again.
 *
 * keystore2 refuses here, before KeyMint's begin, standing for KeyMint's own check of its record: the
 * answer the app sees is the same INVALID_KEY_BLOB.
 */
#include "keystore2/keystore2.h"

void sim_keystore2_on_rollback_detected(sim_keystore2 *ks)
{
    for (size_t i = 0; i < ks->db.count; i++) {
        sim_key_entry *entry = &ks->db.entries[i];
        if (entry->spec.rollback_resistant && entry->deleted_because == KSSIM_REASON_NONE)
            entry->rolled_back = true;
    }
}

kssim_result sim_keystore2_check_not_rolled_back(sim_keystore2 *ks, const sim_key_entry *entry)
{
    if (!entry->rolled_back)
        return KSSIM_OK;
    return sim_refuse(ks->env, KSSIM_INVALID_KEY_BLOB,
                      "the device was rolled back (its directory restored from a copy or its log damaged): "
                      "rollback-resistant key '%s' can no longer be used; delete it and generate a new one",
                      entry->alias);
}
