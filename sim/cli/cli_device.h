/*
 * cli_device.h - one device command as one transaction on the device: open, begin, act, commit,
 * close; and the way a refusal is reported.
 *
 * The device is committed after a refusal as well, because refusals change state too (a wrong PIN is a
 * failed attempt that throttling counts). What a command prints is held back until the commit has
 * succeeded: a signature whose use was never recorded must not escape, and a refused command prints
 * nothing on stdout.
 */
#ifndef SIM_CLI_CLI_DEVICE_H
#define SIM_CLI_CLI_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <kssim/kssim.h>

#include "cli/cli_options.h"
#include "framework/app_view.h"

#define CLI_LOCATION_MAX 4096
#define CLI_FAILURE_MAX  512

struct cli_out_file;

typedef struct cli_output {
    FILE *text; /* what the command prints; reaches stdout once the device has committed */
    /* --out FILE (cli_out_file.h; its command prepared it and discards it): staged before the commit, delivered
     * after it. NULL when the result goes to text. */
    struct cli_out_file *out_file;
    uint8_t *file_bytes; /* its raw contents (malloc'd; the session frees it) */
    size_t file_length;
    const char *result_what; /* "the signature": what a lost output lost, in messages; NULL for none */
    /* Set when the command fails although the device agreed to every call: an assertion that did not hold
     * (expect-key) or a request the device's state shows to be incomplete. The command prints this on
     * stderr and exits with failure_status (KSSIM_EXIT_REFUSED unless set otherwise). */
    char failure[CLI_FAILURE_MAX];
    int failure_status;
    /* A line printed after a refusal: what the shell user can do, where the device's sentence speaks of
     * an app (e.g. "authenticate with the operation's challenge", which a finished process cannot). */
    const char *refusal_hint;
    /* The app call the command stands for (sim/framework/app_view.c), when it is one: a refusal is followed by
     * what the app sees on the device's release ("kssim: what the app sees on API level 34: ... from
     * Signature.initSign"). */
    bool has_app_call;
    app_view_request app_call;
} cli_output;

/* Notes the app call the command is about to make; alias (may be NULL) names the key whose algorithm picks the
 * JCA object (Signature, Cipher, Mac). Call it before the device call: looking the key up resets the device's
 * message. */
void cli_note_app_call(cli_output *output, kssim_device *device, const char *alias, app_view_stage stage,
                       uint32_t purpose);

/* The command's work, through the public device API only. */
typedef kssim_result (*cli_device_action)(kssim_device *device, void *request, cli_output *output);

/* Prints "kssim: RESULT_NAME (CODE): sentence" to stderr (the result's general advice when message is
 * empty or NULL) and returns KSSIM_EXIT_REFUSED. */
int cli_report_refusal(kssim_result result, const char *message);

/* The device location the contract chooses for args (--device, KSSIM_DEVICE, the default). Returns an
 * exit status; KSSIM_EXIT_SUCCESS when out holds it. */
int cli_locate_device(const cli_args *args, char *out, size_t out_size);

/* Opens location with options and runs action in one transaction; returns the exit status. */
int cli_run_on_device(const char *location, const kssim_open_options *options, cli_device_action action, void *request);

/* cli_locate_device, then cli_run_on_device with the default open options, read-only when read_only;
 * a missing device is created (in memory only when read_only) unless only_existing. */
int cli_with_device_opened(const cli_args *args, bool read_only, bool only_existing, cli_device_action action,
                           void *request);

/* cli_with_device_opened for the commands that change the device (a missing device is created). */
int cli_with_device(const cli_args *args, cli_device_action action, void *request);
/* The same for a command that only reads (status, keys, export-public, expect-key): the device is opened
 * read-only and nothing is written, so a device the user may not write still answers; where there is
 * no device yet, the command answers for the new phone that would be created, and creates nothing. */
int cli_with_device_reading(const cli_args *args, cli_device_action action, void *request);

#endif
