/*
 * scenario_values.h - the scalar syntaxes of the scenario format: whole numbers, durations, UTC
 * date-times, booleans, hex data and names, each with the canonical spelling the transcript uses.
 *
 * Each parser is a pure function of its text. On failure it writes a phrase into error that shows the
 * text and says what is accepted; the caller prefixes the argument's name and the position.
 */
#ifndef SIM_RUNNER_SCENARIO_VALUES_H
#define SIM_RUNNER_SCENARIO_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCENARIO_ERROR_MAX 256
#define SCENARIO_NAME_MAX  64

/* Decimal, or hexadecimal after 0x; no sign. hex tells which was written. */
bool scenario_parse_unsigned(const char *text, uint64_t max, uint64_t *value, bool *hex, char *error,
                             size_t error_size);
/* A whole number with a unit: 250ms, 30s, 5m, 2h, 1d. */
bool scenario_parse_duration(const char *text, uint64_t *milliseconds, char *error, size_t error_size);
/* YYYY-MM-DDTHH:MM:SSZ, converted to Unix milliseconds without the host's time zone or locale. */
bool scenario_parse_datetime(const char *text, int64_t *unix_ms, char *error, size_t error_size);
bool scenario_parse_bool(const char *text, bool *value, char *error, size_t error_size);
/* length/2 bytes into out (which must have room for them). */
bool scenario_parse_hex(const char *text, size_t length, uint8_t *out, char *error, size_t error_size);
/* Names given with as: start with a letter or '_' and go on with letters, digits, '_', '-' or '.', so
 * they can never be mistaken for a number. */
bool scenario_check_name(const char *text, char *error, size_t error_size);

/* Canonical spellings: the largest unit that divides exactly (90000 -> "90s"), and ISO-8601 UTC. */
void scenario_format_duration(uint64_t milliseconds, char *out, size_t out_size);
void scenario_format_datetime(int64_t unix_ms, char *out, size_t out_size);

/* The value of one hexadecimal digit (either case), or -1: scenario values and the JSON reports read hex alike. */
int scenario_hex_digit_value(char c);

#endif
