/*
 * cli_key_describe.h - a key's policy and state in words, for `kssim keys` (table cells and JSON) and
 * for expect-key's messages. The words are the scenario format's, so what kssim prints can be pasted
 * back into a command line or a scenario file.
 */
#ifndef SIM_CLI_CLI_KEY_DESCRIBE_H
#define SIM_CLI_CLI_KEY_DESCRIBE_H

#include <stddef.h>
#include <stdint.h>

#include <kssim/kssim.h>

#include "cli/cli_json.h"
#include "runner/scenario_words.h"

/* The words whose bits are in set, joined by separator; "-" for none. */
void cli_describe_words(const scenario_words *words, uint32_t set, const char *separator, char *out, size_t out_size);
/* "ec-256", "ed25519", "aes-128". */
void cli_describe_algorithm(const kssim_key_spec *spec, char *out, size_t out_size);
/* "none", "biometric_strong per-operation", "biometric_strong+device_credential 30s". */
void cli_describe_auth(const kssim_key_spec *spec, char *out, size_t out_size);
/* "0x...,0x..." or "-". */
void cli_describe_sids(const kssim_key_info *info, char *out, size_t out_size);
/* "uses 3/5, 2/boot, unlocked-device" or "-". */
void cli_describe_limits(const kssim_key_info *info, char *out, size_t out_size);
/* "valid", "invalidated (usage_exhausted)", "absent". */
void cli_describe_state(const kssim_key_info *info, char *out, size_t out_size);

/* One key as a JSON object (an element of the array kssim keys --json prints). */
void cli_describe_key_json(cli_json *json, const char *alias, const kssim_key_info *info);

#endif
