/*
 * command_credential.c - the lock screen (Gatekeeper): set-credential, change-credential,
 * reset-credential, remove-credential and verify-credential. Each prints nothing on success.
 */
#include <stdint.h>

#include "cli/cli_device.h"
#include "cli/cli_options.h"
#include "cli/cli_values.h"

#define GROUP_CREDENTIAL "Credential (Gatekeeper)"

typedef struct credential_request {
    uint32_t type;
    const char *secret;
    const char *new_secret;
    uint64_t challenge;
} credential_request;

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
    credential_request request = {.secret = cli_get(args, "--secret")};
    if (!cli_option_word(args, "--type", &scenario_credential_types, KSSIM_CREDENTIAL_PIN, &request.type))
        return KSSIM_EXIT_USAGE;
    return cli_with_device(args, set_credential, &request);
}

static const cli_option set_credential_options[] = {
    {"--type", "TYPE", "pin, password or pattern", true},
    {"--secret", "SECRET", "the credential (a pattern is any string, e.g. 1-2-3-6-9)", true},
};

const cli_command command_set_credential = {
    .name = "set-credential",
    .group = GROUP_CREDENTIAL,
    .synopsis = "--type pin|password|pattern --secret SECRET",
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
    credential_request request = {.secret = cli_get(args, "--old"), .new_secret = cli_get(args, "--new")};
    return cli_with_device(args, change_credential, &request);
}

static const cli_option change_credential_options[] = {
    {"--old", "SECRET", "the current credential, checked as verify-credential checks it", true},
    {"--new", "SECRET", "the new credential", true},
};

const cli_command command_change_credential = {
    .name = "change-credential",
    .group = GROUP_CREDENTIAL,
    .synopsis = "--old SECRET --new SECRET",
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
    credential_request request = {.new_secret = cli_get(args, "--new")};
    return cli_with_device(args, reset_credential, &request);
}

static const cli_option reset_credential_options[] = {
    {"--new", "SECRET", "the new credential", true},
};

const cli_command command_reset_credential = {
    .name = "reset-credential",
    .group = GROUP_CREDENTIAL,
    .synopsis = "--new SECRET",
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
    credential_request request = {.secret = cli_get(args, "--old")};
    return cli_with_device(args, remove_credential, &request);
}

static const cli_option remove_credential_options[] = {
    {"--old", "SECRET", "the current credential", true},
};

const cli_command command_remove_credential = {
    .name = "remove-credential",
    .group = GROUP_CREDENTIAL,
    .synopsis = "--old SECRET",
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
    (void)output;
    const credential_request *r = request;
    return kssim_verify_credential(device, r->secret, r->challenge, NULL);
}

static int run_verify_credential(const cli_command *command, const cli_args *args)
{
    (void)command;
    credential_request request = {.secret = cli_get(args, "--secret")};
    if (!cli_option_unsigned(args, "--challenge", UINT64_MAX, 0, &request.challenge))
        return KSSIM_EXIT_USAGE;
    return cli_with_device(args, verify_credential, &request);
}

static const cli_option verify_credential_options[] = {
    {"--secret", "SECRET", "the credential entered", true},
    {"--challenge", "N", "the 64-bit challenge the token carries (decimal or 0x hex); default 0", false},
};

const cli_command command_verify_credential = {
    .name = "verify-credential",
    .group = GROUP_CREDENTIAL,
    .synopsis = "--secret SECRET [--challenge N]",
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
