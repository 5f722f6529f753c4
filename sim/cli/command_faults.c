/*
 * command_faults.c - inject-fault: the failures real devices show, injected into the stored phone so that
 * the next commands (any process) meet them (docs/faults.md). Prints nothing on success.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli_device.h"
#include "cli/cli_options.h"
#include "cli/cli_values.h"

#define GROUP_FAULTS "Faults"

static kssim_result inject_fault(kssim_device *device, void *request_pointer, cli_output *output)
{
    (void)output;
    return kssim_inject_fault(device, request_pointer);
}

static int run_inject_fault(const cli_command *command, const cli_args *args)
{
    kssim_fault_spec spec;
    memset(&spec, 0, sizeof(spec));
    uint32_t fault = 0, direction = SCENARIO_CLOCK_FORWARD;
    uint64_t by = 0;
    const char *delay = cli_get(args, "--delay");
    const char *jump = cli_get(args, "--by");
    const char *alias = cli_get(args, "--alias");
    if (!cli_option_word(args, "--fault", &scenario_faults, KSSIM_FAULT_CLEAR, &fault) ||
        !cli_option_u32(args, "--calls", 0, &spec.calls) ||
        (delay != NULL && !cli_parse_duration(command, "--delay", delay, &spec.delay_ms)) ||
        (jump != NULL && !cli_parse_duration(command, "--by", jump, &by)) ||
        !cli_option_word(args, "--direction", &scenario_clock_directions, SCENARIO_CLOCK_FORWARD, &direction))
        return KSSIM_EXIT_USAGE;
    if (by > (uint64_t)INT64_MAX)
        return cli_usage_error(command, "--by must be at most %lld ms", (long long)INT64_MAX);
    if (alias != NULL && strlen(alias) >= sizeof(spec.alias))
        return cli_usage_error(command, "--alias is longer than an alias may be (%d bytes)", KSSIM_ALIAS_MAX - 1);
    spec.fault = (kssim_fault)fault;
    spec.jump_ms = direction == SCENARIO_CLOCK_BACKWARD ? -(int64_t)by : (int64_t)by;
    if (alias != NULL)
        snprintf(spec.alias, sizeof(spec.alias), "%s", alias);
    return cli_with_device(args, inject_fault, &spec);
}

static const cli_option inject_fault_options[] = {
    {"--fault", "FAULT",
     "keystore_unavailable, strongbox_failing, token_delayed, key_blob_requires_upgrade, key_blob_undecryptable, "
     "wall_clock_jump or clear (also accepted as the first argument)",
     false},
    {"--calls", "N",
     "keystore_unavailable: binder calls that fail (1 or more); strongbox_failing: calls that fail (default every "
     "call until clear); token_delayed: tokens held back (default 1)",
     false},
    {"--delay", "DURATION", "token_delayed: how long after it was issued a token reaches keystore (boot clock)", false},
    {"--by", "DURATION", "wall_clock_jump: how far the wall clock jumps", false},
    {"--direction", "DIR", "wall_clock_jump: forward (default) or backward", false},
    {"--alias", "ALIAS", "key_blob_*: the key; key_blob_requires_upgrade without it: every key (an OS update)", false},
};

const cli_command command_inject_fault = {
    .name = "inject-fault",
    .group = GROUP_FAULTS,
    .synopsis = "FAULT [--calls N] [--delay DURATION] [--by DURATION] [--direction forward|backward] [--alias ALIAS]",
    .summary = "make the phone fail as real devices do: keystore down, StrongBox failing, late tokens, blobs, clocks",
    .description =
        "Injects a failure into the device, where it happens on a phone, stored with the device so that later\n"
        "commands meet it (docs/faults.md):\n"
        "  keystore_unavailable --calls N     the next N binder calls to keystore fail (DeadObjectException);\n"
        "                                     Android 12+ retries a service call once, else SYSTEM_ERROR\n"
        "  strongbox_failing [--calls N]      new StrongBox keys HARDWARE_TYPE_UNAVAILABLE, its keys SYSTEM_ERROR\n"
        "  token_delayed --delay D [--calls N] the next N tokens reach keystore D after they were issued\n"
        "  key_blob_requires_upgrade [--alias A] KEY_REQUIRES_UPGRADE; keystore2 upgrades and retries\n"
        "  key_blob_undecryptable --alias A   the key's blob no longer decrypts: INVALID_KEY_BLOB\n"
        "  wall_clock_jump --by D [--direction backward]  the wall clock jumps, the boot clock does not\n"
        "  clear                              ends the keystore, StrongBox and token faults",
    .android = "keystore2 restarting, a failing secure element, a slow system server, an OS update, NITZ or the user "
               "setting the clock.",
    .options = inject_fault_options,
    .option_count = sizeof(inject_fault_options) / sizeof(inject_fault_options[0]),
    .operand = "FAULT",
    .operand_option = "--fault",
    .operand_required = true,
    .run = run_inject_fault,
};
