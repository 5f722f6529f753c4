/*
 * command_operations.c - using keys: sign, verify, encrypt and decrypt, each one whole operation as an
 * app's Signature or Cipher object does it.
 *
 * Binary results (signatures, ciphertexts, plaintexts) are printed as one line of lowercase hex, or
 * written raw with --out FILE. A ciphertext is the IV or nonce KeyMint chose followed by the encrypted
 * data (with the GCM tag), as kssim_encrypt returns it and as apps store cipher.getIV() beside it; decrypt
 * takes the same bytes back. An operation whose finish is refused is not aborted: it ends with this
 * process, as an app's does when it is killed, and aborting would replace the device's explanation.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli_bytes.h"
#include "cli/cli_device.h"
#include "cli/cli_options.h"
#include "cli/cli_values.h"
#include "core/ecdsa_encoding.h"

#define GROUP_OPERATIONS "Operations"

/* The IV or nonce length that leads a ciphertext of kssim encrypt, by AES block mode. */
#define GCM_NONCE_BYTES 12
#define AES_IV_BYTES    16

typedef struct operation_request {
    const char *alias;
    kssim_op_params params;
    uint8_t *input; /* data, or the ciphertext for decrypt */
    size_t input_length;
    uint8_t *signature;
    size_t signature_length;
    cli_out_file out;  /* --out FILE, prepared before the device is touched */
    uint32_t encoding; /* --encoding: how an ECDSA signature is written or read */
    /* --explain: the command's action, run by explained_action, which prints its decision path. */
    cli_device_action explained;
} operation_request;

/* --explain (docs/explain.md): runs the action with the device's decision record on and prints the record to
 * stderr, one "why: " line per fact, whether the device agreed or refused. stdout stays the result's alone. */
static kssim_result explained_action(kssim_device *device, void *request_pointer, cli_output *output)
{
    operation_request *request = request_pointer;
    kssim_set_explain(device, true);
    kssim_result result = request->explained(device, request, output);
    const char *decision = kssim_device_decision(device);
    for (const char *line = decision; *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t length = end != NULL ? (size_t)(end - line) : strlen(line);
        fprintf(stderr, "why: %.*s\n", (int)length, line);
        line = end != NULL ? end + 1 : line + length;
    }
    kssim_set_explain(device, false);
    return result;
}

/* ---- --encoding: ECDSA signatures as DER (Android's) or as P1363 r || s (JWS's) ---- */

/* The curve size of the ec key a p1363 signature belongs to, in *curve_bits; false with a usage failure
 * when the key is not an ec key. A key that cannot be looked up is left to the operation, which refuses
 * it in the device's own words. */
static bool p1363_curve_of(kssim_device *device, const char *command, const char *alias, cli_output *output,
                           uint32_t *curve_bits)
{
    kssim_key_info info;
    memset(&info, 0, sizeof(info));
    *curve_bits = 0;
    if (kssim_key_info_get(device, alias, &info) != KSSIM_OK)
        return true;
    if (info.spec.algorithm != KSSIM_ALGORITHM_EC) {
        snprintf(output->failure, sizeof(output->failure),
                 "%s: --encoding p1363 is for ECDSA signatures (ES256, ES384, ES512) and key '%s' is not an ec "
                 "key: leave --encoding out (der) for this key",
                 command, alias);
        output->failure_status = KSSIM_EXIT_USAGE;
        return false;
    }
    *curve_bits = info.spec.size != 0 ? info.spec.size : 256;
    return true;
}

#define OPERATION_LIMIT_REASON                                                                                         \
    "16 MiB, the most one keystore operation takes (KeyMint's bound): split the data, or sign or encrypt a "           \
    "digest of it"

static const cli_byte_source data_source = {.what = "the data",
                                            .text_option = "--data",
                                            .hex_option = "--data-hex",
                                            .file_option = "--in",
                                            .limit = KSSIM_OPERATION_INPUT_MAX,
                                            .limit_reason = OPERATION_LIMIT_REASON};
