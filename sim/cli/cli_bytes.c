/*
 * cli_bytes.c - reading byte values from options and files, and emitting binary results.
 */
#include "cli/cli_bytes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_values.h"

bool cli_claim_standard_input(const cli_command *command, const char *label)
{
    /* One command per process: whichever option read standard input first owns it. */
    static const char *claimed_by;
    if (claimed_by != NULL) {
        cli_usage_error(command, "%s and %s both read standard input (-); it can feed only one: give the other a file",
                        claimed_by, label);
        return false;
    }
    claimed_by = label;
    return true;
}

void cli_show_path(const char *path, char *shown, size_t shown_size)
{
    if (strcmp(path, "-") == 0)
        snprintf(shown, shown_size, "standard input");
    else
        snprintf(shown, shown_size, "'%s'", path);
}

bool cli_read_file(const cli_command *command, const char *label, const char *path, size_t limit,
                   const char *limit_reason, uint8_t **bytes, size_t *length)
{
    bool from_stdin = strcmp(path, "-") == 0;
    if (from_stdin && !cli_claim_standard_input(command, label))
        return false;
    FILE *file = from_stdin ? stdin : fopen(path, "rb");
    if (file == NULL) {
        cli_usage_error(command, "%s: cannot open '%s': %s", label, path, strerror(errno));
        return false;
    }
    /* Read up to limit + 1 bytes: the one byte more tells an input that is too large from one that fits. */
    size_t capacity = 4096, used = 0;
    uint8_t *buffer = malloc(capacity);
    bool ok = buffer != NULL;
    while (ok && used <= limit) {
        if (used == capacity) {
            size_t grown = capacity * 2 > limit + 1 ? limit + 1 : capacity * 2;
            uint8_t *bigger = realloc(buffer, grown);
            if (bigger == NULL) {
                ok = false;
                break;
            }
            buffer = bigger;
            capacity = grown;
        }
        size_t got = fread(buffer + used, 1, capacity - used, file);
        used += got;
        if (got == 0)
            break;
    }
    bool read_failed = ok && ferror(file);
    int read_error = errno;
    if (!from_stdin)
        fclose(file);
    char shown[CLI_SHOWN_PATH_MAX];
    cli_show_path(path, shown, sizeof(shown));
    if (ok && used > limit) {
        free(buffer);
        cli_usage_error(command, "%s: %s: the input is larger than %s", label, shown, limit_reason);
        return false;
    }
    if (!ok || read_failed) {
        free(buffer);
        cli_usage_error(command, "%s: cannot read %s: %s", label, shown, ok ? strerror(read_error) : "out of memory");
        return false;
    }
    *bytes = buffer;
    *length = used;
    return true;
}

static bool copy_text(const cli_command *command, const char *text, uint8_t **bytes, size_t *length)
{
    size_t text_length = strlen(text);
    uint8_t *copy = malloc(text_length + 1);
    if (copy == NULL) {
        cli_usage_error(command, "out of memory");
        return false;
    }
    memcpy(copy, text, text_length + 1);
    *bytes = copy;
    *length = text_length;
    return true;
}

/* "--data TEXT, --data-hex HEX or --in FILE": the forms a source offers. */
static void describe_forms(const cli_byte_source *source, char *out, size_t out_size)
{
    const char *forms[3];
    size_t count = 0;
    if (source->text_option != NULL)
        forms[count++] = source->text_option;
    if (source->hex_option != NULL)
        forms[count++] = source->hex_option;
    if (source->file_option != NULL)
        forms[count++] = source->file_option;
    out[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        size_t used = strlen(out);
        snprintf(out + used, out_size - used, "%s%s", i == 0 ? "" : i + 1 == count ? " or " : ", ", forms[i]);
    }
}

bool cli_read_bytes(const cli_args *args, const cli_byte_source *source, bool required, uint8_t **bytes, size_t *length)
{
    const char *text = source->text_option != NULL ? cli_get(args, source->text_option) : NULL;
    const char *hex = source->hex_option != NULL ? cli_get(args, source->hex_option) : NULL;
    const char *file = source->file_option != NULL ? cli_get(args, source->file_option) : NULL;
    int given = (text != NULL) + (hex != NULL) + (file != NULL);
    char forms[160];
    describe_forms(source, forms, sizeof(forms));
    *bytes = NULL;
    *length = 0;
    if (given > 1) {
        cli_usage_error(args->command, "%s is given more than once: use one of %s", source->what, forms);
        return false;
    }
    if (given == 0) {
        if (required)
            cli_usage_error(args->command, "%s is missing: give it with %s", source->what, forms);
        return !required;
    }
    bool read;
    if (text != NULL)
        read = copy_text(args->command, text, bytes, length);
    else if (hex != NULL)
        read = cli_parse_hex(args->command, source->hex_option, hex, bytes, length);
    else
        return cli_read_file(args->command, source->file_option, file, source->limit, source->limit_reason, bytes,
                             length);
    /* The command line bounds text and hex already (ARG_MAX); the same limit keeps every form equal. */
    if (read && *length > source->limit) {
        cli_usage_error(args->command, "%s: the input is larger than %s",
                        text != NULL ? source->text_option : source->hex_option, source->limit_reason);
        free(*bytes);
        *bytes = NULL;
        *length = 0;
        return false;
    }
    return read;
}

void cli_print_hex(FILE *stream, const uint8_t *bytes, size_t length)
{
    for (size_t i = 0; i < length; i++)
        fprintf(stream, "%02x", bytes[i]);
}

kssim_result cli_emit_bytes(cli_output *output, const char *what, cli_out_file *out_file, const uint8_t *bytes,
                            size_t length)
{
    output->result_what = what;
    if (out_file == NULL) {
        cli_print_hex(output->text, bytes, length);
        fputc('\n', output->text);
        return KSSIM_OK;
    }
    uint8_t *copy = malloc(length + 1);
    if (copy == NULL)
        return KSSIM_SYSTEM_ERROR;
    if (length > 0)
        memcpy(copy, bytes, length);
    free(output->file_bytes);
    output->out_file = out_file;
    output->file_bytes = copy;
    output->file_length = length;
    return KSSIM_OK;
}
