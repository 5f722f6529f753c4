/*
 * rollback_storage.c - DIR.rpmb, the simulated rollback-protected storage (rollback_storage.h).
 *
 * This is file I/O outside the rules, like sqlite_store.c. The rules never see the file: the store
 * reads G when it loads the device and writes it inside the transaction of a commit that changed
 * rollback-protected state (rollback_protection.c), before SQLite's COMMIT, so that two processes,
 * which take the device's write lock in turn, never write it out of order.
 */
/* realpath: XSI, beyond the POSIX level the build asks for. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/checksum.h"
#include "store/rollback_storage.h"

#define FILE_BYTES   24
#define FILE_VERSION 1u

static const char file_magic[8] = {'K', 'S', 'S', 'I', 'M', 'R', 'P', 'B'};

bool sim_rollback_storage_path(const char *directory, char *out, size_t out_size)
{
    /* The canonical path where there is one, so that "DIR/", "./DIR" and "." name the file beside the
     * directory rather than one inside it. */
    char resolved[PATH_MAX];
    if (realpath(directory, resolved) != NULL)
        directory = resolved;
    size_t len = strlen(directory);
    while (len > 1 && directory[len - 1] == '/')
        len--;
    int written = snprintf(out, out_size, "%.*s%s", (int)len, directory, SIM_ROLLBACK_STORAGE_SUFFIX);
    return written >= 0 && (size_t)written < out_size;
}

static void put_be(uint8_t *out, uint64_t value, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--) {
        out[i] = (uint8_t)value;
        value >>= 8;
    }
}

static uint64_t get_be(const uint8_t *in, int bytes)
{
    uint64_t value = 0;
    for (int i = 0; i < bytes; i++)
        value = value << 8 | in[i];
    return value;
}

sim_rollback_storage_state sim_rollback_storage_read(const char *directory, uint64_t *generation, char *why,
                                                     size_t why_size)
{
    *generation = 0;
    why[0] = '\0';
    char path[PATH_MAX];
    if (!sim_rollback_storage_path(directory, path, sizeof(path))) {
        snprintf(why, why_size, "the path of the rollback-protected storage is longer than %d bytes", PATH_MAX);
        return SIM_ROLLBACK_STORAGE_DAMAGED;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return SIM_ROLLBACK_STORAGE_MISSING;
        snprintf(why, why_size, "%s cannot be read (%s)", path, strerror(errno));
        return SIM_ROLLBACK_STORAGE_UNREADABLE;
    }
    uint8_t bytes[FILE_BYTES + 1];
    ssize_t got = read(fd, bytes, sizeof(bytes));
    int read_error = got < 0 ? errno : 0;
    close(fd);
    if (got < 0) {
        snprintf(why, why_size, "%s cannot be read (%s)", path, strerror(read_error));
        return SIM_ROLLBACK_STORAGE_UNREADABLE;
    }
    if (got != FILE_BYTES || memcmp(bytes, file_magic, sizeof(file_magic)) != 0 ||
        get_be(bytes + 8, 4) != FILE_VERSION || get_be(bytes + 20, 4) != sim_store_crc32(bytes, 20)) {
        snprintf(why, why_size, "%s is not a generation this kssim wrote (damaged, truncated or replaced)", path);
        return SIM_ROLLBACK_STORAGE_DAMAGED;
    }
    *generation = get_be(bytes + 12, 8);
    return SIM_ROLLBACK_STORAGE_PRESENT;
}

/* The directory that holds the file, for the fsync that makes the rename durable. */
static int sync_parent(const char *path)
{
    char parent[PATH_MAX];
    snprintf(parent, sizeof(parent), "%s", path);
    char *slash = strrchr(parent, '/');
    if (slash == NULL)
        snprintf(parent, sizeof(parent), ".");
    else if (slash == parent)
        parent[1] = '\0';
    else
        *slash = '\0';
    int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int error = fsync(fd) == 0 ? 0 : errno;
    close(fd);
    return error;
}

static int write_all(int fd, const uint8_t *bytes, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, bytes, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? errno : EIO;
        bytes += n;
        len -= (size_t)n;
    }
    return 0;
}

int sim_rollback_storage_prepare(const char *directory, uint64_t generation, sim_rollback_storage_write *write,
                                 char *why, size_t why_size)
{
    memset(write, 0, sizeof(*write));
    if (!sim_rollback_storage_path(directory, write->path, sizeof(write->path))) {
        snprintf(why, why_size, "the path of the rollback-protected storage is longer than %d bytes", PATH_MAX);
        return ENAMETOOLONG;
    }
    /* One name per process: the rename comes after the device's write lock is released, when another
     * process may already be preparing its own. */
    snprintf(write->temporary, sizeof(write->temporary), "%s.%ld.tmp", write->path, (long)getpid());
    uint8_t bytes[FILE_BYTES];
    memcpy(bytes, file_magic, sizeof(file_magic));
    put_be(bytes + 8, FILE_VERSION, 4);
    put_be(bytes + 12, generation, 8);
    put_be(bytes + 20, sim_store_crc32(bytes, 20), 4);
    int fd = open(write->temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        int error = errno;
        snprintf(why, why_size, "cannot create %s (%s)", write->temporary, strerror(error));
        return error;
    }
    int error = write_all(fd, bytes, sizeof(bytes));
    if (error == 0 && fsync(fd) != 0)
        error = errno;
    if (close(fd) != 0 && error == 0)
        error = errno;
    if (error != 0) {
        unlink(write->temporary);
        snprintf(why, why_size, "cannot write %s (%s)", write->temporary, strerror(error));
        return error;
    }
    write->prepared = true;
    write->generation = generation;
    return 0;
}

int sim_rollback_storage_publish(sim_rollback_storage_write *write)
{
    if (!write->prepared)
        return 0;
    write->prepared = false;
    /* The directory is the path without its file name. */
    char directory[PATH_MAX];
    size_t len = strlen(write->path) - strlen(SIM_ROLLBACK_STORAGE_SUFFIX);
    snprintf(directory, sizeof(directory), "%.*s", (int)len, write->path);
    uint64_t current;
    char why[64];
    if (sim_rollback_storage_read(directory, &current, why, sizeof(why)) == SIM_ROLLBACK_STORAGE_PRESENT &&
        current >= write->generation) {
        unlink(write->temporary);
        return 0;
    }
    if (rename(write->temporary, write->path) != 0) {
        int error = errno;
        unlink(write->temporary);
        return error;
    }
    return sync_parent(write->path);
}

void sim_rollback_storage_discard(sim_rollback_storage_write *write)
{
    if (write->prepared)
        unlink(write->temporary);
    write->prepared = false;
}
