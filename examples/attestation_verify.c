/*
 * attestation_verify.c - a backend's check of an Android key attestation (docs/attestation.md): the
 * code a server runs before it registers an app's key, written against OpenSSL 3 alone (no kssim
 * library), so it checks a phone's chain and kssim's chain the same way.
 *
 *   1. the chain (PEM, leaf first, as KeyStore.getCertificateChain and `kssim attestation ALIAS` give
 *      it) must lead to one of the trusted roots (PEM): X509_verify_cert with the chain's other
 *      certificates as untrusted, every validity period checked at the verification time except the
 *      leaf's, which the device sets itself (Google's verifier skips it too: it comes from the app's
 *      CERTIFICATE_NOT_BEFORE/NOT_AFTER or a default such as 1970..2048);
 *   2. the KeyDescription extension (1.3.6.1.4.1.11129.2.1.17) exactly once, in the leaf only: one in
 *      any other certificate is the "chain extended with a fake attestation" attack;
 *   3. the KeyDescription decoded with this file's own DER walk (below), then the policy: security
 *      level, challenge, the leaf's public key, that the record's algorithm, curve and size describe the
 *      leaf's key, and the auth policy read from hardwareEnforced.
 *
 * Usage: attestation_verify --chain CHAIN.pem --root ROOT.pem (--challenge TEXT | --challenge-hex HEX)
 *            [--security-level tee|strongbox] [--require biometric-strong|per-operation|
 *            unlocked-device|invalidated-by-enrollment]... [--expect-public-key KEY.pem]
 *            [--expect-app-digest HEX] [--at YYYY-MM-DDTHH:MM:SSZ|EPOCH_SECONDS] [--show]
 * Output: "accepted", or "refused: FIELD: why" (one line); --show prints the decoded fields first.
 * Exit status: 0 accepted; 1 refused; 2 usage or unreadable input.
 */
#define _DEFAULT_SOURCE /* timegm */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#define EXIT_REFUSED 1
#define EXIT_USAGE   2

#define KEY_DESCRIPTION_OID "1.3.6.1.4.1.11129.2.1.17"

/* KeyMint's SecurityLevel as the KeyDescription encodes it (ENUMERATED). */
enum { SECURITY_LEVEL_SOFTWARE = 0, SECURITY_LEVEL_TEE = 1, SECURITY_LEVEL_STRONGBOX = 2 };

/* HardwareAuthenticatorType bits in userAuthType (tag 504). FINGERPRINT stands for every strong
 * (class 3) biometric: KeyMint only ever sees tokens from those. */
#define AUTH_TYPE_PASSWORD    1u
#define AUTH_TYPE_FINGERPRINT 2u

/* The AuthorizationList tags the policy reads (KeyMint Tag numbers without their type bits). */
#define TAG_PURPOSE                        1
#define TAG_ALGORITHM                      2
#define TAG_KEY_SIZE                       3
#define TAG_EC_CURVE                       10
#define TAG_NO_AUTH_REQUIRED               503
#define TAG_USER_AUTH_TYPE                 504
#define TAG_AUTH_TIMEOUT                   505
#define TAG_TRUSTED_USER_PRESENCE_REQUIRED 507
#define TAG_UNLOCKED_DEVICE_REQUIRED       509
#define TAG_ORIGIN                         702
#define TAG_OS_VERSION                     705
#define TAG_OS_PATCH_LEVEL                 706
#define TAG_ATTESTATION_APPLICATION_ID     709

/* One AuthorizationList: where each field's explicit [tag] wrapper starts, for the tags we read. The
 * list is kept as DER and searched, so tags this verifier does not know never make it fail. */
typedef struct authorization_list {
    const unsigned char *der; /* the SEQUENCE's contents */
    long length;
} authorization_list;

typedef struct key_description {
    long attestation_version;
    long attestation_security_level;
    long keymint_version;
    long keymint_security_level;
    const unsigned char *challenge;
    long challenge_length;
    long unique_id_length;
    authorization_list software_enforced;
    authorization_list hardware_enforced;
} key_description;

static int refuse(const char *field, const char *why)
{
    printf("refused: %s: %s\n", field, why);
    return EXIT_REFUSED;
}

