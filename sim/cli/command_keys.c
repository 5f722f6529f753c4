/*
 * command_keys.c - making and removing keys: generate-key, import-key and delete-key. Each prints
 * nothing on success. (Listing and inspecting keys: command_key_queries.c.)
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli/cli_attestation.h"
#include "cli/cli_bytes.h"
#include "cli/cli_device.h"
#include "cli/cli_key_policy.h"
#include "cli/cli_options.h"
#include "cli/cli_values.h"

#define GROUP_KEYS "Keys"

/* ---- generate-key ---- */

static kssim_result generate_key(kssim_device *device, void *request, cli_output *output)
{
    const kssim_key_spec *spec = request;
    cli_note_app_call(output, device, NULL, APP_VIEW_KEY_GENERATION, 0);
    output->app_call.algorithm = spec->algorithm;
    return kssim_generate_key(device, spec);
}

static int run_generate_key(const cli_command *command, const cli_args *args)
{
    (void)command;
    kssim_algorithm algorithm;
    kssim_key_spec spec;
    if (!cli_read_key_algorithm(args, KSSIM_ALGORITHM_EC, &algorithm) ||
        !cli_read_key_spec(args, cli_get(args, "--alias"), algorithm, &spec) ||
        !cli_read_attestation_options(args, &spec))
        return KSSIM_EXIT_USAGE;
    return cli_with_device(args, generate_key, &spec);
}

static const cli_option generate_key_options[] = {
    {"--alias", "ALIAS", "the key's name (also accepted as the first argument)", false},
    CLI_KEY_POLICY_OPTIONS,
    CLI_ATTESTATION_OPTIONS,
};

const cli_command command_generate_key = {
    .name = "generate-key",
    .group = GROUP_KEYS,
    .synopsis = "ALIAS [--algorithm ec|rsa|ed25519|aes|hmac] [--size N] [--purposes sign,verify]\n"
                "                   [--auth biometric_strong,device_credential] [--timeout N]\n"
                "                   [--no-invalidate-on-enrollment] [--unlocked-device-required]\n"
                "                   [--usage-count-limit N] [--max-uses-per-boot N] [more policy options]\n"
                "                   [--attestation-challenge TEXT | --attestation-challenge-hex HEX]\n"
                "                   [--attestation-application-id TEXT] [--attestation-app-signature-digest HEX]",
    .summary = "generate a key in keystore with an app's KeyGenParameterSpec",
    .description = "Generates a key under ALIAS, replacing any key of that alias, as Android does. The key is bound\n"
                   "to SIDs as the framework binds them: [biometric_strong,device_credential] and [device_credential]\n"
                   "bind the root SID; [biometric_strong] binds every current strong biometric authenticator ID (the\n"
                   "root SID with --no-invalidate-on-enrollment). Refusals: NO_SECURE_LOCK_SCREEN (--auth without a\n"
                   "lock screen), NO_BIOMETRIC_ENROLLED, HARDWARE_TYPE_UNAVAILABLE, UNSUPPORTED_KEY_SIZE, "
                   "...\n\n" CLI_KEY_POLICY_HELP,
    .android = "KeyPairGenerator / KeyGenerator with a KeyGenParameterSpec in the AndroidKeyStore provider.",
    .options = generate_key_options,
    .option_count = sizeof(generate_key_options) / sizeof(generate_key_options[0]),
    .operand = "ALIAS",
    .operand_option = "--alias",
    .operand_required = true,
    .run = run_generate_key,
};

/* ---- import-key ---- */

typedef struct import_request {
    const cli_args *args;
    bool algorithm_given;
    kssim_algorithm algorithm;
    uint8_t *material;
    size_t material_length;
    kssim_key_spec spec;
} import_request;

static kssim_result import_key(kssim_device *device, void *request, cli_output *output)
{
    cli_note_app_call(output, device, NULL, APP_VIEW_KEY_IMPORT, 0);
    import_request *r = request;
    /* Without --algorithm the key names its own, as a PrivateKey object does on Android. */
    if (!r->algorithm_given) {
        kssim_result result = kssim_import_key_algorithm(device, r->material, r->material_length, &r->algorithm);
        if (result != KSSIM_OK)
            return result;
    }
    /* run_import_key read every option successfully before the device was opened; reading them again
     * over the defaults of the algorithm the key named gives the same answer, so it cannot fail here. */
    (void)cli_read_key_spec(r->args, cli_get(r->args, "--alias"), r->algorithm, &r->spec);
    /* The size is the key's own unless the command states one (which must then match). */
    if (!cli_has(r->args, "--size"))
        r->spec.size = 0;
    return kssim_import_key(device, &r->spec, r->material, r->material_length);
}

