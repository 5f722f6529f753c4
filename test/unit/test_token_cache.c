/*
 * test_token_cache.c - keystore2's auth-token cache: matching, de-duplication, newest first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "keystore2/keystore2.h"

static kssim_auth_token token(uint64_t challenge, uint64_t user_id, uint64_t authenticator_id, uint32_t type)
{
    kssim_auth_token t = {0};
    t.challenge = challenge;
    t.user_id = user_id;
    t.authenticator_id = authenticator_id;
    t.authenticator_type = type;
    return t;
}

static sim_auth_list key_bound_to(uint64_t sid, uint32_t types)
{
    sim_auth_list auth = {0};
    auth.sids[0] = sid;
    auth.sid_count = 1;
    auth.user_auth_types = types;
    return auth;
}

static void token_matches_key_by_user_id_or_authenticator_id_and_type(void **state)
{
    (void)state;
    sim_auth_list root = key_bound_to(111, KSSIM_AUTHENTICATOR_PASSWORD | KSSIM_AUTHENTICATOR_FINGERPRINT);
    sim_auth_list bio = key_bound_to(222, KSSIM_AUTHENTICATOR_FINGERPRINT);
    kssim_auth_token pw = token(0, 111, 0, KSSIM_AUTHENTICATOR_PASSWORD);
    kssim_auth_token fp = token(0, 111, 222, KSSIM_AUTHENTICATOR_FINGERPRINT);
    assert_true(sim_token_matches_key(&pw, &root));
    assert_true(sim_token_matches_key(&fp, &root));
    assert_false(sim_token_matches_key(&pw, &bio)); /* wrong type and wrong SID */
    assert_true(sim_token_matches_key(&fp, &bio));
    kssim_auth_token other = token(0, 999, 333, KSSIM_AUTHENTICATOR_FINGERPRINT);
    assert_false(sim_token_matches_key(&other, &bio));
}

static void newer_token_of_the_same_kind_replaces_the_older(void **state)
{
    (void)state;
    sim_token_cache cache = {0};
    kssim_auth_token a = token(1, 111, 0, KSSIM_AUTHENTICATOR_PASSWORD);
    kssim_auth_token b = token(2, 111, 0, KSSIM_AUTHENTICATOR_PASSWORD);
    sim_token_cache_add(&cache, &a, 100);
    sim_token_cache_add(&cache, &b, 200);
    assert_int_equal(cache.count, 1);
    sim_auth_list root = key_bound_to(111, KSSIM_AUTHENTICATOR_PASSWORD);
    const sim_cached_token *found = sim_token_cache_find_for_key(&cache, &root);
    assert_non_null(found);
    assert_int_equal(found->token.challenge, 2);
    assert_int_equal(found->received_ms, 200);
    free(cache.tokens);
}

static void the_most_recently_received_match_wins(void **state)
{
    (void)state;
    sim_token_cache cache = {0};
    kssim_auth_token fp = token(5, 111, 222, KSSIM_AUTHENTICATOR_FINGERPRINT);
    kssim_auth_token pw = token(6, 111, 0, KSSIM_AUTHENTICATOR_PASSWORD);
    sim_token_cache_add(&cache, &fp, 100);
    sim_token_cache_add(&cache, &pw, 100);
    sim_auth_list root = key_bound_to(111, KSSIM_AUTHENTICATOR_PASSWORD | KSSIM_AUTHENTICATOR_FINGERPRINT);
    assert_int_equal(sim_token_cache_find_for_key(&cache, &root)->token.challenge, 6);
    sim_token_cache_add(&cache, &fp, 100); /* a fresh fingerprint token moves to the front */
    assert_int_equal(sim_token_cache_find_for_key(&cache, &root)->token.challenge, 5);
    free(cache.tokens);
}

/* keystore1's per-operation lookup: the first token in arrival order with the challenge, whatever its
 * secure IDs (the caller checks those), and nothing once the cache is cleared. */
static void challenge_lookup_finds_the_first_token_with_the_challenge(void **state)
{
    (void)state;
    sim_token_cache cache = {0};
    kssim_auth_token fp = token(0xABCD, 111, 222, KSSIM_AUTHENTICATOR_FINGERPRINT);
    kssim_auth_token pw = token(0xABCD, 111, 0, KSSIM_AUTHENTICATOR_PASSWORD);
    sim_token_cache_add(&cache, &fp, 10);
    sim_token_cache_add(&cache, &pw, 20);
    const sim_cached_token *found = sim_token_cache_first_with_challenge(&cache, 0xABCD);
    assert_non_null(found);
    assert_int_equal(found->token.authenticator_type, KSSIM_AUTHENTICATOR_FINGERPRINT);
    assert_null(sim_token_cache_first_with_challenge(&cache, 0xABCE));
    sim_token_cache_clear(&cache);
    assert_null(sim_token_cache_first_with_challenge(&cache, 0xABCD));
    free(cache.tokens);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(token_matches_key_by_user_id_or_authenticator_id_and_type),
        cmocka_unit_test(newer_token_of_the_same_kind_replaces_the_older),
        cmocka_unit_test(the_most_recently_received_match_wins),
        cmocka_unit_test(challenge_lookup_finds_the_first_token_with_the_challenge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
