/*
 * cli_attestation.h - the generate-key options that request key attestation (command_attestation.c).
 */
#ifndef SIM_CLI_CLI_ATTESTATION_H
#define SIM_CLI_CLI_ATTESTATION_H

#include <stdbool.h>

#include <kssim/kssim.h>

#include "cli/cli_options.h"

#define CLI_ATTESTATION_OPTIONS                                                                                        \
    {"--attestation-challenge", "TEXT", "attest the key with this challenge (the server's nonce, up to 128 bytes)",    \
     false},                                                                                                           \
        {"--attestation-challenge-hex", "HEX", "the attestation challenge as hex bytes", false},                       \
        {"--attestation-application-id", "TEXT",                                                                       \
         "the package keystore2 names in ATTESTATION_APPLICATION_ID (default " KSSIM_DEFAULT_APPLICATION_ID ")",       \
         false},                                                                                                       \
    {                                                                                                                  \
        "--attestation-app-signature-digest", "HEX",                                                                   \
            "the package's signing-certificate SHA-256 in ATTESTATION_APPLICATION_ID (default: see "                   \
            "docs/attestation.md)",                                                                                    \
            false                                                                                                      \
    }

/* Reads the options into spec; false after printing a usage error. */
bool cli_read_attestation_options(const cli_args *args, kssim_key_spec *spec);

#endif
