/*
 * key_database.c - keystore2's key database: alias -> key blob, parameters and public key.
 *
 * As in keystore2's database.rs, a new key under an existing alias replaces the old one, and the
 * entry keeps a copy of the key's parameters for keystore2's own checks while KeyMint enforces the
 * copy bound into the blob. Entries stay sorted by alias so listings are stable.
 *
 * A device directory's database is not read whole: an entry is read from the row source the first time a
 * command needs its alias, as keystore2 loads one key entry per operation (database.rs load_key_entry),
 * and the database remembers which aliases changed or went since the last commit, so the commit writes
 * those rows only (issue 17; docs/device.md).
 */
#include <stdio.h>
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
        int c = strcmp(db->entries[mid]->alias, alias);
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

static bool list_holds(const sim_key_alias_list *list, const char *alias)
{
    for (size_t i = 0; i < list->count; i++)
        if (strcmp(list->aliases[i], alias) == 0)
            return true;
    return false;
}

/* Out of memory: the alias is not remembered, so the commit would miss its row; the load failure makes
 * that commit refuse instead. */
static void list_add(sim_key_database *db, sim_key_alias_list *list, const char *alias)
{
    char(*grown)[KSSIM_ALIAS_MAX] =
        sim_array_with_room_for_one_more(list->aliases, list->count, &list->capacity, sizeof(*grown), 8);
    if (grown == NULL) {
        db->load_failure = KSSIM_SYSTEM_ERROR;
        return;
    }
    list->aliases = grown;
    snprintf(list->aliases[list->count], KSSIM_ALIAS_MAX, "%s", alias);
    list->count++;
}

static void list_clear(sim_key_alias_list *list)
{
    list->count = 0;
}

static void list_free(sim_key_alias_list *list)
{
    free(list->aliases);
    memset(list, 0, sizeof(*list));
}

sim_key_entry *sim_key_database_cached(sim_key_database *db, const char *alias)
{
    bool found;
    size_t i = position_of(db, alias, &found);
    return found ? db->entries[i] : NULL;
}

/* Whether the source may hold a row for alias that is not in memory: not when every row is here, nor when
 * this command removed the alias (the row still on disk is gone at the commit). */
static bool source_may_hold(const sim_key_database *db, const char *alias)
{
    return db->source.load_row != NULL && !db->all_loaded && !list_holds(&db->removed, alias);
}

sim_key_entry *sim_key_database_find(sim_key_database *db, const char *alias)
{
    sim_key_entry *entry = sim_key_database_cached(db, alias);
    if (entry != NULL || !source_may_hold(db, alias))
        return entry;
    bool found = false;
    kssim_result r = db->source.load_row(db->source.context, db, alias, &found);
    if (r != KSSIM_OK) {
        db->load_failure = r;
        return NULL;
    }
    return found ? sim_key_database_cached(db, alias) : NULL;
}

kssim_result sim_key_database_load_all(sim_key_database *db)
{
    if (db->source.load_all == NULL || db->all_loaded)
        return KSSIM_OK;
    kssim_result r = db->source.load_all(db->source.context, db);
    if (r != KSSIM_OK) {
        db->load_failure = r;
        return r;
    }
    db->all_loaded = true;
    return KSSIM_OK;
}

bool sim_key_entry_is_rollback_protected(const sim_key_entry *entry)
{
    return entry->auth.usage_count_limit != 0 || entry->spec.rollback_resistant;
}

void sim_key_database_mark_changed(sim_key_database *db, sim_key_entry *entry, bool protected_fields)
{
    if (protected_fields && sim_key_entry_is_rollback_protected(entry))
        db->protected_rows_changed = true;
    /* A memory: device has no rows to write: only rollback protection asks what changed. */
    if (entry->changed || db->source.load_row == NULL)
        return;
    entry->changed = true;
    list_add(db, &db->changed, entry->alias);
}

void sim_key_database_committed(sim_key_database *db)
{
    for (size_t i = 0; i < db->changed.count; i++) {
        sim_key_entry *entry = sim_key_database_cached(db, db->changed.aliases[i]);
        if (entry != NULL)
            entry->changed = false;
    }
    list_clear(&db->changed);
    list_clear(&db->removed);
}

static void free_entries(sim_key_database *db)
{
    for (size_t i = 0; i < db->count; i++) {
        release_key_material(db->entries[i]);
        free(db->entries[i]);
    }
    db->count = 0;
}

