/*
 * keymint_operation_parameters.c - which purposes KeyMint runs for each algorithm, and the digest,
 * padding and block mode an operation gets: the caller's, checked against the key, or the key's own
 * when the caller leaves the parameter at 0.
 *
 * KeyMint refuses a parameter the key was not generated with (keymaster's
 * OperationFactory::GetAndValidateDigest / GetAndValidatePadding, the reference TA's
 * tag::check_begin_params): INCOMPATIBLE_PADDING_MODE, INCOMPATIBLE_DIGEST, INCOMPATIBLE_BLOCK_MODE,
 * checked in that order. Before those, an RSA padding the purpose has no use for (signing with OAEP or
 * PKCS7, decrypting with PSS or PKCS7) is UNSUPPORTED_PADDING_MODE, whatever the key lists, as the TA's
 * check_begin_rsa_params answers before it compares with the key's characteristics. Unlike KeyMint, which wants every
 * parameter spelled out, the simulator fills a 0 with the key's choice (the framework's Cipher/Signature names always
 * carry one): digest:     sha256 when the key allows it, else the key's smallest other digest, else none; none for
 * Ed25519 and for raw RSA (padding none); no digest for AES and for RSA decryption other than OAEP. padding:    RSA
 * signing pkcs1, pss, none; RSA decryption oaep, pkcs1, none (first the key allows); AES pkcs7 for cbc/ecb when
 * allowed, else none; none for the rest. block mode: AES gcm, cbc, ctr, ecb (first the key allows); none for the rest.
 */
#include <stdio.h>
#include <string.h>

#include "secure/keymint_defaults.h"
#include "secure/keymint_internal.h"

static const uint32_t known_digests = KSSIM_DIGEST_NONE | KSSIM_DIGEST_SHA1 | KSSIM_DIGEST_SHA224 |
                                      KSSIM_DIGEST_SHA256 | KSSIM_DIGEST_SHA384 | KSSIM_DIGEST_SHA512;
static const uint32_t known_paddings =
    KSSIM_PADDING_NONE | KSSIM_PADDING_PKCS7 | KSSIM_PADDING_PKCS1 | KSSIM_PADDING_PSS | KSSIM_PADDING_OAEP;
static const uint32_t known_block_modes =
    KSSIM_BLOCK_MODE_ECB | KSSIM_BLOCK_MODE_CBC | KSSIM_BLOCK_MODE_CTR | KSSIM_BLOCK_MODE_GCM;

/* One parameter value: a single bit of the known set. */
static bool is_one_of(uint32_t v, uint32_t known)
{
    return v != 0 && (v & (v - 1)) == 0 && (v & known) != 0;
}

static uint32_t first_allowed(uint32_t allowed, const uint32_t *order, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (allowed & order[i])
            return order[i];
    return 0;
}

/* "sha256, sha512" - the key's set, for the sentence that tells the caller what would work. */
static const char *list_names(uint32_t bits, const char *(*name)(uint32_t), char *buf, size_t size)
{
    buf[0] = '\0';
    size_t used = 0;
    for (uint32_t bit = 1; bit != 0 && used < size; bit <<= 1)
        if (bits & bit)
            used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? ", " : "", name(bit));
    if (bits == 0)
        snprintf(buf, size, "none at all");
    return buf;
}

