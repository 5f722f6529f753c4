/*
 * errors.c - the provider's OpenSSL errors: one reason code per kssim_result, plus the provider's own
 * few, and the reason strings the core prints ("...:keystore::KEY_USER_NOT_AUTHENTICATED:...").
 *
 * The contract says a refused operation fails with an error whose reason text begins with the result
 * name. The reason string is the result name itself, so `openssl` prints it in the error line; the
 * error data repeats it with its number and adds the device's sentence, which says why and what would
 * let the call succeed, so that a program reading only the data (ERR_get_error_all) has the whole story.
 */
#include <stdarg.h>
#include <stdio.h>

#include <openssl/err.h>

#include "core/invariant.h"
#include "keystore_provider.h"

/* Reason codes of results sit above the provider's own; the offset keeps negative KeyMint codes
 * positive. */
#define RESULT_REASON_OFFSET 2000
#define RESULT_SCAN_LOW      (-1000)
#define RESULT_SCAN_HIGH     2000
#define REASON_TABLE_MAX     128

static OSSL_ITEM reason_table[REASON_TABLE_MAX];
static pthread_once_t reason_table_once = PTHREAD_ONCE_INIT;

static const OSSL_ITEM own_reasons[] = {
    {KEYSTORE_R_PRIVATE_KEY_STAYS_ON_DEVICE, "PRIVATE_KEY_STAYS_ON_DEVICE"},
    {KEYSTORE_R_INVALID_KEY_REFERENCE, "INVALID_KEY_REFERENCE"},
    {KEYSTORE_R_ALIAS_REQUIRED, "ALIAS_REQUIRED"},
    {KEYSTORE_R_UNSUPPORTED_PARAMETER, "UNSUPPORTED_PARAMETER"},
    {KEYSTORE_R_NOT_A_DEVICE_KEY, "NOT_A_DEVICE_KEY"},
    {KEYSTORE_R_OPERATION_ALREADY_BEGUN, "OPERATION_ALREADY_BEGUN"},
    {KEYSTORE_R_OPENSSL_FAILURE, "OPENSSL_FAILURE"},
    {KEYSTORE_R_OUTPUT_BUFFER_TOO_SMALL, "OUTPUT_BUFFER_TOO_SMALL"},
};

/* The table is built from result.h's names rather than copied, so a result added to the simulator
 * gets its reason without touching the provider. */
static void build_reason_table(void)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof(own_reasons) / sizeof(own_reasons[0]); i++)
        reason_table[n++] = own_reasons[i];
    for (int value = RESULT_SCAN_LOW; value <= RESULT_SCAN_HIGH && n + 1 < REASON_TABLE_MAX; value++) {
        if (value == KSSIM_OK)
            continue;
        const char *name = kssim_result_name((kssim_result)value);
        if (name != NULL) {
            reason_table[n].id = (unsigned int)(value + RESULT_REASON_OFFSET);
            reason_table[n].ptr = (void *)name;
            n++;
        }
    }
    reason_table[n].id = 0;
    reason_table[n].ptr = NULL;
}

const OSSL_ITEM *keystore_reason_strings(void)
{
    pthread_once(&reason_table_once, build_reason_table);
    return reason_table;
}

int keystore_reason_for(kssim_result result)
{
    return (int)result + RESULT_REASON_OFFSET;
}

void keystore_errors_init(keystore_provider *provider, const OSSL_DISPATCH *in)
{
    for (; in->function_id != 0; in++) {
        switch (in->function_id) {
        case OSSL_FUNC_CORE_NEW_ERROR:
            provider->core_new_error = OSSL_FUNC_core_new_error(in);
            break;
        case OSSL_FUNC_CORE_SET_ERROR_DEBUG:
            provider->core_set_error_debug = OSSL_FUNC_core_set_error_debug(in);
            break;
        case OSSL_FUNC_CORE_VSET_ERROR:
            provider->core_vset_error = OSSL_FUNC_core_vset_error(in);
            break;
        default:
            break;
        }
    }
    pthread_once(&reason_table_once, build_reason_table);
}

static void raise_with_args(const keystore_provider *provider, const char *file, int line, const char *func, int reason,
                            const char *fmt, ...)
{
    KSSIM_INVARIANT(provider != NULL, "an error is raised through the provider instance that owns the object");
    if (provider->core_new_error == NULL || provider->core_vset_error == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    provider->core_new_error(provider->handle);
    if (provider->core_set_error_debug != NULL)
        provider->core_set_error_debug(provider->handle, file, line, func);
    provider->core_vset_error(provider->handle, (uint32_t)reason, fmt, ap);
    va_end(ap);
}

static const char *own_reason_name(int reason)
{
    for (size_t i = 0; i < sizeof(own_reasons) / sizeof(own_reasons[0]); i++)
        if (own_reasons[i].id == (unsigned int)reason)
            return own_reasons[i].ptr;
    return "KEYSTORE_ERROR";
}

/* The provider's own reasons read like the device's: "REASON: sentence". */
void keystore_raise_at(const keystore_provider *provider, const char *file, int line, const char *func, int reason,
                       const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    raise_with_args(provider, file, line, func, reason, "%s: %s", own_reason_name(reason), text);
}

void keystore_raise_result_at(const keystore_provider *provider, const char *file, int line, const char *func,
                              kssim_result result, const char *sentence)
{
    const char *name = kssim_result_name(result);
    if (name == NULL)
        name = "SYSTEM_ERROR";
    if (sentence == NULL || sentence[0] == '\0')
        sentence = kssim_result_advice(result);
    raise_with_args(provider, file, line, func, keystore_reason_for(result), "%s (%d): %s", name, (int)result,
                    sentence != NULL ? sentence : "");
}
