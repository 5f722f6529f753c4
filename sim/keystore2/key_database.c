/*
 * key_database.c - keystore2's key database: alias -> key blob, parameters and public key.
 *
 * As in keystore2's database.rs, a new key under an existing alias replaces the old one, and the
 * entry keeps a copy of the key's parameters for keystore2's own checks while KeyMint enforces the
 * copy bound into the blob. Entries stay sorted by alias so listings are stable.
 */
#include <stdlib.h>
#include <string.h>

#include "core/growable_array.h"
#include "core/invariant.h"
#include "keystore2/keystore2.h"

static size_t position_of(const sim_key_database *db, const char *alias, bool *found)
{
    size_t low = 0, high = db->count;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        int c = strcmp(db->entries[mid].alias, alias);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            low = mid + 1;
        else
            high = mid;
    }
    *found = false;
    return low;
}

static void release_key_material(sim_key_entry *entry)
{
    sim_key_blob_free(&entry->blob);
    free(entry->public_key);
    entry->public_key = NULL;
    entry->public_key_len = 0;
    free(entry->attestation_chain);
    entry->attestation_chain = NULL;
    entry->attestation_chain_len = 0;
}

sim_key_entry *sim_key_database_find(sim_key_database *db, const char *alias)
{
    bool found;
    size_t i = position_of(db, alias, &found);
    return found ? &db->entries[i] : NULL;
}

/* keystore2's database.rs load_key_entry finds no live entry for an unbound alias: the simulator keeps a key the
 * system deleted as a tombstone only so the framework can say why (R-INVALIDATED-EXCEPTION). */
sim_key_entry *sim_key_database_load_live(sim_key_database *db, const char *alias)
{
    sim_key_entry *entry = sim_key_database_find(db, alias);
    return entry != NULL && entry->deleted_because == KSSIM_REASON_NONE ? entry : NULL;
}

/* R-KEY-ALIAS-REPLACED: a key stored under a used alias replaces it. AOSP: database.rs store_new_key */
kssim_result sim_key_database_store(sim_key_database *db, sim_key_entry *entry)
{
    bool found;
    size_t i = position_of(db, entry->alias, &found);
    if (found) {
        release_key_material(&db->entries[i]);
        db->entries[i] = *entry;
        return KSSIM_OK;
    }
    sim_key_entry *grown = sim_array_with_room_for_one_more(db->entries, db->count, &db->capacity, sizeof(*grown), 8);
    if (grown == NULL)
        return KSSIM_SYSTEM_ERROR;
    db->entries = grown;
    memmove(&db->entries[i + 1], &db->entries[i], (db->count - i) * sizeof(*db->entries));
    db->entries[i] = *entry;
    db->count++;
    /* The binary search of position_of relies on it. */
    KSSIM_INVARIANT(i == 0 || strcmp(db->entries[i - 1].alias, db->entries[i].alias) < 0,
                    "the key database stays sorted by alias, each alias once");
    KSSIM_INVARIANT(i + 1 == db->count || strcmp(db->entries[i].alias, db->entries[i + 1].alias) < 0,
                    "the key database stays sorted by alias, each alias once");
    KSSIM_INVARIANT(db->count <= db->capacity, "the key database holds its entries");
    return KSSIM_OK;
}

void sim_key_database_remove(sim_key_database *db, const char *alias)
{
    bool found;
    size_t i = position_of(db, alias, &found);
    if (!found)
        return;
    release_key_material(&db->entries[i]);
    memmove(&db->entries[i], &db->entries[i + 1], (db->count - i - 1) * sizeof(*db->entries));
    db->count--;
}

void sim_key_database_tombstone(sim_key_database *db, sim_key_entry *entry, kssim_invalidation_reason reason)
{
    KSSIM_INVARIANT(entry >= db->entries && entry < db->entries + db->count, "a tombstone is a row of this database");
    KSSIM_INVARIANT(reason != KSSIM_REASON_NONE, "a key the system deleted remembers why");
    release_key_material(entry);
    entry->deleted_because = reason;
    KSSIM_INVARIANT(entry->blob.data == NULL && entry->public_key == NULL && entry->attestation_chain == NULL,
                    "a tombstone keeps no key material");
}

void sim_key_database_cleanup(sim_key_database *db)
{
    for (size_t i = 0; i < db->count; i++)
        release_key_material(&db->entries[i]);
    free(db->entries);
    memset(db, 0, sizeof(*db));
}
