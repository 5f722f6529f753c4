/*
 * utf8.c - the UTF-8 sequences of utf8.h, by the table of well-formed byte sequences in RFC 3629
 * section 4 (the Unicode standard's Table 3-7).
 */
#include "core/utf8.h"

size_t sim_utf8_sequence_length(const char *text)
{
    const unsigned char *bytes = (const unsigned char *)text;
    unsigned char lead = bytes[0];
    size_t length = lead < 0x80                    ? 1
                    : lead >= 0xc2 && lead <= 0xdf ? 2
                    : lead >= 0xe0 && lead <= 0xef ? 3
                    : lead >= 0xf0 && lead <= 0xf4 ? 4
                                                   : 0;
    /* The second byte's range is narrower after the leads that could otherwise start an overlong form, a
     * surrogate or a code point beyond U+10FFFF. */
    unsigned char low = lead == 0xe0 ? 0xa0 : lead == 0xf0 ? 0x90 : 0x80;
    unsigned char high = lead == 0xed ? 0x9f : lead == 0xf4 ? 0x8f : 0xbf;
    for (size_t i = 1; i < length; i++) {
        unsigned char first = i == 1 ? low : 0x80, last = i == 1 ? high : 0xbf;
        if (bytes[i] < first || bytes[i] > last)
            return 0;
    }
    return length;
}
