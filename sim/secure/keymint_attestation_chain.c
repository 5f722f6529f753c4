/*
 * keymint_attestation_chain.c - the attestation certificate chain: the key's leaf certificate carrying
 * the KeyDescription, an intermediate, and the device's attestation root.
 *
 * A real device's attestation keys are provisioned at the factory (or by RKP) and never change; the
 * simulator derives its two from the device key, which the seeded DRBG made at first power-on and the
 * secure world's image keeps, so no image field is added and the root is one per device and per seed.
 * Certificates are made with OpenSSL's X509 API in the simulator's library context: ECDSA's nonces come
 * from the seeded DRBG, so the whole chain is a function of the seed and the calls before it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/private_key.h"
#include "secure/keymint_attestation.h"
#include "secure/keymint_internal.h"

#define ROOT_SUBJECT_CN         "kssim test attestation root (not Google)"
#define INTERMEDIATE_SUBJECT_CN "kssim test attestation intermediate"
/* KeyMint's leaf subject when the caller sets no CERTIFICATE_SUBJECT, and its default CERTIFICATE_SERIAL. */
#define LEAF_SUBJECT_CN "Android Keystore Key"
#define LEAF_SERIAL     1

void sim_attestation_chain_free(sim_attestation_chain *chain)
{
    for (size_t i = 0; i < SIM_ATTESTATION_CHAIN_LENGTH; i++) {
        free(chain->certificates[i]);
        chain->certificates[i] = NULL;
        chain->lengths[i] = 0;
    }
}

/* A P-256 key whose scalar is HMAC-SHA-256(device key, label || counter), the first counter giving a
 * scalar in [1, n-1]; its public point computed from it. NULL on failure. */
EVP_PKEY *sim_attestation_derive_key(sim_secure_world *sw, const char *label)
{
    OSSL_LIB_CTX *libctx = sw->env->crypto.libctx;
    EC_GROUP *group = EC_GROUP_new_by_curve_name_ex(libctx, NULL, NID_X9_62_prime256v1);
    BIGNUM *scalar = BN_secure_new();
    EC_POINT *point = group != NULL ? EC_POINT_new(group) : NULL;
    OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *key = NULL;
    uint8_t public_point[65];
    bool ok = group != NULL && scalar != NULL && point != NULL && builder != NULL;
    size_t label_len = strlen(label);
    uint8_t message[64];
    ok = ok && label_len + 1 <= sizeof(message);
    for (uint8_t counter = 0; ok; counter++) {
        uint8_t candidate[32];
        memcpy(message, label, label_len);
        message[label_len] = counter;
        ok = sim_hmac_sha256(&sw->env->crypto, sw->device_key, sizeof(sw->device_key), message, label_len + 1,
                             candidate) == 0 &&
             BN_bin2bn(candidate, sizeof(candidate), scalar) != NULL;
        OPENSSL_cleanse(candidate, sizeof(candidate));
        if (ok && !BN_is_zero(scalar) && BN_cmp(scalar, EC_GROUP_get0_order(group)) < 0)
            break;
        ok = ok && counter < 16; /* each round fails with probability 2^-32 */
    }
    ok = ok && EC_POINT_mul(group, point, scalar, NULL, NULL, NULL) == 1 &&
         EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED, public_point, sizeof(public_point), NULL) ==
             sizeof(public_point);
    ok = ok && OSSL_PARAM_BLD_push_utf8_string(builder, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) == 1 &&
         OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_PRIV_KEY, scalar) == 1 &&
         OSSL_PARAM_BLD_push_octet_string(builder, OSSL_PKEY_PARAM_PUB_KEY, public_point, sizeof(public_point)) == 1;
    ok = ok && (params = OSSL_PARAM_BLD_to_param(builder)) != NULL &&
         (ctx = EVP_PKEY_CTX_new_from_name(libctx, "EC", NULL)) != NULL && EVP_PKEY_fromdata_init(ctx) == 1 &&
         EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params) == 1;
    if (!ok) {
        EVP_PKEY_free(key);
        key = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(builder);
    EC_POINT_free(point);
    BN_clear_free(scalar);
    EC_GROUP_free(group);
    return key;
}

static X509_NAME *subject_named(const char *common_name, bool with_organization)
{
    X509_NAME *name = X509_NAME_new();
    bool ok = name != NULL;
    if (ok && with_organization)
        ok = X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"kssim", -1, -1, 0) == 1;
    ok =
        ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)common_name, -1, -1, 0) == 1;
    if (!ok) {
        X509_NAME_free(name);
        return NULL;
    }
    return name;
}

