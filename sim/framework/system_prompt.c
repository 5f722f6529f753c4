/*
 * system_prompt.c - the simulated system prompt: BiometricPrompt.authenticate(CryptoObject) as the
 * user answers it.
 *
 * On a phone, an app that begins an operation with a per-operation key shows BiometricPrompt with the
 * operation's CryptoObject; when the user presents a finger or types the credential, the biometric TA
 * or Gatekeeper mints a token carrying that operation's challenge. From a shell or the openssl CLI
 * there is no user at that moment, so `kssim prompt` arms the answer beforehand: the next N operations
 * that need per-operation authentication, begun by any process, are answered right after begin returns
 * their challenge. The answer goes through the same Gatekeeper and biometric paths as
 * verify_credential and authenticate_biometric, so throttling, lockout and enrollment changes apply.
 * The credential itself is never kept: Gatekeeper checks it when the prompt is armed, and the prompt
 * remembers only which enrollment it matched (sim_gatekeeper_enrollment_tag).
 */
#include <string.h>

#include "framework/device.h"

static bool biometric_is_enrolled(const kssim_device *device, uint32_t id)
{
    const sim_biometric *biometric = &device->sw.biometric;
    for (size_t i = 0; i < biometric->count; i++)
        if (biometric->templates[i].id == id)
            return true;
    return false;
}

kssim_result kssim_prompt_arm(kssim_device *device, kssim_prompt_response response, uint32_t biometric_id,
                              const char *secret, uint32_t count)
{
    SIM_BEGIN_CALL(device);
    sim_system_prompt armed = {.response = response, .biometric_id = 0, .remaining = count};
    switch (response) {
    case KSSIM_PROMPT_NONE:
        memset(&device->prompt, 0, sizeof(device->prompt));
        return KSSIM_OK;
    case KSSIM_PROMPT_BIOMETRIC:
        /* Nothing enrolled at all is its own answer, as in kssim_authenticate_biometric (R-BIO-NONE-ENROLLED). */
        if (device->sw.biometric.count == 0)
            return sim_refuse(&device->env, KSSIM_NO_BIOMETRIC_ENROLLED,
                              "no biometric is enrolled, so the prompt cannot start (BIOMETRIC_ERROR_NO_BIOMETRICS): "
                              "enroll one first (enroll_biometric)");
        if (!biometric_is_enrolled(device, biometric_id))
            return sim_refuse(&device->env, KSSIM_NO_MATCH,
                              "no biometric with id %u is enrolled, so the prompt could never match it: enroll it "
                              "first (enroll_biometric) or arm the prompt with an enrolled id",
                              biometric_id);
        armed.biometric_id = biometric_id;
        break;
    case KSSIM_PROMPT_CREDENTIAL: {
        if (!device->sw.gatekeeper.enrolled)
            return sim_refuse(&device->env, KSSIM_NO_CREDENTIAL,
                              "no lock-screen credential is set, so the prompt cannot ask for one: set one first "
                              "(set_credential) or arm the prompt with a biometric");
        if (secret == NULL)
            return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT,
                              "arming the prompt with the credential needs the secret the user will type");
        /* Checked now, as the user would be told at once; the token it makes is not used. */
        kssim_result r = sim_gatekeeper_verify(&device->sw, secret, 0, NULL);
        if (r != KSSIM_OK)
            return r;
        armed.credential_tag = sim_gatekeeper_enrollment_tag(&device->sw);
        break;
    }
    default:
        return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT,
                          "the prompt answers with a biometric, the credential, or none (disarmed)");
    }
    if (count == 0)
        return sim_refuse(&device->env, KSSIM_INVALID_ARGUMENT,
                          "the prompt must answer at least one operation: give a count of 1 or more, or respond "
                          "none to disarm it");
    device->prompt = armed;
    return KSSIM_OK;
}

void sim_system_prompt_answer(kssim_device *device, uint64_t challenge)
{
    sim_system_prompt *prompt = &device->prompt;
    if (prompt->response == KSSIM_PROMPT_NONE || prompt->remaining == 0)
        return;
    sim_system_prompt answered = *prompt;
    if (--prompt->remaining == 0)
        memset(prompt, 0, sizeof(*prompt));

    /* The operation has begun whatever the user does; a failed answer only leaves it without a token,
     * so its finish says KEY_USER_NOT_AUTHENTICATED, as it would on a phone. */
    char begin_message[SIM_MESSAGE_MAX];
    memcpy(begin_message, device->env.message, sizeof(begin_message));
    kssim_auth_token token;
    bool issued = false;
    if (answered.response == KSSIM_PROMPT_BIOMETRIC) {
        uint64_t root_sid = device->sw.gatekeeper.enrolled ? device->sw.gatekeeper.sid : 0;
        bool strong_match = false;
        kssim_result r =
            sim_biometric_authenticate(&device->sw, answered.biometric_id, challenge, root_sid, &token, &strong_match);
        issued = r == KSSIM_OK && strong_match;
    } else {
        issued = sim_gatekeeper_verify_armed(&device->sw, answered.credential_tag, challenge, &token) == KSSIM_OK;
        if (issued)
            sim_biometric_reset_lockout(&device->sw);
    }
    if (issued)
        sim_framework_deliver_token(device, &token);
    memcpy(device->env.message, begin_message, sizeof(begin_message));
}
