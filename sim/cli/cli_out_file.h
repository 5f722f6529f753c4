/*
 * cli_out_file.h - `--out FILE`: where a command's raw result goes, made ready before the device is touched.
 *
 * A result whose making spent something (a use of a single-use key) must neither be lost nor escape unrecorded.
 * So a regular file is checked first (a place that cannot be written, or a file that could not be replaced,
 * fails before any use is spent); the temporary file beside FILE is made only once the result exists, so none
 * lies around while the device is opened or its lock awaited. It receives the bytes and is synced while the
 * device's transaction is still open (a failed write rolls the transaction back), and takes FILE's name only
 * after the commit (a failed commit leaves no file; once the commit succeeded it is never removed). Standard
 * output ("-") and what cannot be written tentatively (a pipe, a terminal, a device) get the bytes after the
 * commit, every write checked, as the hex on standard output does.
 */
#ifndef SIM_CLI_CLI_OUT_FILE_H
#define SIM_CLI_CLI_OUT_FILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cli/cli_options.h"

typedef struct cli_out_file {
    const char *path;           /* FILE as given ("-": standard output); NULL when there is no --out */
    char destination[PATH_MAX]; /* the name the result takes: path, or the file a symbolic link names */
    char temporary[PATH_MAX];   /* the temporary file beside it (its mkstemp pattern until it is made) */
    bool temporary_made;        /* the temporary file exists and is this command's to remove */
    bool committed;             /* the device committed the result: the temporary file is never removed */
    mode_t mode;                /* the mode the result gets: the replaced file's, or a new file's */
    int fd;                     /* the temporary file, or the pipe or device; -1 for standard output */
    bool after_commit;          /* written after the commit: standard output, pipes, terminals, devices */
} cli_out_file;

/* Gets path (the value of option; NULL: no --out, out->path is then NULL) ready to be written. Prints a usage
 * error naming the system's reason and returns false when it cannot be. */
bool cli_out_file_prepare(const cli_command *command, const char *option, const char *path, cli_out_file *out);

/* Before the commit: the temporary file is made, receives the bytes and is synced to the disk. Nothing to do for what
 * is written after the commit. false with the system's reason in reason. */
bool cli_out_file_stage(cli_out_file *out, const uint8_t *bytes, size_t length, char *reason, size_t reason_size);

/* After the commit: the temporary file takes FILE's name, or the bytes are written to standard output, the pipe
 * or the device. false with the reason (a temporary file that could not be renamed is kept, and named). */
bool cli_out_file_deliver(cli_out_file *out, const uint8_t *bytes, size_t length, char *reason, size_t reason_size);

/* The name the result is written under, for messages: FILE, or "standard output". */
const char *cli_out_file_name(const cli_out_file *out);

/* Removes the temporary file if it is still there (unless the device committed its result) and closes what is
 * open; harmless when done already. */
void cli_out_file_discard(cli_out_file *out);

#endif
