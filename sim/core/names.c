/*
 * names.c - the words every layer's refusals use for algorithms, purposes, digests, paddings, block
 * modes and authenticators (the scenario format's spelling), and OpenSSL's digest names. One table,
 * so a sentence from keystore2 and one from KeyMint name a thing the same way.
 */
#include "core/names.h"

const char *sim_algorithm_name(kssim_algorithm algorithm)
{
    switch (algorithm) {
    case KSSIM_ALGORITHM_RSA:
        return "rsa";
    case KSSIM_ALGORITHM_EC:
        return "ec";
    case KSSIM_ALGORITHM_ED25519:
        return "ed25519";
    case KSSIM_ALGORITHM_AES:
        return "aes";
    case KSSIM_ALGORITHM_HMAC:
        return "hmac";
    }
    return "an unknown algorithm";
}

const char *sim_purpose_name(uint32_t purpose)
{
    switch (purpose) {
    case KSSIM_PURPOSE_ENCRYPT:
        return "encrypt";
    case KSSIM_PURPOSE_DECRYPT:
        return "decrypt";
    case KSSIM_PURPOSE_SIGN:
        return "sign";
    case KSSIM_PURPOSE_VERIFY:
        return "verify";
    case KSSIM_PURPOSE_AGREE_KEY:
        return "agree_key";
    default:
        return "an unknown purpose";
    }
}

const char *sim_digest_name(uint32_t digest)
{
    switch (digest) {
    case KSSIM_DIGEST_NONE:
        return "none";
    case KSSIM_DIGEST_SHA1:
        return "sha1";
    case KSSIM_DIGEST_SHA224:
        return "sha224";
    case KSSIM_DIGEST_SHA256:
        return "sha256";
    case KSSIM_DIGEST_SHA384:
        return "sha384";
    case KSSIM_DIGEST_SHA512:
        return "sha512";
    default:
        return "an unknown digest";
    }
}

const char *sim_padding_name(uint32_t padding)
{
    switch (padding) {
    case KSSIM_PADDING_NONE:
        return "none";
    case KSSIM_PADDING_PKCS7:
        return "pkcs7";
    case KSSIM_PADDING_PKCS1:
        return "pkcs1";
    case KSSIM_PADDING_PSS:
        return "pss";
    case KSSIM_PADDING_OAEP:
        return "oaep";
    default:
        return "an unknown padding";
    }
}

const char *sim_block_mode_name(uint32_t block_mode)
{
    switch (block_mode) {
    case KSSIM_BLOCK_MODE_ECB:
        return "ecb";
    case KSSIM_BLOCK_MODE_CBC:
        return "cbc";
    case KSSIM_BLOCK_MODE_CTR:
        return "ctr";
    case KSSIM_BLOCK_MODE_GCM:
        return "gcm";
    default:
        return "an unknown block mode";
    }
}

const char *sim_openssl_digest_name(uint32_t digest)
{
    switch (digest) {
    case KSSIM_DIGEST_SHA1:
        return "SHA1";
    case KSSIM_DIGEST_SHA224:
        return "SHA224";
    case KSSIM_DIGEST_SHA256:
        return "SHA256";
    case KSSIM_DIGEST_SHA384:
        return "SHA384";
    case KSSIM_DIGEST_SHA512:
        return "SHA512";
    default:
        return NULL;
    }
}

size_t sim_digest_length(uint32_t digest)
{
    switch (digest) {
    case KSSIM_DIGEST_SHA1:
        return 20;
    case KSSIM_DIGEST_SHA224:
        return 28;
    case KSSIM_DIGEST_SHA256:
        return 32;
    case KSSIM_DIGEST_SHA384:
        return 48;
    case KSSIM_DIGEST_SHA512:
        return 64;
    default:
        return 0;
    }
}

const char *sim_authenticators_text(uint32_t authenticator_types)
{
    bool biometric = authenticator_types & KSSIM_AUTHENTICATOR_FINGERPRINT;
    bool credential = authenticator_types & KSSIM_AUTHENTICATOR_PASSWORD;
    if (authenticator_types == KSSIM_AUTHENTICATOR_ANY)
        return "any authenticator";
    if (biometric && credential)
        return "a strong biometric or the device credential";
    if (biometric)
        return "a strong biometric";
    if (credential)
        return "the device credential";
    return "no authenticator";
}
