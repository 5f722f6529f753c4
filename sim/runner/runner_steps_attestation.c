/*
 * runner_steps_attestation.c - expect_attestation: reads the key's attestation chain as a backend would
 * (the leaf's KeyDescription extension, with a DER reader of its own rather than the encoder's code) and
 * compares each field the step writes: security_level (attestationSecurityLevel), challenge
 * (attestationChallenge), user_auth_type ([504]), auth_timeout ([505]; 0 = absent, a per-operation key),
 * attestation_version, attestation_application_id (the package name inside [709]).
 * A field that differs is a VERIFICATION_FAILED whose note says which, and what the record holds.
 * With attack (and from), the step reads instead the chain an attacker makes of the key's
 * (kssim_attestation_attack_chain, docs/attestation.md "Attacks a verifier must catch"), and two checks a
 * backend makes of the chain come first: chain_verifies (true: it verifies to the device's attestation
 * root, every signature; validity periods are not checked, so no clock is read) and leaf_key_of (the
 * leaf's SubjectPublicKeyInfo is that key's, as export-public gives it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "runner/runner_internal.h"

#define ATTESTATION_OID "1.3.6.1.4.1.11129.2.1.17"

typedef struct der_item {
    unsigned tag_class_constructed; /* the first identifier octet */
    uint32_t number;                /* the tag number (high-tag form decoded) */
    const uint8_t *contents;
    size_t len;
} der_item;

/* Reads one element at *p (< end); false when it is not well-formed DER of definite length. */
static bool der_next(const uint8_t **p, const uint8_t *end, der_item *item)
{
    const uint8_t *q = *p;
    if (q >= end)
        return false;
    item->tag_class_constructed = *q;
    item->number = *q & 0x1f;
    q++;
    if (item->number == 0x1f) {
        item->number = 0;
        do {
            if (q >= end || item->number > (UINT32_MAX >> 7))
                return false;
            item->number = (item->number << 7) | (*q & 0x7f);
        } while (*q++ & 0x80);
    }
    if (q >= end)
        return false;
    size_t len = *q++;
    if (len & 0x80) {
        size_t count = len & 0x7f;
        if (count == 0 || count > sizeof(size_t))
            return false;
        len = 0;
        for (size_t i = 0; i < count; i++) {
            if (q >= end)
                return false;
            len = (len << 8) | *q++;
        }
    }
    if ((size_t)(end - q) < len)
        return false;
    item->contents = q;
    item->len = len;
    *p = q + len;
    return true;
}

static bool der_unsigned(const der_item *item, uint64_t *value)
{
    if (item->len == 0 || item->len > 9)
        return false;
    *value = 0;
    for (size_t i = 0; i < item->len; i++)
        *value = (*value << 8) | item->contents[i];
    return true;
}

typedef struct attestation_fields {
    uint64_t attestation_version, security_level;
    const uint8_t *challenge;
    size_t challenge_len;
    bool has_user_auth_type, has_auth_timeout;
    uint64_t user_auth_type, auth_timeout;
    const uint8_t *package;
    size_t package_len;
} attestation_fields;

/* One AuthorizationList: the [504], [505] and [709] entries, wherever they are enforced. */
static bool read_authorization_list(const der_item *list, attestation_fields *fields)
{
    const uint8_t *p = list->contents, *end = list->contents + list->len;
    while (p < end) {
        der_item entry, value;
        if (!der_next(&p, end, &entry))
            return false;
        const uint8_t *q = entry.contents;
        if (!der_next(&q, entry.contents + entry.len, &value))
            return false;
        if (entry.number == 504)
            fields->has_user_auth_type = der_unsigned(&value, &fields->user_auth_type);
        else if (entry.number == 505)
            fields->has_auth_timeout = der_unsigned(&value, &fields->auth_timeout);
        else if (entry.number == 709) {
            /* OCTET STRING { SEQUENCE { SET { SEQUENCE { OCTET STRING name, INTEGER version } ... } ... } } */
            der_item id, infos, info, name;
            const uint8_t *a = value.contents;
            if (!der_next(&a, value.contents + value.len, &id))
                return false;
            const uint8_t *b = id.contents;
            if (!der_next(&b, id.contents + id.len, &infos))
                return false;
            const uint8_t *c = infos.contents;
            if (infos.len > 0 && der_next(&c, infos.contents + infos.len, &info)) {
                const uint8_t *d = info.contents;
                if (der_next(&d, info.contents + info.len, &name)) {
                    fields->package = name.contents;
                    fields->package_len = name.len;
                }
            }
        }
    }
    return true;
}

