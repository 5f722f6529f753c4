/*
 * token_cache.c - keystore2's cache of HardwareAuthTokens.
 *
 * Tokens arrive from Gatekeeper and the biometric HALs (addAuthToken) and live only in RAM, so a reboot
 * empties the cache. As enforcements.rs does, the cache keeps one token per (user_id, authenticator_id,
 * authenticator_type), the newer replacing the older, and when a key is used it picks the most
 * recently received token that matches the key. keystore2 does not check MACs; KeyMint does.
 * keystore1 (Android 11 and earlier) replaced only by a newer timestamp: sim_token_cache_add_keystore1.
 */
#include <stdlib.h>
#include <string.h>

#include "core/growable_array.h"
#include "core/invariant.h"
#include "keystore2/keystore2.h"

/* R-TOKEN-MATCHES-KEY: a token is for a key when its user ID or authenticator ID is one of the key's non-zero SIDs and
 * its type one of the key's. AOSP: keystore2 enforcements.rs authorize_create (AuthTokenEntry::satisfies) */
bool sim_token_matches_key(const kssim_auth_token *token, const sim_auth_list *auth)
{
    KSSIM_INVARIANT(auth->sid_count <= SIM_MAX_KEY_SIDS, "a key has no more secure IDs than the array holds");
    if ((token->authenticator_type & auth->user_auth_types) == 0)
        return false;
    for (uint32_t i = 0; i < auth->sid_count; i++)
        if (auth->sids[i] != 0 && (auth->sids[i] == token->user_id || auth->sids[i] == token->authenticator_id))
            return true;
    return false;
}

static bool same_authenticator(const kssim_auth_token *a, const kssim_auth_token *b)
{
    return a->user_id == b->user_id && a->authenticator_id == b->authenticator_id &&
           a->authenticator_type == b->authenticator_type;
}

/* Entry::is_newer_than: a later timestamp, or the same one received later (for secure clocks that stick). */
static bool is_newer_than(const sim_cached_token *a, const sim_cached_token *b)
{
    return a->token.timestamp_ms > b->token.timestamp_ms ||
           (a->token.timestamp_ms == b->token.timestamp_ms && a->received_ms > b->received_ms);
}

const char *sim_token_cache_malformation(const sim_token_cache *cache, bool keystore1)
{
    for (size_t i = 0; i < cache->count; i++) {
        const sim_cached_token *t = &cache->tokens[i];
        if (keystore1 && i > 0 && is_newer_than(&cache->tokens[i - 1], t))
            return "keystore1's token table is not ordered oldest first by timestamp, then by arrival";
        if (keystore1)
            continue;
        if (i > 0 && cache->tokens[i - 1].received_ms > t->received_ms)
            return "keystore2's cached tokens are not in arrival order";
        for (size_t j = i + 1; j < cache->count; j++)
            if (same_authenticator(&t->token, &cache->tokens[j].token))
                return "keystore2's token cache holds two tokens of one (user_id, authenticator_id, "
                       "authenticator_type)";
    }
    return NULL;
}

/* keystore2's cache after an add: one token per authenticator, the array in arrival order (what "the last
 * match is the most recently received" in sim_token_cache_find_for_key relies on), the added one last. */
static void check_keystore2_cache(const sim_token_cache *cache, size_t count_before, uint64_t received_ms)
{
    KSSIM_INVARIANT(cache->count <= cache->capacity, "the token cache holds its entries");
    KSSIM_INVARIANT(cache->count <= count_before + 1, "an add grows the token cache by one entry at most");
    KSSIM_INVARIANT(cache->count == 0 || cache->tokens[cache->count - 1].received_ms == received_ms,
                    "the token just received is the last in arrival order");
    KSSIM_INVARIANT(sim_token_cache_malformation(cache, false) == NULL,
                    "keystore2's cached tokens are in arrival order, one per (user_id, authenticator_id, type)");
}

/* keystore1's table after an add: ordered by is_newer_than (so the last match is the newest), and no token
 * of the added one's authenticator that the added one is newer than. */
