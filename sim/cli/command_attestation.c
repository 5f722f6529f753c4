/*
 * command_attestation.c - key attestation in the shell: the generate-key options that ask for it
 * (--attestation-challenge, --attestation-challenge-hex, --attestation-application-id,
 * --attestation-app-signature-digest), `kssim attestation
 * ALIAS` (the chain, PEM, leaf first) and `kssim attestation-root` (the device's test root, PEM).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli/cli_attestation.h"
#include "cli/cli_device.h"
#include "cli/cli_options.h"
#include "cli/cli_values.h"
#include "cli/commands.h"
#include "core/names.h"

#define GROUP_KEYS "Keys"

bool cli_read_attestation_options(const cli_args *args, kssim_key_spec *spec)
{
    const char *text = cli_get(args, "--attestation-challenge");
    const char *hex = cli_get(args, "--attestation-challenge-hex");
    const char *application_id = cli_get(args, "--attestation-application-id");
    const char *digest = cli_get(args, "--attestation-app-signature-digest");
    if (text != NULL && hex != NULL) {
        cli_usage_error(args->command, "give --attestation-challenge or --attestation-challenge-hex, not both");
        return false;
    }
    /* The challenge's length, the application ID and digest without a challenge, and the release are the
     * library's checks (kssim_generate_key), the same for scenarios and genpkey: refusals with a result. */
    if (text != NULL) {
        kssim_key_spec_set_attestation_challenge(spec, (const uint8_t *)text, strlen(text));
    } else if (hex != NULL) {
        uint8_t *bytes = NULL;
        size_t len = 0;
        if (!cli_parse_hex(args->command, "--attestation-challenge-hex", hex, &bytes, &len))
            return false;
        kssim_key_spec_set_attestation_challenge(spec, bytes, len);
        free(bytes);
    }
    if (application_id != NULL) {
        if (application_id[0] == '\0' || strlen(application_id) >= sizeof(spec->attestation_application_id)) {
            cli_usage_error(args->command, "--attestation-application-id takes a package name of 1 to %zu bytes",
                            sizeof(spec->attestation_application_id) - 1);
            return false;
        }
        strcpy(spec->attestation_application_id, application_id);
    }
    if (digest != NULL) {
        uint8_t *bytes = NULL;
        size_t len = 0;
        if (!cli_parse_hex(args->command, "--attestation-app-signature-digest", digest, &bytes, &len))
            return false;
        /* kssim_generate_key refuses any length but 32; more than the spec holds is kept as its length */
        size_t kept =
            len < sizeof(spec->attestation_app_signature_digest) ? len : sizeof(spec->attestation_app_signature_digest);
        if (kept > 0)
            memcpy(spec->attestation_app_signature_digest, bytes, kept);
        spec->attestation_app_signature_digest_len = len == 0 ? UINT32_MAX : (uint32_t)len;
        free(bytes);
    }
    return true;
}

/* ---- attestation ALIAS ---- */

typedef struct chain_request {
    const char *alias;
    const char *attack; /* NULL, or a word of sim_attestation_attacks */
    const char *from;   /* copy-extension: the key whose extension is copied */
} chain_request;

/* The chain is concatenated DER: each certificate's own length says where the next begins. */
static kssim_result print_der_chain(const uint8_t *der, size_t der_len, cli_output *output)
{
    kssim_result result = KSSIM_OK;
    const unsigned char *p = der, *end = der + der_len;
    while (result == KSSIM_OK && p < end) {
        const unsigned char *start = p;
        X509 *cert = d2i_X509(NULL, &p, (long)(end - p));
        if (cert == NULL || PEM_write(output->text, "CERTIFICATE", "", start, (long)(p - start)) <= 0)
            result = KSSIM_SYSTEM_ERROR;
        X509_free(cert);
    }
    return result;
}

static kssim_result print_chain(kssim_device *device, void *arg, cli_output *output)
{
    const chain_request *request = arg;
    uint8_t *der = NULL;
    size_t der_len = 0, count = 0;
    kssim_result result;
    if (request->attack != NULL) {
        /* the secure world alters the chain: the intermediate's key never leaves it (docs/attestation.md) */
        const sim_word *attack = sim_vocabulary_find(&sim_attestation_attacks, request->attack);
        result = kssim_attestation_attack_chain(device, request->alias, (kssim_attestation_attack)attack->value,
                                                request->from, &der, &der_len, &count);
    } else {
        result = kssim_attestation_chain(device, request->alias, &der, &der_len, &count);
    }
    if (result == KSSIM_OK)
        result = print_der_chain(der, der_len, output);
    kssim_free(der);
    return result;
}

