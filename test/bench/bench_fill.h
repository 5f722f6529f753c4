/*
 * bench_fill.h - gives a device many keys quickly, for the benchmarks of a device that grows (issue 17;
 * docs/performance.md "A device that grows"): COUNT ECDSA P-256 keys "filler-000000", "filler-000001", ...
 * generated through the library in one transaction, so a 10000-key device takes seconds, not a commit per
 * key. The keys are real generated keys (no import of one key under many aliases), each its own row.
 */
#ifndef KSSIM_TEST_BENCH_FILL_H
#define KSSIM_TEST_BENCH_FILL_H

#include <stdio.h>

#include <kssim/kssim.h>

#include "../check.h"

/* Adds count filler keys to the device (open already) in one command. */
static inline void bench_fill_device(kssim_device *device, size_t count)
{
    if (count == 0)
        return;
    CHECK(kssim_device_begin(device) == KSSIM_OK);
    for (size_t i = 0; i < count; i++) {
        kssim_key_spec spec;
        kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
        snprintf(spec.alias, sizeof(spec.alias), "filler-%06zu", i);
        CHECK(kssim_generate_key(device, &spec) == KSSIM_OK);
    }
    CHECK(kssim_device_commit(device) == KSSIM_OK);
}

/* The same on the device directory location, through a handle of its own. */
static inline void bench_fill_location(const char *location, size_t count)
{
    kssim_device *device = NULL;
    CHECK(kssim_device_open(location, NULL, &device) == KSSIM_OK);
    bench_fill_device(device, count);
    kssim_device_free(device);
}

#endif