/* R-PURPOSE-SUPPORTED: the purposes each algorithm has. AOSP: enforcements.rs authorize_create */
kssim_result keymint_check_purpose_supported(sim_env *env, const sim_auth_list *auth, uint32_t purpose)
{
    kssim_algorithm a = auth->algorithm;
    bool asymmetric = keymint_is_asymmetric(a);
    switch (purpose) {
    case KSSIM_PURPOSE_SIGN:
        if (a != KSSIM_ALGORITHM_AES)
            return KSSIM_OK;
        break;
    case KSSIM_PURPOSE_VERIFY:
        if (a == KSSIM_ALGORITHM_HMAC)
            return KSSIM_OK;
        if (asymmetric)
            return sim_refuse(env, KSSIM_UNSUPPORTED_PURPOSE,
                              "KeyMint does not verify with public keys: verify with the key's public half "
                              "(its SubjectPublicKeyInfo) outside the keystore");
        break;
    case KSSIM_PURPOSE_ENCRYPT:
        if (a == KSSIM_ALGORITHM_AES)
            return KSSIM_OK;
        if (asymmetric)
            return sim_refuse(env, KSSIM_UNSUPPORTED_PURPOSE,
                              "KeyMint does not encrypt with public keys: encrypt with the key's public half "
                              "outside the keystore");
        break;
    case KSSIM_PURPOSE_DECRYPT:
        if (a == KSSIM_ALGORITHM_AES || a == KSSIM_ALGORITHM_RSA)
            return KSSIM_OK;
        break;
    case KSSIM_PURPOSE_AGREE_KEY:
        /* ECDH on the NIST curves; RSA keys refuse it (keystore2_client_rsa_key_tests.rs,
         * UNSUPPORTED_PURPOSE), and curve 25519 keys here are Ed25519 signing keys, never X25519. */
        if (a == KSSIM_ALGORITHM_EC)
            return KSSIM_OK;
        break;
    default:
        return sim_refuse(env, KSSIM_UNSUPPORTED_PURPOSE,
                          "an operation has exactly one purpose: sign, verify, encrypt, decrypt or agree_key");
    }
    return sim_refuse(env, KSSIM_UNSUPPORTED_PURPOSE, "%s keys cannot %s: use a key of an algorithm that can",
                      sim_algorithm_name(a), sim_purpose_name(purpose));
}

uint32_t keymint_default_block_mode(const sim_auth_list *auth)
{
    static const uint32_t order[] = {KSSIM_BLOCK_MODE_GCM, KSSIM_BLOCK_MODE_CBC, KSSIM_BLOCK_MODE_CTR,
                                     KSSIM_BLOCK_MODE_ECB};
    if (auth->algorithm != KSSIM_ALGORITHM_AES)
        return 0;
    return first_allowed(auth->block_modes, order, sizeof(order) / sizeof(order[0]));
}

/* An AES key generated without any padding is used without one, as keys the framework makes for
 * GCM are (it adds PaddingMode NONE itself). */
static uint32_t aes_paddings(const sim_auth_list *auth)
{
    return auth->paddings != 0 ? auth->paddings : KSSIM_PADDING_NONE;
}

uint32_t keymint_default_padding(const sim_auth_list *auth, uint32_t purpose, uint32_t block_mode)
{
    static const uint32_t rsa_signing[] = {KSSIM_PADDING_PKCS1, KSSIM_PADDING_PSS, KSSIM_PADDING_NONE};
    static const uint32_t rsa_decryption[] = {KSSIM_PADDING_OAEP, KSSIM_PADDING_PKCS1, KSSIM_PADDING_NONE};
    static const uint32_t block_padding[] = {KSSIM_PADDING_PKCS7, KSSIM_PADDING_NONE};
    static const uint32_t stream_padding[] = {KSSIM_PADDING_NONE, KSSIM_PADDING_PKCS7};
    switch (auth->algorithm) {
    case KSSIM_ALGORITHM_RSA:
        if (purpose == KSSIM_PURPOSE_DECRYPT || purpose == KSSIM_PURPOSE_ENCRYPT)
            return first_allowed(auth->paddings, rsa_decryption, 3);
        return first_allowed(auth->paddings, rsa_signing, 3);
    case KSSIM_ALGORITHM_AES:
        if (block_mode == KSSIM_BLOCK_MODE_CBC || block_mode == KSSIM_BLOCK_MODE_ECB)
            return first_allowed(aes_paddings(auth), block_padding, 2);
        return first_allowed(aes_paddings(auth), stream_padding, 2);
    default:
        return KSSIM_PADDING_NONE;
    }
}

/* Which digest, if any, the operation runs with: NONE where it signs the data as given, 0 where the
 * operation has no digest at all. */
