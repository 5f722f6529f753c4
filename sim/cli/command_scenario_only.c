/*
 * command_scenario_only.c - begin, update, finish, abort and replay-token: scenario steps whose
 * arguments are names (an operation, a captured token) that exist only inside one scenario run. As
 * commands they explain that, and point to what does the job from a shell.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli_options.h"
#include "cli/commands.h"

#define GROUP_SCENARIOS "Scenarios"

static const char operation_advice[] =
    "From a shell, one command does the whole operation: arm the system prompt, then sign (or decrypt):\n"
    "    kssim prompt --respond biometric:1 && kssim sign ALIAS --data TEXT\n"
    "To script begin, authentication with the operation's challenge, update and finish step by step, write\n"
    "the steps in a scenario file and run it: kssim run FILE.yaml (kssim run --explain FILE.yaml prints each\n"
    "begin's, update's and finish's decision path; kssim sign|verify|encrypt|decrypt --explain that of one command)";

static const char token_advice[] =
    "To inject a token from a shell, use kssim forge-token; to replay a captured one, write the steps\n"
    "(verify_credential with as: NAME, then replay_token: NAME) in a scenario file and run it: kssim run FILE.yaml";

static const cli_command *scenario_only_command(const char *name);

static int scenario_only_main(int argc, char **argv)
{
    const cli_command *command = scenario_only_command(argv[0]);
    bool is_token = strcmp(command->name, "replay-token") == 0;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: kssim %s is a scenario step only (kssim run FILE.yaml)\n\n%s\n\n%s\n", command->name,
                   command->description, is_token ? token_advice : operation_advice);
            return KSSIM_EXIT_SUCCESS;
        }
    fprintf(stderr, "kssim %s: %s is a scenario step only: %s\n%s\n(kssim %s --help says more)\n", command->name,
            command->name, command->summary, is_token ? token_advice : operation_advice, command->name);
    return KSSIM_EXIT_USAGE;
}

#define SCENARIO_ONLY(variable, step_name, step_summary, step_description)                                             \
    const cli_command variable = {                                                                                     \
        .name = step_name,                                                                                             \
        .group = GROUP_SCENARIOS,                                                                                      \
        .synopsis = "(scenario step only)",                                                                            \
        .summary = step_summary,                                                                                       \
        .description = step_description,                                                                               \
        .run_arguments = scenario_only_main,                                                                           \
    }

SCENARIO_ONLY(command_begin, "begin", "its operation lives only inside one scenario run",
              "begin starts a keystore operation and names it with as: NAME, so that later steps can authenticate\n"
              "with its challenge (challenge: NAME) and update, finish or abort it (op: NAME). An operation lives\n"
              "in the process that began it, so it cannot outlast one kssim command.");
SCENARIO_ONLY(command_update, "update", "it continues an operation begun in the same scenario run",
              "update feeds data to an operation named by an earlier begin (op: NAME); such names exist only\n"
              "inside one scenario run.");
SCENARIO_ONLY(command_finish, "finish", "it completes an operation begun in the same scenario run",
              "finish completes an operation named by an earlier begin (op: NAME); such names exist only inside\n"
              "one scenario run.");
SCENARIO_ONLY(command_abort, "abort", "it cancels an operation begun in the same scenario run",
              "abort cancels an operation named by an earlier begin (op: NAME); such names exist only inside one\n"
              "scenario run.");
SCENARIO_ONLY(command_replay_token, "replay-token", "it re-injects a token captured earlier in the same scenario run",
              "replay_token re-injects an auth token captured earlier in the same scenario with as: NAME\n"
              "(verify_credential, authenticate_biometric, forge_token); such names exist only inside one run.");

static const cli_command *scenario_only_command(const char *name)
{
    static const cli_command *const commands[] = {&command_begin, &command_update, &command_finish, &command_abort,
                                                  &command_replay_token};
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return &command_begin;
}
