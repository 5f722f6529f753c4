/*
 * kssim_main.c - the kssim program: reads the global --device option, finds the command named next
 * and hands it the rest.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "kssim_version.h"

/* In the order `kssim --help` lists them; a group heading is printed where the group changes. */
static const cli_command *const commands[] = {
    &command_init,
    &command_status,
    &command_last_refusal,
    &command_check,
    &command_versions,
    &command_openssl_config,
    &command_set_credential,
    &command_change_credential,
    &command_reset_credential,
    &command_remove_credential,
    &command_verify_credential,
    &command_enroll_biometric,
    &command_remove_biometric,
    &command_authenticate_biometric,
    &command_prompt,
    &command_advance,
    &command_set_wall_clock,
    &command_reboot,
    &command_lock,
    &command_unlock,
    &command_generate_key,
    &command_import_key,
    &command_delete_key,
    &command_keys,
    &command_export_public,
    &command_attestation,
    &command_attestation_root,
    &command_expect_key,
    &command_sign,
    &command_verify,
    &command_encrypt,
    &command_decrypt,
    &command_forge_token,
    &command_tamper_key_blob,
    &command_callback_without_crypto,
    &command_inject_fault,
    &command_run,
    &command_merge_results,
    &command_begin,
    &command_update,
    &command_finish,
    &command_abort,
    &command_replay_token,
    &command_lint,
};

#define COMMAND_COUNT (sizeof(commands) / sizeof(commands[0]))

static void print_usage(FILE *stream)
{
    fputs("usage: kssim [--device DIR] COMMAND [ARGUMENTS]\n\n"
          "kssim simulates Android's key-authorization stack (Gatekeeper, biometrics, keystore2, KeyMint) on a\n"
          "deterministic virtual phone. The phone lives in a device directory shared by every process: --device DIR,\n"
          "else $KSSIM_DEVICE, else ~/.local/state/kssim/device (KSSIM_DEVICE=memory: keeps it in one process).\n"
          "Its clocks move only with `kssim advance`, unless it was made with `kssim init --realtime`.\n",
          stream);
    const char *group = NULL;
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        if (group == NULL || strcmp(group, commands[i]->group) != 0) {
            group = commands[i]->group;
            fprintf(stream, "\n%s:\n", group);
        }
        fprintf(stream, "  kssim %s%s%s\n      %s\n", commands[i]->name, commands[i]->synopsis[0] != '\0' ? " " : "",
                commands[i]->synopsis, commands[i]->summary);
    }
    fputs("\n`kssim help COMMAND` (or `kssim COMMAND --help`) describes a command. Exit status: 0 success; 1 the\n"
          "device refused (the result's name and code on stderr, e.g. KEY_USER_NOT_AUTHENTICATED (-26)); 2 usage or\n"
          "input error.\n",
          stream);
}

static int is_help(const char *argument)
{
    return strcmp(argument, "--help") == 0 || strcmp(argument, "-h") == 0 || strcmp(argument, "help") == 0;
}

static bool is_device_option(const char *argument)
{
    return strcmp(argument, "--device") == 0 || strncmp(argument, "--device=", strlen("--device=")) == 0;
}

/* `--device DIR` or `--device=DIR` before the command; returns how many arguments it took (0 when
 * argv[1] is not it, -1 after printing what is wrong: a missing or empty value, or a second --device). */
static int read_global_device(int argc, char **argv)
{
    if (argc < 2 || !is_device_option(argv[1]))
        return 0;
    bool joined = argv[1][strlen("--device")] == '=';
    if (!joined && argc < 3) {
        fputs("kssim: --device needs a value: kssim --device DIR COMMAND ...\n", stderr);
        return -1;
    }
    const char *location = joined ? argv[1] + strlen("--device=") : argv[2];
    int taken = joined ? 1 : 2;
    char why[CLI_LOCATION_SHOWN_MAX];
    bool twice = 1 + taken < argc && is_device_option(argv[1 + taken]);
    if (!cli_device_value_ok(location, joined, NULL, why, sizeof(why)) ||
        (twice && !cli_device_value_ok(NULL, joined, location, why, sizeof(why)))) {
        fprintf(stderr, "kssim: %s\n", why);
        return -1;
    }
    cli_set_global_device(location);
    return taken;
}