static int run_attestation(const cli_command *command, const cli_args *args)
{
    chain_request request = {
        .alias = cli_get(args, "--alias"), .attack = cli_get(args, "--attack"), .from = cli_get(args, "--from")};
    if (request.attack != NULL && sim_vocabulary_find(&sim_attestation_attacks, request.attack) == NULL) {
        char words[96];
        sim_vocabulary_list(&sim_attestation_attacks, " or ", words, sizeof(words));
        return cli_usage_error(command, "--attack takes %s, not '%s'", words, request.attack);
    }
    bool copies = request.attack != NULL && strcmp(request.attack, "copy-extension") == 0;
    if (copies != (request.from != NULL))
        return cli_usage_error(command, "--attack copy-extension needs --from ALIAS (the key whose extension is "
                                        "copied), and --from goes only with it");
    return cli_with_device_reading(args, print_chain, &request);
}

static const cli_option attestation_options[] = {
    {"--alias", "ALIAS", "the key's name (also accepted as the first argument)", false},
    {"--attack", "KIND",
     "print an altered chain a verifier must refuse: resign-root (another root re-signs the intermediate), "
     "wrong-key (the device's intermediate signs a leaf for another key), copy-extension (the leaf carries "
     "--from's KeyDescription, signed by the device's intermediate)",
     false},
    {"--from", "ALIAS", "copy-extension: the key whose KeyDescription is copied", false},
};

const cli_command command_attestation = {
    .name = "attestation",
    .group = GROUP_KEYS,
    .synopsis = "ALIAS",
    .summary = "print the key's attestation certificate chain (PEM, leaf first, root last)",
    .description =
        "Prints the chain KeyMint made when the key was generated with --attestation-challenge: the leaf (the\n"
        "key's public key and the KeyDescription extension 1.3.6.1.4.1.11129.2.1.17: attestation version,\n"
        "security level, challenge, software- and hardware-enforced authorization lists), the intermediate and\n"
        "the device's attestation root. The root is a test root of this simulated device, never Google's.\n"
        "Refusal: INVALID_ARGUMENT for a key generated without an attestation challenge.\n"
        "--attack prints instead an altered chain for testing a verifier: resign-root (refused at the pinned\n"
        "root), wrong-key (a correctly signed leaf for another key: refused at the public-key comparison), or\n"
        "copy-extension --from OTHER (OTHER's KeyDescription in this key's leaf, signed by the device's\n"
        "intermediate as a compromised TEE could: refused at the challenge). The same device and command give\n"
        "the same bytes. A replayed challenge needs no artifact: it is the key's own chain checked against a\n"
        "new challenge.",
    .android = "KeyStore.getCertificateChain(alias) after KeyGenParameterSpec.Builder.setAttestationChallenge.",
    .options = attestation_options,
    .option_count = sizeof(attestation_options) / sizeof(attestation_options[0]),
    .operand = "ALIAS",
    .operand_option = "--alias",
    .operand_required = true,
    .run = run_attestation,
};

/* ---- attestation-root ---- */

static kssim_result print_root(kssim_device *device, void *request, cli_output *output)
{
    (void)request;
    uint8_t *der = NULL;
    size_t der_len = 0;
    kssim_result result = kssim_attestation_root(device, &der, &der_len);
    if (result == KSSIM_OK && PEM_write(output->text, "CERTIFICATE", "", der, (long)der_len) <= 0)
        result = KSSIM_SYSTEM_ERROR;
    kssim_free(der);
    return result;
}

static int run_attestation_root(const cli_command *command, const cli_args *args)
{
    (void)command;
    return cli_with_device_reading(args, print_root, NULL);
}

const cli_command command_attestation_root = {
    .name = "attestation-root",
    .group = GROUP_KEYS,
    .synopsis = "",
    .summary = "print the device's attestation root certificate (PEM)",
    .description = "Prints the self-signed root every attestation chain of this device ends in: the trust anchor a\n"
                   "backend test configures (openssl verify -CAfile). It is derived from the device's own key, so\n"
                   "it is the same for the device's whole life and for every device made from the same seed, and\n"
                   "different for another seed. A test root, never Google's.",
    .android = "The attestation root a backend pins (Google's hardware attestation root on real devices).",
    .options = NULL,
    .option_count = 0,
    .run = run_attestation_root,
};
