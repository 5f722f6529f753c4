/*
 * scenario_steps.c - the scenario format itself, as data: every step of the contract with its
 * arguments (shared/spec/scenario-format.md), and the spelling of every key.
 */
#include "runner/scenario_steps.h"

#define COUNT(array)  (sizeof(array) / sizeof((array)[0]))
#define ALIAS_MAXIMUM (KSSIM_ALIAS_MAX - 1)

/* Alternatives groups: data | data_hex, pem | key_hex. */
#define DATA_GROUP         1u
#define KEY_MATERIAL_GROUP 2u
/* unlock: secret | biometric | trust_agent - one way of unlocking at a time. */
#define UNLOCK_METHOD_GROUP 3u

static const char *const key_names[SCENARIO_KEY_COUNT] = {
    [SCENARIO_KEY_VALUE] = "value",
    [SCENARIO_KEY_NAME] = "name",
    [SCENARIO_KEY_DESCRIPTION] = "description",
    [SCENARIO_KEY_SEED] = "seed",
    [SCENARIO_KEY_DEVICE] = "device",
    [SCENARIO_KEY_API_LEVEL] = "api_level",
    [SCENARIO_KEY_WALL_CLOCK] = "wall_clock",
    [SCENARIO_KEY_STEPS] = "steps",
    [SCENARIO_KEY_EXPECT] = "expect",
    [SCENARIO_KEY_ALIAS] = "alias",
    [SCENARIO_KEY_ALGORITHM] = "algorithm",
    [SCENARIO_KEY_SIZE] = "size",
    [SCENARIO_KEY_PURPOSES] = "purposes",
    [SCENARIO_KEY_DIGESTS] = "digests",
    [SCENARIO_KEY_BLOCK_MODES] = "block_modes",
    [SCENARIO_KEY_PADDINGS] = "paddings",
    [SCENARIO_KEY_USER_AUTH] = "user_auth",
    [SCENARIO_KEY_TIMEOUT] = "timeout",
    [SCENARIO_KEY_TYPES] = "types",
    [SCENARIO_KEY_INVALIDATED_BY_BIOMETRIC_ENROLLMENT] = "invalidated_by_biometric_enrollment",
    [SCENARIO_KEY_UNLOCKED_DEVICE_REQUIRED] = "unlocked_device_required",
    [SCENARIO_KEY_MAX_USES_PER_BOOT] = "max_uses_per_boot",
    [SCENARIO_KEY_USAGE_COUNT_LIMIT] = "usage_count_limit",
    [SCENARIO_KEY_MIN_SECONDS_BETWEEN_OPS] = "min_seconds_between_ops",
    [SCENARIO_KEY_ACTIVE] = "active",
    [SCENARIO_KEY_ORIGINATION_EXPIRE] = "origination_expire",
    [SCENARIO_KEY_USAGE_EXPIRE] = "usage_expire",
    [SCENARIO_KEY_SECURITY_LEVEL] = "security_level",
    [SCENARIO_KEY_PEM] = "pem",
    [SCENARIO_KEY_KEY_HEX] = "key_hex",
    [SCENARIO_KEY_STATE] = "state",
    [SCENARIO_KEY_REASON] = "reason",
    [SCENARIO_KEY_KEY] = "key",
    [SCENARIO_KEY_DATA] = "data",
    [SCENARIO_KEY_DATA_HEX] = "data_hex",
    [SCENARIO_KEY_DIGEST] = "digest",
    [SCENARIO_KEY_PADDING] = "padding",
    [SCENARIO_KEY_BLOCK_MODE] = "block_mode",
    [SCENARIO_KEY_SIGNATURE] = "signature",
    [SCENARIO_KEY_CIPHERTEXT] = "ciphertext",
    [SCENARIO_KEY_PURPOSE] = "purpose",
    [SCENARIO_KEY_OP] = "op",
    [SCENARIO_KEY_AS] = "as",
    [SCENARIO_KEY_SECRET] = "secret",
    [SCENARIO_KEY_TYPE] = "type",
    [SCENARIO_KEY_OLD] = "old",
    [SCENARIO_KEY_NEW] = "new",
    [SCENARIO_KEY_CHALLENGE] = "challenge",
    [SCENARIO_KEY_ID] = "id",
    [SCENARIO_KEY_MODALITY] = "modality",
    [SCENARIO_KEY_CLASS] = "class",
    [SCENARIO_KEY_SID] = "sid",
    [SCENARIO_KEY_AGE] = "age",
    [SCENARIO_KEY_MAC] = "mac",
    [SCENARIO_KEY_FIELD] = "field",
    [SCENARIO_KEY_RESPOND] = "respond",
    [SCENARIO_KEY_TIMES] = "count",
    [SCENARIO_KEY_ROLLBACK_RESISTANT] = "rollback_resistant",
    [SCENARIO_KEY_FROM] = "from",
    [SCENARIO_KEY_BIOMETRIC] = "biometric",
    [SCENARIO_KEY_TRUST_AGENT] = "trust_agent",
    [SCENARIO_KEY_FAULT] = "fault",
    [SCENARIO_KEY_CALLS] = "calls",
    [SCENARIO_KEY_DELAY] = "delay",
    [SCENARIO_KEY_BY] = "by",
    [SCENARIO_KEY_DIRECTION] = "direction",
    [SCENARIO_KEY_ENCODING] = "encoding",
    [SCENARIO_KEY_ATTESTATION_CHALLENGE] = "attestation_challenge",
    [SCENARIO_KEY_ATTESTATION_APPLICATION_ID] = "attestation_application_id",
    [SCENARIO_KEY_ATTACK] = "attack",
    [SCENARIO_KEY_CHAIN_VERIFIES] = "chain_verifies",
    [SCENARIO_KEY_LEAF_KEY_OF] = "leaf_key_of",
    [SCENARIO_KEY_ATTESTATION_APP_SIGNATURE_DIGEST] = "attestation_app_signature_digest",
    [SCENARIO_KEY_USER_AUTH_TYPE] = "user_auth_type",
    [SCENARIO_KEY_AUTH_TIMEOUT] = "auth_timeout",
    [SCENARIO_KEY_ATTESTATION_VERSION] = "attestation_version",
};