static const cli_byte_source signature_source = {.what = "the signature",
                                                 .hex_option = "--signature-hex",
                                                 .file_option = "--signature",
                                                 .limit = CLI_SIGNATURE_MAX,
                                                 .limit_reason = "64 KiB, far more than any signature: is it the "
                                                                 "signature file?"};
/* A ciphertext is the operation's input after the IV or nonce that leads it. */
static const cli_byte_source ciphertext_source = {.what = "the ciphertext",
                                                  .hex_option = "--ciphertext-hex",
                                                  .file_option = "--ciphertext",
                                                  .limit = KSSIM_OPERATION_INPUT_MAX + AES_IV_BYTES,
                                                  .limit_reason = "16 MiB and its IV, the most one keystore "
                                                                  "operation takes (KeyMint's bound): kssim "
                                                                  "encrypt makes none this large"};

/* The operation parameters a command offers; those it does not offer are simply never given. */
static bool read_params(const cli_args *args, kssim_op_params *params)
{
    memset(params, 0, sizeof(*params));
    return cli_option_word(args, "--digest", &scenario_digests, 0, &params->digest) &&
           cli_option_word(args, "--padding", &scenario_paddings, 0, &params->padding) &&
           cli_option_word(args, "--block-mode", &scenario_block_modes, 0, &params->block_mode);
}

static void free_request(operation_request *request)
{
    free(request->input);
    free(request->signature);
    /* After a refusal or a failed commit the prepared file is removed: no result for a use not recorded. */
    cli_out_file_discard(&request->out);
}

/* Reads the alias, the parameters, the input and (for verify) the signature, and prepares --out, then runs
 * action: a result that could not be written fails here, before the device is touched. */
static int run_operation(const cli_args *args, const cli_byte_source *input, bool takes_signature,
                         cli_device_action action)
{
    operation_request request;
    memset(&request, 0, sizeof(request));
    request.out.fd = -1;
    request.alias = cli_get(args, "--key");
    int status = KSSIM_EXIT_USAGE;
    if (read_params(args, &request.params) &&
        cli_option_word(args, "--encoding", &scenario_signature_encodings, SCENARIO_ENCODING_DER, &request.encoding) &&
        cli_read_bytes(args, input, true, &request.input, &request.input_length) &&
        (!takes_signature ||
         cli_read_bytes(args, &signature_source, true, &request.signature, &request.signature_length)) &&
        cli_out_file_prepare(args->command, "--out", cli_get(args, "--out"), &request.out)) {
        if (cli_has(args, "--explain")) {
            request.explained = action;
            action = explained_action;
        }
        status = cli_with_device(args, action, &request);
    }
    free_request(&request);
    return status;
}

/* Where the result goes: the prepared --out, or NULL for hex on standard output. */
static cli_out_file *out_file_of(operation_request *request)
{
    return request->out.path != NULL ? &request->out : NULL;
}

/* The operation ends with this process, so the challenge in the device's sentence cannot be answered. */
#define PER_OPERATION_HINT                                                                                             \
    "this is a per-operation key: arm the system prompt first (kssim prompt --respond biometric:ID or "                \
    "credential:SECRET), then run the command again"

/* ---- sign ---- */