static int usage(const char *why)
{
    fprintf(stderr, "attestation_verify: %s\n", why);
    fprintf(stderr, "usage: attestation_verify --chain CHAIN.pem --root ROOT.pem (--challenge TEXT | "
                    "--challenge-hex HEX) [--security-level tee|strongbox] [--require "
                    "biometric-strong|per-operation|unlocked-device|invalidated-by-enrollment]... "
                    "[--expect-public-key KEY.pem] [--expect-app-digest HEX] [--at TIME] [--show]\n");
    return EXIT_USAGE;
}

/* The next DER element at *p (within end): its class and tag, its contents and their length. Only
 * definite lengths: DER has no other. Returns 0 on a malformed element. */
static int next_element(const unsigned char **p, const unsigned char *end, int *tag, int *xclass,
                        const unsigned char **contents, long *length)
{
    const unsigned char *q = *p;
    int flags = ASN1_get_object(&q, length, tag, xclass, end - *p);
    if (flags & 0x80 || flags == 0x21 || *length > end - q)
        return 0;
    *contents = q;
    *p = q + *length;
    return 1;
}

/* A universal INTEGER or ENUMERATED element's value, when it fits a long. */
static int read_small_integer(const unsigned char **p, const unsigned char *end, int universal_tag, long *value)
{
    const unsigned char *contents, *start = *p;
    long length;
    int tag, xclass;
    if (!next_element(p, end, &tag, &xclass, &contents, &length) || xclass != V_ASN1_UNIVERSAL || tag != universal_tag)
        return 0;
    const unsigned char *q = start;
    int64_t wide = 0;
    int ok = 0;
    if (universal_tag == V_ASN1_INTEGER) {
        ASN1_INTEGER *integer = d2i_ASN1_INTEGER(NULL, &q, *p - start);
        ok = integer != NULL && ASN1_INTEGER_get_int64(&wide, integer) == 1;
        ASN1_INTEGER_free(integer);
    } else {
        ASN1_ENUMERATED *enumerated = d2i_ASN1_ENUMERATED(NULL, &q, *p - start);
        ok = enumerated != NULL && ASN1_ENUMERATED_get_int64(&wide, enumerated) == 1;
        ASN1_ENUMERATED_free(enumerated);
    }
    ok = ok && wide >= LONG_MIN && wide <= LONG_MAX;
    *value = (long)wide;
    return ok;
}

static int read_octet_string(const unsigned char **p, const unsigned char *end, const unsigned char **contents,
                             long *length)
{
    int tag, xclass;
    return next_element(p, end, &tag, &xclass, contents, length) && xclass == V_ASN1_UNIVERSAL &&
           tag == V_ASN1_OCTET_STRING;
}

static int read_authorization_list(const unsigned char **p, const unsigned char *end, authorization_list *list)
{
    int tag, xclass;
    return next_element(p, end, &tag, &xclass, &list->der, &list->length) && xclass == V_ASN1_UNIVERSAL &&
           tag == V_ASN1_SEQUENCE;
}

/* KeyDescription ::= SEQUENCE { attestationVersion INTEGER, attestationSecurityLevel SecurityLevel,
 * keyMintVersion INTEGER, keyMintSecurityLevel SecurityLevel, attestationChallenge OCTET STRING,
 * uniqueId OCTET STRING, softwareEnforced AuthorizationList, hardwareEnforced AuthorizationList }:
 * the same eight fields from Keymaster 2 (version 1) to KeyMint 300, only renamed. */
static int decode_key_description(const unsigned char *der, long der_length, key_description *out)
{
    const unsigned char *p = der, *end = der + der_length, *contents;
    long length;
    int tag, xclass;
    if (!next_element(&p, end, &tag, &xclass, &contents, &length) || tag != V_ASN1_SEQUENCE || p != end)
        return 0;
    const unsigned char *q = contents, *sequence_end = contents + length, *unique_id;
    memset(out, 0, sizeof(*out));
    return read_small_integer(&q, sequence_end, V_ASN1_INTEGER, &out->attestation_version) &&
           read_small_integer(&q, sequence_end, V_ASN1_ENUMERATED, &out->attestation_security_level) &&
           read_small_integer(&q, sequence_end, V_ASN1_INTEGER, &out->keymint_version) &&
           read_small_integer(&q, sequence_end, V_ASN1_ENUMERATED, &out->keymint_security_level) &&
           read_octet_string(&q, sequence_end, &out->challenge, &out->challenge_length) &&
           read_octet_string(&q, sequence_end, &unique_id, &out->unique_id_length) &&
           read_authorization_list(&q, sequence_end, &out->software_enforced) &&
           read_authorization_list(&q, sequence_end, &out->hardware_enforced);
}

