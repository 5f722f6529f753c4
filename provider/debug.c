/*
 * debug.c - KSSIM_PROVIDER_DEBUG=1: one line on stderr for each call OpenSSL makes into the provider's
 * dispatch tables, with the call's arguments ("keystore: signature_digest_sign_init(alias=login,
 * digest=SHA256)"), for a developer who wants to see what libcrypto or libssl asks of the provider and in
 * which order. Off unless the variable is exactly "1"; read once per process, so a call that is not traced
 * costs one load and a branch. Secrets never appear: only parameter names, lengths and the values of
 * text and number parameters, which are names (digests, paddings, aliases) or sizes.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/params.h>

#include "keystore_provider.h"

static bool debug_enabled;
static pthread_once_t debug_once = PTHREAD_ONCE_INIT;

static void read_debug_setting(void)
{
    const char *value = getenv("KSSIM_PROVIDER_DEBUG");
    debug_enabled = value != NULL && strcmp(value, "1") == 0;
}

bool keystore_debug_enabled(void)
{
    pthread_once(&debug_once, read_debug_setting);
    return debug_enabled;
}

void keystore_debug_call(const char *function, const char *fmt, ...)
{
    /* The functions are named keystore_<operation>_<call>; the line says keystore: once. */
    static const char prefix[] = "keystore_";
    if (strncmp(function, prefix, sizeof(prefix) - 1) == 0)
        function += sizeof(prefix) - 1;
    char arguments[1024];
    va_list args;
    va_start(args, fmt);
    vsnprintf(arguments, sizeof(arguments), fmt, args);
    va_end(args);
    /* One fprintf per line, so that lines of threads calling at once do not interleave within a line. */
    fprintf(stderr, "keystore: %s(%s)\n", function, arguments);
}

const char *keystore_debug_key(const void *keydata)
{
    const keystore_key *key = keydata;
    if (key == NULL)
        return "none";
    if (!key->on_device)
        return key->has_public ? "(public key)" : "(empty key)";
    return key->reference.alias;
}

static void append(char *out, size_t size, size_t *used, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void append(char *out, size_t size, size_t *used, const char *fmt, ...)
{
    if (*used >= size)
        return;
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(out + *used, size - *used, fmt, args);
    va_end(args);
    if (n > 0)
        *used += (size_t)n;
}

const char *keystore_debug_params(const OSSL_PARAM params[], bool with_values)
{
    static _Thread_local char text[768];
    size_t used = 0;
    text[0] = '\0';
    append(text, sizeof(text), &used, "[");
    for (const OSSL_PARAM *p = params; p != NULL && p->key != NULL; p++) {
        append(text, sizeof(text), &used, "%s%s", p == params ? "" : " ", p->key);
        if (!with_values)
            continue;
        const char *string = NULL;
        int64_t signed_number;
        uint64_t number;
        if (p->data_type == OSSL_PARAM_UTF8_STRING && OSSL_PARAM_get_utf8_string_ptr(p, &string))
            append(text, sizeof(text), &used, "=%s", string);
        else if (p->data_type == OSSL_PARAM_UNSIGNED_INTEGER && OSSL_PARAM_get_uint64(p, &number))
            append(text, sizeof(text), &used, "=%" PRIu64, number);
        else if (p->data_type == OSSL_PARAM_INTEGER && OSSL_PARAM_get_int64(p, &signed_number))
            append(text, sizeof(text), &used, "=%" PRId64, signed_number);
        else
            append(text, sizeof(text), &used, "=(%zu bytes)", p->data_size);
    }
    append(text, sizeof(text), &used, "]");
    return text;
}
