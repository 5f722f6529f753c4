/*
 * scenario.h - a scenario file as the runner sees it after validation: a typed AST in which every
 * value remembers the LINE:COL it came from.
 *
 * Parsing and validation happen completely before anything runs, so a scenario that reaches the
 * runner is known to be well formed: every step has one action, every argument has the type its step
 * expects, and every name a step refers to was defined by an earlier step's `as:`. The runner then
 * only has to map values to device calls.
 *
 * A scenario owns all of its memory (one arena); scenario_free() releases it in one go, which keeps
 * the parser's many error paths free of clean-up code.
 */
#ifndef SIM_RUNNER_SCENARIO_H
#define SIM_RUNNER_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <kssim/kssim.h>

typedef struct scenario_arena scenario_arena;

/* At most one run per modelled Android release: a list of levels names each at most once. */
#define SCENARIO_API_LEVEL_COUNT_MAX (KSSIM_API_LEVEL_MAX - KSSIM_API_LEVEL_MIN + 1)

/* 1-based, as editors show them. */
typedef struct scenario_position {
    uint32_t line;
    uint32_t column;
} scenario_position;

/* Every step of the contract (shared/spec/scenario-format.md, "Steps"). */
typedef enum scenario_action {
    SCENARIO_ACTION_ADVANCE,
    SCENARIO_ACTION_SET_WALL_CLOCK,
    SCENARIO_ACTION_REBOOT,
    SCENARIO_ACTION_LOCK,
    SCENARIO_ACTION_UNLOCK,
    SCENARIO_ACTION_SET_CREDENTIAL,
    SCENARIO_ACTION_CHANGE_CREDENTIAL,
    SCENARIO_ACTION_RESET_CREDENTIAL,
    SCENARIO_ACTION_REMOVE_CREDENTIAL,
    SCENARIO_ACTION_VERIFY_CREDENTIAL,
    SCENARIO_ACTION_ENROLL_BIOMETRIC,
    SCENARIO_ACTION_REMOVE_BIOMETRIC,
    SCENARIO_ACTION_AUTHENTICATE_BIOMETRIC,
    SCENARIO_ACTION_CALLBACK_WITHOUT_CRYPTO,
    SCENARIO_ACTION_GENERATE_KEY,
    SCENARIO_ACTION_IMPORT_KEY,
    SCENARIO_ACTION_DELETE_KEY,
    SCENARIO_ACTION_EXPECT_KEY,
    SCENARIO_ACTION_SIGN,
    SCENARIO_ACTION_VERIFY,
    SCENARIO_ACTION_ENCRYPT,
    SCENARIO_ACTION_DECRYPT,
    SCENARIO_ACTION_BEGIN,
    SCENARIO_ACTION_UPDATE,
    SCENARIO_ACTION_FINISH,
    SCENARIO_ACTION_ABORT,
    SCENARIO_ACTION_FORGE_TOKEN,
    SCENARIO_ACTION_REPLAY_TOKEN,
    SCENARIO_ACTION_TAMPER_KEY_BLOB,
    SCENARIO_ACTION_PROMPT,
    SCENARIO_ACTION_SNAPSHOT,
    SCENARIO_ACTION_RESTORE_SNAPSHOT,
    SCENARIO_ACTION_INJECT_FAULT,       /* issue 14: docs/faults.md */
    SCENARIO_ACTION_EXPECT_ATTESTATION, /* issue 15: the key's attestation record says what is written */
    SCENARIO_ACTION_COUNT
} scenario_action;

