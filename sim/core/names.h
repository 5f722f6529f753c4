/*
 * names.h - the one table of each vocabulary every layer speaks (algorithms, purposes, digests, paddings,
 * block modes, auth types, security levels, key states and reasons), and KeyMint's key sizes: the scenario
 * parser, the CLI, the provider and every "must be a, b or c" sentence read them from here (see names.c).
 */
#ifndef SIM_CORE_NAMES_H
#define SIM_CORE_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kssim/kssim.h"

/* One word: the scenario format's spelling, the device value it stands for, and OpenSSL's name for the same
 * thing where OpenSSL has one (digests), else NULL. Tables are written with designated initializers so a
 * word without an OpenSSL name needs no NULL. */
typedef struct sim_word {
    const char *name;
    uint32_t value;
    const char *openssl_name;
} sim_word;

typedef struct sim_vocabulary {
    const char *what; /* "algorithm": how messages name one of these words */
    const sim_word *words;
    size_t count;
} sim_vocabulary;

#define SIM_VOCABULARY(what, table)                                                                                    \
    {                                                                                                                  \
        what, table, sizeof(table) / sizeof(table[0])                                                                  \
    }

extern const sim_vocabulary sim_algorithms;
extern const sim_vocabulary sim_purposes;
extern const sim_vocabulary sim_digests;
extern const sim_vocabulary sim_block_modes;
extern const sim_vocabulary sim_paddings;
extern const sim_vocabulary sim_auth_types;
extern const sim_vocabulary sim_security_levels;
extern const sim_vocabulary sim_key_states;
extern const sim_vocabulary sim_invalidation_reasons;
extern const sim_vocabulary sim_attestation_attacks;

/* The word spelled exactly so, or NULL. */
const sim_word *sim_vocabulary_find(const sim_vocabulary *vocabulary, const char *name);
/* The word spelled so in its first length bytes, whatever their case (OpenSSL's pkeyopts), or NULL. */
const sim_word *sim_vocabulary_find_ignoring_case(const sim_vocabulary *vocabulary, const char *name, size_t length);
/* The word for a value, or NULL. */
const char *sim_vocabulary_name(const sim_vocabulary *vocabulary, uint32_t value);
/* Every word in table order, joined by ", " and the last by last_separator (" or ": "tee, strongbox or
 * software"; ", ": a plain list). Returns what snprintf would; out is always terminated. */
int sim_vocabulary_list(const sim_vocabulary *vocabulary, const char *last_separator, char *out, size_t out_size);

const char *sim_algorithm_name(kssim_algorithm algorithm);
const char *sim_purpose_name(uint32_t purpose);
const char *sim_digest_name(uint32_t digest);
const char *sim_padding_name(uint32_t padding);
const char *sim_block_mode_name(uint32_t block_mode);
/* OpenSSL's name for a digest bit; NULL for KSSIM_DIGEST_NONE. */
const char *sim_openssl_digest_name(uint32_t digest);
size_t sim_digest_length(uint32_t digest);
/* "a strong biometric", "the device credential", "a strong biometric or the device credential". */
const char *sim_authenticators_text(uint32_t authenticator_types);

/* KeyMint's key sizes: whether a security level's KeyMint generates and imports a key of this algorithm and
 * size (software counts as a TEE), and the sizes it takes, for a refusal ("2048, 3072 or 4096"). */
bool sim_key_size_supported(kssim_algorithm algorithm, bool strongbox, uint32_t size);
int sim_key_sizes_text(kssim_algorithm algorithm, bool strongbox, char *out, size_t out_size);
/* The whole table in one sentence, for the advice of UNSUPPORTED_KEY_SIZE. */
int sim_key_sizes_summary(char *out, size_t out_size);

#endif
