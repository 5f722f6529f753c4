/*
 * aes_gcm.c - AES-256-GCM for the key blobs, called straight through the default provider's dispatch
 * table in the device's library context instead of EVP_CIPHER_fetch.
 *
 * Why: OpenSSL 3.0 builds the method store of an operation in a library context at its first fetch, and
 * for that constructs every algorithm the loaded providers offer for it: the first cipher fetched in a
 * device's new context made all 150-odd ciphers of the default provider, 0.5-0.75 ms of a 10 ms `openssl
 * pkeyutl -sign` process whose only cipher is this one (docs/performance.md, "`openssl pkeyutl -sign`").
 * Asking the provider for its cipher table (OSSL_PROVIDER_query_operation) and calling the AES-256-GCM
 * entry's functions runs the same implementation as EVP does, on the same provider context, so the bytes
 * are the same; only the construction of the others is skipped. Ciphers an app chooses (KeyMint's AES
 * keys) still go through EVP_CIPHER_fetch.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include "core/aes_gcm.h"

typedef struct gcm_functions {
    OSSL_FUNC_cipher_newctx_fn *newctx;
    OSSL_FUNC_cipher_freectx_fn *freectx;
    OSSL_FUNC_cipher_encrypt_init_fn *encrypt_init;
    OSSL_FUNC_cipher_decrypt_init_fn *decrypt_init;
    OSSL_FUNC_cipher_update_fn *update;
    OSSL_FUNC_cipher_final_fn *final;
    OSSL_FUNC_cipher_get_ctx_params_fn *get_ctx_params;
    OSSL_FUNC_cipher_set_ctx_params_fn *set_ctx_params;
} gcm_functions;

/* Whether a provider's colon-separated name list ("AES-256-GCM:id-aes256-GCM:2.16...") holds name. */
static bool names_include(const char *names, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = names; p != NULL && *p != '\0';) {
        const char *end = strchr(p, ':');
        size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
        if (n == len && strncasecmp(p, name, len) == 0)
            return true;
        p = end != NULL ? end + 1 : NULL;
    }
    return false;
}

static bool read_functions(const OSSL_DISPATCH *d, gcm_functions *f)
{
    memset(f, 0, sizeof(*f));
    for (; d->function_id != 0; d++) {
        switch (d->function_id) {
        case OSSL_FUNC_CIPHER_NEWCTX:
            f->newctx = OSSL_FUNC_cipher_newctx(d);
            break;
        case OSSL_FUNC_CIPHER_FREECTX:
            f->freectx = OSSL_FUNC_cipher_freectx(d);
            break;
        case OSSL_FUNC_CIPHER_ENCRYPT_INIT:
            f->encrypt_init = OSSL_FUNC_cipher_encrypt_init(d);
            break;
        case OSSL_FUNC_CIPHER_DECRYPT_INIT:
            f->decrypt_init = OSSL_FUNC_cipher_decrypt_init(d);
            break;
        case OSSL_FUNC_CIPHER_UPDATE:
            f->update = OSSL_FUNC_cipher_update(d);
            break;
        case OSSL_FUNC_CIPHER_FINAL:
            f->final = OSSL_FUNC_cipher_final(d);
            break;
        case OSSL_FUNC_CIPHER_GET_CTX_PARAMS:
            f->get_ctx_params = OSSL_FUNC_cipher_get_ctx_params(d);
            break;
        case OSSL_FUNC_CIPHER_SET_CTX_PARAMS:
            f->set_ctx_params = OSSL_FUNC_cipher_set_ctx_params(d);
            break;
        default:
            break;
        }
    }
    return f->newctx != NULL && f->freectx != NULL && f->encrypt_init != NULL && f->decrypt_init != NULL &&
           f->update != NULL && f->final != NULL && f->get_ctx_params != NULL && f->set_ctx_params != NULL;
}

/* The default provider's functions are the same code in every library context (it is built into
 * libcrypto and its tables are static), so they are looked up once per process; the provider context
 * they run on is each device's own. A thread that finds the lookup under way looks up for itself. */
static struct {
    pthread_mutex_t lock;
    atomic_bool known;
    gcm_functions functions;
} gcm = {.lock = PTHREAD_MUTEX_INITIALIZER};

static bool find_functions(OSSL_PROVIDER *provider, gcm_functions *out)
{
    if (atomic_load_explicit(&gcm.known, memory_order_acquire)) {
        *out = gcm.functions;
        return true;
    }
    int no_store = 0;
    const OSSL_ALGORITHM *algorithms = OSSL_PROVIDER_query_operation(provider, OSSL_OP_CIPHER, &no_store);
    bool found = false;
    for (const OSSL_ALGORITHM *a = algorithms; a != NULL && a->algorithm_names != NULL && !found; a++)
        if (names_include(a->algorithm_names, "AES-256-GCM"))
            found = read_functions(a->implementation, out);
    if (algorithms != NULL)
        OSSL_PROVIDER_unquery_operation(provider, OSSL_OP_CIPHER, algorithms);
    if (found && pthread_mutex_trylock(&gcm.lock) == 0) {
        if (!atomic_load_explicit(&gcm.known, memory_order_relaxed)) {
            gcm.functions = *out;
            atomic_store_explicit(&gcm.known, true, memory_order_release);
        }
        pthread_mutex_unlock(&gcm.lock);
    }
    return found;
}

int sim_aes_256_gcm(const sim_crypto *crypto, bool encrypt, const uint8_t key[SIM_AES_GCM_KEY_BYTES],
                    const uint8_t nonce[SIM_AES_GCM_NONCE_BYTES], const uint8_t *aad, size_t aad_len, const uint8_t *in,
                    size_t in_len, uint8_t *out, uint8_t tag[SIM_AES_GCM_TAG_BYTES])
{
    gcm_functions f;
    if (crypto->default_provider == NULL || !find_functions(crypto->default_provider, &f))
        return -1;
    void *ctx = f.newctx(OSSL_PROVIDER_get0_provider_ctx(crypto->default_provider));
    if (ctx == NULL)
        return -1;
    size_t n = 0, final_n = 0;
    /* Provider functions answer 1 for success and 0 or -1 for failure (GCM's update says -1). */
    bool ok = (encrypt ? f.encrypt_init(ctx, key, SIM_AES_GCM_KEY_BYTES, nonce, SIM_AES_GCM_NONCE_BYTES, NULL)
                       : f.decrypt_init(ctx, key, SIM_AES_GCM_KEY_BYTES, nonce, SIM_AES_GCM_NONCE_BYTES, NULL)) == 1;
    /* With no output buffer, GCM's update takes its input as additional data (as EVP_CipherUpdate's). */
    ok = ok && (aad_len == 0 || f.update(ctx, NULL, &n, aad_len, aad, aad_len) == 1);
    ok = ok && (in_len == 0 || (f.update(ctx, out, &n, in_len, in, in_len) == 1 && n == in_len));
    if (ok && !encrypt) {
        OSSL_PARAM set_tag[] = {
            OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, SIM_AES_GCM_TAG_BYTES), OSSL_PARAM_END};
        ok = f.set_ctx_params(ctx, set_tag) == 1;
    }
    /* GCM's final writes nothing; the output size only has to admit that. */
    uint8_t none[1];
    ok = ok && f.final(ctx, none, &final_n, 0) == 1 && final_n == 0;
    if (ok && encrypt) {
        OSSL_PARAM get_tag[] = {
            OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, SIM_AES_GCM_TAG_BYTES), OSSL_PARAM_END};
        ok = f.get_ctx_params(ctx, get_tag) == 1;
    }
    f.freectx(ctx);
    return ok ? 0 : -1;
}
