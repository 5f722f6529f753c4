/*
 * command_key_queries.c - looking at keys without using them: `kssim keys` (every key's policy and
 * state, as a table or JSON), `kssim export-public` (the public key as PEM) and `kssim expect-key`
 * (asserts a key's state, for scripts).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "cli/cli_device.h"
#include "cli/cli_json.h"
#include "cli/cli_key_describe.h"
#include "cli/cli_options.h"
#include "cli/cli_table.h"
#include "cli/cli_values.h"

#define GROUP_KEYS "Keys"

/* ---- keys ---- */

static const char *const key_table_header[] = {"ALIAS", "ALGORITHM", "PURPOSES", "AUTH", "SIDS", "LIMITS", "STATE"};
#define KEY_TABLE_COLUMNS (sizeof(key_table_header) / sizeof(key_table_header[0]))

static bool add_key_row(cli_table *table, const char *alias, const kssim_key_info *info)
{
    char algorithm[32], purposes[96], auth[96], sids[96], limits[128], state[64];
    cli_describe_algorithm(&info->spec, algorithm, sizeof(algorithm));
    cli_describe_words(&scenario_purposes, info->spec.purposes, ",", purposes, sizeof(purposes));
    cli_describe_auth(&info->spec, auth, sizeof(auth));
    cli_describe_sids(info, sids, sizeof(sids));
    cli_describe_limits(info, limits, sizeof(limits));
    cli_describe_state(info, state, sizeof(state));
    const char *row[] = {alias, algorithm, purposes, auth, sids, limits, state};
    return cli_table_add(table, row);
}

typedef struct keys_request {
    bool as_json;
} keys_request;

static kssim_result list_keys(kssim_device *device, void *request, cli_output *output)
{
    const keys_request *r = request;
    char **aliases = NULL;
    size_t count = 0;
    kssim_result result = kssim_key_aliases(device, &aliases, &count);
    if (result != KSSIM_OK)
        return result;
    cli_table table;
    cli_json json;
    bool ok = true;
    if (r->as_json) {
        cli_json_start(&json, output->text);
        cli_json_open_array(&json, NULL);
    } else {
        ok = cli_table_start(&table, key_table_header, KEY_TABLE_COLUMNS);
    }
    for (size_t i = 0; i < count && result == KSSIM_OK && ok; i++) {
        kssim_key_info info;
        memset(&info, 0, sizeof(info));
        result = kssim_key_info_get(device, aliases[i], &info);
        if (result == KSSIM_OK && r->as_json)
            cli_describe_key_json(&json, aliases[i], &info);
        else if (result == KSSIM_OK)
            ok = add_key_row(&table, aliases[i], &info);
    }
    if (r->as_json) {
        cli_json_close_array(&json);
        cli_json_finish(&json);
    } else if (ok) {
        if (result == KSSIM_OK)
            cli_table_print(&table, output->text);
        cli_table_free(&table);
    }
    for (size_t i = 0; i < count; i++)
        kssim_free(aliases[i]);
    kssim_free(aliases);
    return ok ? result : KSSIM_SYSTEM_ERROR;
}

static int run_keys(const cli_command *command, const cli_args *args)
{
    (void)command;
    keys_request request = {.as_json = cli_has(args, "--json")};
    return cli_with_device_reading(args, list_keys, &request);
}

static const cli_option keys_options[] = {
    {"--json", NULL, "print a JSON array of keys instead of the table (SIDs as \"0x...\" strings)", false},
};

const cli_command command_keys = {
    .name = "keys",
    .group = GROUP_KEYS,
    .synopsis = "[--json]",
    .summary = "list every key: alias, algorithm, purposes, auth, SIDs, limits, state (valid / invalidated)",
    .description =
        "Lists every key the device knows, sorted by alias: algorithm and size, purposes, user authentication\n"
        "(none, or the types and the timeout, or per-operation), the SIDs the key is bound to, its limits (uses\n"
        "left of its usage count, uses per boot, unlocked device required) and its state: valid, or\n"
        "invalidated with the reason (lock_screen_removed, biometric_enrollment_changed, credential_reset,\n"
        "usage_exhausted). --json adds digests, block modes, paddings, validity dates and security level.",
    .android = "KeyStore.aliases() with KeyInfo for each key, plus keystore2's own view of invalidation.",
    .options = keys_options,
    .option_count = sizeof(keys_options) / sizeof(keys_options[0]),
    .run = run_keys,
};

/* ---- export-public ---- */

