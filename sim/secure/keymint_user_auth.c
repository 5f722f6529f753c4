/*
 * keymint_user_auth.c - KeyMint's own check of HardwareAuthTokens: the one rule keystore2 cannot be
 * trusted with, because only the TEE holds the per-boot key that MACs them.
 *
 * A key bound to secure IDs is either a timeout key (AUTH_TIMEOUT present: begin needs a token no
 * older than the timeout) or a per-operation key (no AUTH_TIMEOUT: every update and finish needs a
 * token carrying the operation's challenge). The checks are keymaster_enforcement.cpp's AuthorizeBegin
 * and AuthTokenMatches, in its order: the MAC, the challenge (per-operation), the secure ID, the
 * authenticator type, then the age (timeout) - with the reference TA's rule (operation.rs
 * check_auth_token) that a token is too old when now > timestamp + timeout, so exactly the timeout
 * still passes. A secure ID of 0 never matches: it is what a token carries when it has no such ID.
 */
#include <inttypes.h>

#include "core/invariant.h"
#include "secure/duration_text.h"
#include "secure/keymint_internal.h"

static bool token_matches_sid(const sim_auth_list *auth, const kssim_auth_token *token)
{
    KSSIM_INVARIANT(auth->sid_count <= SIM_MAX_KEY_SIDS, "a key has no more secure IDs than the array holds");
    for (uint32_t i = 0; i < auth->sid_count && i < SIM_MAX_KEY_SIDS; i++)
        if (auth->sids[i] != 0 && (auth->sids[i] == token->user_id || auth->sids[i] == token->authenticator_id))
            return true;
    return false;
}

/* The checks every token gets; challenge is checked only for per-operation keys. */
/* R-TOKEN-KEYMINT-VERIFIES: MAC, challenge (per-op), SID, type. AOSP: keymaster_enforcement.cpp AuthTokenMatches */
static kssim_result check_token(sim_secure_world *sw, const sim_auth_list *auth, const kssim_auth_token *token,
                                bool check_challenge, uint64_t challenge)
{
    sim_env *env = sw->env;
    bool authentic = sim_auth_token_is_authentic(sw, token);
    if (sim_explaining(env)) {
        char text[256];
        sim_explain_token_text(token, (unsigned long long)env->clock.boot_ms, text, sizeof(text));
        bool sid = token_matches_sid(auth, token), type = (token->authenticator_type & auth->user_auth_types) != 0;
        sim_explain(env, "R-TOKEN-KEYMINT-VERIFIES: KeyMint checks %s: MAC %s, challenge %s, SID %s, type %s", text,
                    authentic ? "valid" : "INVALID",
                    !check_challenge                ? "not checked (timeout key)"
                    : token->challenge == challenge ? "matches"
                                                    : "DIFFERS from the operation's",
                    sid ? "matches" : "DIFFERS", type ? "accepted" : "NOT accepted");
    }
    if (!authentic)
        return sim_refuse(env, KSSIM_KEY_USER_NOT_AUTHENTICATED,
                          "the auth token's MAC does not verify under this boot's key: tokens from before a reboot "
                          "or forged ones are rejected; authenticate again");
    if (check_challenge && token->challenge != challenge)
        return sim_refuse(env, KSSIM_KEY_USER_NOT_AUTHENTICATED,
                          "the auth token carries challenge 0x%016" PRIx64 ", not this operation's 0x%016" PRIx64
                          ": authenticate for this very operation (BiometricPrompt with its CryptoObject)",
                          token->challenge, challenge);
    if (!token_matches_sid(auth, token))
        return sim_refuse(env, KSSIM_KEY_USER_NOT_AUTHENTICATED,
                          "the auth token is for secure ID 0x%016" PRIx64 " / authenticator 0x%016" PRIx64
                          ", and this key is bound to others: authenticate with the credential or biometric the key "
                          "was bound to (a credential reset or a new biometric enrollment replaces them for good)",
                          token->user_id, token->authenticator_id);
    if ((token->authenticator_type & auth->user_auth_types) == 0)
        return sim_refuse(env, KSSIM_KEY_USER_NOT_AUTHENTICATED,
                          "the auth token comes from %s, and this key accepts only %s: authenticate with that",
                          sim_authenticators_text(token->authenticator_type),
                          sim_authenticators_text(auth->user_auth_types));
    return KSSIM_OK;
}

