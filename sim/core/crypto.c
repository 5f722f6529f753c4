/*
 * crypto.c - the simulator's own crypto context: a private OSSL_LIB_CTX and the seeded DRBG.
 *
 * Every random value of the simulated phone (SIDs, per-boot HMAC keys, salts, challenges, operation
 * handles, key material, signature nonces) comes from one HMAC_DRBG seeded with the scenario's seed.
 * OpenSSL itself draws from the same DRBG through a RAND installed in the private library context
 * (deterministic_rand.c), so generating an RSA key is as reproducible as choosing a SID.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include "core/env.h"

static int hmac_with_key(const sim_crypto *crypto, const uint8_t *key, size_t key_len, const uint8_t *const *parts,
                         const size_t *part_lens, size_t part_count, uint8_t out[32])
{
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(crypto->hmac);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    size_t out_len = 0;
    int ok = ctx != NULL && EVP_MAC_init(ctx, key, key_len, params);
    for (size_t i = 0; ok && i < part_count; i++)
        ok = EVP_MAC_update(ctx, parts[i], part_lens[i]);
    ok = ok && EVP_MAC_final(ctx, out, &out_len, 32) && out_len == 32;
    EVP_MAC_CTX_free(ctx);
    return ok ? 0 : -1;
}

int sim_hmac_sha256(const sim_crypto *crypto, const uint8_t *key, size_t key_len, const uint8_t *msg, size_t msg_len,
                    uint8_t out[32])
{
    const uint8_t *parts[] = {msg};
    size_t lens[] = {msg_len};
    return hmac_with_key(crypto, key, key_len, parts, lens, 1, out);
}

int sim_sha256(const sim_crypto *crypto, const uint8_t *msg, size_t msg_len, uint8_t out[32])
{
    unsigned int len = 0;
    return EVP_Digest(msg, msg_len, out, &len, crypto->sha256, NULL) && len == 32 ? 0 : -1;
}

int sim_scrypt(const sim_crypto *crypto, const char *secret, const uint8_t *salt, size_t salt_len, uint8_t out[32])
{
    EVP_KDF *kdf = EVP_KDF_fetch(crypto->libctx, "SCRYPT", NULL);
    EVP_KDF_CTX *ctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
    uint64_t n = 16384;
    uint32_t r = 8, p = 1;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)secret, strlen(secret)),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
        OSSL_PARAM_construct_end(),
    };
    int ok = ctx != NULL && EVP_KDF_derive(ctx, out, 32, params);
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return ok ? 0 : -1;
}

/* HMAC_DRBG Update (SP 800-90A 10.1.2.2). */
static void drbg_update(sim_crypto *crypto, const uint8_t *data, size_t data_len)
{
    sim_drbg *d = &crypto->drbg;
    for (uint8_t round = 0; round < 2; round++) {
        const uint8_t *parts[] = {d->value, &round, data};
        size_t lens[] = {sizeof(d->value), 1, data_len};
        hmac_with_key(crypto, d->key, sizeof(d->key), parts, lens, 3, d->key);
        hmac_with_key(crypto, d->key, sizeof(d->key), (const uint8_t *const[]){d->value}, (size_t[]){32}, 1, d->value);
        if (data_len == 0)
            break;
    }
}

void sim_random_bytes(sim_crypto *crypto, void *out, size_t len)
{
    uint8_t *p = out;
    sim_drbg *d = &crypto->drbg;
    while (len > 0) {
        hmac_with_key(crypto, d->key, sizeof(d->key), (const uint8_t *const[]){d->value}, (size_t[]){32}, 1, d->value);
        size_t n = len < sizeof(d->value) ? len : sizeof(d->value);
        memcpy(p, d->value, n);
        p += n;
        len -= n;
    }
    drbg_update(crypto, NULL, 0);
}

uint64_t sim_random_u64(sim_crypto *crypto)
{
    uint8_t b[8];
    sim_random_bytes(crypto, b, sizeof(b));
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | b[i];
    return v;
}

uint64_t sim_random_nonzero_u64(sim_crypto *crypto)
{
    uint64_t v;
    do
        v = sim_random_u64(crypto);
    while (v == 0);
    return v;
}

int sim_crypto_init(sim_crypto *crypto, uint64_t seed)
{
    memset(crypto, 0, sizeof(*crypto));
    crypto->libctx = OSSL_LIB_CTX_new();
    if (crypto->libctx == NULL)
        goto fail;
    crypto->default_provider = OSSL_PROVIDER_load(crypto->libctx, "default");
    if (crypto->default_provider == NULL)
        goto fail;
    crypto->hmac = EVP_MAC_fetch(crypto->libctx, "HMAC", NULL);
    crypto->sha256 = EVP_MD_fetch(crypto->libctx, "SHA256", NULL);
    if (crypto->hmac == NULL || crypto->sha256 == NULL)
        goto fail;

    /* HMAC_DRBG Instantiate with the seed as entropy input and a fixed personalization string, so the
     * stream depends on nothing but the seed. */
    memset(crypto->drbg.key, 0x00, sizeof(crypto->drbg.key));
    memset(crypto->drbg.value, 0x01, sizeof(crypto->drbg.value));
    uint8_t seed_material[8 + 16] = {0};
    for (int i = 0; i < 8; i++)
        seed_material[i] = (uint8_t)(seed >> (56 - 8 * i));
    memcpy(seed_material + 8, "kssim device v1", 16);
    drbg_update(crypto, seed_material, sizeof(seed_material));

    if (sim_deterministic_rand_install(crypto) != 0)
        goto fail;
    return 0;
fail:
    sim_crypto_cleanup(crypto);
    return -1;
}

void sim_crypto_cleanup(sim_crypto *crypto)
{
    EVP_MAC_free(crypto->hmac);
    EVP_MD_free(crypto->sha256);
    if (crypto->rand_provider != NULL)
        OSSL_PROVIDER_unload(crypto->rand_provider);
    if (crypto->default_provider != NULL)
        OSSL_PROVIDER_unload(crypto->default_provider);
    OSSL_LIB_CTX_free(crypto->libctx);
    memset(crypto, 0, sizeof(*crypto));
}
