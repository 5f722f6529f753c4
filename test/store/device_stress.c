/*
 * device_stress.c - the persistent device under load, with real processes (built only for the tests).
 *
 *   device_stress concurrency [DIR]   N processes share one device, each command its own transaction.
 *                                      At the end the device must show every update, none lost: uses
 *                                      left = limit - successful signs, boot clock = sum of advances,
 *                                      biometrics = enrollments - removals.
 *   device_stress crash [DIR] [KILLS]  processes run transactions while this one SIGKILLs them at
 *                                      random (seeded) moments. Afterwards the device opens, passes
 *                                      kssim_device_check, and holds every commit a child reported - and
 *                                      at most one more per killed child (killed between COMMIT and its
 *                                      report).
 *
 * Children report over a pipe; the parent checks what the device says against the reports. Without DIR
 * a temporary directory is made and removed. Exit status 0 when every check holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kssim/kssim.h>
#include "../remove_tree.h"
#include "../device_fixture.h"

/* ---- Small helpers ---- */

static int failures;

__attribute__((format(printf, 2, 3))) static void expect(int ok, const char *fmt, ...)
{
    if (ok)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "device_stress: FAILED: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    failures++;
}

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "device_stress: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(2);
}

/* xorshift64*: the kill schedule follows the seed, so a failing run can be repeated. */
static uint64_t random_state = 0x9E3779B97F4A7C15u;

static uint64_t next_random(void)
{
    random_state ^= random_state >> 12;
    random_state ^= random_state << 25;
    random_state ^= random_state >> 27;
    return random_state * 0x2545F4914F6CDD1Du;
}

static void write_all(int fd, const void *bytes, size_t len)
{
    const char *p = bytes;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(3);
        p += n;
        len -= (size_t)n;
    }
}

/* Reads until the writers are gone; returns the bytes read. */
static size_t read_all(int fd, void *bytes, size_t capacity)
{
    size_t total = 0;
    char *p = bytes;
    while (total < capacity) {
        ssize_t n = read(fd, p + total, capacity - total);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        total += (size_t)n;
    }
    return total;
}

/* ---- The device ---- */

static const uint8_t message[] = "stress";

static kssim_device *open_device(const char *dir)
{
    kssim_device *device = NULL;
    if (kssim_device_open(dir, NULL, &device) != KSSIM_OK)
        die("cannot open %s: %s", dir, kssim_open_error());
    return device;
}

static void generate_limited_key(kssim_device *device, const char *alias, uint32_t limit)
{
    kssim_key_spec spec;
    kssim_key_spec_default(&spec, KSSIM_ALGORITHM_EC);
    snprintf(spec.alias, sizeof(spec.alias), "%s", alias);
    spec.usage_count_limit = limit;
    if (kssim_generate_key(device, &spec) != KSSIM_OK)
        die("cannot generate %s: %s", alias, kssim_device_message(device));
}

static kssim_result sign(kssim_device *device, const char *alias)
{
    return fixture_sign_once(device, alias, message, sizeof(message), NULL, NULL);
}

/* A key with a usage count limit: its uses left, or 0 once the last use deleted it. */
static uint32_t uses_remaining(kssim_device *device, const char *alias)
{
    kssim_key_info info;
    if (kssim_key_info_get(device, alias, &info) != KSSIM_OK)
        die("cannot read %s: %s", alias, kssim_device_message(device));
    return info.state == KSSIM_KEY_VALID ? info.uses_remaining : 0;
}

/* Creates the device with a PIN (biometrics need a lock screen) and its keys, which need no
 * authentication, in the directory the test owns. */
static void create_device(const char *dir, const char *const aliases[], const uint32_t limits[], size_t count)
{
    kssim_device *device = open_device(dir);
    if (kssim_device_begin(device) != KSSIM_OK)
        die("begin: %s", kssim_device_message(device));
    if (kssim_set_credential(device, KSSIM_CREDENTIAL_PIN, "1234") != KSSIM_OK)
        die("cannot set a PIN: %s", kssim_device_message(device));
    for (size_t i = 0; i < count; i++)
        generate_limited_key(device, aliases[i], limits[i]);
    if (kssim_device_commit(device) != KSSIM_OK)
        die("commit: %s", kssim_device_message(device));
    kssim_device_free(device);
}

