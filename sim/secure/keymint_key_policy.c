/*
 * keymint_key_policy.c - what KeyMint agrees to generate or import: algorithms, sizes, purposes,
 * digests, block modes and paddings, and the narrower set a StrongBox holds.
 *
 * The rules follow the KeyMint HAL's IKeyMintDevice.aidl ("Necessary Primitives": what a TEE and a StrongBox
 * must support) and its VTS (KeyMintTest.cpp NewKeyGenerationTest; KeyMintAidlTestBase.cpp ValidKeySizes,
 * InvalidKeySizes, ValidCurves, InvalidCurves with their StrongBox branches). KeyMint's UNSUPPORTED_DIGEST is
 * answered as KeyMint gives it (an HMAC key's digest); where KeyMint answers with an ErrorCode the
 * simulator does not list (UNSUPPORTED_BLOCK_MODE), the INCOMPATIBLE_* result of the same parameter stands in.
 */
#include <stdio.h>

#include "secure/keymint_internal.h"

static const uint32_t known_purposes =
    KSSIM_PURPOSE_ENCRYPT | KSSIM_PURPOSE_DECRYPT | KSSIM_PURPOSE_SIGN | KSSIM_PURPOSE_VERIFY | KSSIM_PURPOSE_AGREE_KEY;
static const uint32_t known_digests = KSSIM_DIGEST_NONE | KSSIM_DIGEST_SHA1 | KSSIM_DIGEST_SHA224 |
                                      KSSIM_DIGEST_SHA256 | KSSIM_DIGEST_SHA384 | KSSIM_DIGEST_SHA512;
static const uint32_t known_block_modes =
    KSSIM_BLOCK_MODE_ECB | KSSIM_BLOCK_MODE_CBC | KSSIM_BLOCK_MODE_CTR | KSSIM_BLOCK_MODE_GCM;
static const uint32_t known_paddings =
    KSSIM_PADDING_NONE | KSSIM_PADDING_PKCS7 | KSSIM_PADDING_PKCS1 | KSSIM_PADDING_PSS | KSSIM_PADDING_OAEP;

bool keymint_is_asymmetric(kssim_algorithm algorithm)
{
    return algorithm == KSSIM_ALGORITHM_EC || algorithm == KSSIM_ALGORITHM_RSA || algorithm == KSSIM_ALGORITHM_ED25519;
}

static bool is_strongbox(const sim_auth_list *auth)
{
    return auth->security_level == KSSIM_SECURITY_STRONGBOX;
}

/* StrongBox on a device without one is HARDWARE_TYPE_UNAVAILABLE
 * (StrongBoxUnavailableException). keystore2 asks for the StrongBox instance before anything else, and a device
 * without one has none to give (security_level.rs / KeyStore.getSecurityLevel: HARDWARE_TYPE_UNAVAILABLE). */
/* R-KEY-STRONGBOX-UNAVAILABLE: no StrongBox: HARDWARE_TYPE_UNAVAILABLE. AOSP: keystore2 security_level.rs */
kssim_result keymint_check_security_level(sim_secure_world *sw, const sim_auth_list *auth)
{
    if (is_strongbox(auth) && sw->security_level != KSSIM_SECURITY_STRONGBOX)
        return sim_refuse(sw->env, KSSIM_HARDWARE_TYPE_UNAVAILABLE,
                          "this device has no StrongBox: ask for security_level tee, or simulate a device whose "
                          "security_level is strongbox");
    if (auth->security_level > KSSIM_SECURITY_STRONGBOX)
        return sim_refuse(sw->env, KSSIM_INVALID_ARGUMENT, "the security level must be software, tee or strongbox");
    return keymint_check_strongbox_answers(sw, auth->security_level, false);
}

/* KeyMint holds EC (NIST curves, and Curve 25519 as Ed25519 in the TEE only), RSA, AES and HMAC
 * keys; StrongBox has no Curve 25519 (UNSUPPORTED_ALGORITHM here; KeyMint says UNSUPPORTED_EC_CURVE).
 * IKeyMintDevice.aidl "Necessary Primitives" ("STRONGBOX IKeyMintDevices do not support curve 25519");
 * KeyMintAidlTestBase.cpp InvalidCurves. 3DES (required of KeyMint too) and X25519 are not modelled. */
