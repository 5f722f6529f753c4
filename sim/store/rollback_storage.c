/*
 * rollback_storage.c - DIR.rpmb, the simulated rollback-protected storage (rollback_storage.h).
 *
 * This is file I/O outside the rules, like sqlite_store.c. The rules never see the file: the store
 * reads G when it loads the device and writes it for a commit that changed rollback-protected state
 * (rollback_protection.c): a temporary file before SQLite's COMMIT, renamed into place after it, when
 * the device's write lock is released already. So the rename takes a lock of its own, DIR.rpmb.lock,
 * from its read of G to the rename: publishers go one at a time, and G never goes back.
 */
/* realpath: XSI, beyond the POSIX level the build asks for. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/checksum.h"
#include "store/rollback_storage.h"
#include "store/sqlite_store.h"

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
    /* NOFOLLOW: the generation that decides whether the device was rolled back is the file beside it, not
     * whatever a link - perhaps another user's - points at. NONBLOCK: a FIFO put there is refused below
     * instead of waiting for a writer. */
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int error = errno;
        if (error == ENOENT)
            return SIM_ROLLBACK_STORAGE_MISSING;
        if (error == ELOOP)
            snprintf(why, why_size,
                     "%s is a symbolic link, and kssim follows no link to a device's rollback-protected storage (it "
                     "could lead to another user's file): put the file itself there, then retry",
                     path);
        else
            snprintf(why, why_size, "%s cannot be read (%s): make it readable by you (chmod 600 %s), then retry", path,
                     strerror(error), path);
        return SIM_ROLLBACK_STORAGE_UNREADABLE;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(why, why_size, "%s cannot be read (%s): make it readable by you (chmod 600 %s), then retry", path,
                 strerror(errno), path);
        close(fd);
        return SIM_ROLLBACK_STORAGE_UNREADABLE;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, why_size,
                 "%s exists but is not a file: move it away and put the device's rollback-protected storage there, "
                 "then retry",
                 path);
        close(fd);
        return SIM_ROLLBACK_STORAGE_UNREADABLE;
    }
    char fix[PATH_MAX + 16];
    snprintf(fix, sizeof(fix), "chmod 600 %s", path);
    if (!sim_device_file_is_private(path, &st, "whoever may change it can hide a rollback of the device or fake one",
                                    fix, why, why_size)) {
        close(fd);
        return SIM_ROLLBACK_STORAGE_UNREADABLE;
    }
    uint8_t bytes[FILE_BYTES + 1];
    ssize_t got = read(fd, bytes, sizeof(bytes));
    int read_error = got < 0 ? errno : 0;
    close(fd);
    if (got < 0) {
        snprintf(why, why_size, "%s cannot be read (%s): make it readable by you (chmod 600 %s), then retry", path,
                 strerror(read_error), path);
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

/* A name of its own for every write, even of two handles of one process (the pid, then a count), made
 * with O_EXCL so that a file left by an earlier process - or a link - is never written through. */
static int create_temporary(sim_rollback_storage_write *write)
{
    static atomic_uint temporaries_made;
    for (int attempt = 0;; attempt++) {
        unsigned count = atomic_fetch_add(&temporaries_made, 1u);
        snprintf(write->temporary, sizeof(write->temporary), "%s.%ld.%u.tmp", write->path, (long)getpid(), count);
        int fd = open(write->temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST || attempt == 100)
            return fd;
    }
}

/* The exclusive lock every publisher holds from its read of G to its rename, so that a slower process
 * never renames an older generation over a newer one. Returns the descriptor that holds it, or -1. */
static int lock_storage(const char *path)
{
    char lock_path[PATH_MAX + 16];
    snprintf(lock_path, sizeof(lock_path), "%s%s", path, SIM_ROLLBACK_STORAGE_LOCK_SUFFIX);
    int fd = open(lock_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            int error = errno;
            close(fd);
            errno = error;
            return -1;
        }
    }
    return fd;
}

int sim_rollback_storage_prepare(const char *directory, uint64_t generation, sim_rollback_storage_write *write,
                                 char *why, size_t why_size)
{
    memset(write, 0, sizeof(*write));
    if (!sim_rollback_storage_path(directory, write->path, sizeof(write->path))) {
        snprintf(why, why_size, "the path of the rollback-protected storage is longer than %d bytes", PATH_MAX);
        return ENAMETOOLONG;
    }
    uint8_t bytes[FILE_BYTES];
    memcpy(bytes, file_magic, sizeof(file_magic));
    put_be(bytes + 8, FILE_VERSION, 4);
    put_be(bytes + 12, generation, 8);
    put_be(bytes + 20, sim_store_crc32(bytes, 20), 4);
    int fd = create_temporary(write);
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
    int lock = lock_storage(write->path);
    if (lock < 0) {
        int error = errno;
        unlink(write->temporary);
        return error;
    }
    uint64_t current;
    char why[PATH_MAX + 512];
    sim_rollback_storage_state state = sim_rollback_storage_read(directory, &current, why, sizeof(why));
    int error;
    /* A storage that cannot be read may hold more than this write: the device stays ahead of it instead,
     * which the next protected commit catches up. */
    if (state == SIM_ROLLBACK_STORAGE_UNREADABLE) {
        error = EACCES;
        unlink(write->temporary);
    } else if (state == SIM_ROLLBACK_STORAGE_PRESENT && current >= write->generation) {
        error = 0;
        unlink(write->temporary);
    } else if (rename(write->temporary, write->path) != 0) {
        error = errno;
        unlink(write->temporary);
    } else {
        error = sync_parent(write->path);
    }
    close(lock);
    return error;
}

void sim_rollback_storage_discard(sim_rollback_storage_write *write)
{
    if (write->prepared)
        unlink(write->temporary);
    write->prepared = false;
}
