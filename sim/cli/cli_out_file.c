/*
 * cli_out_file.c - preparing, staging and delivering the file `--out FILE` names (see cli_out_file.h for why
 * the result goes through a temporary file beside FILE).
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "cli/cli_out_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Writes every byte, through short writes and signals; 0, or the errno of the write that failed. */
static int write_fully(int fd, const uint8_t *bytes, size_t length)
{
    while (length > 0) {
        ssize_t written = write(fd, bytes, length);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return written < 0 ? errno : EIO;
        bytes += written;
        length -= (size_t)written;
    }
    return 0;
}

/* The mode fopen would have given a new file: 0666 less the umask (reading the umask means setting it). */
static mode_t new_file_mode(void)
{
    mode_t mask = umask(0);
    umask(mask);
    return 0666 & ~mask;
}

/* A pipe, terminal or device: opened now (a FIFO waits for its reader here, before the device is locked) and
 * written after the commit. */
static bool prepare_special_file(const cli_command *command, const char *option, cli_out_file *out)
{
    out->after_commit = true;
    out->fd = open(out->path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (out->fd < 0) {
        cli_usage_error(command, "%s: cannot write '%s': %s", option, out->path, strerror(errno));
        return false;
    }
    return true;
}

/* A symbolic link whose target does not exist: stat says ENOENT, lstat finds the link. */
static bool is_dangling_link(const char *path)
{
    struct stat link;
    return lstat(path, &link) == 0 && S_ISLNK(link.st_mode);
}

/* destination and the pattern of the temporary file's name beside it: DIR/.BASE.XXXXXX. */
static bool name_temporary(const cli_command *command, const char *option, cli_out_file *out, bool exists)
{
    const char *name = out->path;
    char resolved[PATH_MAX];
    /* A symbolic link keeps pointing where it did: the file it names is the one replaced. (A link to nothing
     * was refused: writing where it points would create a file wherever whoever made the link chose.) */
    struct stat link;
    if (exists && lstat(out->path, &link) == 0 && S_ISLNK(link.st_mode) && realpath(out->path, resolved) != NULL)
        name = resolved;
    if (strlen(name) >= sizeof(out->destination)) {
        cli_usage_error(command, "%s: the path '%s' is longer than the system allows", option, out->path);
        return false;
    }
    snprintf(out->destination, sizeof(out->destination), "%s", name);
    const char *slash = strrchr(out->destination, '/');
    const char *base = slash != NULL ? slash + 1 : out->destination;
    int directory_length = slash != NULL ? (int)(slash - out->destination) + 1 : 0;
    if (base[0] == '\0') {
        cli_usage_error(command, "%s: '%s' names a directory: name a file in it", option, out->path);
        return false;
    }
    int length =
        snprintf(out->temporary, sizeof(out->temporary), "%.*s.%s.XXXXXX", directory_length, out->destination, base);
    if (length < 0 || (size_t)length >= sizeof(out->temporary)) {
        cli_usage_error(command, "%s: the path '%s' is longer than the system allows", option, out->path);
        return false;
    }
    return true;
}

/* The directory path lies in ("." for a bare name). */
static void directory_of(const char *path, char *directory, size_t directory_size)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        snprintf(directory, directory_size, ".");
    else
        snprintf(directory, directory_size, "%.*s", slash == path ? 1 : (int)(slash - path), path);
}

/* In a directory with the sticky bit (/tmp), the kernel lets a file be replaced only by its owner or the
 * directory's: a rename over another user's file there fails with EPERM, and it would fail after the commit,
 * the use spent and the result left in the temporary file. So such a file is refused now, by a rule simpler
 * and stricter than the kernel's: another user's file is refused even where the rename would pass (in a
 * sticky directory of one's own, or as root), being someone else's file in a shared place, never a result of
 * this user's. */
static bool may_replace_in_directory(const cli_command *command, const char *option, const cli_out_file *out,
                                     const struct stat *existing)
{
    char directory[PATH_MAX];
    struct stat holder;
    directory_of(out->destination, directory, sizeof(directory));
    if (stat(directory, &holder) != 0 || (holder.st_mode & S_ISVTX) == 0 || existing->st_uid == geteuid())
        return true;
    cli_usage_error(command,
                    "%s: '%s' belongs to another user (uid %u) and lies in a directory with the sticky bit (as /tmp "
                    "does), where kssim replaces only files of your own: name another file, or have its owner "
                    "remove it",
                    option, out->path, (unsigned)existing->st_uid);
    return false;
}

/* The directory must take a new file now, before any use is spent: a temporary file is made and removed at
 * once (the one that receives the result is made only when there is a result). */
static bool probe_directory(const cli_command *command, const char *option, const cli_out_file *out)
{
    char probe[PATH_MAX];
    snprintf(probe, sizeof(probe), "%s", out->temporary);
    int fd = mkstemp(probe);
    if (fd < 0) {
        cli_usage_error(command, "%s: cannot create '%s': %s", option, out->path, strerror(errno));
        return false;
    }
    unlink(probe);
    close(fd);
    return true;
}