/* The field with this [tag] in the list: its explicit wrapper's contents (the inner element). Returns
 * 0 when absent, -1 when the list is malformed or holds the tag twice (a forged list could otherwise
 * show the verifier one value and another parser the other). */
static int find_field(const authorization_list *list, int wanted, const unsigned char **inner, long *inner_length)
{
    const unsigned char *p = list->der, *end = list->der + list->length, *contents;
    long length;
    int tag, xclass, found = 0;
    while (p < end) {
        if (!next_element(&p, end, &tag, &xclass, &contents, &length) || xclass != V_ASN1_CONTEXT_SPECIFIC)
            return -1;
        if (tag == wanted) {
            if (found)
                return -1;
            found = 1;
            *inner = contents;
            *inner_length = length;
        }
    }
    return found;
}

/* An INTEGER field's value: 1 present, 0 absent, -1 malformed. */
static int integer_field(const authorization_list *list, int wanted, long *value)
{
    const unsigned char *inner;
    long length;
    int found = find_field(list, wanted, &inner, &length);
    if (found <= 0)
        return found;
    const unsigned char *p = inner;
    return read_small_integer(&p, inner + length, V_ASN1_INTEGER, value) && p == inner + length ? 1 : -1;
}

/* A NULL (boolean "present") field: 1 present, 0 absent, -1 malformed. */
static int null_field(const authorization_list *list, int wanted)
{
    const unsigned char *inner, *contents;
    long length, null_length;
    int tag, xclass;
    int found = find_field(list, wanted, &inner, &length);
    if (found <= 0)
        return found;
    const unsigned char *p = inner;
    return next_element(&p, inner + length, &tag, &xclass, &contents, &null_length) && tag == V_ASN1_NULL &&
                   null_length == 0 && p == inner + length
               ? 1
               : -1;
}

static const char *security_level_name(long level)
{
    switch (level) {
    case SECURITY_LEVEL_SOFTWARE:
        return "software";
    case SECURITY_LEVEL_TEE:
        return "tee";
    case SECURITY_LEVEL_STRONGBOX:
        return "strongbox";
    default:
        return "unknown";
    }
}

static void show_integer(const char *list_name, const authorization_list *list, int tag, const char *name)
{
    long value;
    if (integer_field(list, tag, &value) == 1)
        printf("%s.%s: %ld\n", list_name, name, value);
}

static void show_null(const char *list_name, const authorization_list *list, int tag, const char *name)
{
    if (null_field(list, tag) == 1)
        printf("%s.%s: true\n", list_name, name);
}

static void show(const key_description *description)
{
    printf("attestationVersion: %ld\n", description->attestation_version);
    printf("attestationSecurityLevel: %s\n", security_level_name(description->attestation_security_level));
    printf("keyMintVersion: %ld\n", description->keymint_version);
    printf("keyMintSecurityLevel: %s\n", security_level_name(description->keymint_security_level));
    printf("attestationChallenge: %ld bytes\n", description->challenge_length);
    const struct {
        const char *name;
        const authorization_list *list;
    } lists[] = {{"softwareEnforced", &description->software_enforced},
                 {"hardwareEnforced", &description->hardware_enforced}};
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        show_integer(lists[i].name, lists[i].list, TAG_ALGORITHM, "algorithm");
        show_integer(lists[i].name, lists[i].list, TAG_KEY_SIZE, "keySize");
        show_integer(lists[i].name, lists[i].list, TAG_EC_CURVE, "ecCurve");
        show_null(lists[i].name, lists[i].list, TAG_NO_AUTH_REQUIRED, "noAuthRequired");
        show_integer(lists[i].name, lists[i].list, TAG_USER_AUTH_TYPE, "userAuthType");
        show_integer(lists[i].name, lists[i].list, TAG_AUTH_TIMEOUT, "authTimeout");
        show_null(lists[i].name, lists[i].list, TAG_TRUSTED_USER_PRESENCE_REQUIRED, "trustedUserPresenceRequired");
        show_null(lists[i].name, lists[i].list, TAG_UNLOCKED_DEVICE_REQUIRED, "unlockedDeviceRequired");
        show_integer(lists[i].name, lists[i].list, TAG_ORIGIN, "origin");
        show_integer(lists[i].name, lists[i].list, TAG_OS_VERSION, "osVersion");
        show_integer(lists[i].name, lists[i].list, TAG_OS_PATCH_LEVEL, "osPatchLevel");
    }
}

