/*
 * command_biometric.c - fingerprints and faces: enroll-biometric, remove-biometric and
 * authenticate-biometric. Each prints nothing on success.
 */
#include <stdint.h>

#include "cli/cli_device.h"
#include "cli/cli_options.h"
#include "cli/cli_values.h"

#define GROUP_BIOMETRICS "Biometrics"

typedef struct biometric_request {
    uint32_t id;
    uint32_t modality;
    uint32_t biometric_class;
    uint64_t challenge;
} biometric_request;

/* ---- enroll-biometric ---- */

static kssim_result enroll_biometric(kssim_device *device, void *request, cli_output *output)
{
    (void)output;
    const biometric_request *r = request;
    return kssim_enroll_biometric(device, r->id, (kssim_modality)r->modality,
                                  (kssim_biometric_class)r->biometric_class);
}

static int run_enroll_biometric(const cli_command *command, const cli_args *args)
{
    (void)command;
    biometric_request request;
    if (!cli_option_u32(args, "--id", 0, &request.id) ||
        !cli_option_word(args, "--modality", &scenario_modalities, KSSIM_MODALITY_FINGERPRINT, &request.modality) ||
        !cli_option_word(args, "--class", &scenario_biometric_classes, KSSIM_BIOMETRIC_STRONG,
                         &request.biometric_class))
        return KSSIM_EXIT_USAGE;
    return cli_with_device(args, enroll_biometric, &request);
}

static const cli_option enroll_biometric_options[] = {
    {"--id", "N", "a number naming the template (unique across modalities)", true},
    {"--modality", "MODALITY", "fingerprint (default) or face", false},
    {"--class", "CLASS", "strong (class 3, default) or weak (class 2)", false},
};

const cli_command command_enroll_biometric = {
    .name = "enroll-biometric",
    .group = GROUP_BIOMETRICS,
    .synopsis = "--id N [--modality fingerprint|face] [--class strong|weak]",
    .summary = "enroll a fingerprint or face; a strong one changes that modality's authenticator ID",
    .description = "Enrolls a template. Needs a secure lock screen (NO_SECURE_LOCK_SCREEN otherwise). A strong\n"
                   "enrollment gives the modality a new authenticator ID, which invalidates keys bound to the old one\n"
                   "(biometric-only keys with invalidation on enrollment); a weak one changes nothing in keystore.",
    .android = "Settings > Security > Fingerprint / Face unlock > add.",
    .options = enroll_biometric_options,
    .option_count = sizeof(enroll_biometric_options) / sizeof(enroll_biometric_options[0]),
    .run = run_enroll_biometric,
};

/* ---- remove-biometric ---- */

static kssim_result remove_biometric(kssim_device *device, void *request, cli_output *output)
{
    (void)output;
    const biometric_request *r = request;
    return kssim_remove_biometric(device, r->id);
}

static int run_remove_biometric(const cli_command *command, const cli_args *args)
{
    (void)command;
    biometric_request request;
    if (!cli_option_u32(args, "--id", 0, &request.id))
        return KSSIM_EXIT_USAGE;
    return cli_with_device(args, remove_biometric, &request);
}

static const cli_option remove_biometric_options[] = {
    {"--id", "N", "the template to remove", true},
};

const cli_command command_remove_biometric = {
    .name = "remove-biometric",
    .group = GROUP_BIOMETRICS,
    .synopsis = "--id N",
    .summary = "remove one template (the authenticator ID becomes 0 when none is left)",
    .description = "Removes one template. The modality's authenticator ID does not change, unless this was its last\n"
                   "strong template: then it becomes 0, and keys bound to biometrics only can never be used again.",
    .android = "Settings > Security > Fingerprint > delete.",
    .options = remove_biometric_options,
    .option_count = sizeof(remove_biometric_options) / sizeof(remove_biometric_options[0]),
    .run = run_remove_biometric,
};

/* ---- authenticate-biometric ---- */

static kssim_result authenticate_biometric(kssim_device *device, void *request, cli_output *output)
{
    cli_note_app_call(output, device, NULL, APP_VIEW_BIOMETRIC_PROMPT, 0);
    const biometric_request *r = request;
    return kssim_authenticate_biometric(device, r->id, r->challenge, NULL);
}

static int run_authenticate_biometric(const cli_command *command, const cli_args *args)
{
    (void)command;
    biometric_request request;
    if (!cli_option_u32(args, "--id", 0, &request.id) ||
        !cli_option_unsigned(args, "--challenge", UINT64_MAX, 0, &request.challenge))
        return KSSIM_EXIT_USAGE;
    return cli_with_device(args, authenticate_biometric, &request);
}

static const cli_option authenticate_biometric_options[] = {
    {"--id", "N", "the finger or face presented; an id not enrolled is a non-matching finger", true},
    {"--challenge", "N", "the 64-bit challenge the token carries (decimal or 0x hex); default 0", false},
};

const cli_command command_authenticate_biometric = {
    .name = "authenticate-biometric",
    .group = GROUP_BIOMETRICS,
    .synopsis = "--id N [--challenge N]",
    .summary = "present a finger or face: a strong match puts a FINGERPRINT token into keystore's cache",
    .description = "A match of a strong template puts a FINGERPRINT HardwareAuthToken (user ID = root SID,\n"
                   "authenticator ID = the modality's) into keystore's token cache; a weak match succeeds with no\n"
                   "token. Failures count towards lockout. Refusals: NO_MATCH, LOCKOUT (30 s after 5 failures),\n"
                   "LOCKOUT_PERMANENT (after 20, until the credential is verified). For a per-operation key, use\n"
                   "kssim prompt before kssim sign instead: the operation's challenge exists only inside that command.",
    .android = "BiometricPrompt.authenticate (without a CryptoObject unless a challenge is given).",
    .options = authenticate_biometric_options,
    .option_count = sizeof(authenticate_biometric_options) / sizeof(authenticate_biometric_options[0]),
    .run = run_authenticate_biometric,
};
