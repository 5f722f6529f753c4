/*
 * decoder_reference.c - reads key references back: the files genpkey wrote (`-in login.pem`,
 * `-key login.pem`, PEM_read_bio_PrivateKey) become keystore keys again.
 *
 * Two steps, as OpenSSL's decoders chain: "KSSIM KEY REFERENCE" PEM to its DER (OpenSSL's own PEM
 * decoder ignores labels it does not know), then the DER to a reference for the key manager's load.
 * The first step marks its output with the structure kssim-key-reference, so that only the second
 * step of this provider takes it. Both steps return empty-handed, without an error, on anything that is
 * not a key reference: every decoder is offered every input.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/core_object.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/pem.h>

#include "keystore_provider.h"

/* The entry points in this file's dispatch tables, typed as core_dispatch.h declares them, so that a
 * definition whose signature differs from OpenSSL's fails to compile. */
static OSSL_FUNC_decoder_newctx_fn keystore_decoder_newctx;
static OSSL_FUNC_decoder_freectx_fn keystore_decoder_freectx;
static OSSL_FUNC_decoder_decode_fn keystore_decoder_pem_decode;
static OSSL_FUNC_decoder_does_selection_fn keystore_decoder_does_selection;

#define READ_LIMIT (64 * 1024) /* a reference is well under 5 kB; anything larger is something else */

static void *keystore_decoder_newctx(void *provctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    return provctx;
}

static void keystore_decoder_freectx(void *ctx)
{
    KEYSTORE_DEBUG_CALL_WITHOUT_ARGUMENTS();
    (void)ctx;
}

static int keystore_decoder_does_selection(void *provctx, int selection)
{
    KEYSTORE_DEBUG_CALL("selection=%d", selection);
    (void)provctx;
    /* A reference names a whole key (its private half on the device, its public half with it). */
    return selection == 0 || (selection & OSSL_KEYMGMT_SELECT_KEYPAIR) != 0;
}

/* ---- PEM to DER ---- */

static int keystore_decoder_pem_decode(void *ctx, OSSL_CORE_BIO *cin, int selection, OSSL_CALLBACK *data_cb,
                                       void *data_cbarg, OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg)
{
    KEYSTORE_DEBUG_CALL("selection=%d", selection);
    (void)selection;
    (void)pw_cb;
    (void)pw_cbarg;
    keystore_provider *provider = ctx;
    BIO *in = BIO_new_from_core_bio(provider->public_libctx, cin);
    char *label = NULL, *header = NULL;
    unsigned char *der = NULL;
    long der_len = 0;
    int ok = 1; /* empty-handed is not an error */
    ERR_set_mark();
    bool read = in != NULL && PEM_read_bio(in, &label, &header, &der, &der_len) > 0;
    ERR_pop_to_mark();
    keystore_key_reference reference;
    char why[256];
    keystore_reference_reading reading = KEYSTORE_REFERENCE_FOREIGN;
    if (read && strcmp(label, KSSIM_PROVIDER_REFERENCE_PEM_LABEL) == 0)
        reading = keystore_key_reference_read(der, (size_t)der_len, true, &reference, why, sizeof(why));
    if (reading == KEYSTORE_REFERENCE_DAMAGED) {
        keystore_key_reference_raise_damaged(provider, &reference, why);
        ok = 0; /* a fatal error, which libcrypto keeps on the queue: no other decoder takes a reference */
    }
    if (reading == KEYSTORE_REFERENCE_READ) {
        int object_type = OSSL_OBJECT_PKEY;
        OSSL_PARAM params[] = {
            OSSL_PARAM_octet_string(OSSL_OBJECT_PARAM_DATA, der, (size_t)der_len),
            OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DATA_TYPE, reference.type_name, 0),
            OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DATA_STRUCTURE, KEYSTORE_REFERENCE_STRUCT, 0),
            OSSL_PARAM_int(OSSL_OBJECT_PARAM_TYPE, &object_type),
            OSSL_PARAM_END,
        };
        ok = data_cb(params, data_cbarg);
    }
    OPENSSL_free(label);
    OPENSSL_free(header);
    OPENSSL_free(der);
    BIO_free(in);
    return ok;
}

/* clang-format off */
const OSSL_DISPATCH keystore_decoder_reference_pem_functions[] = {
    {OSSL_FUNC_DECODER_NEWCTX, (void (*)(void))keystore_decoder_newctx},
    {OSSL_FUNC_DECODER_FREECTX, (void (*)(void))keystore_decoder_freectx},
    {OSSL_FUNC_DECODER_DECODE, (void (*)(void))keystore_decoder_pem_decode},
    {0, NULL},
};
/* clang-format on */