const char *scenario_key_name(scenario_key key)
{
    return key < SCENARIO_KEY_COUNT ? key_names[key] : "?";
}

const char *scenario_action_name(scenario_action action)
{
    return action < SCENARIO_ACTION_COUNT ? scenario_step_specs[action].name : "?";
}

/* ---- The top level ---- */

static const scenario_arg_spec device_args[] = {
    {.key = SCENARIO_KEY_API_LEVEL, .type = SCENARIO_ARG_API_LEVELS},
    {.key = SCENARIO_KEY_SECURITY_LEVEL, .type = SCENARIO_ARG_WORD, .words = &scenario_security_levels},
    {.key = SCENARIO_KEY_WALL_CLOCK, .type = SCENARIO_ARG_DATETIME},
};

const scenario_arg_spec scenario_file_specs[] = {
    {.key = SCENARIO_KEY_NAME, .type = SCENARIO_ARG_TEXT, .required = true},
    {.key = SCENARIO_KEY_DESCRIPTION, .type = SCENARIO_ARG_TEXT},
    {.key = SCENARIO_KEY_SEED, .type = SCENARIO_ARG_UNSIGNED, .maximum = UINT64_MAX},
    {.key = SCENARIO_KEY_DEVICE, .type = SCENARIO_ARG_MAP, .members = device_args, .member_count = COUNT(device_args)},
};
const size_t scenario_file_spec_count = COUNT(scenario_file_specs);

/* ---- Arguments several steps share ---- */

#define U32(name, needed)                                                                                              \
    {                                                                                                                  \
        .key = SCENARIO_KEY_##name, .type = SCENARIO_ARG_UNSIGNED, .required = needed, .maximum = UINT32_MAX           \
    }
#define TEXT(name, needed)                                                                                             \
    {                                                                                                                  \
        .key = SCENARIO_KEY_##name, .type = SCENARIO_ARG_TEXT, .required = needed                                      \
    }
#define WORD(name, vocabulary, needed)                                                                                 \
    {                                                                                                                  \
        .key = SCENARIO_KEY_##name, .type = SCENARIO_ARG_WORD, .words = &vocabulary, .required = needed                \
    }
#define WORDS(name, vocabulary)                                                                                        \
    {                                                                                                                  \
        .key = SCENARIO_KEY_##name, .type = SCENARIO_ARG_WORD_LIST, .words = &vocabulary                               \
    }
