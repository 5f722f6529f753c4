/*
 * keymgmt_core.c - the key object and what every key manager (EC, RSA, RSA-PSS, ED25519) does the same
 * way: loading a device key, answering questions about it, comparing, importing and exporting its
 * public half, and refusing to export its private half.
 *
 * A key object is a device key's name (alias and device) plus its public half, decoded from the
 * SubjectPublicKeyInfo that kssim_export_public gives into an EVP_PKEY of the provider's own library
 * context. Everything OpenSSL asks about the public half (bits, group, max-size, default digest, the
 * encoded point) is answered by that EVP_PKEY, so the answers are exactly the default provider's.
 * Public keys imported from elsewhere (a certificate's, when OpenSSL compares it with ours) become key
 * objects without an alias: they can be compared and verified with, never used to sign.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/x509.h>

#include "keystore_provider.h"

#include "framework/device.h"

const char *const keystore_type_names[4] = {"EC", "RSA", "RSA-PSS", "ED25519"};

int keystore_type_index(const char *type_name)
{
    for (int i = 0; i < 4; i++)
        if (type_name != NULL && strcmp(type_name, keystore_type_names[i]) == 0)
            return i;
    return -1;
}

static kssim_algorithm algorithm_of_type(const char *type_name)
{
    switch (keystore_type_index(type_name)) {
    case 0:
        return KSSIM_ALGORITHM_EC;
    case 1:
    case 2:
        return KSSIM_ALGORITHM_RSA;
    default:
        return KSSIM_ALGORITHM_ED25519;
    }
}

const char *keystore_type_name_for(const kssim_key_spec *spec)
{
    switch (spec->algorithm) {
    case KSSIM_ALGORITHM_EC:
        return "EC";
    case KSSIM_ALGORITHM_ED25519:
        return "ED25519";
    case KSSIM_ALGORITHM_RSA:
        /* A key that may sign only with PSS is what OpenSSL calls an RSA-PSS key. */
        if ((spec->paddings & (KSSIM_PADDING_PKCS1 | KSSIM_PADDING_OAEP)) == 0 &&
            (spec->paddings & KSSIM_PADDING_PSS) != 0)
            return "RSA-PSS";
        return "RSA";
    default:
        return NULL;
    }
}

/* The bit of the digest name fetches in libctx (NULL: public_libctx); *fetched false if it does not fetch. */
static uint32_t fetch_digest_bit(keystore_provider *provider, OSSL_LIB_CTX *libctx, const char *name, bool *fetched)
{
    static const struct {
        const char *name;
        uint32_t bit;
    } digests[] = {
        {"SHA1", KSSIM_DIGEST_SHA1},       {"SHA2-224", KSSIM_DIGEST_SHA224}, {"SHA2-256", KSSIM_DIGEST_SHA256},
        {"SHA2-384", KSSIM_DIGEST_SHA384}, {"SHA2-512", KSSIM_DIGEST_SHA512},
    };
    if (libctx == NULL && !keystore_public_ready(provider)) {
        *fetched = false;
        return 0;
    }
    /* Fetched to resolve OpenSSL's aliases (SHA256, SHA-256, sha256, the OID...). */
    EVP_MD *md = EVP_MD_fetch(libctx != NULL ? libctx : provider->public_libctx, name, NULL);
    uint32_t bit = 0;
    for (size_t i = 0; md != NULL && i < sizeof(digests) / sizeof(digests[0]); i++)
        if (EVP_MD_is_a(md, digests[i].name))
            bit = digests[i].bit;
    *fetched = md != NULL;
    EVP_MD_free(md);
    return bit;
}

/* A name's answer never changes (every context asked holds the default provider only), so it is fetched once
 * and then remembered: only names that fetch, so that one which does not raises the fetch's error at
 * every call, as before. */
