/*
 * sqlite_store.h - the files of a persistent device: one SQLite database in the device directory.
 *
 * keystore2 keeps its key database in SQLite (system/security/keystore2/src/database.rs), and so does a
 * kssim device: DIR/device.sqlite3 holds a meta table (schema version, creator), one `state` row (the
 * device's state image) and one `keyentry` row per key alias (the name echoes keystore2's table). The
 * rows are opaque images made by device_image.c; this layer only moves bytes and keeps them safe:
 *
 * - every command is one transaction, begun with BEGIN IMMEDIATE so that the read-modify-write of the
 *   whole device never interleaves with another process's; a busy timeout makes processes wait for
 *   each other instead of failing;
 * - the write-ahead log makes each commit atomic, so a process killed at any instant leaves the last
 *   committed state intact;
 * - a file that is not ours, is damaged, or comes from a newer kssim is refused with a sentence, never
 *   a crash, and never changed.
 *
 * This is the only code that does file I/O for devices. It knows nothing of what the images mean, so
 * the framework can hold a store through an opaque pointer without depending on SQLite.
 */
#ifndef SIM_STORE_SQLITE_STORE_H
#define SIM_STORE_SQLITE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "store/device_image.h"

/* The file inside a device directory. */
#define SIM_DEVICE_STORE_FILE "device.sqlite3"
/* The layout of the tables; a device with a higher number was written by a newer kssim. */
#define SIM_DEVICE_STORE_SCHEMA_VERSION 1
/* PRAGMA application_id ("KSIM"), so that any other SQLite database is recognised as not a device. */
#define SIM_DEVICE_STORE_APPLICATION_ID 0x4B53494D
/* How long BEGIN IMMEDIATE waits for another process's transaction before giving up. */
#define SIM_DEVICE_STORE_BUSY_TIMEOUT_MS 60000

typedef struct sim_device_store sim_device_store;

typedef enum sim_device_store_open_mode {
    /* The device file must exist already. */
    SIM_DEVICE_STORE_OPEN_EXISTING,
    /* Create the directory (0700) and the file (0600) when there is no device yet: no directory, or an
     * empty one. The new database's tables are made at once; its state row is the first commit, and
     * until then the store holds the directory's creation lock (see below). */
    SIM_DEVICE_STORE_OPEN_OR_CREATE,
    /* As OPEN_OR_CREATE, and a file that is damaged, foreign or newer is removed and made anew
     * (kssim init --force): the one case where this layer deletes a file. */
    SIM_DEVICE_STORE_OPEN_DISCARDING_DAMAGED,
    /* Reading only (SQLite's read-only open; transactions are read transactions; writes are refused):
     * a directory and files the user may not write still open. No device there yet is no refusal: the
     * store opens empty - it holds no device, and creates nothing - so a read command can answer for
     * the new phone that would be made. */
    SIM_DEVICE_STORE_OPEN_READ_ONLY,
} sim_device_store_open_mode;

/* Set to 1, the store opens a device directory or files owned by another user, which it refuses
 * otherwise (a device holds the device key that decrypts every key blob, so it must be the user's). */
#define SIM_DEVICE_STORE_ALLOW_OTHER_OWNER_VARIABLE "KSSIM_ALLOW_OTHER_OWNER"

/* The rule every file of a device obeys, its rollback-protected storage too (ssh's for private keys):
 * owned by the user - unless KSSIM_ALLOW_OTHER_OWNER=1 - and closed to group and others. Otherwise false,
 * with the sentence in `why`: what is wrong, what is at stake (at_stake), and the command that makes the
 * file private (fix). */
bool sim_device_file_is_private(const char *path, const struct stat *st, const char *at_stake, const char *fix,
                                char *why, size_t why_size);

/* Opens (and if allowed creates) the database in `directory`. There is no device yet to hold a message,
 * so a refusal's sentence goes to `why`. Refusals: KSSIM_DEVICE_UNAVAILABLE (not a directory, cannot be
 * created, permission denied, no device there and creation not allowed, a directory or file that other
 * users may read or write or that another user owns, a symbolic link as a device file),
 * KSSIM_DEVICE_DAMAGED (not an SQLite database, damaged, another application's database, missing tables
 * or state row, newer schema version, an empty database file, a log without its database, files but no
 * database): nothing is changed then.
 *
 * Creation is atomic for other processes: every open holds a lock on the directory (flock) while it
 * looks at the files, and a creating open holds it exclusively from its look until its first commit (or
 * close, which removes what an uncommitted creation made), so no process ever meets half a device. */