/* Every key the format knows (top level, device, step arguments); scenario_key_name() spells them. */
typedef enum scenario_key {
    SCENARIO_KEY_VALUE, /* the value of a scalar shorthand step (advance: 30s) */
    SCENARIO_KEY_NAME,
    SCENARIO_KEY_DESCRIPTION,
    SCENARIO_KEY_SEED,
    SCENARIO_KEY_DEVICE,
    SCENARIO_KEY_API_LEVEL,
    SCENARIO_KEY_WALL_CLOCK,
    SCENARIO_KEY_STEPS,
    SCENARIO_KEY_EXPECT,
    SCENARIO_KEY_ALIAS,
    SCENARIO_KEY_ALGORITHM,
    SCENARIO_KEY_SIZE,
    SCENARIO_KEY_PURPOSES,
    SCENARIO_KEY_DIGESTS,
    SCENARIO_KEY_BLOCK_MODES,
    SCENARIO_KEY_PADDINGS,
    SCENARIO_KEY_USER_AUTH,
    SCENARIO_KEY_TIMEOUT,
    SCENARIO_KEY_TYPES,
    SCENARIO_KEY_INVALIDATED_BY_BIOMETRIC_ENROLLMENT,
    SCENARIO_KEY_UNLOCKED_DEVICE_REQUIRED,
    SCENARIO_KEY_MAX_USES_PER_BOOT,
    SCENARIO_KEY_USAGE_COUNT_LIMIT,
    SCENARIO_KEY_MIN_SECONDS_BETWEEN_OPS,
    SCENARIO_KEY_ACTIVE,
    SCENARIO_KEY_ORIGINATION_EXPIRE,
    SCENARIO_KEY_USAGE_EXPIRE,
    SCENARIO_KEY_SECURITY_LEVEL,
    SCENARIO_KEY_PEM,
    SCENARIO_KEY_KEY_HEX,
    SCENARIO_KEY_STATE,
    SCENARIO_KEY_REASON,
    SCENARIO_KEY_KEY,
    SCENARIO_KEY_DATA,
    SCENARIO_KEY_DATA_HEX,
    SCENARIO_KEY_DIGEST,
    SCENARIO_KEY_PADDING,
    SCENARIO_KEY_BLOCK_MODE,
    SCENARIO_KEY_SIGNATURE,
    SCENARIO_KEY_CIPHERTEXT,
    SCENARIO_KEY_PURPOSE,
    SCENARIO_KEY_OP,
    SCENARIO_KEY_AS,
    SCENARIO_KEY_SECRET,
    SCENARIO_KEY_TYPE,
    SCENARIO_KEY_OLD,
    SCENARIO_KEY_NEW,
    SCENARIO_KEY_CHALLENGE,
    SCENARIO_KEY_ID,
    SCENARIO_KEY_MODALITY,
    SCENARIO_KEY_CLASS,
    SCENARIO_KEY_SID,
    SCENARIO_KEY_AGE,
    SCENARIO_KEY_MAC,
    SCENARIO_KEY_FIELD,
    SCENARIO_KEY_RESPOND,
    SCENARIO_KEY_TIMES, /* spelled "count" */
    SCENARIO_KEY_ROLLBACK_RESISTANT,
    SCENARIO_KEY_FROM,
    SCENARIO_KEY_BIOMETRIC,   /* unlock: {biometric: ID} */
    SCENARIO_KEY_TRUST_AGENT, /* unlock: {trust_agent: true}, lock: {trust_agent: true} */
    /* inject_fault (issue 14) */
    SCENARIO_KEY_FAULT,
    SCENARIO_KEY_CALLS,
    SCENARIO_KEY_DELAY,
    SCENARIO_KEY_BY,
    SCENARIO_KEY_DIRECTION,
    SCENARIO_KEY_ENCODING, /* sign and verify: der or p1363 (docs/jws.md) */
    /* key attestation (issue 15) */
    SCENARIO_KEY_ATTESTATION_CHALLENGE,
    SCENARIO_KEY_ATTESTATION_APPLICATION_ID,
    SCENARIO_KEY_USER_AUTH_TYPE,
    SCENARIO_KEY_AUTH_TIMEOUT,
    SCENARIO_KEY_ATTESTATION_VERSION,
    SCENARIO_KEY_ATTACK,         /* expect_attestation: the attacked chain (kssim_attestation_attack) */
    SCENARIO_KEY_CHAIN_VERIFIES, /* expect_attestation: the chain verifies to the device's root */
    SCENARIO_KEY_LEAF_KEY_OF,    /* expect_attestation: the leaf certifies this key's public key */
    SCENARIO_KEY_ATTESTATION_APP_SIGNATURE_DIGEST,
    SCENARIO_KEY_COUNT
} scenario_key;

/* What a name given with `as:` stands for; references are checked against it. */
typedef enum scenario_slot_kind {
    SCENARIO_SLOT_OPERATION,
    SCENARIO_SLOT_TOKEN,
    SCENARIO_SLOT_SIGNATURE,
    SCENARIO_SLOT_CIPHERTEXT,
    SCENARIO_SLOT_OUTPUT,   /* what finish gave for a decrypt or verify operation */
    SCENARIO_SLOT_SNAPSHOT, /* the whole device, as a copy of its directory */
} scenario_slot_kind;

typedef enum scenario_value_kind {
    SCENARIO_VALUE_TEXT,     /* text/length: a string as written (may hold NUL for data) */
    SCENARIO_VALUE_BYTES,    /* text/length: bytes decoded from hex */
    SCENARIO_VALUE_NUMBER,   /* number */
    SCENARIO_VALUE_DURATION, /* number: milliseconds */
    SCENARIO_VALUE_DATETIME, /* time_ms: Unix milliseconds */
    SCENARIO_VALUE_BOOL,     /* number: 0 or 1 */
    SCENARIO_VALUE_WORD,     /* number: the word's value (enum or flag bit); text: the word */
    SCENARIO_VALUE_WORDS,    /* number: the union of the words' bits */
    SCENARIO_VALUE_NAME,     /* number: slot index of the name defined or referred to; text: the name */
    SCENARIO_VALUE_MAP,      /* members */
    /* device api_level, one level or a list: members are the levels (NUMBER) in the order written; number is the
     * first */
    SCENARIO_VALUE_API_LEVELS,
    /* A value written per Android release, `{30: invalidated, 31..: valid}`: members are the values, each with the
     * levels it is for (lowest_level..highest_level); the ranges do not overlap. */
    SCENARIO_VALUE_BY_LEVEL,
} scenario_value_kind;

