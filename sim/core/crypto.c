/*
 * crypto.c - the simulator's own crypto context: a private OSSL_LIB_CTX and the seeded DRBG.
 *
 * Every random value of the simulated phone (SIDs, per-boot HMAC keys, salts, challenges, operation
 * handles, key material, signature nonces) comes from one HMAC_DRBG seeded with the scenario's seed.
 * OpenSSL itself draws from the same DRBG through a RAND installed in the private library context
 * (deterministic_rand.c), so generating an RSA key is as reproducible as choosing a SID.
 */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include "core/env.h"
#include "core/invariant.h"

#define SHA256_BLOCK_BYTES 64

/* HMAC-SHA-256 (RFC 2104) built on the context's one SHA-256 digest context rather than EVP_MAC: the
 * DRBG computes three HMACs for every random draw (an operation handle, an ECDSA nonce), and an EVP_MAC
 * context would be allocated, and SHA-256 fetched by name, for each of them. The bytes are HMAC's. */
static int hmac_with_key(const sim_crypto *crypto, const uint8_t *key, size_t key_len, const uint8_t *const *parts,
                         const size_t *part_lens, size_t part_count, uint8_t out[32])
{
    EVP_MD_CTX *ctx = crypto->digest_ctx;
    uint8_t block[SHA256_BLOCK_BYTES] = {0}, inner[32];
    unsigned int len = 0;
    int ok = ctx != NULL;
    if (ok && key_len > sizeof(block))
        ok = EVP_DigestInit_ex2(ctx, crypto->sha256, NULL) && EVP_DigestUpdate(ctx, key, key_len) &&
             EVP_DigestFinal_ex(ctx, block, &len);
    else if (ok && key_len > 0)
        memcpy(block, key, key_len);
    for (size_t i = 0; i < sizeof(block); i++)
        block[i] ^= 0x36;
    ok = ok && EVP_DigestInit_ex2(ctx, crypto->sha256, NULL) && EVP_DigestUpdate(ctx, block, sizeof(block));
    for (size_t i = 0; ok && i < part_count; i++)
        ok = EVP_DigestUpdate(ctx, parts[i], part_lens[i]);
    ok = ok && EVP_DigestFinal_ex(ctx, inner, &len) && len == sizeof(inner);
    for (size_t i = 0; i < sizeof(block); i++)
        block[i] ^= 0x36 ^ 0x5c;
    ok = ok && EVP_DigestInit_ex2(ctx, crypto->sha256, NULL) && EVP_DigestUpdate(ctx, block, sizeof(block)) &&
         EVP_DigestUpdate(ctx, inner, sizeof(inner)) && EVP_DigestFinal_ex(ctx, out, &len) && len == 32;
    OPENSSL_cleanse(block, sizeof(block));
    OPENSSL_cleanse(inner, sizeof(inner));
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
    EVP_MD_CTX *ctx = crypto->digest_ctx;
    return ctx != NULL && EVP_DigestInit_ex2(ctx, crypto->sha256, NULL) && EVP_DigestUpdate(ctx, msg, msg_len) &&
                   EVP_DigestFinal_ex(ctx, out, &len) && len == 32
               ? 0
               : -1;
}

/* Gatekeeper's scrypt is the one computation made slow on purpose (tens of milliseconds): the credential
 * is hashed when it is set and again at every verification. The same secret and salt always give the
 * same hash, so the process remembers its last results and computes only pairs it has not seen: a PIN
 * set and then verified is hashed once, and so are repeated attempts with one wrong PIN, and the
 * scenarios of a `kssim run` that begin alike (same seed, so same salt) share their hashes. Nothing
 * else changes, the DRBG least of all. Entries are found by a SHA-256 of the salt and the secret, so no
 * secret is kept. The memo is shared by the devices of the process (threads may use different devices
 * at once): a thread that finds it busy computes instead of waiting, so no thread ever blocks on it,
 * not even in the child of a fork that happened while another thread held it. */
#define SCRYPT_MEMO_ENTRIES 64

static struct {
    struct {
        uint8_t input[32]; /* SHA-256(salt length, salt, secret) */
        uint8_t hash[32];
        uint64_t last_used; /* 0: a free entry */
    } entries[SCRYPT_MEMO_ENTRIES];
    uint64_t clock;
} scrypt_memo;
static pthread_mutex_t scrypt_memo_lock = PTHREAD_MUTEX_INITIALIZER;

