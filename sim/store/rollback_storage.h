/*
 * rollback_storage.h - the simulated rollback-protected storage of a stored device: DIR.rpmb.
 *
 * A phone's TEE keeps what must never go backwards (the records of rollback-resistant keys, counters)
 * in replay-protected storage - RPMB on eMMC/UFS - which only it can write and which a copy of the
 * userdata partition does not carry. A kssim device keeps one monotonic number there, its generation G,
 * in a file beside the device directory (for DIR, the sibling DIR.rpmb), so that copying, moving or
 * restoring the directory does not carry it. The state image holds the generation g the device last
 * wrote; a device whose g is behind G was rolled back (rollback_protection.c).
 *
 * File: magic "KSSIMRPB" [8], version u32 (1), generation u64, CRC-32 u32 of the 20 bytes before it;
 * big-endian, 24 bytes, mode 0600 (refused, like the device's own files, when it is a link, not a file,
 * another user's or open to others: sqlite_store.h sim_device_file_is_private), replaced by write-to-temporary + fsync
 * + rename + fsync of the directory, so a crash leaves the old number or the new one, never a torn file. The write is
 * split in two so that a commit can do the slow, fallible half (the synced temporary file) before SQLite's COMMIT and
 * the rename after it (rollback_protection.h says why).
 */
#ifndef SIM_STORE_ROLLBACK_STORAGE_H
#define SIM_STORE_ROLLBACK_STORAGE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_ROLLBACK_STORAGE_SUFFIX ".rpmb"
/* Beside the storage: the file whose flock serialises every rename into place (DIR.rpmb.lock). */
#define SIM_ROLLBACK_STORAGE_LOCK_SUFFIX ".lock"
/* How long a commit waits for another publisher's lock before it is refused, and how often it looks. A
 * publisher holds it only for the last steps of a commit (COMMIT, a sync, a rename): a longer wait means a
 * process that holds it and will not let go. */
#define SIM_ROLLBACK_STORAGE_LOCK_WAIT_MS 5000
#define SIM_ROLLBACK_STORAGE_LOCK_POLL_MS 10

typedef enum sim_rollback_storage_state {
    SIM_ROLLBACK_STORAGE_MISSING, /* no file: a device that never wrote one, or the file was removed */
    SIM_ROLLBACK_STORAGE_DAMAGED, /* a file that is not a generation this kssim wrote */
    /* a file this process may not read (or a read error), or may not trust: a symbolic link, not a regular
     * file, another user's, open to group or others. No evidence either way: the device is refused. */
    SIM_ROLLBACK_STORAGE_UNREADABLE,
    SIM_ROLLBACK_STORAGE_PRESENT,
} sim_rollback_storage_state;

/* The storage file of the device in `directory` (trailing slashes ignored): DIR.rpmb. Returns false
 * when it does not fit in out_size. */
bool sim_rollback_storage_path(const char *directory, char *out, size_t out_size);

/* Reads G (opened without following a link, then fstat). MISSING, DAMAGED and UNREADABLE leave
 * *generation 0; DAMAGED and UNREADABLE describe the problem in `why`, UNREADABLE with the fix and
 * "then retry". */
sim_rollback_storage_state sim_rollback_storage_read(const char *directory, uint64_t *generation, char *why,
                                                     size_t why_size);

/* A new G written and synced beside the storage, not yet in its place. */
typedef struct sim_rollback_storage_write {
    bool prepared;
    uint64_t generation;
    char path[PATH_MAX];
    char temporary[PATH_MAX + 32];
    /* DIR.rpmb.lock is held (sim_rollback_storage_lock) through the descriptor `lock`. */
    bool locked;
    int lock;
} sim_rollback_storage_write;

/* Writes G to a temporary file of its own (DIR.rpmb.tmp.XXXXXX, made by mkstemp) and syncs it. Returns 0, or an errno
 * value with the path and step in `why` (nothing is left behind then). */
int sim_rollback_storage_prepare(const char *directory, uint64_t generation, sim_rollback_storage_write *write,
                                 char *why, size_t why_size);
/* Takes the exclusive flock of DIR.rpmb.lock for a prepared write, to be held through its publish: opened
 * without following a link, created 0600, refused unless private (sim_device_file_is_private), waited for
 * at most SIM_ROLLBACK_STORAGE_LOCK_WAIT_MS. A commit takes it before SQLite's COMMIT, so a lock it cannot
 * have refuses the command rather than leaving G behind. No deadlock: every publisher holds SQLite's write
 * lock (BEGIN IMMEDIATE) before it takes this one, and waits for nothing once it has it. Returns 0, or an
 * errno value with the sentence (what is wrong and the fix) in `why`. */
int sim_rollback_storage_lock(sim_rollback_storage_write *write, char *why, size_t why_size);
/* Whether the storage file (or anything by its name) exists. */
bool sim_rollback_storage_exists(const sim_rollback_storage_write *write);
/* Puts the prepared G in place (rename, then fsync of the directory) unless the storage already holds
 * as much or more - another process got there first - or cannot be read, so that G never goes back; the
 * read and the rename happen under the exclusive flock of DIR.rpmb.lock (taken here unless it is held
 * already; released either way). Returns 0 or an errno value; the temporary file is gone either way. */
int sim_rollback_storage_publish(sim_rollback_storage_write *write);
/* Forgets a prepared write (its commit failed) and releases its lock. */
void sim_rollback_storage_discard(sim_rollback_storage_write *write);

#endif
