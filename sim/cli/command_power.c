/*
 * command_power.c - time and power: advance, set-wall-clock, reboot, lock and unlock (with the
 * credential, a biometric or a trust agent). Each prints nothing on success.
 */
#include <stdint.h>
#include <stdio.h>

#include "cli/cli_device.h"
#include "cli/cli_options.h"
#include "cli/cli_secret.h"
#include "cli/cli_values.h"

#define GROUP_POWER "Time and power"

/* ---- advance ---- */

/* A duration the clocks cannot hold is the user's input error (exit 2), told in the sentence the device
 * would refuse with; it is checked against where the clocks stand, inside the command's transaction. */
static kssim_result advance(kssim_device *device, void *request, cli_output *output)
{
    uint64_t milliseconds = *(const uint64_t *)request;
    kssim_status status;
    kssim_result r = kssim_status_get(device, &status);
    if (r != KSSIM_OK)
        return r;
    char why[CLI_FAILURE_MAX - 32];
    if (kssim_check_advance(status.boot_ms, status.wall_ms, milliseconds, why, sizeof(why)) != KSSIM_OK) {
        snprintf(output->failure, sizeof(output->failure), "advance: DURATION: %s", why);
        output->failure_status = KSSIM_EXIT_USAGE;
        return KSSIM_OK;
    }
    return kssim_advance(device, milliseconds);
}

static int run_advance(const cli_command *command, const cli_args *args)
{
    uint64_t milliseconds;
    if (!cli_parse_duration(command, "DURATION", args->operand, &milliseconds))
        return KSSIM_EXIT_USAGE;
    return cli_with_device(args, advance, &milliseconds);
}

const cli_command command_advance = {
    .name = "advance",
    .group = GROUP_POWER,
    .synopsis = "DURATION",
    .summary = "move both clocks forward (250ms, 30s, 5m, 2h, 1d)",
    .description = "Moves the boot clock and the wall clock forward by DURATION, a whole number with a unit: 250ms,\n"
                   "30s, 5m, 2h, 1d. Auth-token ages, key timeouts, Gatekeeper waits and biometric lockouts follow\n"
                   "the boot clock; key validity dates the wall clock. On a realtime device the advance stays on\n"
                   "both clocks. A DURATION that would take a clock past 2^63-1 ms (64-bit milliseconds) is an\n"
                   "input error (exit 2).",
    .android = "time passing (CLOCK_BOOTTIME and the system clock).",
    .operand = "DURATION",
    .operand_required = true,
    .run = run_advance,
};

/* ---- set-wall-clock ---- */

static kssim_result set_wall_clock(kssim_device *device, void *request, cli_output *output)
{
    (void)output;
    return kssim_set_wall_clock(device, *(const int64_t *)request);
}

static int run_set_wall_clock(const cli_command *command, const cli_args *args)
{
    int64_t unix_ms;
    if (!cli_parse_datetime(command, "TIME", args->operand, &unix_ms))
        return KSSIM_EXIT_USAGE;
    return cli_with_device(args, set_wall_clock, &unix_ms);
}

const cli_command command_set_wall_clock = {
    .name = "set-wall-clock",
    .group = GROUP_POWER,
    .synopsis = "TIME",
    .summary = "set the date and time the user sees (YYYY-MM-DDTHH:MM:SSZ); the boot clock does not move",
    .description = "The wall clock jumps to TIME (UTC, e.g. 2027-06-01T00:00:00Z), forwards or backwards. The boot\n"
                   "clock does not move, so token ages and Gatekeeper waits are unaffected; key validity dates\n"
                   "(--active, --origination-expire, --usage-expire) are. On a realtime device the wall clock\n"
                   "goes on from TIME at the host's pace.",
    .android = "Settings > System > Date & time.",
    .operand = "TIME",
    .operand_required = true,
    .run = run_set_wall_clock,
};

/* ---- reboot, lock ---- */

static kssim_result reboot(kssim_device *device, void *request, cli_output *output)
{
    (void)request;
    (void)output;
    return kssim_reboot(device);
}

static int run_reboot(const cli_command *command, const cli_args *args)
{
    (void)command;
    return cli_with_device(args, reboot, NULL);
}

const cli_command command_reboot = {
    .name = "reboot",
    .group = GROUP_POWER,
    .synopsis = "",
    .summary = "power cycle: tokens void, boot clock at 0, locked until the first unlock",
    .description = "Power cycle. A new per-boot HMAC key voids every earlier auth token; the token cache is emptied;\n"
                   "the boot clock restarts at 0; per-boot use counters reset; the phone is locked and before its\n"
                   "first unlock, so auth-bound keys answer LOCKED until the credential is entered (kssim unlock).\n"
                   "A phone without a lock screen comes up unlocked.",
    .android = "restarting the phone.",
    .run = run_reboot,
};

static kssim_result lock(kssim_device *device, void *request, cli_output *output)
{
    (void)output;
    if (*(const bool *)request)
        return kssim_lock_with_trust_agent(device);
    return kssim_lock(device);
}

static int run_lock(const cli_command *command, const cli_args *args)
{
    (void)command;
    bool trust_agent = cli_has(args, "--trust-agent");
    return cli_with_device(args, lock, &trust_agent);
}

