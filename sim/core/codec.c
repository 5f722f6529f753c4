/*
 * codec.c - the bounded big-endian codec of the device's stored images (see codec.h).
 *
 * The bytes it reads come from files another process, a crash or a person may have damaged, so the
 * reader is written so that no input can make it read out of bounds or allocate more than the input
 * could describe; the writer wipes every buffer it gives up, because a device image carries the
 * device key and the Gatekeeper hash.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/codec.h"
#include "core/invariant.h"

void sim_writer_init(sim_writer *w)
{
    memset(w, 0, sizeof(*w));
}

/* Makes room for more bytes; the slow path of room_for. */
static bool grow(sim_writer *w, size_t more)
{
    if (w->failed)
        return false;
    if (more > SIZE_MAX / 2 - w->len) {
        w->failed = true;
        return false;
    }
    /* Room for a whole key row from the start: growing by doubling from a few hundred bytes cost more
     * than the encoding itself, at every commit of a stored device (docs/performance.md). */
    size_t capacity = w->capacity ? w->capacity : 2048;
    while (capacity - w->len < more)
        capacity *= 2;
    /* Not realloc: the old buffer is wiped before it goes back to the allocator. */
    uint8_t *grown = malloc(capacity);
    if (grown == NULL) {
        w->failed = true;
        return false;
    }
    if (w->data != NULL) {
        memcpy(grown, w->data, w->len);
        OPENSSL_cleanse(w->data, w->capacity);
        free(w->data);
    }
    w->data = grown;
    w->capacity = capacity;
    return true;
}

/* Where the next `more` bytes go, or NULL when the writer has failed. */
static inline uint8_t *room_for(sim_writer *w, size_t more)
{
    if (more > w->capacity - w->len && !grow(w, more))
        return NULL;
    if (w->failed)
        return NULL;
    uint8_t *at = w->data + w->len;
    w->len += more;
    KSSIM_INVARIANT(w->len <= w->capacity, "a writer never writes past the room it has");
    return at;
}

void sim_write_raw(sim_writer *w, const void *data, size_t len)
{
    uint8_t *at;
    if (len > 0 && (at = room_for(w, len)) != NULL)
        memcpy(at, data, len);
}

void sim_write_u8(sim_writer *w, uint8_t value)
{
    uint8_t *at = room_for(w, 1);
    if (at != NULL)
        at[0] = value;
}

void sim_write_u32(sim_writer *w, uint32_t value)
{
    uint8_t *at = room_for(w, 4);
    for (int i = 0; at != NULL && i < 4; i++)
        at[i] = (uint8_t)(value >> (24 - 8 * i));
}

void sim_write_u64(sim_writer *w, uint64_t value)
{
    uint8_t *at = room_for(w, 8);
    for (int i = 0; at != NULL && i < 8; i++)
        at[i] = (uint8_t)(value >> (56 - 8 * i));
}

void sim_write_i64(sim_writer *w, int64_t value)
{
    sim_write_u64(w, (uint64_t)value);
}

void sim_write_bool(sim_writer *w, bool value)
{
    sim_write_u8(w, value ? 1 : 0);
}

void sim_write_bytes(sim_writer *w, const void *data, size_t len)
{
    if (len > UINT32_MAX) {
        /* Nothing a device holds is this large; no image beats one whose length lies. */
        w->failed = true;
        return;
    }
    sim_write_u32(w, (uint32_t)len);
    sim_write_raw(w, data, len);
}

void sim_write_string(sim_writer *w, const char *s)
{
    sim_write_bytes(w, s, strlen(s));
}

uint8_t *sim_writer_finish(sim_writer *w, size_t *len)
{
    *len = 0;
    if (!w->failed && w->data == NULL)
        grow(w, 1);
    if (w->failed) {
        sim_writer_discard(w);
        return NULL;
    }
    uint8_t *data = w->data;
    *len = w->len;
    memset(w, 0, sizeof(*w));
    return data;
}

void sim_writer_discard(sim_writer *w)
{
    if (w->data != NULL) {
        OPENSSL_cleanse(w->data, w->capacity);
        free(w->data);
    }
    memset(w, 0, sizeof(*w));
}

void sim_reader_init(sim_reader *r, const uint8_t *data, size_t len)
{
    static const uint8_t nothing[1];
    memset(r, 0, sizeof(*r));
    /* Never a NULL base, so even an empty read has a valid pointer to hand out. */
    r->data = data != NULL ? data : nothing;
    r->len = data != NULL ? len : 0;
}

bool sim_reader_failed(const sim_reader *r)
{
    return r->problem != NULL;
}

