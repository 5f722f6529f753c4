/*
 * alloc_faults.h - the fault-injection shim of the KSSIM_ALLOC_FAULTS build (test/alloc_faults/): it counts
 * the process's allocations (the project's own through -Wl,--wrap, OpenSSL's through
 * CRYPTO_set_mem_functions, SQLite's through SQLITE_CONFIG_MALLOC) and its SQLite calls, and fails the Nth
 * of each. Programs linked with it are test drivers only; nothing in sim/ knows it exists.
 *
 * Two allocation counts: the project's own with SQLite's (both free everything on every error path, so
 * LeakSanitizer must find nothing), and OpenSSL's apart (OpenSSL itself leaks when some of its internal
 * allocations fail, in OSSL_LIB_CTX_new for one, so a leak there is not the project's).
 *
 * Environment, read once before main: KSSIM_FAIL_ALLOC_AT=N fails the Nth allocation of the project or
 * SQLite (one only: the next ones succeed, as when memory comes back), KSSIM_FAIL_OPENSSL_ALLOC_AT=N the
 * Nth of OpenSSL, KSSIM_FAIL_SQLITE_AT=N the Nth SQLite call
 * (sqlite3_open_v2, sqlite3_prepare_v2/v3, sqlite3_step, sqlite3_exec) with an I/O error, and
 * KSSIM_ALLOC_FAULTS_REPORT=FILE writes at exit how many of each the process made and whether the
 * armed failure was reached; KSSIM_ALLOC_FAULTS_STACK=1 prints the call stack of the injected failure
 * (sanitizer builds).
 */
#ifndef KSSIM_ALLOC_FAULTS_H
#define KSSIM_ALLOC_FAULTS_H

#include <stdbool.h>
#include <stdint.h>

/* Restarts both counts and arms the failures (0: fail nothing), for a driver that injects in-process. */
void alloc_faults_arm(uint64_t fail_alloc_at, uint64_t fail_openssl_alloc_at, uint64_t fail_sqlite_at);

/* The counts since the last arm (or since the start). */
uint64_t alloc_faults_allocations(void);
uint64_t alloc_faults_openssl_allocations(void);
uint64_t alloc_faults_sqlite_calls(void);

/* Whether an armed failure was injected since the last arm. */
bool alloc_faults_injected(void);

#endif