/* Every certificate of a PEM file, in order. */
static STACK_OF(X509) * read_certificates(const char *path)
{
    FILE *file = fopen(path, "r");
    if (file == NULL)
        return NULL;
    STACK_OF(X509) *certificates = sk_X509_new_null();
    X509 *certificate;
    while (certificates != NULL && (certificate = PEM_read_X509(file, NULL, NULL, NULL)) != NULL)
        if (!sk_X509_push(certificates, certificate))
            X509_free(certificate);
    ERR_clear_error(); /* the end of the file reads as an error */
    fclose(file);
    if (certificates != NULL && sk_X509_num(certificates) == 0) {
        sk_X509_free(certificates);
        return NULL;
    }
    return certificates;
}

/* The leaf's validity is the device's own claim (KeyMint writes CERTIFICATE_NOT_BEFORE/NOT_AFTER or
 * defaults such as 1970..2048), so its time errors are forgiven; every other certificate's are not. */
static int forgive_leaf_validity(int ok, X509_STORE_CTX *context)
{
    int error = X509_STORE_CTX_get_error(context);
    if (!ok && X509_STORE_CTX_get_error_depth(context) == 0 &&
        (error == X509_V_ERR_CERT_HAS_EXPIRED || error == X509_V_ERR_CERT_NOT_YET_VALID))
        return 1;
    return ok;
}