/* ---- DER to a key ---- */

/* The whole input, up to READ_LIMIT; NULL if it is empty or larger. */
static unsigned char *read_all(BIO *in, size_t *len)
{
    unsigned char *buffer = malloc(READ_LIMIT + 1);
    size_t total = 0;
    int n;
    while (buffer != NULL && total <= READ_LIMIT &&
           (n = BIO_read(in, buffer + total, (int)(READ_LIMIT + 1 - total))) > 0)
        total += (size_t)n;
    if (buffer == NULL || total == 0 || total > READ_LIMIT) {
        free(buffer);
        return NULL;
    }
    *len = total;
    return buffer;
}

/* Each of the four DER decoders (EC, RSA, RSA-PSS, ED25519) is offered the same bytes: only one of them
 * reports a damaged reference, the one of its key type, or EC's when the type cannot be read. */
static bool answers_for_damage(const keystore_key_reference *partial, const char *type_name)
{
    if (keystore_type_index(partial->type_name) >= 0)
        return strcmp(partial->type_name, type_name) == 0;
    return strcmp(type_name, keystore_type_names[0]) == 0;
}

static int decode_der(keystore_provider *provider, const char *type_name, OSSL_CORE_BIO *cin, OSSL_CALLBACK *data_cb,
                      void *data_cbarg)
{
    BIO *in = BIO_new_from_core_bio(provider->public_libctx, cin);
    size_t len = 0;
    unsigned char *der = in != NULL ? read_all(in, &len) : NULL;
    BIO_free(in);
    keystore_key_reference reference;
    char why[256];
    int ok = 1; /* empty-handed is not an error */
    keystore_reference_reading reading =
        der != NULL ? keystore_key_reference_read(der, len, false, &reference, why, sizeof(why))
                    : KEYSTORE_REFERENCE_FOREIGN;
    if (reading == KEYSTORE_REFERENCE_DAMAGED && answers_for_damage(&reference, type_name)) {
        keystore_key_reference_raise_damaged(provider, &reference, why);
        ok = 0;
    }
    if (reading == KEYSTORE_REFERENCE_READ && strcmp(reference.type_name, type_name) == 0) {
        keystore_object_reference object;
        keystore_object_reference_init(&object, provider, &reference);
        int object_type = OSSL_OBJECT_PKEY;
        OSSL_PARAM params[] = {
            OSSL_PARAM_int(OSSL_OBJECT_PARAM_TYPE, &object_type),
            OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DATA_TYPE, reference.type_name, 0),
            OSSL_PARAM_octet_string(OSSL_OBJECT_PARAM_REFERENCE, &object, sizeof(object)),
            OSSL_PARAM_END,
        };
        ok = data_cb(params, data_cbarg);
    }
    free(der);
    return ok;
}

/* clang-format off */
#define DER_DECODER(name, type_name)                                                                                   \
    static OSSL_FUNC_decoder_decode_fn keystore_decoder_##name##_decode;                                               \
    static int keystore_decoder_##name##_decode(void *ctx, OSSL_CORE_BIO *cin, int selection, OSSL_CALLBACK *data_cb,  \
                                                void *data_cbarg, OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg)     \
    {                                                                                                                  \
        KEYSTORE_DEBUG_CALL("selection=%d", selection);                                                                \
        (void)pw_cb;                                                                                                   \
        (void)pw_cbarg;                                                                                                \
        return decode_der(ctx, type_name, cin, data_cb, data_cbarg);                                                   \
    }                                                                                                                  \
    const OSSL_DISPATCH keystore_decoder_reference_##name##_functions[] = {                                            \
        {OSSL_FUNC_DECODER_NEWCTX, (void (*)(void))keystore_decoder_newctx},                                           \
        {OSSL_FUNC_DECODER_FREECTX, (void (*)(void))keystore_decoder_freectx},                                         \
        {OSSL_FUNC_DECODER_DOES_SELECTION, (void (*)(void))keystore_decoder_does_selection},                           \
        {OSSL_FUNC_DECODER_DECODE, (void (*)(void))keystore_decoder_##name##_decode},                                  \
        {0, NULL},                                                                                                     \
    };
/* clang-format on */

DER_DECODER(ec, "EC")
DER_DECODER(rsa, "RSA")
DER_DECODER(rsa_pss, "RSA-PSS")
DER_DECODER(ed25519, "ED25519")
