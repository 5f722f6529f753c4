/*
 * gatekeeper.c - the lock-screen credential: enrollment, verification and removal.
 *
 * As system/gatekeeper gatekeeper.cpp does, the credential is kept only as a salted hash (scrypt, as
 * the software Gatekeeper uses) next to the user's secure ID (SID). An enrollment without the current
 * secret is untrusted and draws a new SID, so every key bound to the old SID can never be authorized
 * again; a trusted change proves the current secret first (throttled like any verification) and keeps
 * the SID. A successful verification mints a PASSWORD HardwareAuthToken for the caller's challenge.
 * Every attempt is a failure on the device's storage before the secret is compared
 * (sim_gatekeeper_charge_attempt), so no answer is ever given that was not counted.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "core/invariant.h"
#include "secure/gatekeeper_throttle.h"

static bool is_credential_type(kssim_credential_type type)
{
    return type == KSSIM_CREDENTIAL_PIN || type == KSSIM_CREDENTIAL_PASSWORD || type == KSSIM_CREDENTIAL_PATTERN;
}

static kssim_result hash_secret(sim_secure_world *sw, const char *secret, const uint8_t salt[16], uint8_t hash[32])
{
    if (sim_scrypt(&sw->env->crypto, secret, salt, 16, hash) != 0)
        return sim_refuse(sw->env, KSSIM_SYSTEM_ERROR,
                          "Gatekeeper could not hash the credential (scrypt failed): check that OpenSSL provides "
                          "SCRYPT");
    return KSSIM_OK;
}

/* The check Enroll (for the current secret) and Verify share in gatekeeper.cpp: throttle, count the
 * attempt durably, compare in constant time, and clear the failure record on a match. */
/* R-GK-MATCH-CLEARS-FAILURES: a matching secret clears the failure record. AOSP: gatekeeper.cpp Verify */
static kssim_result check_secret_throttled(sim_secure_world *sw, const char *secret)
{
    sim_gatekeeper *gk = &sw->gatekeeper;
    kssim_result result = sim_gatekeeper_charge_attempt(sw);
    if (result != KSSIM_OK)
        return result;

    uint8_t candidate[32];
    result = hash_secret(sw, secret, gk->salt, candidate);
    if (result != KSSIM_OK)
        return result;
    bool matches = sim_equal_secret(candidate, gk->hash, sizeof(candidate));
    OPENSSL_cleanse(candidate, sizeof(candidate));
    if (!matches)
        return sim_gatekeeper_refuse_wrong_secret(sw);

    sim_gatekeeper_clear_failures(gk);
    return KSSIM_OK;
}

/* gatekeeper.cpp Enroll answers ERROR_INVALID (VTS EnrollNoPassword: ERROR_GENERAL_FAILURE) for a request
 * without a password: there is nothing to hash. */
/* R-GK-EMPTY-CREDENTIAL-REFUSED: an empty credential cannot be enrolled. AOSP: gatekeeper.cpp Enroll */
static kssim_result refuse_empty_secret(sim_secure_world *sw, const char *new_secret)
{
    if (new_secret == NULL || new_secret[0] == '\0')
        return sim_refuse(sw->env, KSSIM_INVALID_ARGUMENT,
                          "a lock-screen credential cannot be empty: give a non-empty PIN, password or pattern");
    return KSSIM_OK;
}

/* gatekeeper.cpp Verify answers ERROR_INVALID without a password handle (VTS VerifyNoData, and DeleteUserTest
 * after deleteUser): with nothing enrolled there is nothing to compare against. */
/* R-GK-VERIFY-NEEDS-ENROLLMENT: verifying with no credential enrolled fails. AOSP: gatekeeper.cpp Verify */
static kssim_result refuse_without_enrollment(sim_secure_world *sw)
{
    if (!sw->gatekeeper.enrolled)
        return sim_refuse(sw->env, KSSIM_NO_CREDENTIAL,
                          "no lock-screen credential is set: set one (set_credential) before verifying");
    return KSSIM_OK;
}

/* gatekeeper.cpp MintAuthToken: user_id is the SID, authenticator_id 0, type PASSWORD. */
/* R-TOKEN-GK-CONTENT: a PASSWORD token: user ID = root SID, authenticator ID 0. AOSP: gatekeeper.cpp MintAuthToken */
static void mint_password_token(sim_secure_world *sw, uint64_t challenge, kssim_auth_token *token_out)
{
    KSSIM_INVARIANT(sw->gatekeeper.enrolled && sw->gatekeeper.sid != 0,
                    "Gatekeeper mints a token only for an enrolled credential, whose SID is never 0");
    KSSIM_INVARIANT(sw->gatekeeper.failure_count == 0, "a token is minted only after the failure record was cleared");
    kssim_auth_token token = {
        .challenge = challenge,
        .user_id = sw->gatekeeper.sid,
        .authenticator_id = 0,
        .authenticator_type = KSSIM_AUTHENTICATOR_PASSWORD,
    };
    sim_auth_token_issue(sw, &token);
    if (token_out != NULL)
        *token_out = token;
}