/* "2024-09-27T00:00:00Z" or "20240927000000Z" or seconds since 1970. */
static int parse_time(const char *text, time_t *out)
{
    char *end;
    long long seconds = strtoll(text, &end, 10);
    if (*text != '\0' && *end == '\0') {
        *out = (time_t)seconds;
        return 1;
    }
    char compact[32];
    size_t n = 0;
    for (const char *c = text; *c != '\0' && n + 1 < sizeof(compact); c++)
        if (*c != '-' && *c != ':' && *c != 'T')
            compact[n++] = *c;
    compact[n] = '\0';
    ASN1_TIME *asn1 = ASN1_TIME_new();
    struct tm tm;
    int ok = asn1 != NULL && ASN1_TIME_set_string(asn1, compact) == 1 && ASN1_TIME_to_tm(asn1, &tm);
    ASN1_TIME_free(asn1);
    if (ok)
        *out = timegm(&tm);
    return ok;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

typedef struct policy {
    const char *chain_path, *root_path, *public_key_path;
    unsigned char challenge[1024];
    size_t challenge_length;
    int challenge_given;
    long security_level; /* -1: tee or strongbox */
    int biometric_strong, per_operation, unlocked_device, invalidated_by_enrollment;
    int at_given, show;
    time_t at;
    unsigned char app_digest[64]; /* --expect-app-digest: the app's signing-certificate digest */
    size_t app_digest_length;
    int app_digest_given;
} policy;

static int parse_arguments(int argc, char **argv, policy *policy)
{
    memset(policy, 0, sizeof(*policy));
    policy->security_level = -1;
    for (int i = 1; i < argc; i++) {
        const char *option = argv[i];
        if (strcmp(option, "--show") == 0) {
            policy->show = 1;
            continue;
        }
        if (i + 1 >= argc)
            return usage("every option but --show takes a value");
        const char *value = argv[++i];
        if (strcmp(option, "--chain") == 0)
            policy->chain_path = value;
        else if (strcmp(option, "--root") == 0)
            policy->root_path = value;
        else if (strcmp(option, "--expect-public-key") == 0)
            policy->public_key_path = value;
        else if (strcmp(option, "--challenge") == 0) {
            size_t length = strlen(value);
            if (length > sizeof(policy->challenge))
                return usage("the challenge is longer than 1024 bytes");
            memcpy(policy->challenge, value, length);
            policy->challenge_length = length;
            policy->challenge_given = 1;
        } else if (strcmp(option, "--challenge-hex") == 0) {
            size_t length = strlen(value);
            if (length % 2 != 0 || length / 2 > sizeof(policy->challenge))
                return usage("--challenge-hex wants an even number of hex digits, at most 2048");
            for (size_t k = 0; k < length / 2; k++) {
                int high = hex_value(value[2 * k]), low = hex_value(value[2 * k + 1]);
                if (high < 0 || low < 0)
                    return usage("--challenge-hex wants hex digits only");
                policy->challenge[k] = (unsigned char)(high * 16 + low);
            }
            policy->challenge_length = length / 2;
            policy->challenge_given = 1;
        } else if (strcmp(option, "--expect-app-digest") == 0) {
            size_t length = strlen(value);
            if (length == 0 || length % 2 != 0 || length / 2 > sizeof(policy->app_digest))
                return usage("--expect-app-digest wants an even number of hex digits, at most 128");
            for (size_t k = 0; k < length / 2; k++) {
                int high = hex_value(value[2 * k]), low = hex_value(value[2 * k + 1]);
                if (high < 0 || low < 0)
                    return usage("--expect-app-digest wants hex digits only");
                policy->app_digest[k] = (unsigned char)(high * 16 + low);
            }
            policy->app_digest_length = length / 2;
            policy->app_digest_given = 1;
        } else if (strcmp(option, "--security-level") == 0) {
            if (strcmp(value, "tee") == 0)
                policy->security_level = SECURITY_LEVEL_TEE;
            else if (strcmp(value, "strongbox") == 0)
                policy->security_level = SECURITY_LEVEL_STRONGBOX;
            else
                return usage("--security-level is tee or strongbox (software is never accepted)");
        } else if (strcmp(option, "--require") == 0) {
            if (strcmp(value, "biometric-strong") == 0)
                policy->biometric_strong = 1;
            else if (strcmp(value, "per-operation") == 0)
                policy->per_operation = 1;
            else if (strcmp(value, "unlocked-device") == 0)
                policy->unlocked_device = 1;
            else if (strcmp(value, "invalidated-by-enrollment") == 0)
                policy->invalidated_by_enrollment = 1;
            else
                return usage("--require is biometric-strong, per-operation, unlocked-device or "
                             "invalidated-by-enrollment");
        } else if (strcmp(option, "--at") == 0) {
            if (!parse_time(value, &policy->at))
                return usage("--at wants YYYY-MM-DDTHH:MM:SSZ or seconds since 1970");
            policy->at_given = 1;
        } else
            return usage("unknown option");
    }
    if (policy->chain_path == NULL || policy->root_path == NULL)
        return usage("--chain and --root are required");
    if (!policy->challenge_given)
        return usage("the expected challenge is required: a backend checks the one it issued");
    return 0;
}

/* Steps 1 and 2: the chain to a trusted root, and the extension where it belongs. Returns 0 or a
 * refusal's exit status. */
static int check_chain(const policy *policy, STACK_OF(X509) * chain, STACK_OF(X509) * roots,
                       const unsigned char **extension_der, long *extension_length)
{
    ASN1_OBJECT *oid = OBJ_txt2obj(KEY_DESCRIPTION_OID, 1);
    X509 *leaf = sk_X509_value(chain, 0);
    int status = 0;
    for (int i = 1; i < sk_X509_num(chain) && status == 0; i++)
        if (X509_get_ext_by_OBJ(sk_X509_value(chain, i), oid, -1) >= 0)
            status = refuse("chain", "a certificate after the leaf carries a KeyDescription: the "
                                     "chain was extended to pass off another key's attestation");
    int position = status == 0 ? X509_get_ext_by_OBJ(leaf, oid, -1) : -1;
    if (status == 0 && position < 0)
        status = refuse("KeyDescription",
                        "the leaf has no extension " KEY_DESCRIPTION_OID ": it is not an attestation certificate");
    if (status == 0 && X509_get_ext_by_OBJ(leaf, oid, position) >= 0)
        status = refuse("KeyDescription", "the leaf carries the extension twice: which one a parser "
                                          "reads is not defined");
    ASN1_OBJECT_free(oid);
    if (status != 0)
        return status;
    ASN1_OCTET_STRING *data = X509_EXTENSION_get_data(X509_get_ext(leaf, position));
    *extension_der = ASN1_STRING_get0_data(data);
    *extension_length = ASN1_STRING_length(data);

    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *context = X509_STORE_CTX_new();
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    for (int i = 1; i < sk_X509_num(chain); i++)
        sk_X509_push(untrusted, sk_X509_value(chain, i));
    for (int i = 0; i < sk_X509_num(roots); i++)
        X509_STORE_add_cert(store, sk_X509_value(roots, i));
    X509_STORE_set_verify_cb(store, forgive_leaf_validity);
    if (X509_STORE_CTX_init(context, store, leaf, untrusted) != 1)
        status = refuse("chain", "OpenSSL could not set up the verification");
    else {
        if (policy->at_given)
            X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(context), policy->at);
        if (X509_verify_cert(context) != 1) {
            char why[512];
            snprintf(why, sizeof(why),
                     "does not verify to the given root (%s at depth %d): pin the device maker's "
                     "root (Google's in production, `kssim attestation-root` for the simulator)",
                     X509_verify_cert_error_string(X509_STORE_CTX_get_error(context)),
                     X509_STORE_CTX_get_error_depth(context));
            status = refuse("chain", why);
        }
    }
    sk_X509_free(untrusted);
    X509_STORE_CTX_free(context);
    X509_STORE_free(store);
    return status;
}

