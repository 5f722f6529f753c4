/*
 * names.c - the one table of each vocabulary (the scenario format's spelling next to the device value, and
 * OpenSSL's name where it has one), and KeyMint's key sizes. The scenario parser, the CLI, the provider's
 * pkeyopts and every refusal that lists what is accepted read these tables, so a word is added, renamed or
 * reordered in one place and a sentence from keystore2 and one from KeyMint name a thing the same way.
 */
#include "core/names.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The order of each table is the order refusals list the words in. */
static const sim_word algorithm_words[] = {
    {.name = "ec", .value = KSSIM_ALGORITHM_EC},           {.name = "rsa", .value = KSSIM_ALGORITHM_RSA},
    {.name = "ed25519", .value = KSSIM_ALGORITHM_ED25519}, {.name = "aes", .value = KSSIM_ALGORITHM_AES},
    {.name = "hmac", .value = KSSIM_ALGORITHM_HMAC},
};
const sim_vocabulary sim_algorithms = SIM_VOCABULARY("algorithm", algorithm_words);

static const sim_word purpose_words[] = {
    {.name = "sign", .value = KSSIM_PURPOSE_SIGN},           {.name = "verify", .value = KSSIM_PURPOSE_VERIFY},
    {.name = "encrypt", .value = KSSIM_PURPOSE_ENCRYPT},     {.name = "decrypt", .value = KSSIM_PURPOSE_DECRYPT},
    {.name = "agree_key", .value = KSSIM_PURPOSE_AGREE_KEY},
};
const sim_vocabulary sim_purposes = SIM_VOCABULARY("purpose", purpose_words);

static const sim_word digest_words[] = {
    {.name = "none", .value = KSSIM_DIGEST_NONE},
    {.name = "sha1", .value = KSSIM_DIGEST_SHA1, .openssl_name = "SHA1"},
    {.name = "sha224", .value = KSSIM_DIGEST_SHA224, .openssl_name = "SHA224"},
    {.name = "sha256", .value = KSSIM_DIGEST_SHA256, .openssl_name = "SHA256"},
    {.name = "sha384", .value = KSSIM_DIGEST_SHA384, .openssl_name = "SHA384"},
    {.name = "sha512", .value = KSSIM_DIGEST_SHA512, .openssl_name = "SHA512"},
};
const sim_vocabulary sim_digests = SIM_VOCABULARY("digest", digest_words);

static const sim_word block_mode_words[] = {
    {.name = "gcm", .value = KSSIM_BLOCK_MODE_GCM},
    {.name = "cbc", .value = KSSIM_BLOCK_MODE_CBC},
    {.name = "ctr", .value = KSSIM_BLOCK_MODE_CTR},
    {.name = "ecb", .value = KSSIM_BLOCK_MODE_ECB},
};
const sim_vocabulary sim_block_modes = SIM_VOCABULARY("block mode", block_mode_words);

static const sim_word padding_words[] = {
    {.name = "none", .value = KSSIM_PADDING_NONE},   {.name = "pkcs7", .value = KSSIM_PADDING_PKCS7},
    {.name = "pkcs1", .value = KSSIM_PADDING_PKCS1}, {.name = "pss", .value = KSSIM_PADDING_PSS},
    {.name = "oaep", .value = KSSIM_PADDING_OAEP},
};
const sim_vocabulary sim_paddings = SIM_VOCABULARY("padding", padding_words);

static const sim_word auth_type_words[] = {
    {.name = "biometric_strong", .value = KSSIM_AUTH_BIOMETRIC_STRONG},
    {.name = "device_credential", .value = KSSIM_AUTH_DEVICE_CREDENTIAL},
};
const sim_vocabulary sim_auth_types = SIM_VOCABULARY("authentication type", auth_type_words);

/* The device's best hardware, or the hardware a key asks for; "software" is a device without a TEE. */
static const sim_word security_level_words[] = {
    {.name = "tee", .value = KSSIM_SECURITY_TEE},
    {.name = "strongbox", .value = KSSIM_SECURITY_STRONGBOX},
    {.name = "software", .value = KSSIM_SECURITY_SOFTWARE},
};
const sim_vocabulary sim_security_levels = SIM_VOCABULARY("security level", security_level_words);

static const sim_word key_state_words[] = {
    {.name = "valid", .value = KSSIM_KEY_VALID},
    {.name = "invalidated", .value = KSSIM_KEY_INVALIDATED},
    {.name = "absent", .value = KSSIM_KEY_ABSENT},
};
const sim_vocabulary sim_key_states = SIM_VOCABULARY("key state", key_state_words);