static bool add_extension(X509 *cert, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
    X509_EXTENSION *extension = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    bool ok = extension != NULL && X509_add_ext(cert, extension, -1) == 1;
    X509_EXTENSION_free(extension);
    return ok;
}

static bool set_validity(X509 *cert, int64_t not_before_ms, int64_t not_after_ms)
{
    return ASN1_TIME_set(X509_getm_notBefore(cert), (time_t)(not_before_ms / 1000)) != NULL &&
           ASN1_TIME_set(X509_getm_notAfter(cert), (time_t)(not_after_ms / 1000)) != NULL;
}

/* A certificate for public_key, issued by issuer_name and signed with issuer_key (ECDSA with SHA-256). */
typedef struct certificate_plan {
    long serial;
    X509_NAME *subject;
    X509_NAME *issuer;
    EVP_PKEY *public_key;
    EVP_PKEY *issuer_key;
    int64_t not_before_ms, not_after_ms;
    bool authority;
    const char *key_usage; /* for a leaf; NULL for none */
    const uint8_t *description;
    size_t description_len;
} certificate_plan;

static int der_of_certificate(sim_secure_world *sw, const certificate_plan *plan, uint8_t **der, size_t *der_len)
{
    *der = NULL;
    *der_len = 0;
    X509 *cert = X509_new_ex(sw->env->crypto.libctx, NULL);
    bool ok = cert != NULL && X509_set_version(cert, X509_VERSION_3) == 1 &&
              ASN1_INTEGER_set(X509_get_serialNumber(cert), plan->serial) == 1 &&
              X509_set_subject_name(cert, plan->subject) == 1 && X509_set_issuer_name(cert, plan->issuer) == 1 &&
              set_validity(cert, plan->not_before_ms, plan->not_after_ms) &&
              X509_set_pubkey(cert, plan->public_key) == 1;
    if (ok && plan->authority)
        ok = add_extension(cert, NID_basic_constraints, "critical,CA:TRUE") &&
             add_extension(cert, NID_key_usage, "critical,keyCertSign,cRLSign");
    if (ok && plan->key_usage != NULL)
        ok = add_extension(cert, NID_key_usage, plan->key_usage);
    if (ok && plan->description != NULL) {
        ASN1_OBJECT *oid = OBJ_txt2obj(SIM_ATTESTATION_EXTENSION_OID, 1);
        ASN1_OCTET_STRING *value = ASN1_OCTET_STRING_new();
        X509_EXTENSION *extension = NULL;
        ok = oid != NULL && value != NULL &&
             ASN1_OCTET_STRING_set(value, plan->description, (int)plan->description_len) == 1 &&
             (extension = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, value)) != NULL &&
             X509_add_ext(cert, extension, -1) == 1;
        X509_EXTENSION_free(extension);
        ASN1_OCTET_STRING_free(value);
        ASN1_OBJECT_free(oid);
    }
    if (ok) {
        /* The signature's randomness from HMAC(device key, serial, subject's key, extension): the same
         * certificate signs to the same bytes, another one to others, and the device's DRBG does not move. */
        unsigned char *spki = NULL;
        int spki_len = i2d_PUBKEY(plan->public_key, &spki);
        uint8_t seed[32];
        size_t message_len = (spki_len > 0 ? (size_t)spki_len : 0) + plan->description_len + sizeof(long);
        uint8_t *message = spki_len > 0 ? malloc(message_len) : NULL;
        ok = message != NULL;
        if (ok) {
            memcpy(message, &plan->serial, sizeof(long));
            memcpy(message + sizeof(long), spki, (size_t)spki_len);
            if (plan->description_len > 0)
                memcpy(message + sizeof(long) + (size_t)spki_len, plan->description, plan->description_len);
            ok = sim_hmac_sha256(&sw->env->crypto, sw->device_key, sizeof(sw->device_key), message, message_len,
                                 seed) == 0;
        }
        free(message);
        OPENSSL_free(spki);
        if (ok) {
            sim_random_begin_derived_stream(&sw->env->crypto, seed, sizeof(seed));
            ok = X509_sign(cert, plan->issuer_key, EVP_sha256()) > 0;
            sim_random_end_rsa_private_key_use(&sw->env->crypto);
        }
        OPENSSL_cleanse(seed, sizeof(seed));
    }
    unsigned char *encoded = NULL;
    int len = ok ? i2d_X509(cert, &encoded) : -1;
    X509_free(cert);
    if (len <= 0)
        return -1;
    *der = malloc((size_t)len);
    if (*der == NULL) {
        OPENSSL_free(encoded);
        return -1;
    }
    memcpy(*der, encoded, (size_t)len);
    *der_len = (size_t)len;
    OPENSSL_free(encoded);
    return 0;
}