static void check_keystore1_cache(const sim_token_cache *cache, size_t count_before, const sim_cached_token *added)
{
    KSSIM_INVARIANT(cache->count <= cache->capacity, "the token table holds its entries");
    KSSIM_INVARIANT(cache->count <= count_before + 1, "an add grows the token table by one entry at most");
    KSSIM_INVARIANT(sim_token_cache_malformation(cache, true) == NULL,
                    "keystore1's token table is ordered oldest first by timestamp, then by arrival");
    for (size_t i = 0; i < cache->count; i++) {
        const sim_cached_token *t = &cache->tokens[i];
        KSSIM_INVARIANT(!same_authenticator(&t->token, &added->token) || !is_newer_than(added, t),
                        "keystore1 dropped every token of the authenticator that the new token is newer than");
    }
}

/* Doubles the cache's array when it is full; false when there is no memory for that. */
static bool make_room_for_one_more_token(sim_token_cache *cache)
{
    sim_cached_token *grown =
        sim_array_with_room_for_one_more(cache->tokens, cache->count, &cache->capacity, sizeof(*grown), 8);
    if (grown == NULL)
        return false;
    cache->tokens = grown;
    return true;
}

void sim_token_cache_add(sim_token_cache *cache, const kssim_auth_token *token, uint64_t received_ms)
{
    size_t count_before = cache->count;
    for (size_t i = 0; i < cache->count; i++) {
        kssim_auth_token *old = &cache->tokens[i].token;
        if (old->user_id == token->user_id && old->authenticator_id == token->authenticator_id &&
            old->authenticator_type == token->authenticator_type) {
            /* Drop the older one; the newer goes to the end, so array order stays arrival order. */
            memmove(&cache->tokens[i], &cache->tokens[i + 1], (cache->count - i - 1) * sizeof(*cache->tokens));
            cache->count--;
            break;
        }
    }
    if (!make_room_for_one_more_token(cache))
        return; /* a lost token only means the user must authenticate again */
    cache->tokens[cache->count++] = (sim_cached_token){*token, received_ms};
    check_keystore2_cache(cache, count_before, received_ms);
}

void sim_token_cache_add_keystore1(sim_token_cache *cache, const kssim_auth_token *token, uint64_t received_ms)
{
    sim_cached_token added = {*token, received_ms};
    size_t count_before = cache->count;
    size_t kept = 0;
    for (size_t i = 0; i < cache->count; i++) {
        const sim_cached_token *old = &cache->tokens[i];
        bool superseded = old->token.user_id == token->user_id &&
                          old->token.authenticator_id == token->authenticator_id &&
                          old->token.authenticator_type == token->authenticator_type && is_newer_than(&added, old);
        if (!superseded)
            cache->tokens[kept++] = *old;
    }
    cache->count = kept;
    if (!make_room_for_one_more_token(cache))
        return; /* a lost token only means the user must authenticate again */
    /* Ordered by is_newer_than, so that "the last match" is keystore1's newest_match. */
    size_t at = cache->count;
    while (at > 0 && is_newer_than(&cache->tokens[at - 1], &added))
        at--;
    memmove(&cache->tokens[at + 1], &cache->tokens[at], (cache->count - at) * sizeof(*cache->tokens));
    cache->tokens[at] = added;
    cache->count++;
    check_keystore1_cache(cache, count_before, &added);
}

/* A timeout key takes the most recently received cached token whose secure ID and authenticator type
 * match it (database.rs find_auth_token_entry); the age check is the caller's (choose_timeout_token). */
const sim_cached_token *sim_token_cache_find_for_key(const sim_token_cache *cache, const sim_auth_list *auth)
{
    const sim_cached_token *best = NULL;
    for (size_t i = 0; i < cache->count; i++)
        if (sim_token_matches_key(&cache->tokens[i].token, auth))
            best = &cache->tokens[i]; /* the last match is the newest (arrival order; keystore1: timestamp order) */
    return best;
}

const sim_cached_token *sim_token_cache_first_with_challenge(const sim_token_cache *cache, uint64_t challenge)
{
    for (size_t i = 0; i < cache->count; i++)
        if (cache->tokens[i].token.challenge == challenge)
            return &cache->tokens[i];
    return NULL;
}

void sim_token_cache_clear(sim_token_cache *cache)
{
    cache->count = 0;
}