static kssim_result export_public(kssim_device *device, void *request, cli_output *output)
{
    uint8_t *der = NULL;
    size_t der_length = 0;
    kssim_result result = kssim_export_public(device, (const char *)request, &der, &der_length);
    if (result != KSSIM_OK)
        return result;
    /* "PUBLIC KEY" is the PEM label of a SubjectPublicKeyInfo (RFC 7468), what openssl pkey -pubout writes. */
    if (PEM_write(output->text, "PUBLIC KEY", "", der, (long)der_length) <= 0)
        result = KSSIM_SYSTEM_ERROR;
    kssim_free(der);
    return result;
}

static int run_export_public(const cli_command *command, const cli_args *args)
{
    (void)command;
    return cli_with_device_reading(args, export_public, (void *)cli_get(args, "--alias"));
}

static const cli_option alias_options[] = {
    {"--alias", "ALIAS", "the key's name (also accepted as the first argument)", false},
};

const cli_command command_export_public = {
    .name = "export-public",
    .group = GROUP_KEYS,
    .synopsis = "ALIAS",
    .summary = "print the public key (SubjectPublicKeyInfo PEM) of an ec, rsa or ed25519 key",
    .description = "Prints the key's public half as a SubjectPublicKeyInfo PEM (-----BEGIN PUBLIC KEY-----), which\n"
                   "openssl and every TLS library read. The private key never leaves the device; AES and HMAC keys\n"
                   "have no public half.",
    .android = "KeyStore.getCertificate(alias).getPublicKey().getEncoded().",
    .options = alias_options,
    .option_count = sizeof(alias_options) / sizeof(alias_options[0]),
    .operand = "ALIAS",
    .operand_option = "--alias",
    .operand_required = true,
    .run = run_export_public,
};

/* ---- expect-key ---- */

typedef struct expectation {
    const char *alias;
    uint32_t state;
    bool reason_given;
    uint32_t reason;
} expectation;

static kssim_result expect_key(kssim_device *device, void *request, cli_output *output)
{
    const expectation *expected = request;
    kssim_key_info info;
    memset(&info, 0, sizeof(info));
    kssim_result result = kssim_key_info_get(device, expected->alias, &info);
    /* An alias the device does not know is what "absent" asserts, whichever way the device says it. */
    if (result == KSSIM_KEY_NOT_FOUND) {
        info.state = KSSIM_KEY_ABSENT;
        info.reason = KSSIM_REASON_NONE;
        result = KSSIM_OK;
    }
    if (result != KSSIM_OK)
        return result;
    bool met = (uint32_t)info.state == expected->state &&
               (!expected->reason_given || (uint32_t)info.reason == expected->reason);
    if (!met) {
        char found[64];
        cli_describe_state(&info, found, sizeof(found));
        snprintf(
            output->failure, sizeof(output->failure), "expect-key: key '%s' is %s, expected %s%s%s%s", expected->alias,
            found, kssim_key_state_name((kssim_key_state)expected->state), expected->reason_given ? " (" : "",
            expected->reason_given ? kssim_invalidation_reason_name((kssim_invalidation_reason)expected->reason) : "",
            expected->reason_given ? ")" : "");
    }
    return KSSIM_OK;
}

static int run_expect_key(const cli_command *command, const cli_args *args)
{
    (void)command;
    expectation expected = {.alias = cli_get(args, "--alias"), .reason_given = cli_has(args, "--reason")};
    if (!cli_option_word(args, "--state", &scenario_key_states, KSSIM_KEY_VALID, &expected.state) ||
        !cli_option_word(args, "--reason", &scenario_invalidation_reasons, KSSIM_REASON_NONE, &expected.reason))
        return KSSIM_EXIT_USAGE;
    return cli_with_device_reading(args, expect_key, &expected);
}

static const cli_option expect_key_options[] = {
    {"--alias", "ALIAS", "the key's name (also accepted as the first argument)", false},
    {"--state", "STATE", "valid, invalidated or absent", true},
    {"--reason", "REASON",
     "invalidated keys: lock_screen_removed, biometric_enrollment_changed, credential_reset or usage_exhausted", false},
};

const cli_command command_expect_key = {
    .name = "expect-key",
    .group = GROUP_KEYS,
    .synopsis = "ALIAS --state valid|invalidated|absent [--reason REASON]",
    .summary = "assert a key's state (exit 1 when it differs), as the scenario step does",
    .description = "Compares what the device knows about the key with --state (and --reason when given), without\n"
                   "using the key. Prints nothing when they agree; otherwise says what was found on stderr and exits\n"
                   "1. invalidated: Android deleted the key or it can never be authorized again; absent: never\n"
                   "existed, deleted with delete-key, or its generation was refused.",
    .android = NULL,
    .options = expect_key_options,
    .option_count = sizeof(expect_key_options) / sizeof(expect_key_options[0]),
    .operand = "ALIAS",
    .operand_option = "--alias",
    .operand_required = true,
    .run = run_expect_key,
};
