/*
 * scenario_words.c - the scenario format's own vocabularies of scenario_words.h (credentials, biometrics,
 * forged tokens, faults, ...), each word next to the value it selects; the device's words are core/names.c's.
 */
#include "runner/scenario_words.h"

#include <string.h>

#include <kssim/kssim.h>

static const scenario_word credential_types[] = {
    {.name = "pin", .value = KSSIM_CREDENTIAL_PIN},
    {.name = "password", .value = KSSIM_CREDENTIAL_PASSWORD},
    {.name = "pattern", .value = KSSIM_CREDENTIAL_PATTERN},
};
const scenario_words scenario_credential_types = SIM_VOCABULARY("credential type", credential_types);

static const scenario_word modalities[] = {
    {.name = "fingerprint", .value = KSSIM_MODALITY_FINGERPRINT},
    {.name = "face", .value = KSSIM_MODALITY_FACE},
};
const scenario_words scenario_modalities = SIM_VOCABULARY("modality", modalities);

static const scenario_word biometric_classes[] = {
    {.name = "strong", .value = KSSIM_BIOMETRIC_STRONG},
    {.name = "weak", .value = KSSIM_BIOMETRIC_WEAK},
};
const scenario_words scenario_biometric_classes = SIM_VOCABULARY("biometric class", biometric_classes);

static const scenario_word prompt_responses[] = {
    {.name = "none", .value = KSSIM_PROMPT_NONE},
    {.name = "biometric", .value = KSSIM_PROMPT_BIOMETRIC},
    {.name = "credential", .value = KSSIM_PROMPT_CREDENTIAL},
};
const scenario_words scenario_prompt_responses = SIM_VOCABULARY("prompt response", prompt_responses);

static const scenario_word token_types[] = {
    {.name = "password", .value = KSSIM_AUTHENTICATOR_PASSWORD},
    {.name = "fingerprint", .value = KSSIM_AUTHENTICATOR_FINGERPRINT},
};
const scenario_words scenario_token_types = SIM_VOCABULARY("token type", token_types);

static const scenario_word token_sids[] = {
    {.name = "root", .value = SCENARIO_SID_ROOT},
    {.name = "biometric", .value = SCENARIO_SID_BIOMETRIC},
};
const scenario_words scenario_token_sids = SIM_VOCABULARY("sid", token_sids);

static const scenario_word forged_macs[] = {
    {.name = "valid", .value = KSSIM_MAC_VALID},
    {.name = "corrupt", .value = KSSIM_MAC_CORRUPT},
    {.name = "previous_boot", .value = KSSIM_MAC_PREVIOUS_BOOT},
};
const scenario_words scenario_forged_macs = SIM_VOCABULARY("mac", forged_macs);

static const scenario_word blob_fields[] = {
    {.name = "auth_timeout", .value = KSSIM_BLOB_AUTH_TIMEOUT},
    {.name = "user_auth_types", .value = KSSIM_BLOB_USER_AUTH_TYPES},
    {.name = "purposes", .value = KSSIM_BLOB_PURPOSES},
    {.name = "key_material", .value = KSSIM_BLOB_KEY_MATERIAL},
};
const scenario_words scenario_blob_fields = SIM_VOCABULARY("field", blob_fields);

static const scenario_word faults[] = {
    {.name = "keystore_unavailable", .value = KSSIM_FAULT_KEYSTORE_UNAVAILABLE},
    {.name = "strongbox_failing", .value = KSSIM_FAULT_STRONGBOX_FAILING},
    {.name = "token_delayed", .value = KSSIM_FAULT_TOKEN_DELAYED},
    {.name = "key_blob_requires_upgrade", .value = KSSIM_FAULT_KEY_BLOB_REQUIRES_UPGRADE},
    {.name = "key_blob_undecryptable", .value = KSSIM_FAULT_KEY_BLOB_UNDECRYPTABLE},
    {.name = "wall_clock_jump", .value = KSSIM_FAULT_WALL_CLOCK_JUMP},
    {.name = "clear", .value = KSSIM_FAULT_CLEAR},
};
const scenario_words scenario_faults = SIM_VOCABULARY("fault", faults);

static const scenario_word clock_directions[] = {
    {.name = "forward", .value = SCENARIO_CLOCK_FORWARD},
    {.name = "backward", .value = SCENARIO_CLOCK_BACKWARD},
};
const scenario_words scenario_clock_directions = SIM_VOCABULARY("direction", clock_directions);
static const scenario_word signature_encodings[] = {
    {.name = "der", .value = SCENARIO_ENCODING_DER},
    {.name = "p1363", .value = SCENARIO_ENCODING_P1363},
};
const scenario_words scenario_signature_encodings = SIM_VOCABULARY("signature encoding", signature_encodings);

const scenario_word *scenario_words_find(const scenario_words *words, const char *name)
{
    return sim_vocabulary_find(words, name);
}

const char *scenario_words_name(const scenario_words *words, uint32_t value)
{
    return sim_vocabulary_name(words, value);
}
