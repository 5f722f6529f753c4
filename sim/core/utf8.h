/*
 * utf8.h - recognising well-formed UTF-8 (RFC 3629), for the rule on key aliases and for writers of
 * JSON, which must emit valid UTF-8 whatever bytes an older device stored.
 */
#ifndef SIM_CORE_UTF8_H
#define SIM_CORE_UTF8_H

#include <stddef.h>

/* The length (1 to 4) of the UTF-8 sequence text starts with, or 0 when it does not start one: no
 * overlong forms, no surrogates, nothing beyond U+10FFFF. text must be NUL-terminated (a NUL ends any
 * sequence early, so it is never read past). */
size_t sim_utf8_sequence_length(const char *text);

#endif