static const cli_byte_source key_material = {.what = "the key material",
                                             .hex_option = "--key-hex",
                                             .file_option = "--pem-file",
                                             .limit = CLI_KEY_FILE_MAX,
                                             .limit_reason = "1 MiB, far more than any private key's PEM or DER: "
                                                             "is it the key file?"};

static int run_import_key(const cli_command *command, const cli_args *args)
{
    (void)command;
    import_request request;
    memset(&request, 0, sizeof(request));
    request.args = args;
    request.algorithm_given = cli_has(args, "--algorithm");
    /* Every option is checked before the device is touched, with the algorithm the key will most likely
     * name; import_key reads them again once the key has named its own. */
    if (!cli_read_key_algorithm(args, KSSIM_ALGORITHM_EC, &request.algorithm) ||
        !cli_read_key_spec(args, cli_get(args, "--alias"), request.algorithm, &request.spec) ||
        !cli_read_bytes(args, &key_material, true, &request.material, &request.material_length))
        return KSSIM_EXIT_USAGE;
    int status = cli_with_device(args, import_key, &request);
    /* Private key material: wiped, as the secrets read from files are (cli_secret.c). */
    if (request.material != NULL)
        OPENSSL_cleanse(request.material, request.material_length);
    free(request.material);
    return status;
}

static const cli_option import_key_options[] = {
    {"--alias", "ALIAS", "the key's name (also accepted as the first argument)", false},
    {"--pem-file", "FILE",
     "private key: PEM or DER, PKCS#8 or traditional, or raw aes or hmac bytes with --algorithm (kept off the "
     "command line, unlike --key-hex); - reads standard input; at most 1 MiB",
     false},
    {"--key-hex", "HEX", "raw AES or HMAC key bytes (then --algorithm is needed)", false},
    CLI_KEY_POLICY_OPTIONS,
};

const cli_command command_import_key = {
    .name = "import-key",
    .group = GROUP_KEYS,
    .synopsis = "ALIAS --pem-file FILE | --key-hex HEX --algorithm aes|hmac [policy options]",
    .summary = "import private key material into keystore (then it never leaves)",
    .description =
        "Imports private key material under ALIAS with the same policy options as generate-key. A private key\n"
        "names its own algorithm and size, as AndroidKeyStoreSpi takes them from the PrivateKey: leave them\n"
        "out, or give them and KeyMint checks them. Raw --key-hex bytes carry no algorithm: --algorithm is\n"
        "needed (INVALID_ARGUMENT otherwise). Refusals: as generate-key; INVALID_ARGUMENT for material that\n"
        "cannot be parsed; UNSUPPORTED_KEY_SIZE for a size that is not the key's.\n\n" CLI_KEY_POLICY_HELP,
    .android = "KeyStore.setEntry with a KeyProtection in the AndroidKeyStore provider.",
    .options = import_key_options,
    .option_count = sizeof(import_key_options) / sizeof(import_key_options[0]),
    .operand = "ALIAS",
    .operand_option = "--alias",
    .operand_required = true,
    .run = run_import_key,
};

/* ---- delete-key ---- */

static kssim_result delete_key(kssim_device *device, void *request, cli_output *output)
{
    cli_note_app_call(output, device, NULL, APP_VIEW_KEY_DELETE, 0);
    return kssim_delete_key(device, (const char *)request);
}

static int run_delete_key(const cli_command *command, const cli_args *args)
{
    (void)command;
    return cli_with_device(args, delete_key, (void *)cli_get(args, "--alias"));
}

static const cli_option delete_key_options[] = {
    {"--alias", "ALIAS", "the key's name (also accepted as the first argument)", false},
};

const cli_command command_delete_key = {
    .name = "delete-key",
    .group = GROUP_KEYS,
    .synopsis = "ALIAS",
    .summary = "delete a key on purpose (its alias then gives KEY_NOT_FOUND)",
    .description = "Deletes the key. Using the alias afterwards gives KEY_NOT_FOUND; expect-key reports it absent.",
    .android = "KeyStore.deleteEntry.",
    .options = delete_key_options,
    .option_count = sizeof(delete_key_options) / sizeof(delete_key_options[0]),
    .operand = "ALIAS",
    .operand_option = "--alias",
    .operand_required = true,
    .run = run_delete_key,
};