static kssim_result sign(kssim_device *device, void *request_pointer, cli_output *output)
{
    operation_request *request = request_pointer;
    /* Checked before the key is used: a refused encoding must not spend a use of a limited key. */
    uint32_t curve_bits = 0;
    if (request->encoding == SCENARIO_ENCODING_P1363 &&
        !p1363_curve_of(device, "sign", request->alias, output, &curve_bits))
        return KSSIM_OK;
    kssim_operation operation;
    memset(&operation, 0, sizeof(operation));
    cli_note_app_call(output, device, request->alias, APP_VIEW_OPERATION_INIT, KSSIM_PURPOSE_SIGN);
    /* An armed system prompt answers a per-operation key right here, bound to this operation's challenge. */
    kssim_result result = kssim_begin(device, request->alias, KSSIM_PURPOSE_SIGN, &request->params, &operation);
    if (result != KSSIM_OK)
        return result;
    output->app_call.stage = APP_VIEW_OPERATION_FINISH;
    uint8_t *signature = NULL;
    size_t signature_length = 0;
    result = kssim_finish(device, operation.handle, request->input, request->input_length, NULL, 0, &signature,
                          &signature_length);
    if (result == KSSIM_KEY_USER_NOT_AUTHENTICATED && operation.needs_per_op_auth)
        output->refusal_hint = PER_OPERATION_HINT;
    uint8_t raw[132]; /* the longest P1363 signature: P-521 */
    if (result == KSSIM_OK && request->encoding == SCENARIO_ENCODING_P1363) {
        /* KeyMint signs in DER, as on Android; JWS wants r || s (RFC 7518 section 3.4). */
        if (ecdsa_p1363_length(curve_bits) == 0 || ecdsa_p1363_length(curve_bits) > sizeof(raw) ||
            !ecdsa_der_to_p1363(signature, signature_length, curve_bits, raw)) {
            snprintf(output->failure, sizeof(output->failure),
                     "sign: the device's signature is not a DER ECDSA signature on a %u-bit curve; sign again "
                     "without --encoding to see it",
                     (unsigned)curve_bits);
            output->failure_status = KSSIM_EXIT_USAGE;
            kssim_free(signature);
            return KSSIM_OK;
        }
        kssim_free(signature);
        return cli_emit_bytes(output, "the signature", out_file_of(request), raw, ecdsa_p1363_length(curve_bits));
    }
    if (result == KSSIM_OK)
        result = cli_emit_bytes(output, "the signature", out_file_of(request), signature, signature_length);
    kssim_free(signature);
    return result;
}

static int run_sign(const cli_command *command, const cli_args *args)
{
    (void)command;
    return run_operation(args, &data_source, false, sign);
}

#define KEY_OPTION                                                                                                     \
    {                                                                                                                  \
        "--key", "ALIAS", "the key (also accepted as the first argument)", false                                       \
    }
#define DATA_OPTIONS                                                                                                   \
    {"--data", "TEXT", "the data: the UTF-8 bytes of TEXT", false}, {"--data-hex", "HEX", "the data, in hex", false},  \
    {                                                                                                                  \
        "--in", "FILE", "the data: a file's bytes (- = stdin), at most 16 MiB", false                                  \
    }
#define DIGEST_OPTION                                                                                                  \
    {                                                                                                                  \
        "--digest", "DIGEST", "none, sha1, sha224, sha256, sha384 or sha512; default: the key's", false                \
    }
#define PADDING_OPTION                                                                                                 \
    {                                                                                                                  \
        "--padding", "PADDING", "none, pkcs7, pkcs1, pss or oaep; default: the key's", false                           \
    }
#define BLOCK_MODE_OPTION                                                                                              \
    {                                                                                                                  \
        "--block-mode", "MODE", "aes: gcm, cbc, ctr or ecb; default: the key's", false                                 \
    }
#define ENCODING_OPTION                                                                                                \
    {                                                                                                                  \
        "--encoding", "der|p1363",                                                                                     \
            "ec keys: der (default, as Android returns it) or p1363, raw r||s of 64, 96 or 132 bytes as JWS "          \
            "ES256/ES384/ES512 carry it",                                                                              \
            false                                                                                                      \
    }
#define EXPLAIN_OPTION                                                                                                 \
    {                                                                                                                  \
        "--explain", NULL,                                                                                             \
            "print the decision path to stderr: rule IDs, tokens considered, the key's policy, the lock state "        \
            "(docs/explain.md)",                                                                                       \
            false                                                                                                      \
    }
#define OUT_OPTION                                                                                                     \
    {                                                                                                                  \
        "--out", "FILE",                                                                                               \
            "write the raw bytes to FILE (- = stdout) instead of printing hex; checked before the key is used, "       \
            "replaced once the device has recorded the use",                                                           \
            false                                                                                                      \
    }

