/*
 * command_status.c - `kssim status [--json]`: everything the phone's user and keystore would know
 * about its state: lock screen, SID, biometrics, lock state, clocks, throttling and the armed prompt; and
 * `kssim last-refusal [--json]`: the last operation the OpenSSL provider was refused on this device, with its
 * result and sentence, for users of clients that hide OpenSSL's error data (Python's ssl, curl).
 */
#include <inttypes.h>
#include <string.h>

#include "cli/cli_device.h"
#include "cli/cli_json.h"
#include "cli/cli_options.h"
#include "runner/scenario_values.h"
#include "runner/scenario_words.h"

static const char *word_or(const scenario_words *words, uint32_t value, const char *fallback)
{
    const char *name = scenario_words_name(words, value);
    return name != NULL ? name : fallback;
}

static const char *credential_name(kssim_credential_type type)
{
    return word_or(&scenario_credential_types, (uint32_t)type, "none");
}

static const char *prompt_name(kssim_prompt_response response)
{
    return word_or(&scenario_prompt_responses, (uint32_t)response, "none");
}

/* IDs in full hex, as keys' SIDs are shown; 0 is the device's "none". */
static void print_id(FILE *out, uint64_t id)
{
    fprintf(out, "0x%016" PRIx64 "%s\n", id, id == 0 ? " (none)" : "");
}

static void print_text(const kssim_device *device, const kssim_status *status, FILE *out)
{
    char boot[32], wall[32];
    scenario_format_duration(status->boot_ms, boot, sizeof(boot));
    scenario_format_datetime(status->wall_ms, wall, sizeof(wall));
    fprintf(out, "device            %s\n", kssim_device_location_of(device));
    fprintf(out, "api level         %d\n", status->api_level);
    fprintf(out, "security level    %s\n", word_or(&scenario_security_levels, status->security_level, "unknown"));
    fprintf(out, "clocks            %s\n",
            status->realtime ? "realtime (they follow the host's)" : "virtual (they move with kssim advance)");
    fprintf(out, "credential        %s\n", credential_name(status->credential));
    fputs("root SID          ", out);
    print_id(out, status->root_sid);
    fprintf(out, "biometrics        %" PRIu32 " template%s\n", status->biometric_count,
            status->biometric_count == 1 ? "" : "s");
    for (int modality = 0; modality < KSSIM_MODALITY_COUNT; modality++) {
        const char *name = word_or(&scenario_modalities, (uint32_t)modality, "?");
        fprintf(out, "  %-15s ", name);
        print_id(out, status->authenticator_ids[modality]);
    }
    fprintf(out, "lock state        %s\n",
            !status->locked               ? "unlocked"
            : status->unlocked_since_boot ? "locked (unlocked since boot)"
                                          : "locked (not unlocked since boot)");
    /* The exact milliseconds too, unless the largest exact unit already is milliseconds. */
    size_t boot_length = strlen(boot);
    if (status->boot_ms == 0 || (boot_length > 2 && strcmp(boot + boot_length - 2, "ms") == 0))
        fprintf(out, "boot clock        %s\n", boot);
    else
        fprintf(out, "boot clock        %s (%" PRIu64 " ms)\n", boot, status->boot_ms);
    fprintf(out, "wall clock        %s\n", wall);
    fprintf(out, "boot count        %" PRIu32 "\n", status->boot_count);
    fprintf(out, "failed attempts   %" PRIu32 "\n", status->failed_attempts);
    if (status->prompt == KSSIM_PROMPT_NONE || status->prompt_remaining == 0)
        fputs("prompt            unarmed\n", out);
    else if (status->prompt == KSSIM_PROMPT_BIOMETRIC)
        fprintf(out, "prompt            biometric:%" PRIu32 ", %" PRIu32 " operation%s left\n",
                status->prompt_biometric_id, status->prompt_remaining, status->prompt_remaining == 1 ? "" : "s");
    else
        fprintf(out, "prompt            %s, %" PRIu32 " operation%s left\n", prompt_name(status->prompt),
                status->prompt_remaining, status->prompt_remaining == 1 ? "" : "s");
    kssim_refusal_record refusal;
    kssim_device_last_refusal(device, &refusal);
    if (refusal.present)
        fprintf(out, "last refusal      %s (%d) to %s%s%s%s (kssim last-refusal says why)\n",
                kssim_result_name(refusal.result) != NULL ? kssim_result_name(refusal.result) : "UNKNOWN_RESULT",
                (int)refusal.result, refusal.what, refusal.alias[0] != '\0' ? " with key '" : "", refusal.alias,
                refusal.alias[0] != '\0' ? "'" : "");
    /* Only when it happened: a device that was never rolled back has nothing to say about it. */
    if (status->rollback_detected)
        fputs("rollback          rollback detected: rollback-resistant keys of that time refuse\n", out);
}

