/*
 * command_prompt.c - `kssim prompt --respond biometric:ID|credential:SECRET|none [--count N]`: arms
 * the simulated system prompt, so that operations on per-operation keys, begun by any process later,
 * are authenticated with their own challenge as if the user answered BiometricPrompt.
 *
 * The credential may stay off the command line: credential:- reads it from standard input, and
 * `--respond credential --secret-file FILE` from a file (cli_secret.h).
 */
#include <stdint.h>
#include <string.h>

#include "cli/cli_device.h"
#include "cli/cli_options.h"
#include "cli/cli_secret.h"
#include "cli/cli_values.h"

typedef struct prompt_request {
    uint32_t response;
    uint32_t biometric_id;
    const char *secret;
    uint32_t count;
    cli_secret read_secret; /* the secret, when it came from standard input or --secret-file */
} prompt_request;

static kssim_result arm_prompt(kssim_device *device, void *request, cli_output *output)
{
    (void)output;
    const prompt_request *r = request;
    return kssim_prompt_arm(device, (kssim_prompt_response)r->response, r->biometric_id, r->secret, r->count);
}

/* credential:SECRET, credential:- (standard input) or credential with --secret-file FILE. */
static bool read_credential(const cli_args *args, const char *detail, prompt_request *request)
{
    const cli_command *command = args->command;
    const char *file = cli_get(args, "--secret-file");
    if (detail != NULL && file != NULL) {
        cli_usage_error(command, "the credential is given twice (--respond credential:... and --secret-file): "
                                 "give it once");
        return false;
    }
    if (file != NULL || (detail != NULL && strcmp(detail, "-") == 0)) {
        if (!cli_read_secret_file(command, file != NULL ? "--secret-file" : "--respond credential:-",
                                  file != NULL ? file : detail, &request->read_secret))
            return false;
        request->secret = request->read_secret.value;
        return true;
    }
    if (detail == NULL) {
        cli_usage_error(command, "--respond credential needs the secret: --respond credential:1234, "
                                 "--respond credential:- (standard input) or --respond credential --secret-file FILE");
        return false;
    }
    request->secret = detail;
    return true;
}

/* biometric:ID, credential:SECRET or none; the word is the scenario format's (prompt: {respond}). */
static bool read_response(const cli_args *args, const char *text, prompt_request *request)
{
    const cli_command *command = args->command;
    const char *colon = strchr(text, ':');
    char word[32];
    size_t length = colon != NULL ? (size_t)(colon - text) : strlen(text);
    snprintf(word, sizeof(word), "%.*s", (int)(length < sizeof(word) ? length : sizeof(word) - 1), text);
    if (!cli_parse_word(command, "--respond", word, &scenario_prompt_responses, &request->response))
        return false;
    const char *detail = colon != NULL ? colon + 1 : NULL;
    switch (request->response) {
    case KSSIM_PROMPT_BIOMETRIC: {
        uint64_t id;
        if (detail == NULL || detail[0] == '\0') {
            cli_usage_error(command, "--respond biometric needs the template's id: --respond biometric:1");
            return false;
        }
        if (!cli_parse_unsigned(command, "--respond biometric:ID", detail, UINT32_MAX, &id))
            return false;
        request->biometric_id = (uint32_t)id;
        return true;
    }
    case KSSIM_PROMPT_CREDENTIAL:
        return read_credential(args, detail, request);
    default:
        if (detail != NULL) {
            cli_usage_error(command, "--respond none takes nothing after it (got '%s')", text);
            return false;
        }
        return true;
    }
}

static int run_prompt(const cli_command *command, const cli_args *args)
{
    prompt_request request = {0};
    int status = KSSIM_EXIT_USAGE;
    bool read =
        cli_option_u32(args, "--count", 1, &request.count) && read_response(args, cli_get(args, "--respond"), &request);
    if (!read)
        status = KSSIM_EXIT_USAGE;
    else if (request.response != KSSIM_PROMPT_CREDENTIAL && cli_has(args, "--secret-file"))
        status = cli_usage_error(command, "--secret-file goes with --respond credential only");
    else if (request.count == 0 && request.response != KSSIM_PROMPT_NONE)
        status = cli_usage_error(command, "--count must be at least 1; to disarm the prompt use --respond none");
    else
        status = cli_with_device(args, arm_prompt, &request);
    cli_secret_clear(&request.read_secret);
    return status;
}

static const cli_option prompt_options[] = {
    {"--respond", "RESPONSE",
     "biometric:ID (present that enrolled template), credential:SECRET (type that credential) or none (disarm)", true},
    {"--count", "N", "how many operations it answers; default 1", false},
    {"--secret-file", "FILE",
     "with --respond credential: the credential is the first line of FILE (- = standard input), kept off the "
     "command line, which every local user can read (credential:- reads standard input too)",
     false},
};

const cli_command command_prompt = {
    .name = "prompt",
    .group = "System prompt",
    .synopsis = "--respond biometric:ID|credential:SECRET|credential --secret-file FILE|none [--count N]",
    .summary = "arm the system prompt to authenticate the next N per-operation key uses, from any process",
    .description =
        "Arms the simulated system prompt: the next N operations that need per-operation authentication\n"
        "(keys with --timeout 0), begun by any process (kssim sign, the openssl CLI through the keystore\n"
        "provider, ...), are answered as if the user presented that biometric or typed that credential, bound\n"
        "to that operation's challenge. Unarmed, such an operation fails with KEY_USER_NOT_AUTHENTICATED.\n"
        "A credential is checked when the prompt is armed (WRONG_CREDENTIAL then, counting as a failed\n"
        "attempt) and is not stored. --respond none disarms it. Prints nothing; kssim status shows it.",
    .android = "the user answering BiometricPrompt.authenticate(CryptoObject) for each operation.",
    .options = prompt_options,
    .option_count = sizeof(prompt_options) / sizeof(prompt_options[0]),
    .run = run_prompt,
};