uint32_t keystore_digest_bit(keystore_provider *provider, OSSL_LIB_CTX *libctx, const char *name)
{
    if (name == NULL || name[0] == '\0')
        return KSSIM_DIGEST_NONE;
    size_t known = atomic_load_explicit(&provider->digest_name_count, memory_order_acquire);
    for (size_t i = 0; i < known; i++)
        if (strcmp(provider->digest_names[i].name, name) == 0)
            return provider->digest_names[i].bit;
    bool fetched;
    uint32_t bit = fetch_digest_bit(provider, libctx, name, &fetched);
    if (!fetched || strlen(name) >= KEYSTORE_DIGEST_NAME_MAX)
        return bit;
    pthread_mutex_lock(&provider->public_lock);
    size_t count = atomic_load_explicit(&provider->digest_name_count, memory_order_relaxed);
    bool listed = false;
    for (size_t i = known; i < count && !listed; i++)
        listed = strcmp(provider->digest_names[i].name, name) == 0;
    if (!listed && count < KEYSTORE_DIGEST_NAMES) {
        snprintf(provider->digest_names[count].name, sizeof(provider->digest_names[count].name), "%s", name);
        provider->digest_names[count].bit = bit;
        atomic_store_explicit(&provider->digest_name_count, count + 1, memory_order_release);
    }
    pthread_mutex_unlock(&provider->public_lock);
    return bit;
}

void keystore_object_reference_init(keystore_object_reference *object, keystore_provider *provider,
                                    const keystore_key_reference *key)
{
    memset(object, 0, sizeof(*object));
    memcpy(object->magic, KEYSTORE_OBJECT_REFERENCE_MAGIC, sizeof(object->magic));
    object->provider = provider;
    object->key = *key;
}

/* ---- The key object ---- */

keystore_key *keystore_key_new(keystore_provider *provider, const char *type_name)
{
    keystore_key *key = calloc(1, sizeof(*key));
    if (key == NULL) {
        keystore_raise_result(provider, KSSIM_SYSTEM_ERROR, "out of memory for a key");
        return NULL;
    }
    key->provider = provider;
    atomic_store(&key->references, 1);
    snprintf(key->type_name, sizeof(key->type_name), "%s", type_name);
    pthread_mutex_init(&key->shadow_lock, NULL);
    return key;
}

void keystore_key_up_ref(keystore_key *key)
{
    atomic_fetch_add(&key->references, 1);
}

void keystore_key_free(keystore_key *key)
{
    if (key == NULL || atomic_fetch_sub(&key->references, 1) != 1)
        return;
    for (size_t i = 0; i < sizeof(key->shadow_templates) / sizeof(key->shadow_templates[0]); i++)
        EVP_PKEY_CTX_free(atomic_load(&key->shadow_templates[i].shadow));
    pthread_mutex_destroy(&key->shadow_lock);
    EVP_PKEY_free(key->public_key);
    kssim_free(key->identity);
    free(key);
}

/* ---- Loading a device key ---- */

struct read_key_call {
    const char *alias;
    kssim_key_info info;
    uint8_t *spki;
    size_t spki_len;
    OSSL_LIB_CTX *device_context; /* the device's library context, where the public half is parsed */
};

static kssim_result read_key(kssim_device *device, void *arg)
{
    struct read_key_call *call = arg;
    call->device_context = sim_device_library_context(device);
    kssim_result r = kssim_export_public(device, call->alias, &call->spki, &call->spki_len);
    if (r == KSSIM_OK)
        r = kssim_key_info_get(device, call->alias, &call->info);
    return r;
}

