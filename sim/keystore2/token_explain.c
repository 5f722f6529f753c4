/*
 * token_explain.c - what --explain says about keystore2's auth-token cache: each cached token as keystore2
 * weighed it for a key (docs/explain.md).
 *
 * Description only: nothing here decides. The MAC column is what KeyMint will find (keystore2 itself cannot
 * verify a MAC; only the TEE holds this boot's HMAC key), shown so that a developer sees at once that a token
 * from before a reboot, or a forged one, can never pass.
 */
#include <stdio.h>

#include "core/decision.h"
#include "keystore2/keystore2.h"

void sim_keystore2_explain_cached_tokens(sim_keystore2 *ks, const sim_auth_list *auth, uint64_t challenge,
                                         const sim_cached_token *chosen)
{
    if (!sim_explaining(ks->env))
        return;
    uint64_t now = ks->env->clock.boot_ms;
    if (ks->tokens.count == 0)
        sim_explain(ks->env, "  token cache: empty (no authentication since boot reached keystore)");
    for (size_t i = 0; i < ks->tokens.count; i++) {
        const sim_cached_token *cached = &ks->tokens.tokens[i];
        char text[256];
        sim_explain_token_text(&cached->token, (unsigned long long)now, text, sizeof(text));
        bool matches = auth == NULL || sim_token_matches_key(&cached->token, auth);
        bool other_challenge = challenge != 0 && cached->token.challenge != challenge;
        sim_explain(ks->env, "  token %zu: %s, received %llu s ago, MAC %s, %s%s%s", i + 1, text,
                    (unsigned long long)((now - cached->received_ms) / 1000),
                    sim_auth_token_is_authentic(ks->sw, &cached->token) ? "valid" : "invalid (not this boot's key)",
                    matches ? "matches the key's SIDs and types" : "not for this key (SIDs or type differ)",
                    other_challenge ? ", carries another challenge than the operation's" : "",
                    cached == chosen ? " <- chosen" : "");
    }
}
