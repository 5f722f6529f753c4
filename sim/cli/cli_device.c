/*
 * cli_device.c - the transaction around every device command (open, begin, act, commit, close), the
 * output it holds back until the commit, and refusal messages.
 */
#include "cli/cli_device.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_out_file.h"

/* Long enough for any sentence the device writes; a longer one is cut, not lost. */
#define CLI_MESSAGE_MAX 2048

int cli_report_refusal(kssim_result result, const char *message)
{
    const char *name = kssim_result_name(result);
    if (message == NULL || message[0] == '\0')
        message = kssim_result_advice(result);
    fprintf(stderr, "kssim: %s (%d): %s\n", name != NULL ? name : "UNKNOWN_RESULT", (int)result,
            message != NULL ? message : "");
    return KSSIM_EXIT_REFUSED;
}

void cli_note_app_call(cli_output *output, kssim_device *device, const char *alias, app_view_stage stage,
                       uint32_t purpose)
{
    output->has_app_call = true;
    output->app_call.stage = stage;
    output->app_call.purpose = purpose;
    kssim_key_info info;
    if (alias != NULL && kssim_key_info_get(device, alias, &info) == KSSIM_OK && info.state != KSSIM_KEY_ABSENT)
        output->app_call.algorithm = info.spec.algorithm;
}

/* "kssim: what the app sees on API level 34: android.security.keystore.UserNotAuthenticatedException from
 * Signature.initSign": the refusal in the words of the app's developer, on the device's release. */
static void report_app_view(kssim_device *device, const cli_output *output, kssim_result result)
{
    if (!output->has_app_call)
        return;
    app_view view;
    int api_level;
    if (!app_view_of_call_on_device(device, &output->app_call, result, &view, &api_level))
        return;
    fprintf(stderr, "kssim: what the app sees on API level %d: %s from %s", api_level,
            view.exception != NULL ? view.exception : view.shown, view.call);
    if (view.has_numeric_code)
        fprintf(stderr, " (its cause's getNumericErrorCode() is %d)", view.numeric_code);
    fputc('\n', stderr);
}

int cli_locate_device(const cli_args *args, char *out, size_t out_size)
{
    kssim_result result = kssim_device_location(args->device, NULL, out, out_size);
    /* An empty --device or KSSIM_DEVICE is a mistake on the command line or in the environment. */
    if (result == KSSIM_INVALID_ARGUMENT) {
        fprintf(stderr, "kssim %s: %s\n", args->command->name, kssim_open_error());
        return KSSIM_EXIT_USAGE;
    }
    if (result != KSSIM_OK)
        return cli_report_refusal(result, kssim_open_error());
    return KSSIM_EXIT_SUCCESS;
}

/* The work is done and recorded, but its output did not reach where_to: said with what was lost, exit 1. */
static int report_lost_output(const cli_output *output, const char *where_to, const char *reason, bool advise_file)
{
    /* Room for a whole reason (up to CLI_MESSAGE_MAX) besides the file's name and the advice around it, so
     * the reason the output was lost is never cut off. */
    char sentence[2 * CLI_MESSAGE_MAX];
    if (output->result_what != NULL)
        snprintf(sentence, sizeof(sentence),
                 "%s was made and the device has recorded the operation (a limited key's use is spent), but %s "
                 "could not be written: %s%s",
                 output->result_what, where_to, reason,
                 advise_file ? "; use --out FILE, which kssim prepares before it uses the key, for single-use keys"
                             : "");
    else
        snprintf(sentence, sizeof(sentence),
                 "the command was carried out and recorded on the device, but %s could not be written: %s", where_to,
                 reason);
    return cli_report_refusal(KSSIM_SYSTEM_ERROR, sentence);
}

/* Writes the held-back output once the device has committed: the raw bytes to --out first (the result whose
 * use is spent is put in place whatever becomes of standard output), then the text to stdout. Every write is
 * checked, the final flush included: a full disk or a closed pipe must not pass for success. */
static int release_output(const char *text, size_t text_length, const cli_output *output)
{
    if (output->out_file != NULL) {
        char reason[CLI_MESSAGE_MAX];
        if (!cli_out_file_deliver(output->out_file, output->file_bytes, output->file_length, reason, sizeof(reason)))
            return report_lost_output(output, cli_out_file_name(output->out_file), reason,
                                      output->out_file->after_commit);
    }
    if ((text_length > 0 && fwrite(text, 1, text_length, stdout) != text_length) || fflush(stdout) != 0)
        return report_lost_output(output, "standard output", strerror(errno != 0 ? errno : EIO), true);
    return KSSIM_EXIT_SUCCESS;
}

