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
 * big-endian, 24 bytes, mode 0600, replaced by write-to-temporary + fsync + rename + fsync of the
 * directory, so a crash leaves the old number or the new one, never a torn file.
 */
#ifndef SIM_STORE_ROLLBACK_STORAGE_H
#define SIM_STORE_ROLLBACK_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_ROLLBACK_STORAGE_SUFFIX ".rpmb"

typedef enum sim_rollback_storage_state {
    SIM_ROLLBACK_STORAGE_MISSING, /* no file: a device that never wrote one, or the file was removed */
    SIM_ROLLBACK_STORAGE_DAMAGED, /* a file that is not a generation this kssim wrote */
    SIM_ROLLBACK_STORAGE_PRESENT,
} sim_rollback_storage_state;

/* The storage file of the device in `directory` (trailing slashes ignored): DIR.rpmb. Returns false
 * when it does not fit in out_size. */
bool sim_rollback_storage_path(const char *directory, char *out, size_t out_size);

/* Reads G. MISSING and DAMAGED leave *generation 0; DAMAGED and a file that cannot be read (permission
 * denied: also DAMAGED) describe the problem in `why`. */
sim_rollback_storage_state sim_rollback_storage_read(const char *directory, uint64_t *generation, char *why,
                                                     size_t why_size);

/* Replaces G, durably. Returns 0, or an errno value with the path and step in `why`. */
int sim_rollback_storage_write(const char *directory, uint64_t generation, char *why, size_t why_size);

#endif