keystore_key *keystore_key_load(keystore_provider *provider, const char *location, const char *alias,
                                const char *type_name)
{
    struct read_key_call call = {.alias = alias};
    if (keystore_device_run(provider, location, read_key, &call) != KSSIM_OK)
        return NULL;
    keystore_key *key = NULL;
    const char *device_type = keystore_type_name_for(&call.info.spec);
    if (device_type == NULL) {
        keystore_raise_result(provider, KSSIM_UNSUPPORTED_ALGORITHM, "this key is not an EC, RSA or Ed25519 key");
        goto done;
    }
    if (type_name != NULL && algorithm_of_type(type_name) != call.info.spec.algorithm) {
        keystore_raise(provider, KEYSTORE_R_INVALID_KEY_REFERENCE,
                       "the reference names an %s key, but '%s' on the device is now an %s key: the alias was "
                       "generated again; write a new reference with genpkey, or use keystore:%s",
                       type_name, alias, device_type, alias);
        goto done;
    }
    key = keystore_key_new(provider, type_name != NULL ? type_name : device_type);
    if (key == NULL)
        goto done;
    key->on_device = true;
    key->spec = call.info.spec;
    snprintf(key->reference.alias, sizeof(key->reference.alias), "%s", alias);
    snprintf(key->reference.type_name, sizeof(key->reference.type_name), "%s", key->type_name);
    if (!keystore_device_canonical_location(provider, location, key->reference.device, sizeof(key->reference.device))) {
        keystore_key_free(key);
        key = NULL;
        goto done;
    }
    /* Parsed in the device's own context: it has OpenSSL's default provider loaded and its name map,
     * decoders and key managers built already (the device opened the key's blob), where the provider's
     * public_libctx would build all of them a second time for this one key (about a millisecond). */
    const unsigned char *p = call.spki;
    key->public_context = call.device_context;
    key->public_key = d2i_PUBKEY_ex(NULL, &p, (long)call.spki_len, key->public_context, NULL);
    key->has_public = key->public_key != NULL;
    if (key->public_key == NULL) {
        keystore_raise(provider, KEYSTORE_R_OPENSSL_FAILURE, "the public key of '%s' does not decode", alias);
        keystore_key_free(key);
        key = NULL;
        goto done;
    }
    key->identity = call.spki;
    key->identity_len = call.spki_len;
    call.spki = NULL;
done:
    kssim_free(call.spki);
    return key;
}

/* ---- Key manager functions shared by every algorithm ---- */

void keystore_keymgmt_free(void *keydata)
{
    KEYSTORE_DEBUG_CALL("alias=%s", keystore_debug_key(keydata));
    keystore_key_free(keydata);
}

void *keystore_keymgmt_dup(const void *keydata_from, int selection)
{
    KEYSTORE_DEBUG_CALL("from=%s, selection=%d", keystore_debug_key(keydata_from), selection);
    const keystore_key *from = keydata_from;
    keystore_key *key = keystore_key_new(from->provider, from->type_name);
    if (key == NULL)
        return NULL;
    if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0 || selection == OSSL_KEYMGMT_SELECT_ALL) {
        key->on_device = from->on_device;
        key->reference = from->reference;
        key->spec = from->spec;
        if (from->identity != NULL) {
            key->identity = malloc(from->identity_len);
            if (key->identity == NULL) {
                keystore_raise_result(from->provider, KSSIM_SYSTEM_ERROR, "out of memory copying a key");
                keystore_key_free(key);
                return NULL;
            }
            memcpy(key->identity, from->identity, from->identity_len);
            key->identity_len = from->identity_len;
        }
    }
    if (from->public_key != NULL && EVP_PKEY_up_ref(from->public_key)) {
        key->public_key = from->public_key;
        key->public_context = from->public_context;
        key->has_public = from->has_public && (selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) != 0;
    }
    return key;
}

int keystore_keymgmt_has(const void *keydata, int selection)
{
    KEYSTORE_DEBUG_CALL("alias=%s, selection=%d", keystore_debug_key(keydata), selection);
    const keystore_key *key = keydata;
    if (key == NULL)
        return 0;
    if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0 && !key->on_device)
        return 0;
    if ((selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) != 0 && !key->has_public)
        return 0;
    if ((selection & OSSL_KEYMGMT_SELECT_ALL_PARAMETERS) != 0 && key->public_key == NULL)
        return 0;
    return 1;
}

