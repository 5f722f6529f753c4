/*
 * scenario_words.c - the vocabularies of scenario_words.h, each word next to the device value it
 * selects.
 */
#include "runner/scenario_words.h"

#include <string.h>

#include <kssim/kssim.h>

#define WORDS(what, table)                                                                                             \
    {                                                                                                                  \
        what, table, sizeof(table) / sizeof(table[0])                                                                  \
    }

static const scenario_word algorithms[] = {
    {"ec", KSSIM_ALGORITHM_EC},   {"rsa", KSSIM_ALGORITHM_RSA},   {"ed25519", KSSIM_ALGORITHM_ED25519},
    {"aes", KSSIM_ALGORITHM_AES}, {"hmac", KSSIM_ALGORITHM_HMAC},
};
const scenario_words scenario_algorithms = WORDS("algorithm", algorithms);

static const scenario_word purposes[] = {
    {"sign", KSSIM_PURPOSE_SIGN},       {"verify", KSSIM_PURPOSE_VERIFY},       {"encrypt", KSSIM_PURPOSE_ENCRYPT},
    {"decrypt", KSSIM_PURPOSE_DECRYPT}, {"agree_key", KSSIM_PURPOSE_AGREE_KEY},
};
const scenario_words scenario_purposes = WORDS("purpose", purposes);

static const scenario_word digests[] = {
    {"none", KSSIM_DIGEST_NONE},     {"sha1", KSSIM_DIGEST_SHA1},     {"sha224", KSSIM_DIGEST_SHA224},
    {"sha256", KSSIM_DIGEST_SHA256}, {"sha384", KSSIM_DIGEST_SHA384}, {"sha512", KSSIM_DIGEST_SHA512},
};
const scenario_words scenario_digests = WORDS("digest", digests);

static const scenario_word block_modes[] = {
    {"gcm", KSSIM_BLOCK_MODE_GCM},
    {"cbc", KSSIM_BLOCK_MODE_CBC},
    {"ctr", KSSIM_BLOCK_MODE_CTR},
    {"ecb", KSSIM_BLOCK_MODE_ECB},
};
const scenario_words scenario_block_modes = WORDS("block mode", block_modes);

static const scenario_word paddings[] = {
    {"none", KSSIM_PADDING_NONE}, {"pkcs7", KSSIM_PADDING_PKCS7}, {"pkcs1", KSSIM_PADDING_PKCS1},
    {"pss", KSSIM_PADDING_PSS},   {"oaep", KSSIM_PADDING_OAEP},
};
const scenario_words scenario_paddings = WORDS("padding", paddings);

static const scenario_word auth_types[] = {
    {"biometric_strong", KSSIM_AUTH_BIOMETRIC_STRONG},
    {"device_credential", KSSIM_AUTH_DEVICE_CREDENTIAL},
};
const scenario_words scenario_auth_types = WORDS("authentication type", auth_types);

/* The device's best hardware, or the hardware a key asks for; "software" is a device without a TEE. */
static const scenario_word security_levels[] = {
    {"tee", KSSIM_SECURITY_TEE},
    {"strongbox", KSSIM_SECURITY_STRONGBOX},
    {"software", KSSIM_SECURITY_SOFTWARE},
};
const scenario_words scenario_security_levels = WORDS("security level", security_levels);

static const scenario_word credential_types[] = {
    {"pin", KSSIM_CREDENTIAL_PIN},
    {"password", KSSIM_CREDENTIAL_PASSWORD},
    {"pattern", KSSIM_CREDENTIAL_PATTERN},
};
const scenario_words scenario_credential_types = WORDS("credential type", credential_types);

static const scenario_word modalities[] = {
    {"fingerprint", KSSIM_MODALITY_FINGERPRINT},
    {"face", KSSIM_MODALITY_FACE},
};
const scenario_words scenario_modalities = WORDS("modality", modalities);

static const scenario_word biometric_classes[] = {
    {"strong", KSSIM_BIOMETRIC_STRONG},
    {"weak", KSSIM_BIOMETRIC_WEAK},
};
const scenario_words scenario_biometric_classes = WORDS("biometric class", biometric_classes);