/* The CAs' validity: from the epoch (a scenario's wall clock may start anywhere) to RFC 5280's
 * "no well-defined expiration date", 9999-12-31T23:59:59Z. */
#define AUTHORITY_NOT_BEFORE_MS INT64_C(0)
#define AUTHORITY_NOT_AFTER_MS  INT64_C(253402300799000)

typedef struct attestation_authorities {
    EVP_PKEY *root_key, *intermediate_key;
    X509_NAME *root_name, *intermediate_name;
} attestation_authorities;

static void authorities_free(attestation_authorities *a)
{
    EVP_PKEY_free(a->root_key);
    EVP_PKEY_free(a->intermediate_key);
    X509_NAME_free(a->root_name);
    X509_NAME_free(a->intermediate_name);
    memset(a, 0, sizeof(*a));
}

static bool authorities_load(sim_secure_world *sw, attestation_authorities *a)
{
    memset(a, 0, sizeof(*a));
    a->root_key = sim_attestation_derive_key(sw, "kssim attestation root key");
    a->intermediate_key = sim_attestation_derive_key(sw, SIM_ATTESTATION_INTERMEDIATE_KEY_LABEL);
    a->root_name = subject_named(ROOT_SUBJECT_CN, true);
    a->intermediate_name = subject_named(INTERMEDIATE_SUBJECT_CN, true);
    if (a->root_key == NULL || a->intermediate_key == NULL || a->root_name == NULL || a->intermediate_name == NULL) {
        authorities_free(a);
        return false;
    }
    return true;
}

static int root_certificate(sim_secure_world *sw, const attestation_authorities *a, uint8_t **der, size_t *len)
{
    certificate_plan plan = {.serial = 1,
                             .subject = a->root_name,
                             .issuer = a->root_name,
                             .public_key = a->root_key,
                             .issuer_key = a->root_key,
                             .not_before_ms = AUTHORITY_NOT_BEFORE_MS,
                             .not_after_ms = AUTHORITY_NOT_AFTER_MS,
                             .authority = true};
    return der_of_certificate(sw, &plan, der, len);
}

kssim_result sim_keymint_attestation_root(sim_secure_world *sw, uint8_t **der, size_t *der_len)
{
    attestation_authorities a;
    if (!authorities_load(sw, &a))
        return sim_refuse(sw->env, KSSIM_SYSTEM_ERROR, "the attestation keys could not be derived: out of memory?");
    int failed = root_certificate(sw, &a, der, der_len);
    authorities_free(&a);
    if (failed)
        return sim_refuse(sw->env, KSSIM_SYSTEM_ERROR, "OpenSSL could not make the attestation root certificate");
    return KSSIM_OK;
}

/* KeyMint's leaf keyUsage: digitalSignature for signing keys, keyEncipherment for decryption keys,
 * keyAgreement for agreement keys. */
static const char *leaf_key_usage(const sim_auth_list *auth, char *buffer, size_t size)
{
    bool sign = (auth->purposes & (KSSIM_PURPOSE_SIGN | KSSIM_PURPOSE_VERIFY)) != 0;
    bool decrypt = (auth->purposes & (KSSIM_PURPOSE_DECRYPT | KSSIM_PURPOSE_ENCRYPT)) != 0;
    bool agree = (auth->purposes & KSSIM_PURPOSE_AGREE_KEY) != 0;
    if (!sign && !decrypt && !agree)
        return NULL;
    snprintf(buffer, size, "critical%s%s%s", sign ? ",digitalSignature" : "", decrypt ? ",keyEncipherment" : "",
             agree ? ",keyAgreement" : "");
    return buffer;
}

static void describe_device(sim_secure_world *sw, kssim_security_level level, sim_attestation_device *device)
{
    memset(device, 0, sizeof(*device));
    device->api_level = sw->api_level;
    device->security_level = level;
    static const char boot_key_label[] = "kssim verified boot key";
    static const char boot_hash_label[] = "kssim verified boot hash";
    sim_hmac_sha256(&sw->env->crypto, sw->device_key, sizeof(sw->device_key), (const uint8_t *)boot_key_label,
                    sizeof(boot_key_label) - 1, device->verified_boot_key);
    sim_hmac_sha256(&sw->env->crypto, sw->device_key, sizeof(sw->device_key), (const uint8_t *)boot_hash_label,
                    sizeof(boot_hash_label) - 1, device->verified_boot_hash);
}