static const sim_word invalidation_reason_words[] = {
    {.name = "lock_screen_removed", .value = KSSIM_REASON_LOCK_SCREEN_REMOVED},
    {.name = "biometric_enrollment_changed", .value = KSSIM_REASON_BIOMETRIC_ENROLLMENT_CHANGED},
    {.name = "credential_reset", .value = KSSIM_REASON_CREDENTIAL_RESET},
    {.name = "usage_exhausted", .value = KSSIM_REASON_USAGE_EXHAUSTED},
};
const sim_vocabulary sim_invalidation_reasons = SIM_VOCABULARY("invalidation reason", invalidation_reason_words);

/* kssim attestation --attack and the scenario step attestation_attack (docs/attestation.md). */
static const sim_word attestation_attack_words[] = {
    {.name = "resign-root", .value = KSSIM_ATTESTATION_ATTACK_RESIGN_ROOT},
    {.name = "wrong-key", .value = KSSIM_ATTESTATION_ATTACK_WRONG_KEY},
    {.name = "copy-extension", .value = KSSIM_ATTESTATION_ATTACK_COPY_EXTENSION},
};
const sim_vocabulary sim_attestation_attacks = SIM_VOCABULARY("attestation attack", attestation_attack_words);

const sim_word *sim_vocabulary_find(const sim_vocabulary *vocabulary, const char *name)
{
    for (size_t i = 0; i < vocabulary->count; i++)
        if (strcmp(vocabulary->words[i].name, name) == 0)
            return &vocabulary->words[i];
    return NULL;
}

const sim_word *sim_vocabulary_find_ignoring_case(const sim_vocabulary *vocabulary, const char *name, size_t length)
{
    for (size_t i = 0; i < vocabulary->count; i++)
        if (strlen(vocabulary->words[i].name) == length && strncasecmp(vocabulary->words[i].name, name, length) == 0)
            return &vocabulary->words[i];
    return NULL;
}

const char *sim_vocabulary_name(const sim_vocabulary *vocabulary, uint32_t value)
{
    for (size_t i = 0; i < vocabulary->count; i++)
        if (vocabulary->words[i].value == value)
            return vocabulary->words[i].name;
    return NULL;
}

/* Appends to a terminated buffer without overrunning it; the length it would have had is kept in *length. */
static void append(char *out, size_t out_size, int *length, const char *text)
{
    size_t text_length = strlen(text);
    size_t used = (size_t)*length;
    if (used + 1 < out_size) {
        size_t room = out_size - used - 1;
        size_t copied = text_length < room ? text_length : room;
        memcpy(out + used, text, copied);
        out[used + copied] = '\0';
    }
    *length += (int)text_length;
}

/* Joins count strings by separator and the last by last_separator. */
static int join(const char *const *items, size_t count, const char *separator, const char *last_separator, char *out,
                size_t out_size)
{
    int length = 0;
    if (out_size > 0)
        out[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            append(out, out_size, &length, i + 1 == count ? last_separator : separator);
        append(out, out_size, &length, items[i]);
    }
    return length;
}

int sim_vocabulary_list(const sim_vocabulary *vocabulary, const char *last_separator, char *out, size_t out_size)
{
    int length = 0;
    if (out_size > 0)
        out[0] = '\0';
    for (size_t i = 0; i < vocabulary->count; i++) {
        if (i > 0)
            append(out, out_size, &length, i + 1 == vocabulary->count ? last_separator : ", ");
        append(out, out_size, &length, vocabulary->words[i].name);
    }
    return length;
}

static const char *name_or(const sim_vocabulary *vocabulary, uint32_t value, const char *fallback)
{
    const char *name = sim_vocabulary_name(vocabulary, value);
    return name != NULL ? name : fallback;
}

const char *sim_algorithm_name(kssim_algorithm algorithm)
{
    return name_or(&sim_algorithms, (uint32_t)algorithm, "an unknown algorithm");
}

const char *sim_purpose_name(uint32_t purpose)
{
    return name_or(&sim_purposes, purpose, "an unknown purpose");
}

const char *sim_digest_name(uint32_t digest)
{
    return name_or(&sim_digests, digest, "an unknown digest");
}

const char *sim_padding_name(uint32_t padding)
{
    return name_or(&sim_paddings, padding, "an unknown padding");
}

const char *sim_block_mode_name(uint32_t block_mode)
{
    return name_or(&sim_block_modes, block_mode, "an unknown block mode");
}