#define DATETIME(name)                                                                                                 \
    {                                                                                                                  \
        .key = SCENARIO_KEY_##name, .type = SCENARIO_ARG_DATETIME                                                      \
    }
#define BOOL(name)                                                                                                     \
    {                                                                                                                  \
        .key = SCENARIO_KEY_##name, .type = SCENARIO_ARG_BOOL                                                          \
    }
#define REFERENCE(name, kind, needed)                                                                                  \
    {                                                                                                                  \
        .key = SCENARIO_KEY_##name, .type = SCENARIO_ARG_REFERENCE, .slot = SCENARIO_SLOT_##kind, .required = needed   \
    }
#define DEFINES(kind)                                                                                                  \
    {                                                                                                                  \
        .key = SCENARIO_KEY_AS, .type = SCENARIO_ARG_DEFINITION, .slot = SCENARIO_SLOT_##kind                          \
    }
#define CHALLENGE                                                                                                      \
    {                                                                                                                  \
        .key = SCENARIO_KEY_CHALLENGE, .type = SCENARIO_ARG_CHALLENGE                                                  \
    }
#define KEY_ALIAS(name)                                                                                                \
    {                                                                                                                  \
        .key = SCENARIO_KEY_##name, .type = SCENARIO_ARG_TEXT, .required = true, .text_maximum = ALIAS_MAXIMUM         \
    }
#define DATA(needed)                                                                                                   \
    {.key = SCENARIO_KEY_DATA, .type = SCENARIO_ARG_TEXT, .required = needed, .alternatives = DATA_GROUP},             \
    {                                                                                                                  \
        .key = SCENARIO_KEY_DATA_HEX, .type = SCENARIO_ARG_HEX, .required = needed, .alternatives = DATA_GROUP         \
    }
#define OPERATION_PARAMETERS                                                                                           \
    WORD(DIGEST, scenario_digests, false), WORD(PADDING, scenario_paddings, false),                                    \
        WORD(BLOCK_MODE, scenario_block_modes, false)

static const scenario_arg_spec user_auth_args[] = {
    U32(TIMEOUT, false),
    WORDS(TYPES, scenario_auth_types),
};

/* KeyGenParameterSpec, shared by generate_key and import_key. */
#define KEY_POLICY                                                                                                     \
    KEY_ALIAS(ALIAS), WORD(ALGORITHM, scenario_algorithms, false), U32(SIZE, false),                                   \
        WORDS(PURPOSES, scenario_purposes), WORDS(DIGESTS, scenario_digests),                                          \
        WORDS(BLOCK_MODES, scenario_block_modes), WORDS(PADDINGS, scenario_paddings),                                  \
        {.key = SCENARIO_KEY_USER_AUTH,                                                                                \
         .type = SCENARIO_ARG_MAP,                                                                                     \
         .members = user_auth_args,                                                                                    \
         .member_count = COUNT(user_auth_args)},                                                                       \
        BOOL(INVALIDATED_BY_BIOMETRIC_ENROLLMENT), BOOL(UNLOCKED_DEVICE_REQUIRED), U32(MAX_USES_PER_BOOT, false),      \
        U32(USAGE_COUNT_LIMIT, false), U32(MIN_SECONDS_BETWEEN_OPS, false), DATETIME(ACTIVE),                          \
        DATETIME(ORIGINATION_EXPIRE), DATETIME(USAGE_EXPIRE), WORD(SECURITY_LEVEL, scenario_security_levels, false),   \
        BOOL(ROLLBACK_RESISTANT)

/* ---- Steps ---- */

static const scenario_arg_spec advance_args[] = {{.key = SCENARIO_KEY_VALUE, .type = SCENARIO_ARG_DURATION}};
static const scenario_arg_spec set_wall_clock_args[] = {DATETIME(VALUE)};
static const scenario_arg_spec unlock_args[] = {
    {.key = SCENARIO_KEY_SECRET, .type = SCENARIO_ARG_TEXT, .alternatives = UNLOCK_METHOD_GROUP},
    {.key = SCENARIO_KEY_BIOMETRIC,
     .type = SCENARIO_ARG_UNSIGNED,
     .maximum = UINT32_MAX,
     .alternatives = UNLOCK_METHOD_GROUP},
    {.key = SCENARIO_KEY_TRUST_AGENT, .type = SCENARIO_ARG_BOOL, .alternatives = UNLOCK_METHOD_GROUP},
};
/* A trust agent (Smart Lock) enabled when the device locks: a weak unlock method. */
static const scenario_arg_spec lock_args[] = {BOOL(TRUST_AGENT)};
static const scenario_arg_spec set_credential_args[] = {WORD(TYPE, scenario_credential_types, true),
                                                        TEXT(SECRET, true)};