/* R-TIMEOUT-WINDOW: too old only when now - timestamp > timeout. AOSP: operation.rs check_auth_token */
static kssim_result check_token_age(sim_secure_world *sw, const sim_auth_list *auth, const kssim_auth_token *token)
{
    uint64_t now = sw->env->clock.boot_ms;
    char age[SIM_DURATION_TEXT_MAX];
    if (token->timestamp_ms > now)
        return sim_refuse(sw->env, KSSIM_KEY_USER_NOT_AUTHENTICATED,
                          "the auth token is stamped %s after this boot's clock, so it cannot come from this boot: "
                          "authenticate again",
                          sim_duration_text(token->timestamp_ms - now, age));
    uint64_t elapsed = now - token->timestamp_ms;
    sim_explain(sw->env,
                "R-TIMEOUT-WINDOW: token issued %" PRIu64 ".%03" PRIu64 " s ago on the boot clock, timeout %" PRIu32
                " s: %s",
                elapsed / 1000, elapsed % 1000, auth->auth_timeout_s,
                elapsed > (uint64_t)auth->auth_timeout_s * 1000 ? "too old" : "within the window");
    if (elapsed > (uint64_t)auth->auth_timeout_s * 1000)
        return sim_refuse(sw->env, KSSIM_KEY_USER_NOT_AUTHENTICATED,
                          "this key needs %s within the last %" PRIu32 " s; the auth token is %s old: "
                          "authenticate again",
                          sim_authenticators_text(auth->user_auth_types), auth->auth_timeout_s,
                          sim_duration_text(elapsed, age));
    return KSSIM_OK;
}

kssim_result keymint_authorize_begin(sim_secure_world *sw, const sim_auth_list *auth, const kssim_auth_token *token,
                                     bool *needs_per_op_auth)
{
    *needs_per_op_auth = false;
    if (auth->sid_count == 0)
        return KSSIM_OK;
    if (auth->no_auth_required)
        return sim_refuse(sw->env, KSSIM_INVALID_KEY_BLOB,
                          "the key claims both NO_AUTH_REQUIRED and secure IDs, which no KeyMint issues: delete it "
                          "and generate a new one");
    /* operation.rs AuthInfo::new: secure IDs without USER_AUTH_TYPE can never be satisfied. */
    if (auth->user_auth_types == 0)
        return sim_refuse(sw->env, KSSIM_KEY_USER_NOT_AUTHENTICATED,
                          "the key has secure IDs but no USER_AUTH_TYPE, so no token can ever match: generate a new "
                          "key");
    if (!auth->has_auth_timeout) {
        *needs_per_op_auth = true;
        return KSSIM_OK;
    }
    if (token == NULL)
        sim_explain(sw->env, "R-TIMEOUT-WINDOW: no auth token came with the begin: KEY_USER_NOT_AUTHENTICATED");
    if (token == NULL)
        return sim_refuse(sw->env, KSSIM_KEY_USER_NOT_AUTHENTICATED,
                          "this key needs %s within the last %" PRIu32 " s, and no auth token came with the "
                          "operation: authenticate, then retry",
                          sim_authenticators_text(auth->user_auth_types), auth->auth_timeout_s);
    kssim_result r = check_token(sw, auth, token, false, 0);
    return r != KSSIM_OK ? r : check_token_age(sw, auth, token);
}

kssim_result keymint_check_per_operation_token(sim_secure_world *sw, const keymint_operation *op,
                                               const kssim_auth_token *token)
{
    if (token == NULL)
        return sim_refuse(sw->env, KSSIM_KEY_USER_NOT_AUTHENTICATED,
                          "this key needs %s for every operation: authenticate with this operation's challenge "
                          "0x%016" PRIx64 " and pass that token to update and finish",
                          sim_authenticators_text(op->auth.user_auth_types), op->handle);
    return check_token(sw, &op->auth, token, true, op->handle);
}