static const cli_option sign_options[] = {KEY_OPTION,      DATA_OPTIONS, DIGEST_OPTION, PADDING_OPTION,
                                          ENCODING_OPTION, OUT_OPTION,   EXPLAIN_OPTION};

const cli_command command_sign = {
    .name = "sign",
    .group = GROUP_OPERATIONS,
    .synopsis = "ALIAS --data TEXT|--data-hex HEX|--in FILE [--digest D] [--padding P] [--encoding der|p1363] "
                "[--out FILE]",
    .summary = "sign data with a key (begin + finish); prints the signature in hex",
    .description =
        "Signs the data with an ec, rsa, ed25519 or hmac key, every rule applying (authentication, validity\n"
        "dates, use limits, lock state). A per-operation key (--timeout 0) needs the system prompt armed first\n"
        "(kssim prompt --respond biometric:ID): unarmed it gives KEY_USER_NOT_AUTHENTICATED. A timeout key\n"
        "needs a recent verify-credential or authenticate-biometric. Prints the signature as hex (or writes it\n"
        "raw with --out). Omitted parameters are chosen from the key's: sha256 where allowed; rsa pkcs1, then pss.\n"
        "--encoding p1363 writes an ec signature as r||s (JWS ES256 = P-256 with sha256; docs/jws.md).",
    .android = "Signature.initSign(privateKey) + update + sign() in the AndroidKeyStore provider.",
    .options = sign_options,
    .option_count = sizeof(sign_options) / sizeof(sign_options[0]),
    .operand = "ALIAS",
    .operand_option = "--key",
    .operand_required = true,
    .run = run_sign,
};

/* ---- verify ---- */

static kssim_result verify(kssim_device *device, void *request_pointer, cli_output *output)
{
    operation_request *request = request_pointer;
    if (request->encoding == SCENARIO_ENCODING_P1363) {
        uint32_t curve_bits = 0;
        if (!p1363_curve_of(device, "verify", request->alias, output, &curve_bits))
            return KSSIM_OK;
        uint8_t *der = NULL;
        size_t der_length = 0;
        if (curve_bits != 0 &&
            !ecdsa_p1363_to_der(request->signature, request->signature_length, curve_bits, &der, &der_length)) {
            /* Not r || s of this curve: no signature of this key, as a JWS verifier would conclude. */
            return KSSIM_VERIFICATION_FAILED;
        }
        if (der != NULL) {
            free(request->signature);
            request->signature = der;
            request->signature_length = der_length;
        }
    }
    cli_note_app_call(output, device, request->alias, APP_VIEW_SIGNATURE_VERIFY, KSSIM_PURPOSE_VERIFY);
    return kssim_verify(device, request->alias, &request->params, request->input, request->input_length,
                        request->signature, request->signature_length);
}

static int run_verify(const cli_command *command, const cli_args *args)
{
    (void)command;
    return run_operation(args, &data_source, true, verify);
}

static const cli_option verify_options[] = {
    KEY_OPTION,
    DATA_OPTIONS,
    {"--signature-hex", "HEX", "the signature, in hex (as kssim sign prints it)", false},
    {"--signature", "FILE", "the signature: a file's bytes (as kssim sign --out writes it)", false},
    DIGEST_OPTION,
    PADDING_OPTION,
    ENCODING_OPTION,
    EXPLAIN_OPTION,
};

const cli_command command_verify = {
    .name = "verify",
    .group = GROUP_OPERATIONS,
    .synopsis = "ALIAS --data TEXT|--data-hex HEX|--in FILE --signature-hex HEX|--signature FILE "
                "[--encoding der|p1363]",
    .summary = "verify a signature: public-key keys in software (no authentication), hmac keys in keystore",
    .description = "Checks a signature over the data. ec, rsa and ed25519 keys verify with the public key outside\n"
                   "keystore, as Android's framework does: no authentication, works while locked. hmac keys verify\n"
                   "in keystore with the key's full policy. Prints nothing when the signature matches; exits 1 with\n"
                   "VERIFICATION_FAILED when it does not. --encoding p1363 takes an ec signature as r||s (JWS).",
    .android = "Signature.initVerify(publicKey) + verify(), or Mac for hmac keys.",
    .options = verify_options,
    .option_count = sizeof(verify_options) / sizeof(verify_options[0]),
    .operand = "ALIAS",
    .operand_option = "--key",
    .operand_required = true,
    .run = run_verify,
};

