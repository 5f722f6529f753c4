/*
 * check.h - the CHECK macro of the C programs under test/ that are not cmocka tests (the provider's C
 * tests, the benchmarks): a failed condition stops the program with its place, the condition's text and
 * OpenSSL's error queue, which usually says why.
 */
#ifndef KSSIM_TEST_CHECK_H
#define KSSIM_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#include <openssl/err.h>

#define CHECK(condition)                                                                                               \
    do {                                                                                                               \
        if (!(condition)) {                                                                                            \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition);                              \
            ERR_print_errors_fp(stderr);                                                                               \
            exit(1);                                                                                                   \
        }                                                                                                              \
    } while (0)

#endif
