/*
 * command_versions.c - `kssim versions [--api-level N] [--json]`: the Android releases the simulator
 * models and every behaviour difference between them, printed from the one table
 * (core/android_versions.c) that the rules ask, so what it shows is what the device does.
 * docs/android-versions.md lists the same rows; test/shell/android_versions_table.sh keeps them equal.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli_json.h"
#include "cli/cli_options.h"
#include "cli/cli_values.h"
#include "core/android_versions.h"

/* "31..35" or "31.." (still in the newest modelled release). */
static void format_span(const sim_android_difference_row *row, char *text, size_t size)
{
    if (row->until_api_level == 0)
        snprintf(text, size, "%d..", row->since_api_level);
    else
        snprintf(text, size, "%d..%d", row->since_api_level, row->until_api_level);
}

/* "KeyMint 300, attestation 300", "Keymaster 4.1, attestation 4", "Keymaster 1, no key attestation": what
 * the release's attestation record states (R-ATTEST-VERSIONS-PER-RELEASE). */
static void format_secure_world(const sim_android_release *release, char *text, size_t size)
{
    char hal[32];
    if (release->keymint_version >= 100)
        snprintf(hal, sizeof(hal), "KeyMint %u", release->keymint_version);
    else if (release->keymint_version >= 10)
        snprintf(hal, sizeof(hal), "Keymaster %u.%u", release->keymint_version / 10, release->keymint_version % 10);
    else
        snprintf(hal, sizeof(hal), "Keymaster %u", release->keymint_version);
    if (release->attestation_version == 0)
        snprintf(text, size, "%s, no key attestation", hal);
    else
        snprintf(text, size, "%s, attestation %u", hal, release->attestation_version);
}

static void print_text(const sim_android_release *only, FILE *out)
{
    size_t release_count, row_count;
    const sim_android_release *releases = sim_android_releases(&release_count);
    const sim_android_difference_row *rows = sim_android_difference_rows(&row_count);
    if (only == NULL) {
        fputs("releases\n", out);
        for (size_t i = 0; i < release_count; i++) {
            char secure_world[64];
            format_secure_world(&releases[i], secure_world, sizeof(secure_world));
            fprintf(out, "  %-3d %-12s %s\n", releases[i].api_level, releases[i].name, secure_world);
        }
        fputs("\ndifferences (API levels on which the row holds; \"31..\" = to the newest release)\n", out);
    } else {
        char secure_world[64];
        format_secure_world(only, secure_world, sizeof(secure_world));
        fprintf(out, "%s (API level %d): %s\n", only->name, only->api_level, secure_world);
        fputs("\ndifferences (yes: the row holds on this release)\n", out);
    }
    for (size_t i = 0; i < row_count; i++) {
        char span[32];
        format_span(&rows[i], span, sizeof(span));
        if (only != NULL)
            fprintf(out, "  %-3s ", sim_android_has(only->api_level, rows[i].difference) ? "yes" : "no");
        else
            fputs("  ", out);
        fprintf(out, "%s  %s\n      %s\n      source: %s\n", rows[i].id, span, rows[i].summary, rows[i].source);
    }
}

static void print_json(const sim_android_release *only, FILE *out)
{
    size_t release_count, row_count;
    const sim_android_release *releases = sim_android_releases(&release_count);
    const sim_android_difference_row *rows = sim_android_difference_rows(&row_count);
    cli_json json;
    cli_json_start(&json, out);
    cli_json_open_object(&json, NULL);
    if (only != NULL) {
        cli_json_signed(&json, "api_level", only->api_level);
        cli_json_string(&json, "name", only->name);
        cli_json_unsigned(&json, "keymint_version", only->keymint_version);
        cli_json_unsigned(&json, "attestation_version", only->attestation_version);
    } else {
        cli_json_open_array(&json, "releases");
        for (size_t i = 0; i < release_count; i++) {
            cli_json_open_object(&json, NULL);
            cli_json_signed(&json, "api_level", releases[i].api_level);
            cli_json_string(&json, "name", releases[i].name);
            cli_json_unsigned(&json, "keymint_version", releases[i].keymint_version);
            cli_json_unsigned(&json, "attestation_version", releases[i].attestation_version);
            cli_json_close_object(&json);
        }
        cli_json_close_array(&json);
    }
    cli_json_open_array(&json, "differences");
    for (size_t i = 0; i < row_count; i++) {
        cli_json_open_object(&json, NULL);
        cli_json_string(&json, "id", rows[i].id);
        cli_json_signed(&json, "since_api_level", rows[i].since_api_level);
        if (rows[i].until_api_level == 0)
            cli_json_null(&json, "until_api_level");
        else
            cli_json_signed(&json, "until_api_level", rows[i].until_api_level);
        if (only != NULL)
            cli_json_bool(&json, "holds", sim_android_has(only->api_level, rows[i].difference));
        cli_json_string(&json, "summary", rows[i].summary);
        cli_json_string(&json, "source", rows[i].source);
        cli_json_close_object(&json);
    }
    cli_json_close_array(&json);
    cli_json_close_object(&json);
    cli_json_finish(&json);
}

/* The release --api-level names; NULL (and *ok) when it was not given; false after a usage error for a
 * level that is not a modelled release. */
static bool read_release(const cli_command *command, const cli_args *args, const sim_android_release **release)
{
    *release = NULL;
    if (!cli_has(args, "--api-level"))
        return true;
    uint64_t api_level;
    if (!cli_option_unsigned(args, "--api-level", UINT32_MAX, 0, &api_level))
        return false;
    size_t count;
    const sim_android_release *releases = sim_android_releases(&count);
    *release = sim_android_release_find((int)api_level);
    if (*release == NULL) {
        cli_usage_error(command,
                        "--api-level: %llu is not a release the simulator models; it models API levels %d (%s) to "
                        "%d (%s)",
                        (unsigned long long)api_level, releases[0].api_level, releases[0].name,
                        releases[count - 1].api_level, releases[count - 1].name);
        return false;
    }
    return true;
}

static int run_versions(const cli_command *command, const cli_args *args)
{
    const sim_android_release *release;
    if (!read_release(command, args, &release))
        return KSSIM_EXIT_USAGE;
    if (cli_has(args, "--json"))
        print_json(release, stdout);
    else
        print_text(release, stdout);
    return KSSIM_EXIT_SUCCESS;
}

static const cli_option versions_options[] = {
    {"--api-level", "N", "show one release: which rows hold on it (a level the simulator does not model is an error)",
     false},
    {"--json", NULL, "print one JSON object instead of the text", false},
};

const cli_command command_versions = {
    .name = "versions",
    .group = "Device",
    .synopsis = "[--api-level N] [--json]",
    .summary = "list the modelled Android releases and every behaviour difference between them",
    .description =
        "Lists the Android releases a device can simulate (kssim init --api-level, device: {api_level: N}) and\n"
        "every difference between them as a named row (V-...): the API levels on which it holds, what changes,\n"
        "and the AOSP file that shows it. With --api-level N, says for each row whether it holds on that release.\n"
        "Needs no device. docs/android-versions.md lists the same rows with the scenarios that show them.",
    .android = "developer.android.com's \"Added in API level N\" notes and the AOSP sources of each release.",
    .options = versions_options,
    .option_count = sizeof(versions_options) / sizeof(versions_options[0]),
    .run = run_versions,
};