const char *sim_openssl_digest_name(uint32_t digest)
{
    for (size_t i = 0; i < sim_digests.count; i++)
        if (digest_words[i].value == digest)
            return digest_words[i].openssl_name;
    return NULL;
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

/* ---- KeyMint's key sizes ---- */

/* What a KeyMint of one security level generates and imports for one algorithm: a list of sizes, or every
 * multiple of step from smallest to largest (HMAC). An algorithm with no row for StrongBox is one StrongBox
 * does not have (Ed25519). */
typedef struct key_size_rule {
    kssim_algorithm algorithm;
    bool strongbox;
    uint32_t sizes[4];
    size_t size_count;
    uint32_t smallest, largest, step; /* step 0: the sizes list */
    const char *note;                 /* said after the sizes in a refusal */
} key_size_rule;

/* A TEE (and software) KeyMint generates and imports EC P-224, P-256, P-384, P-521; RSA 2048,
 * 3072, 4096; AES 128, 192, 256; HMAC 64 to 512 bits in whole bytes; Ed25519 256. AOSP: IKeyMintDevice.aidl
 * "Necessary Primitives" (TRUSTED_ENVIRONMENT must support ...); KeyMintTest.cpp NewKeyGenerationTest Ecdsa /
 * EcdsaAllValidCurves (ValidCurves: P_224..P_521), AesInvalidSize (InvalidKeySizes: 64, 96, 131, 512),
 * HmacCheckKeySizes. Keymaster 4 (api <= 30) requires the same (keymaster/4.0 IKeymasterDevice.hal, VTS
 * keymaster_hidl_hal_test.cpp), so the sizes do not depend on the release. The simulator supports what is
 * required and no more: RSA sizes a vendor may add (1024, 8192) are refused.
 * A StrongBox holds EC P-256, RSA 2048, AES 128 and 256 (never 192), HMAC 64 to 512 bits
 * in whole bytes, and no Ed25519. AOSP: IKeyMintDevice.aidl "STRONGBOX IKeyMintDevices must support 2048-bit
 * keys / NIST curve P-256 / must only support 128 and 256-bit keys / must not support keys larger than 512
 * bits"; KeyMintAidlTestBase.cpp InvalidKeySizes for STRONGBOX: RSA 3072, 4096; EC 224, 384, 521; AES 192;
 * InvalidCurves: P_224, P_384, P_521, CURVE_25519. */
static const key_size_rule key_size_rules[] = {
    {.algorithm = KSSIM_ALGORITHM_EC, .sizes = {224, 256, 384, 521}, .size_count = 4},
    {.algorithm = KSSIM_ALGORITHM_RSA, .sizes = {2048, 3072, 4096}, .size_count = 3},
    {.algorithm = KSSIM_ALGORITHM_ED25519, .sizes = {256}, .size_count = 1, .note = " (Ed25519 has one size)"},
    {.algorithm = KSSIM_ALGORITHM_AES, .sizes = {128, 192, 256}, .size_count = 3},
    {.algorithm = KSSIM_ALGORITHM_HMAC,
     .smallest = 64,
     .largest = 512,
     .step = 8,
     .note = " (usually the digest's size, e.g. 256 for sha256)"},
    {.algorithm = KSSIM_ALGORITHM_EC, .strongbox = true, .sizes = {256}, .size_count = 1},
    {.algorithm = KSSIM_ALGORITHM_RSA, .strongbox = true, .sizes = {2048}, .size_count = 1},
    {.algorithm = KSSIM_ALGORITHM_AES, .strongbox = true, .sizes = {128, 256}, .size_count = 2},
    {.algorithm = KSSIM_ALGORITHM_HMAC,
     .strongbox = true,
     .smallest = 64,
     .largest = 512,
     .step = 8,
     .note = " (usually the digest's size, e.g. 256 for sha256)"},
};

static const key_size_rule *key_size_rule_for(kssim_algorithm algorithm, bool strongbox)
{
    for (size_t i = 0; i < sizeof(key_size_rules) / sizeof(key_size_rules[0]); i++)
        if (key_size_rules[i].algorithm == algorithm && key_size_rules[i].strongbox == strongbox)
            return &key_size_rules[i];
    return NULL;
}

static bool rule_allows(const key_size_rule *rule, uint32_t size)
{
    if (rule == NULL)
        return false;
    if (rule->step != 0)
        return size >= rule->smallest && size <= rule->largest && size % rule->step == 0;
    for (size_t i = 0; i < rule->size_count; i++)
        if (rule->sizes[i] == size)
            return true;
    return false;
}

/* R-KEY-SIZES-TEE: TEE sizes: EC 224-521, RSA 2048-4096, AES 128/192/256, HMAC 64-512. AOSP: IKeyMintDevice.aidl */
/* R-KEY-SIZES-STRONGBOX: EC 256, RSA 2048, AES 128/256, HMAC 64-512. AOSP: IKeyMintDevice.aidl */
bool sim_key_size_supported(kssim_algorithm algorithm, bool strongbox, uint32_t size)
{
    return rule_allows(key_size_rule_for(algorithm, strongbox), size);
}

/* The sizes of a rule that the other rule does not allow (all of them when other is NULL), in words:
 * "2048, 3072 or 4096"; with separator "/" instead: "2048/3072/4096". */
static int sizes_text(const key_size_rule *rule, const key_size_rule *other, const char *separator, char *out,
                      size_t out_size)
{
    char numbers[4][12];
    const char *items[4] = {NULL};
    size_t count = 0;
    for (size_t i = 0; i < rule->size_count; i++) {
        if (other != NULL && rule_allows(other, rule->sizes[i]))
            continue;
        snprintf(numbers[count], sizeof(numbers[count]), "%u", rule->sizes[i]);
        items[count] = numbers[count];
        count++;
    }
    if (separator == NULL)
        return join(items, count, ", ", " or ", out, out_size);
    return join(items, count, separator, separator, out, out_size);
}

/* "224, 256, 384 or 521 (P-224, P-256, P-384, P-521)": an EC size is a NIST curve, which apps know by name. */
static int rule_text(const key_size_rule *rule, char *out, size_t out_size)
{
    if (rule->step != 0)
        return snprintf(out, out_size, "a multiple of %u from %u to %u%s", rule->step, rule->smallest, rule->largest,
                        rule->note != NULL ? rule->note : "");
    int length = sizes_text(rule, NULL, NULL, out, out_size);
    if (rule->algorithm == KSSIM_ALGORITHM_EC) {
        append(out, out_size, &length, " (");
        for (size_t i = 0; i < rule->size_count; i++) {
            char curve[16];
            snprintf(curve, sizeof(curve), "%sP-%u", i > 0 ? ", " : "", rule->sizes[i]);
            append(out, out_size, &length, curve);
        }
        append(out, out_size, &length, ")");
    }
    if (rule->note != NULL)
        append(out, out_size, &length, rule->note);
    return length;
}

int sim_key_sizes_text(kssim_algorithm algorithm, bool strongbox, char *out, size_t out_size)
{
    const key_size_rule *rule = key_size_rule_for(algorithm, strongbox);
    if (rule == NULL)
        return snprintf(out, out_size, "a size the algorithm defines");
    int length = rule_text(rule, out, out_size);
    const key_size_rule *tee = key_size_rule_for(algorithm, false);
    bool tee_has_more = false;
    for (size_t i = 0; strongbox && tee != NULL && i < tee->size_count; i++)
        tee_has_more = tee_has_more || !rule_allows(rule, tee->sizes[i]);
    if (tee_has_more) {
        char more[64];
        sizes_text(tee, rule, NULL, more, sizeof(more));
        append(out, out_size, &length, " in StrongBox, or security_level tee for ");
        append(out, out_size, &length, more);
    }
    return length;
}

/* "ec 224/256/384/521": a row of the advice sentence. */
static void append_rule_summary(const key_size_rule *rule, char *out, size_t out_size, int *length)
{
    char sizes[64];
    if (rule->step != 0)
        snprintf(sizes, sizeof(sizes), "%u-%u in steps of %u", rule->smallest, rule->largest, rule->step);
    else
        sizes_text(rule, NULL, "/", sizes, sizeof(sizes));
    append(out, out_size, length, sim_algorithm_name(rule->algorithm));
    append(out, out_size, length, " ");
    append(out, out_size, length, sizes);
}

static bool same_rule(const key_size_rule *a, const key_size_rule *b)
{
    if (a == NULL || b == NULL || a->step != b->step || a->size_count != b->size_count)
        return false;
    if (a->step != 0)
        return a->smallest == b->smallest && a->largest == b->largest;
    return memcmp(a->sizes, b->sizes, sizeof(a->sizes)) == 0;
}

int sim_key_sizes_summary(char *out, size_t out_size)
{
    int length = 0;
    if (out_size > 0)
        out[0] = '\0';
    append(out, out_size, &length, "Use a supported size: ");
    for (int strongbox = 0; strongbox <= 1; strongbox++) {
        bool first = true;
        if (strongbox)
            append(out, out_size, &length, "; in StrongBox ");
        for (size_t i = 0; i < sim_algorithms.count; i++) {
            kssim_algorithm algorithm = (kssim_algorithm)sim_algorithms.words[i].value;
            const key_size_rule *rule = key_size_rule_for(algorithm, strongbox);
            /* StrongBox rows that say what a TEE says add nothing to the sentence. */
            if (rule == NULL || (strongbox && same_rule(rule, key_size_rule_for(algorithm, false))))
                continue;
            if (!first)
                append(out, out_size, &length, ", ");
            append_rule_summary(rule, out, out_size, &length);
            first = false;
        }
    }
    append(out, out_size, &length, ".");
    return length;
}