static bool takes_digest(const sim_auth_list *auth, uint32_t purpose, uint32_t padding)
{
    switch (auth->algorithm) {
    case KSSIM_ALGORITHM_AES:
        return false;
    case KSSIM_ALGORITHM_RSA:
        return purpose == KSSIM_PURPOSE_SIGN || purpose == KSSIM_PURPOSE_VERIFY || padding == KSSIM_PADDING_OAEP;
    default:
        /* ECDH gives the raw shared secret; a KDF over it is the caller's (KeyMint's AGREE_KEY). */
        return purpose != KSSIM_PURPOSE_AGREE_KEY;
    }
}

uint32_t keymint_default_digest(const sim_auth_list *auth, uint32_t purpose, uint32_t padding)
{
    if (!takes_digest(auth, purpose, padding))
        return 0;
    if (auth->algorithm == KSSIM_ALGORITHM_ED25519 ||
        (auth->algorithm == KSSIM_ALGORITHM_RSA && padding == KSSIM_PADDING_NONE))
        return KSSIM_DIGEST_NONE;
    if (auth->digests & KSSIM_DIGEST_SHA256)
        return KSSIM_DIGEST_SHA256;
    uint32_t real_digests = auth->digests & ~KSSIM_DIGEST_NONE;
    if (real_digests != 0)
        return real_digests & (~real_digests + 1u);
    return auth->digests;
}

static kssim_result check_digest(sim_env *env, const sim_auth_list *auth, uint32_t digest)
{
    char allowed[96];
    if (auth->algorithm == KSSIM_ALGORITHM_ED25519) {
        if (digest != KSSIM_DIGEST_NONE)
            return sim_refuse(env, KSSIM_INCOMPATIBLE_DIGEST,
                              "Ed25519 signs the message itself (PureEdDSA): use digest none");
        return KSSIM_OK;
    }
    if (digest == 0)
        return sim_refuse(env, KSSIM_INCOMPATIBLE_DIGEST,
                          "the key was generated without any digest, and this operation needs one: generate it "
                          "with a digest such as sha256");
    if (!is_one_of(digest, known_digests))
        return sim_refuse(env, KSSIM_INCOMPATIBLE_DIGEST,
                          "an operation takes one digest: none, sha1, sha224, sha256, sha384 or sha512");
    if ((auth->digests & digest) == 0)
        return sim_refuse(env, KSSIM_INCOMPATIBLE_DIGEST,
                          "the key was not generated for digest %s: use one it allows (%s)", sim_digest_name(digest),
                          list_names(auth->digests, sim_digest_name, allowed, sizeof(allowed)));
    return KSSIM_OK;
}

/* What an RSA padding asks of the digest, whatever the key lists: PSS and OAEP need one, raw RSA signs the
 * data as given. The reference TA checks these in check_begin_rsa_params, before it compares the padding and
 * the digest with the key's (system/keymint common/src/tag/legacy.rs). */
static kssim_result check_rsa_digest_for_padding(sim_env *env, const sim_auth_list *auth, uint32_t purpose,
                                                 uint32_t padding, uint32_t digest)
{
    if (auth->algorithm != KSSIM_ALGORITHM_RSA)
        return KSSIM_OK;
    if (digest == KSSIM_DIGEST_NONE && (padding == KSSIM_PADDING_PSS || padding == KSSIM_PADDING_OAEP))
        return sim_refuse(env, KSSIM_INCOMPATIBLE_DIGEST,
                          "%s padding needs a digest: use sha256 or another the key allows", sim_padding_name(padding));
    if (purpose == KSSIM_PURPOSE_SIGN && padding == KSSIM_PADDING_NONE && digest != KSSIM_DIGEST_NONE)
        return sim_refuse(env, KSSIM_INCOMPATIBLE_DIGEST,
                          "raw RSA (padding none) signs the data as given: use digest none, or a padding");
    return KSSIM_OK;
}

