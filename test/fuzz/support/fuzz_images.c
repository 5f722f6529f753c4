/*
 * fuzz_images.c - device images as fuzz input bytes, and back (fuzz_images.h).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_images.h"

bool fuzz_images_read(fuzz_input *input, sim_device_image *image)
{
    memset(image, 0, sizeof(*image));
    size_t taken = 0;
    image->state = (uint8_t *)fuzz_take_span(input, fuzz_take_u32(input), &taken);
    image->state_len = taken;
    size_t count = fuzz_take_u8(input) % (FUZZ_IMAGES_MAX_KEYS + 1);
    if (count == 0)
        return true;
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
    return true;
}

void fuzz_images_release(sim_device_image *image)
{
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
    return ok;
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
