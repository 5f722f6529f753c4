/*
 * fuzz_input.h - reading a fuzzer's bytes as a sequence of typed values, for the targets whose input is
 * a program of operations rather than a file format.
 *
 * Reading past the end gives zeros and marks the input exhausted, so a target's loop simply stops
 * there: every prefix of an input is itself a meaningful input, which is what lets libFuzzer's
 * mutations (truncation, insertion) make progress.
 */
#ifndef KSSIM_FUZZ_INPUT_H
#define KSSIM_FUZZ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fuzz_input {
    const uint8_t *data;
    size_t size;
    size_t offset;
    bool exhausted;
} fuzz_input;

void fuzz_input_init(fuzz_input *input, const uint8_t *data, size_t size);
uint8_t fuzz_take_u8(fuzz_input *input);
uint32_t fuzz_take_u32(fuzz_input *input); /* big-endian */
uint64_t fuzz_take_u64(fuzz_input *input); /* big-endian */
/* Copies up to count bytes into out, zero-filling what the input no longer has. */
void fuzz_take_bytes(fuzz_input *input, void *out, size_t count);
/* Points at up to count bytes of the input itself; *taken says how many there were. */
const uint8_t *fuzz_take_span(fuzz_input *input, size_t count, size_t *taken);
/* Whether a read has gone past the end. */
bool fuzz_input_done(const fuzz_input *input);

#endif