/* R-KEY-ALGORITHMS: EC, Ed25519 (not StrongBox), RSA, AES, HMAC. AOSP: IKeyMintDevice.aidl */
kssim_result keymint_check_algorithm(sim_secure_world *sw, const sim_auth_list *auth)
{
    switch (auth->algorithm) {
    case KSSIM_ALGORITHM_ED25519:
        if (is_strongbox(auth))
            return sim_refuse(sw->env, KSSIM_UNSUPPORTED_ALGORITHM,
                              "StrongBox holds no Ed25519 keys (only EC P-256, RSA 2048, AES and HMAC): use "
                              "security_level tee, or an ec key");
        return KSSIM_OK;
    case KSSIM_ALGORITHM_RSA:
    case KSSIM_ALGORITHM_EC:
    case KSSIM_ALGORITHM_AES:
    case KSSIM_ALGORITHM_HMAC:
        return KSSIM_OK;
    }
    return sim_refuse(sw->env, KSSIM_UNSUPPORTED_ALGORITHM,
                      "KeyMint holds ec, rsa, ed25519, aes and hmac keys only: use one of those");
}

/* a key generated without a size gets the framework's default: EC 256, RSA 2048, AES 128,
 * HMAC the output size of its one digest. frameworks/base keystore2 AndroidKeyStoreKeyPairGeneratorSpi
 * (EC_DEFAULT_KEY_SIZE 256, RSA_DEFAULT_KEY_SIZE 2048) and AndroidKeyStoreKeyGeneratorSpi (AES: 128; HmacBase:
 * KeymasterUtils.getDigestOutputSizeBits of the digest the key algorithm names). KeyMint itself has no default
 * (KeyMintTest.cpp AesInvalidSize, RsaNoDefaultSize: UNSUPPORTED_KEY_SIZE); the framework always sends one. */
/* R-KEY-SIZE-DEFAULT: no size: EC 256, RSA 2048, AES 128, HMAC the digest's. AOSP: AndroidKeyStoreKeyGeneratorSpi */
static uint32_t default_key_size(const sim_auth_list *auth)
{
    switch (auth->algorithm) {
    case KSSIM_ALGORITHM_RSA:
        return 2048;
    case KSSIM_ALGORITHM_AES:
        return 128;
    case KSSIM_ALGORITHM_HMAC:
        switch (auth->digests) {
        case KSSIM_DIGEST_SHA1:
            return 160;
        case KSSIM_DIGEST_SHA224:
            return 224;
        case KSSIM_DIGEST_SHA384:
            return 384;
        case KSSIM_DIGEST_SHA512:
            return 512;
        default:
            return 256; /* SHA-256, and a digest list check_digests refuses anyway */
        }
    case KSSIM_ALGORITHM_EC:
    case KSSIM_ALGORITHM_ED25519:
        break;
    }
    return 256;
}

/* KeyMint's sizes (TEE and StrongBox) are one table in core/names.c (sim_key_size_supported),
 * from which this check, its refusal and UNSUPPORTED_KEY_SIZE's advice are all read. */
bool keymint_key_size_supported(kssim_algorithm algorithm, kssim_security_level level, uint32_t size)
{
    return sim_key_size_supported(algorithm, level == KSSIM_SECURITY_STRONGBOX, size);
}

static kssim_result check_key_size(sim_secure_world *sw, const sim_auth_list *auth)
{
    if (keymint_key_size_supported(auth->algorithm, auth->security_level, auth->key_size))
        return KSSIM_OK;
    char sizes[160];
    sim_key_sizes_text(auth->algorithm, is_strongbox(auth), sizes, sizeof(sizes));
    return sim_refuse(sw->env, KSSIM_UNSUPPORTED_KEY_SIZE, "%s keys of %u bits are not supported%s: use %s",
                      sim_algorithm_name(auth->algorithm), auth->key_size, is_strongbox(auth) ? " in StrongBox" : "",
                      sizes);
}

