/*
 * names.h - words for the sentences of refusals, shared by every layer (see names.c).
 */
#ifndef SIM_CORE_NAMES_H
#define SIM_CORE_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "kssim/kssim.h"

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

#endif
