/*
 * commands.h - the kssim program's commands: each is a function taking the arguments after its
 * name, returning the process's exit status; kssim_main.c's table maps names to them.
 *
 * A new command is a new command_NAME.c with its function declared here and one line in the table.
 */
#ifndef SIM_CLI_COMMANDS_H
#define SIM_CLI_COMMANDS_H

/* Exit statuses every command shares (shared/spec/cli-contract.md). */
#define KSSIM_EXIT_SUCCESS 0
#define KSSIM_EXIT_REFUSED 1
#define KSSIM_EXIT_USAGE   2

typedef int (*kssim_command_function)(int argc, char **argv);

typedef struct kssim_command {
    const char *name;
    const char *usage;   /* the arguments, as in "run PATH... [--seed N]" */
    const char *summary; /* one line for `kssim --help` */
    kssim_command_function run;
} kssim_command;

/* argv[0] is the command's name; argv[1..argc) its arguments. */
int kssim_command_run(int argc, char **argv);

#endif
