/*
 * jws_sign.c - a compact JWS (RFC 7515) signed by a per-operation key through the OpenSSL provider
 * `keystore`, in its two phases, as an app's biometric login signs a server's challenge: the example a
 * backend team runs to get real per-operation signatures for its verifier (docs/jws.md walks through it).
 *
 *   1. the JWS signing input: BASE64URL(header) "." BASE64URL(payload), the header naming the algorithm
 *      the key's curve gives (P-256: ES256, P-384: ES384, P-521: ES512; RFC 7518 section 3.4) and the key;
 *   2. begin: EVP_DigestSignInit_ex on keystore:ALIAS, then the context's keystore-challenge, which
 *      begins the keystore operation (Android: Signature.initSign, then the CryptoObject's operation);
 *   3. the user authenticates, bound to that challenge (Android: BiometricPrompt.authenticate with the
 *      CryptoObject): here another process runs `kssim authenticate-biometric --id 1 --challenge N`, or
 *      this program does it itself with --authenticate;
 *   4. finish: EVP_DigestSign (Android: Signature.update + sign), which the device refuses with
 *      KEY_USER_NOT_AUTHENTICATED unless step 3 happened, so no signature exists without it;
 *   5. the DER signature keystore returns (as Android's Signature does) turned into r || s, the form JWS
 *      carries, and the compact JWS printed.
 *
 * Usage: jws_sign [--authenticate biometric:ID|credential:SECRET] [--provider-path DIR] ALIAS PAYLOAD
 *   PAYLOAD is the payload's text (e.g. a JSON claims set with the server's nonce). Without
 *   --authenticate the program prints "challenge N" on standard output and waits for a line (or the end)
 *   on standard input before it finishes, so the user can authenticate with kssim in between. The JWS
 *   is the last line of standard output. The device is the one kssim uses (KSSIM_DEVICE, ...); the
 *   provider is found in --provider-path, else where OPENSSL_MODULES says.
 * Exit status: 0 signed; 1 refused (the reason on standard error, from the provider's error); 2 usage.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/store.h>

#include <kssim/kssim.h>
#include <kssim/provider.h>

#define EXIT_REFUSED 1
#define EXIT_USAGE   2

/* The JWS algorithm of each curve KeyMint holds: name, digest, and the length of r and of s. */
typedef struct jws_algorithm {
    int bits;        /* the curve's size: P-256, P-384, P-521 */
    const char *alg; /* the header's "alg" */
    const char *digest;
    size_t half; /* bytes of r, and of s, in the JWS signature */
} jws_algorithm;

static const jws_algorithm jws_algorithms[] = {
    {256, "ES256", "SHA256", 32},
    {384, "ES384", "SHA384", 48},
    {521, "ES512", "SHA512", 66},
};

static int refused(const char *what)
{
    /* The provider's error data begins with the device's result name and says what would let it succeed. */
    const char *data = NULL;
    int flags = 0;
    unsigned long error = ERR_peek_last_error_all(NULL, NULL, NULL, &data, &flags);
    const char *reason = error != 0 ? ERR_reason_error_string(error) : NULL;
    fprintf(stderr, "jws_sign: %s: %s\n", what,
            data != NULL && (flags & ERR_TXT_STRING) && data[0] != '\0' ? data
            : reason != NULL                                            ? reason
                                                                        : "failed");
    return EXIT_REFUSED;
}

/* ---- base64url without padding (RFC 7515 section 2) ---- */

static char *base64url(const unsigned char *bytes, size_t length)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *out = malloc(length / 3 * 4 + 5);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < length; i += 3) {
        uint32_t group = (uint32_t)bytes[i] << 16;
        if (i + 1 < length)
            group |= (uint32_t)bytes[i + 1] << 8;
        if (i + 2 < length)
            group |= bytes[i + 2];
        out[o++] = alphabet[(group >> 18) & 63];
        out[o++] = alphabet[(group >> 12) & 63];
        if (i + 1 < length)
            out[o++] = alphabet[(group >> 6) & 63];
        if (i + 2 < length)
            out[o++] = alphabet[group & 63];
    }
    out[o] = '\0';
    return out;
}

/* The alias goes into the header's "kid" as it is: refuse what JSON would need escaped. */
static int is_plain_json_text(const char *text)
{
    for (const unsigned char *c = (const unsigned char *)text; *c != '\0'; c++)
        if (*c < 0x20 || *c == '"' || *c == '\\' || *c >= 0x7f)
            return 0;
    return 1;
}

/* ---- the key, through the provider ---- */