/* Acts and commits; the device's explanation of a refusal is copied before commit replaces it. */
static int act_and_commit(kssim_device *device, cli_device_action action, void *request, cli_output *output)
{
    kssim_result result = action(device, request, output);
    char message[CLI_MESSAGE_MAX];
    snprintf(message, sizeof(message), "%s", result != KSSIM_OK ? kssim_device_message(device) : "");
    /* The result file is written and synced while the transaction is open: one that cannot be written is
     * reported before anything is committed, so the use that made the result is not spent. */
    if (result == KSSIM_OK && output->out_file != NULL) {
        char reason[CLI_MESSAGE_MAX];
        if (!cli_out_file_stage(output->out_file, output->file_bytes, output->file_length, reason, sizeof(reason))) {
            kssim_device_rollback(device);
            if (kssim_device_committed_within_command(device))
                fprintf(stderr,
                        "kssim: cannot write %s: %s; the operation was not finished, but the credential the armed "
                        "prompt presented was recorded first (as Gatekeeper records every attempt), and with it "
                        "what the operation's begin had charged\n",
                        cli_out_file_name(output->out_file), reason);
            else
                fprintf(stderr, "kssim: cannot write %s: %s; nothing was spent: the device is as it was before\n",
                        cli_out_file_name(output->out_file), reason);
            return KSSIM_EXIT_USAGE;
        }
    }
    kssim_result committed = kssim_device_commit(device);
    if (committed != KSSIM_OK) {
        /* Only the commit's failure is told: the rollback undid the action, so its result never happened, and
         * telling it (WRONG_CREDENTIAL or not) would let a PIN be tried without the attempt being counted. */
        char commit_message[CLI_MESSAGE_MAX];
        snprintf(commit_message, sizeof(commit_message), "%s", kssim_device_message(device));
        kssim_device_rollback(device);
        return cli_report_refusal(committed, commit_message);
    }
    if (output->out_file != NULL)
        output->out_file->committed = true;
    if (result != KSSIM_OK) {
        int status = cli_report_refusal(result, message);
        report_app_view(device, output, result);
        if (output->refusal_hint != NULL)
            fprintf(stderr, "kssim: hint: %s\n", output->refusal_hint);
        return status;
    }
    return KSSIM_EXIT_SUCCESS;
}

int cli_run_on_device(const char *location, const kssim_open_options *options, cli_device_action action, void *request)
{
    kssim_device *device = NULL;
    kssim_result opened = kssim_device_open(location, options, &device);
    if (opened != KSSIM_OK)
        return cli_report_refusal(opened, kssim_open_error());
    kssim_result begun = kssim_device_begin(device);
    if (begun != KSSIM_OK) {
        int status = cli_report_refusal(begun, kssim_device_message(device));
        kssim_device_free(device);
        return status;
    }
    cli_output output;
    memset(&output, 0, sizeof(output));
    char *text = NULL;
    size_t text_length = 0;
    output.text = open_memstream(&text, &text_length);
    int status;
    if (output.text == NULL) {
        kssim_device_rollback(device);
        status = cli_report_refusal(KSSIM_SYSTEM_ERROR, "out of memory");
    } else {
        status = act_and_commit(device, action, request, &output);
        fclose(output.text);
    }
    kssim_device_free(device);
    if (status == KSSIM_EXIT_SUCCESS && output.failure[0] != '\0') {
        fprintf(stderr, "kssim: %s\n", output.failure);
        status = output.failure_status != 0 ? output.failure_status : KSSIM_EXIT_REFUSED;
    }
    if (status == KSSIM_EXIT_SUCCESS)
        status = release_output(text, text_length, &output);
    free(text);
    free(output.file_bytes);
    return status;
}

int cli_with_device_opened(const cli_args *args, bool read_only, bool only_existing, cli_device_action action,
                           void *request)
{
    char location[CLI_LOCATION_MAX];
    int status = cli_locate_device(args, location, sizeof(location));
    if (status != KSSIM_EXIT_SUCCESS)
        return status;
    kssim_open_options options;
    kssim_open_options_default(&options);
    options.read_only = read_only;
    if (only_existing)
        options.create = false;
    return cli_run_on_device(location, &options, action, request);
}

int cli_with_device(const cli_args *args, cli_device_action action, void *request)
{
    return cli_with_device_opened(args, false, false, action, request);
}

int cli_with_device_reading(const cli_args *args, cli_device_action action, void *request)
{
    return cli_with_device_opened(args, true, false, action, request);
}
