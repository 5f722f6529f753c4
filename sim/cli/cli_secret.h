/*
 * cli_secret.h - lock-screen secrets read from a file or standard input instead of the command line.
 *
 * A command line is readable by every local user (/proc/PID/cmdline, ps) for as long as the command runs, so
 * each option that takes a secret also takes "-" (read it from standard input) and has a twin that names a file
 * (--secret-file, --old-file, --new-file). The secret is the first line of the file or of standard input,
 * without its line ending (\n or \r\n). A NUL byte, an empty first line or one longer than CLI_SECRET_MAX is a
 * usage error. What was read is wiped from memory (OPENSSL_cleanse) by cli_secret_clear once the device has it.
 */
#ifndef SIM_CLI_CLI_SECRET_H
#define SIM_CLI_CLI_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/cli_options.h"

/* The longest secret a file or standard input may hold (4 KiB, as messages say): far above any PIN, password or
 * pattern. */
#define CLI_SECRET_MAX 4096

typedef struct cli_secret {
    const char *value; /* what the device is given; NULL when no secret was given */
    char *read;        /* the buffer value points into when it was read from a file or standard input */
} cli_secret;

/* The secret given as text_option SECRET ("-": standard input) or file_option FILE ("-" too); at most one of the
 * two, and one when required. Prints a usage error and returns false when the secret cannot be had. */
bool cli_read_secret(const cli_args *args, const char *text_option, const char *file_option, bool required,
                     cli_secret *secret);

/* The first line of path ("-": standard input), label naming where it was asked for in messages. */
bool cli_read_secret_file(const cli_command *command, const char *label, const char *path, cli_secret *secret);

/* Wipes and frees what was read; value becomes NULL. */
void cli_secret_clear(cli_secret *secret);

#endif
