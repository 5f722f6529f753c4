/*
 * keymint_attestation_read.c - reads back, from a key's stored attestation chain, what keystore2 wrote
 * into its leaf's ATTESTATION_APPLICATION_ID [709]: the package name and the signing-certificate digest.
 * The device store keeps the chain, not the request, so `kssim keys` learns them here; the record's
 * writer (keymint_attestation_record.c) is not used, so a writer's mistake shows as a disagreement.
 */
#include <string.h>

#include <openssl/objects.h>
#include <openssl/x509.h>

#include "secure/keymint_attestation.h"

/* One DER element at *p (< end): its tag number (high-tag form decoded) and contents; false when it is
 * not well-formed DER of definite length. */
static bool next_element(const uint8_t **p, const uint8_t *end, uint32_t *number, const uint8_t **contents, size_t *len)
{
    const uint8_t *q = *p;
    if (q >= end)
        return false;
    *number = *q++ & 0x1f;
    if (*number == 0x1f) {
        *number = 0;
        do {
            if (q >= end || *number > (UINT32_MAX >> 7))
                return false;
            *number = (*number << 7) | (*q & 0x7f);
        } while (*q++ & 0x80);
    }
    if (q >= end)
        return false;
    size_t length = *q++;
    if (length & 0x80) {
        size_t octets = length & 0x7f;
        if (octets == 0 || octets > sizeof(size_t))
            return false;
        length = 0;
        while (octets-- > 0) {
            if (q >= end)
                return false;
            length = (length << 8) | *q++;
        }
    }
    if (length > (size_t)(end - q))
        return false;
    *contents = q;
    *len = length;
    *p = q + length;
    return true;
}

/* [709]'s OCTET STRING { SEQUENCE { SET { SEQUENCE { OCTET STRING name, INTEGER version } }, SET { OCTET
 * STRING digest } } }: the first package and the first digest. */
static void read_application_id(const uint8_t *value, size_t value_len, sim_attestation_application *out)
{
    const uint8_t *p = value, *id, *sequence, *infos, *digests, *info, *name, *digest;
    size_t id_len, sequence_len, infos_len, digests_len, info_len, name_len, digest_len;
    uint32_t number;
    if (!next_element(&p, value + value_len, &number, &id, &id_len))
        return;
    p = id;
    if (!next_element(&p, id + id_len, &number, &sequence, &sequence_len))
        return;
    p = sequence;
    const uint8_t *end = sequence + sequence_len;
    if (!next_element(&p, end, &number, &infos, &infos_len) || !next_element(&p, end, &number, &digests, &digests_len))
        return;
    const uint8_t *q = infos;
    if (next_element(&q, infos + infos_len, &number, &info, &info_len)) {
        const uint8_t *r = info;
        if (next_element(&r, info + info_len, &number, &name, &name_len) && name_len < sizeof(out->package)) {
            memcpy(out->package, name, name_len);
            out->package[name_len] = '\0';
            out->has_package = true;
        }
    }
    q = digests;
    if (next_element(&q, digests + digests_len, &number, &digest, &digest_len) &&
        digest_len == sizeof(out->signature_digest)) {
        memcpy(out->signature_digest, digest, digest_len);
        out->has_signature_digest = true;
    }
}

void sim_attestation_read_application(const uint8_t *chain, size_t chain_len, sim_attestation_application *out)
{
    memset(out, 0, sizeof(*out));
    const unsigned char *p = chain;
    X509 *leaf = d2i_X509(NULL, &p, (long)chain_len);
    ASN1_OBJECT *oid = OBJ_txt2obj(SIM_ATTESTATION_EXTENSION_OID, 1);
    int at = leaf != NULL && oid != NULL ? X509_get_ext_by_OBJ(leaf, oid, -1) : -1;
    if (at >= 0) {
        const ASN1_OCTET_STRING *value = X509_EXTENSION_get_data(X509_get_ext(leaf, at));
        const uint8_t *der = ASN1_STRING_get0_data(value), *q, *description, *field;
        size_t len = (size_t)ASN1_STRING_length(value), description_len, field_len;
        uint32_t number;
        q = der;
        if (next_element(&q, der + len, &number, &description, &description_len)) {
            /* the software list is the seventh field; [709] is keystore's, so it is there */
            const uint8_t *r = description, *end = description + description_len;
            bool ok = true;
            for (int i = 0; i < 7 && ok; i++)
                ok = next_element(&r, end, &number, &field, &field_len);
            const uint8_t *t = field;
            while (ok && t < field + field_len) {
                const uint8_t *inner;
                size_t inner_len;
                ok = next_element(&t, field + field_len, &number, &inner, &inner_len);
                if (ok && number == 709)
                    read_application_id(inner, inner_len, out);
            }
        }
    }
    ASN1_OBJECT_free(oid);
    X509_free(leaf);
}