static bool scrypt_memo_find(const uint8_t input[32], uint8_t out[32])
{
    bool found = false;
    if (pthread_mutex_trylock(&scrypt_memo_lock) != 0)
        return false;
    for (size_t i = 0; i < SCRYPT_MEMO_ENTRIES && !found; i++) {
        if (scrypt_memo.entries[i].last_used != 0 &&
            CRYPTO_memcmp(scrypt_memo.entries[i].input, input, sizeof(scrypt_memo.entries[i].input)) == 0) {
            scrypt_memo.entries[i].last_used = ++scrypt_memo.clock;
            memcpy(out, scrypt_memo.entries[i].hash, sizeof(scrypt_memo.entries[i].hash));
            found = true;
        }
    }
    pthread_mutex_unlock(&scrypt_memo_lock);
    return found;
}

static void scrypt_memo_keep(const uint8_t input[32], const uint8_t hash[32])
{
    if (pthread_mutex_trylock(&scrypt_memo_lock) != 0)
        return;
    /* A free entry, or else the least recently used one. */
    size_t oldest = 0;
    for (size_t i = 1; i < SCRYPT_MEMO_ENTRIES; i++)
        if (scrypt_memo.entries[i].last_used < scrypt_memo.entries[oldest].last_used)
            oldest = i;
    memcpy(scrypt_memo.entries[oldest].input, input, sizeof(scrypt_memo.entries[oldest].input));
    memcpy(scrypt_memo.entries[oldest].hash, hash, sizeof(scrypt_memo.entries[oldest].hash));
    scrypt_memo.entries[oldest].last_used = ++scrypt_memo.clock;
    pthread_mutex_unlock(&scrypt_memo_lock);
}

static int scrypt_memo_input(const sim_crypto *crypto, const char *secret, const uint8_t *salt, size_t salt_len,
                             uint8_t input[32])
{
    uint8_t length[8];
    for (int i = 0; i < 8; i++)
        length[i] = (uint8_t)((uint64_t)salt_len >> (56 - 8 * i));
    unsigned int len = 0;
    EVP_MD_CTX *ctx = crypto->digest_ctx;
    return ctx != NULL && EVP_DigestInit_ex2(ctx, crypto->sha256, NULL) && EVP_DigestUpdate(ctx, length, 8) &&
                   EVP_DigestUpdate(ctx, salt, salt_len) && EVP_DigestUpdate(ctx, secret, strlen(secret)) &&
                   EVP_DigestFinal_ex(ctx, input, &len) && len == 32
               ? 0
               : -1;
}

static int scrypt_computed(const sim_crypto *crypto, const char *secret, const uint8_t *salt, size_t salt_len,
                           uint8_t out[32]);

int sim_scrypt(const sim_crypto *crypto, const char *secret, const uint8_t *salt, size_t salt_len, uint8_t out[32])
{
    uint8_t input[32];
    bool memo = scrypt_memo_input(crypto, secret, salt, salt_len, input) == 0;
    if (memo && scrypt_memo_find(input, out))
        return 0;
    if (scrypt_computed(crypto, secret, salt, salt_len, out) != 0)
        return -1;
    if (memo)
        scrypt_memo_keep(input, out);
    return 0;
}

static int scrypt_computed(const sim_crypto *crypto, const char *secret, const uint8_t *salt, size_t salt_len,
                           uint8_t out[32])
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
static void drbg_update(sim_crypto *crypto, sim_drbg *d, const uint8_t *data, size_t data_len)
{
    for (uint8_t round = 0; round < 2; round++) {
        const uint8_t *parts[] = {d->value, &round, data};
        size_t lens[] = {sizeof(d->value), 1, data_len};
        hmac_with_key(crypto, d->key, sizeof(d->key), parts, lens, 3, d->key);
        hmac_with_key(crypto, d->key, sizeof(d->key), (const uint8_t *const[]){d->value}, (size_t[]){32}, 1, d->value);
        if (data_len == 0)
            break;
    }
}

bool sim_drbg_is_seeded(const sim_drbg *d)
{
    static const uint8_t zeros[32],
        ones[32] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    return memcmp(d->key, zeros, sizeof(zeros)) != 0 ||
           (memcmp(d->value, zeros, sizeof(zeros)) != 0 && memcmp(d->value, ones, sizeof(ones)) != 0);
}

/* HMAC_DRBG Generate (SP 800-90A 10.1.2.5), without additional input. */
static void drbg_generate(sim_crypto *crypto, sim_drbg *d, uint8_t *out, size_t len)
{
    KSSIM_INVARIANT(sim_drbg_is_seeded(d), "a DRBG generates only after it was seeded, and not after it was wiped");
    while (len > 0) {
        hmac_with_key(crypto, d->key, sizeof(d->key), (const uint8_t *const[]){d->value}, (size_t[]){32}, 1, d->value);
        size_t n = len < sizeof(d->value) ? len : sizeof(d->value);
        memcpy(out, d->value, n);
        out += n;
        len -= n;
    }
    drbg_update(crypto, d, NULL, 0);
}

