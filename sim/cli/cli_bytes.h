/*
 * cli_bytes.h - bytes in and out of device commands: data, signatures, ciphertexts and key material
 * given as text, hex or a file, and results printed as hex or written raw with --out.
 */
#ifndef SIM_CLI_CLI_BYTES_H
#define SIM_CLI_CLI_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/cli_device.h"
#include "cli/cli_options.h"
#include "cli/cli_out_file.h"

/* One value that may come as text (the UTF-8 bytes), hex, or a file ("-": standard input); any of the
 * three option names may be NULL where that form is not offered. At most one may be given; when
 * required, one must be. *bytes (NULL when nothing was given) is freed with free().
 *
 * Every source has a bound: a file is read up to limit bytes and one more, never further, so /dev/zero or an
 * endless pipe is refused at once instead of filling the memory (a file's size is not trusted: pipes and
 * devices have none). */
typedef struct cli_byte_source {
    const char *what; /* "the data", in messages */
    const char *text_option;
    const char *hex_option;
    const char *file_option;
    size_t limit;
    /* Completes "the input is larger than ...": the bound and why it is enough, e.g. "16 MiB, the most one
     * keystore operation takes: ..." */
    const char *limit_reason;
} cli_byte_source;

/* The bound of key files, signatures and other small inputs: far above any real one. */
#define CLI_KEY_FILE_MAX  ((size_t)1024 * 1024)
#define CLI_SIGNATURE_MAX ((size_t)64 * 1024)

bool cli_read_bytes(const cli_args *args, const cli_byte_source *source, bool required, uint8_t **bytes,
                    size_t *length);

/* The whole of a file, or of standard input for "-", up to limit bytes; more is a usage error saying "the input
 * is larger than LIMIT_REASON". */
bool cli_read_file(const cli_command *command, const char *label, const char *path, size_t limit,
                   const char *limit_reason, uint8_t **bytes, size_t *length);

/* Enough to name any path in a message; a longer one is cut, not lost. */
#define CLI_SHOWN_PATH_MAX 1024

/* A file option's value as messages name it: "standard input" for "-", else the path in quotes. */
void cli_show_path(const char *path, char *shown, size_t shown_size);

/* Standard input feeds at most one option of a command ("-"); a second one that asks for it gets a usage
 * error naming both. Returns false after printing it. */
bool cli_claim_standard_input(const cli_command *command, const char *label);

/* A command's binary result ("the signature", in messages): one line of lowercase hex on its output, or the raw
 * bytes for out_file (when not NULL, prepared with cli_out_file_prepare). Held back like all output: written to
 * a temporary file before the commit and put in place after it, or printed after it. */
kssim_result cli_emit_bytes(cli_output *output, const char *what, cli_out_file *out_file, const uint8_t *bytes,
                            size_t length);

/* Writes bytes as lowercase hex, without a newline. */
void cli_print_hex(FILE *stream, const uint8_t *bytes, size_t length);

#endif
