/*
 * kssim_main.c - the kssim program: finds the command named by the first argument and hands it the
 * rest.
 */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

static const kssim_command commands[] = {
    {"run", "PATH... [--seed N] [--format text|tap|junit]", "run scenario files and directories of them",
     kssim_command_run},
};

#define COMMAND_COUNT (sizeof(commands) / sizeof(commands[0]))

static void print_usage(FILE *stream)
{
    fprintf(stream, "usage: kssim COMMAND [ARGUMENTS]\n\n"
                    "kssim simulates Android's key-authorization stack (Gatekeeper, biometrics, keystore2,\n"
                    "KeyMint) on a deterministic virtual device.\n\ncommands:\n");
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        fprintf(stream, "  kssim %s %s\n      %s\n", commands[i].name, commands[i].usage, commands[i].summary);
    fprintf(stream, "\n`kssim COMMAND --help` describes a command.\n");
}

static int is_help(const char *argument)
{
    return strcmp(argument, "--help") == 0 || strcmp(argument, "-h") == 0 || strcmp(argument, "help") == 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return KSSIM_EXIT_USAGE;
    }
    if (is_help(argv[1])) {
        print_usage(stdout);
        return KSSIM_EXIT_SUCCESS;
    }
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "kssim: unknown command '%s'; commands:", argv[1]);
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        fprintf(stderr, " %s", commands[i].name);
    fprintf(stderr, " (kssim --help lists them)\n");
    return KSSIM_EXIT_USAGE;
}