/* The operation stream this thread's OpenSSL draws come from (sim_random_begin_operation_stream); one
 * per thread, so two threads signing at once never share one. */
static _Thread_local sim_operation_stream *thread_operation_stream;

void sim_random_bytes(sim_crypto *crypto, void *out, size_t len)
{
    drbg_generate(crypto, &crypto->drbg, out, len);
}

/* An operation stream's bytes: SHA-256 in counter mode over the seed, one hash per 32 bytes (no
 * instantiation, so a signature's randomness costs less than two draws of the device's HMAC_DRBG did).
 * A request takes whole blocks, so the bytes depend on the seed and the sizes OpenSSL asks, nothing else.
 * Returns 0, or -1 when OpenSSL could not hash (out of memory): the signature then fails, SYSTEM_ERROR. */
static int operation_stream_generate(sim_operation_stream *stream, uint8_t *out, size_t len)
{
    static const char label[] = "kssim operation stream";
    while (len > 0) {
        uint8_t counter[8], block[32];
        for (int i = 0; i < 8; i++)
            counter[i] = (uint8_t)(stream->counter >> (56 - 8 * i));
        stream->counter++;
        unsigned int block_len = 0;
        int ok = EVP_DigestInit_ex2(stream->digest_ctx, stream->crypto->sha256, NULL) &&
                 EVP_DigestUpdate(stream->digest_ctx, label, sizeof(label)) &&
                 EVP_DigestUpdate(stream->digest_ctx, stream->seed, sizeof(stream->seed)) &&
                 EVP_DigestUpdate(stream->digest_ctx, counter, sizeof(counter)) &&
                 EVP_DigestFinal_ex(stream->digest_ctx, block, &block_len);
        if (!ok || block_len != sizeof(block))
            return -1;
        size_t n = len < sizeof(block) ? len : sizeof(block);
        memcpy(out, block, n);
        OPENSSL_cleanse(block, sizeof(block));
        out += n;
        len -= n;
    }
    return 0;
}

int sim_random_bytes_for_openssl(sim_crypto *crypto, void *out, size_t len)
{
    sim_operation_stream *stream = thread_operation_stream;
    if (stream != NULL && stream->crypto == crypto)
        return operation_stream_generate(stream, out, len);
    if (!crypto->rsa_private_key_in_use || crypto->rsa_operation_bytes_left >= len) {
        if (crypto->rsa_private_key_in_use)
            crypto->rsa_operation_bytes_left -= len;
        drbg_generate(crypto, &crypto->drbg, out, len);
        return 0;
    }
    drbg_generate(crypto, &crypto->rsa_blinding, out, len);
    return 0;
}

void sim_random_begin_rsa_private_key_use(sim_crypto *crypto, size_t operation_bytes)
{
    /* The side stream is instantiated from the device DRBG's value and a label: a function of the
     * device's state (so runs repeat exactly) that neither reads the host's entropy nor moves the
     * device's stream. */
    static const char label[] = "kssim rsa blinding";
    KSSIM_INVARIANT(!crypto->rsa_private_key_in_use, "uses of an RSA private key do not nest");
    memset(crypto->rsa_blinding.key, 0x00, sizeof(crypto->rsa_blinding.key));
    memset(crypto->rsa_blinding.value, 0x01, sizeof(crypto->rsa_blinding.value));
    uint8_t seed_material[32 + sizeof(label)];
    memcpy(seed_material, crypto->drbg.value, 32);
    memcpy(seed_material + 32, label, sizeof(label));
    drbg_update(crypto, &crypto->rsa_blinding, seed_material, sizeof(seed_material));
    OPENSSL_cleanse(seed_material, sizeof(seed_material));
    crypto->rsa_operation_bytes_left = operation_bytes;
    crypto->rsa_private_key_in_use = true;
}

void sim_random_begin_derived_stream(sim_crypto *crypto, const uint8_t *seed, size_t seed_len)
{
    /* The RSA blinding side stream, with every draw diverted to it (no bytes left for the device's). */
    KSSIM_INVARIANT(!crypto->rsa_private_key_in_use, "a derived stream does not nest in another side stream");
    memset(crypto->rsa_blinding.key, 0x00, sizeof(crypto->rsa_blinding.key));
    memset(crypto->rsa_blinding.value, 0x01, sizeof(crypto->rsa_blinding.value));
    drbg_update(crypto, &crypto->rsa_blinding, seed, seed_len);
    crypto->rsa_operation_bytes_left = 0;
    crypto->rsa_private_key_in_use = true;
}