static kssim_result check_padding(sim_env *env, const sim_auth_list *auth, uint32_t purpose, uint32_t padding)
{
    char allowed[96];
    if (padding == 0)
        return sim_refuse(env, KSSIM_INCOMPATIBLE_PADDING_MODE,
                          "the key allows no padding that can %s: generate it with one (%s)", sim_purpose_name(purpose),
                          purpose == KSSIM_PURPOSE_DECRYPT ? "oaep or pkcs1" : "pkcs1 or pss");
    if (!is_one_of(padding, known_paddings))
        return sim_refuse(env, KSSIM_INCOMPATIBLE_PADDING_MODE,
                          "an operation takes one padding: none, pkcs7, pkcs1, pss or oaep");
    uint32_t key_paddings = auth->paddings;
    uint32_t usable = KSSIM_PADDING_NONE;
    if (auth->algorithm == KSSIM_ALGORITHM_AES) {
        key_paddings = aes_paddings(auth);
        usable = KSSIM_PADDING_NONE | KSSIM_PADDING_PKCS7;
    } else if (auth->algorithm == KSSIM_ALGORITHM_RSA) {
        usable = purpose == KSSIM_PURPOSE_DECRYPT ? KSSIM_PADDING_OAEP | KSSIM_PADDING_PKCS1 | KSSIM_PADDING_NONE
                                                  : KSSIM_PADDING_PKCS1 | KSSIM_PADDING_PSS | KSSIM_PADDING_NONE;
    } else {
        key_paddings = KSSIM_PADDING_NONE;
    }
    if ((usable & padding) == 0)
        return sim_refuse(env, KSSIM_INCOMPATIBLE_PADDING_MODE, "padding %s cannot %s with %s keys: use %s",
                          sim_padding_name(padding), sim_purpose_name(purpose), sim_algorithm_name(auth->algorithm),
                          list_names(usable, sim_padding_name, allowed, sizeof(allowed)));
    if ((key_paddings & padding) == 0)
        return sim_refuse(env, KSSIM_INCOMPATIBLE_PADDING_MODE,
                          "the key was not generated for padding %s: use one it allows (%s)", sim_padding_name(padding),
                          list_names(key_paddings, sim_padding_name, allowed, sizeof(allowed)));
    return KSSIM_OK;
}

static kssim_result check_block_mode(sim_env *env, const sim_auth_list *auth, uint32_t block_mode, uint32_t padding)
{
    char allowed[96];
    if (auth->algorithm != KSSIM_ALGORITHM_AES) {
        if (block_mode != 0)
            return sim_refuse(env, KSSIM_INCOMPATIBLE_BLOCK_MODE,
                              "only aes operations take a block mode: leave it out for a %s key",
                              sim_algorithm_name(auth->algorithm));
        return KSSIM_OK;
    }
    if (block_mode == 0)
        return sim_refuse(env, KSSIM_INCOMPATIBLE_BLOCK_MODE,
                          "the key was generated without a block mode: generate it with gcm, cbc, ctr or ecb");
    if (!is_one_of(block_mode, known_block_modes))
        return sim_refuse(env, KSSIM_INCOMPATIBLE_BLOCK_MODE,
                          "an operation takes one block mode: gcm, cbc, ctr or ecb");
    if ((auth->block_modes & block_mode) == 0)
        return sim_refuse(env, KSSIM_INCOMPATIBLE_BLOCK_MODE,
                          "the key was not generated for block mode %s: use one it allows (%s)",
                          sim_block_mode_name(block_mode),
                          list_names(auth->block_modes, sim_block_mode_name, allowed, sizeof(allowed)));
    /* KeyMintTest.cpp AesIncompatiblePaddingModes: PKCS#7 goes with ECB and CBC only. */
    if (padding == KSSIM_PADDING_PKCS7 && block_mode != KSSIM_BLOCK_MODE_CBC && block_mode != KSSIM_BLOCK_MODE_ECB)
        return sim_refuse(env, KSSIM_INCOMPATIBLE_PADDING_MODE,
                          "pkcs7 padding goes with the cbc or ecb block mode only: use padding none with %s",
                          sim_block_mode_name(block_mode));
    return KSSIM_OK;
}

