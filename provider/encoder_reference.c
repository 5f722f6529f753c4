/*
 * encoder_reference.c - writes a device key as its key reference: a "KSSIM KEY REFERENCE" PEM (or the
 * bare DER) holding the alias and the device, never key material (key_reference.c has the format).
 *
 * This is what `openssl genpkey -out`, `openssl pkey -out` and PEM_write_bio_PrivateKey produce for a
 * keystore key: OpenSSL asks for the private key, and the private key never leaves the device, so the
 * file names it instead. The encoder answers only when the private half is asked for; the public half
 * (`pkey -pubout`, certificates) is written by OpenSSL's own encoders from the exported public key.
 */
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>

#include "keystore_provider.h"

/* The entry points in this file's dispatch tables, typed as core_dispatch.h declares them, so that a
 * definition whose signature differs from OpenSSL's fails to compile. */
static OSSL_FUNC_encoder_newctx_fn keystore_encoder_newctx;
static OSSL_FUNC_encoder_freectx_fn keystore_encoder_freectx;
static OSSL_FUNC_encoder_does_selection_fn keystore_encoder_does_selection;
static OSSL_FUNC_encoder_encode_fn keystore_encoder_encode_pem;
static OSSL_FUNC_encoder_encode_fn keystore_encoder_encode_der;

static void *keystore_encoder_newctx(void *provctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    return provctx;
}

static void keystore_encoder_freectx(void *ctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    (void)ctx;
}

static int keystore_encoder_does_selection(void *provctx, int selection)
{
    KEYSTORE_DEBUG_CALL("selection=%d", selection);
    (void)provctx;
    return (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0;
}

static int encode_reference(keystore_provider *provider, OSSL_CORE_BIO *cout, const keystore_key *key, bool pem)
{
    if (key == NULL || !key->on_device) {
        keystore_raise(provider, KEYSTORE_R_NOT_A_DEVICE_KEY,
                       "only a key held by the device can be written as a key reference");
        return 0;
    }
    unsigned char *der = NULL;
    size_t der_len = 0;
    if (!keystore_key_reference_encode(&key->reference, &der, &der_len)) {
        keystore_raise(provider, KEYSTORE_R_OPENSSL_FAILURE, "cannot encode the reference to key '%s'",
                       key->reference.alias);
        return 0;
    }
    BIO *out = BIO_new_from_core_bio(provider->public_libctx, cout);
    int ok = out != NULL && (pem ? PEM_write_bio(out, KSSIM_PROVIDER_REFERENCE_PEM_LABEL, "", der, (long)der_len) > 0
                                 : BIO_write(out, der, (int)der_len) == (int)der_len);
    BIO_free(out);
    OPENSSL_free(der);
    if (!ok)
        keystore_raise(provider, KEYSTORE_R_OPENSSL_FAILURE, "cannot write the reference to key '%s'",
                       key->reference.alias);
    return ok;
}

static int keystore_encoder_encode_pem(void *ctx, OSSL_CORE_BIO *cout, const void *obj_raw,
                                       const OSSL_PARAM obj_abstract[], int selection, OSSL_PASSPHRASE_CALLBACK *cb,
                                       void *cbarg)
{
    KEYSTORE_DEBUG_CALL("alias=%s, params=%s, selection=%d", keystore_debug_key(obj_raw),
                        keystore_debug_params(obj_abstract, true), selection);
    (void)obj_abstract;
    (void)selection;
    (void)cb;
    (void)cbarg;
    return encode_reference(ctx, cout, obj_raw, true);
}

static int keystore_encoder_encode_der(void *ctx, OSSL_CORE_BIO *cout, const void *obj_raw,
                                       const OSSL_PARAM obj_abstract[], int selection, OSSL_PASSPHRASE_CALLBACK *cb,
                                       void *cbarg)
{
    KEYSTORE_DEBUG_CALL("alias=%s, params=%s, selection=%d", keystore_debug_key(obj_raw),
                        keystore_debug_params(obj_abstract, true), selection);
    (void)obj_abstract;
    (void)selection;
    (void)cb;
    (void)cbarg;
    return encode_reference(ctx, cout, obj_raw, false);
}

/* clang-format off */
const OSSL_DISPATCH keystore_encoder_reference_pem_functions[] = {
    {OSSL_FUNC_ENCODER_NEWCTX, (void (*)(void))keystore_encoder_newctx},
    {OSSL_FUNC_ENCODER_FREECTX, (void (*)(void))keystore_encoder_freectx},
    {OSSL_FUNC_ENCODER_DOES_SELECTION, (void (*)(void))keystore_encoder_does_selection},
    {OSSL_FUNC_ENCODER_ENCODE, (void (*)(void))keystore_encoder_encode_pem},
    {0, NULL},
};
/* clang-format on */

/* clang-format off */
const OSSL_DISPATCH keystore_encoder_reference_der_functions[] = {
    {OSSL_FUNC_ENCODER_NEWCTX, (void (*)(void))keystore_encoder_newctx},
    {OSSL_FUNC_ENCODER_FREECTX, (void (*)(void))keystore_encoder_freectx},
    {OSSL_FUNC_ENCODER_DOES_SELECTION, (void (*)(void))keystore_encoder_does_selection},
    {OSSL_FUNC_ENCODER_ENCODE, (void (*)(void))keystore_encoder_encode_der},
    {0, NULL},
};
/* clang-format on */
