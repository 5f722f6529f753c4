/*
 * scenario_values.c - the scalar syntaxes of scenario_values.h.
 *
 * Dates are converted with Howard Hinnant's days-from-civil arithmetic rather than timegm(), which is
 * neither standard C nor independent of the host's configuration; the transcript must not depend on
 * the machine it runs on.
 */
#include "runner/scenario_values.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int scenario_hex_digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads digits in base 10 or 16 from text[0..length); false on a non-digit or on exceeding max. */
static bool read_digits(const char *text, size_t length, unsigned base, uint64_t max, uint64_t *value, bool *overflow)
{
    uint64_t result = 0;
    *overflow = false;
    if (length == 0)
        return false;
    for (size_t i = 0; i < length; i++) {
        int digit = base == 16 ? scenario_hex_digit_value(text[i]) : (is_digit(text[i]) ? text[i] - '0' : -1);
        if (digit < 0)
            return false;
        if (result > (max - (uint64_t)digit) / base) {
            *overflow = true;
            return false;
        }
        result = result * base + (uint64_t)digit;
    }
    *value = result;
    return true;
}

bool scenario_parse_unsigned(const char *text, uint64_t max, uint64_t *value, bool *hex, char *error, size_t error_size)
{
    size_t length = strlen(text);
    bool is_hex = length > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    bool overflow = false;
    if (hex != NULL)
        *hex = is_hex;
    if (is_hex ? read_digits(text + 2, length - 2, 16, max, value, &overflow)
               : read_digits(text, length, 10, max, value, &overflow))
        return true;
    const char *problem = overflow ? "is out of range" : text[0] == '-' ? "is negative" : "is not a whole number";
    snprintf(error, error_size, "'%.40s' %s; expected a whole number from 0 to %" PRIu64 " (decimal, or hex after 0x)",
             text, problem, max);
    return false;
}

typedef struct duration_unit {
    const char *name;
    uint64_t milliseconds;
} duration_unit;

/* Largest first, so formatting picks the largest unit that divides exactly. */
static const duration_unit duration_units[] = {
    {"d", 86400000u}, {"h", 3600000u}, {"m", 60000u}, {"s", 1000u}, {"ms", 1u},
};

#define DURATION_ACCEPTED "expected a whole number with a unit (ms, s, m, h, d), e.g. 250ms, 30s, 5m, 2h, 1d"

bool scenario_parse_duration(const char *text, uint64_t *milliseconds, char *error, size_t error_size)
{
    size_t digits = 0;
    while (is_digit(text[digits]))
        digits++;
    const char *unit = text + digits;
    const char *problem = NULL;
    if (text[0] == '-')
        problem = "is negative";
    else if (digits == 0)
        problem = "does not start with a number";
    else if (*unit == '.' || *unit == ',')
        problem = "is not a whole number";
    else if (*unit == '\0')
        problem = "has no unit";
    if (problem == NULL) {
        for (size_t i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
            if (strcmp(unit, duration_units[i].name) != 0)
                continue;
            uint64_t count = 0;
            bool overflow = false;
            if (!read_digits(text, digits, 10, UINT64_MAX / duration_units[i].milliseconds, &count, &overflow)) {
                snprintf(error, error_size, "'%.40s' is too long: at most %" PRIu64 " ms", text, UINT64_MAX);
                return false;
            }
            *milliseconds = count * duration_units[i].milliseconds;
            return true;
        }
        snprintf(error, error_size, "'%.40s' has an unknown unit; " DURATION_ACCEPTED, text);
        return false;
    }
    snprintf(error, error_size, "'%.40s' %s; " DURATION_ACCEPTED, text, problem);
    return false;
}

void scenario_format_duration(uint64_t milliseconds, char *out, size_t out_size)
{
    if (milliseconds == 0) {
        snprintf(out, out_size, "0s");
        return;
    }
    for (size_t i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
        if (milliseconds % duration_units[i].milliseconds == 0) {
            snprintf(out, out_size, "%" PRIu64 "%s", milliseconds / duration_units[i].milliseconds,
                     duration_units[i].name);
            return;
        }
    }
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Hinnant, "chrono-Compatible
 * Low-Level Date Algorithms"). */
static int64_t days_from_civil(int64_t year, unsigned month, unsigned day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    unsigned year_of_era = (unsigned)(year - era * 400);
    unsigned day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + (int64_t)day_of_era - 719468;
}

static void civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    unsigned day_of_era = (unsigned)(days - era * 146097);
    unsigned year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    unsigned day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    unsigned shifted_month = (5 * day_of_year + 2) / 153;
    *day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    *month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
    *year = (int64_t)year_of_era + era * 400 + (*month <= 2);
}

