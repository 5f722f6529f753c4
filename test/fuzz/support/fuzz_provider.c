/*
 * fuzz_provider.c - the provider `keystore` in the fuzz target's process (fuzz_provider.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/core.h>

#include "fuzz_provider.h"

void fuzz_provider_load(fuzz_provider *provider)
{
    /* Before the provider's first device call, which chooses the device once per process. */
    if (setenv("KSSIM_DEVICE", KSSIM_MEMORY_DEVICE, 1) != 0)
        abort();
    provider->libctx = OSSL_LIB_CTX_new();
    OSSL_PROVIDER *keystore = NULL;
    if (provider->libctx != NULL &&
        OSSL_PROVIDER_add_builtin(provider->libctx, KEYSTORE_PROVIDER_NAME, OSSL_provider_init) == 1)
        keystore = OSSL_PROVIDER_load(provider->libctx, KEYSTORE_PROVIDER_NAME);
    if (keystore == NULL || OSSL_PROVIDER_load(provider->libctx, "default") == NULL) {
        fprintf(stderr, "fuzz set-up: the keystore provider does not load in process\n");
        abort();
    }
    provider->context = OSSL_PROVIDER_get0_provider_ctx(keystore);
}