void sim_reader_fail(sim_reader *r, const char *problem)
{
    if (r->problem == NULL)
        r->problem = problem;
}

void sim_reader_fail_out_of_memory(sim_reader *r)
{
    if (r->problem == NULL) {
        r->problem = "this process ran out of memory while reading it";
        r->out_of_memory = true;
    }
}

/* The next len bytes, or NULL (and the reader failed) when they are not all there. */
static const uint8_t *take(sim_reader *r, size_t len)
{
    if (r->problem != NULL)
        return NULL;
    /* The bounds check below subtracts: a position past the end would turn it into a huge room. */
    KSSIM_INVARIANT(r->pos <= r->len, "a reader never stands past the end of its bytes");
    if (len > r->len - r->pos) {
        sim_reader_fail(r, "it ends early");
        return NULL;
    }
    const uint8_t *p = r->data + r->pos;
    r->pos += len;
    return p;
}

void sim_read_raw(sim_reader *r, void *out, size_t len)
{
    const uint8_t *p = take(r, len);
    if (p == NULL)
        memset(out, 0, len);
    else if (len > 0)
        memcpy(out, p, len);
}

uint8_t sim_read_u8(sim_reader *r)
{
    const uint8_t *p = take(r, 1);
    return p != NULL ? p[0] : 0;
}

uint32_t sim_read_u32(sim_reader *r)
{
    const uint8_t *p = take(r, 4);
    if (p == NULL)
        return 0;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

uint64_t sim_read_u64(sim_reader *r)
{
    const uint8_t *p = take(r, 8);
    if (p == NULL)
        return 0;
    uint64_t value = 0;
    for (int i = 0; i < 8; i++)
        value = value << 8 | p[i];
    return value;
}

int64_t sim_read_i64(sim_reader *r)
{
    uint64_t value = sim_read_u64(r);
    /* Two's complement back without relying on implementation-defined conversion. */
    if (value <= (uint64_t)INT64_MAX)
        return (int64_t)value;
    return -(int64_t)(UINT64_MAX - value) - 1;
}

bool sim_read_bool(sim_reader *r)
{
    uint8_t value = sim_read_u8(r);
    if (value > 1) {
        sim_reader_fail(r, "a yes-or-no field is neither 0 nor 1");
        return false;
    }
    return value == 1;
}

uint32_t sim_read_enum(sim_reader *r, const uint32_t *allowed, size_t allowed_count, const char *problem)
{
    uint32_t value = sim_read_u32(r);
    if (sim_reader_failed(r))
        return allowed[0];
    for (size_t i = 0; i < allowed_count; i++)
        if (allowed[i] == value)
            return value;
    sim_reader_fail(r, problem);
    return allowed[0];
}

uint32_t sim_read_count(sim_reader *r, uint32_t max, size_t min_element_bytes, const char *problem)
{
    uint32_t count = sim_read_u32(r);
    if (sim_reader_failed(r))
        return 0;
    if (count > max) {
        sim_reader_fail(r, problem);
        return 0;
    }
    KSSIM_INVARIANT(r->pos <= r->len, "a reader never stands past the end of its bytes");
    size_t left = r->len - r->pos;
    if (min_element_bytes > 0 && count > left / min_element_bytes) {
        sim_reader_fail(r, "it ends early");
        return 0;
    }
    return count;
}

uint8_t *sim_read_bytes(sim_reader *r, size_t max, size_t *len)
{
    *len = 0;
    uint32_t n = sim_read_u32(r);
    if (sim_reader_failed(r))
        return NULL;
    if (n > max) {
        sim_reader_fail(r, "a byte string is longer than the format allows");
        return NULL;
    }
    const uint8_t *p = take(r, n);
    if (p == NULL || n == 0)
        return NULL;
    uint8_t *copy = malloc(n);
    if (copy == NULL) {
        sim_reader_fail_out_of_memory(r);
        return NULL;
    }
    memcpy(copy, p, n);
    *len = n;
    return copy;
}

void sim_read_string(sim_reader *r, char *out, size_t out_size)
{
    memset(out, 0, out_size);
    uint32_t n = sim_read_u32(r);
    if (sim_reader_failed(r))
        return;
    if (n >= out_size) {
        sim_reader_fail(r, "a name is longer than the format allows");
        return;
    }
    const uint8_t *p = take(r, n);
    if (p == NULL)
        return;
    if (memchr(p, '\0', n) != NULL) {
        sim_reader_fail(r, "a name contains a NUL byte");
        return;
    }
    memcpy(out, p, n);
}

void sim_reader_expect_end(sim_reader *r)
{
    if (r->problem == NULL && r->pos != r->len)
        sim_reader_fail(r, "bytes follow its end");
}