static bool is_leap_year(unsigned year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static unsigned days_in_month(unsigned year, unsigned month)
{
    static const unsigned days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap_year(year) ? 29 : days[month - 1];
}

static unsigned read_field(const char *text, size_t length)
{
    unsigned value = 0;
    for (size_t i = 0; i < length; i++)
        value = value * 10 + (unsigned)(text[i] - '0');
    return value;
}

#define DATETIME_ACCEPTED "expected YYYY-MM-DDTHH:MM:SSZ (UTC), e.g. 2026-01-01T00:00:00Z"

bool scenario_parse_datetime(const char *text, int64_t *unix_ms, char *error, size_t error_size)
{
    /* Positions of the separators in "YYYY-MM-DDTHH:MM:SSZ"; every other character is a digit. */
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    bool shaped = strlen(text) == sizeof(shape) - 1;
    for (size_t i = 0; shaped && i < sizeof(shape) - 1; i++)
        shaped = shape[i] == 'd' ? is_digit(text[i]) : text[i] == shape[i];
    if (!shaped) {
        snprintf(error, error_size, "'%.40s' is not a date-time; " DATETIME_ACCEPTED, text);
        return false;
    }
    unsigned year = read_field(text, 4), month = read_field(text + 5, 2), day = read_field(text + 8, 2);
    unsigned hour = read_field(text + 11, 2), minute = read_field(text + 14, 2), second = read_field(text + 17, 2);
    unsigned last_day = month >= 1 && month <= 12 ? days_in_month(year, month) : 31;
    const struct {
        const char *name;
        unsigned value, first, last;
    } fields[] = {
        {"month", month, 1, 12},   {"day", day, 1, last_day}, {"hour", hour, 0, 23},
        {"minute", minute, 0, 59}, {"second", second, 0, 59},
    };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (fields[i].value < fields[i].first || fields[i].value > fields[i].last) {
            snprintf(error, error_size, "'%s' has %s %02u, not %02u..%02u; " DATETIME_ACCEPTED, text, fields[i].name,
                     fields[i].value, fields[i].first, fields[i].last);
            return false;
        }
    }
    int64_t days = days_from_civil(year, month, day);
    *unix_ms = ((days * 24 + hour) * 60 + minute) * 60000 + (int64_t)second * 1000;
    return true;
}

void scenario_format_datetime(int64_t unix_ms, char *out, size_t out_size)
{
    int64_t seconds = unix_ms / 1000 - (unix_ms % 1000 < 0);
    int64_t days = seconds / 86400 - (seconds % 86400 < 0);
    int64_t second_of_day = seconds - days * 86400;
    int64_t year;
    unsigned month, day;
    civil_from_days(days, &year, &month, &day);
    snprintf(out, out_size, "%04" PRId64 "-%02u-%02uT%02u:%02u:%02uZ", year, month, day,
             (unsigned)(second_of_day / 3600), (unsigned)(second_of_day / 60 % 60), (unsigned)(second_of_day % 60));
}

bool scenario_parse_bool(const char *text, bool *value, char *error, size_t error_size)
{
    if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
        *value = text[0] == 't';
        return true;
    }
    snprintf(error, error_size, "'%.40s' is not a boolean; expected true or false", text);
    return false;
}

bool scenario_parse_hex(const char *text, size_t length, uint8_t *out, char *error, size_t error_size)
{
    for (size_t i = 0; i < length; i++) {
        if (scenario_hex_digit_value(text[i]) < 0) {
            unsigned char c = (unsigned char)text[i];
            if (c > 0x20 && c < 0x7f)
                snprintf(error, error_size, "'%c' at offset %zu is not a hex digit; expected pairs of 0-9, a-f", c, i);
            else
                snprintf(error, error_size, "byte 0x%02X at offset %zu is not a hex digit; expected pairs of 0-9, a-f",
                         c, i);
            return false;
        }
    }
    if (length % 2 != 0) {
        snprintf(error, error_size,
                 "'%.40s' has an odd number of hex digits (%zu); expected whole bytes, two digits each", text, length);
        return false;
    }
    for (size_t i = 0; i < length / 2; i++)
        out[i] = (uint8_t)(scenario_hex_digit_value(text[2 * i]) << 4 | scenario_hex_digit_value(text[2 * i + 1]));
    return true;
}

static bool is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool scenario_check_name(const char *text, char *error, size_t error_size)
{
    size_t length = strlen(text);
    bool ok = length > 0 && length <= SCENARIO_NAME_MAX && is_name_start(text[0]);
    for (size_t i = 1; ok && i < length; i++)
        ok = is_name_start(text[i]) || is_digit(text[i]) || text[i] == '-' || text[i] == '.';
    if (!ok)
        snprintf(error, error_size,
                 "'%.64s' is not a name; expected a letter or '_' followed by letters, digits, '_', '-' or '.' "
                 "(at most %d characters)",
                 text, SCENARIO_NAME_MAX);
    return ok;
}
