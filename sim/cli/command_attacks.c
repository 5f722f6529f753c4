/*
 * command_attacks.c - what an attacker can do to the phone: forge-token (a compromised HAL injecting
 * an auth token), tamper-key-blob (flipping stored key data) and callback-without-crypto (the
 * event-bound biometric bypass). Each prints nothing on success.
 */
#include <stdint.h>
#include <string.h>

#include "cli/cli_device.h"
#include "cli/cli_options.h"
#include "cli/cli_values.h"

#define GROUP_ATTACKS "Attacks"

/* ---- forge-token ---- */

typedef struct forge_request {
    uint32_t type;
    bool sid_is_number;
    uint64_t sid; /* a number, or SCENARIO_SID_ROOT / SCENARIO_SID_BIOMETRIC */
    uint64_t challenge;
    uint64_t age_ms;
    uint32_t mac;
} forge_request;

/* root: the current root SID; biometric: the fingerprint authenticator ID, else the face one; as the
 * scenario step resolves them when it runs. */
static kssim_result resolve_sid(kssim_device *device, const forge_request *request, uint64_t *sid)
{
    if (request->sid_is_number) {
        *sid = request->sid;
        return KSSIM_OK;
    }
    kssim_status status;
    memset(&status, 0, sizeof(status));
    kssim_result result = kssim_status_get(device, &status);
    if (result != KSSIM_OK)
        return result;
    if (request->sid == SCENARIO_SID_ROOT)
        *sid = status.root_sid;
    else if (status.authenticator_ids[KSSIM_MODALITY_FINGERPRINT] != 0)
        *sid = status.authenticator_ids[KSSIM_MODALITY_FINGERPRINT];
    else
        *sid = status.authenticator_ids[KSSIM_MODALITY_FACE];
    return KSSIM_OK;
}

static kssim_result forge_token(kssim_device *device, void *request_pointer, cli_output *output)
{
    (void)output;
    const forge_request *request = request_pointer;
    uint64_t sid = 0;
    kssim_result result = resolve_sid(device, request, &sid);
    if (result != KSSIM_OK)
        return result;
    return kssim_forge_token(device, request->type, sid, request->challenge, request->age_ms,
                             (kssim_forged_mac)request->mac, NULL);
}

/* --sid root|biometric|N; by default the one the token type carries. */
static bool read_sid(const cli_args *args, forge_request *request)
{
    const char *text = cli_get(args, "--sid");
    request->sid_is_number = false;
    if (text == NULL) {
        request->sid = request->type == KSSIM_AUTHENTICATOR_FINGERPRINT ? SCENARIO_SID_BIOMETRIC : SCENARIO_SID_ROOT;
        return true;
    }
    const scenario_word *word = scenario_words_find(&scenario_token_sids, text);
    if (word != NULL) {
        request->sid = word->value;
        return true;
    }
    if (text[0] >= '0' && text[0] <= '9') {
        request->sid_is_number = true;
        return cli_parse_unsigned(args->command, "--sid", text, UINT64_MAX, &request->sid);
    }
    uint32_t unused;
    return cli_parse_word(args->command, "--sid (or a number)", text, &scenario_token_sids, &unused);
}

static int run_forge_token(const cli_command *command, const cli_args *args)
{
    forge_request request;
    memset(&request, 0, sizeof(request));
    const char *age = cli_get(args, "--age");
    if (!cli_option_word(args, "--type", &scenario_token_types, KSSIM_AUTHENTICATOR_PASSWORD, &request.type) ||
        !read_sid(args, &request) || !cli_option_unsigned(args, "--challenge", UINT64_MAX, 0, &request.challenge) ||
        (age != NULL && !cli_parse_duration(command, "--age", age, &request.age_ms)) ||
        !cli_option_word(args, "--mac", &scenario_forged_macs, KSSIM_MAC_VALID, &request.mac))
        return KSSIM_EXIT_USAGE;
    return cli_with_device(args, forge_token, &request);
}