static const cli_option lock_options[] = {
    {"--trust-agent", NULL,
     "a trust agent (Smart Lock) is enabled as the phone locks: a weak unlock method, which on Android 15 keeps "
     "unlocked-device-required keys usable after `kssim unlock --trust-agent`",
     false},
};

const cli_command command_lock = {
    .name = "lock",
    .group = GROUP_POWER,
    .synopsis = "[--trust-agent]",
    .summary = "lock the screen (unlocked-device-required keys give DEVICE_LOCKED)",
    .description = "Screen off: the phone is locked. Keys generated with --unlocked-device-required answer\n"
                   "DEVICE_LOCKED until the next unlock. Without a secure lock screen keystore is not told, so\n"
                   "such keys keep working. keystore2 keeps a biometric-encrypted copy of their super key for the\n"
                   "strong biometrics enrolled now (kssim unlock --biometric).",
    .android = "pressing the power button (TrustManagerService: IKeystoreAuthorization.onDeviceLocked).",
    .options = lock_options,
    .option_count = sizeof(lock_options) / sizeof(lock_options[0]),
    .run = run_lock,
};

/* ---- unlock ---- */

typedef struct unlock_request {
    const char *secret;
    bool by_biometric;
    uint32_t biometric_id;
    bool by_trust_agent;
} unlock_request;

static kssim_result unlock(kssim_device *device, void *request, cli_output *output)
{
    const unlock_request *how = request;
    if (!how->by_biometric && !how->by_trust_agent)
        cli_note_app_call(output, device, NULL, APP_VIEW_LOCK_SCREEN, 0);
    if (how->by_biometric)
        return kssim_unlock_with_biometric(device, how->biometric_id);
    if (how->by_trust_agent)
        return kssim_unlock_with_trust_agent(device);
    return kssim_unlock(device, how->secret);
}

static int run_unlock(const cli_command *command, const cli_args *args)
{
    unlock_request request = {0};
    request.by_biometric = cli_has(args, "--biometric");
    request.by_trust_agent = cli_has(args, "--trust-agent");
    bool by_secret = cli_has(args, "--secret") || cli_has(args, "--secret-file");
    if ((int)request.by_biometric + (int)request.by_trust_agent + (int)by_secret > 1)
        return cli_usage_error(command, "give one way of unlocking: --secret (or --secret-file), --biometric ID or "
                                        "--trust-agent");
    if (request.by_biometric && !cli_option_u32(args, "--biometric", 0, &request.biometric_id))
        return KSSIM_EXIT_USAGE;
    cli_secret secret;
    if (!cli_read_secret(args, "--secret", "--secret-file", false, &secret))
        return KSSIM_EXIT_USAGE;
    request.secret = secret.value;
    int status = cli_with_device(args, unlock, &request);
    cli_secret_clear(&secret);
    return status;
}

static const cli_option unlock_options[] = {
    {"--secret", "SECRET",
     "the credential (- reads it from standard input); leave it out on a phone without a lock screen", false},
    {"--secret-file", "FILE",
     "the credential: the first line of FILE (- = standard input), kept off the command line, which every local "
     "user can read",
     false},
    {"--biometric", "ID",
     "unlock with enrolled biometric ID instead (only after a credential unlock since boot: LOCKED otherwise)", false},
    {"--trust-agent", NULL, "a trust agent (Smart Lock) dismisses the keyguard instead", false},
};

const cli_command command_unlock = {
    .name = "unlock",
    .group = GROUP_POWER,
    .synopsis = "[--secret SECRET|--secret-file FILE|--biometric ID|--trust-agent]",
    .summary = "unlock the screen: with the credential (as verify-credential), a biometric or a trust agent",
    .description = "Unlocks the lock screen. With a credential set it verifies --secret exactly as verify-credential\n"
                   "does (same throttling; on success a PASSWORD token with challenge 0 reaches the token cache).\n"
                   "--biometric ID authenticates as authenticate-biometric does (a strong match adds a FINGERPRINT\n"
                   "token) and unlocks without the credential; --trust-agent unlocks without any authentication.\n"
                   "Both need a credential unlock since boot (LOCKED otherwise). After them, unlocked-device-\n"
                   "required keys work only if keystore2 could restore their super key: a strong biometric\n"
                   "enrolled when the phone locked, with its token at most 15 s old; or, on Android 15, a weak\n"
                   "unlock method (lock --trust-agent, a weak biometric) enabled when it locked. Otherwise they\n"
                   "answer LOCKED until a credential unlock.\n"
                   "Refusals: WRONG_CREDENTIAL, RETRY_TIMEOUT, NO_MATCH, LOCKOUT, LOCKOUT_PERMANENT, LOCKED,\n"
                   "NO_SECURE_LOCK_SCREEN.",
    .android = "entering the PIN on the keyguard, touching the fingerprint sensor, or Smart Lock "
               "(IKeystoreAuthorization.onDeviceUnlocked, with or without the password).",
    .options = unlock_options,
    .option_count = sizeof(unlock_options) / sizeof(unlock_options[0]),
    .run = run_unlock,
};
