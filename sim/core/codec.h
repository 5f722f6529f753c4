/*
 * codec.h - the small binary codec the device's stored images are written in (sim/store/device_image.c).
 *
 * Big-endian fixed-width integers, booleans as one byte 0 or 1, byte strings behind a 32-bit length.
 * The writer grows as it goes and remembers failing (out of memory), so an encoder writes everything
 * and checks once. The reader trusts nothing it reads: every read is checked against the bytes left, every
 * length and count against a maximum and against what could still follow, before anything is
 * allocated. Its first problem is recorded and sticks: every later read returns zeros, so a decoder
 * reads a whole structure and checks once at the end.
 */
#ifndef SIM_CORE_CODEC_H
#define SIM_CORE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sim_writer {
    uint8_t *data;
    size_t len, capacity;
    bool failed; /* memory ran out, or a value was too large for the format: finish gives no image */
} sim_writer;

void sim_writer_init(sim_writer *w);
void sim_write_u8(sim_writer *w, uint8_t value);
void sim_write_u32(sim_writer *w, uint32_t value);
void sim_write_u64(sim_writer *w, uint64_t value);
void sim_write_i64(sim_writer *w, int64_t value);
void sim_write_bool(sim_writer *w, bool value);
/* A field whose length the format fixes (keys, hashes, magics): no length is written. */
void sim_write_raw(sim_writer *w, const void *data, size_t len);
/* A u32 length, then the bytes. */
void sim_write_bytes(sim_writer *w, const void *data, size_t len);
void sim_write_string(sim_writer *w, const char *s);
/* Hands the encoded bytes to the caller (free() them), or NULL when memory ran out; the writer is
 * released either way. An empty encoding still gives a non-NULL pointer. */
uint8_t *sim_writer_finish(sim_writer *w, size_t *len);
/* Wipes and frees what was written: images carry the device's keys. */
void sim_writer_discard(sim_writer *w);

typedef struct sim_reader {
    const uint8_t *data;
    size_t len, pos;
    const char *problem; /* NULL while every read succeeded; the first problem, as a phrase, otherwise */
    bool out_of_memory;  /* the problem was this process's memory, not the bytes */
} sim_reader;

void sim_reader_init(sim_reader *r, const uint8_t *data, size_t len);
bool sim_reader_failed(const sim_reader *r);
/* Records a problem, unless one is already recorded. problem is a static phrase that completes
 * "the image is damaged (...)", e.g. "a key's algorithm is unknown". */
void sim_reader_fail(sim_reader *r, const char *problem);
void sim_reader_fail_out_of_memory(sim_reader *r);

uint8_t sim_read_u8(sim_reader *r);
uint32_t sim_read_u32(sim_reader *r);
uint64_t sim_read_u64(sim_reader *r);
int64_t sim_read_i64(sim_reader *r);
/* Anything but 0 or 1 is a problem. */
bool sim_read_bool(sim_reader *r);
void sim_read_raw(sim_reader *r, void *out, size_t len);
/* A u32 that must be one of allowed[]; anything else fails the reader with problem. */
uint32_t sim_read_enum(sim_reader *r, const uint32_t *allowed, size_t allowed_count, const char *problem);
/* A u32 count of elements that each take at least min_element_bytes: at most max (else problem), and
 * no more than the bytes left could hold (else "it ends early"), so the caller can allocate for it. */
uint32_t sim_read_count(sim_reader *r, uint32_t max, size_t min_element_bytes, const char *problem);
/* A length-prefixed byte string of at most max bytes, copied into a new allocation (free() it); NULL
 * with *len 0 when it is empty or the reader has failed. */
uint8_t *sim_read_bytes(sim_reader *r, size_t max, size_t *len);
/* A length-prefixed string shorter than out_size and without NUL bytes, NUL-terminated into out
 * (zero-filled beyond), which is left all zeros on failure. */
void sim_read_string(sim_reader *r, char *out, size_t out_size);
/* Fails the reader unless every byte was read: trailing bytes mean the image is not what it claims. */
void sim_reader_expect_end(sim_reader *r);

#endif
