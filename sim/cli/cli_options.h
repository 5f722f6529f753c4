/*
 * cli_options.h - how a kssim device command is described and how its command line is read.
 *
 * Each command is one cli_command: its name, its group in `kssim --help`, its options and its help
 * text. One parser reads every command's arguments, so every command accepts the same spellings
 * (--name VALUE, --name=VALUE, --device DIR, --help) and reports mistakes the same way: exit status 2
 * and a message that says what would be right.
 */
#ifndef SIM_CLI_CLI_OPTIONS_H
#define SIM_CLI_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli/commands.h"

/* The most options one command takes (generate-key and import-key take the most). */
#define CLI_OPTIONS_MAX 32

typedef struct cli_option {
    const char *name;  /* "--secret" */
    const char *value; /* what the value is called in help, "SECRET"; NULL for a flag */
    const char *help;
    bool required;
} cli_option;

struct cli_args;

typedef struct cli_command {
    const char *name;  /* "set-credential" */
    const char *group; /* the heading it is listed under in `kssim --help` */
    const char *synopsis;
    const char *summary;     /* one line for `kssim --help` */
    const char *description; /* what it does, for `kssim NAME --help` */
    const char *android;     /* what it stands for on a phone; NULL where nothing useful can be said */
    const cli_option *options;
    size_t option_count;
    /* The one argument written without an option name ("ALIAS", "DURATION"); NULL when none. */
    const char *operand;
    /* The option the operand may also be written as ("--alias", as in the scenario format); NULL when
     * the operand has no option spelling. */
    const char *operand_option;
    bool operand_required;
    /* Runs the command once its arguments have been read. */
    int (*run)(const struct cli_command *command, const struct cli_args *args);
    /* Commands with a command line of their own (`kssim run`) take argv as it is instead. */
    kssim_command_function run_arguments;
} cli_command;

typedef struct cli_args {
    const cli_command *command;
    const char *values[CLI_OPTIONS_MAX]; /* per option: its value, "" for a flag given, NULL when absent */
    const char *operand;                 /* when the command has no operand_option */
    const char *device;                  /* --device DIR, from the command or before it */
} cli_args;

/* Room for the sentences of cli_device_value_ok, a long device path included. */
#define CLI_LOCATION_SHOWN_MAX 4200

/* The rules of --device wherever it is read, before the command or after it: the value (as given with
 * --device=VALUE when joined) is not empty, and --device is given once (earlier: the value of the one given
 * before, NULL when none). value may be NULL to check only the second. false with the sentence in why. */
bool cli_device_value_ok(const char *value, bool joined, const char *earlier, char *why, size_t why_size);

/* `kssim --device DIR COMMAND`: the device every command uses unless it names its own. */
void cli_set_global_device(const char *location);

/* Runs command with argv[0] its name: --help, parsing, then command->run. Returns the exit status. */
int cli_command_main(const cli_command *command, int argc, char **argv);

/* The value given for an option of args' command (NULL when it was not given); flags give "". */
const char *cli_get(const cli_args *args, const char *name);
bool cli_has(const cli_args *args, const char *name);

/* Prints "kssim NAME: MESSAGE" and the command's usage line to stderr; returns KSSIM_EXIT_USAGE. */
int cli_usage_error(const cli_command *command, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* The full help of a command, as `kssim NAME --help` prints it. */
void cli_print_help(const cli_command *command, FILE *stream);

/* Writes "unknown WHAT 'name'; did you mean 'X'? LIST: a b c" to stream (without the line's end): an
 * unknown word is answered with the nearest real one and every real one, so the message is its own fix.
 * what: "option" or "command"; list: "options" or "commands". */
void cli_print_unknown_word(FILE *stream, const char *what, const char *list, const char *name,
                            const char *const *candidates, size_t count);

#endif