/* Whatever stdio still holds is written and checked here, for every command: output the kernel refused (a full
 * disk, a closed pipe) must not pass for success. A standard output closed before kssim started (>&-) is no
 * failure while nothing was written to it. */
static int close_standard_output(int status)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        int error = errno != 0 ? errno : EIO;
        if (status == KSSIM_EXIT_SUCCESS) {
            fprintf(stderr, "kssim: the command was carried out, but standard output could not be written: %s\n",
                    strerror(error));
            status = KSSIM_EXIT_REFUSED;
        }
    } else if (fclose(stdout) != 0 && errno != EBADF && status == KSSIM_EXIT_SUCCESS) {
        fprintf(stderr, "kssim: the command was carried out, but standard output could not be closed: %s\n",
                strerror(errno));
        status = KSSIM_EXIT_REFUSED;
    }
    return status;
}

static const cli_command *command_named(const char *name)
{
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(name, commands[i]->name) == 0)
            return commands[i];
    return NULL;
}

/* Exit 2 with the nearest command's name, when one is near, and every command's name. */
static int report_unknown_command(const char *name)
{
    const char *names[COMMAND_COUNT];
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        names[i] = commands[i]->name;
    fputs("kssim: ", stderr);
    cli_print_unknown_word(stderr, "command", "commands", name, names, COMMAND_COUNT);
    fputs(" (kssim --help describes them)\n", stderr);
    return KSSIM_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    /* Every crypto call of the simulator goes to its own library context (sim/core/crypto.c), which
     * never reads openssl.cnf, and kssim chooses its device without it (kssim_device_location): parsing
     * the file for the default context, which kssim does not use, only cost each command 0.4 ms. Must
     * come before any other OpenSSL call, which would load it. */
    OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
    /* A reader that went away (`kssim sign ... | head -c0`) must not kill kssim silently after the commit: the
     * write then fails with EPIPE and kssim says what was made and spent, exit 1. */
    signal(SIGPIPE, SIG_IGN);
    int taken = read_global_device(argc, argv);
    if (taken < 0)
        return KSSIM_EXIT_USAGE;
    argc -= taken;
    argv += taken;
    if (argc < 2) {
        print_usage(stderr);
        return KSSIM_EXIT_USAGE;
    }
    if (is_help(argv[1])) {
        /* `kssim help sign` is `kssim sign --help`; `kssim help` alone, the list of every command. */
        if (argc > 3) {
            fprintf(stderr, "kssim %s: takes at most one command name: kssim help COMMAND\n", argv[1]);
            return KSSIM_EXIT_USAGE;
        }
        if (argc == 3) {
            const cli_command *command = command_named(argv[2]);
            if (command == NULL)
                return report_unknown_command(argv[2]);
            /* Asked of the command itself, so commands with help of their own (run, the scenario-only
             * steps) give the same text. */
            char *help_argv[] = {argv[2], (char *)"--help", NULL};
            return close_standard_output(cli_command_main(command, 2, help_argv));
        }
        print_usage(stdout);
        return close_standard_output(KSSIM_EXIT_SUCCESS);
    }
    if (strcmp(argv[1], "--version") == 0) {
        /* The build's one version string (build/generated/kssim_version.h), as the provider reports it. */
        fputs("kssim " KSSIM_VERSION_STRING "\n", stdout);
        return close_standard_output(KSSIM_EXIT_SUCCESS);
    }
    const cli_command *command = command_named(argv[1]);
    if (command == NULL)
        return report_unknown_command(argv[1]);
    return close_standard_output(cli_command_main(command, argc - 1, argv + 1));
}
