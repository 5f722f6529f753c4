/*
 * fuzz_key_reference.c - libFuzzer target: any bytes as a key-reference file, through the provider's
 * DER decoder (keystore_key_reference_decode, provider/key_reference.c) and through its two OpenSSL
 * decoders as libcrypto chains them (provider/decoder_reference.c): "KSSIM KEY REFERENCE" PEM to DER,
 * and DER to a key reference, each fed the bytes as PEM and as DER.
 *
 * Key references are files (genpkey -out login.pem) that `openssl pkeyutl -inkey`, `-key` and
 * PEM_read_bio_PrivateKey read back: outside input, and every decoder of every provider is offered
 * every input OpenSSL reads. Whatever the bytes, decoding must give either nothing or a reference whose
 * strings are terminated, non-empty and of a known key type, which encodes and decodes back to itself.
 *
 * The chain ends in a construct callback of this target instead of the key manager's load, so that no
 * device is opened: a reference names a device directory, which load would create wherever the fuzzer's
 * bytes point.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/core_object.h>
#include <openssl/decoder.h>
#include <openssl/err.h>

#include "fuzz_provider.h"

static fuzz_provider provider;
/* DER to EC, RSA, RSA-PSS and ED25519 references, then PEM to DER: libcrypto passes a decoder's output
 * only to decoders added before it, so a chain is added from its last step to its first. */
static OSSL_DECODER *decoders[5];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_provider_load(&provider);
    static const char *const der_properties = KEYSTORE_PROPERTIES ",input=der,structure=" KEYSTORE_REFERENCE_STRUCT;
    for (int i = 0; i < 4; i++)
        decoders[i] = OSSL_DECODER_fetch(provider.libctx, keystore_type_names[i], der_properties);
    decoders[4] = OSSL_DECODER_fetch(provider.libctx, "DER", KEYSTORE_PROPERTIES ",input=pem");
    for (int i = 0; i < 5; i++)
        if (decoders[i] == NULL)
            abort();
    return 0;
}

static bool is_c_string(const char *text, size_t size)
{
    return memchr(text, '\0', size) != NULL && text[0] != '\0';
}

static bool same_reference(const keystore_key_reference *a, const keystore_key_reference *b)
{
    return strcmp(a->alias, b->alias) == 0 && strcmp(a->type_name, b->type_name) == 0 &&
           strcmp(a->device, b->device) == 0;
}

/* A decoded reference is well formed and survives encoding and decoding again. */
static void check_reference(const keystore_key_reference *reference)
{
    if (!is_c_string(reference->alias, sizeof(reference->alias)) ||
        !is_c_string(reference->type_name, sizeof(reference->type_name)) ||
        !is_c_string(reference->device, sizeof(reference->device)) || keystore_type_index(reference->type_name) < 0)
        abort();
    unsigned char *der = NULL;
    size_t der_len = 0;
    if (!keystore_key_reference_encode(reference, &der, &der_len))
        abort();
    keystore_key_reference again;
    if (!keystore_key_reference_decode(der, der_len, &again) || !same_reference(reference, &again))
        abort();
    OPENSSL_free(der);
}

static void decode_directly(const uint8_t *data, size_t size)
{
    keystore_key_reference reference;
    memset(&reference, 0, sizeof(reference));
    if (keystore_key_reference_decode(data, size, &reference))
        check_reference(&reference);
}

/* The end of the chain: where libcrypto would call the key manager's load with the reference. */
static int construct(OSSL_DECODER_INSTANCE *instance, const OSSL_PARAM *params, void *arg)
{
    (void)instance;
    int *constructed = arg;
    const OSSL_PARAM *reference = OSSL_PARAM_locate_const(params, OSSL_OBJECT_PARAM_REFERENCE);
    const OSSL_PARAM *type = OSSL_PARAM_locate_const(params, OSSL_OBJECT_PARAM_DATA_TYPE);
    if (reference == NULL)
        return 0; /* an intermediate object (the PEM decoder's DER); libcrypto passes it on */
    const keystore_object_reference *object = reference->data;
    if (reference->data_size != sizeof(*object) ||
        memcmp(object->magic, KEYSTORE_OBJECT_REFERENCE_MAGIC, sizeof(object->magic)) != 0 ||
        object->provider != provider.context || type == NULL || type->data_type != OSSL_PARAM_UTF8_STRING ||
        strcmp(type->data, object->key.type_name) != 0)
        abort();
    check_reference(&object->key);
    (*constructed)++;
    return 1;
}

static void decode_through_openssl(const uint8_t *data, size_t size, const char *input_type)
{
    OSSL_DECODER_CTX *context = OSSL_DECODER_CTX_new();
    int constructed = 0;
    bool ready = context != NULL && OSSL_DECODER_CTX_set_input_type(context, input_type) == 1 &&
                 OSSL_DECODER_CTX_set_construct(context, construct) == 1 &&
                 OSSL_DECODER_CTX_set_construct_data(context, &constructed) == 1;
    for (int i = 0; ready && i < 5; i++)
        ready = OSSL_DECODER_CTX_add_decoder(context, decoders[i]) == 1;
    BIO *in = ready ? BIO_new_mem_buf(data, (int)size) : NULL;
    if (in != NULL)
        OSSL_DECODER_from_bio(context, in);
    BIO_free(in);
    OSSL_DECODER_CTX_free(context);
    if (constructed > 1)
        abort(); /* one input is at most one key */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0; /* the DER decoder reads at most 64 KiB; longer inputs only repeat shorter ones */
    decode_directly(data, size);
    decode_through_openssl(data, size, "PEM");
    decode_through_openssl(data, size, "DER");
    ERR_clear_error();
    return 0;
}
