/*
 * key_reference.c - the key reference: what names a device key outside the device.
 *
 * genpkey must write something to its -out file, and the private key never leaves the device, so the
 * file holds a reference (as tpm2-openssl's "TSS2 PRIVATE KEY" and pkcs11-provider's URI PEM do):
 *
 *     KssimKeyReference ::= SEQUENCE {
 *         description  VisibleString,   -- "kssim key reference v1", so foreign DER is recognised at once
 *         alias        UTF8String,      -- the key's alias in keystore
 *         algorithm    UTF8String,      -- the OpenSSL key type: EC, RSA, RSA-PSS, ED25519
 *         device       UTF8String       -- the device directory (absolute) or "memory:"
 *     }
 *
 * The same DER is the OSSL_OBJECT_PARAM_REFERENCE the store loader and the decoder hand to the key
 * manager's load. It is always longer than a pointer, which matters: when libcrypto falls back to
 * another provider's load with our reference, those treat a pointer-sized reference as their own
 * key object.
 */
#include <string.h>

#include <openssl/asn1t.h>
#include <openssl/err.h>

#include "keystore_provider.h"

#define REFERENCE_DESCRIPTION "kssim key reference v1"

typedef struct kssim_key_reference_asn1 {
    ASN1_VISIBLESTRING *description;
    ASN1_UTF8STRING *alias;
    ASN1_UTF8STRING *algorithm;
    ASN1_UTF8STRING *device;
} KSSIM_KEY_REFERENCE_ASN1;

ASN1_SEQUENCE(KSSIM_KEY_REFERENCE_ASN1) =
    {
        ASN1_SIMPLE(KSSIM_KEY_REFERENCE_ASN1, description, ASN1_VISIBLESTRING),
        ASN1_SIMPLE(KSSIM_KEY_REFERENCE_ASN1, alias, ASN1_UTF8STRING),
        ASN1_SIMPLE(KSSIM_KEY_REFERENCE_ASN1, algorithm, ASN1_UTF8STRING),
        ASN1_SIMPLE(KSSIM_KEY_REFERENCE_ASN1, device, ASN1_UTF8STRING),
} static_ASN1_SEQUENCE_END(KSSIM_KEY_REFERENCE_ASN1)

        static bool set_string(ASN1_STRING * s, const char *value)
{
    return ASN1_STRING_set(s, value, (int)strlen(value)) == 1;
}

/* Copies an ASN.1 string into a C string; false if it is empty, too long or holds a NUL. */
static bool get_string(const ASN1_STRING *s, char *out, size_t out_size)
{
    int len = ASN1_STRING_length(s);
    const unsigned char *data = ASN1_STRING_get0_data(s);
    if (len <= 0 || (size_t)len >= out_size || memchr(data, '\0', (size_t)len) != NULL)
        return false;
    memcpy(out, data, (size_t)len);
    out[len] = '\0';
    return true;
}

bool keystore_key_reference_encode(const keystore_key_reference *reference, unsigned char **der, size_t *der_len)
{
    KSSIM_KEY_REFERENCE_ASN1 *asn1 =
        (KSSIM_KEY_REFERENCE_ASN1 *)ASN1_item_new(ASN1_ITEM_rptr(KSSIM_KEY_REFERENCE_ASN1));
    bool ok = asn1 != NULL && set_string(asn1->description, REFERENCE_DESCRIPTION) &&
              set_string(asn1->alias, reference->alias) && set_string(asn1->algorithm, reference->type_name) &&
              set_string(asn1->device, reference->device);
    unsigned char *out = NULL;
    int len = ok ? ASN1_item_i2d((ASN1_VALUE *)asn1, &out, ASN1_ITEM_rptr(KSSIM_KEY_REFERENCE_ASN1)) : -1;
    ASN1_item_free((ASN1_VALUE *)asn1, ASN1_ITEM_rptr(KSSIM_KEY_REFERENCE_ASN1));
    if (len <= 0) {
        keystore_raise(KEYSTORE_R_OPENSSL_FAILURE, "cannot encode the reference to key '%s'", reference->alias);
        return false;
    }
    *der = out;
    *der_len = (size_t)len;
    return true;
}

/* Quiet on failure: decoders try every input they are given, and most are not references. */
bool keystore_key_reference_decode(const unsigned char *der, size_t der_len, keystore_key_reference *reference)
{
    const unsigned char *p = der;
    ERR_set_mark();
    KSSIM_KEY_REFERENCE_ASN1 *asn1 =
        (KSSIM_KEY_REFERENCE_ASN1 *)ASN1_item_d2i(NULL, &p, (long)der_len, ASN1_ITEM_rptr(KSSIM_KEY_REFERENCE_ASN1));
    ERR_pop_to_mark();
    if (asn1 == NULL)
        return false;
    char description[sizeof(REFERENCE_DESCRIPTION) + 1];
    bool ok = p == der + der_len && get_string(asn1->description, description, sizeof(description)) &&
              strcmp(description, REFERENCE_DESCRIPTION) == 0 &&
              get_string(asn1->alias, reference->alias, sizeof(reference->alias)) &&
              get_string(asn1->algorithm, reference->type_name, sizeof(reference->type_name)) &&
              get_string(asn1->device, reference->device, sizeof(reference->device)) &&
              keystore_type_index(reference->type_name) >= 0;
    ASN1_item_free((ASN1_VALUE *)asn1, ASN1_ITEM_rptr(KSSIM_KEY_REFERENCE_ASN1));
    return ok;
}
