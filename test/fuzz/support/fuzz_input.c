/*
 * fuzz_input.c - a fuzzer's bytes as typed values (fuzz_input.h).
 */
#include <string.h>

#include "fuzz_input.h"

void fuzz_input_init(fuzz_input *input, const uint8_t *data, size_t size)
{
    input->data = data;
    input->size = size;
    input->offset = 0;
    input->exhausted = false;
}

const uint8_t *fuzz_take_span(fuzz_input *input, size_t count, size_t *taken)
{
    size_t left = input->size - input->offset;
    if (count > left) {
        count = left;
        input->exhausted = true;
    }
    const uint8_t *span = input->data + input->offset;
    input->offset += count;
    *taken = count;
    return span;
}

void fuzz_take_bytes(fuzz_input *input, void *out, size_t count)
{
    size_t taken = 0;
    const uint8_t *span = fuzz_take_span(input, count, &taken);
    if (taken > 0)
        memcpy(out, span, taken);
    memset((uint8_t *)out + taken, 0, count - taken);
}

uint8_t fuzz_take_u8(fuzz_input *input)
{
    uint8_t value = 0;
    fuzz_take_bytes(input, &value, 1);
    return value;
}

uint32_t fuzz_take_u32(fuzz_input *input)
{
    uint8_t bytes[4];
    fuzz_take_bytes(input, bytes, sizeof(bytes));
    return (uint32_t)bytes[0] << 24 | (uint32_t)bytes[1] << 16 | (uint32_t)bytes[2] << 8 | bytes[3];
}

uint64_t fuzz_take_u64(fuzz_input *input)
{
    uint64_t high = fuzz_take_u32(input);
    return high << 32 | fuzz_take_u32(input);
}

bool fuzz_input_done(const fuzz_input *input)
{
    return input->exhausted;
}
