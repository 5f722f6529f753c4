/*
 * fuzz_provider.h - the OpenSSL provider `keystore` loaded into the fuzz target's own process, from its
 * sources (OSSL_PROVIDER_add_builtin), so a target calls the provider's code exactly as libcrypto does,
 * under the same sanitizers, without loading build/keystore.so.
 */
#ifndef KSSIM_FUZZ_PROVIDER_H
#define KSSIM_FUZZ_PROVIDER_H

#include <openssl/provider.h>

#include "keystore_provider.h"

typedef struct fuzz_provider {
    OSSL_LIB_CTX *libctx;       /* the application's context, where keystore and default are loaded */
    keystore_provider *context; /* the provider's own context, as its functions receive it */
} fuzz_provider;

/* Loads keystore and default into a new library context, with KSSIM_DEVICE=memory: so that the
 * provider's device is a device of this process only and nothing is written to disk. Aborts on failure. */
void fuzz_provider_load(fuzz_provider *provider);

#endif
