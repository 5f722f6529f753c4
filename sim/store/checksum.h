/*
 * checksum.h - the checksum that lets a stored image or the rollback-protected storage file recognise
 * its own damage.
 *
 * SQLite checks its pages' structure, not the bytes of a row's value, and a copied or edited file can
 * hold any bytes: each image of format version 2 ends with the CRC-32 of everything before it, so a
 * flipped byte inside a row is reported as damage instead of being decoded into a different phone.
 * It is a damage check, not a MAC: the files belong to the user, who may rewrite them at will.
 */
#ifndef SIM_STORE_CHECKSUM_H
#define SIM_STORE_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32 (IEEE 802.3, reflected, as zlib and PNG compute it). */
uint32_t sim_store_crc32(const uint8_t *bytes, size_t len);

#endif
