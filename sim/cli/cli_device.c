/*
 * cli_device.c - the transaction around every device command (open, begin, act, commit, close), the
 * output it holds back until the commit, and refusal messages.
 */
#include "cli/cli_device.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

/* Writes the held-back output: the text to stdout, the raw bytes to --out. */
static int release_output(const char *text, size_t text_length, const cli_output *output)
{
    if (text_length > 0 && fwrite(text, 1, text_length, stdout) != text_length)
        return cli_report_refusal(KSSIM_SYSTEM_ERROR, "cannot write to standard output");
    if (output->file_path == NULL)
        return KSSIM_EXIT_SUCCESS;
    bool to_stdout = strcmp(output->file_path, "-") == 0;
    FILE *file = to_stdout ? stdout : fopen(output->file_path, "wb");
    if (file == NULL) {
        fprintf(stderr, "kssim: cannot write %s: %s\n", output->file_path, strerror(errno));
        return KSSIM_EXIT_USAGE;
    }
    bool written =
        output->file_length == 0 || fwrite(output->file_bytes, 1, output->file_length, file) == output->file_length;
    if ((!to_stdout && fclose(file) != 0) || !written) {
        fprintf(stderr, "kssim: cannot write %s: %s\n", output->file_path, strerror(errno));
        return KSSIM_EXIT_USAGE;
    }
    return KSSIM_EXIT_SUCCESS;
}

/* Acts and commits; the device's explanation of a refusal is copied before commit replaces it. */
static int act_and_commit(kssim_device *device, cli_device_action action, void *request, cli_output *output)
{
    kssim_result result = action(device, request, output);
    char message[CLI_MESSAGE_MAX];
    snprintf(message, sizeof(message), "%s", result != KSSIM_OK ? kssim_device_message(device) : "");
    kssim_result committed = kssim_device_commit(device);
    if (committed != KSSIM_OK) {
        char commit_message[CLI_MESSAGE_MAX];
        snprintf(commit_message, sizeof(commit_message), "%s", kssim_device_message(device));
        kssim_device_rollback(device);
        if (result != KSSIM_OK)
            cli_report_refusal(result, message);
        return cli_report_refusal(committed, commit_message);
    }
    if (result != KSSIM_OK) {
        int status = cli_report_refusal(result, message);
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

int cli_with_device(const cli_args *args, cli_device_action action, void *request)
{
    char location[CLI_LOCATION_MAX];
    int status = cli_locate_device(args, location, sizeof(location));
    if (status != KSSIM_EXIT_SUCCESS)
        return status;
    kssim_open_options options;
    kssim_open_options_default(&options);
    return cli_run_on_device(location, &options, action, request);
}

int cli_with_device_reading(const cli_args *args, cli_device_action action, void *request)
{
    char location[CLI_LOCATION_MAX];
    int status = cli_locate_device(args, location, sizeof(location));
    if (status != KSSIM_EXIT_SUCCESS)
        return status;
    kssim_open_options options;
    kssim_open_options_default(&options);
    options.read_only = true;
    return cli_run_on_device(location, &options, action, request);
}