static const scenario_arg_spec change_credential_args[] = {TEXT(OLD, true), TEXT(NEW, true)};
static const scenario_arg_spec reset_credential_args[] = {TEXT(NEW, true)};
static const scenario_arg_spec remove_credential_args[] = {TEXT(OLD, true)};
static const scenario_arg_spec verify_credential_args[] = {TEXT(SECRET, true), CHALLENGE, DEFINES(TOKEN)};
static const scenario_arg_spec enroll_biometric_args[] = {U32(ID, true), WORD(MODALITY, scenario_modalities, false),
                                                          WORD(CLASS, scenario_biometric_classes, false)};
static const scenario_arg_spec remove_biometric_args[] = {U32(ID, true)};
static const scenario_arg_spec authenticate_biometric_args[] = {U32(ID, true), CHALLENGE, DEFINES(TOKEN)};
/* attestation_challenge: KeyGenParameterSpec.setAttestationChallenge; any length is read, and KeyMint
 * refuses one over 128 bytes (INVALID_INPUT_LENGTH), as the device would. */
static const scenario_arg_spec generate_key_args[] = {
    KEY_POLICY,
    {.key = SCENARIO_KEY_ATTESTATION_CHALLENGE, .type = SCENARIO_ARG_TEXT, .text_maximum = 4096},
    {.key = SCENARIO_KEY_ATTESTATION_APPLICATION_ID, .type = SCENARIO_ARG_TEXT, .text_maximum = ALIAS_MAXIMUM},
    {.key = SCENARIO_KEY_ATTESTATION_APP_SIGNATURE_DIGEST, .type = SCENARIO_ARG_HEX}};
/* Each field written is compared with the key's attestation record (runner_steps_attestation.c); attack
 * (with from for copy-extension) reads the chain an attacker makes of it instead; chain_verifies and
 * leaf_key_of are the backend's checks of the chain itself. */
static const scenario_arg_spec expect_attestation_args[] = {
    KEY_ALIAS(ALIAS),
    WORD(ATTACK, scenario_attestation_attacks, false),
    {.key = SCENARIO_KEY_FROM, .type = SCENARIO_ARG_TEXT, .text_maximum = ALIAS_MAXIMUM},
    BOOL(CHAIN_VERIFIES),
    {.key = SCENARIO_KEY_LEAF_KEY_OF, .type = SCENARIO_ARG_TEXT, .text_maximum = ALIAS_MAXIMUM},
    WORD(SECURITY_LEVEL, scenario_security_levels, false),
    {.key = SCENARIO_KEY_CHALLENGE, .type = SCENARIO_ARG_TEXT, .text_maximum = 128},
    WORDS(USER_AUTH_TYPE, scenario_auth_types),
    {.key = SCENARIO_KEY_AUTH_TIMEOUT, .type = SCENARIO_ARG_UNSIGNED, .maximum = UINT32_MAX},
    {.key = SCENARIO_KEY_ATTESTATION_VERSION, .type = SCENARIO_ARG_UNSIGNED, .maximum = UINT32_MAX, .by_level = true},
    {.key = SCENARIO_KEY_ATTESTATION_APPLICATION_ID, .type = SCENARIO_ARG_TEXT, .text_maximum = ALIAS_MAXIMUM}};
static const scenario_arg_spec import_key_args[] = {
    KEY_POLICY,
    {.key = SCENARIO_KEY_PEM,
     .type = SCENARIO_ARG_TEXT,
     .required = true,
     .alternatives = KEY_MATERIAL_GROUP,
     .shown_as_size = true},
    {.key = SCENARIO_KEY_KEY_HEX, .type = SCENARIO_ARG_HEX, .required = true, .alternatives = KEY_MATERIAL_GROUP},
};
static const scenario_arg_spec delete_key_args[] = {
    {.key = SCENARIO_KEY_VALUE, .type = SCENARIO_ARG_TEXT, .text_maximum = ALIAS_MAXIMUM}};