kssim_result sim_device_store_open(const char *directory, sim_device_store_open_mode mode, sim_device_store **out,
                                   char *why, size_t why_size);
/* A creating store's first commit made the device whole: other processes may open it now. */
void sim_device_store_end_creation(sim_device_store *store);
/* Finishes any transaction left open (rolling it back) and closes the database. A creation never
 * committed is removed. NULL is allowed. */
void sim_device_store_close(sim_device_store *store);

const char *sim_device_store_directory(const sim_device_store *store);
/* Opened with SIM_DEVICE_STORE_OPEN_READ_ONLY: its transactions only read. */
bool sim_device_store_is_read_only(const sim_device_store *store);
/* The sentence that explains the store's last refusal. */
const char *sim_device_store_message(const sim_device_store *store);

/* BEGIN IMMEDIATE: waits (busy timeout) until no other process is in a transaction on the device.
 * *changed_by_others says whether another connection committed since this one's last transaction
 * (PRAGMA data_version), or this connection has not read the device yet: the caller must then read. */
kssim_result sim_device_store_begin(sim_device_store *store, bool *changed_by_others);
/* Within a transaction: whether the database holds a device yet (its state row); false for a store
 * just created, and for a read-only store of a directory with no device yet. */
kssim_result sim_device_store_holds_device(sim_device_store *store, bool *holds);
/* Within a transaction: reads the state row only (an image with keys_partial and no key), kept as the base
 * the next write compares with; key rows are read as they are needed, one (sim_device_store_read_key) or
 * all (sim_device_store_read_keys), as keystore2 loads one key entry per operation. */
kssim_result sim_device_store_read_state(sim_device_store *store, const sim_device_image **image);
/* The row of alias into *key (free key->bytes), *found false when there is none; the key reads work outside a
 * transaction too. */
kssim_result sim_device_store_read_key(sim_device_store *store, const char *alias, sim_key_image *key, bool *found);
/* Every key row, sorted by alias, into *keys (no state; free with sim_device_image_free). */
kssim_result sim_device_store_read_keys(sim_device_store *store, sim_device_image *keys);
/* Within a transaction: reads the whole image. The store keeps it (valid until the next read, commit or
 * close) as the image the next write compares with. */
kssim_result sim_device_store_read(sim_device_store *store, const sim_device_image **image);
/* Within a transaction: writes what differs between the image last read or committed and `next` - the
 * state row if its bytes differ, the key rows added or changed, the aliases removed - and takes `next`'s
 * contents on success (left empty; on a refusal the caller still owns them). Before any read, it writes every
 * row. A capture of the changes (next->keys_partial) is written as it says: its removed aliases deleted, its
 * keys written, nothing else of the keyentry table looked at. */
kssim_result sim_device_store_write(sim_device_store *store, sim_device_image *next);
/* Within a transaction: removes every row, so the next write stores a new device (kssim init --force). */
kssim_result sim_device_store_clear(sim_device_store *store);
/* COMMIT. On failure the transaction is rolled back; the last committed image stays what it was. */
kssim_result sim_device_store_commit(sim_device_store *store);
/* After a COMMIT: syncs the write-ahead log, so that what was committed survives a power failure of the
 * host - what synchronous=FULL does at every COMMIT, for the commits that need it (those that advance the
 * rollback-protected storage). PRAGMA synchronous cannot change inside a transaction, and by the time a
 * command knows it needs this its transaction is open; every other commit keeps synchronous=NORMAL. */
kssim_result sim_device_store_sync_log(sim_device_store *store);
/* ROLLBACK of the open transaction, if any, and of what was written in it. */
void sim_device_store_rollback(sim_device_store *store);
/* The image the database holds as far as this connection knows: the last read or committed. NULL before
 * the first read. */
const sim_device_image *sim_device_store_last_committed(const sim_device_store *store);
/* Makes the next begin report a change, so the caller reads the device again (after an image it read
 * could not be restored, say). */
void sim_device_store_forget_last_committed(sim_device_store *store);

/* Outside a transaction: SQLite's integrity check, the schema checks of open, and a read of every row,
 * in one read transaction that leaves the store's last committed image alone. On KSSIM_OK *copy holds
 * the image read (free it with sim_device_image_free), for the caller to decode. */
kssim_result sim_device_store_check(sim_device_store *store, sim_device_image *copy);

#endif
