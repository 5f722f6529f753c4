/*
 * cli_values.h - the values device commands take on their command line: numbers, words of the
 * scenario vocabulary (and comma lists of them), durations, date-times and hex.
 *
 * The syntaxes are the scenario format's (runner/scenario_values.h, runner/scenario_words.h), so a value
 * means the same in a scenario file and in a shell. Every reader prints its own usage error, naming the
 * option and what it accepts, and returns false; the command then exits with KSSIM_EXIT_USAGE.
 */
#ifndef SIM_CLI_CLI_VALUES_H
#define SIM_CLI_CLI_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/cli_options.h"
#include "runner/scenario_words.h"

/* ---- One text, named by label ("--size", "DURATION") in messages ---- */
bool cli_parse_unsigned(const cli_command *command, const char *label, const char *text, uint64_t max, uint64_t *out);
bool cli_parse_word(const cli_command *command, const char *label, const char *text, const scenario_words *words,
                    uint32_t *out);
/* "sign,verify": the bit set of the words. */
bool cli_parse_word_list(const cli_command *command, const char *label, const char *text, const scenario_words *words,
                         uint32_t *out);
bool cli_parse_duration(const cli_command *command, const char *label, const char *text, uint64_t *milliseconds);
bool cli_parse_datetime(const cli_command *command, const char *label, const char *text, int64_t *unix_ms);
/* Hex digits (whitespace allowed between bytes) into a new buffer, freed with free(). */
bool cli_parse_hex(const cli_command *command, const char *label, const char *text, uint8_t **bytes, size_t *length);

/* ---- An option of args' command; fallback when it was not given ---- */
bool cli_option_unsigned(const cli_args *args, const char *name, uint64_t max, uint64_t fallback, uint64_t *out);
bool cli_option_u32(const cli_args *args, const char *name, uint32_t fallback, uint32_t *out);
bool cli_option_word(const cli_args *args, const char *name, const scenario_words *words, uint32_t fallback,
                     uint32_t *out);
bool cli_option_word_list(const cli_args *args, const char *name, const scenario_words *words, uint32_t fallback,
                          uint32_t *out);
/* *given tells whether the option was there. */
bool cli_option_datetime(const cli_args *args, const char *name, bool *given, int64_t *unix_ms);

#endif