/* Step 3's auth policy, read from hardwareEnforced only: a field in softwareEnforced is enforced by
 * Android's Keystore, which a rooted OS can bypass, so it proves nothing to a server. */
static int check_auth_policy(const policy *policy, const key_description *description)
{
    const authorization_list *hardware = &description->hardware_enforced;
    long user_auth_type = 0, auth_timeout = 0;
    int has_auth_type = integer_field(hardware, TAG_USER_AUTH_TYPE, &user_auth_type);
    int has_timeout = integer_field(hardware, TAG_AUTH_TIMEOUT, &auth_timeout);
    int no_auth = null_field(hardware, TAG_NO_AUTH_REQUIRED);
    if (has_auth_type < 0 || has_timeout < 0 || no_auth < 0)
        return refuse("hardwareEnforced", "a field is malformed or appears twice");
    if ((policy->biometric_strong || policy->per_operation) && no_auth == 1)
        return refuse("hardwareEnforced.noAuthRequired",
                      "the key can be used without the user: generate it with user authentication");
    if (policy->biometric_strong) {
        if (has_auth_type == 0)
            return refuse("hardwareEnforced.userAuthType",
                          integer_field(&description->software_enforced, TAG_USER_AUTH_TYPE, &user_auth_type) == 1
                              ? "only in softwareEnforced: the secure hardware does not enforce it"
                              : "absent: the key needs no user authentication");
        if (!((unsigned long)user_auth_type & AUTH_TYPE_FINGERPRINT))
            return refuse("hardwareEnforced.userAuthType",
                          "does not include biometric (FINGERPRINT, 2): generate the key with "
                          "AUTH_BIOMETRIC_STRONG");
        if ((unsigned long)user_auth_type & AUTH_TYPE_PASSWORD)
            return refuse("hardwareEnforced.userAuthType",
                          "also accepts the device credential (PASSWORD, 1): the PIN alone unlocks "
                          "it; generate the key with AUTH_BIOMETRIC_STRONG only");
    }
    if (policy->per_operation) {
        if (has_auth_type == 0)
            return refuse("hardwareEnforced.userAuthType",
                          "absent: a per-operation key must require user authentication");
        if (has_timeout == 1 && auth_timeout != 0) {
            char why[160];
            snprintf(why, sizeof(why),
                     "is %ld seconds: one authentication unlocks the key for that long; generate "
                     "it with timeout 0 (per operation)",
                     auth_timeout);
            return refuse("hardwareEnforced.authTimeout", why);
        }
    }
    if (policy->unlocked_device) {
        /* Since KeyMint (Android 12) the OS's Keystore enforces this tag, so it is attested in
         * softwareEnforced there; Keymaster 4 devices enforced it in hardware. Either list counts,
         * and docs/attestation.md says what that proves. */
        int hardware_unlocked = null_field(hardware, TAG_UNLOCKED_DEVICE_REQUIRED);
        int software_unlocked = null_field(&description->software_enforced, TAG_UNLOCKED_DEVICE_REQUIRED);
        if (hardware_unlocked < 0 || software_unlocked < 0)
            return refuse("unlockedDeviceRequired", "malformed or appears twice");
        if (hardware_unlocked != 1 && software_unlocked != 1)
            return refuse("unlockedDeviceRequired", "absent: generate the key with setUnlockedDeviceRequired(true)");
    }
    if (policy->invalidated_by_enrollment)
        return refuse("invalidated-by-enrollment",
                      "not attestable: the KeyDescription has no field for it (the biometric "
                      "secure IDs a key is bound to, USER_SECURE_ID, are not in the "
                      "AuthorizationList), so no attestation can prove it; drop the requirement");
    return 0;
}