typedef struct scenario_arg {
    scenario_key key;
    scenario_position position; /* of the value */
    scenario_value_kind kind;
    const char *text;
    size_t length;
    uint64_t number;
    int64_t time_ms;
    const char *canonical; /* how the transcript shows the value: stable whatever spelling was used */
    const struct scenario_arg *members;
    size_t member_count;
    int lowest_level, highest_level; /* members of a SCENARIO_VALUE_BY_LEVEL value: the API levels it is for */
} scenario_arg;

/* One entry of an expectation written per Android release (`expect: {30: KEY_PERMANENTLY_INVALIDATED, 31..:
 * KEY_USER_NOT_AUTHENTICATED}`): on API levels lowest_level..highest_level the step must give result (or
 * anything, when any). */
typedef struct scenario_expectation {
    scenario_position position; /* of the level key */
    int lowest_level, highest_level;
    bool any;
    kssim_result result;
    const char *exception; /* expect by the app's exception: its qualified class name; NULL otherwise */
} scenario_expectation;

typedef struct scenario_step {
    scenario_action action;
    scenario_position position; /* of the action key */
    bool expect_any;
    kssim_result expect;
    /* expect: KeyPermanentlyInvalidatedException - met when the app's exception (sim/framework/app_view.c) is
     * this class (qualified name); NULL when the step expects a result. */
    const char *expect_exception;
    /* Non-empty: expect was written per Android release, and expect/expect_any are not used. */
    const scenario_expectation *expect_by_level;
    size_t expect_by_level_count;
    scenario_arg *args; /* in the order written */
    size_t arg_count;
} scenario_step;

typedef struct scenario_slot {
    const char *name;
    scenario_slot_kind kind;
    scenario_position position;
    size_t step_index;
    uint32_t purpose; /* operations: the KSSIM_PURPOSE_* bit they were begun with */
} scenario_slot;

typedef struct scenario_diagnostic {
    scenario_position position;
    const char *message;
} scenario_diagnostic;

typedef struct scenario {
    scenario_arena *arena;
    const char *path;
    const char *name;
    const char *description; /* NULL when absent */
    /* The device as the file sets it up; what it leaves out keeps kssim_config_default()'s value. */
    bool has_seed, has_api_level, has_security_level, has_wall_clock;
    uint64_t seed;
    int api_level; /* the first of api_levels */
    /* device: {api_level: [30, 34]}: the scenario runs once per level, in this order, each on a fresh device. */
    int api_levels[SCENARIO_API_LEVEL_COUNT_MAX];
    size_t api_level_count;
    kssim_security_level security_level;
    int64_t wall_clock_ms;
    scenario_step *steps;
    size_t step_count;
    scenario_slot *slots;
    size_t slot_count;
    scenario_diagnostic *diagnostics; /* non-empty: the file is not a valid scenario */
    size_t diagnostic_count;
} scenario;

/* Deeper nesting than this is refused: no scenario needs it and it bounds every walk of the tree. */
#define SCENARIO_MAX_DEPTH 32
/* Larger files are refused before parsing: real scenarios are a few kilobytes. */
#define SCENARIO_MAX_FILE_BYTES (1024u * 1024u)

/* Parses and validates a scenario held in memory; path is only used in messages. Returns NULL only
 * when memory ran out; otherwise a scenario whose diagnostics say whether it is valid. */
scenario *scenario_parse_text(const char *path, const char *text, size_t length);
/* Reads the file and parses it; unreadable files come back with a diagnostic too. */
scenario *scenario_parse_file(const char *path);
void scenario_free(scenario *scenario);

bool scenario_is_valid(const scenario *scenario);
/* Writes "PATH:LINE:COL: message" lines, one per diagnostic. */
void scenario_print_diagnostics(const scenario *scenario, FILE *stream);

/* The argument of a step (or of a map argument) with this key, NULL when it was not written. */
const scenario_arg *scenario_step_find(const scenario_step *step, scenario_key key);
const scenario_arg *scenario_arg_find(const scenario_arg *map, scenario_key key);

/* The value of arg on this API level: arg itself unless it was written per release; then the member whose
 * levels include api_level, or NULL when none does. */
const scenario_arg *scenario_arg_at_level(const scenario_arg *arg, int api_level);
/* What the step expects on this API level; false when it was written per release and no entry covers
 * api_level. */
bool scenario_step_expectation_at(const scenario_step *step, int api_level, bool *any, kssim_result *result);
/* The exception class the step expects on this API level (qualified), NULL when it expects a result there. */
const char *scenario_step_expected_exception_at(const scenario_step *step, int api_level);
/* Every value written per release covers each level in levels; otherwise prints "PATH:LINE:COL: ..." naming the
 * uncovered level for each gap and returns false. */
bool scenario_covers_levels(const scenario *scenario, const int *levels, size_t level_count, FILE *err);

const char *scenario_action_name(scenario_action action);
const char *scenario_key_name(scenario_key key);

#endif