/* The injected faults still armed (docs/faults.md); a line only when one is. */
static void print_faults_text(const kssim_fault_status *f, FILE *out)
{
    if (f->keystore_unavailable_calls > 0)
        fprintf(out, "fault             keystore_unavailable: %" PRIu32 " binder call%s left\n",
                f->keystore_unavailable_calls, f->keystore_unavailable_calls == 1 ? "" : "s");
    if (f->strongbox_failing && f->strongbox_failing_calls == 0)
        fputs("fault             strongbox_failing: every call until `kssim inject-fault clear`\n", out);
    else if (f->strongbox_failing)
        fprintf(out, "fault             strongbox_failing: %" PRIu32 " call%s left\n", f->strongbox_failing_calls,
                f->strongbox_failing_calls == 1 ? "" : "s");
    if (f->tokens_to_delay > 0 || f->tokens_held > 0)
        fprintf(out,
                "fault             token_delayed: %" PRIu64 " ms, %" PRIu32 " token%s to hold back, %" PRIu32 " held\n",
                f->token_delay_ms, f->tokens_to_delay, f->tokens_to_delay == 1 ? "" : "s", f->tokens_held);
    if (f->blobs_requiring_upgrade > 0)
        fprintf(out, "fault             key_blob_requires_upgrade: %" PRIu32 " blob%s\n", f->blobs_requiring_upgrade,
                f->blobs_requiring_upgrade == 1 ? "" : "s");
    if (f->blobs_undecryptable > 0)
        fprintf(out, "fault             key_blob_undecryptable: %" PRIu32 " blob%s\n", f->blobs_undecryptable,
                f->blobs_undecryptable == 1 ? "" : "s");
}

static void print_faults_json(cli_json *json, const kssim_fault_status *f)
{
    cli_json_open_object(json, "faults");
    cli_json_unsigned(json, "keystore_unavailable_calls", f->keystore_unavailable_calls);
    cli_json_bool(json, "strongbox_failing", f->strongbox_failing);
    cli_json_unsigned(json, "strongbox_failing_calls", f->strongbox_failing_calls);
    cli_json_unsigned(json, "tokens_to_delay", f->tokens_to_delay);
    cli_json_unsigned(json, "token_delay_ms", f->token_delay_ms);
    cli_json_unsigned(json, "tokens_held", f->tokens_held);
    cli_json_unsigned(json, "blobs_requiring_upgrade", f->blobs_requiring_upgrade);
    cli_json_unsigned(json, "blobs_undecryptable", f->blobs_undecryptable);
    cli_json_close_object(json);
}