void sim_random_end_rsa_private_key_use(sim_crypto *crypto)
{
    crypto->rsa_private_key_in_use = false;
    crypto->rsa_operation_bytes_left = 0;
    OPENSSL_cleanse(&crypto->rsa_blinding, sizeof(crypto->rsa_blinding));
}

void sim_random_operation_seed(sim_crypto *crypto, bool advances, uint8_t seed[SIM_OPERATION_SEED_BYTES])
{
    if (advances) {
        drbg_generate(crypto, &crypto->drbg, seed, SIM_OPERATION_SEED_BYTES);
        return;
    }
    /* A function of the device's state that leaves it where it is, as the RSA blinding stream's seed. */
    static const char label[] = "kssim operation seed, not advancing";
    uint8_t material[32 + sizeof(label)];
    memcpy(material, crypto->drbg.value, 32);
    memcpy(material + 32, label, sizeof(label));
    sim_hmac_sha256(crypto, crypto->drbg.key, sizeof(crypto->drbg.key), material, sizeof(material), seed);
    OPENSSL_cleanse(material, sizeof(material));
}

int sim_random_begin_operation_stream(sim_crypto *crypto, const uint8_t seed[SIM_OPERATION_SEED_BYTES],
                                      sim_operation_stream *stream)
{
    KSSIM_INVARIANT(thread_operation_stream == NULL, "a thread computes one operation's signature at a time");
    memset(stream, 0, sizeof(*stream));
    stream->crypto = crypto;
    stream->digest_ctx = EVP_MD_CTX_new(); /* its own: the device's belongs to the lock's holder */
    if (stream->digest_ctx == NULL)
        return -1;
    memcpy(stream->seed, seed, SIM_OPERATION_SEED_BYTES);
    thread_operation_stream = stream;
    return 0;
}

void sim_random_end_operation_stream(sim_operation_stream *stream)
{
    KSSIM_INVARIANT(thread_operation_stream == stream, "an operation stream is ended by the thread it serves");
    thread_operation_stream = NULL;
    EVP_MD_CTX_free(stream->digest_ctx);
    OPENSSL_cleanse(stream, sizeof(*stream));
}

void sim_random_bytes_bound_to(sim_crypto *crypto, const char *label, const uint8_t *binding, size_t binding_len,
                               void *out, size_t len)
{
    /* The side stream is instantiated from the device stream's next output, the label and the binding,
     * like the RSA blinding stream from the device's value and its label: a function of the device's
     * state and of what is bound, which advances the device's stream by one draw whatever len is. */
    uint8_t drawn[32];
    drbg_generate(crypto, &crypto->drbg, drawn, sizeof(drawn));
    sim_drbg bound;
    memset(bound.key, 0x00, sizeof(bound.key));
    memset(bound.value, 0x01, sizeof(bound.value));
    drbg_update(crypto, &bound, drawn, sizeof(drawn));
    drbg_update(crypto, &bound, (const uint8_t *)label, strlen(label) + 1);
    drbg_update(crypto, &bound, binding, binding_len);
    drbg_generate(crypto, &bound, out, len);
    OPENSSL_cleanse(drawn, sizeof(drawn));
    OPENSSL_cleanse(&bound, sizeof(bound));
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
    crypto->digest_ctx = EVP_MD_CTX_new();
    if (crypto->hmac == NULL || crypto->sha256 == NULL || crypto->digest_ctx == NULL)
        goto fail;

    /* HMAC_DRBG Instantiate with the seed as entropy input and a fixed personalization string, so the
     * stream depends on nothing but the seed. */
    memset(crypto->drbg.key, 0x00, sizeof(crypto->drbg.key));
    memset(crypto->drbg.value, 0x01, sizeof(crypto->drbg.value));
    uint8_t seed_material[8 + 16] = {0};
    for (int i = 0; i < 8; i++)
        seed_material[i] = (uint8_t)(seed >> (56 - 8 * i));
    memcpy(seed_material + 8, "kssim device v1", 16);
    drbg_update(crypto, &crypto->drbg, seed_material, sizeof(seed_material));
    KSSIM_INVARIANT(sim_drbg_is_seeded(&crypto->drbg), "Instantiate leaves the device DRBG seeded");

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
    EVP_MD_CTX_free(crypto->digest_ctx);
    if (crypto->rand_provider != NULL)
        OSSL_PROVIDER_unload(crypto->rand_provider);
    if (crypto->default_provider != NULL)
        OSSL_PROVIDER_unload(crypto->default_provider);
    OSSL_LIB_CTX_free(crypto->libctx);
    memset(crypto, 0, sizeof(*crypto));
}
