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

/* One value that may come as text (the UTF-8 bytes), hex, or a file ("-": standard input); any of the
 * three option names may be NULL where that form is not offered. At most one may be given; when
 * required, one must be. *bytes (NULL when nothing was given) is freed with free(). */
typedef struct cli_byte_source {
    const char *what; /* "the data", in messages */
    const char *text_option;
    const char *hex_option;
    const char *file_option;
} cli_byte_source;

bool cli_read_bytes(const cli_args *args, const cli_byte_source *source, bool required, uint8_t **bytes,
                    size_t *length);

/* The whole of a file, or of standard input for "-". */
bool cli_read_file(const cli_command *command, const char *label, const char *path, uint8_t **bytes, size_t *length);

/* A command's binary result: one line of lowercase hex on its output, or the raw bytes into the file out_path
 * names (when not NULL). Held back like all output until the device has committed. */
kssim_result cli_emit_bytes(cli_output *output, const char *out_path, const uint8_t *bytes, size_t length);

/* Writes bytes as lowercase hex, without a newline. */
void cli_print_hex(FILE *stream, const uint8_t *bytes, size_t length);

#endif