static void print_json(const kssim_device *device, const kssim_status *status, const kssim_fault_status *faults,
                       FILE *out)
{
    char wall[32];
    scenario_format_datetime(status->wall_ms, wall, sizeof(wall));
    cli_json json;
    cli_json_start(&json, out);
    cli_json_open_object(&json, NULL);
    cli_json_string(&json, "device", kssim_device_location_of(device));
    cli_json_signed(&json, "api_level", status->api_level);
    cli_json_string(&json, "security_level", word_or(&scenario_security_levels, status->security_level, "unknown"));
    cli_json_string(&json, "clocks", status->realtime ? "realtime" : "virtual");
    cli_json_string(&json, "credential", credential_name(status->credential));
    cli_json_id(&json, "root_sid", status->root_sid);
    cli_json_open_object(&json, "biometrics");
    cli_json_unsigned(&json, "templates", status->biometric_count);
    cli_json_open_object(&json, "authenticator_ids");
    for (int modality = 0; modality < KSSIM_MODALITY_COUNT; modality++)
        cli_json_id(&json, word_or(&scenario_modalities, (uint32_t)modality, "?"), status->authenticator_ids[modality]);
    cli_json_close_object(&json);
    cli_json_close_object(&json);
    cli_json_bool(&json, "locked", status->locked);
    cli_json_bool(&json, "unlocked_since_boot", status->unlocked_since_boot);
    cli_json_unsigned(&json, "boot_clock_ms", status->boot_ms);
    cli_json_string(&json, "wall_clock", wall);
    cli_json_signed(&json, "wall_clock_ms", status->wall_ms);
    cli_json_unsigned(&json, "boot_count", status->boot_count);
    cli_json_unsigned(&json, "failed_attempts", status->failed_attempts);
    cli_json_open_object(&json, "prompt");
    bool armed = status->prompt != KSSIM_PROMPT_NONE && status->prompt_remaining > 0;
    cli_json_string(&json, "response", armed ? prompt_name(status->prompt) : "none");
    if (armed && status->prompt == KSSIM_PROMPT_BIOMETRIC)
        cli_json_unsigned(&json, "biometric_id", status->prompt_biometric_id);
    else
        cli_json_null(&json, "biometric_id");
    cli_json_unsigned(&json, "remaining", armed ? status->prompt_remaining : 0);
    cli_json_close_object(&json);
    cli_json_bool(&json, "rollback_detected", status->rollback_detected);
    print_faults_json(&json, faults);
    cli_json_close_object(&json);
    cli_json_finish(&json);
}

static kssim_result show_status(kssim_device *device, void *request, cli_output *output)
{
    bool as_json = *(const bool *)request;
    kssim_status status;
    memset(&status, 0, sizeof(status));
    kssim_result result = kssim_status_get(device, &status);
    kssim_fault_status faults;
    if (result == KSSIM_OK)
        result = kssim_fault_status_get(device, &faults);
    if (result != KSSIM_OK)
        return result;
    if (as_json) {
        print_json(device, &status, &faults, output->text);
    } else {
        print_text(device, &status, output->text);
        print_faults_text(&faults, output->text);
    }
    return KSSIM_OK;
}

/* "RESULT (CODE): SENTENCE", then what was refused and when (the device's virtual clocks). */
static void print_refusal_text(const kssim_refusal_record *refusal, FILE *out)
{
    const char *name = kssim_result_name(refusal->result);
    fprintf(out, "%s (%d): %s\n", name != NULL ? name : "UNKNOWN_RESULT", (int)refusal->result, refusal->sentence);
    if (refusal->alias[0] != '\0')
        fprintf(out, "refused           %s with key '%s'\n", refusal->what, refusal->alias);
    else
        fprintf(out, "refused           %s\n", refusal->what);
    char boot[32], wall[32];
    scenario_format_duration(refusal->boot_ms, boot, sizeof(boot));
    scenario_format_datetime(refusal->wall_ms, wall, sizeof(wall));
    fprintf(out, "when              boot %" PRIu32 ", boot clock %s, wall clock %s\n", refusal->boot_count, boot, wall);
}