/* state and reason may differ between releases: {30: invalidated, 31..: valid}. */
static const scenario_arg_spec expect_key_args[] = {
    KEY_ALIAS(ALIAS),
    {.key = SCENARIO_KEY_STATE,
     .type = SCENARIO_ARG_WORD,
     .words = &scenario_key_states,
     .required = true,
     .by_level = true},
    {.key = SCENARIO_KEY_REASON, .type = SCENARIO_ARG_WORD, .words = &scenario_invalidation_reasons, .by_level = true}};
static const scenario_arg_spec sign_args[] = {KEY_ALIAS(KEY),
                                              DATA(true),
                                              WORD(DIGEST, scenario_digests, false),
                                              WORD(PADDING, scenario_paddings, false),
                                              DEFINES(SIGNATURE),
                                              WORD(ENCODING, scenario_signature_encodings, false)};
static const scenario_arg_spec verify_args[] = {KEY_ALIAS(KEY),
                                                DATA(true),
                                                REFERENCE(SIGNATURE, SIGNATURE, true),
                                                WORD(DIGEST, scenario_digests, false),
                                                WORD(PADDING, scenario_paddings, false),
                                                WORD(ENCODING, scenario_signature_encodings, false)};
static const scenario_arg_spec encrypt_args[] = {KEY_ALIAS(KEY), DATA(true), OPERATION_PARAMETERS, DEFINES(CIPHERTEXT)};
static const scenario_arg_spec decrypt_args[] = {KEY_ALIAS(KEY), REFERENCE(CIPHERTEXT, CIPHERTEXT, true),
                                                 OPERATION_PARAMETERS};
static const scenario_arg_spec begin_args[] = {KEY_ALIAS(KEY), WORD(PURPOSE, scenario_purposes, true),
                                               OPERATION_PARAMETERS, REFERENCE(CIPHERTEXT, CIPHERTEXT, false),
                                               DEFINES(OPERATION)};
static const scenario_arg_spec update_args[] = {REFERENCE(OP, OPERATION, true), DATA(true)};
/* finish's as: names a signature, a ciphertext or an output according to the operation's purpose. */
static const scenario_arg_spec finish_args[] = {REFERENCE(OP, OPERATION, true), DATA(false),
                                                REFERENCE(SIGNATURE, SIGNATURE, false), DEFINES(OUTPUT)};
static const scenario_arg_spec abort_args[] = {REFERENCE(OP, OPERATION, true)};
static const scenario_arg_spec forge_token_args[] = {
    WORD(TYPE, scenario_token_types, true),
    {.key = SCENARIO_KEY_SID, .type = SCENARIO_ARG_SID, .words = &scenario_token_sids},
    CHALLENGE,
    {.key = SCENARIO_KEY_AGE, .type = SCENARIO_ARG_DURATION},
    WORD(MAC, scenario_forged_macs, false),
    DEFINES(TOKEN),
};
static const scenario_arg_spec replay_token_args[] = {REFERENCE(VALUE, TOKEN, true)};
static const scenario_arg_spec prompt_args[] = {
    WORD(RESPOND, scenario_prompt_responses, true),
    U32(ID, false),
    TEXT(SECRET, false),
    {.key = SCENARIO_KEY_TIMES, .type = SCENARIO_ARG_UNSIGNED, .minimum = 1, .maximum = UINT32_MAX}};
static const scenario_arg_spec tamper_key_blob_args[] = {KEY_ALIAS(ALIAS), WORD(FIELD, scenario_blob_fields, true)};
/* A copy of the device directory, and putting it back (docs/device.md, "Rollback"). */
static const scenario_arg_spec snapshot_args[] = {
    {.key = SCENARIO_KEY_AS, .type = SCENARIO_ARG_DEFINITION, .slot = SCENARIO_SLOT_SNAPSHOT, .required = true}};
static const scenario_arg_spec restore_snapshot_args[] = {REFERENCE(FROM, SNAPSHOT, true)};
/* The failures real devices show (docs/faults.md); which arguments a fault needs is checked by the device. */
static const scenario_arg_spec inject_fault_args[] = {
    WORD(FAULT, scenario_faults, true),
    U32(CALLS, false),
    {.key = SCENARIO_KEY_DELAY, .type = SCENARIO_ARG_DURATION},
    {.key = SCENARIO_KEY_BY, .type = SCENARIO_ARG_DURATION},
    WORD(DIRECTION, scenario_clock_directions, false),
    {.key = SCENARIO_KEY_ALIAS, .type = SCENARIO_ARG_TEXT, .text_maximum = ALIAS_MAXIMUM},
};

