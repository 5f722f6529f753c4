/*
 * commands.h - the kssim program's commands. Each is a cli_command (cli/cli_options.h) defined in the
 * command_GROUP.c of its group; kssim_main.c lists them in the order `kssim --help` shows them.
 *
 * A new command is a cli_command in the file of its group, declared here, and one line in the table.
 */
#ifndef SIM_CLI_COMMANDS_H
#define SIM_CLI_COMMANDS_H

/* Exit statuses every command shares (shared/spec/cli-contract.md). */
#define KSSIM_EXIT_SUCCESS 0
#define KSSIM_EXIT_REFUSED 1
#define KSSIM_EXIT_USAGE   2

typedef int (*kssim_command_function)(int argc, char **argv);

/* `kssim run`, which reads its own command line: argv[0] is its name, argv[1..argc) its arguments. */
int kssim_command_run(int argc, char **argv);
int kssim_command_merge_results(int argc, char **argv);

struct cli_command;

/* command_device.c (init, check), command_status.c (status, last-refusal) */
extern const struct cli_command command_init, command_status, command_check, command_last_refusal;
/* command_versions.c */
extern const struct cli_command command_versions;
/* command_openssl_config.c */
extern const struct cli_command command_openssl_config;
/* command_credential.c */
extern const struct cli_command command_set_credential, command_change_credential, command_reset_credential,
    command_remove_credential, command_verify_credential;
/* command_biometric.c */
extern const struct cli_command command_enroll_biometric, command_remove_biometric, command_authenticate_biometric;
/* command_prompt.c */
extern const struct cli_command command_prompt;
/* command_power.c */
extern const struct cli_command command_advance, command_set_wall_clock, command_reboot, command_lock, command_unlock;
/* command_keys.c (generate, import, delete), command_key_queries.c (keys, export-public, expect-key) */
extern const struct cli_command command_generate_key, command_import_key, command_delete_key, command_keys,
    command_export_public, command_expect_key, command_attestation, command_attestation_root;
/* command_operations.c */
extern const struct cli_command command_sign, command_verify, command_encrypt, command_decrypt;
/* command_attacks.c */
extern const struct cli_command command_forge_token, command_tamper_key_blob, command_callback_without_crypto;
/* command_faults.c (issue 14: docs/faults.md) */
extern const struct cli_command command_inject_fault;
/* command_run.c; command_scenario_only.c: the steps that only make sense inside one scenario run */
extern const struct cli_command command_run, command_begin, command_update, command_finish, command_abort,
    command_replay_token;
/* command_merge_results.c: the shards' documents of one run joined (issue 19, docs/ci.md) */
extern const struct cli_command command_merge_results;
/* command_lint.c */
extern const struct cli_command command_lint;

#endif
