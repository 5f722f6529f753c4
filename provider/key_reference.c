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
#include <stdio.h>
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
    if (len <= 0)
        return false;
    *der = out;
    *der_len = (size_t)len;
    return true;
}

/* Quiet on failure: decoders try every input they are given, and most are not references. */
bool keystore_key_reference_decode(const unsigned char *der, size_t der_len, keystore_key_reference *reference)
{
    return keystore_key_reference_read(der, der_len, false, reference, NULL, 0) == KEYSTORE_REFERENCE_READ;
}

/* The length a DER SEQUENCE header announces, header included; 0 if der does not start like one. */
static size_t announced_length(const unsigned char *der, size_t der_len)
{
    if (der_len < 2 || der[0] != 0x30)
        return 0;
    if (der[1] < 0x80)
        return 2 + (size_t)der[1];
    size_t octets = der[1] & 0x7f;
    if (octets == 0 || octets > 3 || der_len < 2 + octets)
        return 0;
    size_t length = 0;
    for (size_t i = 0; i < octets; i++)
        length = length << 8 | der[2 + i];
    return 2 + octets + length;
}

/* What is wrong with bytes that are meant to be a reference but do not parse. */
static void describe_unparsable(const unsigned char *der, size_t der_len, char *why, size_t why_size)
{
    size_t announced = announced_length(der, der_len);
    if (announced > der_len)
        snprintf(why, why_size, "it is truncated (%zu of its %zu bytes)", der_len, announced);
    else if (announced != 0 && announced < der_len)
        snprintf(why, why_size, "%zu bytes follow its end", der_len - announced);
    else
        snprintf(why, why_size, "its DER does not parse (a byte was changed)");
}

static bool holds_description(const unsigned char *der, size_t der_len)
{
    const size_t n = sizeof(REFERENCE_DESCRIPTION) - 1;
    for (size_t i = 0; i + n <= der_len; i++)
        if (der[i] == REFERENCE_DESCRIPTION[0] && memcmp(der + i, REFERENCE_DESCRIPTION, n) == 0)
            return true;
    return false;
}

static bool is_absolute_device(const char *device)
{
    return device[0] == '/' || strcmp(device, KSSIM_MEMORY_DEVICE) == 0;
}

/* The one alias rule of the device (kssim_check_alias): an alias no key can have is a damaged reference. It
 * is forgotten, so that the file's control characters or broken UTF-8 never reach an error's text. */
static bool alias_is_acceptable(keystore_key_reference *reference, char *why, size_t why_size)
{
    char rule[256];
    if (kssim_check_alias(reference->alias, rule, sizeof(rule)) == KSSIM_OK)
        return true;
    memset(reference->alias, 0, sizeof(reference->alias));
    snprintf(why, why_size, "its alias is one no key can have (%s)", rule);
    return false;
}

/* The fields of a reference that parsed: false, with why filled, for one that cannot name a key. */
static bool holds_control_character(const char *text)
{
    for (const unsigned char *c = (const unsigned char *)text; *c != '\0'; c++)
        if (*c < 0x20 || *c == 0x7f)
            return true;
    return false;
}

static bool check_fields(const KSSIM_KEY_REFERENCE_ASN1 *asn1, keystore_key_reference *reference, char *why,
                         size_t why_size)
{
    char description[sizeof(REFERENCE_DESCRIPTION) + 1];
    if (!get_string(asn1->description, description, sizeof(description)) ||
        strcmp(description, REFERENCE_DESCRIPTION) != 0)
        snprintf(why, why_size, "its description is not \"" REFERENCE_DESCRIPTION "\"");
    else if (!get_string(asn1->alias, reference->alias, sizeof(reference->alias)))
        snprintf(why, why_size, "its alias is empty, longer than %d bytes or holds a NUL byte", KSSIM_ALIAS_MAX - 1);
    else if (!alias_is_acceptable(reference, why, why_size))
        return false;
    else if (!get_string(asn1->algorithm, reference->type_name, sizeof(reference->type_name)) ||
             keystore_type_index(reference->type_name) < 0)
        snprintf(why, why_size, "its key type is not EC, RSA, RSA-PSS or ED25519");
    else if (!get_string(asn1->device, reference->device, sizeof(reference->device)))
        snprintf(why, why_size, "its device is empty, too long or holds a NUL byte");
    else if (holds_control_character(reference->device))
        /* Not echoed: the sentence would carry the file's escape sequences to the user's terminal. */
        snprintf(why, why_size, "its device holds a control character, which no device directory genpkey names does");
    else if (!is_absolute_device(reference->device))
        /* genpkey writes absolute directories; a relative one would name a different device in every
         * working directory, and a key reference must never choose where a device is. */
        snprintf(why, why_size,
                 "its device '%s' is a relative path, and a reference names an absolute device "
                 "directory or memory:",
                 reference->device);
    else
        return true;
    return false;
}

keystore_reference_reading keystore_key_reference_read(const unsigned char *der, size_t der_len, bool labelled,
                                                       keystore_key_reference *reference, char *why, size_t why_size)
{
    char ignored[8];
    if (why == NULL) {
        why = ignored;
        why_size = sizeof(ignored);
    }
    why[0] = '\0';
    memset(reference, 0, sizeof(*reference));
    /* Ours when the PEM label says so, or when the description is in the bytes: anything else is
     * someone else's key, left to the other decoders without a word. */
    bool ours = labelled || holds_description(der, der_len);
    if (!ours)
        return KEYSTORE_REFERENCE_FOREIGN;
    const unsigned char *p = der;
    ERR_set_mark();
    KSSIM_KEY_REFERENCE_ASN1 *asn1 =
        (KSSIM_KEY_REFERENCE_ASN1 *)ASN1_item_d2i(NULL, &p, (long)der_len, ASN1_ITEM_rptr(KSSIM_KEY_REFERENCE_ASN1));
    ERR_pop_to_mark();
    if (asn1 == NULL) {
        describe_unparsable(der, der_len, why, why_size);
        return KEYSTORE_REFERENCE_DAMAGED;
    }
    bool ok = false;
    if (p != der + der_len)
        snprintf(why, why_size, "%zu bytes follow its end", (size_t)(der + der_len - p));
    else
        ok = check_fields(asn1, reference, why, why_size);
    ASN1_item_free((ASN1_VALUE *)asn1, ASN1_ITEM_rptr(KSSIM_KEY_REFERENCE_ASN1));
    return ok ? KEYSTORE_REFERENCE_READ : KEYSTORE_REFERENCE_DAMAGED;
}

void keystore_key_reference_raise_damaged(const keystore_provider *provider, const keystore_key_reference *partial,
                                          const char *why)
{
    if (partial->alias[0] != '\0')
        keystore_raise(provider, KEYSTORE_R_INVALID_KEY_REFERENCE,
                       "this key reference (to the key '%s') is damaged: %s; generate the key again with openssl "
                       "genpkey, or use keystore:%s instead of the file",
                       partial->alias, why, partial->alias);
    else
        keystore_raise(provider, KEYSTORE_R_INVALID_KEY_REFERENCE,
                       "this key reference is damaged: %s; generate the key again with openssl genpkey, or use "
                       "keystore:ALIAS instead of the file",
                       why);
}