static bool read_key_description(const uint8_t *der, size_t len, attestation_fields *fields)
{
    memset(fields, 0, sizeof(*fields));
    der_item description, item;
    const uint8_t *p = der;
    if (!der_next(&p, der + len, &description) || description.tag_class_constructed != 0x30)
        return false;
    p = description.contents;
    const uint8_t *end = description.contents + description.len;
    uint64_t ignored;
    if (!der_next(&p, end, &item) || !der_unsigned(&item, &fields->attestation_version) || !der_next(&p, end, &item) ||
        !der_unsigned(&item, &fields->security_level) || !der_next(&p, end, &item) || !der_unsigned(&item, &ignored) ||
        !der_next(&p, end, &item) || !der_next(&p, end, &item))
        return false;
    fields->challenge = item.contents;
    fields->challenge_len = item.len;
    der_item unique_id, software, hardware;
    return der_next(&p, end, &unique_id) && der_next(&p, end, &software) && der_next(&p, end, &hardware) &&
           read_authorization_list(&software, fields) && read_authorization_list(&hardware, fields);
}

/* The leaf's extension value, copied into *der (malloc'd). */
static bool leaf_key_description(const uint8_t *chain, size_t chain_len, uint8_t **der, size_t *len)
{
    const unsigned char *p = chain;
    X509 *leaf = d2i_X509(NULL, &p, (long)chain_len);
    ASN1_OBJECT *oid = OBJ_txt2obj(ATTESTATION_OID, 1);
    int at = leaf != NULL && oid != NULL ? X509_get_ext_by_OBJ(leaf, oid, -1) : -1;
    bool ok = false;
    if (at >= 0) {
        const ASN1_OCTET_STRING *value = X509_EXTENSION_get_data(X509_get_ext(leaf, at));
        *len = (size_t)ASN1_STRING_length(value);
        *der = malloc(*len > 0 ? *len : 1);
        ok = *der != NULL;
        if (ok)
            memcpy(*der, ASN1_STRING_get0_data(value), *len);
    }
    ASN1_OBJECT_free(oid);
    X509_free(leaf);
    return ok;
}

static kssim_result mismatch(runner_context *context, const char *field, const char *written, const char *found)
{
    snprintf(context->note, sizeof(context->note), "the attestation record's %s is %s, not %s as written", field, found,
             written);
    return KSSIM_VERIFICATION_FAILED;
}

