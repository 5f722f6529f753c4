/*
 * invariant.c - what happens when a KSSIM_INVARIANT does not hold (see invariant.h): the one place the
 * core writes to stderr, because a broken invariant ends the process and must say why first.
 */
#include "core/invariant.h"

#include <stdio.h>
#include <stdlib.h>

void kssim_invariant_failed(const char *file, int line, const char *function, const char *condition,
                            const char *meaning)
{
    fprintf(stderr, "kssim: invariant violated at %s:%d in %s: %s (%s)\n", file, line, function, meaning, condition);
    fflush(stderr);
    abort();
}