/* sorted insertion of a new entry (its own allocation) at position i */
static kssim_result insert_at(sim_key_database *db, size_t i, const sim_key_entry *entry)
{
    sim_key_entry *copy = malloc(sizeof(*copy));
    if (copy == NULL)
        return KSSIM_SYSTEM_ERROR;
    sim_key_entry **grown = sim_array_with_room_for_one_more(db->entries, db->count, &db->capacity, sizeof(*grown), 8);
    if (grown == NULL) {
        free(copy);
        return KSSIM_SYSTEM_ERROR;
    }
    *copy = *entry;
    db->entries = grown;
    memmove(&db->entries[i + 1], &db->entries[i], (db->count - i) * sizeof(*db->entries));
    db->entries[i] = copy;
    db->count++;
    /* The binary search of position_of relies on it. */
    KSSIM_INVARIANT(i == 0 || strcmp(db->entries[i - 1]->alias, db->entries[i]->alias) < 0,
                    "the key database stays sorted by alias, each alias once");
    KSSIM_INVARIANT(i + 1 == db->count || strcmp(db->entries[i]->alias, db->entries[i + 1]->alias) < 0,
                    "the key database stays sorted by alias, each alias once");
    KSSIM_INVARIANT(db->count <= db->capacity, "the key database holds its entries");
    return KSSIM_OK;
}

kssim_result sim_key_database_store_loaded(sim_key_database *db, sim_key_entry *entry)
{
    bool found;
    size_t i = position_of(db, entry->alias, &found);
    KSSIM_INVARIANT(!found, "a row is loaded into the database once");
    entry->changed = false;
    return insert_at(db, i, entry);
}

sim_key_entry *sim_key_database_load_live(sim_key_database *db, const char *alias)
{
    sim_key_entry *entry = sim_key_database_find(db, alias);
    return entry != NULL && entry->deleted_because == KSSIM_REASON_NONE ? entry : NULL;
}

/* R-KEY-ALIAS-REPLACED: a key stored under a used alias replaces it. AOSP: database.rs store_new_key */
kssim_result sim_key_database_store(sim_key_database *db, sim_key_entry *entry)
{
    /* The entry it replaces is read first, to know whether rollback-protected state changes with it. */
    sim_key_entry *old = sim_key_database_find(db, entry->alias);
    bool old_protected = old != NULL && sim_key_entry_is_rollback_protected(old);
    entry->changed = false;
    sim_key_entry *stored;
    if (old != NULL) {
        bool was_changed = old->changed;
        release_key_material(old);
        *old = *entry;
        old->changed = was_changed;
        stored = old;
    } else {
        bool found;
        size_t i = position_of(db, entry->alias, &found);
        kssim_result r = insert_at(db, i, entry);
        if (r != KSSIM_OK)
            return r;
        stored = db->entries[i];
    }
    if (old_protected)
        db->protected_rows_changed = true;
    sim_key_database_mark_changed(db, stored, true);
    return KSSIM_OK;
}

void sim_key_database_remove(sim_key_database *db, const char *alias)
{
    sim_key_entry *entry = sim_key_database_find(db, alias);
    if (entry == NULL)
        return;
    bool found;
    size_t i = position_of(db, alias, &found);
    if (sim_key_entry_is_rollback_protected(entry))
        db->protected_rows_changed = true;
    if (db->source.load_row != NULL)
        list_add(db, &db->removed, alias);
    release_key_material(entry);
    free(entry);
    memmove(&db->entries[i], &db->entries[i + 1], (db->count - i - 1) * sizeof(*db->entries));
    db->count--;
}

void sim_key_database_tombstone(sim_key_database *db, sim_key_entry *entry, kssim_invalidation_reason reason)
{
    KSSIM_INVARIANT(sim_key_database_cached(db, entry->alias) == entry, "a tombstone is a row of this database");
    KSSIM_INVARIANT(reason != KSSIM_REASON_NONE, "a key the system deleted remembers why");
    release_key_material(entry);
    entry->deleted_because = reason;
    sim_key_database_mark_changed(db, entry, true);
    KSSIM_INVARIANT(entry->blob.data == NULL && entry->public_key == NULL && entry->attestation_chain == NULL,
                    "a tombstone keeps no key material");
}

void sim_key_database_cleanup(sim_key_database *db)
{
    free_entries(db);
    free(db->entries);
    list_free(&db->changed);
    list_free(&db->removed);
    memset(db, 0, sizeof(*db));
}