/* R-CRED-CHANGE-KEEPS-SID: enrolling with the current secret keeps the SID. AOSP: gatekeeper.cpp Enroll */
/* R-CRED-RESET-NEW-SID: enrolling without the current secret draws a new SID. AOSP: gatekeeper.cpp Enroll */
kssim_result sim_gatekeeper_enroll(sim_secure_world *sw, kssim_credential_type type, const char *new_secret,
                                   const char *current_secret)
{
    sim_gatekeeper *gk = &sw->gatekeeper;
    kssim_result refused = refuse_empty_secret(sw, new_secret);
    if (refused != KSSIM_OK)
        return refused;
    bool keeps_type = type == KSSIM_CREDENTIAL_NONE && current_secret != NULL;
    if (!is_credential_type(type) && !keeps_type)
        return sim_refuse(sw->env, KSSIM_INVALID_ARGUMENT,
                          "credential type %d is not a lock screen: use pin, password or pattern", (int)type);

    uint64_t sid;
    if (current_secret == NULL) {
        sid = sim_random_nonzero_u64(&sw->env->crypto);
    } else {
        if (!gk->enrolled)
            return sim_refuse(sw->env, KSSIM_NO_CREDENTIAL,
                              "there is no lock-screen credential to change: set one first (set_credential)");
        kssim_result result = check_secret_throttled(sw, current_secret);
        if (result != KSSIM_OK)
            return result;
        sid = gk->sid;
        /* Read after the charge, which may have taken in another process's credential. */
        if (keeps_type)
            type = gk->type;
    }

    uint8_t salt[16], hash[32];
    sim_random_bytes(&sw->env->crypto, salt, sizeof(salt));
    kssim_result result = hash_secret(sw, new_secret, salt, hash);
    if (result != KSSIM_OK)
        return result;

    gk->enrolled = true;
    gk->type = type;
    gk->sid = sid;
    memcpy(gk->salt, salt, sizeof(salt));
    memcpy(gk->hash, hash, sizeof(hash));
    OPENSSL_cleanse(hash, sizeof(hash));
    /* Enroll clears the failure record for the (possibly new) SID in gatekeeper.cpp. */
    sim_gatekeeper_clear_failures(gk);
    KSSIM_INVARIANT(gk->sid != 0 && gk->failure_count == 0, "a new enrollment has a SID and a clean failure record");
    return KSSIM_OK;
}

kssim_result sim_gatekeeper_verify(sim_secure_world *sw, const char *secret, uint64_t challenge,
                                   kssim_auth_token *token_out)
{
    if (token_out != NULL)
        memset(token_out, 0, sizeof(*token_out));
    kssim_result refused = refuse_without_enrollment(sw);
    if (refused != KSSIM_OK)
        return refused;
    if (secret == NULL)
        return sim_refuse(sw->env, KSSIM_INVALID_ARGUMENT,
                          "no secret given: pass the lock-screen credential to verify");

    kssim_result result = check_secret_throttled(sw, secret);
    if (result != KSSIM_OK)
        return result;
    mint_password_token(sw, challenge, token_out);
    return KSSIM_OK;
}

uint64_t sim_gatekeeper_enrollment_tag(const sim_secure_world *sw)
{
    const sim_gatekeeper *gk = &sw->gatekeeper;
    if (!gk->enrolled)
        return 0;
    /* Keyed with the device key, so the tag says nothing about the credential to whoever reads it. */
    uint8_t message[6 + sizeof(gk->salt) + sizeof(gk->hash)], mac[32];
    memcpy(message, "prompt", 6);
    memcpy(message + 6, gk->salt, sizeof(gk->salt));
    memcpy(message + 6 + sizeof(gk->salt), gk->hash, sizeof(gk->hash));
    if (sim_hmac_sha256(&sw->env->crypto, sw->device_key, sizeof(sw->device_key), message, sizeof(message), mac) != 0)
        return 0;
    uint64_t tag = 0;
    for (int i = 0; i < 8; i++)
        tag = (tag << 8) | mac[i];
    return tag != 0 ? tag : 1;
}

kssim_result sim_gatekeeper_verify_armed(sim_secure_world *sw, uint64_t enrollment_tag, uint64_t challenge,
                                         kssim_auth_token *token_out)
{
    if (token_out != NULL)
        memset(token_out, 0, sizeof(*token_out));
    if (!sw->gatekeeper.enrolled)
        return sim_refuse(sw->env, KSSIM_NO_CREDENTIAL,
                          "the prompt was armed with a credential, but the lock screen has been removed since: "
                          "arm it again after setting one");
    kssim_result result = sim_gatekeeper_charge_attempt(sw);
    if (result != KSSIM_OK)
        return result;
    if (enrollment_tag != sim_gatekeeper_enrollment_tag(sw))
        return sim_gatekeeper_refuse_wrong_secret(sw);
    sim_gatekeeper_clear_failures(&sw->gatekeeper);
    mint_password_token(sw, challenge, token_out);
    return KSSIM_OK;
}

void sim_gatekeeper_delete(sim_secure_world *sw)
{
    /* Removing the lock screen forgets the SID, the hash and the failure record together. */
    OPENSSL_cleanse(&sw->gatekeeper, sizeof(sw->gatekeeper));
}