static const scenario_word prompt_responses[] = {
    {"none", KSSIM_PROMPT_NONE},
    {"biometric", KSSIM_PROMPT_BIOMETRIC},
    {"credential", KSSIM_PROMPT_CREDENTIAL},
};
const scenario_words scenario_prompt_responses = WORDS("prompt response", prompt_responses);

static const scenario_word key_states[] = {
    {"valid", KSSIM_KEY_VALID},
    {"invalidated", KSSIM_KEY_INVALIDATED},
    {"absent", KSSIM_KEY_ABSENT},
};
const scenario_words scenario_key_states = WORDS("key state", key_states);

static const scenario_word invalidation_reasons[] = {
    {"lock_screen_removed", KSSIM_REASON_LOCK_SCREEN_REMOVED},
    {"biometric_enrollment_changed", KSSIM_REASON_BIOMETRIC_ENROLLMENT_CHANGED},
    {"credential_reset", KSSIM_REASON_CREDENTIAL_RESET},
    {"usage_exhausted", KSSIM_REASON_USAGE_EXHAUSTED},
};
const scenario_words scenario_invalidation_reasons = WORDS("invalidation reason", invalidation_reasons);

static const scenario_word token_types[] = {
    {"password", KSSIM_AUTHENTICATOR_PASSWORD},
    {"fingerprint", KSSIM_AUTHENTICATOR_FINGERPRINT},
};
const scenario_words scenario_token_types = WORDS("token type", token_types);

static const scenario_word token_sids[] = {
    {"root", SCENARIO_SID_ROOT},
    {"biometric", SCENARIO_SID_BIOMETRIC},
};
const scenario_words scenario_token_sids = WORDS("sid", token_sids);

static const scenario_word forged_macs[] = {
    {"valid", KSSIM_MAC_VALID},
    {"corrupt", KSSIM_MAC_CORRUPT},
    {"previous_boot", KSSIM_MAC_PREVIOUS_BOOT},
};
const scenario_words scenario_forged_macs = WORDS("mac", forged_macs);

static const scenario_word blob_fields[] = {
    {"auth_timeout", KSSIM_BLOB_AUTH_TIMEOUT},
    {"user_auth_types", KSSIM_BLOB_USER_AUTH_TYPES},
    {"purposes", KSSIM_BLOB_PURPOSES},
    {"key_material", KSSIM_BLOB_KEY_MATERIAL},
};
const scenario_words scenario_blob_fields = WORDS("field", blob_fields);

static const scenario_word faults[] = {
    {"keystore_unavailable", KSSIM_FAULT_KEYSTORE_UNAVAILABLE},
    {"strongbox_failing", KSSIM_FAULT_STRONGBOX_FAILING},
    {"token_delayed", KSSIM_FAULT_TOKEN_DELAYED},
    {"key_blob_requires_upgrade", KSSIM_FAULT_KEY_BLOB_REQUIRES_UPGRADE},
    {"key_blob_undecryptable", KSSIM_FAULT_KEY_BLOB_UNDECRYPTABLE},
    {"wall_clock_jump", KSSIM_FAULT_WALL_CLOCK_JUMP},
    {"clear", KSSIM_FAULT_CLEAR},
};
const scenario_words scenario_faults = WORDS("fault", faults);

static const scenario_word clock_directions[] = {
    {"forward", SCENARIO_CLOCK_FORWARD},
    {"backward", SCENARIO_CLOCK_BACKWARD},
};
const scenario_words scenario_clock_directions = WORDS("direction", clock_directions);
static const scenario_word signature_encodings[] = {
    {"der", SCENARIO_ENCODING_DER},
    {"p1363", SCENARIO_ENCODING_P1363},
};
const scenario_words scenario_signature_encodings = WORDS("signature encoding", signature_encodings);

const scenario_word *scenario_words_find(const scenario_words *words, const char *name)
{
    for (size_t i = 0; i < words->count; i++)
        if (strcmp(words->words[i].name, name) == 0)
            return &words->words[i];
    return NULL;
}

const char *scenario_words_name(const scenario_words *words, uint32_t value)
{
    for (size_t i = 0; i < words->count; i++)
        if (words->words[i].value == value)
            return words->words[i].name;
    return NULL;
}