static kssim_result compare(runner_context *context, const scenario_step *step, const attestation_fields *fields)
{
    char written[160], found[160];
    const scenario_arg *level = scenario_step_find(step, SCENARIO_KEY_SECURITY_LEVEL);
    if (level != NULL && level->number != fields->security_level) {
        snprintf(written, sizeof(written), "%llu", (unsigned long long)level->number);
        snprintf(found, sizeof(found), "%llu", (unsigned long long)fields->security_level);
        return mismatch(context, "attestationSecurityLevel", written, found);
    }
    const scenario_arg *challenge = scenario_step_find(step, SCENARIO_KEY_CHALLENGE);
    if (challenge != NULL && (challenge->length != fields->challenge_len ||
                              memcmp(challenge->text, fields->challenge, fields->challenge_len) != 0)) {
        snprintf(found, sizeof(found), "\"%.*s\"", (int)(fields->challenge_len > 120 ? 120 : fields->challenge_len),
                 (const char *)fields->challenge);
        snprintf(written, sizeof(written), "\"%.*s\"", (int)challenge->length, challenge->text);
        return mismatch(context, "attestationChallenge", written, found);
    }
    const scenario_arg *types = scenario_step_find(step, SCENARIO_KEY_USER_AUTH_TYPE);
    if (types != NULL && (!fields->has_user_auth_type || fields->user_auth_type != types->number)) {
        snprintf(written, sizeof(written), "%llu", (unsigned long long)types->number);
        snprintf(found, sizeof(found), fields->has_user_auth_type ? "%llu" : "absent",
                 (unsigned long long)fields->user_auth_type);
        return mismatch(context, "userAuthType", written, found);
    }
    const scenario_arg *timeout = scenario_step_find(step, SCENARIO_KEY_AUTH_TIMEOUT);
    uint64_t recorded_timeout = fields->has_auth_timeout ? fields->auth_timeout : 0;
    if (timeout != NULL && timeout->number != recorded_timeout) {
        snprintf(written, sizeof(written), "%llu", (unsigned long long)timeout->number);
        snprintf(found, sizeof(found), "%llu", (unsigned long long)recorded_timeout);
        return mismatch(context, "authTimeout (0: absent, every operation authenticated)", written, found);
    }
    /* written per API level ({33: 200, 34: 300}) or once */
    const scenario_arg *version =
        scenario_arg_at_level(scenario_step_find(step, SCENARIO_KEY_ATTESTATION_VERSION), context->api_level);
    if (version != NULL && version->number != fields->attestation_version) {
        snprintf(written, sizeof(written), "%llu", (unsigned long long)version->number);
        snprintf(found, sizeof(found), "%llu", (unsigned long long)fields->attestation_version);
        return mismatch(context, "attestationVersion", written, found);
    }
    const scenario_arg *package = scenario_step_find(step, SCENARIO_KEY_ATTESTATION_APPLICATION_ID);
    if (package != NULL &&
        (package->length != fields->package_len || memcmp(package->text, fields->package, fields->package_len) != 0)) {
        snprintf(found, sizeof(found), "\"%.*s\"", (int)(fields->package_len > 120 ? 120 : fields->package_len),
                 (const char *)fields->package);
        snprintf(written, sizeof(written), "\"%.*s\"", (int)package->length, package->text);
        return mismatch(context, "attestationApplicationId package", written, found);
    }
    return KSSIM_OK;
}

/* Whether the chain (leaf, intermediate, root) verifies to the device's own root, pinned as the only
 * trust anchor; *why is OpenSSL's reason when it does not. */
static kssim_result chain_verifies_to_device_root(runner_context *context, const uint8_t *chain, size_t chain_len,
                                                  bool *verifies, const char **why)
{
    uint8_t *root_der = NULL;
    size_t root_len = 0;
    kssim_result r = kssim_attestation_root(context->device, &root_der, &root_len);
    if (r != KSSIM_OK)
        return r;
    const unsigned char *q = root_der;
    X509 *root = d2i_X509(NULL, &q, (long)root_len);
    kssim_free(root_der);
    X509 *certs[3] = {NULL, NULL, NULL};
    const unsigned char *p = chain, *end = chain + chain_len;
    for (size_t i = 0; i < 3 && p < end; i++)
        certs[i] = d2i_X509(NULL, &p, (long)(end - p));
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    bool ok = root != NULL && certs[0] != NULL && certs[1] != NULL && certs[2] != NULL && store != NULL &&
              ctx != NULL && untrusted != NULL && X509_STORE_add_cert(store, root) == 1 &&
              sk_X509_push(untrusted, certs[1]) > 0 && sk_X509_push(untrusted, certs[2]) > 0 &&
              X509_STORE_CTX_init(ctx, store, certs[0], untrusted) == 1;
    if (ok) {
        /* the leaf's validity is the device's own statement, and reading the host's clock would make the
         * result depend on the day: signatures and names only */
        X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME);
        *verifies = X509_verify_cert(ctx) == 1;
        *why = *verifies ? "" : X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
    } else {
        r = KSSIM_SYSTEM_ERROR;
        snprintf(context->note, sizeof(context->note), "the attestation chain could not be read for verification");
    }
    sk_X509_free(untrusted);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    for (size_t i = 0; i < 3; i++)
        X509_free(certs[i]);
    X509_free(root);
    return r;
}

