/*
 * duration_text.h - writes a wait in milliseconds as the seconds a person reads ("30 s", "12.5 s"),
 * for the refusals of Gatekeeper's throttling and the biometric lockout.
 */
#ifndef SIM_SECURE_DURATION_TEXT_H
#define SIM_SECURE_DURATION_TEXT_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_DURATION_TEXT_MAX 32

/* Whole seconds print bare; a fraction prints with only the digits it needs (12.5 s, 0.001 s). */
static inline const char *sim_duration_text(uint64_t ms, char text[SIM_DURATION_TEXT_MAX])
{
    uint64_t seconds = ms / 1000, millis = ms % 1000;
    if (millis == 0) {
        snprintf(text, SIM_DURATION_TEXT_MAX, "%" PRIu64 " s", seconds);
        return text;
    }
    unsigned digits = 3;
    while (millis % 10 == 0) {
        millis /= 10;
        digits--;
    }
    snprintf(text, SIM_DURATION_TEXT_MAX, "%" PRIu64 ".%0*" PRIu64 " s", seconds, (int)digits, millis);
    return text;
}

#endif
