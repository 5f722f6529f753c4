/*
 * rollback_resistance.c - the keys KeyMint vouches for in rollback-protected storage, on a device found
 * rolled back: Tag::ROLLBACK_RESISTANCE keys and, where the TEE has such storage, single-use keys.
 *
 * On a phone KeyMint keeps a record of every rollback-resistant key in rollback-protected storage (RPMB,
 * which the TEE writes and a copy of the userdata partition does not carry), and a blob whose record is
 * gone is refused with INVALID_KEY_BLOB (Tag.aidl ROLLBACK_RESISTANCE: "when deleted ... the key is
 * guaranteed to be permanently deleted and unusable"). The reference TA gives a key with USAGE_COUNT_LIMIT 1
 * the same kind of record (a secure deletion slot) and erases it after the key's one successful use, so a
 * spent single-use key never works again, whatever copy of userdata comes back. The simulated storage holds
 * one generation number (sim/store/rollback_storage.c); when the stored device is behind it, the device was
 * restored from a copy or lost commits, and no key with such a record that existed then can be trusted to be
 * one the storage still vouches for (the simulator does not keep the records themselves, so a single-use key
 * that was never spent refuses too). Keys generated afterwards are vouched for again.
 *
 * keystore2 refuses here, before KeyMint's begin, standing for KeyMint's own check of its record: the
 * answer the app sees is the same INVALID_KEY_BLOB.
 */
#include "keystore2/keystore2.h"

/* R-USAGE-SINGLE-USE-SECURE-RECORD: a TEE/StrongBox key with USAGE_COUNT_LIMIT 1 (or ROLLBACK_RESISTANCE) has a
 * record in rollback-protected storage, erased by its one use. AOSP: system/keymint common/src/keyblob.rs
 * (requires_sdd: RollbackResistance or UsageCountLimit(1)), ta/src/operation.rs op_finish (slot_to_delete) */
static bool has_record_in_rollback_protected_storage(const sim_keystore2 *ks, const sim_key_entry *entry)
{
    if (entry->spec.rollback_resistant)
        return true;
    /* Software KeyMint has no secure deletion storage: its single-use keys are limited by keystore2 alone. */
    bool secure_hardware =
        entry->auth.security_level != KSSIM_SECURITY_SOFTWARE && ks->sw->security_level != KSSIM_SECURITY_SOFTWARE;
    return entry->auth.usage_count_limit == 1 && secure_hardware;
}

void sim_keystore2_on_rollback_detected(sim_keystore2 *ks)
{
    /* A row that cannot be read fails the command's commit (sim_key_database.load_failure). */
    (void)sim_key_database_load_all(&ks->db);
    for (size_t i = 0; i < ks->db.count; i++) {
        sim_key_entry *entry = ks->db.entries[i];
        if (has_record_in_rollback_protected_storage(ks, entry) && entry->deleted_because == KSSIM_REASON_NONE &&
            !entry->rolled_back) {
            entry->rolled_back = true;
            sim_key_database_mark_changed(&ks->db, entry, true);
        }
    }
}

kssim_result sim_keystore2_check_not_rolled_back(sim_keystore2 *ks, const sim_key_entry *entry)
{
    if (!entry->rolled_back)
        return KSSIM_OK;
    if (!entry->spec.rollback_resistant)
        return sim_refuse(ks->env, KSSIM_INVALID_KEY_BLOB,
                          "the device was rolled back (its directory restored from a copy or its log damaged): "
                          "single-use key '%s' (usage_count_limit 1) is vouched for by KeyMint's record in "
                          "rollback-protected storage, which its one use erases, so it can no longer be used; "
                          "generate a new one",
                          entry->alias);
    return sim_refuse(ks->env, KSSIM_INVALID_KEY_BLOB,
                      "the device was rolled back (its directory restored from a copy or its log damaged): "
                      "rollback-resistant key '%s' can no longer be used; delete it and generate a new one",
                      entry->alias);
}