/* The backend's checks of the chain itself, before the record's fields. */
static kssim_result check_chain(runner_context *context, const scenario_step *step, const uint8_t *chain,
                                size_t chain_len)
{
    const scenario_arg *verifies_arg = scenario_step_find(step, SCENARIO_KEY_CHAIN_VERIFIES);
    if (verifies_arg != NULL) {
        bool verifies = false;
        const char *why = "";
        kssim_result r = chain_verifies_to_device_root(context, chain, chain_len, &verifies, &why);
        if (r != KSSIM_OK)
            return r;
        if (verifies != (verifies_arg->number != 0)) {
            if (verifies)
                snprintf(context->note, sizeof(context->note),
                         "the chain verifies to the device's attestation root, not refused as written");
            else
                snprintf(context->note, sizeof(context->note),
                         "the chain does not verify to the device's attestation root (%s), not verifies as written",
                         why);
            return KSSIM_VERIFICATION_FAILED;
        }
    }
    const char *key_of = runner_text(step, SCENARIO_KEY_LEAF_KEY_OF);
    if (key_of == NULL)
        return KSSIM_OK;
    uint8_t *expected = NULL;
    size_t expected_len = 0;
    kssim_result r = kssim_export_public(context->device, key_of, &expected, &expected_len);
    if (r != KSSIM_OK)
        return r;
    const unsigned char *p = chain;
    X509 *leaf = d2i_X509(NULL, &p, (long)chain_len);
    unsigned char *spki = NULL;
    int spki_len = leaf != NULL ? i2d_X509_PUBKEY(X509_get_X509_PUBKEY(leaf), &spki) : -1;
    bool same = spki_len > 0 && (size_t)spki_len == expected_len && memcmp(spki, expected, expected_len) == 0;
    OPENSSL_free(spki);
    X509_free(leaf);
    kssim_free(expected);
    if (!same) {
        snprintf(context->note, sizeof(context->note),
                 "the leaf certifies another public key than %s's: this attestation is about another key", key_of);
        return KSSIM_VERIFICATION_FAILED;
    }
    return KSSIM_OK;
}

kssim_result runner_step_expect_attestation(runner_context *context, const scenario_step *step)
{
    uint8_t *chain = NULL, *description = NULL;
    size_t chain_len = 0, count = 0, description_len = 0;
    const char *alias = runner_text(step, SCENARIO_KEY_ALIAS);
    const scenario_arg *attack = scenario_step_find(step, SCENARIO_KEY_ATTACK);
    kssim_result r =
        attack != NULL
            ? kssim_attestation_attack_chain(context->device, alias, (kssim_attestation_attack)attack->number,
                                             runner_text(step, SCENARIO_KEY_FROM), &chain, &chain_len, &count)
            : kssim_attestation_chain(context->device, alias, &chain, &chain_len, &count);
    if (r != KSSIM_OK)
        return r;
    r = check_chain(context, step, chain, chain_len);
    if (r != KSSIM_OK) {
        kssim_free(chain);
        return r;
    }
    attestation_fields fields;
    if (!leaf_key_description(chain, chain_len, &description, &description_len) ||
        !read_key_description(description, description_len, &fields)) {
        snprintf(context->note, sizeof(context->note),
                 "the leaf certificate has no readable KeyDescription extension (%s)", ATTESTATION_OID);
        r = KSSIM_VERIFICATION_FAILED;
    } else {
        r = compare(context, step, &fields);
    }
    free(description);
    kssim_free(chain);
    return r;
}
