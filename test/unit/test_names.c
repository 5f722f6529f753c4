/*
 * test_names.c - the one table per vocabulary (sim/core/names.c): each word and value appears once, the
 * lists refusals print are the tables', and the key-size table's check, refusal text and advice agree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/names.h"
#include <kssim/result.h>

static const sim_vocabulary *const vocabularies[] = {
    &sim_algorithms, &sim_purposes,        &sim_digests,    &sim_block_modes,          &sim_paddings,
    &sim_auth_types, &sim_security_levels, &sim_key_states, &sim_invalidation_reasons,
};

/* A word found by its name is the word whose value names it: no name or value stands twice in a table. */
static void every_word_and_value_appears_once(void **state)
{
    (void)state;
    for (size_t v = 0; v < sizeof(vocabularies) / sizeof(vocabularies[0]); v++) {
        const sim_vocabulary *vocabulary = vocabularies[v];
        assert_true(vocabulary->count > 0);
        for (size_t i = 0; i < vocabulary->count; i++) {
            const sim_word *word = &vocabulary->words[i];
            assert_ptr_equal(sim_vocabulary_find(vocabulary, word->name), word);
            assert_string_equal(sim_vocabulary_name(vocabulary, word->value), word->name);
        }
    }
}

static void pkeyopt_words_are_found_whatever_their_case(void **state)
{
    (void)state;
    const char *text = "SHA256,none";
    const sim_word *word = sim_vocabulary_find_ignoring_case(&sim_digests, text, strlen("SHA256"));
    assert_non_null(word);
    assert_int_equal(word->value, KSSIM_DIGEST_SHA256);
    assert_null(sim_vocabulary_find_ignoring_case(&sim_digests, text, strlen("SHA25")));
    assert_null(sim_vocabulary_find(&sim_digests, "SHA256"));
}

static void lists_are_the_tables_in_order(void **state)
{
    (void)state;
    char out[128];
    sim_vocabulary_list(&sim_security_levels, " or ", out, sizeof(out));
    assert_string_equal(out, "tee, strongbox or software");
    sim_vocabulary_list(&sim_algorithms, ", ", out, sizeof(out));
    assert_string_equal(out, "ec, rsa, ed25519, aes, hmac");
    char advice[160];
    snprintf(advice, sizeof(advice), "Use one of %s.", out);
    assert_string_equal(kssim_result_advice(KSSIM_UNSUPPORTED_ALGORITHM), advice);
    /* A buffer too small is cut but terminated, and the length says how long the list is. */
    char small[8];
    int length = sim_vocabulary_list(&sim_security_levels, " or ", small, sizeof(small));
    assert_int_equal(length, (int)strlen("tee, strongbox or software"));
    assert_string_equal(small, "tee, st");
}

static void openssl_digest_names_come_with_the_digest_words(void **state)
{
    (void)state;
    assert_string_equal(sim_openssl_digest_name(KSSIM_DIGEST_SHA256), "SHA256");
    assert_null(sim_openssl_digest_name(KSSIM_DIGEST_NONE));
    /* Every real digest has an OpenSSL name; only none has none. */
    for (size_t i = 0; i < sim_digests.count; i++)
        assert_true((sim_digests.words[i].openssl_name != NULL) == (sim_digests.words[i].value != KSSIM_DIGEST_NONE));
}

/* Every number a refusal offers is a size the check accepts: the text is read from the same table. */
static void every_size_a_refusal_offers_is_accepted(void **state)
{
    (void)state;
    for (int strongbox = 0; strongbox <= 1; strongbox++)
        for (size_t i = 0; i < sim_algorithms.count; i++) {
            kssim_algorithm algorithm = (kssim_algorithm)sim_algorithms.words[i].value;
            if (algorithm == KSSIM_ALGORITHM_HMAC)
                continue; /* a range, checked below */
            char text[160];
            sim_key_sizes_text(algorithm, strongbox, text, sizeof(text));
            /* The sizes before " in StrongBox" are the level's own; the curve names repeat them. */
            char *end = strstr(text, " in StrongBox");
            char *parenthesis = strchr(text, '(');
            if (end != NULL)
                *end = '\0';
            if (parenthesis != NULL && (end == NULL || parenthesis < end))
                *parenthesis = '\0';
            size_t offered = 0;
            for (char *p = text; *p != '\0'; p++)
                if (*p >= '0' && *p <= '9' && (p == text || p[-1] < '0' || p[-1] > '9')) {
                    uint32_t size = (uint32_t)strtoul(p, NULL, 10);
                    assert_true(sim_key_size_supported(algorithm, strongbox, size));
                    offered++;
                }
            if (strongbox && algorithm == KSSIM_ALGORITHM_ED25519)
                assert_int_equal(offered, 0); /* StrongBox has no Ed25519 */
            else
                assert_true(offered > 0);
        }
    for (uint32_t size = 0; size <= 1024; size++)
        assert_int_equal(sim_key_size_supported(KSSIM_ALGORITHM_HMAC, false, size),
                         size >= 64 && size <= 512 && size % 8 == 0);
}

/* The sentences the refusals printed before the table existed, now rendered from it. */
static void refusal_texts_read_the_table(void **state)
{
    (void)state;
    char text[160];
    sim_key_sizes_text(KSSIM_ALGORITHM_EC, false, text, sizeof(text));
    assert_string_equal(text, "224, 256, 384 or 521 (P-224, P-256, P-384, P-521)");
    sim_key_sizes_text(KSSIM_ALGORITHM_EC, true, text, sizeof(text));
    assert_string_equal(text, "256 (P-256) in StrongBox, or security_level tee for 224, 384 or 521");
    sim_key_sizes_text(KSSIM_ALGORITHM_RSA, true, text, sizeof(text));
    assert_string_equal(text, "2048 in StrongBox, or security_level tee for 3072 or 4096");
    sim_key_sizes_text(KSSIM_ALGORITHM_AES, true, text, sizeof(text));
    assert_string_equal(text, "128 or 256 in StrongBox, or security_level tee for 192");
    sim_key_sizes_text(KSSIM_ALGORITHM_HMAC, true, text, sizeof(text));
    assert_string_equal(text, "a multiple of 8 from 64 to 512 (usually the digest's size, e.g. 256 for sha256)");
    sim_key_sizes_text(KSSIM_ALGORITHM_ED25519, false, text, sizeof(text));
    assert_string_equal(text, "256 (Ed25519 has one size)");
}

/* The advice names what the check accepts: the old sentence said the same but for Ed25519. */
static void key_size_advice_is_the_table(void **state)
{
    (void)state;
    char summary[256];
    sim_key_sizes_summary(summary, sizeof(summary));
    assert_string_equal(summary, "Use a supported size: ec 224/256/384/521, rsa 2048/3072/4096, ed25519 256, aes "
                                 "128/192/256, hmac 64-512 in steps of 8; in StrongBox ec 256, rsa 2048, aes 128/256.");
    assert_string_equal(kssim_result_advice(KSSIM_UNSUPPORTED_KEY_SIZE), summary);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_word_and_value_appears_once),
        cmocka_unit_test(pkeyopt_words_are_found_whatever_their_case),
        cmocka_unit_test(lists_are_the_tables_in_order),
        cmocka_unit_test(openssl_digest_names_come_with_the_digest_words),
        cmocka_unit_test(every_size_a_refusal_offers_is_accepted),
        cmocka_unit_test(refusal_texts_read_the_table),
        cmocka_unit_test(key_size_advice_is_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