/* ---- Concurrency ---- */

enum { CHILDREN = 6, ROUNDS = 40, BIG_LIMIT = 1000, SMALL_LIMIT = 50 };

typedef struct child_report {
    uint32_t big_signs;   /* signs that succeeded on "big" (never exhausted) */
    uint32_t small_signs; /* on "small" (exhausted halfway) */
    uint64_t advanced_ms;
    uint32_t enrolled, removed;
    uint32_t failures; /* transactions that did not begin or commit */
} child_report;

/* One command: begin, act, commit. Counts a failed begin or commit. */
#define COMMAND(device, report, action)                                                                                \
    do {                                                                                                               \
        if (kssim_device_begin(device) != KSSIM_OK) {                                                                  \
            fprintf(stderr, "child: begin: %s\n", kssim_device_message(device));                                       \
            (report)->failures++;                                                                                      \
            break;                                                                                                     \
        }                                                                                                              \
        action;                                                                                                        \
        if (kssim_device_commit(device) != KSSIM_OK) {                                                                 \
            fprintf(stderr, "child: commit: %s\n", kssim_device_message(device));                                      \
            (report)->failures++;                                                                                      \
        }                                                                                                              \
    } while (0)

static void concurrency_child(const char *dir, uint32_t index, int report_fd)
{
    child_report report;
    memset(&report, 0, sizeof(report));
    kssim_device *device = open_device(dir);
    for (uint32_t round = 0; round < ROUNDS; round++) {
        kssim_result signed_big = KSSIM_SYSTEM_ERROR, signed_small = KSSIM_SYSTEM_ERROR;
        COMMAND(device, &report, signed_big = sign(device, "big"));
        if (signed_big == KSSIM_OK)
            report.big_signs++;
        COMMAND(device, &report, signed_small = sign(device, "small"));
        if (signed_small == KSSIM_OK)
            report.small_signs++;
        uint64_t step = 1 + index * 7 + round;
        kssim_result advanced = KSSIM_SYSTEM_ERROR;
        COMMAND(device, &report, advanced = kssim_advance(device, step));
        if (advanced == KSSIM_OK)
            report.advanced_ms += step;
        /* Each child has its own template IDs and removes each one it enrolls but the last, so the phone
         * never holds more templates than it allows (SIM_MAX_BIOMETRIC_TEMPLATES). */
        uint32_t id = 1 + index * 100 + round;
        kssim_result enrolled = KSSIM_SYSTEM_ERROR;
        COMMAND(device, &report,
                enrolled = kssim_enroll_biometric(device, id, KSSIM_MODALITY_FINGERPRINT, KSSIM_BIOMETRIC_STRONG));
        if (enrolled == KSSIM_OK)
            report.enrolled++;
        if (enrolled == KSSIM_OK && round + 1 < ROUNDS) {
            kssim_result removed = KSSIM_SYSTEM_ERROR;
            COMMAND(device, &report, removed = kssim_remove_biometric(device, id));
            if (removed == KSSIM_OK)
                report.removed++;
        }
    }
    kssim_device_free(device);
    write_all(report_fd, &report, sizeof(report));
}

