/*
 * command_credential.c - the lock screen (Gatekeeper): set-credential, change-credential,
 * reset-credential, remove-credential and verify-credential. Each prints nothing on success.
 *
 * Every secret may come from the command line, standard input (-) or a file (cli_secret.h): a command line is
 * readable by every local user while the command runs.
 */
#include <stdint.h>

#include "cli/cli_device.h"
#include "cli/cli_options.h"
#include "cli/cli_secret.h"
#include "cli/cli_values.h"

#define GROUP_CREDENTIAL "Credential (Gatekeeper)"

typedef struct credential_request {
    uint32_t type;
    const char *secret;
    const char *new_secret;
    uint64_t challenge;
} credential_request;

/* Runs action with the secrets in request, then wipes the ones that were read. */
static int run_with_secrets(const cli_args *args, cli_device_action action, credential_request *request,
                            cli_secret *secret, cli_secret *new_secret)
{
    request->secret = secret->value;
    request->new_secret = new_secret->value;
    int status = cli_with_device(args, action, request);
    cli_secret_clear(secret);
    cli_secret_clear(new_secret);
    return status;
}

#define SECRET_FILE_HELP                                                                                               \
    "the first line of FILE (- = standard input), kept off the command line, which every local user can read"

/* ---- set-credential ---- */

static kssim_result set_credential(kssim_device *device, void *request, cli_output *output)
{
    (void)output;
    const credential_request *r = request;
    return kssim_set_credential(device, (kssim_credential_type)r->type, r->secret);
}

static int run_set_credential(const cli_command *command, const cli_args *args)
{
    (void)command;
    credential_request request = {0};
    cli_secret secret = {0}, none = {0};
    if (!cli_option_word(args, "--type", &scenario_credential_types, KSSIM_CREDENTIAL_PIN, &request.type) ||
        !cli_read_secret(args, "--secret", "--secret-file", true, &secret))
        return KSSIM_EXIT_USAGE;
    return run_with_secrets(args, set_credential, &request, &secret, &none);
}

static const cli_option set_credential_options[] = {
    {"--type", "TYPE", "pin, password or pattern", true},
    {"--secret", "SECRET",
     "the credential (a pattern is any string, e.g. 1-2-3-6-9); - reads it from standard input; this or --secret-file "
     "is required",
     false},
    {"--secret-file", "FILE", "the credential: " SECRET_FILE_HELP, false},
};

const cli_command command_set_credential = {
    .name = "set-credential",
    .group = GROUP_CREDENTIAL,
    .synopsis = "--type pin|password|pattern --secret SECRET|--secret-file FILE",
    .summary = "set the first lock screen: Gatekeeper draws a new root SID",
    .description = "First enrollment of a secure lock screen: Gatekeeper draws a new random 64-bit root SID (secure\n"
                   "user ID). To replace an existing credential use change-credential (keeps the SID) or\n"
                   "reset-credential (new SID).",
    .android = "Settings > Security > Screen lock on a phone without one (LockSettingsService, Gatekeeper enroll).",
    .options = set_credential_options,
    .option_count = sizeof(set_credential_options) / sizeof(set_credential_options[0]),
    .run = run_set_credential,
};

/* ---- change-credential ---- */

static kssim_result change_credential(kssim_device *device, void *request, cli_output *output)
{
    (void)output;
    const credential_request *r = request;
    return kssim_change_credential(device, r->secret, r->new_secret);
}

static int run_change_credential(const cli_command *command, const cli_args *args)
{
    (void)command;
    credential_request request = {0};
    cli_secret old_secret = {0}, new_secret = {0};
    if (!cli_read_secret(args, "--old", "--old-file", true, &old_secret))
        return KSSIM_EXIT_USAGE;
    if (!cli_read_secret(args, "--new", "--new-file", true, &new_secret)) {
        cli_secret_clear(&old_secret);
        return KSSIM_EXIT_USAGE;
    }
    return run_with_secrets(args, change_credential, &request, &old_secret, &new_secret);
}

static const cli_option change_credential_options[] = {
    {"--old", "SECRET",
     "the current credential, checked as verify-credential checks it; - reads it from standard input; this or "
     "--old-file is required",
     false},
    {"--old-file", "FILE", "the current credential: " SECRET_FILE_HELP, false},
    {"--new", "SECRET", "the new credential; - reads it from standard input; this or --new-file is required", false},
    {"--new-file", "FILE", "the new credential: " SECRET_FILE_HELP, false},
};

const cli_command command_change_credential = {
    .name = "change-credential",
    .group = GROUP_CREDENTIAL,
    .synopsis = "--old SECRET|--old-file FILE --new SECRET|--new-file FILE",
    .summary = "trusted re-enrollment: the root SID is kept, keys stay valid",
    .description = "The user proves the old credential and sets a new one. The root SID is kept, so every key stays\n"
                   "valid. A wrong old secret is WRONG_CREDENTIAL and counts as a failed attempt (RETRY_TIMEOUT\n"
                   "inside a throttling wait).",
    .android = "Settings > Security > Screen lock, entering the current PIN first.",
    .options = change_credential_options,
    .option_count = sizeof(change_credential_options) / sizeof(change_credential_options[0]),
    .run = run_change_credential,
};

/* ---- reset-credential ---- */