static int check_public_key(const policy *policy, X509 *leaf)
{
    FILE *file = fopen(policy->public_key_path, "r");
    if (file == NULL)
        return usage("cannot read --expect-public-key");
    EVP_PKEY *expected = PEM_read_PUBKEY(file, NULL, NULL, NULL);
    fclose(file);
    if (expected == NULL)
        return usage("--expect-public-key holds no PEM public key");
    int same = EVP_PKEY_eq(expected, X509_get0_pubkey(leaf)) == 1;
    EVP_PKEY_free(expected);
    return same ? 0
                : refuse("leaf public key", "is not the expected key: this attestation is about "
                                            "another key");
}

/* The leaf's key as the record describes it: hardwareEnforced algorithm (1 RSA, 3 EC), ecCurve and
 * keySize must fit the SubjectPublicKeyInfo. A KeyDescription copied from a key of another kind, even
 * into a leaf the attestation key signed, does not describe the key it sits beside. Fields that are
 * absent are not checked (a Keymaster 2 record may lack some). */
static int check_record_describes_leaf(const key_description *description, X509 *leaf)
{
    static const char *const curves[] = {"P-224", "P-256", "P-384", "P-521"};
    static const int curve_bits[] = {224, 256, 384, 521};
    EVP_PKEY *key = X509_get0_pubkey(leaf);
    long algorithm = 0, curve = -1, size = 0;
    int has_algorithm = integer_field(&description->hardware_enforced, TAG_ALGORITHM, &algorithm);
    int has_curve = integer_field(&description->hardware_enforced, TAG_EC_CURVE, &curve);
    int has_size = integer_field(&description->hardware_enforced, TAG_KEY_SIZE, &size);
    if (key == NULL || has_algorithm < 0 || has_curve < 0 || has_size < 0)
        return refuse("hardwareEnforced", "the key's algorithm, size or curve is malformed or appears twice");
    const char *why = "does not describe the leaf's public key: the record was made for another key (a copied "
                      "KeyDescription)";
    int is_rsa = EVP_PKEY_is_a(key, "RSA"), is_ec = EVP_PKEY_is_a(key, "EC");
    int is_25519 = EVP_PKEY_is_a(key, "ED25519") || EVP_PKEY_is_a(key, "X25519");
    if (has_algorithm && !((algorithm == 1 && is_rsa) || (algorithm == 3 && (is_ec || is_25519))))
        return refuse("hardwareEnforced.algorithm", why);
    if (has_curve && is_ec) {
        char group[32] = "";
        size_t group_length = 0;
        if (curve < 0 || curve > 3 ||
            !EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof(group), &group_length) ||
            (strcmp(group, curves[curve]) != 0 && EVP_PKEY_get_bits(key) != curve_bits[curve]))
            return refuse("hardwareEnforced.ecCurve", why);
    }
    if (has_curve && is_25519 && curve != 4)
        return refuse("hardwareEnforced.ecCurve", why);
    if (has_size && (is_rsa || is_ec) && size != EVP_PKEY_get_bits(key))
        return refuse("hardwareEnforced.keySize", why);
    return 0;
}

/* --expect-app-digest: softwareEnforced.attestationApplicationId [709] is an OCTET STRING holding
 * AttestationApplicationId ::= SEQUENCE { package_infos SET OF AttestationPackageInfo, signature_digests
 * SET OF OCTET_STRING }; one of the signature digests must be the one the backend knows for its app (the
 * SHA-256 of the app's signing certificate), or another app made the key. keystore adds the field, so it
 * is in softwareEnforced. */