/* KSSIM_PROVIDER_PARAM_ATTESTATION_CHAIN: the chain the device keeps for the key, read at each request
 * (the alias may have been generated again: a chain whose leaf is not this object's key is not this
 * key's, and is not given). A key without a chain leaves the parameter unset, so the getter fails. */
static int get_attestation_chain(keystore_key *key, OSSL_PARAM *param)
{
    if (!key->on_device)
        return 1;
    uint8_t *chain = NULL;
    size_t chain_len = 0;
    if (keystore_read_attestation_chain(key->provider, key->reference.device, key->reference.alias, &chain,
                                        &chain_len) != KSSIM_OK)
        return 0;
    int ok = 1;
    if (chain != NULL) {
        const unsigned char *p = chain;
        X509 *leaf = d2i_X509(NULL, &p, (long)chain_len);
        unsigned char *spki = NULL;
        int spki_len = leaf != NULL ? i2d_X509_PUBKEY(X509_get_X509_PUBKEY(leaf), &spki) : -1;
        bool same = key->identity == NULL || (spki_len > 0 && (size_t)spki_len == key->identity_len &&
                                              memcmp(spki, key->identity, key->identity_len) == 0);
        OPENSSL_free(spki);
        X509_free(leaf);
        if (same)
            ok = OSSL_PARAM_set_octet_string(param, chain, chain_len);
    }
    kssim_free(chain);
    return ok;
}

int keystore_keymgmt_get_params(void *keydata, OSSL_PARAM params[])
{
    KEYSTORE_DEBUG_CALL("alias=%s, params=%s", keystore_debug_key(keydata), keystore_debug_params(params, false));
    keystore_key *key = keydata;
    OSSL_PARAM *chain = OSSL_PARAM_locate(params, KSSIM_PROVIDER_PARAM_ATTESTATION_CHAIN);
    if (chain != NULL && !get_attestation_chain(key, chain))
        return 0;
    if (key->public_key == NULL)
        return 1;
    return EVP_PKEY_get_params(key->public_key, params);
}

/* A tool that lists what a key can tell (EVP_PKEY_gettable_params) should find the attestation chain
 * too, so the device's parameter rides after the public half's. */
static OSSL_PARAM *with_device_params(const OSSL_PARAM *public_params)
{
    size_t count = 0;
    while (public_params != NULL && public_params[count].key != NULL)
        count++;
    OSSL_PARAM *list = OPENSSL_malloc((count + 2) * sizeof(*list));
    if (list == NULL)
        return NULL;
    if (count > 0)
        memcpy(list, public_params, count * sizeof(*list));
    list[count] = OSSL_PARAM_construct_octet_string(KSSIM_PROVIDER_PARAM_ATTESTATION_CHAIN, NULL, 0);
    list[count + 1] = OSSL_PARAM_construct_end();
    return list;
}

const OSSL_PARAM *keystore_keymgmt_gettable_params_of(keystore_provider *provider, const char *type_name)
{
    int index = keystore_type_index(type_name);
    if (index < 0)
        return NULL;
    OSSL_PARAM *list = atomic_load_explicit(&provider->gettable_key_params[index], memory_order_acquire);
    if (list != NULL)
        return list;
    EVP_KEYMGMT *keymgmt = keystore_public_keymgmt(provider, index);
    const OSSL_PARAM *public_params = keymgmt != NULL ? EVP_KEYMGMT_gettable_params(keymgmt) : NULL;
    pthread_mutex_lock(&provider->public_lock);
    list = atomic_load_explicit(&provider->gettable_key_params[index], memory_order_relaxed);
    if (list == NULL) {
        list = with_device_params(public_params);
        atomic_store_explicit(&provider->gettable_key_params[index], list, memory_order_release);
    }
    pthread_mutex_unlock(&provider->public_lock);
    return list;
}

