/*
 * alloc_faults.c - the fault-injection shim of the KSSIM_ALLOC_FAULTS build (alloc_faults.h says what it
 * does). The project's code is linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup and
 * the SQLite entry points below, so no call site changes; OpenSSL and SQLite allocate through the hooks
 * installed before main, when neither has allocated yet. libyaml's allocations are not counted (it has no
 * hook); the scenario parser's own are.
 */
#include "alloc_faults.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <sqlite3.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *pointer, size_t size);
char *__real_strdup(const char *text);
int __real_sqlite3_open_v2(const char *filename, sqlite3 **db, int flags, const char *vfs);
int __real_sqlite3_prepare_v2(sqlite3 *db, const char *sql, int bytes, sqlite3_stmt **statement, const char **tail);
int __real_sqlite3_prepare_v3(sqlite3 *db, const char *sql, int bytes, unsigned int flags, sqlite3_stmt **statement,
                              const char **tail);
int __real_sqlite3_step(sqlite3_stmt *statement);
int __real_sqlite3_exec(sqlite3 *db, const char *sql, int (*callback)(void *, int, char **, char **), void *argument,
                        char **error);

void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t count, size_t size);
void *__wrap_realloc(void *pointer, size_t size);
char *__wrap_strdup(const char *text);
int __wrap_sqlite3_open_v2(const char *filename, sqlite3 **db, int flags, const char *vfs);
int __wrap_sqlite3_prepare_v2(sqlite3 *db, const char *sql, int bytes, sqlite3_stmt **statement, const char **tail);
int __wrap_sqlite3_prepare_v3(sqlite3 *db, const char *sql, int bytes, unsigned int flags, sqlite3_stmt **statement,
                              const char **tail);
int __wrap_sqlite3_step(sqlite3_stmt *statement);
int __wrap_sqlite3_exec(sqlite3 *db, const char *sql, int (*callback)(void *, int, char **, char **), void *argument,
                        char **error);

/* Counted with atomics: the provider's thread tests may link this too, and a torn count would move the
 * failure point between runs. */
static uint64_t allocations, openssl_allocations, sqlite_calls;
static uint64_t fail_alloc_at, fail_openssl_alloc_at, fail_sqlite_at;
static int injected;
static int openssl_hooked, sqlite_hooked;
static const char *report_path;
static int print_stack;

/* The sanitizers' runtime prints the injected failure's call stack (KSSIM_ALLOC_FAULTS_STACK=1), to find
 * the branch a failure point took; weak, so a build without sanitizers links too. */
extern void __sanitizer_print_stack_trace(void) __attribute__((weak));

void alloc_faults_arm(uint64_t fail_alloc, uint64_t fail_openssl_alloc, uint64_t fail_sqlite)
{
    __atomic_store_n(&fail_alloc_at, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&fail_openssl_alloc_at, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&fail_sqlite_at, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&allocations, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&openssl_allocations, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&sqlite_calls, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&injected, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&fail_alloc_at, fail_alloc, __ATOMIC_SEQ_CST);
    __atomic_store_n(&fail_openssl_alloc_at, fail_openssl_alloc, __ATOMIC_SEQ_CST);
    __atomic_store_n(&fail_sqlite_at, fail_sqlite, __ATOMIC_SEQ_CST);
}

uint64_t alloc_faults_allocations(void)
{
    return __atomic_load_n(&allocations, __ATOMIC_SEQ_CST);
}

uint64_t alloc_faults_openssl_allocations(void)
{
    return __atomic_load_n(&openssl_allocations, __ATOMIC_SEQ_CST);
}

uint64_t alloc_faults_sqlite_calls(void)
{
    return __atomic_load_n(&sqlite_calls, __ATOMIC_SEQ_CST);
}

bool alloc_faults_injected(void)
{
    return __atomic_load_n(&injected, __ATOMIC_SEQ_CST) != 0;
}

/* Counts one event and says whether it is the one to fail. */
static bool this_one_fails(uint64_t *count, const uint64_t *fail_at)
{
    uint64_t number = __atomic_add_fetch(count, 1, __ATOMIC_SEQ_CST);
    if (number != __atomic_load_n(fail_at, __ATOMIC_SEQ_CST))
        return false;
    __atomic_store_n(&injected, 1, __ATOMIC_SEQ_CST);
    if (print_stack && __sanitizer_print_stack_trace != NULL)
        __sanitizer_print_stack_trace();
    return true;
}

static bool allocation_fails(void)
{
    return this_one_fails(&allocations, &fail_alloc_at);
}

static bool openssl_allocation_fails(void)
{
    return this_one_fails(&openssl_allocations, &fail_openssl_alloc_at);
}

static bool sqlite_call_fails(void)
{
    return this_one_fails(&sqlite_calls, &fail_sqlite_at);
}

/* ---- The project's own allocations (-Wl,--wrap) ---- */

void *__wrap_malloc(size_t size)
{
    return allocation_fails() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t count, size_t size)
{
    return allocation_fails() ? NULL : __real_calloc(count, size);
}

/* A failed realloc leaves the old block as it was, as the C library's does. */
void *__wrap_realloc(void *pointer, size_t size)
{
    return allocation_fails() ? NULL : __real_realloc(pointer, size);
}