static int check_app_digest(const policy *policy, const key_description *description)
{
    const unsigned char *inner, *id, *sequence, *infos, *digests, *digest;
    long inner_length, id_length, sequence_length, infos_length, digests_length, digest_length;
    int tag, xclass;
    int found = find_field(&description->software_enforced, TAG_ATTESTATION_APPLICATION_ID, &inner, &inner_length);
    if (found == 0)
        return refuse("softwareEnforced.attestationApplicationId", "is absent: the record does not say which app "
                                                                   "made the key");
    const unsigned char *p = inner, *end = inner + inner_length;
    if (found < 0 || !read_octet_string(&p, end, &id, &id_length))
        return refuse("softwareEnforced.attestationApplicationId", "does not decode");
    p = id;
    end = id + id_length;
    if (!next_element(&p, end, &tag, &xclass, &sequence, &sequence_length) || tag != V_ASN1_SEQUENCE)
        return refuse("softwareEnforced.attestationApplicationId", "does not decode as AttestationApplicationId");
    p = sequence;
    end = sequence + sequence_length;
    if (!next_element(&p, end, &tag, &xclass, &infos, &infos_length) || tag != V_ASN1_SET ||
        !next_element(&p, end, &tag, &xclass, &digests, &digests_length) || tag != V_ASN1_SET)
        return refuse("softwareEnforced.attestationApplicationId", "does not decode as AttestationApplicationId");
    p = digests;
    end = digests + digests_length;
    while (p < end) {
        if (!read_octet_string(&p, end, &digest, &digest_length))
            return refuse("softwareEnforced.attestationApplicationId", "a signature digest is not an OCTET STRING");
        if ((size_t)digest_length == policy->app_digest_length &&
            CRYPTO_memcmp(digest, policy->app_digest, policy->app_digest_length) == 0)
            return 0;
    }
    return refuse("softwareEnforced.attestationApplicationId", "has no signature digest equal to the expected one: "
                                                               "another app (or another signing key) made the key");
}

int main(int argc, char **argv)
{
    policy policy;
    int status = parse_arguments(argc, argv, &policy);
    if (status != 0)
        return status;
    STACK_OF(X509) *chain = read_certificates(policy.chain_path);
    STACK_OF(X509) *roots = read_certificates(policy.root_path);
    if (chain == NULL || roots == NULL) {
        sk_X509_pop_free(chain, X509_free);
        sk_X509_pop_free(roots, X509_free);
        return usage("cannot read a PEM certificate from --chain or --root");
    }
    const unsigned char *extension_der = NULL;
    long extension_length = 0;
    key_description description;
    status = check_chain(&policy, chain, roots, &extension_der, &extension_length);
    if (status == 0 && !decode_key_description(extension_der, extension_length, &description))
        status = refuse("KeyDescription", "does not decode as the KeyDescription schema");
    if (status == 0 && policy.show)
        show(&description);
    if (status == 0 &&
        (description.attestation_security_level == SECURITY_LEVEL_SOFTWARE ||
         (policy.security_level >= 0 && description.attestation_security_level != policy.security_level))) {
        char why[160];
        snprintf(why, sizeof(why), "is %s, the policy wants %s",
                 security_level_name(description.attestation_security_level),
                 policy.security_level >= 0 ? security_level_name(policy.security_level) : "tee or strongbox");
        status = refuse("attestationSecurityLevel", why);
    }
    if (status == 0 && description.keymint_security_level != description.attestation_security_level)
        status = refuse("keyMintSecurityLevel", "differs from attestationSecurityLevel: the key is "
                                                "not held where the attestation was made");
    if (status == 0 && ((size_t)description.challenge_length != policy.challenge_length ||
                        CRYPTO_memcmp(description.challenge, policy.challenge, policy.challenge_length) != 0))
        status = refuse("attestationChallenge", "is not the challenge this server issued: a "
                                                "replayed or foreign attestation");
    if (status == 0 && policy.public_key_path != NULL)
        status = check_public_key(&policy, sk_X509_value(chain, 0));
    if (status == 0)
        status = check_record_describes_leaf(&description, sk_X509_value(chain, 0));
    if (status == 0)
        status = check_auth_policy(&policy, &description);
    if (status == 0 && policy.app_digest_given)
        status = check_app_digest(&policy, &description);
    if (status == 0)
        printf("accepted\n");
    sk_X509_pop_free(chain, X509_free);
    sk_X509_pop_free(roots, X509_free);
    return status;
}
