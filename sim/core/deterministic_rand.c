/*
 * deterministic_rand.c - makes OpenSSL draw its randomness from the simulator's seeded DRBG.
 *
 * A tiny built-in provider, loaded only into the simulator's private OSSL_LIB_CTX, offers a RAND
 * algorithm whose output is the device's HMAC_DRBG stream; RAND_set_DRBG_type makes it the library
 * context's primary, public and private DRBG. Key generation (RSA primes included), ECDSA nonces and
 * PSS salts then depend only on the scenario's seed, and the host's entropy is never read.
 *
 * Every DRBG instance serves the device's stream, except on a thread that is making a signature outside
 * the device's lock: that thread's draws come from the signature's own stream (crypto.c,
 * sim_random_begin_operation_stream, chosen per thread), so the instances need no lock of their own.
 */
#include <string.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "core/env.h"
#include "core/invariant.h"

#define RAND_PROVIDER_NAME  "kssim-deterministic-rand"
#define RAND_ALGORITHM_NAME "KSSIM-DRBG"
/* The largest draw OpenSSL may ask in one generate call (OSSL_RAND_PARAM_MAX_REQUEST); it splits larger ones. */
#define RAND_MAX_REQUEST ((size_t)1 << 16)

/* The provider's init runs synchronously inside OSSL_PROVIDER_load, on the installing thread; this is
 * how it learns which device's DRBG to draw from. */
static _Thread_local sim_crypto *crypto_being_installed;

static void *rand_newctx(void *provctx, void *parent, const OSSL_DISPATCH *parent_dispatch)
{
    (void)parent;
    (void)parent_dispatch;
    return provctx; /* every DRBG instance of the context shares the device's one stream */
}

static void rand_freectx(void *ctx)
{
    (void)ctx;
}

static int rand_instantiate(void *ctx, unsigned int strength, int prediction_resistance, const unsigned char *pstr,
                            size_t pstr_len, const OSSL_PARAM params[])
{
    (void)ctx, (void)strength, (void)prediction_resistance, (void)pstr, (void)pstr_len, (void)params;
    return 1;
}

static int rand_uninstantiate(void *ctx)
{
    (void)ctx;
    return 1;
}

static int rand_generate(void *ctx, unsigned char *out, size_t outlen, unsigned int strength, int prediction_resistance,
                         const unsigned char *adin, size_t adin_len)
{
    (void)strength, (void)prediction_resistance, (void)adin, (void)adin_len;
    KSSIM_INVARIANT(ctx != NULL, "OpenSSL draws only from a device's DRBG, installed with its crypto");
    KSSIM_INVARIANT(outlen <= RAND_MAX_REQUEST, "OpenSSL splits a draw larger than the advertised maximum request");
    return sim_random_bytes_for_openssl(ctx, out, outlen) == 0; /* a failed draw fails OpenSSL's operation */
}

static int rand_enable_locking(void *ctx)
{
    (void)ctx;
    return 1; /* the device serialises its own calls; operation streams are per thread */
}

static int rand_lock(void *ctx)
{
    (void)ctx;
    return 1;
}

static void rand_unlock(void *ctx)
{
    (void)ctx;
}

static int rand_get_ctx_params(void *ctx, OSSL_PARAM params[])
{
    (void)ctx;
    OSSL_PARAM *p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STATE);
    if (p != NULL && !OSSL_PARAM_set_int(p, EVP_RAND_STATE_READY))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STRENGTH);
    if (p != NULL && !OSSL_PARAM_set_uint(p, 256))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_MAX_REQUEST);
    if (p != NULL && !OSSL_PARAM_set_size_t(p, RAND_MAX_REQUEST))
        return 0;
    return 1;
}

static const OSSL_PARAM *rand_gettable_ctx_params(void *ctx, void *provctx)
{
    (void)ctx, (void)provctx;
    static const OSSL_PARAM gettable[] = {
        OSSL_PARAM_int(OSSL_RAND_PARAM_STATE, NULL),
        OSSL_PARAM_uint(OSSL_RAND_PARAM_STRENGTH, NULL),
        OSSL_PARAM_size_t(OSSL_RAND_PARAM_MAX_REQUEST, NULL),
        OSSL_PARAM_END,
    };
    return gettable;
}

static const OSSL_DISPATCH rand_functions[] = {
    {OSSL_FUNC_RAND_NEWCTX, (void (*)(void))rand_newctx},
    {OSSL_FUNC_RAND_FREECTX, (void (*)(void))rand_freectx},
    {OSSL_FUNC_RAND_INSTANTIATE, (void (*)(void))rand_instantiate},
    {OSSL_FUNC_RAND_UNINSTANTIATE, (void (*)(void))rand_uninstantiate},
    {OSSL_FUNC_RAND_GENERATE, (void (*)(void))rand_generate},
    {OSSL_FUNC_RAND_ENABLE_LOCKING, (void (*)(void))rand_enable_locking},
    {OSSL_FUNC_RAND_LOCK, (void (*)(void))rand_lock},
    {OSSL_FUNC_RAND_UNLOCK, (void (*)(void))rand_unlock},
    {OSSL_FUNC_RAND_GET_CTX_PARAMS, (void (*)(void))rand_get_ctx_params},
    {OSSL_FUNC_RAND_GETTABLE_CTX_PARAMS, (void (*)(void))rand_gettable_ctx_params},
    {0, NULL},
};

static const OSSL_ALGORITHM rand_algorithms[] = {
    {RAND_ALGORITHM_NAME, "provider=" RAND_PROVIDER_NAME, rand_functions, "the kssim device's seeded DRBG"},
    {NULL, NULL, NULL, NULL},
};

static const OSSL_ALGORITHM *provider_query(void *provctx, int operation_id, int *no_cache)
{
    (void)provctx;
    *no_cache = 0;
    return operation_id == OSSL_OP_RAND ? rand_algorithms : NULL;
}

static const OSSL_DISPATCH provider_functions[] = {
    {OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))provider_query},
    {0, NULL},
};

static int provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in, const OSSL_DISPATCH **out,
                         void **provctx)
{
    (void)handle, (void)in;
    if (crypto_being_installed == NULL)
        return 0;
    *provctx = crypto_being_installed;
    *out = provider_functions;
    return 1;
}

int sim_deterministic_rand_install(sim_crypto *crypto)
{
    KSSIM_INVARIANT(crypto_being_installed == NULL, "one device's RAND is installed at a time on a thread");
    KSSIM_INVARIANT(sim_drbg_is_seeded(&crypto->drbg), "OpenSSL is given a DRBG only once it is seeded");
    if (!OSSL_PROVIDER_add_builtin(crypto->libctx, RAND_PROVIDER_NAME, provider_init))
        return -1;
    crypto_being_installed = crypto;
    crypto->rand_provider = OSSL_PROVIDER_load(crypto->libctx, RAND_PROVIDER_NAME);
    crypto_being_installed = NULL;
    if (crypto->rand_provider == NULL)
        return -1;
    return RAND_set_DRBG_type(crypto->libctx, RAND_ALGORITHM_NAME, "provider=" RAND_PROVIDER_NAME, NULL, NULL) ? 0 : -1;
}
