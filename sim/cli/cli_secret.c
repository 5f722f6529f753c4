/*
 * cli_secret.c - reading a secret's first line from a file or standard input, and wiping it afterwards.
 *
 * The bytes are read with read(2) straight into one buffer, not through stdio, so that no copy is left in a
 * stream buffer that cli_secret_clear could not reach.
 */
#include "cli/cli_secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/cli_bytes.h"

/* The secret, its line ending (\r\n at most) and a terminating NUL. */
#define SECRET_BUFFER_SIZE (CLI_SECRET_MAX + 3)

/* Reads until the first line has ended, the input has, or the buffer is full; *used is how much it holds. */
static int read_first_line(int fd, char *buffer, size_t capacity, size_t *used)
{
    *used = 0;
    while (*used < capacity) {
        ssize_t got = read(fd, buffer + *used, capacity - *used);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return errno;
        if (got == 0)
            break;
        bool line_ended = memchr(buffer + *used, '\n', (size_t)got) != NULL;
        *used += (size_t)got;
        if (line_ended)
            break;
    }
    return 0;
}

static const char too_long[] = "is longer than 4 KiB, more than any secret: is it the secret file?";

/* Why the line in buffer is no secret, or NULL when it is one (then terminated in place). */
static const char *check_line(char *buffer, size_t used, bool full)
{
    char *newline = memchr(buffer, '\n', used);
    if (newline == NULL && full)
        return too_long;
    size_t length = newline != NULL ? (size_t)(newline - buffer) : used;
    if (length > 0 && buffer[length - 1] == '\r')
        length--;
    if (length > CLI_SECRET_MAX)
        return too_long;
    if (memchr(buffer, '\0', length) != NULL)
        return "holds a NUL byte: a secret is one line of text";
    if (length == 0)
        return "is empty: put the secret on the first line";
    buffer[length] = '\0';
    return NULL;
}

bool cli_read_secret_file(const cli_command *command, const char *label, const char *path, cli_secret *secret)
{
    bool from_stdin = strcmp(path, "-") == 0;
    char shown[CLI_SHOWN_PATH_MAX];
    cli_show_path(path, shown, sizeof(shown));
    if (from_stdin && !cli_claim_standard_input(command, label))
        return false;
    int fd = from_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        cli_usage_error(command, "%s: cannot open %s: %s", label, shown, strerror(errno));
        return false;
    }
    char *buffer = malloc(SECRET_BUFFER_SIZE);
    if (buffer == NULL) {
        if (!from_stdin)
            close(fd);
        cli_usage_error(command, "%s: out of memory", label);
        return false;
    }
    size_t used;
    int error = read_first_line(fd, buffer, SECRET_BUFFER_SIZE - 1, &used);
    if (!from_stdin)
        close(fd);
    const char *wrong = error == 0 ? check_line(buffer, used, used == SECRET_BUFFER_SIZE - 1) : NULL;
    if (error != 0 || wrong != NULL) {
        OPENSSL_cleanse(buffer, SECRET_BUFFER_SIZE);
        free(buffer);
        if (error != 0)
            cli_usage_error(command, "%s: cannot read %s: %s", label, shown, strerror(error));
        else
            cli_usage_error(command, "%s: the first line of %s %s", label, shown, wrong);
        return false;
    }
    secret->read = buffer;
    secret->value = buffer;
    return true;
}

bool cli_read_secret(const cli_args *args, const char *text_option, const char *file_option, bool required,
                     cli_secret *secret)
{
    const char *text = cli_get(args, text_option);
    const char *file = cli_get(args, file_option);
    secret->value = NULL;
    secret->read = NULL;
    if (text != NULL && file != NULL) {
        cli_usage_error(args->command, "%s and %s both give the secret: give one of them", text_option, file_option);
        return false;
    }
    if (text == NULL && file == NULL) {
        if (required)
            cli_usage_error(args->command,
                            "%s is required: %s SECRET, %s - (standard input) or %s FILE (its first line)", text_option,
                            text_option, text_option, file_option);
        return !required;
    }
    if (file != NULL)
        return cli_read_secret_file(args->command, file_option, file, secret);
    if (strcmp(text, "-") == 0)
        return cli_read_secret_file(args->command, text_option, text, secret);
    secret->value = text;
    return true;
}

void cli_secret_clear(cli_secret *secret)
{
    if (secret->read != NULL) {
        OPENSSL_cleanse(secret->read, SECRET_BUFFER_SIZE);
        free(secret->read);
    }
    secret->read = NULL;
    secret->value = NULL;
}