static void print_refusal_json(const kssim_refusal_record *refusal, FILE *out)
{
    cli_json json;
    cli_json_start(&json, out);
    cli_json_open_object(&json, NULL);
    cli_json_bool(&json, "present", refusal->present);
    if (refusal->present) {
        const char *name = kssim_result_name(refusal->result);
        cli_json_string(&json, "result", name != NULL ? name : "UNKNOWN_RESULT");
        cli_json_signed(&json, "code", (int)refusal->result);
        cli_json_string(&json, "sentence", refusal->sentence);
        cli_json_string(&json, "operation", refusal->what);
        cli_json_string(&json, "alias", refusal->alias);
        cli_json_unsigned(&json, "boot_count", refusal->boot_count);
        cli_json_unsigned(&json, "boot_clock_ms", refusal->boot_ms);
        char wall[32];
        scenario_format_datetime(refusal->wall_ms, wall, sizeof(wall));
        cli_json_string(&json, "wall_clock", wall);
    }
    cli_json_close_object(&json);
    cli_json_finish(&json);
}

static kssim_result show_last_refusal(kssim_device *device, void *request, cli_output *output)
{
    bool as_json = *(const bool *)request;
    kssim_refusal_record refusal;
    kssim_device_last_refusal(device, &refusal);
    if (as_json)
        print_refusal_json(&refusal, output->text);
    else if (refusal.present)
        print_refusal_text(&refusal, output->text);
    else
        fputs("none: no operation through the OpenSSL provider has been refused on this device\n", output->text);
    return KSSIM_OK;
}

static int run_last_refusal(const cli_command *command, const cli_args *args)
{
    (void)command;
    bool as_json = cli_has(args, "--json");
    return cli_with_device_reading(args, show_last_refusal, &as_json);
}

static const cli_option last_refusal_options[] = {
    {"--json", NULL, "print one JSON object: present, result, code, sentence, operation, alias and the clocks", false},
};

const cli_command command_last_refusal = {
    .name = "last-refusal",
    .group = "Device",
    .synopsis = "[--json]",
    .summary = "show the last operation the OpenSSL provider was refused on this device, and why",
    .description =
        "Shows the last operation refused through the keystore OpenSSL provider on this device: the result's\n"
        "name and code, the device's sentence saying why and what would make it succeed, the operation and key,\n"
        "and the device's clocks then. Clients that hide OpenSSL's error data (Python's ssl says only\n"
        "\"[SSL] EVP lib\", curl names the result without its sentence) leave their users this to read.\n"
        "The record is kept with the device, so any process reads it; a later refusal replaces it.",
    .android = "what the app's exception (and logcat's keystore2 lines) would have said.",
    .options = last_refusal_options,
    .option_count = sizeof(last_refusal_options) / sizeof(last_refusal_options[0]),
    .run = run_last_refusal,
};

static int run_status(const cli_command *command, const cli_args *args)
{
    (void)command;
    bool as_json = cli_has(args, "--json");
    return cli_with_device_reading(args, show_status, &as_json);
}

static const cli_option status_options[] = {
    {"--json", NULL, "print one JSON object instead of the table (SIDs and IDs as \"0x...\" strings)", false},
};

const cli_command command_status = {
    .name = "status",
    .group = "Device",
    .synopsis = "[--json]",
    .summary = "show the lock screen, root SID, biometrics, lock state, clocks, boot count and armed prompt",
    .description =
        "Shows the phone's state: device location, API and security level, whether the clocks are virtual or\n"
        "realtime, the credential type and root SID (Gatekeeper's secure user ID), the number of biometric\n"
        "templates and each modality's authenticator ID, whether the phone is locked and whether it was unlocked\n"
        "since boot, the boot clock and the wall clock (ISO-8601 UTC), the boot count, Gatekeeper's failed\n"
        "attempts, and what the system prompt is armed to answer (kssim prompt).",
    .android = "Settings > Security, plus what Gatekeeper, BiometricManager and keystore2 keep internally.",
    .options = status_options,
    .option_count = sizeof(status_options) / sizeof(status_options[0]),
    .run = run_status,
};
