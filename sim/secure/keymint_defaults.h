/*
 * keymint_defaults.h - the digest, padding and block mode the simulated KeyMint uses when a caller
 * leaves them at 0, for the layers above that must agree with it: the framework's software
 * verification and encryption, which check what KeyMint signed and make what KeyMint decrypts.
 *
 * The rule itself is in keymint_operation_parameters.c (and described there); this is its one door.
 */
#ifndef SIM_SECURE_KEYMINT_DEFAULTS_H
#define SIM_SECURE_KEYMINT_DEFAULTS_H

#include "secure/secure_world.h"

/* Fills each 0 among params' block_mode, padding and digest with KeyMint's choice for this key and
 * purpose (VERIFY and ENCRYPT choose as SIGN and DECRYPT do); fields already set are kept. */
void sim_keymint_complete_params(const sim_auth_list *auth, uint32_t purpose, kssim_op_params *params);

#endif
