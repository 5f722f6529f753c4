/*
 * scenario_words.h - the fixed vocabularies of the scenario format (algorithms, purposes, result of
 * expect_key, ...) and the device values they stand for.
 *
 * The words are the contract's; keeping each list in one table lets the parser accept them, the
 * runner map them, and error messages list exactly what is accepted.
 */
#ifndef SIM_RUNNER_SCENARIO_WORDS_H
#define SIM_RUNNER_SCENARIO_WORDS_H

#include <stddef.h>
#include <stdint.h>

typedef struct scenario_word {
    const char *name;
    uint32_t value;
} scenario_word;

typedef struct scenario_words {
    const char *what; /* "algorithm": how messages name one of these words */
    const scenario_word *words;
    size_t count;
} scenario_words;

extern const scenario_words scenario_algorithms;
extern const scenario_words scenario_purposes;
extern const scenario_words scenario_digests;
extern const scenario_words scenario_block_modes;
extern const scenario_words scenario_paddings;
extern const scenario_words scenario_auth_types;
extern const scenario_words scenario_security_levels;
extern const scenario_words scenario_credential_types;
extern const scenario_words scenario_modalities;
extern const scenario_words scenario_prompt_responses;
extern const scenario_words scenario_biometric_classes;
extern const scenario_words scenario_key_states;
extern const scenario_words scenario_invalidation_reasons;
extern const scenario_words scenario_token_types;
/* forge_token's symbolic SIDs, resolved against the device's status when the step runs. */
extern const scenario_words scenario_token_sids;
#define SCENARIO_SID_ROOT      0u
#define SCENARIO_SID_BIOMETRIC 1u
extern const scenario_words scenario_forged_macs;
extern const scenario_words scenario_blob_fields;
/* inject_fault (issue 14): the faults, and which way a wall clock jump goes. */
extern const scenario_words scenario_faults;
extern const scenario_words scenario_clock_directions;
#define SCENARIO_CLOCK_FORWARD  0u
#define SCENARIO_CLOCK_BACKWARD 1u
/* How an ECDSA signature is written: der (Android's) or p1363, r || s as JWS carries it (docs/jws.md). */
#define SCENARIO_ENCODING_DER   0u
#define SCENARIO_ENCODING_P1363 1u
extern const scenario_words scenario_signature_encodings;

/* The word spelled exactly so, or NULL. */
const scenario_word *scenario_words_find(const scenario_words *words, const char *name);
/* The word for a value, or NULL. */
const char *scenario_words_name(const scenario_words *words, uint32_t value);

#endif
