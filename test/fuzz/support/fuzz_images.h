/*
 * fuzz_images.h - device images (sim/store/device_image.h) as the bytes of a fuzz input, and back, for
 * fuzz_device_records and the seed writer that gives it real images to start from.
 *
 * Layout: state length u32, state bytes, key count u8, then per key: alias length u8 (128 or more: an
 * alias of 128 bytes with no NUL, which the decoder must refuse), alias bytes, image length u32, image
 * bytes. Lengths are big-endian and clipped to what the input still has. One more byte, if the input has
 * it, with its low bit set, re-seals every image of format version 2 or later: its trailing CRC-32 is
 * recomputed over the (mutated) bytes, so that mutations reach the decoders instead of all stopping at
 * the checksum; inputs without it keep testing the checksum itself.
 */
#ifndef KSSIM_FUZZ_IMAGES_H
#define KSSIM_FUZZ_IMAGES_H

#include <stdbool.h>
#include <stdio.h>

#include "fuzz_input.h"
#include "store/device_image.h"

/* At most this many key images are read from an input. */
#define FUZZ_IMAGES_MAX_KEYS 12

/* Reads an image from the input; the image points into the input's bytes (state and key bytes; re-sealed
 * images into copies of them), except for its keys array: release it with fuzz_images_release, not
 * sim_device_image_free. One image at a time. */
bool fuzz_images_read(fuzz_input *input, sim_device_image *image);
void fuzz_images_release(sim_device_image *image);

/* A copy the store may own (sim_device_store_write): every buffer its own, aliases terminated and sorted
 * as the store's merge expects. False when memory ran out. */
bool fuzz_images_copy_for_store(const sim_device_image *image, sim_device_image *copy);

/* Writes an image in the layout above; false on a write error. */
bool fuzz_images_write(const sim_device_image *image, FILE *out);

/* Byte-for-byte equality of two images: state, and every key's alias and bytes in order. */
bool fuzz_images_equal(const sim_device_image *a, const sim_device_image *b);

#endif
