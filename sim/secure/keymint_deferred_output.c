/*
 * keymint_deferred_output.c - a finish's output handed over after the device's lock is released
 * (kssim_finish_deferred; docs/device.md "Threads").
 *
 * Everything KeyMint decides at finish is decided under the lock: the token, the input, the operation's
 * end, and for a signature its randomness (a seed drawn then, keymint_signing.c). What is left is a pure
 * computation over objects nobody else holds: the signing context the operation hashed its input into
 * (its own copy; the key object it references is shared, and OpenSSL's EC and RSA key objects sign from
 * several threads at once) and the seed. So it may run on any thread while the device serves others, and
 * its bytes do not depend on when or where it runs.
 */
#include <stdlib.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "secure/keymint_internal.h"

kssim_deferred_output *keymint_deferred_output_made(uint8_t *output, size_t output_len)
{
    kssim_deferred_output *deferred = calloc(1, sizeof(*deferred));
    if (deferred == NULL) {
        OPENSSL_cleanse(output, output_len);
        free(output);
        return NULL;
    }
    deferred->output = output;
    deferred->output_len = output_len;
    return deferred;
}

kssim_result sim_deferred_output_complete(kssim_deferred_output *deferred, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (deferred == NULL)
        return KSSIM_INVALID_ARGUMENT;
    kssim_result r = KSSIM_OK;
    if (deferred->signing != NULL &&
        keymint_deferred_signature_make(deferred, &deferred->output, &deferred->output_len) != 0)
        r = KSSIM_SYSTEM_ERROR;
    if (r == KSSIM_OK) {
        *out = deferred->output;
        *out_len = deferred->output_len;
        deferred->output = NULL;
    }
    sim_deferred_output_free(deferred);
    return r;
}

void sim_deferred_output_free(kssim_deferred_output *deferred)
{
    if (deferred == NULL)
        return;
    EVP_MD_CTX_free(deferred->signing);
    if (deferred->output != NULL) {
        OPENSSL_cleanse(deferred->output, deferred->output_len);
        free(deferred->output);
    }
    OPENSSL_cleanse(deferred, sizeof(*deferred));
    free(deferred);
}