static bool same_device_key(const keystore_key *a, const keystore_key *b)
{
    return a->on_device && b->on_device && strcmp(a->reference.alias, b->reference.alias) == 0 &&
           strcmp(a->reference.device, b->reference.device) == 0;
}

int keystore_keymgmt_match(const void *keydata1, const void *keydata2, int selection)
{
    KEYSTORE_DEBUG_CALL("alias=%s, other=%s, selection=%d", keystore_debug_key(keydata1), keystore_debug_key(keydata2),
                        selection);
    const keystore_key *a = keydata1, *b = keydata2;
    if ((selection & OSSL_KEYMGMT_SELECT_KEYPAIR) == OSSL_KEYMGMT_SELECT_PRIVATE_KEY)
        return same_device_key(a, b);
    if (a->public_key == NULL || b->public_key == NULL)
        return 0;
    if ((selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) != 0)
        return a->has_public && b->has_public && EVP_PKEY_eq(a->public_key, b->public_key) == 1;
    return EVP_PKEY_parameters_eq(a->public_key, b->public_key) == 1;
}

int keystore_keymgmt_export(void *keydata, int selection, OSSL_CALLBACK *param_cb, void *cbarg)
{
    KEYSTORE_DEBUG_CALL("alias=%s, selection=%d", keystore_debug_key(keydata), selection);
    keystore_key *key = keydata;
    if (!keystore_key_check_usable(key))
        return 0;
    /* Asked for the private key alone, there is nothing to give. Asked for everything (libcrypto making
     * the legacy EC_KEY or RSA of EVP_PKEY_get0_EC_KEY, which Node calls for ieee-p1363 signatures, key
     * details and JWK export; EVP_PKEY_todata; an encoder; a copy into another provider to compare keys),
     * the answer is the public half and the parameters: a copy that describes and verifies, and cannot
     * sign (test/provider/public_copy.c). libcrypto never takes such a copy to sign, decrypt or derive:
     * the key managers name operations that only this provider has (KEYSTORE_OPERATION_*). */
    if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0 &&
        (selection & (OSSL_KEYMGMT_SELECT_PUBLIC_KEY | OSSL_KEYMGMT_SELECT_ALL_PARAMETERS)) == 0) {
        keystore_raise(key->provider, KEYSTORE_R_PRIVATE_KEY_STAYS_ON_DEVICE,
                       "the private key of '%s' never leaves the device: only its public half can be exported "
                       "(openssl pkey -pubout)",
                       key->on_device ? key->reference.alias : "this key");
        return 0;
    }
    if (key->public_key == NULL)
        return 0;
    int what = (selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) != 0 && key->has_public ? EVP_PKEY_PUBLIC_KEY
                                                                                    : EVP_PKEY_KEY_PARAMETERS;
    OSSL_PARAM *params = NULL;
    if (EVP_PKEY_todata(key->public_key, what, &params) != 1) {
        keystore_raise(key->provider, KEYSTORE_R_OPENSSL_FAILURE, "cannot export the public half of this key");
        return 0;
    }
    int ok = param_cb(params, cbarg);
    OSSL_PARAM_free(params);
    return ok;
}

static bool has_public_part(const EVP_PKEY *pkey)
{
    size_t len = 0;
    if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, NULL, 0, &len) == 1 && len > 0)
        return true;
    BIGNUM *n = NULL;
    bool has_modulus = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) == 1;
    BN_free(n);
    return has_modulus;
}

/* True when another provider offers a private key's secret part (EC and Ed25519 "priv", RSA "d"). */
static bool offers_private_part(const OSSL_PARAM params[])
{
    return OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_PRIV_KEY) != NULL ||
           OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_D) != NULL;
}

/* An imported key is a public key only. A whole key pair from another provider is declined rather than
 * cut down to its public half: libcrypto offers this provider a software key when `-provider keystore`
 * comes first (its algorithms are fetched first), and only a refused import makes it go back to the
 * key's own provider, which can sign with it. Taking the public half would leave a key that cannot
 * sign (the research notes' "propquery too broad", tpm2-openssl issues 113 and 147). */