/* The purposes a key of each algorithm may list when it is generated or imported. For AES this is wider
 * than what an operation can do: the reference TA's check_aes_params looks at no purpose, so an AES key
 * listing SIGN and VERIFY is made and its begin is refused (UNSUPPORTED_PURPOSE,
 * keymint_check_purpose_supported). Source: system/keymint ta/src/keys.rs (check_aes_params);
 * hardware/interfaces KeyMintTest.cpp SigningOperationsTest.AesEcbSign (GenerateKey must succeed). */
static uint32_t purposes_for(kssim_algorithm algorithm)
{
    switch (algorithm) {
    case KSSIM_ALGORITHM_EC:
        return KSSIM_PURPOSE_SIGN | KSSIM_PURPOSE_VERIFY | KSSIM_PURPOSE_AGREE_KEY;
    case KSSIM_ALGORITHM_ED25519:
        /* Curve 25519 signing keys are not X25519 agreement keys (KeyMintTest.cpp Curve25519*). */
        return KSSIM_PURPOSE_SIGN | KSSIM_PURPOSE_VERIFY;
    case KSSIM_ALGORITHM_RSA:
        return KSSIM_PURPOSE_SIGN | KSSIM_PURPOSE_VERIFY | KSSIM_PURPOSE_ENCRYPT | KSSIM_PURPOSE_DECRYPT;
    case KSSIM_ALGORITHM_AES:
        return KSSIM_PURPOSE_ENCRYPT | KSSIM_PURPOSE_DECRYPT | KSSIM_PURPOSE_SIGN | KSSIM_PURPOSE_VERIFY;
    case KSSIM_ALGORITHM_HMAC:
        return KSSIM_PURPOSE_SIGN | KSSIM_PURPOSE_VERIFY;
    }
    return 0;
}

static uint32_t lowest_bit(uint32_t bits)
{
    return bits & (~bits + 1u);
}

static kssim_result check_purposes(sim_secure_world *sw, const sim_auth_list *auth)
{
    if (auth->purposes == 0 || (auth->purposes & ~known_purposes) != 0)
        return sim_refuse(sw->env, KSSIM_UNSUPPORTED_PURPOSE,
                          "a key needs one or more of the purposes sign, verify, encrypt, decrypt, agree_key");
    /* A curve 25519 key is an Ed25519 signing key or an X25519 agreement key, never both: KeyMint refuses
     * the mix as incompatible, not as unsupported (system/keymint ta/src/keys.rs check_ec_params; KeyMintTest.cpp
     * NewKeyGenerationTest.EcdsaCurve25519MultiPurposeFail). X25519 alone is not modelled (below). */
    if (auth->algorithm == KSSIM_ALGORITHM_ED25519 && (auth->purposes & KSSIM_PURPOSE_AGREE_KEY) &&
        (auth->purposes & KSSIM_PURPOSE_SIGN))
        return sim_refuse(sw->env, KSSIM_INCOMPATIBLE_PURPOSE,
                          "a curve 25519 key signs (Ed25519) or agrees keys (X25519), never both: leave agree_key "
                          "out");
    uint32_t impossible = auth->purposes & ~purposes_for(auth->algorithm);
    if (impossible != 0)
        return sim_refuse(sw->env, KSSIM_UNSUPPORTED_PURPOSE, "%s keys cannot %s: leave that purpose out",
                          sim_algorithm_name(auth->algorithm), sim_purpose_name(lowest_bit(impossible)));
    return KSSIM_OK;
}

/* An HMAC key without a digest, with digest NONE or with several is UNSUPPORTED_DIGEST: the reference TA's
 * check_hmac_params (system/keymint common/src/tag/legacy.rs: get_tag_value!(Digest, UnsupportedDigest), then
 * "unsupported digest" for NONE); KeyMintTest.cpp NewKeyGenerationTest.HmacDigestNone and HmacMultipleDigests. */
/* R-KEY-HMAC-ONE-DIGEST: an HMAC key has exactly one digest, not none. AOSP: system/keymint common/src/tag/legacy.rs
 * check_hmac_params */