static int run_concurrency(const char *dir)
{
    static const char *const aliases[] = {"big", "small"};
    static const uint32_t limits[] = {BIG_LIMIT, SMALL_LIMIT};
    create_device(dir, aliases, limits, 2);
    int fds[2];
    if (pipe(fds) != 0)
        die("pipe: %s", strerror(errno));
    pid_t children[CHILDREN];
    for (uint32_t i = 0; i < CHILDREN; i++) {
        children[i] = fork();
        if (children[i] < 0)
            die("fork: %s", strerror(errno));
        if (children[i] == 0) {
            close(fds[0]);
            concurrency_child(dir, i, fds[1]);
            _exit(0);
        }
    }
    close(fds[1]);
    child_report reports[CHILDREN];
    size_t got = read_all(fds[0], reports, sizeof(reports));
    close(fds[0]);
    for (uint32_t i = 0; i < CHILDREN; i++) {
        int status;
        waitpid(children[i], &status, 0);
        expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %u did not finish cleanly", i);
    }
    if (got != sizeof(reports))
        die("only %zu of %zu report bytes arrived", got, sizeof(reports));

    child_report total;
    memset(&total, 0, sizeof(total));
    for (uint32_t i = 0; i < CHILDREN; i++) {
        total.big_signs += reports[i].big_signs;
        total.small_signs += reports[i].small_signs;
        total.advanced_ms += reports[i].advanced_ms;
        total.enrolled += reports[i].enrolled;
        total.removed += reports[i].removed;
        total.failures += reports[i].failures;
    }
    kssim_device *device = open_device(dir);
    if (kssim_device_begin(device) != KSSIM_OK)
        die("begin: %s", kssim_device_message(device));
    kssim_status status;
    kssim_status_get(device, &status);
    uint32_t big_left = uses_remaining(device, "big");
    uint32_t small_left = uses_remaining(device, "small");
    expect(total.failures == 0, "%u transactions failed to begin or commit", total.failures);
    expect(total.big_signs == CHILDREN * ROUNDS, "%u of %d signs with \"big\" succeeded", total.big_signs,
           CHILDREN * ROUNDS);
    expect(big_left == BIG_LIMIT - total.big_signs, "\"big\" has %u uses left, expected %u", big_left,
           BIG_LIMIT - total.big_signs);
    expect(total.small_signs == SMALL_LIMIT, "%u signs with \"small\" succeeded, its limit is %d", total.small_signs,
           SMALL_LIMIT);
    expect(small_left == 0, "\"small\" has %u uses left after its limit", small_left);
    expect(status.boot_ms == total.advanced_ms, "the boot clock is %llu ms, the children advanced %llu ms",
           (unsigned long long)status.boot_ms, (unsigned long long)total.advanced_ms);
    expect(status.wall_ms == KSSIM_DEFAULT_WALL_CLOCK_MS + (int64_t)total.advanced_ms,
           "the wall clock moved %lld ms, the children advanced %llu ms",
           (long long)(status.wall_ms - KSSIM_DEFAULT_WALL_CLOCK_MS), (unsigned long long)total.advanced_ms);
    expect(total.enrolled == CHILDREN * ROUNDS, "%u of %d enrollments succeeded", total.enrolled, CHILDREN * ROUNDS);
    expect(status.biometric_count == total.enrolled - total.removed, "%u templates enrolled, expected %u",
           status.biometric_count, total.enrolled - total.removed);
    kssim_device_commit(device);
    expect(kssim_device_check(device) == KSSIM_OK, "check: %s", kssim_device_message(device));
    kssim_device_free(device);
    printf("concurrency: %d processes, %u signs, %u exhausted-key signs, %llu ms advanced, %u templates kept\n",
           CHILDREN, total.big_signs, total.small_signs, (unsigned long long)total.advanced_ms,
           total.enrolled - total.removed);
    return failures == 0 ? 0 : 1;
}

/* ---- Crash ---- */

enum { COUNTER_LIMIT = 1000000, MAX_LIFE_US = 25000 };

/* Loops forever: one transaction signs once and advances 1 ms, so the uses spent and the boot clock
 * must always agree. Each commit that returned OK is reported (one byte) before the next begins. */
static void crash_child(const char *dir, int report_fd)
{
    kssim_device *device = open_device(dir);
    for (;;) {
        if (kssim_device_begin(device) != KSSIM_OK)
            _exit(4);
        if (sign(device, "counter") != KSSIM_OK || kssim_advance(device, 1) != KSSIM_OK)
            _exit(5);
        if (kssim_device_commit(device) != KSSIM_OK)
            _exit(6);
        write_all(report_fd, "c", 1);
    }
}

/* A child of the crash test and the pipe it reports on; pid 0 when the slot is empty. */
typedef struct crash_slot {
    pid_t pid;
    int report_fd;
} crash_slot;

enum { CRASH_SLOTS = 2 };

