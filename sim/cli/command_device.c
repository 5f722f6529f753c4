/*
 * command_device.c - the device itself: `kssim init` makes a new phone in the device directory,
 * `kssim check` verifies that the stored phone is intact. (`kssim status`: command_status.c.)
 */
#include <stdint.h>
#include <string.h>

#include "cli/cli_device.h"
#include "cli/cli_options.h"
#include "cli/cli_values.h"
#include "runner/scenario_levels.h"

#define GROUP_DEVICE "Device"

/* ---- init ---- */

static const cli_option init_options[] = {
    {"--seed", "N", "drives every random value (SIDs, keys, challenges); decimal or 0x hex; default 1", false},
    {"--api-level", "N",
     "Android API level, a modelled release from 23 to 35; 30 or lower gives keystore1's outcomes; default 34", false},
    {"--security-level", "LEVEL", "the best keystore the phone has: tee (default), strongbox or software", false},
    {"--wall-clock", "TIME", "the wall clock at power-on, YYYY-MM-DDTHH:MM:SSZ; default 2026-01-01T00:00:00Z", false},
    {"--realtime", NULL, "the clocks follow the host's instead of moving only with kssim advance", false},
    {"--force", NULL, "replace an existing device (its credential, biometrics and keys are lost)", false},
};

/* Nothing to do inside the transaction: opening made the phone; committing stores it. */
static kssim_result initialize(kssim_device *device, void *request, cli_output *output)
{
    (void)device;
    (void)request;
    (void)output;
    return KSSIM_OK;
}

static bool read_config(const cli_args *args, kssim_config *config)
{
    uint64_t api_level;
    uint32_t security_level;
    bool wall_clock_given;
    int64_t wall_clock_ms;
    if (!cli_option_unsigned(args, "--seed", UINT64_MAX, config->seed, &config->seed) ||
        !cli_option_unsigned(args, "--api-level", UINT32_MAX, (uint64_t)config->api_level, &api_level) ||
        !cli_option_word(args, "--security-level", &scenario_security_levels, (uint32_t)config->security_level,
                         &security_level) ||
        !cli_option_datetime(args, "--wall-clock", &wall_clock_given, &wall_clock_ms))
        return false;
    if (!scenario_api_level_supported((int)api_level)) {
        cli_usage_error(args->command, "--api-level: API level %llu is not a release kssim models; supported: %s",
                        (unsigned long long)api_level, scenario_supported_levels());
        return false;
    }
    config->api_level = (int)api_level;
    config->security_level = (kssim_security_level)security_level;
    if (wall_clock_given)
        config->wall_clock_ms = wall_clock_ms;
    config->realtime = cli_has(args, "--realtime");
    return true;
}

/* True when a device is already stored at location (opening it without creating succeeds). */
static bool device_exists(const char *location)
{
    kssim_open_options probe;
    kssim_open_options_default(&probe);
    probe.create = false;
    probe.read_only = true;
    kssim_device *device = NULL;
    if (kssim_device_open(location, &probe, &device) != KSSIM_OK)
        return false;
    kssim_device_free(device);
    return true;
}

static int run_init(const cli_command *command, const cli_args *args)
{
    kssim_open_options options;
    kssim_open_options_default(&options);
    if (!read_config(args, &options.config))
        return KSSIM_EXIT_USAGE;
    /* Tried in memory first: a phone that cannot be made is a usage error and leaves nothing on disk. */
    kssim_device *trial = NULL;
    kssim_result made = kssim_device_create(&options.config, &trial);
    kssim_device_free(trial);
    if (made == KSSIM_INVALID_ARGUMENT)
        return cli_usage_error(command, "a phone cannot have API level %d: choose --api-level from %s",
                               options.config.api_level, scenario_supported_levels());
    char location[CLI_LOCATION_MAX];
    int status = cli_locate_device(args, location, sizeof(location));
    if (status != KSSIM_EXIT_SUCCESS)
        return status;
    options.create = true;
    options.replace = cli_has(args, "--force");
    /* A memory: device lives only in this process, so there is never an earlier one to protect. */
    bool in_memory = strcmp(location, KSSIM_MEMORY_DEVICE) == 0;
    if (!options.replace && !in_memory && device_exists(location))
        return cli_usage_error(command,
                               "a device already exists at %s; add --force to replace it with a new one (its "
                               "credential, biometrics and keys are lost)",
                               location);
    return cli_run_on_device(location, &options, initialize, NULL);
}

const cli_command command_init = {
    .name = "init",
    .group = GROUP_DEVICE,
    .synopsis = "[--seed N] [--api-level N] [--security-level tee|strongbox|software] [--realtime] [--force]",
    .summary = "make a new phone in the device directory: no lock screen, no biometrics, no keys",
    .description = "Creates a new simulated phone in the device directory, as it is at power-on: no lock screen, no\n"
                   "biometrics, no keys, unlocked, boot clock at 0. Without --force an existing device is left alone\n"
                   "(any command that changes the phone creates a default device on first use; init is for choosing\n"
                   "its settings). A directory that is not a whole device is refused until --force replaces it.\n"
                   "Prints nothing.",
    .android = "a factory-reset phone at first boot.",
    .options = init_options,
    .option_count = sizeof(init_options) / sizeof(init_options[0]),
    .run = run_init,
};

/* ---- check ---- */

static kssim_result check_device(kssim_device *device, void *request, cli_output *output)
{
    (void)request;
    kssim_result result = kssim_device_check(device);
    if (result == KSSIM_OK)
        fprintf(output->text, "ok\n");
    return result;
}

static int run_check(const cli_command *command, const cli_args *args)
{
    (void)command;
    /* Checking must not create the device it is asked about, nor write to it. */
    return cli_with_device_opened(args, true, true, check_device, NULL);
}

const cli_command command_check = {
    .name = "check",
    .group = GROUP_DEVICE,
    .synopsis = "",
    .summary = "verify that the stored device is intact (database integrity and a full decode)",
    .description = "Runs the database's integrity check and decodes the whole stored phone. Prints \"ok\" when both\n"
                   "pass; otherwise exits 1 with DEVICE_DAMAGED and what is wrong. A device that does not exist is\n"
                   "not created: DEVICE_UNAVAILABLE.\n"
                   "Also verifies every row's own checksum, and that the device is not behind its rollback-protected\n"
                   "storage DIR.rpmb (restored from an older copy, or commits lost from a damaged log): both\n"
                   "generations are named. See docs/device.md, \"Rollback\".",
    .android = NULL,
    .options = NULL,
    .option_count = 0,
    .run = run_check,
};
