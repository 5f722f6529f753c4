/*
 * rollback_storage.c - DIR.rpmb, the simulated rollback-protected storage (rollback_storage.h).
 *
 * This is file I/O outside the rules, like sqlite_store.c. The rules never see the file: the store
 * reads G when it loads the device and writes it for a commit that changed rollback-protected state
 * (rollback_protection.c): a temporary file before SQLite's COMMIT, renamed into place after it, when
 * the device's write lock is released already. So a commit takes a lock of its own, DIR.rpmb.lock, before
 * its COMMIT (a lock it cannot have refuses the command while nothing counts yet) and holds it through its
 * read of G and the rename: publishers go one at a time, and G never goes back.
 */
/* realpath: XSI, beyond the POSIX level the build asks for. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
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

/* A name of its own for every write, even of two handles of one process, that nobody can guess
 * beforehand: mkstemp makes it with O_EXCL and mode 0600, so a file or link planted there earlier is never
 * written through. */
static int create_temporary(sim_rollback_storage_write *write)
{
    snprintf(write->temporary, sizeof(write->temporary), "%s.tmp.XXXXXX", write->path);
    int fd = mkstemp(write->temporary);
    if (fd >= 0)
        (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
}

static void sleep_a_little(void)
{
    struct timespec pause = {0, SIM_ROLLBACK_STORAGE_LOCK_POLL_MS * 1000000L};
    nanosleep(&pause, NULL);
}

/* The exclusive lock every publisher holds from before its COMMIT (or its read of G) to its rename, so
 * that a slower process never renames an older generation over a newer one. The file is checked as the
 * device's own files are: in a shared parent (/tmp) another user's lock file could otherwise be held by
 * that user forever. The wait is bounded, since a publisher holds it only for a commit's last steps.
 * Returns the descriptor that holds it, or -1 with the sentence in `why`. */
static int lock_storage(const char *path, char *why, size_t why_size)
{
    char lock_path[PATH_MAX + 16];
    snprintf(lock_path, sizeof(lock_path), "%s%s", path, SIM_ROLLBACK_STORAGE_LOCK_SUFFIX);
    int fd = open(lock_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
    if (fd < 0) {
        int error = errno;
        if (error == ELOOP)
            snprintf(why, why_size,
                     "%s is a symbolic link, and kssim follows no link to the lock of a device's rollback-protected "
                     "storage: remove it (no kssim process may be running on the device), then retry",
                     lock_path);
        else
            snprintf(why, why_size,
                     "the lock file %s cannot be opened (%s): make it yours and private (chmod 600 %s), or remove it "
                     "when no kssim process runs on the device, then retry",
                     lock_path, strerror(error), lock_path);
        errno = error;
        return -1;
    }
    struct stat st;
    char fix[PATH_MAX + 128];
    snprintf(fix, sizeof(fix), "rm %s (no kssim process may be running on the device)", lock_path);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(why, why_size, "the lock file %s is not a regular file: %s, then retry", lock_path, fix);
        close(fd);
        errno = EACCES;
        return -1;
    }
    if (!sim_device_file_is_private(lock_path, &st,
                                    "whoever may open it can hold it forever and stop every commit that advances the "
                                    "storage",
                                    fix, why, why_size)) {
        close(fd);
        errno = EACCES;
        return -1;
    }
    for (int waited_ms = 0;;) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            return fd;
        int error = errno;
        if (error == EINTR)
            continue;
        if (error != EWOULDBLOCK || waited_ms >= SIM_ROLLBACK_STORAGE_LOCK_WAIT_MS) {
            if (error == EWOULDBLOCK)
                snprintf(why, why_size,
                         "the lock file %s has been held by another process for more than %d ms (a kssim process "
                         "holds it only for the last steps of a commit): wait for that process to finish, or end the "
                         "process holding it (fuser %s), then retry",
                         lock_path, SIM_ROLLBACK_STORAGE_LOCK_WAIT_MS, lock_path);
            else
                snprintf(why, why_size,
                         "the lock file %s cannot be locked (%s; file systems such as NFS may not support flock): "
                         "keep the device directory on a local file system, then retry",
                         lock_path, strerror(error));
            close(fd);
            errno = error;
            return -1;
        }
        sleep_a_little();
        waited_ms += SIM_ROLLBACK_STORAGE_LOCK_POLL_MS;
    }
}

int sim_rollback_storage_lock(sim_rollback_storage_write *write, char *why, size_t why_size)
{
    if (write->locked)
        return 0;
    int fd = lock_storage(write->path, why, why_size);
    if (fd < 0)
        return errno != 0 ? errno : EACCES;
    write->lock = fd;
    write->locked = true;
    return 0;
}

static void unlock_storage(sim_rollback_storage_write *write)
{
    if (write->locked)
        close(write->lock);
    write->locked = false;
}

bool sim_rollback_storage_exists(const sim_rollback_storage_write *write)
{
    struct stat st;
    return lstat(write->path, &st) == 0 || errno != ENOENT;
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
    if (!write->prepared) {
        unlock_storage(write);
        return 0;
    }
    write->prepared = false;
    /* The directory is the path without its file name. */
    char directory[PATH_MAX];
    size_t len = strlen(write->path) - strlen(SIM_ROLLBACK_STORAGE_SUFFIX);
    snprintf(directory, sizeof(directory), "%.*s", (int)len, write->path);
    char why[2 * PATH_MAX + 512];
    if (sim_rollback_storage_lock(write, why, sizeof(why)) != 0) {
        int error = errno;
        unlink(write->temporary);
        return error;
    }
    uint64_t current;
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
    unlock_storage(write);
    return error;
}

void sim_rollback_storage_discard(sim_rollback_storage_write *write)
{
    if (write->prepared)
        unlink(write->temporary);
    write->prepared = false;
    unlock_storage(write);
}