static kssim_result reset_credential(kssim_device *device, void *request, cli_output *output)
{
    (void)output;
    const credential_request *r = request;
    return kssim_reset_credential(device, r->new_secret);
}

static int run_reset_credential(const cli_command *command, const cli_args *args)
{
    (void)command;
    credential_request request = {0};
    cli_secret none = {0}, new_secret = {0};
    if (!cli_read_secret(args, "--new", "--new-file", true, &new_secret))
        return KSSIM_EXIT_USAGE;
    return run_with_secrets(args, reset_credential, &request, &none, &new_secret);
}

static const cli_option reset_credential_options[] = {
    {"--new", "SECRET", "the new credential; - reads it from standard input; this or --new-file is required", false},
    {"--new-file", "FILE", "the new credential: " SECRET_FILE_HELP, false},
};

const cli_command command_reset_credential = {
    .name = "reset-credential",
    .group = GROUP_CREDENTIAL,
    .synopsis = "--new SECRET|--new-file FILE",
    .summary = "untrusted enrollment (admin reset): a new root SID; keys bound to the old one are lost",
    .description = "Sets a credential without proving the old one, as a device-admin reset or a forgotten-PIN flow\n"
                   "does. Gatekeeper draws a new root SID, so keys bound to the old SID can never be authorized again\n"
                   "(kssim keys shows them invalidated (credential_reset)).",
    .android = "DevicePolicyManager.resetPasswordWithToken, or an untrusted Gatekeeper enroll.",
    .options = reset_credential_options,
    .option_count = sizeof(reset_credential_options) / sizeof(reset_credential_options[0]),
    .run = run_reset_credential,
};

/* ---- remove-credential ---- */

static kssim_result remove_credential(kssim_device *device, void *request, cli_output *output)
{
    (void)output;
    const credential_request *r = request;
    return kssim_remove_credential(device, r->secret);
}

static int run_remove_credential(const cli_command *command, const cli_args *args)
{
    (void)command;
    credential_request request = {0};
    cli_secret old_secret = {0}, none = {0};
    if (!cli_read_secret(args, "--old", "--old-file", true, &old_secret))
        return KSSIM_EXIT_USAGE;
    return run_with_secrets(args, remove_credential, &request, &old_secret, &none);
}

static const cli_option remove_credential_options[] = {
    {"--old", "SECRET", "the current credential; - reads it from standard input; this or --old-file is required",
     false},
    {"--old-file", "FILE", "the current credential: " SECRET_FILE_HELP, false},
};

const cli_command command_remove_credential = {
    .name = "remove-credential",
    .group = GROUP_CREDENTIAL,
    .synopsis = "--old SECRET|--old-file FILE",
    .summary = "remove the lock screen: auth-bound keys are invalidated, biometrics removed",
    .description = "Sets the lock screen to None/Swipe. Every key that requires user authentication is invalidated\n"
                   "(using it gives KEY_PERMANENTLY_INVALIDATED), every biometric is removed; keys that only require\n"
                   "an unlocked device survive.",
    .android = "Settings > Security > Screen lock > None.",
    .options = remove_credential_options,
    .option_count = sizeof(remove_credential_options) / sizeof(remove_credential_options[0]),
    .run = run_remove_credential,
};

/* ---- verify-credential ---- */

static kssim_result verify_credential(kssim_device *device, void *request, cli_output *output)
{
    cli_note_app_call(output, device, NULL, APP_VIEW_LOCK_SCREEN, 0);
    const credential_request *r = request;
    return kssim_verify_credential(device, r->secret, r->challenge, NULL);
}

static int run_verify_credential(const cli_command *command, const cli_args *args)
{
    (void)command;
    credential_request request = {0};
    cli_secret secret = {0}, none = {0};
    if (!cli_option_unsigned(args, "--challenge", UINT64_MAX, 0, &request.challenge) ||
        !cli_read_secret(args, "--secret", "--secret-file", true, &secret))
        return KSSIM_EXIT_USAGE;
    return run_with_secrets(args, verify_credential, &request, &secret, &none);
}

static const cli_option verify_credential_options[] = {
    {"--secret", "SECRET", "the credential entered; - reads it from standard input; this or --secret-file is required",
     false},
    {"--secret-file", "FILE", "the credential entered: " SECRET_FILE_HELP, false},
    {"--challenge", "N", "the 64-bit challenge the token carries (decimal or 0x hex); default 0", false},
};

const cli_command command_verify_credential = {
    .name = "verify-credential",
    .group = GROUP_CREDENTIAL,
    .synopsis = "--secret SECRET|--secret-file FILE [--challenge N]",
    .summary = "Gatekeeper verify: a PASSWORD auth token reaches keystore's token cache",
    .description =
        "Checks the credential. On success a PASSWORD HardwareAuthToken (user ID = root SID, timestamp = boot\n"
        "clock now, the given challenge) reaches keystore's token cache, where timeout keys find it. Every\n"
        "attempt outside a wait counts towards throttling. Refusals: WRONG_CREDENTIAL, RETRY_TIMEOUT (inside\n"
        "a throttling wait), NO_CREDENTIAL (no lock screen). Prints nothing.",
    .android = "the lock screen or a credential prompt (ConfirmDeviceCredential) checking the PIN.",
    .options = verify_credential_options,
    .option_count = sizeof(verify_credential_options) / sizeof(verify_credential_options[0]),
    .run = run_verify_credential,
};