/* The paddings RSA has for each purpose: signing PKCS#1 v1.5, PSS or none; decryption (and encryption) OAEP,
 * PKCS#1 v1.5 or none. */
static uint32_t rsa_paddings_for(uint32_t purpose)
{
    if (purpose == KSSIM_PURPOSE_DECRYPT || purpose == KSSIM_PURPOSE_ENCRYPT)
        return KSSIM_PADDING_OAEP | KSSIM_PADDING_PKCS1 | KSSIM_PADDING_NONE;
    return KSSIM_PADDING_PKCS1 | KSSIM_PADDING_PSS | KSSIM_PADDING_NONE;
}

/* R-PARAMS-RSA-PADDING-SUPPORTED: an RSA padding the purpose cannot use is UNSUPPORTED_PADDING_MODE, before the
 * key's paddings are compared. AOSP: system/keymint common/src/tag/legacy.rs check_begin_rsa_params */
static kssim_result check_rsa_padding_supported(sim_env *env, const sim_auth_list *auth, uint32_t purpose,
                                                uint32_t padding)
{
    char usable[96];
    if (auth->algorithm != KSSIM_ALGORITHM_RSA || !is_one_of(padding, known_paddings))
        return KSSIM_OK;
    uint32_t paddings = rsa_paddings_for(purpose);
    if ((paddings & padding) != 0)
        return KSSIM_OK;
    return sim_refuse(env, KSSIM_UNSUPPORTED_PADDING_MODE,
                      "RSA cannot %s with padding %s, whatever the key lists: use %s (and generate the key with it)",
                      sim_purpose_name(purpose), sim_padding_name(padding),
                      list_names(paddings, sim_padding_name, usable, sizeof(usable)));
}

/* R-PARAMS-AUTHORIZED: digest, padding, block mode must be the key's. AOSP: Tag.aidl DIGEST PADDING BLOCK_MODE */
kssim_result keymint_choose_operation_parameters(sim_env *env, const sim_auth_list *auth, uint32_t purpose,
                                                 const kssim_op_params *params, keymint_operation_choice *choice)
{
    kssim_op_params asked;
    memset(&asked, 0, sizeof(asked));
    if (params != NULL)
        asked = *params;
    uint32_t block_mode = asked.block_mode;
    if (block_mode == 0)
        block_mode = keymint_default_block_mode(auth);
    uint32_t padding = asked.padding != 0 ? asked.padding : keymint_default_padding(auth, purpose, block_mode);
    uint32_t digest = 0;
    if (takes_digest(auth, purpose, padding))
        digest = asked.digest != 0 ? asked.digest : keymint_default_digest(auth, purpose, padding);

    /* The reference TA's order for RSA (check_begin_params, check_begin_rsa_params): what the padding asks of
     * the purpose and of the digest first, then the padding and the digest against the key's, in that order. */
    kssim_result r = check_rsa_padding_supported(env, auth, purpose, padding);
    if (r == KSSIM_OK && takes_digest(auth, purpose, padding))
        r = check_rsa_digest_for_padding(env, auth, purpose, padding, digest);
    if (r == KSSIM_OK)
        r = check_padding(env, auth, purpose, padding);
    if (r == KSSIM_OK && takes_digest(auth, purpose, padding))
        r = check_digest(env, auth, digest);
    if (r == KSSIM_OK)
        r = check_block_mode(env, auth, block_mode, padding);
    if (r != KSSIM_OK)
        return r;
    choice->digest = digest;
    choice->padding = padding;
    choice->block_mode = block_mode;
    return KSSIM_OK;
}

void sim_keymint_complete_params(const sim_auth_list *auth, uint32_t purpose, kssim_op_params *params)
{
    if (params->block_mode == 0)
        params->block_mode = keymint_default_block_mode(auth);
    if (params->padding == 0)
        params->padding = keymint_default_padding(auth, purpose, params->block_mode);
    if (params->digest == 0)
        params->digest = keymint_default_digest(auth, purpose, params->padding);
}