static const cli_option forge_token_options[] = {
    {"--type", "TYPE", "password (user ID = SID) or fingerprint (user ID = root SID, authenticator ID = SID)", true},
    {"--sid", "SID", "root, biometric or a number; default root for password, biometric for fingerprint", false},
    {"--challenge", "N", "the 64-bit challenge (decimal or 0x hex); default 0", false},
    {"--age", "DURATION", "the token is stamped this long ago on the boot clock; default 0ms", false},
    {"--mac", "MAC", "valid (this boot's HMAC key), corrupt (one bit flipped) or previous_boot; default valid", false},
};

const cli_command command_forge_token = {
    .name = "forge-token",
    .group = GROUP_ATTACKS,
    .synopsis = "--type password|fingerprint [--sid root|biometric|N] [--challenge N] [--age DURATION] [--mac M]",
    .summary = "inject a HardwareAuthToken straight into keystore's token cache",
    .description = "Injects an auth token into keystore's token cache, bypassing Gatekeeper and the biometric HAL, as\n"
                   "a compromised HAL could. The injection itself succeeds; what matters is what the next operation\n"
                   "makes of the token (a corrupt MAC or a previous boot's key is rejected by KeyMint).",
    .android = "a compromised Gatekeeper or fingerprint HAL calling keystore2's addAuthToken.",
    .options = forge_token_options,
    .option_count = sizeof(forge_token_options) / sizeof(forge_token_options[0]),
    .run = run_forge_token,
};

/* ---- tamper-key-blob ---- */

typedef struct tamper_request {
    const char *alias;
    uint32_t field;
} tamper_request;

static kssim_result tamper_key_blob(kssim_device *device, void *request_pointer, cli_output *output)
{
    (void)output;
    const tamper_request *request = request_pointer;
    return kssim_tamper_key_blob(device, request->alias, (kssim_blob_field)request->field);
}

static int run_tamper_key_blob(const cli_command *command, const cli_args *args)
{
    (void)command;
    tamper_request request = {.alias = cli_get(args, "--alias")};
    if (!cli_option_word(args, "--field", &scenario_blob_fields, KSSIM_BLOB_KEY_MATERIAL, &request.field))
        return KSSIM_EXIT_USAGE;
    return cli_with_device(args, tamper_key_blob, &request);
}

static const cli_option tamper_key_blob_options[] = {
    {"--alias", "ALIAS", "the key (also accepted as the first argument)", false},
    {"--field", "FIELD", "auth_timeout, user_auth_types, purposes or key_material", true},
};

const cli_command command_tamper_key_blob = {
    .name = "tamper-key-blob",
    .group = GROUP_ATTACKS,
    .synopsis = "ALIAS --field auth_timeout|user_auth_types|purposes|key_material",
    .summary = "flip bits in a stored key blob: the next use gives INVALID_KEY_BLOB",
    .description = "Flips stored key data, as an attacker with access to the key database could. The blob then fails\n"
                   "KeyMint's integrity check, so the next use of the key gives INVALID_KEY_BLOB.",
    .android = "editing /data/misc/keystore/persistent.sqlite as root.",
    .options = tamper_key_blob_options,
    .option_count = sizeof(tamper_key_blob_options) / sizeof(tamper_key_blob_options[0]),
    .operand = "ALIAS",
    .operand_option = "--alias",
    .operand_required = true,
    .run = run_tamper_key_blob,
};

/* ---- callback-without-crypto ---- */

static kssim_result callback_without_crypto(kssim_device *device, void *request, cli_output *output)
{
    (void)request;
    (void)output;
    return kssim_callback_without_crypto(device);
}

static int run_callback_without_crypto(const cli_command *command, const cli_args *args)
{
    (void)command;
    return cli_with_device(args, callback_without_crypto, NULL);
}

const cli_command command_callback_without_crypto = {
    .name = "callback-without-crypto",
    .group = GROUP_ATTACKS,
    .synopsis = "",
    .summary = "fire the app's biometric success callback with no authentication behind it (no token)",
    .description = "The event-bound bypass: an attacker fires the app's onAuthenticationSucceeded through\n"
                   "instrumentation (e.g. Frida). No auth token is produced, so keystore changes nothing: keys that\n"
                   "need authentication stay unusable, which is why apps must use a CryptoObject.",
    .android = "BiometricPrompt.AuthenticationCallback.onAuthenticationSucceeded called by an attacker.",
    .run = run_callback_without_crypto,
};
