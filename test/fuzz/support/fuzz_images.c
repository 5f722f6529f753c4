/*
 * fuzz_images.c - device images as fuzz input bytes, and back (fuzz_images.h).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_images.h"
#include "store/checksum.h"

/* The copies re-sealing made, freed by fuzz_images_release. */
static uint8_t *sealed_copies[FUZZ_IMAGES_MAX_KEYS + 1];
static size_t sealed_count;

/* Points *bytes at a copy whose last four bytes are the CRC-32 of the rest, for an image of format
 * version 2 or later (big-endian version at offset 8, after the magic). */
static void reseal(uint8_t **bytes, size_t len)
{
    if (len < 16 || *bytes == NULL || sealed_count == sizeof(sealed_copies) / sizeof(sealed_copies[0]))
        return;
    const uint8_t *b = *bytes;
    uint32_t version = (uint32_t)b[8] << 24 | (uint32_t)b[9] << 16 | (uint32_t)b[10] << 8 | b[11];
    if (version < 2)
        return;
    uint8_t *copy = malloc(len);
    if (copy == NULL)
        return;
    memcpy(copy, b, len);
    uint32_t crc = sim_store_crc32(copy, len - 4);
    for (int i = 0; i < 4; i++)
        copy[len - 4 + (size_t)i] = (uint8_t)(crc >> (24 - 8 * i));
    sealed_copies[sealed_count++] = copy;
    *bytes = copy;
}

static void reseal_all(sim_device_image *image)
{
    reseal(&image->state, image->state_len);
    for (size_t i = 0; i < image->key_count; i++)
        reseal(&image->keys[i].bytes, image->keys[i].len);
}

bool fuzz_images_read(fuzz_input *input, sim_device_image *image)
{
    memset(image, 0, sizeof(*image));
    sealed_count = 0;
    size_t taken = 0;
    image->state = (uint8_t *)fuzz_take_span(input, fuzz_take_u32(input), &taken);
    image->state_len = taken;
    size_t count = fuzz_take_u8(input) % (FUZZ_IMAGES_MAX_KEYS + 1);
    if (count == 0) {
        if (fuzz_take_u8(input) & 1u)
            reseal_all(image);
        return true;
    }
    image->keys = calloc(count, sizeof(*image->keys));
    if (image->keys == NULL)
        return false;
    for (size_t i = 0; i < count && !fuzz_input_done(input); i++) {
        sim_key_image *key = &image->keys[i];
        size_t alias_len = fuzz_take_u8(input);
        if (alias_len >= sizeof(key->alias))
            alias_len = sizeof(key->alias); /* no room for a NUL: the decoder must notice */
        fuzz_take_bytes(input, key->alias, alias_len);
        key->bytes = (uint8_t *)fuzz_take_span(input, fuzz_take_u32(input), &taken);
        key->len = taken;
        image->key_count++;
    }
    if (fuzz_take_u8(input) & 1u)
        reseal_all(image);
    return true;
}

void fuzz_images_release(sim_device_image *image)
{
    for (size_t i = 0; i < sealed_count; i++)
        free(sealed_copies[i]);
    sealed_count = 0;
    free(image->keys);
    memset(image, 0, sizeof(*image));
}

static uint8_t *copy_bytes(const uint8_t *bytes, size_t len)
{
    uint8_t *copy = malloc(len > 0 ? len : 1);
    if (copy != NULL && len > 0)
        memcpy(copy, bytes, len);
    return copy;
}

static int by_alias(const void *a, const void *b)
{
    return strcmp(((const sim_key_image *)a)->alias, ((const sim_key_image *)b)->alias);
}

bool fuzz_images_copy_for_store(const sim_device_image *image, sim_device_image *copy)
{
    memset(copy, 0, sizeof(*copy));
    copy->state = copy_bytes(image->state, image->state_len);
    copy->state_len = image->state_len;
    copy->keys = calloc(image->key_count + 1, sizeof(*copy->keys));
    if (copy->state == NULL || copy->keys == NULL) {
        sim_device_image_free(copy);
        return false;
    }
    for (size_t i = 0; i < image->key_count; i++) {
        sim_key_image *key = &copy->keys[i];
        memcpy(key->alias, image->keys[i].alias, sizeof(key->alias));
        key->alias[sizeof(key->alias) - 1] = '\0';
        key->bytes = copy_bytes(image->keys[i].bytes, image->keys[i].len);
        key->len = image->keys[i].len;
        copy->key_count++;
        if (key->bytes == NULL) {
            sim_device_image_free(copy);
            return false;
        }
    }
    qsort(copy->keys, copy->key_count, sizeof(*copy->keys), by_alias);
    return true;
}

static bool write_u32(uint32_t value, FILE *out)
{
    uint8_t bytes[4] = {(uint8_t)(value >> 24), (uint8_t)(value >> 16), (uint8_t)(value >> 8), (uint8_t)value};
    return fwrite(bytes, 1, sizeof(bytes), out) == sizeof(bytes);
}

bool fuzz_images_write(const sim_device_image *image, FILE *out)
{
    bool ok = write_u32((uint32_t)image->state_len, out) &&
              fwrite(image->state, 1, image->state_len, out) == image->state_len &&
              fputc((int)(image->key_count % (FUZZ_IMAGES_MAX_KEYS + 1)), out) != EOF;
    for (size_t i = 0; ok && i < image->key_count && i < FUZZ_IMAGES_MAX_KEYS; i++) {
        const sim_key_image *key = &image->keys[i];
        size_t alias_len = strnlen(key->alias, sizeof(key->alias));
        ok = fputc((int)alias_len, out) != EOF && fwrite(key->alias, 1, alias_len, out) == alias_len &&
             write_u32((uint32_t)key->len, out) && fwrite(key->bytes, 1, key->len, out) == key->len;
    }
    /* Re-seal (fuzz_images.h): a seed's mutations are decoded rather than stopped by the checksum. */
    return ok && fputc(1, out) != EOF;
}

bool fuzz_images_equal(const sim_device_image *a, const sim_device_image *b)
{
    if (a->state_len != b->state_len || memcmp(a->state, b->state, a->state_len) != 0 || a->key_count != b->key_count)
        return false;
    for (size_t i = 0; i < a->key_count; i++) {
        const sim_key_image *x = &a->keys[i], *y = &b->keys[i];
        if (memcmp(x->alias, y->alias, sizeof(x->alias)) != 0 || x->len != y->len ||
            memcmp(x->bytes, y->bytes, x->len) != 0)
            return false;
    }
    return true;
}