static EVP_PKEY *load_device_key(OSSL_LIB_CTX *libctx, const char *alias)
{
    char uri[KSSIM_ALIAS_MAX + 16];
    snprintf(uri, sizeof(uri), "keystore:%s", alias);
    OSSL_STORE_CTX *store = OSSL_STORE_open_ex(uri, libctx, "?provider=keystore", NULL, NULL, NULL, NULL, NULL);
    if (store == NULL)
        return NULL;
    EVP_PKEY *pkey = NULL;
    while (pkey == NULL && !OSSL_STORE_eof(store)) {
        OSSL_STORE_INFO *info = OSSL_STORE_load(store);
        if (info != NULL && OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
            pkey = OSSL_STORE_INFO_get1_PKEY(info);
        OSSL_STORE_INFO_free(info);
    }
    OSSL_STORE_close(store);
    return pkey;
}

static const jws_algorithm *algorithm_of(EVP_PKEY *pkey)
{
    if (!EVP_PKEY_is_a(pkey, "EC"))
        return NULL;
    int bits = EVP_PKEY_get_bits(pkey);
    for (size_t i = 0; i < sizeof(jws_algorithms) / sizeof(jws_algorithms[0]); i++)
        if (jws_algorithms[i].bits == bits)
            return &jws_algorithms[i];
    return NULL;
}

/* ---- the user, when this program authenticates for them (--authenticate) ---- */

static int authenticate(const char *how, uint64_t challenge)
{
    char location[4096];
    kssim_device *device = NULL;
    if (kssim_device_location(NULL, NULL, location, sizeof(location)) != KSSIM_OK ||
        kssim_device_open(location, NULL, &device) != KSSIM_OK) {
        fprintf(stderr, "jws_sign: cannot open the device: %s\n", kssim_open_error());
        return 0;
    }
    kssim_result result = kssim_device_begin(device);
    if (result == KSSIM_OK) {
        if (strncmp(how, "biometric:", 10) == 0)
            result = kssim_authenticate_biometric(device, (uint32_t)strtoul(how + 10, NULL, 10), challenge, NULL);
        else
            result = kssim_verify_credential(device, how + 11, challenge, NULL);
        /* A failed credential check is recorded too (Gatekeeper's throttling): commit either way. */
        kssim_result committed = kssim_device_commit(device);
        if (result == KSSIM_OK)
            result = committed;
    }
    if (result != KSSIM_OK)
        fprintf(stderr, "jws_sign: authentication: %s: %s\n", kssim_result_name(result), kssim_device_message(device));
    kssim_device_free(device);
    return result == KSSIM_OK;
}

/* ---- DER to r || s (RFC 7518 section 3.4: each half left-padded to the curve's size) ---- */

static int der_to_jws_signature(const unsigned char *der, size_t der_len, size_t half, unsigned char *out)
{
    const unsigned char *cursor = der;
    ECDSA_SIG *signature = d2i_ECDSA_SIG(NULL, &cursor, (long)der_len);
    if (signature == NULL)
        return 0;
    int ok = (size_t)(cursor - der) == der_len &&
             BN_bn2binpad(ECDSA_SIG_get0_r(signature), out, (int)half) == (int)half &&
             BN_bn2binpad(ECDSA_SIG_get0_s(signature), out + half, (int)half) == (int)half;
    ECDSA_SIG_free(signature);
    return ok;
}

static int usage(void)
{
    fprintf(stderr, "usage: jws_sign [--authenticate biometric:ID|credential:SECRET] [--provider-path DIR] "
                    "ALIAS PAYLOAD\n");
    return EXIT_USAGE;
}

/* What one signing holds, freed in one place whatever step stopped it. */
typedef struct jws_signing {
    OSSL_LIB_CTX *libctx;
    OSSL_PROVIDER *keystore, *fallback;
    EVP_PKEY *pkey;
    EVP_MD_CTX *mctx;
    char *header64, *payload64, *input, *signature64;
    unsigned char *der;
} jws_signing;

static void jws_signing_free(jws_signing *signing)
{
    free(signing->signature64);
    free(signing->der);
    free(signing->input);
    free(signing->header64);
    free(signing->payload64);
    EVP_MD_CTX_free(signing->mctx);
    EVP_PKEY_free(signing->pkey);
    /* OpenSSL 3.0 frees a provider at its unload, not with its library context. */
    if (signing->keystore != NULL)
        OSSL_PROVIDER_unload(signing->keystore);
    if (signing->fallback != NULL)
        OSSL_PROVIDER_unload(signing->fallback);
    OSSL_LIB_CTX_free(signing->libctx);
}

/* Steps 1 to 5 (the comment at the top); returns the exit status. */
static int sign_jws(jws_signing *s, const char *alias, const char *payload, const char *how, const char *provider_path)
{
    /* The keystore provider for the device key, the default one for the digest. */
    s->libctx = OSSL_LIB_CTX_new();
    if (s->libctx == NULL ||
        (provider_path != NULL && !OSSL_PROVIDER_set_default_search_path(s->libctx, provider_path)) ||
        (s->keystore = OSSL_PROVIDER_load(s->libctx, "keystore")) == NULL ||
        (s->fallback = OSSL_PROVIDER_load(s->libctx, "default")) == NULL)
        return refused("loading the keystore provider (give --provider-path BUILD_DIR or set OPENSSL_MODULES)");
    s->pkey = load_device_key(s->libctx, alias);
    if (s->pkey == NULL)
        return refused("loading the key");
    const jws_algorithm *algorithm = algorithm_of(s->pkey);
    if (algorithm == NULL) {
        fprintf(stderr,
                "jws_sign: key '%s' is not an ec key on P-256, P-384 or P-521: JWS ES256/384/512 need one "
                "(kssim generate-key ALIAS --algorithm ec --size 256)\n",
                alias);
        return EXIT_USAGE;
    }

    /* 1. The signing input. */
    char header[256 + KSSIM_ALIAS_MAX];
    snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"typ\":\"JWT\",\"kid\":\"%s\"}", algorithm->alg, alias);
    s->header64 = base64url((const unsigned char *)header, strlen(header));
    s->payload64 = base64url((const unsigned char *)payload, strlen(payload));
    if (s->header64 == NULL || s->payload64 == NULL)
        return EXIT_REFUSED;
    size_t input_len = strlen(s->header64) + 1 + strlen(s->payload64);
    s->input = malloc(input_len + 1);
    if (s->input == NULL)
        return EXIT_REFUSED;
    snprintf(s->input, input_len + 1, "%s.%s", s->header64, s->payload64);

    /* 2. Begin: reading the challenge begins the keystore operation. */
    s->mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL; /* owned by mctx */
    if (s->mctx == NULL ||
        EVP_DigestSignInit_ex(s->mctx, &pctx, algorithm->digest, s->libctx, "?provider=keystore", s->pkey, NULL) != 1)
        return refused("beginning the signature");
    uint64_t challenge = 0;
    OSSL_PARAM query[] = {OSSL_PARAM_uint64(KSSIM_PROVIDER_PARAM_CHALLENGE, &challenge), OSSL_PARAM_END};
    if (EVP_PKEY_CTX_get_params(pctx, query) != 1 || !OSSL_PARAM_modified(&query[0]))
        return refused("reading the operation's challenge");

    /* 3. The user authenticates with this challenge: the prompt, here or in another process. */
    printf("challenge %llu\n", (unsigned long long)challenge);
    fflush(stdout);
    if (how != NULL) {
        if (!authenticate(how, challenge))
            return EXIT_REFUSED;
    } else {
        char line[64];
        if (fgets(line, sizeof(line), stdin) == NULL && ferror(stdin))
            return EXIT_USAGE;
    }

    /* 4. Finish. The device refuses it unless step 3 produced a token bound to the challenge; the same
     * context may be finished again after authenticating (include/kssim/provider.h). */
    size_t der_len = 0;
    if (EVP_DigestSign(s->mctx, NULL, &der_len, (const unsigned char *)s->input, input_len) != 1)
        return refused("sizing the signature");
    s->der = malloc(der_len);
    if (s->der == NULL || EVP_DigestSign(s->mctx, s->der, &der_len, (const unsigned char *)s->input, input_len) != 1)
        return refused("signing");

    /* 5. DER to r || s, and the compact JWS. */
    unsigned char raw[132];
    if (!der_to_jws_signature(s->der, der_len, algorithm->half, raw)) {
        fprintf(stderr, "jws_sign: the signature is not a DER ECDSA signature on the key's curve\n");
        return EXIT_REFUSED;
    }
    s->signature64 = base64url(raw, 2 * algorithm->half);
    if (s->signature64 == NULL)
        return EXIT_REFUSED;
    printf("%s.%s\n", s->input, s->signature64);
    return 0;
}

int main(int argc, char **argv)
{
    const char *how = NULL, *provider_path = NULL, *alias = NULL, *payload = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--authenticate") == 0 && i + 1 < argc)
            how = argv[++i];
        else if (strcmp(argv[i], "--provider-path") == 0 && i + 1 < argc)
            provider_path = argv[++i];
        else if (alias == NULL && argv[i][0] != '-')
            alias = argv[i];
        else if (payload == NULL && alias != NULL)
            payload = argv[i];
        else
            return usage();
    }
    if (alias == NULL || payload == NULL)
        return usage();
    if (how != NULL && strncmp(how, "biometric:", 10) != 0 && strncmp(how, "credential:", 11) != 0)
        return usage();
    if (!is_plain_json_text(alias)) {
        fprintf(stderr, "jws_sign: the alias goes into the header's kid: use one without quotes, backslashes or "
                        "control characters\n");
        return EXIT_USAGE;
    }
    jws_signing signing;
    memset(&signing, 0, sizeof(signing));
    int status = sign_jws(&signing, alias, payload, how, provider_path);
    jws_signing_free(&signing);
    return status;
}
