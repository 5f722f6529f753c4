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

#include "core/names.h"

typedef sim_word scenario_word;
typedef sim_vocabulary scenario_words;

/* The device's vocabularies are the core's one table each (core/names.c): the scenario format spells them
 * as every other layer does. */
#define scenario_algorithms           sim_algorithms
#define scenario_purposes             sim_purposes
#define scenario_digests              sim_digests
#define scenario_block_modes          sim_block_modes
#define scenario_paddings             sim_paddings
#define scenario_auth_types           sim_auth_types
#define scenario_security_levels      sim_security_levels
#define scenario_key_states           sim_key_states
#define scenario_invalidation_reasons sim_invalidation_reasons
#define scenario_attestation_attacks  sim_attestation_attacks

/* The scenario format's own vocabularies. */
extern const scenario_words scenario_credential_types;
extern const scenario_words scenario_modalities;
extern const scenario_words scenario_prompt_responses;
extern const scenario_words scenario_biometric_classes;
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
