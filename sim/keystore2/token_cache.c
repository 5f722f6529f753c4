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

#include "keystore2/keystore2.h"

/* R-TOKEN-MATCHES-KEY: a token is for a key when its user ID or authenticator ID is one of the key's non-zero SIDs and
 * its type one of the key's. AOSP: keystore2 enforcements.rs authorize_create (AuthTokenEntry::satisfies) */
bool sim_token_matches_key(const kssim_auth_token *token, const sim_auth_list *auth)
{
    if ((token->authenticator_type & auth->user_auth_types) == 0)
        return false;
    for (uint32_t i = 0; i < auth->sid_count; i++)
        if (auth->sids[i] != 0 && (auth->sids[i] == token->user_id || auth->sids[i] == token->authenticator_id))
            return true;
    return false;
}

void sim_token_cache_add(sim_token_cache *cache, const kssim_auth_token *token, uint64_t received_ms)
{
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
    if (cache->count == cache->capacity) {
        size_t capacity = cache->capacity ? cache->capacity * 2 : 8;
        sim_cached_token *grown = realloc(cache->tokens, capacity * sizeof(*grown));
        if (grown == NULL)
            return; /* a lost token only means the user must authenticate again */
        cache->tokens = grown;
        cache->capacity = capacity;
    }
    cache->tokens[cache->count++] = (sim_cached_token){*token, received_ms};
}

/* Entry::is_newer_than: a later timestamp, or the same one received later (for secure clocks that stick). */
static bool is_newer_than(const sim_cached_token *a, const sim_cached_token *b)
{
    return a->token.timestamp_ms > b->token.timestamp_ms ||
           (a->token.timestamp_ms == b->token.timestamp_ms && a->received_ms > b->received_ms);
}

void sim_token_cache_add_keystore1(sim_token_cache *cache, const kssim_auth_token *token, uint64_t received_ms)
{
    sim_cached_token added = {*token, received_ms};
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
    if (cache->count == cache->capacity) {
        size_t capacity = cache->capacity ? cache->capacity * 2 : 8;
        sim_cached_token *grown = realloc(cache->tokens, capacity * sizeof(*grown));
        if (grown == NULL)
            return; /* a lost token only means the user must authenticate again */
        cache->tokens = grown;
        cache->capacity = capacity;
    }
    /* Ordered by is_newer_than, so that "the last match" is keystore1's newest_match. */
    size_t at = cache->count;
    while (at > 0 && is_newer_than(&cache->tokens[at - 1], &added))
        at--;
    memmove(&cache->tokens[at + 1], &cache->tokens[at], (cache->count - at) * sizeof(*cache->tokens));
    cache->tokens[at] = added;
    cache->count++;
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
