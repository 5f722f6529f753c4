/*
 * checksum.c - CRC-32 for stored images and the rollback-protected storage file (checksum.h).
 */
#include "store/checksum.h"

uint32_t sim_store_crc32(const uint8_t *bytes, size_t len)
{
    /* Bit by bit: images are a few kilobytes and are checksummed once per read or write, so a table
     * would buy nothing measurable. */
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) {
        crc ^= bytes[i];
        for (int bit = 0; bit < 8; bit++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}