int keystore_keymgmt_import(void *keydata, int selection, const OSSL_PARAM params[])
{
    KEYSTORE_DEBUG_CALL("alias=%s, selection=%d, params=%s", keystore_debug_key(keydata), selection,
                        keystore_debug_params(params, true));
    keystore_key *key = keydata;
    if (key->public_key != NULL || key->on_device)
        return 0;
    if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0 && offers_private_part(params))
        return 0;
    bool with_public =
        (selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) != 0 || (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0;
    if (!keystore_public_ready(key->provider))
        return 0;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(key->provider->public_libctx, key->type_name, NULL);
    EVP_PKEY *pkey = NULL;
    ERR_set_mark();
    int ok = ctx != NULL && EVP_PKEY_fromdata_init(ctx) == 1 &&
             EVP_PKEY_fromdata(ctx, &pkey, with_public ? EVP_PKEY_PUBLIC_KEY : EVP_PKEY_KEY_PARAMETERS,
                               (OSSL_PARAM *)params) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (ok && with_public)
        ok = has_public_part(pkey); /* a key pair offered without its public part is no public key */
    ERR_pop_to_mark();
    if (!ok) {
        EVP_PKEY_free(pkey);
        return 0;
    }
    key->public_key = pkey;
    key->public_context = key->provider->public_libctx;
    key->has_public = with_public;
    return 1;
}

bool keystore_key_check_usable(const keystore_key *key)
{
    if (key->refusal == KSSIM_OK)
        return true;
    keystore_raise_result(key->provider, key->refusal, key->refusal_message);
    return false;
}

/* A device key that could not be read stays a key object, so that its refusal reaches the caller at
 * the first use (see keystore_key.refusal). */
static keystore_key *refused_key(const keystore_object_reference *object)
{
    keystore_key *key = keystore_key_new(object->provider, object->key.type_name);
    if (key == NULL)
        return NULL;
    key->on_device = true;
    key->reference = object->key;
    key->refusal = keystore_device_last_result();
    if (key->refusal != KSSIM_OK) {
        snprintf(key->refusal_message, sizeof(key->refusal_message), "%s", keystore_device_last_message());
    } else {
        /* The device answered, but not with the key the reference names (its type changed). */
        const char *data = NULL;
        ERR_peek_last_error_data(&data, NULL);
        key->refusal = KSSIM_INVALID_ARGUMENT;
        snprintf(key->refusal_message, sizeof(key->refusal_message), "%s", data != NULL ? data : "");
    }
    return key;
}

void *keystore_keymgmt_load(const void *reference, size_t reference_size)
{
    KEYSTORE_DEBUG_CALL("reference_size=%zu", reference_size);
    const keystore_object_reference *object = reference;
    if (reference == NULL || reference_size != sizeof(*object) ||
        memcmp(object->magic, KEYSTORE_OBJECT_REFERENCE_MAGIC, sizeof(object->magic)) != 0)
        return NULL;
    if (object->loaded != NULL) {
        keystore_key_up_ref(object->loaded);
        return object->loaded;
    }
    keystore_key *key =
        keystore_key_load(object->provider, object->key.device, object->key.alias, object->key.type_name);
    return key != NULL ? key : refused_key(object);
}

int keystore_keymgmt_gen_set_policy_params(void *genctx, const OSSL_PARAM params[])
{
    KEYSTORE_DEBUG_CALL("params=%s", keystore_debug_params(params, true));
    return keystore_generation_set_policy_params(genctx, params);
}

void *keystore_keymgmt_gen(void *genctx, OSSL_CALLBACK *cb, void *cbarg)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    (void)cb;
    (void)cbarg;
    return keystore_generation_run(genctx);
}

void keystore_keymgmt_gen_cleanup(void *genctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    keystore_generation_free(genctx);
}