#define MAP_STEP(action, step_name, table)                                                                             \
    [SCENARIO_ACTION_##action] = {.name = step_name, .takes_expect = true, .args = table, .arg_count = COUNT(table)}
#define EMPTY_STEP(action, step_name) [SCENARIO_ACTION_##action] = {.name = step_name, .takes_expect = true}
#define SCALAR_STEP(action, step_name, table, form)                                                                    \
    [SCENARIO_ACTION_##action] = {.name = step_name,                                                                   \
                                  .scalar = true,                                                                      \
                                  .example = form,                                                                     \
                                  .takes_expect = true,                                                                \
                                  .args = table,                                                                       \
                                  .arg_count = COUNT(table)}

const scenario_step_spec scenario_step_specs[SCENARIO_ACTION_COUNT] = {
    SCALAR_STEP(ADVANCE, "advance", advance_args, "advance: 30s"),
    SCALAR_STEP(SET_WALL_CLOCK, "set_wall_clock", set_wall_clock_args, "set_wall_clock: \"2026-01-01T00:00:00Z\""),
    EMPTY_STEP(REBOOT, "reboot"),
    MAP_STEP(LOCK, "lock", lock_args),
    MAP_STEP(UNLOCK, "unlock", unlock_args),
    MAP_STEP(SET_CREDENTIAL, "set_credential", set_credential_args),
    MAP_STEP(CHANGE_CREDENTIAL, "change_credential", change_credential_args),
    MAP_STEP(RESET_CREDENTIAL, "reset_credential", reset_credential_args),
    MAP_STEP(REMOVE_CREDENTIAL, "remove_credential", remove_credential_args),
    MAP_STEP(VERIFY_CREDENTIAL, "verify_credential", verify_credential_args),
    MAP_STEP(ENROLL_BIOMETRIC, "enroll_biometric", enroll_biometric_args),
    MAP_STEP(REMOVE_BIOMETRIC, "remove_biometric", remove_biometric_args),
    MAP_STEP(AUTHENTICATE_BIOMETRIC, "authenticate_biometric", authenticate_biometric_args),
    EMPTY_STEP(CALLBACK_WITHOUT_CRYPTO, "callback_without_crypto"),
    MAP_STEP(GENERATE_KEY, "generate_key", generate_key_args),
    MAP_STEP(IMPORT_KEY, "import_key", import_key_args),
    SCALAR_STEP(DELETE_KEY, "delete_key", delete_key_args, "delete_key: login"),
    [SCENARIO_ACTION_EXPECT_KEY] = {.name = "expect_key", .args = expect_key_args, .arg_count = COUNT(expect_key_args)},
    MAP_STEP(SIGN, "sign", sign_args),
    MAP_STEP(VERIFY, "verify", verify_args),
    MAP_STEP(ENCRYPT, "encrypt", encrypt_args),
    MAP_STEP(DECRYPT, "decrypt", decrypt_args),
    MAP_STEP(BEGIN, "begin", begin_args),
    MAP_STEP(UPDATE, "update", update_args),
    MAP_STEP(FINISH, "finish", finish_args),
    MAP_STEP(ABORT, "abort", abort_args),
    MAP_STEP(FORGE_TOKEN, "forge_token", forge_token_args),
    SCALAR_STEP(REPLAY_TOKEN, "replay_token", replay_token_args, "replay_token: captured"),
    MAP_STEP(TAMPER_KEY_BLOB, "tamper_key_blob", tamper_key_blob_args),
    MAP_STEP(PROMPT, "prompt", prompt_args),
    MAP_STEP(SNAPSHOT, "snapshot", snapshot_args),
    MAP_STEP(RESTORE_SNAPSHOT, "restore_snapshot", restore_snapshot_args),
    MAP_STEP(INJECT_FAULT, "inject_fault", inject_fault_args),
    MAP_STEP(EXPECT_ATTESTATION, "expect_attestation", expect_attestation_args),
};
