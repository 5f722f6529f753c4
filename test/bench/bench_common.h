/*
 * bench_common.h - what the benchmarks of test/bench/ share: a monotonic clock, the median of a set of
 * measurements, and (from test/check.h) the CHECK macro that stops a benchmark whose work went wrong (a
 * benchmark that measures failures measures nothing).
 *
 * Every comparison in these benchmarks is interleaved: rounds alternate the two sides being compared,
 * each round times one batch of each, and the ratio is that of the medians. On a shared machine the
 * noise then falls on both sides alike instead of on whichever happened to run during a burst.
 */
#ifndef KSSIM_TEST_BENCH_COMMON_H
#define KSSIM_TEST_BENCH_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>

#include "../check.h"

/* Seconds on the monotonic clock, which no adjustment of the host's time can move. */
static inline double bench_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* Seconds of CPU time this process has used, all its threads together. */
static inline double bench_cpu_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static inline int bench_compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of count values (sorted in place); the mean of the middle two for an even count. */
static inline double bench_median(double *values, size_t count)
{
    if (count == 0)
        return 0.0;
    qsort(values, count, sizeof(values[0]), bench_compare_doubles);
    return count % 2 == 1 ? values[count / 2] : (values[count / 2 - 1] + values[count / 2]) / 2.0;
}

/* Reads a positive integer option value; exits with the usage on anything else. */
static inline long bench_positive_number(const char *text, const char *usage)
{
    char *end = NULL;
    long value = strtol(text, &end, 10);
    if (end == text || *end != '\0' || value <= 0) {
        fprintf(stderr, "%s", usage);
        exit(2);
    }
    return value;
}

#endif