/* ---- encrypt ---- */

static kssim_result encrypt(kssim_device *device, void *request_pointer, cli_output *output)
{
    operation_request *request = request_pointer;
    uint8_t *ciphertext = NULL;
    size_t ciphertext_length = 0;
    cli_note_app_call(output, device, request->alias, APP_VIEW_OPERATION_INIT, KSSIM_PURPOSE_ENCRYPT);
    kssim_result result = kssim_encrypt(device, request->alias, &request->params, request->input, request->input_length,
                                        &ciphertext, &ciphertext_length, NULL);
    if (result == KSSIM_OK)
        result = cli_emit_bytes(output, "the ciphertext", out_file_of(request), ciphertext, ciphertext_length);
    kssim_free(ciphertext);
    return result;
}

static int run_encrypt(const cli_command *command, const cli_args *args)
{
    (void)command;
    return run_operation(args, &data_source, false, encrypt);
}

static const cli_option encrypt_options[] = {KEY_OPTION,        DATA_OPTIONS, DIGEST_OPTION, PADDING_OPTION,
                                             BLOCK_MODE_OPTION, OUT_OPTION,   EXPLAIN_OPTION};

const cli_command command_encrypt = {
    .name = "encrypt",
    .group = GROUP_OPERATIONS,
    .synopsis = "ALIAS --data TEXT|--data-hex HEX|--in FILE [--block-mode M] [--padding P] [--out FILE]",
    .summary = "encrypt data: aes in keystore, rsa-oaep with the public key; prints IV || ciphertext in hex",
    .description = "Encrypts the data. aes keys run a keystore operation (every rule applies; KeyMint chooses the IV\n"
                   "or nonce); rsa keys encrypt with the public key outside keystore (no authentication). Prints the\n"
                   "IV or nonce followed by the ciphertext (with the GCM tag) as hex, or writes them raw with --out:\n"
                   "exactly what kssim decrypt takes. ec keys give UNSUPPORTED_PURPOSE.",
    .android = "Cipher.init(ENCRYPT_MODE, key) + doFinal(), storing cipher.getIV() beside the ciphertext.",
    .options = encrypt_options,
    .option_count = sizeof(encrypt_options) / sizeof(encrypt_options[0]),
    .operand = "ALIAS",
    .operand_option = "--key",
    .operand_required = true,
    .run = run_encrypt,
};

/* ---- decrypt ---- */

/* How many leading bytes of the ciphertext are the IV or nonce: it depends on the key's block mode
 * (the one given, else the key's only one). Sets a usage failure and returns false when the bytes do not
 * say enough. */
static bool nonce_length_of(kssim_device *device, const operation_request *request, cli_output *output,
                            size_t *nonce_length)
{
    kssim_key_info info;
    memset(&info, 0, sizeof(info));
    *nonce_length = 0;
    /* A key that cannot be looked up is refused by kssim_begin below, in the device's own words. */
    if (kssim_key_info_get(device, request->alias, &info) != KSSIM_OK || info.spec.algorithm != KSSIM_ALGORITHM_AES)
        return true;
    uint32_t mode = request->params.block_mode != 0 ? request->params.block_mode : info.spec.block_modes;
    if (mode != KSSIM_BLOCK_MODE_GCM && mode != KSSIM_BLOCK_MODE_CBC && mode != KSSIM_BLOCK_MODE_CTR &&
        mode != KSSIM_BLOCK_MODE_ECB) {
        snprintf(output->failure, sizeof(output->failure),
                 "decrypt: key '%s' allows several block modes: name the one the ciphertext was made with "
                 "(--block-mode gcm|cbc|ctr|ecb)",
                 request->alias);
        output->failure_status = KSSIM_EXIT_USAGE;
        return false;
    }
    *nonce_length = mode == KSSIM_BLOCK_MODE_GCM ? GCM_NONCE_BYTES : mode == KSSIM_BLOCK_MODE_ECB ? 0 : AES_IV_BYTES;
    if (request->input_length < *nonce_length) {
        snprintf(output->failure, sizeof(output->failure),
                 "decrypt: the ciphertext is %zu bytes, shorter than the %zu-byte IV or nonce it starts with",
                 request->input_length, *nonce_length);
        output->failure_status = KSSIM_EXIT_USAGE;
        return false;
    }
    return true;
}