/* R-ATTEST-CHALLENGE-LENGTH: a challenge over 128 bytes is INVALID_INPUT_LENGTH.
 * AOSP: hardware/interfaces security/keymint/aidl IKeyMintDevice.aidl generateKey; VTS AttestKeyTest */
kssim_result sim_keymint_attest_key(sim_secure_world *sw, const sim_key_blob *blob,
                                    const sim_attestation_request *request, sim_attestation_chain *chain)
{
    memset(chain, 0, sizeof(*chain));
    /* checked on the length alone, before any byte is read (the caller keeps at most 128 of them) */
    if (request->challenge_len > SIM_ATTESTATION_CHALLENGE_MAX)
        return sim_refuse(sw->env, KSSIM_INVALID_INPUT_LENGTH,
                          "the attestation challenge has %zu bytes; KeyMint takes at most %d: ask the server for a "
                          "challenge of at most %d bytes",
                          request->challenge_len, SIM_ATTESTATION_CHALLENGE_MAX, SIM_ATTESTATION_CHALLENGE_MAX);
    sim_auth_list auth;
    keymint_key_material material = {0};
    kssim_result r = keymint_blob_open(sw, blob, &auth, &material);
    if (r != KSSIM_OK)
        return r;
    if (!keymint_is_asymmetric(auth.algorithm)) {
        keymint_key_material_free(&material);
        return sim_refuse(sw->env, KSSIM_INVALID_ARGUMENT,
                          "KeyMint attests only asymmetric keys (EC, RSA, Ed25519); this is a %s key: generate an "
                          "asymmetric key to get an attestation chain",
                          sim_algorithm_name(auth.algorithm));
    }
    EVP_PKEY *key = sim_private_key_decode(sw->env->crypto.libctx, material.bytes, material.len);
    keymint_key_material_free(&material);
    sim_attestation_device device;
    describe_device(sw, auth.security_level, &device);
    uint8_t *description = NULL;
    size_t description_len = 0;
    attestation_authorities a;
    bool have_authorities = false;
    r = KSSIM_OK;
    if (key == NULL || sim_attestation_key_description(&device, &auth, request, &description, &description_len) != 0 ||
        !(have_authorities = authorities_load(sw, &a)))
        r = sim_refuse(sw->env, KSSIM_SYSTEM_ERROR, "the attestation record could not be made: out of memory?");
    char usage[96];
    int64_t not_after = auth.has_usage_expire ? auth.usage_expire_ms : SIM_ATTESTATION_DEFAULT_NOT_AFTER_MS;
    X509_NAME *leaf_name = r == KSSIM_OK ? subject_named(LEAF_SUBJECT_CN, false) : NULL;
    if (r == KSSIM_OK && leaf_name != NULL) {
        certificate_plan leaf = {.serial = LEAF_SERIAL,
                                 .subject = leaf_name,
                                 .issuer = a.intermediate_name,
                                 .public_key = key,
                                 .issuer_key = a.intermediate_key,
                                 .not_before_ms = request->creation_ms,
                                 .not_after_ms = not_after,
                                 .key_usage = leaf_key_usage(&auth, usage, sizeof(usage)),
                                 .description = description,
                                 .description_len = description_len};
        certificate_plan intermediate = {.serial = 2,
                                         .subject = a.intermediate_name,
                                         .issuer = a.root_name,
                                         .public_key = a.intermediate_key,
                                         .issuer_key = a.root_key,
                                         .not_before_ms = AUTHORITY_NOT_BEFORE_MS,
                                         .not_after_ms = AUTHORITY_NOT_AFTER_MS,
                                         .authority = true};
        if (der_of_certificate(sw, &leaf, &chain->certificates[0], &chain->lengths[0]) != 0 ||
            der_of_certificate(sw, &intermediate, &chain->certificates[1], &chain->lengths[1]) != 0 ||
            root_certificate(sw, &a, &chain->certificates[2], &chain->lengths[2]) != 0)
            r = sim_refuse(sw->env, KSSIM_SYSTEM_ERROR, "OpenSSL could not make the attestation certificates");
    } else if (r == KSSIM_OK) {
        r = sim_refuse(sw->env, KSSIM_SYSTEM_ERROR, "out of memory for the attestation certificate's subject");
    }
    if (r != KSSIM_OK)
        sim_attestation_chain_free(chain);
    X509_NAME_free(leaf_name);
    if (have_authorities)
        authorities_free(&a);
    free(description);
    EVP_PKEY_free(key);
    return r;
}
