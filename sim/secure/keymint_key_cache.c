/*
 * keymint_key_cache.c - KeyMint's cache of opened key blobs: for the blobs recent operations began
 * with, the authorization list, the key id and the parsed key, so that the next begin with the same
 * blob neither decrypts it nor parses its private key. Parsing dominated every signature: OpenSSL 3's
 * decoder costs about twenty P-256 signatures (docs/performance.md).
 *
 * Why nothing observable changes:
 * - An entry is found only for the exact bytes of a blob that opened and loaded under the exact device
 *   key in use now. A tampered blob, another device's blob, or any blob after `init --force` replaced
 *   the device key are other bytes or another key: they miss, and take the full path with its
 *   refusals. A blob whose key failed to load is never remembered.
 * - Nothing here draws from the DRBG (hashing, copying and comparing do not), and operations share the
 *   cached key object, which behaves as a freshly parsed one would: EC and Ed25519 key objects keep
 *   nothing between uses; an RSA key object keeps its blinding, whose set-up and renewal draw random
 *   numbers, but those draws come from a side stream while KeyMint uses the key (crypto.c: a signature's
 *   own operation stream, sim_random_begin_operation_stream; sim_random_begin_rsa_private_key_use for
 *   the rest), so the device's stream is the one a process that parses every time would draw (the same
 *   signatures whichever process signs).
 * - ECDSA and RSA signatures are made outside the device's lock (keymint_deferred_output.c), on a copy of
 *   the kept context taken under it; the key object they share is one OpenSSL signs with from several
 *   threads at once (its RSA blinding is guarded by the key's own lock).
 *
 * It lives in the secure world's RAM (sim_keymint), as the parsed keys of operations in flight do, is
 * never stored, and survives reboots harmlessly (blobs stay valid across them). Entries are replaced
 * least recently used first.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "secure/keymint_internal.h"

keymint_cached_key *keymint_key_cache_find(sim_secure_world *sw, const sim_key_blob *blob)
{
    sim_keymint *km = sw->keymint;
    if (blob == NULL || blob->data == NULL)
        return NULL;
    for (size_t i = 0; i < KEYMINT_KEY_CACHE_ENTRIES; i++) {
        keymint_cached_key *entry = &km->key_cache[i];
        if (entry->blob != NULL && entry->blob_len == blob->len && memcmp(entry->blob, blob->data, blob->len) == 0 &&
            CRYPTO_memcmp(entry->device_key, sw->device_key, sizeof(entry->device_key)) == 0) {
            entry->last_used = ++km->key_cache_clock;
            return entry;
        }
    }
    return NULL;
}

static void forget_entry(keymint_cached_key *entry)
{
    free(entry->blob);
    EVP_PKEY_free(entry->private_key);
    EVP_MD_CTX_free(entry->signing);
    OPENSSL_cleanse(entry, sizeof(*entry));
}

void keymint_key_cache_clear(sim_keymint *km)
{
    for (size_t i = 0; i < KEYMINT_KEY_CACHE_ENTRIES; i++)
        forget_entry(&km->key_cache[i]);
    km->key_cache_clock = 0;
}

static keymint_cached_key *entry_to_replace(sim_keymint *km)
{
    keymint_cached_key *oldest = &km->key_cache[0];
    for (size_t i = 0; i < KEYMINT_KEY_CACHE_ENTRIES; i++) {
        if (km->key_cache[i].blob == NULL)
            return &km->key_cache[i];
        if (km->key_cache[i].last_used < oldest->last_used)
            oldest = &km->key_cache[i];
    }
    return oldest;
}

/* Another reference to the one key object every operation with the blob uses (see the top of the file). */
static EVP_PKEY *shared_key(EVP_PKEY *key)
{
    return EVP_PKEY_up_ref(key) ? key : NULL;
}