static kssim_result check_digests(sim_secure_world *sw, const sim_auth_list *auth)
{
    if ((auth->digests & ~known_digests) != 0)
        return sim_refuse(sw->env, KSSIM_INCOMPATIBLE_DIGEST,
                          "unknown digest: use none, sha1, sha224, sha256, sha384 or sha512");
    if (auth->algorithm == KSSIM_ALGORITHM_HMAC &&
        (auth->digests == 0 || auth->digests == KSSIM_DIGEST_NONE || lowest_bit(auth->digests) != auth->digests))
        return sim_refuse(sw->env, KSSIM_UNSUPPORTED_DIGEST,
                          "an hmac key needs exactly one digest other than none (KeyMint check_hmac_params), "
                          "e.g. sha256");
    if (is_strongbox(auth) && auth->algorithm != KSSIM_ALGORITHM_AES &&
        (auth->digests & ~(KSSIM_DIGEST_NONE | KSSIM_DIGEST_SHA256)) != 0)
        return sim_refuse(sw->env, KSSIM_INCOMPATIBLE_DIGEST,
                          "StrongBox computes only sha256 (and none for ec and rsa): use sha256, or security_level "
                          "tee");
    return KSSIM_OK;
}

static kssim_result check_block_modes(sim_secure_world *sw, const sim_auth_list *auth)
{
    if ((auth->block_modes & ~known_block_modes) != 0)
        return sim_refuse(sw->env, KSSIM_INCOMPATIBLE_BLOCK_MODE, "unknown block mode: use gcm, cbc, ctr or ecb");
    if (auth->block_modes != 0 && auth->algorithm != KSSIM_ALGORITHM_AES)
        return sim_refuse(sw->env, KSSIM_INCOMPATIBLE_BLOCK_MODE,
                          "block modes belong to aes keys only: leave them out of a %s key",
                          sim_algorithm_name(auth->algorithm));
    return KSSIM_OK;
}

static kssim_result check_paddings(sim_secure_world *sw, const sim_auth_list *auth)
{
    uint32_t allowed = KSSIM_PADDING_NONE;
    const char *advice = "ec, ed25519 and hmac keys take no padding";
    if (auth->algorithm == KSSIM_ALGORITHM_AES) {
        allowed = KSSIM_PADDING_NONE | KSSIM_PADDING_PKCS7;
        advice = "aes keys take none or pkcs7";
    } else if (auth->algorithm == KSSIM_ALGORITHM_RSA) {
        /* The reference TA checks no padding of an RSA key at generation (system/keymint common/src/tag/legacy.rs
         * check_rsa_params looks at purposes only): a signing key listing PKCS7 or OAEP is made, and the begin
         * that asks for such a padding is refused with UNSUPPORTED_PADDING_MODE
         * (keymint_operation_parameters.c; KeyMintTest.cpp SigningOperationsTest.RsaUnsupportedPadding). */
        allowed = known_paddings;
        advice = "rsa keys take pkcs1, pss, oaep, pkcs7 or none";
    }
    if ((auth->paddings & ~known_paddings) != 0 || (auth->paddings & ~allowed) != 0)
        return sim_refuse(sw->env, KSSIM_INCOMPATIBLE_PADDING_MODE, "padding %s does not apply: %s",
                          sim_padding_name(lowest_bit(auth->paddings & ~allowed)), advice);
    /* PKCS#7 pads whole blocks, which only ECB and CBC process; but an AES key whose block modes cannot use
     * its PKCS#7 padding is still made, and the begin that would need it is refused
     * (keymint_operation_parameters.c: INCOMPATIBLE_PADDING_MODE). The reference TA checks no AES padding at
     * generation (system/keymint ta/src/keys.rs check_aes_params), and KeyMintTest.cpp
     * EncryptionOperationsTest.AesCtrIncompatiblePaddingMode requires a CTR key with PKCS7 to generate. */
    return KSSIM_OK;
}