static void start_crash_child(const char *dir, crash_slot slots[CRASH_SLOTS], int index)
{
    int fds[2];
    if (pipe(fds) != 0)
        die("pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        close(fds[0]);
        for (int i = 0; i < CRASH_SLOTS; i++)
            if (slots[i].pid != 0)
                close(slots[i].report_fd);
        crash_child(dir, fds[1]);
    }
    close(fds[1]);
    slots[index].pid = pid;
    slots[index].report_fd = fds[0];
}

/* SIGKILLs the slot's child and collects what it reported before it died. */
static void kill_crash_child(crash_slot *slot, uint64_t *reported, unsigned *killed)
{
    static char buffer[1 << 16];
    kill(slot->pid, SIGKILL);
    int status;
    waitpid(slot->pid, &status, 0);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        (*killed)++;
    else
        expect(0, "a child ended by itself (status %d) instead of being killed", status);
    size_t n;
    while ((n = read_all(slot->report_fd, buffer, sizeof(buffer))) > 0)
        *reported += n;
    close(slot->report_fd);
    slot->pid = 0;
}

/* Two children at a time, so a child is often killed while the other waits for the lock it holds, or
 * mid-commit while the other reads. */
static int run_crash(const char *dir, unsigned kills)
{
    static const char *const aliases[] = {"counter"};
    static const uint32_t limits[] = {COUNTER_LIMIT};
    create_device(dir, aliases, limits, 1);
    uint64_t reported = 0;
    unsigned killed = 0;
    crash_slot slots[CRASH_SLOTS];
    memset(slots, 0, sizeof(slots));
    while (killed < kills) {
        for (int i = 0; i < CRASH_SLOTS; i++)
            if (slots[i].pid == 0)
                start_crash_child(dir, slots, i);
        /* Kill at any moment of a child's life: during open, in a transaction, mid-commit. */
        long life_us = (long)(next_random() % MAX_LIFE_US);
        struct timespec life = {0, life_us * 1000};
        while (nanosleep(&life, &life) != 0 && errno == EINTR)
            ;
        kill_crash_child(&slots[next_random() % CRASH_SLOTS], &reported, &killed);
    }
    for (int i = 0; i < CRASH_SLOTS; i++)
        if (slots[i].pid != 0)
            kill_crash_child(&slots[i], &reported, &killed);

    kssim_device *device = open_device(dir);
    expect(kssim_device_check(device) == KSSIM_OK, "check: %s", kssim_device_message(device));
    if (kssim_device_begin(device) != KSSIM_OK)
        die("begin: %s", kssim_device_message(device));
    kssim_status status;
    kssim_status_get(device, &status);
    uint64_t spent = COUNTER_LIMIT - uses_remaining(device, "counter");
    kssim_device_rollback(device);
    kssim_device_free(device);
    expect(spent == status.boot_ms, "%llu uses spent but the boot clock is %llu ms: a commit was torn",
           (unsigned long long)spent, (unsigned long long)status.boot_ms);
    expect(spent >= reported, "%llu commits were reported but the device holds %llu", (unsigned long long)reported,
           (unsigned long long)spent);
    expect(spent <= reported + killed, "the device holds %llu commits, more than %llu reported + %u killed",
           (unsigned long long)spent, (unsigned long long)reported, killed);
    printf("crash: %u processes killed, %llu commits reported, %llu on the device\n", killed,
           (unsigned long long)reported, (unsigned long long)spent);
    return failures == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "concurrency") != 0 && strcmp(argv[1], "crash") != 0)) {
        fprintf(stderr, "usage: device_stress concurrency [DIR] | crash [DIR] [KILLS]\n");
        return 2;
    }
    char made[256] = "";
    const char *dir = argc > 2 && argv[2][0] != '\0' ? argv[2] : NULL;
    if (dir == NULL) {
        if (!make_temporary_tree(made, sizeof(made), "stress"))
            die("cannot make a temporary directory: %s", strerror(errno));
        dir = made;
    }
    char device_dir[512];
    snprintf(device_dir, sizeof(device_dir), "%s/device", dir);
    int status;
    if (strcmp(argv[1], "concurrency") == 0) {
        status = run_concurrency(device_dir);
    } else {
        unsigned kills = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 200;
        status = run_crash(device_dir, kills);
    }
    if (made[0] != '\0')
        remove_tree(made);
    return status;
}