keymint_cached_key *keymint_key_cache_insert(sim_secure_world *sw, const sim_key_blob *blob, const uint8_t key_id[32],
                                             const keymint_operation *op)
{
    sim_keymint *km = sw->keymint;
    keymint_cached_key *entry = entry_to_replace(km);
    forget_entry(entry);
    entry->blob = malloc(blob->len);
    if (entry->blob == NULL)
        return NULL;
    if (op->private_key != NULL && (entry->private_key = shared_key(op->private_key)) == NULL) {
        forget_entry(entry);
        return NULL;
    }
    memcpy(entry->blob, blob->data, blob->len);
    entry->blob_len = blob->len;
    memcpy(entry->device_key, sw->device_key, sizeof(entry->device_key));
    memcpy(entry->key_id, key_id, sizeof(entry->key_id));
    entry->auth = op->auth;
    memcpy(entry->symmetric_key, op->symmetric_key, op->symmetric_key_len);
    entry->symmetric_key_len = op->symmetric_key_len;
    entry->last_used = ++km->key_cache_clock;
    entry->stamp = entry->last_used;
    return entry;
}

EVP_PKEY *keymint_key_cache_take_private_key(const keymint_cached_key *cached)
{
    return shared_key(cached->private_key);
}

/* OpenSSL 3.0's EVP_DigestSignInit_ex looks up the key's and the algorithm's names in every call, which
 * costs a fifth of a P-256 signature; so each entry keeps a context initialised for its key and the last
 * digest and padding used. Initialising draws nothing from the DRBG (nonces and salts are drawn when
 * signing), so a kept context signs exactly as one initialised for the operation would. An ECDSA or RSA
 * context accumulates the data it signs, so each signature gets a copy of it; an Ed25519 context signs
 * in one call and keeps nothing, so it is used as it is (OpenSSL 3.0 cannot copy one), and only under
 * the device's lock: Ed25519 signatures are never deferred (keymint_signature_defers). */
static keymint_cached_key *entry_of(const keymint_operation *op)
{
    keymint_cached_key *entry = op->cached_key;
    return entry != NULL && entry->blob != NULL && entry->stamp == op->cached_key_stamp ? entry : NULL;
}

EVP_MD_CTX *keymint_key_cache_signing_context(sim_env *env, const keymint_operation *op, bool *shared)
{
    *shared = false;
    keymint_cached_key *entry = entry_of(op);
    kssim_algorithm algorithm = op->auth.algorithm;
    if (entry == NULL || entry->private_key == NULL ||
        (algorithm != KSSIM_ALGORITHM_EC && algorithm != KSSIM_ALGORITHM_ED25519 && algorithm != KSSIM_ALGORITHM_RSA))
        return NULL;
    /* A failure here only means the operation initialises its own context: leave no error behind. */
    ERR_set_mark();
    if (entry->signing == NULL || entry->signing_digest != op->choice.digest ||
        entry->signing_padding != op->choice.padding) {
        EVP_MD_CTX_free(entry->signing);
        entry->signing = EVP_MD_CTX_new();
        entry->signing_digest = op->choice.digest;
        entry->signing_padding = op->choice.padding;
        if (entry->signing != NULL && keymint_signing_context_init(env, op, entry->private_key, entry->signing) != 0) {
            EVP_MD_CTX_free(entry->signing);
            entry->signing = NULL;
        }
    }
    EVP_MD_CTX *context = NULL;
    if (entry->signing != NULL && algorithm == KSSIM_ALGORITHM_ED25519) {
        context = entry->signing;
        *shared = true;
    } else if (entry->signing != NULL && (context = EVP_MD_CTX_new()) != NULL &&
               EVP_MD_CTX_copy_ex(context, entry->signing) != 1) {
        EVP_MD_CTX_free(context);
        context = NULL;
    }
    ERR_pop_to_mark();
    return context;
}

void keymint_key_cache_forget_signing_context(const keymint_operation *op)
{
    keymint_cached_key *entry = entry_of(op);
    if (entry == NULL)
        return;
    EVP_MD_CTX_free(entry->signing);
    entry->signing = NULL;
}