/* Tag::ROLLBACK_RESISTANCE (Tag.aidl): "If the IKeyMintDevice cannot guarantee rollback resistance for the
 * specified key, it must return ErrorCode::ROLLBACK_RESISTANCE_UNAVAILABLE". A TEE or StrongBox has
 * rollback-protected storage to keep the key's record in (RPMB on a phone; the device's DIR.rpmb file
 * here, sim/store/rollback_storage.c); software KeyMint has none. */
static kssim_result check_rollback_resistance(sim_secure_world *sw, const sim_auth_list *auth)
{
    if (!auth->rollback_resistant)
        return KSSIM_OK;
    if (auth->security_level == KSSIM_SECURITY_SOFTWARE || sw->security_level == KSSIM_SECURITY_SOFTWARE)
        return sim_refuse(sw->env, KSSIM_ROLLBACK_RESISTANCE_UNAVAILABLE,
                          "software KeyMint has no rollback-protected storage, so it cannot make a rollback-resistant "
                          "key: ask for security_level tee or strongbox on a device that has one, or drop rollback "
                          "resistance");
    return KSSIM_OK;
}

kssim_result keymint_check_key_policy(sim_secure_world *sw, sim_auth_list *auth)
{
    kssim_result r = keymint_check_security_level(sw, auth);
    if (r == KSSIM_OK)
        r = check_rollback_resistance(sw, auth);
    if (r == KSSIM_OK)
        r = keymint_check_algorithm(sw, auth);
    if (r != KSSIM_OK)
        return r;
    if (auth->key_size == 0)
        auth->key_size = default_key_size(auth);
    r = check_key_size(sw, auth);
    if (r == KSSIM_OK)
        r = check_purposes(sw, auth);
    if (r == KSSIM_OK)
        r = check_digests(sw, auth);
    if (r == KSSIM_OK)
        r = check_block_modes(sw, auth);
    if (r == KSSIM_OK)
        r = check_paddings(sw, auth);
    if (r == KSSIM_OK && auth->sid_count > SIM_MAX_KEY_SIDS)
        return sim_refuse(sw->env, KSSIM_INVALID_ARGUMENT, "a key can be bound to at most %d secure IDs",
                          SIM_MAX_KEY_SIDS);
    return r;
}

/* KeyMint's Tag.aidl defines USAGE_COUNT_LIMIT as "the number of times that a key may be used" and
 * MAX_USES_PER_BOOT as the number of uses allowed per boot, both 32-bit; no key is usable zero times. The
 * framework refuses such a count before KeyMint could see it: KeyGenParameterSpec.Builder.setMaxUsageCount
 * throws IllegalArgumentException for anything but a count above 0 or UNRESTRICTED_USAGE_COUNT (-1), and
 * the simulator answers INVALID_ARGUMENT. (A stored blob with either tag at 0 is refused as damaged too,
 * keymint_auth_records_read.c.) Sources: hardware/interfaces security/keymint/aidl/.../Tag.aidl;
 * frameworks/base keystore/java/android/security/keystore/KeyGenParameterSpec.java. */
kssim_result kssim_check_use_limit(kssim_use_limit limit, uint64_t count, char *why, size_t why_size)
{
    bool per_boot = limit == KSSIM_LIMIT_MAX_USES_PER_BOOT;
    const char *what = per_boot ? "a per-boot use limit" : "a usage count limit";
    const char *tag = per_boot ? "MAX_USES_PER_BOOT" : "USAGE_COUNT_LIMIT";
    if (count == 0) {
        snprintf(why, why_size,
                 "%s of 0 would allow no use at all: KeyMint's %s takes 1 or more; give 1 or more, or leave the "
                 "limit out for a key without one",
                 what, tag);
        return KSSIM_INVALID_ARGUMENT;
    }
    if (count > UINT32_MAX) {
        snprintf(why, why_size, "%s of %llu is more than KeyMint's %s holds: give at most %u", what,
                 (unsigned long long)count, tag, (unsigned)UINT32_MAX);
        return KSSIM_INVALID_ARGUMENT;
    }
    if (why_size > 0)
        why[0] = '\0';
    return KSSIM_OK;
}