static kssim_result decrypt(kssim_device *device, void *request_pointer, cli_output *output)
{
    operation_request *request = request_pointer;
    size_t nonce_length;
    if (!nonce_length_of(device, request, output, &nonce_length))
        return KSSIM_OK;
    kssim_op_params params = request->params;
    params.nonce = nonce_length > 0 ? request->input : NULL;
    params.nonce_len = nonce_length;
    kssim_operation operation;
    memset(&operation, 0, sizeof(operation));
    cli_note_app_call(output, device, request->alias, APP_VIEW_OPERATION_INIT, KSSIM_PURPOSE_DECRYPT);
    kssim_result result = kssim_begin(device, request->alias, KSSIM_PURPOSE_DECRYPT, &params, &operation);
    if (result != KSSIM_OK)
        return result;
    output->app_call.stage = APP_VIEW_OPERATION_FINISH;
    uint8_t *plaintext = NULL;
    size_t plaintext_length = 0;
    result = kssim_finish(device, operation.handle, request->input + nonce_length, request->input_length - nonce_length,
                          NULL, 0, &plaintext, &plaintext_length);
    if (result == KSSIM_KEY_USER_NOT_AUTHENTICATED && operation.needs_per_op_auth)
        output->refusal_hint = PER_OPERATION_HINT;
    if (result == KSSIM_OK)
        result = cli_emit_bytes(output, "the plaintext", out_file_of(request), plaintext, plaintext_length);
    kssim_free(plaintext);
    return result;
}

static int run_decrypt(const cli_command *command, const cli_args *args)
{
    (void)command;
    return run_operation(args, &ciphertext_source, false, decrypt);
}

static const cli_option decrypt_options[] = {
    KEY_OPTION,
    {"--ciphertext-hex", "HEX", "the ciphertext in hex, as kssim encrypt prints it", false},
    {"--ciphertext", "FILE", "the ciphertext: a file's bytes, as kssim encrypt --out writes it (- = stdin)", false},
    DIGEST_OPTION,
    PADDING_OPTION,
    BLOCK_MODE_OPTION,
    OUT_OPTION,
    EXPLAIN_OPTION,
};

const cli_command command_decrypt = {
    .name = "decrypt",
    .group = GROUP_OPERATIONS,
    .synopsis = "ALIAS --ciphertext-hex HEX|--ciphertext FILE [--block-mode M] [--padding P] [--out FILE]",
    .summary = "decrypt in keystore (aes, rsa); prints the plaintext in hex, or raw with --out",
    .description = "Decrypts what kssim encrypt produced (the IV or nonce, then the ciphertext) in keystore, every\n"
                   "rule applying; per-operation keys need kssim prompt first. Prints the plaintext as hex, or\n"
                   "writes it raw with --out FILE (--out - for standard output). An aes key with several block\n"
                   "modes needs --block-mode, to know where the IV ends.",
    .android = "Cipher.init(DECRYPT_MODE, key, new GCMParameterSpec(128, iv)) + doFinal().",
    .options = decrypt_options,
    .option_count = sizeof(decrypt_options) / sizeof(decrypt_options[0]),
    .operand = "ALIAS",
    .operand_option = "--key",
    .operand_required = true,
    .run = run_decrypt,
};