bool cli_out_file_prepare(const cli_command *command, const char *option, const char *path, cli_out_file *out)
{
    memset(out, 0, sizeof(*out));
    out->fd = -1;
    out->path = path;
    if (path == NULL)
        return true;
    if (strcmp(path, "-") == 0) {
        out->after_commit = true;
        return true;
    }
    struct stat existing;
    bool exists = stat(path, &existing) == 0;
    if (!exists && errno != ENOENT) {
        cli_usage_error(command, "%s: cannot write '%s': %s", option, path, strerror(errno));
        return false;
    }
    if (!exists && is_dangling_link(path)) {
        cli_usage_error(command,
                        "%s: '%s' is a symbolic link to a file that does not exist: name the file itself, or "
                        "remove the link",
                        option, path);
        return false;
    }
    if (exists && S_ISDIR(existing.st_mode)) {
        cli_usage_error(command, "%s: '%s' is a directory: name a file in it", option, path);
        return false;
    }
    if (exists && !S_ISREG(existing.st_mode))
        return prepare_special_file(command, option, out);
    /* Replacing a file this user could not have written would be a way around its permissions. */
    if (exists && access(path, W_OK) != 0) {
        cli_usage_error(command, "%s: cannot write '%s': %s", option, path, strerror(errno));
        return false;
    }
    if (!name_temporary(command, option, out, exists) ||
        (exists && !may_replace_in_directory(command, option, out, &existing)) ||
        !probe_directory(command, option, out))
        return false;
    /* mkstemp makes the file 0600; the result gets the permissions the file had (never its setuid, setgid or
     * sticky bit: a result is no program), or the ones a new file gets. */
    out->mode = exists ? existing.st_mode & 0777 : new_file_mode();
    return true;
}

/* The temporary file, made now with the result's mode; 0, or the errno of what failed. */
static int make_temporary(cli_out_file *out)
{
    out->fd = mkstemp(out->temporary);
    if (out->fd < 0)
        return errno;
    out->temporary_made = true;
    return fchmod(out->fd, out->mode) != 0 ? errno : 0;
}

bool cli_out_file_stage(cli_out_file *out, const uint8_t *bytes, size_t length, char *reason, size_t reason_size)
{
    if (out->after_commit)
        return true;
    int error = make_temporary(out);
    if (error == 0)
        error = write_fully(out->fd, bytes, length);
    if (error == 0 && fsync(out->fd) != 0)
        error = errno;
    if (error != 0) {
        cli_out_file_discard(out);
        snprintf(reason, reason_size, "%s", strerror(error));
        return false;
    }
    return true;
}

/* The rename is made durable too: without the directory's sync a crash could bring back the old file. A
 * directory that cannot be synced changes nothing that was promised, so its failure is not reported. */
static void sync_directory_of(const char *path)
{
    char directory[PATH_MAX];
    directory_of(path, directory, sizeof(directory));
    int fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

static bool deliver_after_commit(cli_out_file *out, const uint8_t *bytes, size_t length, char *reason,
                                 size_t reason_size)
{
    int error = 0;
    if (out->fd >= 0) {
        error = write_fully(out->fd, bytes, length);
        if (close(out->fd) != 0 && error == 0)
            error = errno;
        out->fd = -1;
    } else if ((length > 0 && fwrite(bytes, 1, length, stdout) != length) || fflush(stdout) != 0) {
        error = errno != 0 ? errno : EIO;
    }
    if (error != 0) {
        snprintf(reason, reason_size, "%s", strerror(error));
        return false;
    }
    return true;
}

bool cli_out_file_deliver(cli_out_file *out, const uint8_t *bytes, size_t length, char *reason, size_t reason_size)
{
    if (out->after_commit)
        return deliver_after_commit(out, bytes, length, reason, reason_size);
    close(out->fd);
    out->fd = -1;
    if (rename(out->temporary, out->destination) != 0) {
        /* The use is spent: the result stays where it is rather than being lost. */
        snprintf(reason, reason_size, "cannot rename '%s' to it: %s; the bytes are kept in '%s'", out->temporary,
                 strerror(errno), out->temporary);
        out->temporary_made = false;
        return false;
    }
    out->temporary_made = false;
    sync_directory_of(out->destination);
    return true;
}

const char *cli_out_file_name(const cli_out_file *out)
{
    return out->path == NULL || strcmp(out->path, "-") == 0 ? "standard output" : out->path;
}

void cli_out_file_discard(cli_out_file *out)
{
    if (out->fd >= 0)
        close(out->fd);
    out->fd = -1;
    /* Once committed, the result is kept whatever else failed: its use is spent. */
    if (out->temporary_made && !out->committed)
        unlink(out->temporary);
    out->temporary_made = false;
}