char *__wrap_strdup(const char *text)
{
    return allocation_fails() ? NULL : __real_strdup(text);
}

/* ---- OpenSSL's (CRYPTO_set_mem_functions) ---- */

static void *openssl_malloc(size_t size, const char *file, int line)
{
    (void)file;
    (void)line;
    return openssl_allocation_fails() ? NULL : __real_malloc(size);
}

static void *openssl_realloc(void *pointer, size_t size, const char *file, int line)
{
    (void)file;
    (void)line;
    return openssl_allocation_fails() ? NULL : __real_realloc(pointer, size);
}

static void openssl_free(void *pointer, const char *file, int line)
{
    (void)file;
    (void)line;
    free(pointer);
}

/* ---- SQLite's allocations (SQLITE_CONFIG_MALLOC around its own allocator) and calls (-Wl,--wrap) ---- */

static sqlite3_mem_methods sqlite_default_memory;

static void *sqlite_malloc(int size)
{
    return allocation_fails() ? NULL : sqlite_default_memory.xMalloc(size);
}

static void *sqlite_realloc(void *pointer, int size)
{
    return allocation_fails() ? NULL : sqlite_default_memory.xRealloc(pointer, size);
}

int __wrap_sqlite3_open_v2(const char *filename, sqlite3 **db, int flags, const char *vfs)
{
    if (sqlite_call_fails()) {
        *db = NULL;
        return SQLITE_CANTOPEN;
    }
    return __real_sqlite3_open_v2(filename, db, flags, vfs);
}

int __wrap_sqlite3_prepare_v2(sqlite3 *db, const char *sql, int bytes, sqlite3_stmt **statement, const char **tail)
{
    if (sqlite_call_fails()) {
        *statement = NULL;
        return SQLITE_IOERR;
    }
    return __real_sqlite3_prepare_v2(db, sql, bytes, statement, tail);
}

int __wrap_sqlite3_prepare_v3(sqlite3 *db, const char *sql, int bytes, unsigned int flags, sqlite3_stmt **statement,
                              const char **tail)
{
    if (sqlite_call_fails()) {
        *statement = NULL;
        return SQLITE_IOERR;
    }
    return __real_sqlite3_prepare_v3(db, sql, bytes, flags, statement, tail);
}

int __wrap_sqlite3_step(sqlite3_stmt *statement)
{
    return sqlite_call_fails() ? SQLITE_IOERR : __real_sqlite3_step(statement);
}

int __wrap_sqlite3_exec(sqlite3 *db, const char *sql, int (*callback)(void *, int, char **, char **), void *argument,
                        char **error)
{
    if (sqlite_call_fails()) {
        if (error != NULL)
            *error = NULL;
        return SQLITE_IOERR;
    }
    return __real_sqlite3_exec(db, sql, callback, argument, error);
}

/* ---- Set up before main, report after it ---- */

static uint64_t number_from_environment(const char *name)
{
    const char *text = getenv(name);
    if (text == NULL || *text == '\0')
        return 0;
    char *end = NULL;
    unsigned long long value = strtoull(text, &end, 10);
    if (*end != '\0') {
        fprintf(stderr, "alloc_faults: %s=%s is not a number; give a count from 1\n", name, text);
        exit(2);
    }
    return value;
}

static void write_report(void)
{
    if (report_path == NULL)
        return;
    FILE *report = fopen(report_path, "w");
    if (report == NULL)
        return;
    fprintf(report,
            "allocations %llu\nopenssl_allocations %llu\nsqlite_calls %llu\ninjected %d\nopenssl_hooked %d\n"
            "sqlite_hooked %d\n",
            (unsigned long long)alloc_faults_allocations(), (unsigned long long)alloc_faults_openssl_allocations(),
            (unsigned long long)alloc_faults_sqlite_calls(), alloc_faults_injected() ? 1 : 0, openssl_hooked,
            sqlite_hooked);
    fclose(report);
}

/* Runs before main, when neither OpenSSL nor SQLite has allocated: both refuse a new allocator later. */
__attribute__((constructor)) static void install_fault_hooks(void)
{
    openssl_hooked = CRYPTO_set_mem_functions(openssl_malloc, openssl_realloc, openssl_free);
    if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sqlite_default_memory) == SQLITE_OK) {
        sqlite3_mem_methods counted = sqlite_default_memory;
        counted.xMalloc = sqlite_malloc;
        counted.xRealloc = sqlite_realloc;
        sqlite_hooked = sqlite3_config(SQLITE_CONFIG_MALLOC, &counted) == SQLITE_OK;
    }
    report_path = getenv("KSSIM_ALLOC_FAULTS_REPORT");
    print_stack = getenv("KSSIM_ALLOC_FAULTS_STACK") != NULL && strcmp(getenv("KSSIM_ALLOC_FAULTS_STACK"), "1") == 0;
    alloc_faults_arm(number_from_environment("KSSIM_FAIL_ALLOC_AT"),
                     number_from_environment("KSSIM_FAIL_OPENSSL_ALLOC_AT"),
                     number_from_environment("KSSIM_FAIL_SQLITE_AT"));
    atexit(write_report);
}
